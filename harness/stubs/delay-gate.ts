/**
 * DelayGate: makes a stub's reaction to a new desired state land after a drawn delay, the way
 * KWOK stages delay a transition. The first time a (key, state) pair is seen, a due time
 * `now + delay` is drawn from the seeded stream; later calls answer how long is left.
 */
import type { Clock } from '../../fake-apiserver/api/index.ts';
import type { RandomStream } from '../rng/index.ts';
import type { Delay } from '../profile.ts';

/** Per-key due times for the current state of each key. */
export class DelayGate {
  private readonly due = new Map<string, { state: string; dueMs: number }>();
  constructor(
    private readonly clock: Clock,
    private readonly rng: RandomStream,
    private readonly delay: Delay,
  ) {}

  /** Simulated ms left before `key` in `state` may act (0 = act now). A new state draws a new delay. */
  remainingMs(key: string, state: string): number {
    let entry = this.due.get(key);
    if (!entry || entry.state !== state) {
      entry = { state, dueMs: this.clock.now() + this.rng.delay(this.delay) };
      this.due.set(key, entry);
    }
    return Math.max(0, entry.dueMs - this.clock.now());
  }

  /** Forgets `key` (object deleted). */
  forget(key: string): void {
    this.due.delete(key);
  }
}
