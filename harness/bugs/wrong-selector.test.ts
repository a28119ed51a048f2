import { describe, expect, test } from 'vitest';
import { matchesSelector } from '../../fake-apiserver/api/index.ts';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { misselect, wrongSelector } from './wrong-selector.ts';
import { bugTestCluster, member, reconcileMember, storedIn } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

const POD_LABELS = { 'app.kubernetes.io/name': 'api' };
const CILIUM_POD_LABELS = { 'k8s:app.kubernetes.io/name': 'api' };
const subjectSelector = (o: KubeObject) => (o.kind === 'CiliumNetworkPolicy' ? o.spec.endpointSelector : o.spec.selector);
/** Policies that select the member's pods (not the waypoint, not a ServiceEntry). */
const workloadPolicies = (objs: KubeObject[]) => objs.filter((o) => subjectSelector(o)?.matchLabels && subjectSelector(o).matchLabels['istio.io/waypoint-for'] === undefined);
const KINDS = ['AuthorizationPolicy', 'AuthorizationPolicy', 'AuthorizationPolicy', 'CiliumNetworkPolicy', 'PeerAuthentication'];

async function bilateral(): Promise<BugTestCluster> {
  const cluster = await bugTestCluster();
  await cluster.client.create(member('ns', 'client', { dependencies: [{ name: 'api' }] }));
  // A plaintext port adds a PeerAuthentication; an FQDN egress adds the waypoint objects.
  await cluster.client.create(
    member('ns', 'api', {
      allowedCallers: [{ name: 'client' }],
      ports: [{ name: 'http', port: 8080, servicePort: 80 }, { name: 'legacy', port: 9000, peerAuth: 'Permissive' }],
      egress: [{ target: { fqdn: 'example.com' }, ports: [443] }],
    }),
  );
  return cluster;
}

async function policiesOfApi(cluster: BugTestCluster): Promise<KubeObject[]> {
  const kinds = [StubTypes.CiliumNetworkPolicy, StubTypes.AuthorizationPolicy, StubTypes.PeerAuthentication];
  const all = (await Promise.all(kinds.map((k) => storedIn(cluster.client, k, 'ns')))).flat();
  return all.filter((o) => o.kind !== 'CiliumNetworkPolicy' || JSON.stringify(o.spec.endpointSelector).includes('api'));
}

describe('wrong-selector', () => {
  test('without the bug the platform writes policies whose selectors match the api pods', async () => {
    const cluster = await bilateral();
    await reconcileMember(cluster, cluster.client, 'ns', 'api');
    const selected = workloadPolicies(await policiesOfApi(cluster));
    expect(selected.map((o) => o.kind).sort()).toEqual(KINDS);
    for (const o of selected) expect(matchesSelector(subjectSelector(o), o.kind === 'CiliumNetworkPolicy' ? CILIUM_POD_LABELS : POD_LABELS)).toBe(true);
  });

  test('with the bug every workload selector the platform writes matches no pod, and the store holds exactly that', async () => {
    const cluster = await bilateral();
    const { platformClient } = wrongSelector.apply(cluster.seams, { clock: cluster.clock });
    await reconcileMember(cluster, platformClient, 'ns', 'api');
    const workload = workloadPolicies(await policiesOfApi(cluster));
    expect(workload.map((o) => o.kind).sort()).toEqual(KINDS);
    for (const o of workload) {
      expect(matchesSelector(subjectSelector(o), o.kind === 'CiliumNetworkPolicy' ? CILIUM_POD_LABELS : POD_LABELS)).toBe(false);
      expect(Object.values(subjectSelector(o).matchLabels)).toEqual(['api-v2']);
    }
  });

  test('the waypoint policy and ServiceEntry-bound policies keep what the platform compiled', async () => {
    const cluster = await bilateral();
    const { platformClient } = wrongSelector.apply(cluster.seams, { clock: cluster.clock });
    await reconcileMember(cluster, platformClient, 'ns', 'api');
    const aps = await storedIn(cluster.client, StubTypes.AuthorizationPolicy, 'ns');
    expect(aps.find((o) => o.metadata.name === 'allow-to-waypoint')!.spec.selector.matchLabels).toEqual({ 'istio.io/waypoint-for': 'service' });
    const fqdn = aps.find((o) => o.metadata.name.startsWith('allow-fqdn-'))!;
    expect(fqdn.spec.selector).toBeUndefined();
    expect(fqdn.spec.targetRefs).toEqual([{ group: 'networking.istio.io', kind: 'ServiceEntry', name: expect.stringMatching(/^se-auto-/) }]);
  });

  test('misselect leaves other kinds and selector-less objects unchanged', () => {
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { selector: 'a' } };
    const ap: KubeObject = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'y' }, spec: { action: 'ALLOW' } };
    expect(misselect(structuredClone(cm))).toEqual(cm);
    expect(misselect(structuredClone(ap))).toEqual(ap);
  });
});
