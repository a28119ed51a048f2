/**
 * A rate-limited, de-duplicating work queue (client-go workqueue semantics): a key is queued at
 * most once; a key added while it is being processed is queued again once `done` is called;
 * `addAfter` keeps the earliest pending delay per key; `addRateLimited` applies per-key
 * exponential backoff (base * 2^failures, capped) until `forget`. Times are simulated ms of the
 * injected Clock; order is FIFO, so runs are deterministic.
 */
import type { Clock, TimerHandle } from '../../fake-apiserver/api/index.ts';

/** Backoff settings (client-go defaults: 5 ms base, 1000 s cap). */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 5, maxMs: 1_000_000 };

/** Work queue of string keys. */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, { dueMs: number; timer: TimerHandle }>();
  private readonly failures = new Map<string, number>();
  private waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(
    private readonly clock: Clock,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {}

  /** Queues `key` now (no-op when already queued; marked dirty when being processed). */
  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    const waiter = this.waiters.shift();
    if (waiter) {
      this.queued.delete(key);
      this.processing.add(key);
      waiter(key);
    } else this.queue.push(key);
  }

  /** Queues `key` after `afterMs`; an earlier pending delay for the same key wins. */
  addAfter(key: string, afterMs: number): void {
    if (afterMs <= 0) return this.add(key);
    const dueMs = this.clock.now() + afterMs;
    const existing = this.delayed.get(key);
    if (existing && existing.dueMs <= dueMs) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimer(afterMs, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { dueMs, timer });
  }

  /** Queues `key` after its backoff delay and counts one more failure. Returns the delay used (ms). */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.backoff.baseMs * 2 ** n, this.backoff.maxMs);
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the failure count of `key`. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Failures counted for `key` since the last forget. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Resolves with the next key (marked processing), or undefined after shutdown. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` processed; re-queues it if it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  /** Keys waiting now (not counting delayed ones). */
  get length(): number {
    return this.queue.length;
  }

  /** True when nothing is queued, processing or delayed. */
  idle(): boolean {
    return this.queue.length === 0 && this.processing.size === 0 && this.delayed.size === 0;
  }

  /** Stops handing out keys; pending `get()` calls resolve with undefined. */
  shutdown(): void {
    this.shuttingDown = true;
    for (const d of this.delayed.values()) d.timer.cancel();
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
