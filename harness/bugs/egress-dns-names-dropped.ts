/**
 * `egress-dns-names-dropped` (area: compiler): the DNS allowlist of a member's CiliumNetworkPolicy
 * lists only its in-cluster callees, not the FQDNs of its egress rules (reference §4.5b: the DNS rule's
 * `matchName`s are the FQDN egress targets plus the callees' Service names). Cilium's DNS proxy then
 * refuses the lookup of an external host the member declared, or, when no callee is left, the lookup
 * bypasses the proxy and `toFQDNs` learns no address: every call to a declared external host is denied
 * while in-cluster traffic is untouched. Equivalent to `dnsMatchNames` keeping only
 * `outbound.map(serviceDnsName)` (platform/mesh/policy-compiler.ts).
 *
 * Applied from outside: a write interceptor on the platform's KubeClient. In every CiliumNetworkPolicy
 * the platform writes, DNS rules (`toPorts[].rules.dns`) lose each `matchName` that is not an
 * in-cluster Service name (`*.svc.cluster.local`); a port rule left with none loses `rules`, as the
 * platform writes a DNS rule without names. `matchPattern`s (the cluster defaults) are left alone.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { rewriteWrites } from './internal/rewrite.ts';

/** Suffix of an in-cluster Service's DNS name (kept by the bug). */
const CLUSTER_SUFFIX = '.svc.cluster.local';

type DnsRule = { matchName?: string; matchPattern?: string };
type PortRule = { rules?: { dns?: DnsRule[] } & Record<string, unknown> };

/** Rewrites the DNS rules of `cnp` in place (see the module doc) and returns it. */
export function withoutExternalDnsNames(cnp: KubeObject): KubeObject {
  for (const rule of (cnp.spec?.egress ?? []) as { toPorts?: PortRule[] }[]) {
    for (const portRule of rule.toPorts ?? []) {
      const dns = portRule.rules?.dns;
      if (!dns || dns.some((d) => d.matchName === undefined)) continue;
      const kept = dns.filter((d) => d.matchName!.endsWith(CLUSTER_SUFFIX));
      if (kept.length === dns.length) continue;
      if (kept.length > 0) portRule.rules!.dns = kept;
      else delete portRule.rules;
    }
  }
  return cnp;
}

/** The `egress-dns-names-dropped` catalogue entry. */
export const egressDnsNamesDropped: BugDefinition<'egress-dns-names-dropped'> = {
  name: 'egress-dns-names-dropped',
  description: "a member's CiliumNetworkPolicy DNS allowlist names only its in-cluster callees, not the FQDNs of its egress rules, so every call to a declared external host is denied",
  area: 'compiler',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteWrites(seams.platformClient, (o) => o.kind === 'CiliumNetworkPolicy', withoutExternalDnsNames),
  }),
};
