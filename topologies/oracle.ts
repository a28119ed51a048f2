/**
 * The oracle (DESIGN.md rule 1): the expected verdict of every probe, computed from the topology's
 * declarations ONLY, never from generated policies. Bilateral rule (reference §4.2, §4.3): caller C may
 * reach callee S iff S has a Service port, C declares outbound to S, and S declares inbound from C or
 * allows any caller (wildcard inbound still needs C's outbound declaration). Agreement is per service pair,
 * not per port: a caller allowed to reach a service reaches every one of its Service ports (reference
 * §4.5b: the mesh AuthorizationPolicy and the callee's Cilium ingress list all of its target ports), so
 * the verdict of a probe does not depend on which port it probes, nor on the namespaces involved
 * (declarations name cross-namespace peers with `namespace:`, reference §1.1).
 */
import type { Topology, TopologyProbe, TopologyService } from './topology.ts';
import { serviceKey } from './topology.ts';

import type { ExpectedProbe } from '../harness/verifier/expected-probe.ts';

/** Expected outcome of one probe: the shape the harness's verifier judges against (port = the probe's port, else the callee's `http` port, else its first; null when none). */
export type { ExpectedProbe };

/** Every reason the oracle gives. */
export const ORACLE_REASONS = {
  bilateral: 'bilateral: caller declares outbound, callee declares inbound',
  wildcard: 'callee allows any caller (wildcard) and caller declares outbound',
  outboundOnly: 'one-sided: caller declares outbound, callee does not allow it',
  inboundOnly: 'one-sided: callee allows caller, caller does not declare outbound',
  none: 'no declaration on either side',
  noPorts: 'callee has no ports (no Service)',
} as const;

/** The Service port a probe to `s` uses: port named `http`, else the first; null when none. */
export function probePort(s: TopologyService): number | null {
  return (s.ports.find((p) => p.name === 'http') ?? s.ports[0])?.port ?? null;
}

/**
 * Judges one ordered pair from its declarations (reference §4.2).
 * Input: caller and callee. Output: expected verdict and reason. Never throws.
 */
export function expectPair(caller: TopologyService, callee: TopologyService): Pick<ExpectedProbe, 'expected' | 'reason'> {
  const outbound = caller.outbound.includes(serviceKey(callee));
  const named = callee.inbound.includes(serviceKey(caller));
  if (callee.ports.length === 0) return { expected: 'deny', reason: ORACLE_REASONS.noPorts };
  if (outbound && named) return { expected: 'allow', reason: ORACLE_REASONS.bilateral };
  if (outbound && callee.wildcardInbound) return { expected: 'allow', reason: ORACLE_REASONS.wildcard };
  if (outbound) return { expected: 'deny', reason: ORACLE_REASONS.outboundOnly };
  if (named || callee.wildcardInbound) return { expected: 'deny', reason: ORACLE_REASONS.inboundOnly };
  return { expected: 'deny', reason: ORACLE_REASONS.none };
}

function judge(topology: Topology, probes: readonly TopologyProbe[]): ExpectedProbe[] {
  const byKey = new Map(topology.services.map((s) => [serviceKey(s), s]));
  return probes.map((p) => {
    const caller = byKey.get(p.from);
    const callee = byKey.get(p.to);
    if (!caller || !callee) throw new Error(`oracle: probe ${p.from} -> ${p.to} names a service that is not in topology ${topology.name}`);
    if (p.port !== undefined && !callee.ports.some((q) => q.port === p.port)) throw new Error(`oracle: probe ${p.from} -> ${p.to} names port ${p.port}, which ${p.to} does not have`);
    return { from: p.from, to: p.to, port: p.port ?? probePort(callee), ...expectPair(caller, callee) };
  });
}

/**
 * Expected verdicts of `topology.probes`, in probe order.
 * Throws: `Error('oracle: probe a -> b names a service that is not in topology …')` when a probe names
 * an unknown service, `Error('oracle: probe a -> b names port …')` when it names a port the callee does
 * not have (a valid topology does neither: see validateTopology).
 */
export function oracle(topology: Topology): ExpectedProbe[] {
  return judge(topology, topology.probes);
}

/** Every ordered pair of distinct services, in service order (the probes of a fleet). */
export function matrixProbes(topology: Pick<Topology, 'services'>): TopologyProbe[] {
  const keys = topology.services.map(serviceKey);
  return keys.flatMap((from) => keys.filter((to) => to !== from).map((to) => ({ from, to })));
}

/** Expected verdicts of every ordered pair of distinct services (fleets), whatever `topology.probes` holds. */
export function oracleMatrix(topology: Topology): ExpectedProbe[] {
  return judge(topology, matrixProbes(topology));
}

/** `"from->to"` of every allowed probe, sorted (handy for tests and reports). */
export function allowedPairs(expected: readonly ExpectedProbe[]): string[] {
  return expected
    .filter((p) => p.expected === 'allow')
    .map((p) => `${p.from}->${p.to}`)
    .sort();
}
