/**
 * The platform option `esoWait` (fidelity row "Waiting for ESO"): `all` (default, the book's pipeline,
 * Chapter 8 §8.4) holds the Deployment until every Secret its pods read exists; `imagePullSecrets` (the
 * reference operator, crates/lattice-service/src/controller.rs:284-293, 524-600) waits only for the pod's
 * `imagePullSecrets` and applies the Deployment while an env Secret is still missing.
 */
import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { bugTestCluster, cedarPolicy, service } from '../harness/bugs/testing/cluster.ts';
import { CedarLoader, LatticeServiceType, serviceController, type EsoWait } from '../platform/index.ts';

const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' };

/** `ns/web` reads secret `db` through secretKeyRef; no ESO runs, so Secret `web-db` never appears. Returns its phase and message and whether a Deployment exists after three reconciles. */
async function reconcileWith(esoWait: EsoWait | undefined): Promise<{ phase?: string; message?: string; deployment: boolean }> {
  const c = await bugTestCluster();
  await c.client.create(cedarPolicy('permit-all', 'permit (principal, action, resource);\n'));
  const web = service('ns', 'web');
  const spec = web.spec as { workload: { containers: { main: { variables?: Record<string, string> } }; resources?: Record<string, unknown> } };
  spec.workload.containers.main.variables = { DB_PASSWORD: '${secret.db.password}' };
  spec.workload.resources = { db: { type: 'secret', id: 'ns/db', params: { provider: 'lattice-local', keys: ['password'] } } };
  await c.client.create(web);
  const controller = serviceController({ client: c.client, cedar: new CedarLoader(c.client), clusterName: 'test', ...(esoWait ? { esoWait } : {}) });
  for (let i = 0; i < 3; i++) await controller.reconciler.reconcile({ namespace: 'ns', name: 'web' }, { clock: c.clock, log: { info: () => {}, warn: () => {} } });
  const status = ((await c.client.get(LatticeServiceType, { namespace: 'ns', name: 'web' })) as KubeObject & { status?: { phase?: string; message?: string } }).status ?? {};
  const deployment = (await c.client.list(DEPLOYMENT, { namespace: 'ns' })).items.some((d) => d.metadata.name === 'web');
  return { phase: status.phase, message: status.message, deployment };
}

describe('esoWait', () => {
  test('all (default, the book): no Deployment while the env Secret is missing', async () => {
    expect(await reconcileWith(undefined)).toEqual({ phase: 'Compiling', message: 'Waiting for ExternalSecrets to sync: web-db', deployment: false });
    expect(await reconcileWith('all')).toEqual({ phase: 'Compiling', message: 'Waiting for ExternalSecrets to sync: web-db', deployment: false });
  });

  test('imagePullSecrets (the reference): the Deployment is applied at once and the service waits for its mesh member', async () => {
    expect(await reconcileWith('imagePullSecrets')).toEqual({ phase: 'Compiling', message: 'Waiting for mesh member policies', deployment: true });
  });
});
