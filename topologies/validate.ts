/**
 * Topology invariants and size (STYLE.md rule 16): what every topology, random or read from specs,
 * must satisfy, and the size order in which shrinking must go down.
 */
import type { Topology } from './topology.ts';
import { serviceKey } from './topology.ts';

/**
 * Checks the invariants of a topology: a name; unique service keys; integer layers >= 0; layer-0
 * services (traffic generators) have no ports; port names unique, numbers in 1..65535; outbound and
 * inbound lists name existing services without duplicates; probes name two distinct existing services,
 * a port the callee has (when they name one), and no probe (from, to, port) occurs twice.
 * Input: any Topology. Output: one message per broken invariant (`[]` = valid). Never throws.
 */
export function validateTopology(t: Topology): string[] {
  const problems: string[] = [];
  if (typeof t.name !== 'string' || t.name === '') problems.push('topology: name must be a non-empty string');
  const keys = new Set<string>();
  for (const s of t.services) {
    const key = serviceKey(s);
    if (keys.has(key)) problems.push(`services: duplicate key ${key}`);
    keys.add(key);
  }
  const isPort = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 65535;
  for (const s of t.services) {
    const key = serviceKey(s);
    if (!Number.isInteger(s.layer) || s.layer < 0) problems.push(`${key}: layer must be an integer >= 0, got ${s.layer}`);
    if (s.layer === 0 && s.ports.length > 0) problems.push(`${key}: a layer-0 service (traffic generator) must have no ports`);
    const portNames = new Set<string>();
    for (const p of s.ports) {
      if (portNames.has(p.name)) problems.push(`${key}: duplicate port name ${p.name}`);
      portNames.add(p.name);
      if (!isPort(p.port) || (p.targetPort !== undefined && !isPort(p.targetPort))) problems.push(`${key}: port ${p.name} must be in 1..65535`);
    }
    for (const [field, list] of [['outbound', s.outbound], ['inbound', s.inbound]] as const) {
      if (new Set(list).size !== list.length) problems.push(`${key}: duplicate entries in ${field}`);
      for (const k of list) if (!keys.has(k)) problems.push(`${key}: ${field} names unknown service ${k}`);
    }
  }
  const byKey = new Map(t.services.map((s) => [serviceKey(s), s]));
  const probeIds = new Set<string>();
  t.probes.forEach((p, i) => {
    const callee = byKey.get(p.to);
    if (p.port !== undefined && callee && !callee.ports.some((q) => q.port === p.port)) problems.push(`probes[${i}]: ${p.to} has no port ${p.port}`);
    const id = `${p.from}->${p.to}:${p.port ?? ''}`;
    if (probeIds.has(id)) problems.push(`probes[${i}]: duplicate probe ${id}`);
    probeIds.add(id);
    if (!keys.has(p.from)) problems.push(`probes[${i}]: from names unknown service ${p.from}`);
    if (!keys.has(p.to)) problems.push(`probes[${i}]: to names unknown service ${p.to}`);
    if (p.from === p.to) problems.push(`probes[${i}]: a service does not probe itself (${p.from})`);
  });
  return problems;
}

/** Size of a topology, compared lexicographically in this field order. */
export interface TopologySize {
  services: number;
  outbound: number;
  wildcard: number;
  inbound: number;
  probes: number;
}

/** Counts services, outbound / wildcard / inbound declarations and probes. */
export function topologySize(t: Topology): TopologySize {
  const sum = (f: (s: Topology['services'][number]) => number): number => t.services.reduce((n, s) => n + f(s), 0);
  return {
    services: t.services.length,
    outbound: sum((s) => s.outbound.length),
    wildcard: sum((s) => (s.wildcardInbound ? 1 : 0)),
    inbound: sum((s) => s.inbound.length),
    probes: t.probes.length,
  };
}

/**
 * Lexicographic order of {@link topologySize} (services, outbound, wildcard, inbound, probes).
 * Output: negative when `a` is smaller than `b`, 0 when the sizes are equal, positive otherwise.
 */
export function compareTopologySize(a: Topology, b: Topology): number {
  const sa = topologySize(a);
  const sb = topologySize(b);
  for (const k of ['services', 'outbound', 'wildcard', 'inbound', 'probes'] as const) if (sa[k] !== sb[k]) return sa[k] - sb[k];
  return 0;
}
