import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { egressDnsNamesDropped, withoutExternalDnsNames } from './egress-dns-names-dropped.ts';
import { bugTestCluster, member, reconcileMember, storedIn } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

/** `web` calls `api` and declares FQDN egress to api.partner.example:443; `solo` declares only the FQDN. */
async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  const egress = [{ target: { fqdn: 'api.partner.example' }, ports: [443], protocol: 'TCP' as const }];
  await c.client.create(member('ns', 'web', { dependencies: [{ name: 'api' }], egress }));
  await c.client.create(member('ns', 'api', { allowedCallers: [{ name: 'web' }] }));
  await c.client.create(member('ns', 'solo', { egress }));
  return c;
}
const dnsRuleOf = async (c: BugTestCluster, name: string) => {
  const cnp = (await storedIn(c.client, StubTypes.CiliumNetworkPolicy, 'ns')).find((o) => JSON.stringify(o.spec.endpointSelector).includes(`"${name}"`))!;
  return cnp.spec.egress.find((r: { toPorts?: { ports: { port: string }[] }[] }) => r.toPorts?.[0]?.ports.some((p) => p.port === '53')).toPorts[0];
};

describe('egress-dns-names-dropped', () => {
  test('without the bug the DNS rule names the egress FQDN; with it only the in-cluster callee is left, or no rule at all', async () => {
    const clean = await cluster();
    for (const name of ['web', 'solo']) await reconcileMember(clean, clean.client, 'ns', name);
    expect((await dnsRuleOf(clean, 'web')).rules.dns).toEqual([{ matchName: 'api.ns.svc.cluster.local' }, { matchName: 'api.partner.example' }]);
    expect((await dnsRuleOf(clean, 'solo')).rules.dns).toEqual([{ matchName: 'api.partner.example' }]);

    const buggy = await cluster();
    const { platformClient } = egressDnsNamesDropped.apply(buggy.seams, { clock: buggy.clock });
    for (const name of ['web', 'solo']) await reconcileMember(buggy, platformClient, 'ns', name);
    expect((await dnsRuleOf(buggy, 'web')).rules.dns).toEqual([{ matchName: 'api.ns.svc.cluster.local' }]);
    expect((await dnsRuleOf(buggy, 'solo')).rules).toBeUndefined();
  });

  test('matchPattern rules (the cluster defaults) are left alone', () => {
    const ccnp: KubeObject = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'x' }, spec: { egress: [{ toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }], rules: { dns: [{ matchPattern: '*' }] } }] }] } };
    expect(withoutExternalDnsNames(structuredClone(ccnp))).toEqual(ccnp);
  });
});
