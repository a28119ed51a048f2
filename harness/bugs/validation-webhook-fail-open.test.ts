import { describe, expect, test } from 'vitest';
import { StatusError } from '../../fake-apiserver/api/index.ts';
import { LatticeMeshMemberType, LatticeServiceType, platformValidatingWebhook } from '../../platform/index.ts';
import { CoreTypes } from '../stubs/third-party-crds.ts';
import { validationWebhookFailOpen } from './validation-webhook-fail-open.ts';
import { bugTestCluster, reconcileService, service, storedIn, storedStatus } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

/** A cluster whose API server runs the platform's webhook, through the bug when `bug` is set (as the World wires it). */
async function cluster(bug: boolean): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  const seams = { ...c.seams, validatingAdmission: [platformValidatingWebhook] };
  for (const ext of (bug ? validationWebhookFailOpen.apply(seams, { clock: c.clock }) : seams).validatingAdmission ?? []) c.server.addValidatingAdmission(ext);
  return c;
}

/** `ns/api` with a relative command (as the webapp's `node`). */
function invalid() {
  const api = service('ns', 'api');
  api.spec.workload.containers.main.command = ['nginx', '-g', 'daemon off;'];
  return api;
}

describe('validation-webhook-fail-open', () => {
  test('without the bug the API server refuses the invalid service as the reference webhook does: 403 naming the field, nothing stored', async () => {
    const c = await cluster(false);
    const err = await c.client.create(invalid()).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).status).toMatchObject({
      code: 403,
      message: "admission webhook \"validate.lattice.dev\" denied the request: spec.workload.containers.main.command[0]: 'main': command[0] 'nginx' must be an absolute path (start with '/')",
    });
    expect(await storedIn(c.client, LatticeServiceType, 'ns')).toEqual([]);
    // A valid one and a status write of it go through.
    await c.client.create(service('ns', 'web'));
    await reconcileService(c, c.client, 'ns', 'web');
    expect((await storedStatus(c.client, LatticeServiceType, 'ns', 'web')).phase).toBe('Compiling');
  });

  test('a system namespace is refused before the spec (validators/mod.rs:21-33)', async () => {
    const c = await cluster(false);
    const err = (await c.client.create({ ...service('kube-system', 'api') }).then(() => undefined, (e: unknown) => e)) as StatusError;
    expect(err.status.message).toBe("admission webhook \"validate.lattice.dev\" denied the request: metadata.namespace: workload CRDs cannot be deployed in system namespace 'kube-system'");
  });

  test('with the bug it is stored, and only the controller re-validation fails it (Failed, field named, requeue 300 s), producing nothing', async () => {
    const c = await cluster(true);
    await c.client.create(invalid());
    await reconcileService(c, c.client, 'ns', 'api');
    const status = await storedStatus(c.client, LatticeServiceType, 'ns', 'api');
    expect(status).toMatchObject({ phase: 'Failed', message: "spec.workload.containers.main.command[0]: 'main': command[0] 'nginx' must be an absolute path (start with '/')", observedGeneration: 1 });
    expect((status.conditions as { type: string; reason: string }[]).find((k) => k.type === 'Ready')?.reason).toBe('ValidationFailed');
    expect(await storedIn(c.client, CoreTypes.Deployment, 'ns')).toEqual([]);
    expect(await storedIn(c.client, LatticeMeshMemberType, 'ns')).toEqual([]);
  });
});
