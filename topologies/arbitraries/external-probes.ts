/**
 * Probes to hosts outside the cluster (constraints `externalProbeProbability`; oracle-external.ts):
 * for each escape-hatch member that declares external egress (wiring.ts `EXTERNAL_EGRESS`), probes of
 * what its egress rule must allow and of what it must not.
 */
import type { Topology, TopologyEgress, TopologyProbe } from '../topology.ts';
import { serviceKey } from '../topology.ts';
import { externalProbeKey } from '../../harness/verifier/expected-probe.ts';
import { cidrRange, ipv4Text } from '../oracle-external.ts';

/**
 * The host a probe reaches inside egress rule `e` and one just outside it: for an FQDN the name itself
 * and a sibling name (`other.<parent>`, which neither `matchName` nor the FQDN's own pattern covers),
 * for a CIDR its tenth address and the first address after it.
 */
export function egressHosts(e: TopologyEgress): { inside: string; outside: string } {
  if (e.fqdn !== undefined) return { inside: e.fqdn, outside: `other.${e.fqdn.slice(e.fqdn.indexOf('.') + 1)}` };
  const range = cidrRange(e.cidr!)!;
  return { inside: ipv4Text(range.first + Math.min(10, range.size - 1)), outside: ipv4Text((range.first + range.size) % 2 ** 32) };
}

/**
 * `t` with, for each mesh-member with egress rules whose draw is on (`draws[i]` = the draw of service
 * i; absent = off), four probes per rule appended after the topology's probes: the member to the host
 * inside the rule on its port (allowed), on the next port (denied), to the host outside it on its port
 * (denied), and the first other service of the topology to the inside host on the rule's port (denied,
 * unless it declares the same rule). `t` unchanged when no draw applies. Never throws.
 */
export function withExternalProbes(t: Topology, draws: readonly (boolean | undefined)[]): Topology {
  const probes: TopologyProbe[] = [];
  t.services.forEach((s, i) => {
    if (!draws[i] || s.kind !== 'mesh-member' || !s.egress?.length) return;
    const other = t.services.find((o) => o !== s);
    for (const e of s.egress) {
      const { inside, outside } = egressHosts(e);
      const from = serviceKey(s);
      probes.push({ from, to: externalProbeKey(inside), port: e.port }, { from, to: externalProbeKey(inside), port: e.port + 1 }, { from, to: externalProbeKey(outside), port: e.port });
      if (other) probes.push({ from: serviceKey(other), to: externalProbeKey(inside), port: e.port });
    }
  });
  const seen = new Set(t.probes.map((p) => `${p.from}->${p.to}:${p.port ?? ''}`));
  const fresh = probes.filter((p) => {
    const id = `${p.from}->${p.to}:${p.port}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return fresh.length === 0 ? t : { ...t, probes: [...t.probes, ...fresh] };
}
