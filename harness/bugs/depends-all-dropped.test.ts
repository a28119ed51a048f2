import { describe, expect, test } from 'vitest';
import { LatticeMeshMemberType } from '../../platform/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { dependsAllDropped, withoutDependsAll } from './depends-all-dropped.ts';
import { TEST_TRUST_DOMAIN, bugTestCluster, cedarPolicy, member, reconcileMember, storedIn, storedStatus } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

const GW_OUTBOUND = 'permit (\n  principal == Lattice::Service::"ns/gw",\n  action == Lattice::Action::"AllowWildcard",\n  resource == Lattice::Mesh::"outbound"\n);\n';
const allowToPrincipals = async (c: BugTestCluster): Promise<string[]> =>
  (await storedIn(c.client, StubTypes.AuthorizationPolicy, 'ns')).filter((o) => o.metadata.name.startsWith('allow-to-')).flatMap((o) => o.spec.rules[0].from[0].source.principals);

/** `gw` depends on everything; `api` allows it by name; `permitted` says whether a CedarPolicy permits gw's wildcard. */
async function cluster(permitted: boolean): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  if (permitted) await c.client.create(cedarPolicy('gw-outbound', GW_OUTBOUND));
  await c.client.create(member('ns', 'gw', { dependsAll: true }));
  await c.client.create(member('ns', 'api', { allowedCallers: [{ name: 'gw' }] }));
  return c;
}

describe('depends-all-dropped', () => {
  test('without the bug the callee allows the depends-all caller; with it the callee allows no one', async () => {
    const clean = await cluster(true);
    await reconcileMember(clean, clean.client, 'ns', 'api');
    expect(await allowToPrincipals(clean)).toEqual([`${TEST_TRUST_DOMAIN}/ns/ns/sa/gw`]);

    const buggy = await cluster(true);
    const { platformClient } = dependsAllDropped.apply(buggy.seams, { clock: buggy.clock });
    await reconcileMember(buggy, platformClient, 'ns', 'api');
    expect(await allowToPrincipals(buggy)).toEqual([]);
  });

  test('a depends-all member no policy permits fails without the bug and goes Ready with it', async () => {
    const clean = await cluster(false);
    await reconcileMember(clean, clean.client, 'ns', 'gw');
    expect(await storedStatus(clean.client, LatticeMeshMemberType, 'ns', 'gw')).toMatchObject({ phase: 'Failed' });

    const buggy = await cluster(false);
    const { platformClient } = dependsAllDropped.apply(buggy.seams, { clock: buggy.clock });
    await reconcileMember(buggy, platformClient, 'ns', 'gw');
    expect(await storedStatus(buggy.client, LatticeMeshMemberType, 'ns', 'gw')).toMatchObject({ phase: 'Ready' });
  });

  test('withoutDependsAll returns members without the flag as the same objects', () => {
    const given = [member('ns', 'a'), member('ns', 'b', { dependsAll: true })];
    const seen = withoutDependsAll(given);
    expect(seen[0]).toBe(given[0]);
    expect(seen[1].spec).not.toHaveProperty('dependsAll');
    expect(given[1].spec.dependsAll).toBe(true);
  });
});
