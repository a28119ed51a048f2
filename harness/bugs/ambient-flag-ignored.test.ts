import { describe, expect, test } from 'vitest';
import { LatticeMeshMemberType } from '../../platform/index.ts';
import type { LatticeMeshMember } from '../../platform/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { ambientFlagIgnored, everyMemberAmbient } from './ambient-flag-ignored.ts';
import { bugTestCluster, member, reconcileMember, storedIn } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

/** `api` is Cilium-only and allows the ambient `client`. */
async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(member('ns', 'client', { dependencies: [{ name: 'api' }] }));
  await c.client.create(member('ns', 'api', { ambient: false, allowedCallers: [{ name: 'client' }] }));
  return c;
}

/** Ports the member's CiliumNetworkPolicy admits on ingress, sorted. */
const ingressPorts = async (c: BugTestCluster): Promise<string[]> =>
  (await storedIn(c.client, StubTypes.CiliumNetworkPolicy, 'ns'))
    .flatMap((cnp) => cnp.spec.ingress ?? [])
    .flatMap((rule: { toPorts?: { ports: { port: string }[] }[] }) => (rule.toPorts ?? []).flatMap((tp) => tp.ports.map((p) => p.port)))
    .sort();

describe('ambient-flag-ignored', () => {
  test('without the bug a non-ambient member gets only a Cilium policy admitting its container port', async () => {
    const c = await cluster();
    await reconcileMember(c, c.client, 'ns', 'api');
    expect(await ingressPorts(c)).toEqual(['8080']);
    expect(await storedIn(c.client, StubTypes.AuthorizationPolicy, 'ns')).toEqual([]);
  });

  test('with the bug it gets the ambient objects: HBONE-only ingress and an AuthorizationPolicy', async () => {
    const c = await cluster();
    const { platformClient } = ambientFlagIgnored.apply(c.seams, { clock: c.clock });
    await reconcileMember(c, platformClient, 'ns', 'api');
    expect(await ingressPorts(c)).toEqual(['15008']);
    expect((await storedIn(c.client, StubTypes.AuthorizationPolicy, 'ns')).map((ap) => ap.metadata.name)).toEqual([expect.stringMatching(/^allow-to-/)]);
    const stored = await c.client.get<LatticeMeshMember>(LatticeMeshMemberType, { namespace: 'ns', name: 'api' });
    expect(stored.spec.ambient).toBe(false);
  });

  test('everyMemberAmbient returns ambient members (explicit or default) as the same objects', () => {
    const given = [member('ns', 'a'), member('ns', 'b', { ambient: true }), member('ns', 'c', { ambient: false })];
    const seen = everyMemberAmbient(given);
    expect(seen[0]).toBe(given[0]);
    expect(seen[1]).toBe(given[1]);
    expect(seen[2].spec).not.toHaveProperty('ambient');
    expect(given[2].spec.ambient).toBe(false);
  });
});
