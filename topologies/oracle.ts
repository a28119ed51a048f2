/**
 * The oracle (DESIGN.md rule 1): the expected verdict of every probe computed from the topology's
 * declarations ONLY — never from generated policies. Bilateral rule (reference §4.2): allowed iff the
 * callee has a Service port, the caller declares outbound to it, and the callee declares inbound from
 * the caller or allows any caller (wildcard).
 */
import type { Topology, TopologyService } from './topology.ts';
import { serviceKey } from './topology.ts';

/** Expected outcome of one probe, with the port probed (the callee's `http` port, else its first; null when none). */
export interface ExpectedProbe {
  from: string;
  to: string;
  port: number | null;
  expected: 'allow' | 'deny';
  reason: string;
}

/** The Service port a probe to `s` uses. */
export function probePort(s: TopologyService): number | null {
  return (s.ports.find((p) => p.name === 'http') ?? s.ports[0])?.port ?? null;
}

/** Judges one ordered pair from declarations. */
export function expectPair(caller: TopologyService, callee: TopologyService): Omit<ExpectedProbe, 'from' | 'to' | 'port'> {
  const out = caller.outbound.includes(serviceKey(callee));
  const allowsCaller = callee.inbound.includes(serviceKey(caller));
  if (callee.ports.length === 0) return { expected: 'deny', reason: 'callee has no ports (no Service)' };
  if (out && allowsCaller) return { expected: 'allow', reason: 'bilateral: caller declares outbound, callee declares inbound' };
  if (out && callee.wildcardInbound) return { expected: 'allow', reason: 'callee allows any caller (wildcard) and caller declares outbound' };
  if (out) return { expected: 'deny', reason: 'one-sided: caller declares outbound, callee does not allow it' };
  if (allowsCaller || callee.wildcardInbound) return { expected: 'deny', reason: 'one-sided: callee allows caller, caller does not declare outbound' };
  return { expected: 'deny', reason: 'no declaration on either side' };
}

/** Expected verdicts of `topology.probes` (probes naming missing services are skipped). */
export function oracle(topology: Topology): ExpectedProbe[] {
  const byKey = new Map(topology.services.map((s) => [serviceKey(s), s]));
  const out: ExpectedProbe[] = [];
  for (const p of topology.probes) {
    const caller = byKey.get(p.from);
    const callee = byKey.get(p.to);
    if (!caller || !callee || p.from === p.to) continue;
    out.push({ from: p.from, to: p.to, port: probePort(callee), ...expectPair(caller, callee) });
  }
  return out;
}

/** Every ordered pair of distinct services, as probes (fleets are judged on the full matrix). */
export function matrixProbes(topology: Topology): Topology['probes'] {
  const keys = topology.services.map(serviceKey);
  return keys.flatMap((from) => keys.filter((to) => to !== from).map((to) => ({ from, to })));
}
