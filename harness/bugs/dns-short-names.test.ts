import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { dnsShortNames, shortenDnsNames } from './dns-short-names.ts';
import { bugTestCluster, member, reconcileMember, storedIn } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster(['ns', 'db']);
  await c.client.create(member('ns', 'client', { dependencies: [{ name: 'api' }, { name: 'pg', namespace: 'db' }], egress: [{ target: { fqdn: 'example.com' }, ports: [443] }] }));
  await c.client.create(member('ns', 'api', { allowedCallers: [{ name: 'client' }] }));
  await c.client.create(member('db', 'pg', { allowedCallers: [{ name: 'client', namespace: 'ns' }] }));
  return c;
}

const dnsNamesOf = async (c: BugTestCluster): Promise<string[]> => {
  const cnps = await storedIn(c.client, StubTypes.CiliumNetworkPolicy, 'ns');
  const own = cnps.find((o: KubeObject) => o.spec.endpointSelector.matchLabels['k8s:app.kubernetes.io/name'] === 'client')!;
  return own.spec.egress[0].toPorts[0].rules.dns.map((d: { matchName: string }) => d.matchName);
};

describe('dns-short-names', () => {
  test('without the bug the DNS allowlist holds the FQDN of every callee', async () => {
    const c = await cluster();
    await reconcileMember(c, c.client, 'ns', 'client');
    expect(await dnsNamesOf(c)).toEqual(['api.ns.svc.cluster.local', 'example.com', 'pg.db.svc.cluster.local']);
  });

  test('with the bug in-cluster callees are allowed only by short name, external names are kept', async () => {
    const c = await cluster();
    const { platformClient } = dnsShortNames.apply(c.seams, { clock: c.clock });
    await reconcileMember(c, platformClient, 'ns', 'client');
    expect(await dnsNamesOf(c)).toEqual(['api.ns', 'example.com', 'pg.db']);
  });

  test('shortenDnsNames leaves other kinds and rules without DNS alone', () => {
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, spec: { egress: [{ toPorts: [{ rules: { dns: [{ matchName: 'a.b.svc.cluster.local' }] } }] }] } };
    expect(shortenDnsNames(structuredClone(cm))).toEqual(cm);
    const cnp: KubeObject = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'y' }, spec: { egress: [{ toEntities: ['world'] }] } };
    expect(shortenDnsNames(structuredClone(cnp))).toEqual(cnp);
  });
});
