/**
 * A case that changes over time while traffic runs (issue 7, "topologies over time"). It knows
 * nothing of topologies: each step is the whole desired set of objects plus the oracle's probes for
 * it. {@link EvolvingCase.step} applies the DIFF from the previous step (creates what is new,
 * replaces what changed by identity `Kind ns/name`, deletes what went away; Namespaces last), keeps
 * the generators of sources whose targets did not change running, and judges two things:
 *
 * - **Convergence (the bound):** the platform settles for the new generation (every LatticeService
 *   Ready or Failed with `observedGeneration == generation`, Ready ones' pods up) within
 *   `stepTimeoutMs`, and the `cycles`-th complete traffic cycle that started after it matches the new
 *   oracle probe by probe (the same rule as `judgeCase`: settle + 2 complete cycles by default).
 * - **No transient over-allow:** in every complete cycle that started after the change, up to the
 *   judged one, no probe is observed allowed whose pair neither the old nor the new oracle allows
 *   (declarations are agreed per service pair, so a pair allowed before or after may be allowed on any
 *   of its ports in between).
 *
 * Invariants (invariants.ts) are judged on every watch event over the whole case. Reads go through
 * the Cluster contract only; the pieces are judgeCase's (case-parts.ts).
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { isNotFound } from '../../fake-apiserver/api/index.ts';
import type { LatticeMeshMember, LatticeService } from '../../platform/index.ts';
import { LatticeMeshMemberType, LatticeServiceType } from '../../platform/index.ts';
import type { EvolutionStepRecord, InputErrorRecord, ProbeRecord, TransitionViolationRecord } from '../../reports/model.ts';
import type { Cluster, ClusterReader, TrafficObservation } from '../cluster.ts';
import { outcomeIn } from '../traffic/log-format.ts';
import { completeCycles, cyclesDone, judgeProbes, makeWaiter, onRevision, targetsBySource } from './case-parts.ts';
import type { Waiter } from './case-parts.ts';
import type { ExpectedProbe } from './expected-probe.ts';
import { InvariantMonitor } from './invariants.ts';
import type { InvariantBounds, InvariantViolation } from './invariants.ts';
import { platformSettled, serviceRecords, unsettledServices } from './run-case.ts';
import type { VerifierTiming } from './run-case.ts';

/** One state of an evolving case: every object that should exist, and the oracle's probes for it. */
export interface EvolutionState {
  /** What led here, in words (a command's `toString()`; `initial` for the first state). */
  label: string;
  objects: readonly KubeObject[];
  expected: readonly ExpectedProbe[];
}

/** Timing of an evolving case: judgeCase's, plus how long each change may take to settle (same clock). */
export interface EvolutionTiming extends VerifierTiming {
  /** Bound on the settle after a change (ms on the Cluster's clock); the first state gets `readyTimeoutMs`. */
  stepTimeoutMs: number;
}

/** Default bound on a change's settle: 60 s simulated (a pod start, an ESO sync and two progress requeues fit many times). */
export const DEFAULT_STEP_TIMEOUT_MS = 60_000;

