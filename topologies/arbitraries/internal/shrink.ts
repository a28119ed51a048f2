/**
 * The topology shrinker (STYLE.md rule 15: custom shrinkers live in internal/). Candidates, most
 * aggressive first: remove one service (with every declaration and probe that names it), then remove
 * one outbound declaration, one inbound declaration, one wildcard, then one probe. Every candidate is
 * strictly smaller (fewer services, declarations or probes) and still a valid topology.
 */
import type { Topology } from '../../topology.ts';
import { serviceKey } from '../../topology.ts';

/** The topology without service `key`. */
export function withoutService(t: Topology, key: string): Topology {
  return {
    ...t,
    services: t.services
      .filter((s) => serviceKey(s) !== key)
      .map((s) => ({ ...s, outbound: s.outbound.filter((k) => k !== key), inbound: s.inbound.filter((k) => k !== key) })),
    probes: t.probes.filter((p) => p.from !== key && p.to !== key),
  };
}

/** Lazily yields every one-step smaller candidate of `t`. */
export function* shrinkTopology(t: Topology): Generator<Topology> {
  if (t.services.length > 1) for (let i = t.services.length - 1; i >= 0; i--) yield withoutService(t, serviceKey(t.services[i]));
  const edit = (i: number, change: Partial<Topology['services'][number]>): Topology => ({
    ...t,
    services: t.services.map((s, j) => (j === i ? { ...s, ...change } : s)),
  });
  for (let i = 0; i < t.services.length; i++) {
    const s = t.services[i];
    for (const k of s.outbound) yield edit(i, { outbound: s.outbound.filter((x) => x !== k) });
    for (const k of s.inbound) yield edit(i, { inbound: s.inbound.filter((x) => x !== k) });
    if (s.wildcardInbound) yield edit(i, { wildcardInbound: false });
  }
  for (let i = t.probes.length - 1; i >= 0; i--) yield { ...t, probes: t.probes.filter((_, j) => j !== i) };
}

/** Size used to check that shrinking strictly decreases: services, then declarations, then probes. */
export function topologySize(t: Topology): [number, number, number] {
  const decl = t.services.reduce((n, s) => n + s.outbound.length + s.inbound.length + (s.wildcardInbound ? 1 : 0), 0);
  return [t.services.length, decl, t.probes.length];
}
