import { describe, expect, test } from 'vitest';
import { CedarPolicyType, LATTICE_SYSTEM_NAMESPACE, LatticeMeshMemberType } from '../../platform/index.ts';
import type { LatticeMeshMember } from '../../platform/index.ts';
import { WILDCARD_FORBID_POLICY_NAME, wildcardGateDenied } from './wildcard-gate-denied.ts';
import { bugTestCluster, member, reconcileMember } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create({
    ...CedarPolicyType,
    metadata: { name: 'wildcards', namespace: LATTICE_SYSTEM_NAMESPACE },
    spec: { policies: 'permit(principal, action == Lattice::Action::"AllowWildcard", resource == Lattice::Mesh::"inbound");' },
  });
  await c.client.create(member('ns', 'public', { allowedCallers: [{ name: '*' }] }));
  return c;
}

const statusOf = async (c: BugTestCluster) => (await c.client.get<LatticeMeshMember>(LatticeMeshMemberType, { namespace: 'ns', name: 'public' })).status;

describe('wildcard-gate-denied', () => {
  test('without the bug a permitted wildcard member goes Ready', async () => {
    const c = await cluster();
    await reconcileMember(c, c.client, 'ns', 'public');
    expect((await statusOf(c))?.phase).toBe('Ready');
  });

  test('with the bug the same member is denied by the AllowWildcard gate and goes Failed', async () => {
    const c = await cluster();
    const { platformClient } = wildcardGateDenied.apply(c.seams, { clock: c.clock });
    await reconcileMember(c, platformClient, 'ns', 'public');
    const status = await statusOf(c);
    expect(status?.phase).toBe('Failed');
    expect(status?.message).toContain('Action::"AllowWildcard" on Mesh::"inbound"');
  });

  test('only the platform sees the forbid: the store and other namespaces hold the real policies', async () => {
    const c = await cluster();
    const { platformClient } = wildcardGateDenied.apply(c.seams, { clock: c.clock });
    const names = async (client: typeof platformClient, namespace?: string) =>
      (await client.list(CedarPolicyType, namespace ? { namespace } : undefined)).items.map((p) => p.metadata.name);
    expect(await names(platformClient, LATTICE_SYSTEM_NAMESPACE)).toEqual(['wildcards', WILDCARD_FORBID_POLICY_NAME]);
    expect(await names(c.client, LATTICE_SYSTEM_NAMESPACE)).toEqual(['wildcards']);
    expect(await names(platformClient, 'ns')).toEqual([]);
  });
});
