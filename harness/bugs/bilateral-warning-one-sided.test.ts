import { describe, expect, test } from 'vitest';
import { BILATERAL_AGREEMENT, LatticeMeshMemberType } from '../../platform/index.ts';
import { bilateralWarningOneSided, withoutPeerWarnings } from './bilateral-warning-one-sided.ts';
import { bugTestCluster, member, reconcileMember, storedStatus } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

/** `web` depends on `api`, which does not list it: a one-sided outbound declaration. */
async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(member('ns', 'web', { dependencies: [{ name: 'api' }] }));
  await c.client.create(member('ns', 'api'));
  return c;
}
const agreement = async (c: BugTestCluster, name: string) =>
  ((await storedStatus(c.client, LatticeMeshMemberType, 'ns', name)).conditions as { type: string; status: string; message: string }[]).find((x) => x.type === BILATERAL_AGREEMENT);

describe('bilateral-warning-one-sided', () => {
  test('without the bug both members are warned; with it only the declaring one is', async () => {
    const clean = await cluster();
    for (const name of ['web', 'api']) await reconcileMember(clean, clean.client, 'ns', name);
    expect(await agreement(clean, 'web')).toMatchObject({ status: 'False', message: 'outbound dependency api declared but no matching inbound declaration' });
    expect(await agreement(clean, 'api')).toMatchObject({ status: 'False', message: 'outbound dependency declared by web but no matching inbound declaration' });

    const buggy = await cluster();
    const { platformClient } = bilateralWarningOneSided.apply(buggy.seams, { clock: buggy.clock });
    for (const name of ['web', 'api']) await reconcileMember(buggy, platformClient, 'ns', name);
    expect(await agreement(buggy, 'web')).toMatchObject({ status: 'False', message: 'outbound dependency api declared but no matching inbound declaration' });
    expect(await agreement(buggy, 'api')).toMatchObject({ status: 'True', reason: 'DeclarationsMatched' });
  });

  test('withoutPeerWarnings keeps the member\'s own sentences and leaves other conditions alone', () => {
    const ready = { type: 'Ready', status: 'True', reason: 'PoliciesApplied', message: 'Policies applied successfully' };
    const status = {
      conditions: [ready, { type: BILATERAL_AGREEMENT, status: 'False', reason: 'OneSidedDeclaration', message: 'inbound caller x declared but no matching outbound declaration; outbound dependency declared by y but no matching inbound declaration' }],
    };
    expect(withoutPeerWarnings(status).conditions).toEqual([ready, { type: BILATERAL_AGREEMENT, status: 'False', reason: 'OneSidedDeclaration', message: 'inbound caller x declared but no matching outbound declaration' }]);
  });
});
