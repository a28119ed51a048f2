/**
 * VirtualClock: simulated time driven by a discrete-event scheduler (DESIGN.md "Time").
 *
 * Timers live in a binary heap keyed by (due time, sequence number). `run()` lets every ready
 * promise chain run to quiescence (one macrotask turn drains all microtasks), then advances `now`
 * to the earliest timer and fires it; ties fire in the order they were set, so a run is
 * deterministic. Simulated hours cost milliseconds of wall time.
 */
import type { Clock, TimerHandle } from '../../fake-apiserver/api/index.ts';

interface Timer {
  dueMs: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Why `run()` returned. */
export type RunEnd = 'until' | 'idle' | 'stopped' | 'max-steps';

/** Outcome of `run()`: why it stopped, simulated time reached (ms since epoch) and timers fired. */
export interface RunResult {
  end: RunEnd;
  nowMs: number;
  steps: number;
}

/** Options of `run()`. */
export interface RunOptions {
  /** Stop before firing any timer due after this simulated instant (ms since epoch); `now` is left at it. */
  untilMs?: number;
  /** Checked after every quiescent point; true stops the run. */
  stopWhen?: () => boolean;
  /** Safety bound on timers fired (default 10 million). */
  maxSteps?: number;
}

/** 2026-01-01T00:00:00Z: the default start of simulated time. */
export const DEFAULT_EPOCH_MS = Date.UTC(2026, 0, 1);

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Simulated clock. `now()` only moves inside `run()`. */
export class VirtualClock implements Clock {
  private nowMs: number;
  private seq = 0;
  private heap: Timer[] = [];
  private live = 0;
  private held: { work: Promise<unknown>; release: () => void }[] = [];

  /** @param startMs simulated start instant, ms since the Unix epoch (default {@link DEFAULT_EPOCH_MS}). */
  constructor(startMs: number = DEFAULT_EPOCH_MS) {
    this.nowMs = startMs;
  }

  /** Current simulated time, ms since the epoch. */
  now(): number {
    return this.nowMs;
  }

  /** Number of timers not yet fired or cancelled. */
  pendingTimers(): number {
    return this.live;
  }

  /** Schedules `fn` at now + max(ms, 0). */
  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer: Timer = { dueMs: this.nowMs + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.push(timer);
    this.live++;
    return {
      cancel: () => {
        if (!timer.cancelled) {
          timer.cancelled = true;
          this.live--;
        }
      },
    };
  }

  /** Resolves after `ms` simulated milliseconds. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.setTimer(ms, resolve);
    });
  }

  /**
   * Wall-time work outside simulated time (a `helm template` child process): `run()` does not move `now`
   * while any held work is unfinished, and once all of it has settled hands the results back in the
   * order the work was held, so the continuations run in the same order whatever the wall-clock
   * timing was (determinism). Output: a promise settling like `work`, released by `run()`.
   */
  hold<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.held.push({ work, release: () => void work.then(resolve, reject) });
    });
  }

  /** Waits for every held piece of work, then releases them in hold order (see {@link hold}). */
  private async releaseHeld(): Promise<void> {
    while (this.held.length > 0) {
      const batch = this.held;
      this.held = [];
      await Promise.allSettled(batch.map((h) => h.work));
      for (const h of batch) {
        h.release();
        await macrotask();
      }
    }
  }

  /**
   * Drives the simulation: drain, fire the earliest timer, repeat.
   * Returns when `stopWhen` holds, when the next timer is after `untilMs`, or when no timer is left.
   */
  async run(opts: RunOptions = {}): Promise<RunResult> {
    const maxSteps = opts.maxSteps ?? 10_000_000;
    let steps = 0;
    for (;;) {
      await macrotask();
      await this.releaseHeld();
      if (opts.stopWhen?.()) return { end: 'stopped', nowMs: this.nowMs, steps };
      const next = this.peekLive();
      if (!next) return { end: 'idle', nowMs: this.nowMs, steps };
      if (opts.untilMs !== undefined && next.dueMs > opts.untilMs) {
        this.nowMs = Math.max(this.nowMs, opts.untilMs);
        return { end: 'until', nowMs: this.nowMs, steps };
      }
      if (steps >= maxSteps) return { end: 'max-steps', nowMs: this.nowMs, steps };
      this.pop();
      this.live--;
      next.cancelled = true;
      this.nowMs = Math.max(this.nowMs, next.dueMs);
      steps++;
      next.fn();
    }
  }

  private peekLive(): Timer | undefined {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
    return this.heap[0];
  }

  private less(a: Timer, b: Timer): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
