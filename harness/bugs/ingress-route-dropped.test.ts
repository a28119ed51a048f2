import { describe, expect, test } from 'vitest';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { ingressRouteDropped, withoutIngress } from './ingress-route-dropped.ts';
import { TEST_TRUST_DOMAIN, bugTestCluster, member, reconcileMember, storedIn } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

const INGRESS = { routes: { public: { kind: 'HTTPRoute', hosts: ['web.example.test'] } } };
const allowToPrincipals = async (c: BugTestCluster): Promise<string[]> =>
  (await storedIn(c.client, StubTypes.AuthorizationPolicy, 'ns')).filter((o) => o.metadata.name.startsWith('allow-to-')).flatMap((o) => o.spec.rules[0].from[0].source.principals);

/** `web` routes ingress and allows its namespace's gateway proxy (as the compiler writes it, reference §2.6). */
async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(member('ns', 'web', { ingress: INGRESS, allowedCallers: [{ name: 'ns-ingress-istio' }] }));
  return c;
}

describe('ingress-route-dropped', () => {
  test('without the bug the gateway proxy is a caller and the HTTPRoute exists; with it neither', async () => {
    const clean = await cluster();
    await reconcileMember(clean, clean.client, 'ns', 'web');
    expect(await allowToPrincipals(clean)).toEqual([`${TEST_TRUST_DOMAIN}/ns/ns/sa/ns-ingress-istio`]);
    expect((await storedIn(clean.client, StubTypes.HTTPRoute, 'ns')).map((o) => o.metadata.name)).toEqual(['web-public-route']);

    const buggy = await cluster();
    const { platformClient } = ingressRouteDropped.apply(buggy.seams, { clock: buggy.clock });
    await reconcileMember(buggy, platformClient, 'ns', 'web');
    expect(await allowToPrincipals(buggy)).toEqual([]);
    expect(await storedIn(buggy.client, StubTypes.HTTPRoute, 'ns')).toEqual([]);
  });

  test('withoutIngress returns members without ingress as the same objects', () => {
    const given = [member('ns', 'a'), member('ns', 'b', { ingress: INGRESS })];
    const seen = withoutIngress(given);
    expect(seen[0]).toBe(given[0]);
    expect(seen[1].spec).not.toHaveProperty('ingress');
    expect(given[1].spec.ingress).toEqual(INGRESS);
  });
});
