import { describe, expect, test } from 'vitest';
import { LatticeMeshMemberType } from '../../platform/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { policiesNotOwned } from './policies-not-owned.ts';
import { bugTestCluster, member, reconcileMember, storedIn } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

/** `api` allows `client` and has a Permissive port, so it gets an allow-to and an allow-plaintext AP and a PeerAuthentication. */
async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(member('ns', 'client', { dependencies: [{ name: 'api' }] }));
  await c.client.create(
    member('ns', 'api', { allowedCallers: [{ name: 'client' }], ports: [{ name: 'http', port: 8080, servicePort: 80 }, { name: 'legacy', port: 9000, peerAuth: 'Permissive' }] }),
  );
  return c;
}

/** Owner uids of every AuthorizationPolicy and PeerAuthentication in `ns`, by `<kind>/<name>` prefix. */
async function owners(c: BugTestCluster): Promise<[string, string[]][]> {
  const objects = [...(await storedIn(c.client, StubTypes.AuthorizationPolicy, 'ns')), ...(await storedIn(c.client, StubTypes.PeerAuthentication, 'ns'))];
  return objects.map((o) => [`${o.kind}/${o.metadata.name.replace(/-[0-9a-f]{8}$/, '')}`, (o.metadata.ownerReferences ?? []).map((r) => r.uid)]);
}

describe('policies-not-owned', () => {
  test('without the bug every policy is owned by the member (the garbage collector deletes it with the member)', async () => {
    const c = await cluster();
    await reconcileMember(c, c.client, 'ns', 'api');
    const uid = (await c.client.get(LatticeMeshMemberType, { namespace: 'ns', name: 'api' })).metadata.uid!;
    expect((await owners(c)).sort()).toEqual([
      ['AuthorizationPolicy/allow-plaintext', [uid]],
      ['AuthorizationPolicy/allow-to', [uid]],
      ['PeerAuthentication/permissive', [uid]],
    ]);
  });

  test('with the bug the same policies are written with no owner at all', async () => {
    const c = await cluster();
    const { platformClient } = policiesNotOwned.apply(c.seams, { clock: c.clock });
    await reconcileMember(c, platformClient, 'ns', 'api');
    expect((await owners(c)).sort()).toEqual([
      ['AuthorizationPolicy/allow-plaintext', []],
      ['AuthorizationPolicy/allow-to', []],
      ['PeerAuthentication/permissive', []],
    ]);
  });
});
