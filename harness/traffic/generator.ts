/**
 * The simulated traffic generator: the in-simulation twin of the curl loop (curl-script.ts). While the
 * source workload has a Ready pod it runs cycles: start marker, one probe per target (each taking the
 * profile's `traffic.perTarget` simulated ms, judged by the enforcement evaluator at that instant),
 * end marker, then `traffic.cycleSleep`. It writes the same log lines as the real script and keeps the
 * evaluator's verdict (layer, policy, reason) of every line beside the log for the report.
 */
import type { Clock, KubeObject } from '../../fake-apiserver/api/index.ts';
import type { RandomStream } from '../rng/index.ts';
import type { Delay } from '../profile.ts';
import type { Verdict } from '../evaluator/index.ts';
import { CYCLE_END, CYCLE_START, probeId, resultLine } from './log-format.ts';

/** One target: a Service key and the Service port to call. `port` null = the callee has no Service port. */
export interface GeneratorTarget {
  to: string;
  port: number | null;
}

/** A finished cycle: when it started and ended (simulated ms) and the verdict of each probe id. */
export interface CycleRecord {
  startMs: number;
  endMs: number;
  verdicts: Map<string, Verdict>;
}

/** Dependencies of a generator. */
export interface GeneratorDeps {
  clock: Clock;
  latency: RandomStream;
  timing: { cycleSleep: Delay; perTarget: Delay };
  /** The source's Ready pod now, if any. */
  findPod: () => KubeObject | undefined;
  /** Judges one probe from `pod` now. */
  probe: (pod: KubeObject, target: GeneratorTarget) => Verdict;
}

/** Runs cycles for one source workload until stopped. */
export class SimulatedTrafficGenerator {
  /** The log, line by line, exactly as a real generator pod would print it. */
  readonly log: string[] = [];
  /** Finished cycles in order. */
  readonly cycles: CycleRecord[] = [];
  private stopped = false;

  constructor(
    readonly from: string,
    readonly targets: readonly GeneratorTarget[],
    private readonly deps: GeneratorDeps,
  ) {}

  /** Starts the loop (returns at once; the loop runs on the clock). */
  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
  }

  /** True when a Ready pod runs the generator now. */
  running(): boolean {
    return this.deps.findPod() !== undefined;
  }

  /** Cycles that started at or after `sinceMs` (simulated). */
  cyclesSince(sinceMs: number): CycleRecord[] {
    return this.cycles.slice(this.firstCycleFrom(sinceMs));
  }

  /** How many cycles started at or after `sinceMs` (O(log cycles): called on every verifier poll). */
  countCyclesSince(sinceMs: number): number {
    return this.cycles.length - this.firstCycleFrom(sinceMs);
  }

  /** The last finished cycle that started at or after `sinceMs`, if any. */
  lastCycleSince(sinceMs: number): CycleRecord | undefined {
    const last = this.cycles[this.cycles.length - 1];
    return last && last.startMs >= sinceMs ? last : undefined;
  }

  /** Index of the first cycle with `startMs >= sinceMs` (cycles are pushed in start order). */
  private firstCycleFrom(sinceMs: number): number {
    let lo = 0;
    let hi = this.cycles.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cycles[mid].startMs < sinceMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private async loop(): Promise<void> {
    const { clock, latency, timing } = this.deps;
    while (!this.stopped) {
      const pod = this.deps.findPod();
      if (pod) {
        const startMs = clock.now();
        const verdicts = new Map<string, Verdict>();
        this.log.push(CYCLE_START);
        for (const t of this.targets) {
          await clock.sleep(latency.delay(timing.perTarget));
          if (this.stopped) return;
          const current = this.deps.findPod();
          if (!current) break;
          const v = this.deps.probe(current, t);
          verdicts.set(probeId(this.from, t.to, t.port), v);
          this.log.push(resultLine(this.from, t.to, v.decision, '', t.port));
        }
        if (verdicts.size === this.targets.length) {
          this.log.push(CYCLE_END);
          this.cycles.push({ startMs, endMs: clock.now(), verdicts });
        }
      }
      await clock.sleep(latency.delay(timing.cycleSleep));
    }
  }
}
