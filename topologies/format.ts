/**
 * A compact text form of a topology, for failure reports (STYLE.md rule 18: print the shrunk
 * counterexample) and for the NoRegression snapshot.
 */
import type { Topology } from './topology.ts';
import { serviceKey } from './topology.ts';

/**
 * Input: a Topology. Output: lines `topology <name>: N services, M probes`, then one line per service
 * (`  <ns>/<name> L<layer> ports=<name>:<port>-><target>|- out=[…] in=[…] [wildcard] [depends-all] [member]
 * [sa=<account>] [non-ambient] [x<replicas>] [@<createdAtMs>ms] [egress=<fqdn|cidr>:<port>] [ingress] [quota=within|capped] [selector-only]`; keys in the
 * topology's first namespace are shown without it), then one line per probing service (`  probes <from> -> <to>[:<port>],…`). Deterministic.
 */
export function formatTopology(t: Topology): string {
  const home = t.services[0]?.namespace;
  const short = (key: string): string => (home !== undefined && key.startsWith(`${home}/`) ? key.slice(home.length + 1) : key);
  const lines = [`topology ${t.name}: ${t.services.length} services, ${t.probes.length} probes`];
  for (const s of t.services) {
    const ports = s.ports.length ? s.ports.map((p) => `${p.name}:${p.port}${p.targetPort !== undefined ? `->${p.targetPort}` : ''}`).join(',') : '-';
    const mesh = [
      s.dependsAll ? ' depends-all' : '',
      s.kind === 'mesh-member' ? ' member' : '',
      s.kind === 'job' ? ` job=${s.jobName}` : '',
      s.serviceAccount !== undefined && s.serviceAccount !== s.name ? ` sa=${s.serviceAccount}` : '',
      s.ambient === false ? ' non-ambient' : '',
      (s.replicas ?? 1) > 1 ? ` x${s.replicas}` : '',
      (s.createdAtMs ?? 0) > 0 ? ` @${s.createdAtMs}ms` : '',
      ...(s.egress ?? []).map((e) => ` egress=${e.fqdn ?? e.cidr}:${e.port}`),
      s.ingress ? ' ingress' : '',
      s.quota ? ` quota=${s.quota}` : '',
      s.selectorOnlyLabels ? ' selector-only' : '',
    ].join('');
    lines.push(`  ${short(serviceKey(s))} L${s.layer} ports=${ports} out=[${s.outbound.map(short).join(',')}] in=[${s.inbound.map(short).join(',')}]${s.wildcardInbound ? ' wildcard' : ''}${mesh}`);
  }
  const byFrom = new Map<string, string[]>();
  for (const p of t.probes) byFrom.set(p.from, [...(byFrom.get(p.from) ?? []), short(p.to)]);
  for (const [from, tos] of byFrom) lines.push(`  probes ${short(from)} -> ${tos.join(',')}`);
  return lines.join('\n');
}
