import { describe, expect, test } from 'vitest';
import { LatticeMeshMemberType, LatticeServiceType } from '../../platform/index.ts';
import { CoreTypes } from '../stubs/third-party-crds.ts';
import { leftoversOf } from '../verifier/admission-judge.ts';
import { validationFailureUnreported } from './validation-failure-unreported.ts';
import { bugTestCluster, cedarPolicy, reconcileService, service, storedIn, storedStatus } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

/** `ns/api` with a relative command (as the webapp's `node`), reconciled twice through `client`. */
async function invalidService(wrap: (c: BugTestCluster) => BugTestCluster['client']): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  const api = service('ns', 'api');
  api.spec.workload.containers.main.command = ['nginx', '-g', 'daemon off;'];
  await c.client.create(api);
  const client = wrap(c);
  await reconcileService(c, client, 'ns', 'api');
  await reconcileService(c, client, 'ns', 'api');
  return c;
}

const reader = (c: BugTestCluster) => ({ list: (t: { apiVersion: string; kind: string }, o?: { namespace?: string }) => c.server.list(t, o).items, get: () => undefined }) as never;

describe('validation-failure-unreported', () => {
  test('without the bug the controller fails the service with the field named (reference controller.rs:818-829) and produces nothing', async () => {
    const c = await invalidService((x) => x.client);
    const status = await storedStatus(c.client, LatticeServiceType, 'ns', 'api');
    expect(status).toMatchObject({ phase: 'Failed', message: "spec.workload.containers.main.command[0]: 'main': command[0] 'nginx' must be an absolute path (start with '/')", observedGeneration: 1 });
    expect((status.conditions as { type: string; reason: string }[]).find((k) => k.type === 'Ready')?.reason).toBe('ValidationFailed');
    expect(await storedIn(c.client, CoreTypes.Deployment, 'ns')).toEqual([]);
    expect(await storedIn(c.client, LatticeMeshMemberType, 'ns')).toEqual([]);
    expect(leftoversOf(reader(c), service('ns', 'api'))).toEqual([]);
  });

  test('with the bug the same service has no phase at all, and still nothing is produced', async () => {
    const c = await invalidService((x) => validationFailureUnreported.apply(x.seams, { clock: x.clock }).platformClient);
    const status = await storedStatus(c.client, LatticeServiceType, 'ns', 'api');
    expect(status.phase).toBeUndefined();
    expect(await storedIn(c.client, CoreTypes.Deployment, 'ns')).toEqual([]);
  });

  test('Cedar denials are still reported under the bug (only validation failures are dropped)', async () => {
    const c = await bugTestCluster();
    const api = service('ns', 'api');
    api.spec.workload.resources = { db: { type: 'secret', id: 'ns/db', params: { provider: 'lattice-local', keys: ['password'] } } };
    await c.client.create(api);
    await c.client.create(cedarPolicy('nothing', 'forbid (principal, action, resource) when { false };'));
    const client = validationFailureUnreported.apply(c.seams, { clock: c.clock }).platformClient;
    await reconcileService(c, client, 'ns', 'api');
    await reconcileService(c, client, 'ns', 'api');
    expect((await storedStatus(c.client, LatticeServiceType, 'ns', 'api')).phase).toBe('Failed');
  });
});

