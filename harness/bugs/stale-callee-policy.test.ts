import { describe, expect, test } from 'vitest';
import type { KubeClient } from '../../fake-apiserver/api/index.ts';
import { LatticeMeshMemberType } from '../../platform/index.ts';
import type { LatticeMeshMember } from '../../platform/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { staleCalleePolicy } from './stale-callee-policy.ts';
import { TEST_TRUST_DOMAIN, bugTestCluster, member, reconcileMember, storedIn } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

const sa = (name: string) => `${TEST_TRUST_DOMAIN}/ns/ns/sa/${name}`;
const allowToPrincipals = async (c: BugTestCluster): Promise<string[]> =>
  (await storedIn(c.client, StubTypes.AuthorizationPolicy, 'ns')).filter((o) => o.metadata.name.startsWith('allow-to-')).flatMap((o) => o.spec.rules[0].from[0].source.principals);

/**
 * `api` allows `first`, and is compiled; then `second` arrives, declaring the edge on both sides, and
 * `api` is compiled again. Returns the callee's principals after each compile.
 */
async function secondCallerArrives(wrap: (c: BugTestCluster) => KubeClient): Promise<string[][]> {
  const c = await bugTestCluster();
  await c.client.create(member('ns', 'first', { dependencies: [{ name: 'api' }] }));
  await c.client.create(member('ns', 'api', { allowedCallers: [{ name: 'first' }] }));
  const client = wrap(c);
  await reconcileMember(c, client, 'ns', 'api');
  const before = await allowToPrincipals(c);
  await c.client.create(member('ns', 'second', { dependencies: [{ name: 'api' }] }));
  const api = await c.client.get<LatticeMeshMember>(LatticeMeshMemberType, { namespace: 'ns', name: 'api' });
  await c.client.update({ ...api, spec: { ...api.spec, allowedCallers: [{ name: 'first' }, { name: 'second' }] } });
  await reconcileMember(c, client, 'ns', 'api');
  return [before, await allowToPrincipals(c)];
}

describe('stale-callee-policy', () => {
  test('without the bug the callee allows the caller that arrived later', async () => {
    expect(await secondCallerArrives((c) => c.client)).toEqual([[sa('first')], [sa('first'), sa('second')]]);
  });

  test('with the bug the first policy stays as it was and the later caller is not allowed', async () => {
    expect(await secondCallerArrives((c) => staleCalleePolicy.apply(c.seams, { clock: c.clock }).platformClient)).toEqual([[sa('first')], [sa('first')]]);
  });

  test('with the bug a policy no longer produced is still deleted', async () => {
    const c = await bugTestCluster();
    await c.client.create(member('ns', 'first', { dependencies: [{ name: 'api' }] }));
    await c.client.create(member('ns', 'api', { allowedCallers: [{ name: 'first' }] }));
    const { platformClient } = staleCalleePolicy.apply(c.seams, { clock: c.clock });
    await reconcileMember(c, platformClient, 'ns', 'api');
    const api = await c.client.get<LatticeMeshMember>(LatticeMeshMemberType, { namespace: 'ns', name: 'api' });
    await c.client.update({ ...api, spec: { ...api.spec, allowedCallers: [] } });
    await reconcileMember(c, platformClient, 'ns', 'api');
    expect(await allowToPrincipals(c)).toEqual([]);
  });
});
