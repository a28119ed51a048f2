import { describe, expect, test } from 'vitest';
import { isNotFound } from '../../fake-apiserver/api/index.ts';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { LatticeMeshMemberType } from '../../platform/index.ts';
import { buildServiceGraph } from '../../platform/mesh/index.ts';
import type { LatticeMeshMember } from '../../platform/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { assumeInbound, unilateralAllow } from './unilateral-allow.ts';
import { TEST_TRUST_DOMAIN, bugTestCluster, member, reconcileMember, storedIn } from './testing/cluster.ts';

const edges = (members: readonly KubeObject[]) => buildServiceGraph(members as LatticeMeshMember[]).edges();
const allowToPrincipals = async (client: Parameters<typeof storedIn>[0], ns: string): Promise<string[]> =>
  (await storedIn(client, StubTypes.AuthorizationPolicy, ns)).filter((o) => o.metadata.name.startsWith('allow-to-')).flatMap((o) => o.spec.rules[0].from[0].source.principals);

describe('assumeInbound', () => {
  test('a one-sided declaration becomes an edge the platform would allow', () => {
    const members = [member('ns', 'client', { dependencies: [{ name: 'api' }] }), member('ns', 'api')];
    expect(edges(members)).toEqual([]);
    expect(edges(assumeInbound(members))).toEqual([{ from: 'ns/client', to: 'ns/api' }]);
  });

  test('callers in other namespaces are granted with their namespace', () => {
    const members = [member('a', 'client', { dependencies: [{ name: 'api', namespace: 'b' }] }), member('b', 'api')];
    expect(assumeInbound(members)[1].spec.allowedCallers).toEqual([{ name: 'client', namespace: 'a' }]);
    expect(edges(assumeInbound(members))).toEqual([{ from: 'a/client', to: 'b/api' }]);
  });

  test('a dependsAll caller reaches every other member, as if each allowed it', () => {
    const members = [member('ns', 'gw', { dependsAll: true }), member('ns', 'a'), member('ns', 'b')];
    expect(edges(assumeInbound(members))).toEqual([
      { from: 'ns/gw', to: 'ns/a' },
      { from: 'ns/gw', to: 'ns/b' },
    ]);
  });

  test('members that already allow their callers, or allow *, are returned as the same objects', () => {
    const members = [
      member('ns', 'client', { dependencies: [{ name: 'api' }, { name: 'open' }] }),
      member('ns', 'api', { allowedCallers: [{ name: 'client' }] }),
      member('ns', 'open', { allowedCallers: [{ name: '*' }] }),
    ];
    const seen = assumeInbound(members);
    seen.forEach((m, i) => expect(m).toBe(members[i]));
  });
});

describe('unilateral-allow', () => {
  test('the platform reads callee members that allow one-sided callers, while the store keeps the real declarations', async () => {
    const cluster = await bugTestCluster();
    await cluster.client.create(member('ns', 'client', { dependencies: [{ name: 'api' }] }));
    await cluster.client.create(member('ns', 'api'));
    const { platformClient } = unilateralAllow.apply(cluster.seams, { clock: cluster.clock });
    const read = await platformClient.get<LatticeMeshMember>(LatticeMeshMemberType, { namespace: 'ns', name: 'api' });
    expect(read.spec.allowedCallers).toEqual([{ name: 'client', namespace: 'ns' }]);
    expect(Object.isFrozen(read.spec)).toBe(true);
    const listed = (await platformClient.list<LatticeMeshMember>(LatticeMeshMemberType, { namespace: 'ns' })).items;
    expect(listed.find((m) => m.metadata.name === 'api')!.spec.allowedCallers).toEqual([{ name: 'client', namespace: 'ns' }]);
    const stored = await cluster.client.get<LatticeMeshMember>(LatticeMeshMemberType, { namespace: 'ns', name: 'api' });
    expect(stored.spec.allowedCallers).toBeUndefined();
  });

  test('reads of absent members and of other kinds answer as the API server does', async () => {
    const cluster = await bugTestCluster();
    const { platformClient } = unilateralAllow.apply(cluster.seams, { clock: cluster.clock });
    const err = await platformClient.get(LatticeMeshMemberType, { namespace: 'ns', name: 'ghost' }).catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    expect(await platformClient.get({ apiVersion: 'v1', kind: 'Namespace' }, { name: 'ns' })).toBe(await cluster.client.get({ apiVersion: 'v1', kind: 'Namespace' }, { name: 'ns' }));
  });

  test('the real mesh-member controller writes an allow policy for a caller the callee never declared', async () => {
    const cluster = await bugTestCluster();
    await cluster.client.create(member('ns', 'client', { dependencies: [{ name: 'api' }] }));
    await cluster.client.create(member('ns', 'api'));
    await reconcileMember(cluster, cluster.client, 'ns', 'api');
    expect(await allowToPrincipals(cluster.client, 'ns')).toEqual([]);

    const buggy = await bugTestCluster();
    await buggy.client.create(member('ns', 'client', { dependencies: [{ name: 'api' }] }));
    await buggy.client.create(member('ns', 'api'));
    const { platformClient } = unilateralAllow.apply(buggy.seams, { clock: buggy.clock });
    await reconcileMember(buggy, platformClient, 'ns', 'api');
    expect(await allowToPrincipals(buggy.client, 'ns')).toEqual([`${TEST_TRUST_DOMAIN}/ns/ns/sa/client`]);
  });
});
