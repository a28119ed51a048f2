import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { LatticeMeshMember } from '../../platform/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { identityFromMemberName, principalsByMemberName } from './identity-from-member-name.ts';
import { TEST_TRUST_DOMAIN, bugTestCluster, member, reconcileMember, storedIn } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

const sa = (ns: string, account: string) => `${TEST_TRUST_DOMAIN}/ns/${ns}/sa/${account}`;
const allowToPrincipals = async (c: BugTestCluster): Promise<string[]> =>
  (await storedIn(c.client, StubTypes.AuthorizationPolicy, 'ns')).filter((o) => o.metadata.name.startsWith('allow-to-')).flatMap((o) => o.spec.rules[0].from[0].source.principals);

/** `client` runs as service account `client-sa`; `api` allows it. */
async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(member('ns', 'client', { serviceAccount: 'client-sa', dependencies: [{ name: 'api' }] }));
  await c.client.create(member('ns', 'api', { allowedCallers: [{ name: 'client' }] }));
  return c;
}

describe('identity-from-member-name', () => {
  test('without the bug the callee allows the caller by its service account', async () => {
    const c = await cluster();
    await reconcileMember(c, c.client, 'ns', 'api');
    expect(await allowToPrincipals(c)).toEqual([sa('ns', 'client-sa')]);
  });

  test('with the bug the callee allows the member name, an identity no pod runs as', async () => {
    const c = await cluster();
    const { platformClient } = identityFromMemberName.apply(c.seams, { clock: c.clock });
    await reconcileMember(c, platformClient, 'ns', 'api');
    expect(await allowToPrincipals(c)).toEqual([sa('ns', 'client')]);
  });

  test('principalsByMemberName keeps principals whose account is the member name, and those of no member', () => {
    const members = [member('ns', 'a'), member('ns', 'b', { serviceAccount: 'shared' }), member('ns', 'c', { serviceAccount: 'shared' })] as LatticeMeshMember[];
    const ap: KubeObject = {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'x', namespace: 'ns' },
      spec: { rules: [{ from: [{ source: { principals: [sa('ns', 'a'), sa('ns', 'shared'), sa('ns', 'ns-waypoint'), sa('other', 'shared')] } }] }, { to: [] }] },
    };
    expect(principalsByMemberName(ap, members).spec.rules[0].from[0].source.principals).toEqual([sa('ns', 'a'), sa('ns', 'b'), sa('ns', 'c'), sa('ns', 'ns-waypoint'), sa('other', 'shared')]);
    expect(ap.spec.rules[1]).toEqual({ to: [] });
  });
});
