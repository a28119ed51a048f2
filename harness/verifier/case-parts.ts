/**
 * The pieces a judged case is built from, shared by `judgeCase` (run-case.ts: one steady state) and
 * `EvolvingCase` (evolve-case.ts: a topology changing while traffic runs): starting one traffic
 * generator per probe source, waiting on the Cluster's clock in polls, the settle check cached on the
 * reader's revision, and judging probes on the last complete cycle of each generator's log. They read
 * only through the Cluster contract, so they run against a World and a real cluster alike.
 */
import type { ProbeRecord } from '../../reports/model.ts';
import type { Cluster, ClusterReader, TrafficObservation } from '../cluster.ts';
import type { GeneratorTarget } from '../traffic/generator.ts';
import { outcomeIn, parseCycles, probeId } from '../traffic/log-format.ts';
import type { ParsedCycle } from '../traffic/log-format.ts';
import type { ExpectedProbe } from './expected-probe.ts';

/** The generator targets of each probe source (`ns/name`), sources in key order, targets in probe order. */
export function targetsBySource(expected: readonly ExpectedProbe[]): Map<string, GeneratorTarget[]> {
  const bySource = new Map<string, GeneratorTarget[]>();
  for (const p of expected) {
    const list = bySource.get(p.from) ?? [];
    list.push({ to: p.to, port: p.port });
    bySource.set(p.from, list);
  }
  return new Map([...bySource].sort(([a], [b]) => a.localeCompare(b)));
}

/** Starts one traffic generator per probe source of `expected` (sources in key order). */
export function startGenerators(cluster: Pick<Cluster, 'traffic'>, expected: readonly ExpectedProbe[]): Map<string, TrafficObservation> {
  const generators = new Map<string, TrafficObservation>();
  for (const [from, targets] of targetsBySource(expected)) generators.set(from, cluster.traffic.start(from, targets));
  return generators;
}

/** Waits until `pred` holds (true) or `timeoutMs` has passed on the cluster's clock (false). */
export type Waiter = (pred: () => boolean, timeoutMs: number) => Promise<boolean>;

/**
 * A {@link Waiter} that lets the cluster's time pass in steps of `pollMs` (simulated or wall ms, as the
 * Cluster's clock) and calls `onPoll` after every step (the invariant monitor's deadline check). No flat
 * sleeps: it returns as soon as `pred` holds at a poll.
 */
export function makeWaiter(cluster: Pick<Cluster, 'clock' | 'advance'>, pollMs: number, onPoll?: () => void): Waiter {
  const { clock } = cluster;
  return async (pred, timeoutMs) => {
    const deadline = clock.now() + timeoutMs;
    while (!pred()) {
      if (clock.now() >= deadline) return false;
      await cluster.advance(Math.min(deadline, clock.now() + pollMs));
      onPoll?.();
    }
    return true;
  };
}

/**
 * `compute(reader)`, computed again only when the reader's revision changed: a predicate polled every
 * pollMs must not cost O(services) per poll when nothing happened.
 */
export function onRevision<T>(reader: ClusterReader, compute: (reader: ClusterReader) => T): () => T {
  let last: { revision: number; value: T } | undefined;
  return () => {
    if (last?.revision !== reader.revision()) last = { revision: reader.revision(), value: compute(reader) };
    return last.value;
  };
}

/**
 * A predicate that holds once every generator has `cycles` complete cycles that started at or after
 * `sinceMs`, or has stopped for good (no pod to run in). Generators leave the pending set once done, so
 * a poll costs O(generators still short of their cycles).
 */
export function cyclesDone(generators: Iterable<TrafficObservation>, sinceMs: number, cycles: number): () => boolean {
  const pending = new Set(generators);
  return () => {
    for (const g of pending) if (g.countCyclesSince(sinceMs) >= cycles) pending.delete(g);
    for (const g of pending) if (g.running()) return false;
    return true;
  };
}

/** The complete cycles of a generator's log, in order, parsed once per call (not once per probe). */
export function completeCycles(g: TrafficObservation): ParsedCycle[] {
  return parseCycles(g.log).filter((c) => c.complete);
}

/**
 * Judges `expected` on the last complete cycle of each source's generator, provided that cycle started
 * at or after `sinceMs`. A probe without such a cycle is observed `deny` with layer `none` and a reason
 * naming the source's LatticeService phase (`phaseOf`, key → phase). The deciding layer, policy and
 * reason come from the cycle's verdicts where the source knows them (simulation), else `unknown`.
 */
export function judgeProbes(
  expected: readonly ExpectedProbe[],
  generators: ReadonlyMap<string, TrafficObservation>,
  sinceMs: number,
  phaseOf: ReadonlyMap<string, string>,
): ProbeRecord[] {
  const lastParsed = new Map<TrafficObservation, ParsedCycle | undefined>();
  const lastCompleteCycle = (g: TrafficObservation): ParsedCycle | undefined => {
    if (!lastParsed.has(g)) lastParsed.set(g, completeCycles(g).pop());
    return lastParsed.get(g);
  };
  return expected.map((p) => {
    const g = generators.get(p.from);
    const judged = g?.lastCycleSince(sinceMs);
    const parsed = g && lastCompleteCycle(g);
    const id = probeId(p.from, p.to, p.port);
    const observed = judged && parsed ? outcomeIn(parsed.results, p.from, p.to, p.port) : undefined;
    const verdict = judged?.verdicts?.get(id);
    if (!observed) {
      return {
        from: p.from,
        to: p.to,
        port: p.port,
        expected: p.expected,
        observed: 'deny',
        layer: 'none',
        policy: null,
        reason: `no traffic: ${p.from} has no running pod (LatticeService phase ${phaseOf.get(p.from) ?? 'absent'})`,
        expectedReason: p.reason,
      };
    }
    // A real cluster's curl loop reports ALLOWED / BLOCKED only: the deciding layer is then unknown.
    if (!verdict) return { from: p.from, to: p.to, port: p.port, expected: p.expected, observed, layer: 'unknown', policy: null, reason: `observed ${observed} in the traffic log`, expectedReason: p.reason };
    return { from: p.from, to: p.to, port: p.port, expected: p.expected, observed, layer: verdict.layer, policy: verdict.policy, reason: verdict.reason, expectedReason: p.reason };
  });
}
