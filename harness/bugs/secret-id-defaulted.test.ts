import { describe, expect, test } from 'vitest';
import { LatticeServiceType } from '../../platform/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { secretIdDefaulted } from './secret-id-defaulted.ts';
import { bugTestCluster, cedarPolicy, reconcileService, service, storedIn, storedStatus } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

/** `ns/api` declares secret resource `db` without `id`; Cedar permits everything. */
async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(cedarPolicy('permit-all', 'permit (principal, action, resource);\n'));
  const api = service('ns', 'api');
  api.spec.workload.containers.main.resources = { limits: { cpu: '100m', memory: '64Mi' } }; // a valid spec but for the secret
  api.spec.workload.resources = { db: { type: 'secret', params: { provider: 'lattice-local', keys: ['password'] } } };
  await c.client.create(api);
  return c;
}

async function admit(c: BugTestCluster, client: BugTestCluster['client']): Promise<void> {
  await reconcileService(c, client, 'ns', 'api'); // Pending → Compiling
  await reconcileService(c, client, 'ns', 'api'); // compile (secrets, gates), then layer 1
}

describe('secret-id-defaulted', () => {
  test('without the bug the spec is refused with the reference error and nothing is written', async () => {
    const c = await cluster();
    await admit(c, c.client);
    expect(await storedStatus(c.client, LatticeServiceType, 'ns', 'api')).toMatchObject({ phase: 'Failed', message: "invalid secret config: secret resource 'db': missing 'id' field (remote key for secret store)" });
    expect(await storedIn(c.client, StubTypes.ExternalSecret, 'ns')).toEqual([]);
  });

  test('with the bug the service compiles and an ExternalSecret reads remote key "db"; the stored spec is unchanged', async () => {
    const c = await cluster();
    const { platformClient } = secretIdDefaulted.apply(c.seams, { clock: c.clock });
    await admit(c, platformClient);
    expect((await storedStatus(c.client, LatticeServiceType, 'ns', 'api')).phase).toBe('Compiling');
    const es = (await storedIn(c.client, StubTypes.ExternalSecret, 'ns')) as unknown as { spec: { data: { remoteRef: { key: string } }[] } }[];
    expect(es.map((e) => e.spec.data[0].remoteRef.key)).toEqual(['db']);
    const stored = await c.client.get(LatticeServiceType, { namespace: 'ns', name: 'api' });
    expect((stored as unknown as { spec: { workload: { resources: { db: { id?: string } } } } }).spec.workload.resources.db.id).toBeUndefined();
  });
});
