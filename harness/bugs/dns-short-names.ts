/**
 * `dns-short-names` (area: compiler): the DNS allowlist of the CiliumNetworkPolicies the platform
 * writes names in-cluster callees by their short name (`api.shop`) instead of the fully qualified
 * name the resolver asks for (`api.shop.svc.cluster.local`). Cilium's DNS proxy matches the queried
 * name exactly, so lookups of allowed callees are refused and those callers cannot connect. External
 * FQDNs are unaffected.
 *
 * Applied from outside: a write interceptor on the platform's KubeClient. In every CiliumNetworkPolicy
 * the platform creates, updates or applies, each `egress[].toPorts[].rules.dns[].matchName` that ends
 * with `.svc.cluster.local` loses that suffix.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { rewriteWrites } from './internal/rewrite.ts';

/** The cluster-domain suffix the bug drops. */
export const CLUSTER_DOMAIN_SUFFIX = '.svc.cluster.local';

type DnsRule = { matchName?: string; matchPattern?: string };
type EgressRule = { toPorts?: { rules?: { dns?: DnsRule[] } }[] };

/** Shortens the in-cluster DNS names of `cnp`'s egress allowlist in place and returns it. Other kinds come back unchanged. */
export function shortenDnsNames(cnp: KubeObject): KubeObject {
  if (cnp.kind !== 'CiliumNetworkPolicy') return cnp;
  for (const rule of (cnp.spec?.egress ?? []) as EgressRule[]) {
    for (const pr of rule.toPorts ?? []) {
      for (const dns of pr.rules?.dns ?? []) {
        if (dns.matchName?.endsWith(CLUSTER_DOMAIN_SUFFIX)) dns.matchName = dns.matchName.slice(0, -CLUSTER_DOMAIN_SUFFIX.length);
      }
    }
  }
  return cnp;
}

/** The `dns-short-names` catalogue entry. */
export const dnsShortNames: BugDefinition<'dns-short-names'> = {
  name: 'dns-short-names',
  description: 'the CiliumNetworkPolicy DNS allowlist names callees as <svc>.<ns> instead of the FQDN the resolver asks for, so lookups of allowed callees are refused',
  area: 'compiler',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteWrites(seams.platformClient, (o) => o.kind === 'CiliumNetworkPolicy', shortenDnsNames),
  }),
};
