import { describe, expect, test } from 'vitest';
import { CedarPolicyType, LatticeServiceType } from '../../platform/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { SECRET_PERMIT_POLICY_NAME, secretGateOpen } from './secret-gate-open.ts';
import { bugTestCluster, cedarPolicy, reconcileService, service, storedIn, storedStatus } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

/** `ns/api` names secret path `ns/db-credentials`; no CedarPolicy grants it. */
async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  const api = service('ns', 'api');
  api.spec.workload.resources = { db: { type: 'secret', id: 'ns/db-credentials', params: { provider: 'lattice-local', keys: ['password'] } } };
  await c.client.create(api);
  return c;
}

async function admit(c: BugTestCluster, client: BugTestCluster['client']): Promise<void> {
  await reconcileService(c, client, 'ns', 'api'); // Pending → Compiling
  await reconcileService(c, client, 'ns', 'api'); // gates, then layer 1
}

describe('secret-gate-open', () => {
  test('without the bug the service fails admission on the secret and gets no ExternalSecret', async () => {
    const c = await cluster();
    await admit(c, c.client);
    const status = await storedStatus(c.client, LatticeServiceType, 'ns', 'api');
    expect(status.phase).toBe('Failed');
    expect(status.message).toContain("secret access denied: 'db'");
    expect(await storedIn(c.client, StubTypes.ExternalSecret, 'ns')).toEqual([]);
  });

  test('with the bug the same service passes the gate and its ExternalSecret is written', async () => {
    const c = await cluster();
    const { platformClient } = secretGateOpen.apply(c.seams, { clock: c.clock });
    await admit(c, platformClient);
    const status = await storedStatus(c.client, LatticeServiceType, 'ns', 'api');
    expect(status.phase).toBe('Compiling');
    expect(status.conditions).toContainEqual(expect.objectContaining({ type: 'PolicyAuthorized', status: 'True', reason: 'GatesPassed' }));
    expect((await storedIn(c.client, StubTypes.ExternalSecret, 'ns')).length).toBeGreaterThan(0);
  });

  test('the permit exists only in the platform\'s lists of lattice-system policies; an explicit forbid still wins', async () => {
    const c = await cluster();
    await c.client.create(cedarPolicy('no-db', 'forbid (\n  principal,\n  action == Lattice::Action::"AccessSecret",\n  resource\n);\n'));
    const { platformClient } = secretGateOpen.apply(c.seams, { clock: c.clock });
    const names = async (client: BugTestCluster['client'], namespace?: string) => (await client.list(CedarPolicyType, { namespace })).items.map((p) => p.metadata.name);
    expect(await names(platformClient, 'lattice-system')).toContain(SECRET_PERMIT_POLICY_NAME);
    expect(await names(platformClient, 'ns')).not.toContain(SECRET_PERMIT_POLICY_NAME);
    expect(await names(c.client)).not.toContain(SECRET_PERMIT_POLICY_NAME);
    await admit(c, platformClient);
    expect(await storedStatus(c.client, LatticeServiceType, 'ns', 'api')).toMatchObject({ phase: 'Failed' });
  });
});