/** Identity of an object across steps: `Kind ns/name` (the apiVersion's group is implied by the kind in these specs). */
export const identityOf = (o: KubeObject): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** Create and delete order of input kinds (World.apply's order; deletes run it backwards). */
const KIND_ORDER = ['Namespace', 'SecretProvider', 'CedarPolicy', 'LatticeMeshMember', 'LatticeService'];
const rank = (o: KubeObject): number => {
  const i = KIND_ORDER.indexOf(o.kind);
  return i < 0 ? KIND_ORDER.length : i;
};

/** The difference between two object sets by identity: created, updated (rendered differently) and deleted objects. */
export interface ObjectDiff {
  created: KubeObject[];
  updated: KubeObject[];
  deleted: KubeObject[];
}

/**
 * `next` minus `prev` by {@link identityOf}: objects only in `next` are created, only in `prev`
 * deleted, in both with a different JSON rendering updated. Creates and updates in dependency order
 * (Namespaces first), deletes backwards (LatticeServices first, Namespaces last). Pure.
 */
export function diffObjects(prev: readonly KubeObject[], next: readonly KubeObject[]): ObjectDiff {
  const before = new Map(prev.map((o) => [identityOf(o), o]));
  const after = new Map(next.map((o) => [identityOf(o), o]));
  const byRank = (a: KubeObject, b: KubeObject) => rank(a) - rank(b);
  return {
    created: next.filter((o) => !before.has(identityOf(o))).sort(byRank),
    updated: next.filter((o) => before.has(identityOf(o)) && JSON.stringify(before.get(identityOf(o))) !== JSON.stringify(o)).sort(byRank),
    deleted: prev.filter((o) => !after.has(identityOf(o))).sort((a, b) => byRank(b, a)),
  };
}

/** Settled for the current generation: {@link platformSettled}, and no LatticeService or member still reports an older generation. */
export function settledForGeneration(reader: ClusterReader): boolean {
  if (!platformSettled(reader)) return false;
  const current = (o: LatticeService | LatticeMeshMember) => o.status?.observedGeneration === o.metadata.generation;
  return reader.list<LatticeService>(LatticeServiceType).every(current) && reader.list<LatticeMeshMember>(LatticeMeshMemberType).every((m) => m.status?.phase !== 'Ready' || current(m));
}

/** Pairs `from->to` the oracle allows. */
const allowedPairs = (expected: readonly ExpectedProbe[]): Set<string> => new Set(expected.filter((p) => p.expected === 'allow').map((p) => `${p.from}->${p.to}`));

const describe = (o: KubeObject): string => identityOf(o);

/**
 * A running evolving case on one Cluster. {@link EvolvingCase.start} applies the first state and
 * judges it like judgeCase; each {@link EvolvingCase.step} applies one change and judges it;
 * {@link EvolvingCase.finish} stops everything and returns the invariants.
 */
export class EvolvingCase {
  readonly steps: EvolutionStepRecord[] = [];
  /** Every probe judged so far, step after step (each against its step's oracle). */
  readonly probes: ProbeRecord[] = [];
  readonly inputErrors: InputErrorRecord[] = [];
  private state: EvolutionState = { label: '', objects: [], expected: [] };
  private generators = new Map<string, TrafficObservation>();
  private readonly retired: TrafficObservation[] = [];
  private readonly waitFor: Waiter;
  private readonly startMs: number;

  private constructor(
    readonly cluster: Cluster,
    private readonly timing: EvolutionTiming,
    private readonly invariants: InvariantMonitor,
  ) {
    this.startMs = cluster.clock.now();
    this.waitFor = makeWaiter(cluster, timing.pollMs, () => invariants.poll());
  }

  /** Starts the invariant monitor, applies `initial` and judges it (its step record is `steps[0]`). */
  static async start(cluster: Cluster, initial: EvolutionState, timing: EvolutionTiming, bounds?: Partial<InvariantBounds>): Promise<EvolvingCase> {
    const invariants = new InvariantMonitor(cluster, { bounds });
    await invariants.start();
    const c = new EvolvingCase(cluster, timing, invariants);
    await c.change(initial, timing.readyTimeoutMs, platformSettled);
    return c;
  }

  /** The last state applied. */
  get current(): EvolutionState {
    return this.state;
  }

  /** True when a step so far mismatched, over-allowed during a transition, refused input or did not settle. */
  get failed(): boolean {
    return this.inputErrors.length > 0 || this.steps.some((s) => s.mismatches.length > 0 || s.transitions.length > 0 || s.timedOut !== undefined);
  }

  /** Applies `next` as a diff of the current state and judges the transition and the convergence. */
  async step(next: EvolutionState): Promise<EvolutionStepRecord> {
    return this.change(next, this.timing.stepTimeoutMs, settledForGeneration);
  }

  /** Stops generators, the invariant monitor (final checks) and the cluster; returns the invariants broken. */
  finish(): InvariantViolation[] {
    for (const g of [...this.generators.values(), ...this.retired]) g.stop();
    const violations = this.invariants.finish();
    this.cluster.stop();
    return violations;
  }

  /** Notes of the cluster and the monitor (for the run record). */
  notes(): string[] {
    return [...this.cluster.notes(), ...this.invariants.notes];
  }

  /** The LatticeServices at the end. */
  services() {
    return serviceRecords(this.cluster.reader);
  }

  /** Applies `next`, waits until `settledNow` holds (judgeCase's check for the first state: nothing is stale yet) and judges. */
  private async change(next: EvolutionState, timeoutMs: number, settledNow: (reader: ClusterReader) => boolean): Promise<EvolutionStepRecord> {
    const { clock, reader } = this.cluster;
    const prev = this.state;
    const diff = diffObjects(prev.objects, next.objects);
    await this.applyDiff(diff);
    const appliedAt = clock.now();
    this.restartTraffic(next.expected);
    this.state = next;

    const { cycles } = this.timing;
    const settled = await this.waitFor(onRevision(reader, settledNow), timeoutMs);
    const settledAt = clock.now();
    let timedOut = settled ? undefined : `platform not settled for the new generation ${timeoutMs / 1000}s after the change: ${unsettledServices(reader).join(', ') || 'observedGeneration behind generation'}`;
    const cycled = await this.waitFor(cyclesDone(this.generators.values(), settledAt, cycles), timeoutMs);
    if (!cycled) timedOut = `${timedOut ? `${timedOut}; ` : ''}generators did not finish ${cycles} cycles`;
    // Leftovers of this step's deletes are judged before the next step (and before the case ends).
    const leftovers = this.invariants.lastLeftoverDeadline();
    if (leftovers !== undefined) await this.waitFor(() => clock.now() >= leftovers, leftovers - clock.now() + this.timing.pollMs);

    const phaseOf = new Map(serviceRecords(reader).map((s) => [s.name, s.phase]));
    const probes = judgeProbes(next.expected, this.generators, settledAt, phaseOf);
    this.probes.push(...probes);
    const record: EvolutionStepRecord = {
      command: next.label,
      changes: { created: diff.created.map(describe), updated: diff.updated.map(describe), deleted: diff.deleted.map(describe) },
      appliedAtMs: appliedAt - this.startMs,
      settledAtMs: settled ? settledAt - this.startMs : null,
      judgedAtMs: clock.now() - this.startMs,
      probes: probes.length,
      mismatches: probes.filter((p) => p.expected !== p.observed),
      transitions: this.transitions(prev.expected, next.expected, appliedAt),
      ...(timedOut ? { timedOut } : {}),
    };
    this.steps.push(record);
    return record;
  }

  /** Creates, replaces (by identity, at the stored resourceVersion, keeping labels and annotations others added) and deletes. */
  private async applyDiff(diff: ObjectDiff): Promise<void> {
    const { client } = this.cluster;
    for (const { object, error } of await this.cluster.apply(diff.created)) this.inputErrors.push({ object: describe(object), message: error.message });
    for (const o of diff.updated) {
      const key = { namespace: o.metadata.namespace, name: o.metadata.name };
      try {
        const cur = await client.get(o, key);
        await client.update({
          ...o,
          metadata: {
            ...o.metadata,
            resourceVersion: cur.metadata.resourceVersion,
            labels: { ...cur.metadata.labels, ...o.metadata.labels },
            annotations: { ...cur.metadata.annotations, ...o.metadata.annotations },
          },
        });
      } catch (err) {
        this.inputErrors.push({ object: describe(o), message: (err as Error).message });
      }
    }
    for (const o of diff.deleted) {
      try {
        await client.delete(o, { namespace: o.metadata.namespace, name: o.metadata.name });
      } catch (err) {
        if (!isNotFound(err)) this.inputErrors.push({ object: describe(o), message: (err as Error).message });
      }
    }
  }

  /** Keeps generators whose targets are unchanged, retires the others and starts new ones. */
  private restartTraffic(expected: readonly ExpectedProbe[]): void {
    const wanted = targetsBySource(expected);
    const next = new Map<string, TrafficObservation>();
    for (const [from, g] of this.generators) {
      const targets = wanted.get(from);
      if (targets && JSON.stringify(targets) === JSON.stringify(this.targetsOf.get(g))) next.set(from, g);
      else {
        g.stop();
        this.retired.push(g);
      }
    }
    for (const [from, targets] of wanted) {
      if (next.has(from)) continue;
      const g = this.cluster.traffic.start(from, targets);
      this.targetsOf.set(g, targets);
      next.set(from, g);
    }
    this.generators = new Map([...next].sort(([a], [b]) => a.localeCompare(b)));
  }

  private readonly targetsOf = new WeakMap<TrafficObservation, unknown>();

  /** Probes observed allowed, in complete cycles started at or after `sinceMs`, whose pair neither oracle allows. */
  private transitions(before: readonly ExpectedProbe[], after: readonly ExpectedProbe[], sinceMs: number): TransitionViolationRecord[] {
    const allowed = new Set([...allowedPairs(before), ...allowedPairs(after)]);
    const out: TransitionViolationRecord[] = [];
    const bySource = new Map<string, ExpectedProbe[]>();
    for (const p of after) (bySource.get(p.from) ?? bySource.set(p.from, []).get(p.from)!).push(p);
    for (const g of this.generators.values()) {
      const n = g.countCyclesSince(sinceMs);
      if (n === 0) continue;
      const cycles = completeCycles(g).slice(-n);
      cycles.forEach((c, i) => {
        for (const p of bySource.get(g.from) ?? []) {
          if (outcomeIn(c.results, p.from, p.to, p.port) !== 'allow' || allowed.has(`${p.from}->${p.to}`)) continue;
          out.push({ from: p.from, to: p.to, port: p.port, cycle: i + 1, observed: 'allow', reason: 'allowed by neither the old nor the new declarations' });
        }
      });
    }
    return out;
  }
}
