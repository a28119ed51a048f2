import { describe, expect, test } from 'vitest';
import { matchesSelector } from '../../fake-apiserver/api/index.ts';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { memberSelectorIgnored, selectedByName } from './member-selector-ignored.ts';
import { bugTestCluster, member, reconcileMember, storedIn } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

/** The pods of `api` carry only their selector's label (no app.kubernetes.io/name). */
const POD_LABELS = { app: 'api-pods' };
const CILIUM_POD_LABELS = { 'k8s:app': 'api-pods' };

async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(member('ns', 'client', { dependencies: [{ name: 'api' }] }));
  await c.client.create(member('ns', 'api', { target: { selector: POD_LABELS }, allowedCallers: [{ name: 'client' }] }));
  return c;
}

/** The CNP and selector-bound AuthorizationPolicies whose subject is api (selected by app or by name). */
async function apiSubjectPolicies(c: BugTestCluster): Promise<KubeObject[]> {
  const cnps = (await storedIn(c.client, StubTypes.CiliumNetworkPolicy, 'ns')).filter((o) => /api/.test(JSON.stringify(o.spec.endpointSelector)));
  const aps = (await storedIn(c.client, StubTypes.AuthorizationPolicy, 'ns')).filter((o) => o.spec.selector && /api/.test(JSON.stringify(o.spec.selector)));
  return [...cnps, ...aps];
}
const selects = (o: KubeObject): boolean => (o.kind === 'CiliumNetworkPolicy' ? matchesSelector(o.spec.endpointSelector, CILIUM_POD_LABELS) : matchesSelector(o.spec.selector, POD_LABELS));

describe('member-selector-ignored', () => {
  test("without the bug api's policies select its pods by its selector; with it they select none of them", async () => {
    const clean = await cluster();
    await reconcileMember(clean, clean.client, 'ns', 'api');
    const cleanPolicies = await apiSubjectPolicies(clean);
    expect(cleanPolicies.map((o) => o.kind).sort()).toEqual(['AuthorizationPolicy', 'CiliumNetworkPolicy']);
    for (const o of cleanPolicies) expect(selects(o)).toBe(true);

    const buggy = await cluster();
    const { platformClient } = memberSelectorIgnored.apply(buggy.seams, { clock: buggy.clock });
    await reconcileMember(buggy, platformClient, 'ns', 'api');
    const buggyPolicies = await apiSubjectPolicies(buggy);
    expect(buggyPolicies.map((o) => o.kind).sort()).toEqual(['AuthorizationPolicy', 'CiliumNetworkPolicy']);
    for (const o of buggyPolicies) expect(selects(o)).toBe(false);
  });

  test('selectedByName rewrites only selectors other than the name label, on copies', () => {
    const byName = member('ns', 'web');
    const bySelector = member('ns', 'api', { target: { selector: POD_LABELS } });
    const seen = selectedByName([byName, bySelector]);
    expect(seen[0]).toBe(byName);
    expect(seen[1].spec.target).toEqual({ selector: { 'app.kubernetes.io/name': 'api' } });
    expect(bySelector.spec.target).toEqual({ selector: POD_LABELS });
  });
});
