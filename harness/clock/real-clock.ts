/**
 * RealClock: wall time, for `serve` and replay against real clusters (DESIGN.md "Core contracts").
 * The only place outside tests where the wall clock and real timers are used.
 */
import type { Clock, TimerHandle } from '../../fake-apiserver/api/index.ts';

/** Wall-clock implementation of {@link Clock}; all values are wall ms. */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const handle = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  }
}
