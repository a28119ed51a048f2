/**
 * Test doubles for fake-apiserver tests: a manual Clock and a manual delivery queue.
 */
import type { Clock, TimerHandle } from '../api/index.ts';

/** A Clock whose time only moves when `set`/`advance` is called (ms since epoch). Timers fire on advance. */
export interface ManualClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

/** Creates a {@link ManualClock} starting at `startMs` (default 2026-01-01T00:00:00Z). */
export function manualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let now = startMs;
  let seq = 0;
  const timers: { at: number; seq: number; fn: () => void; cancelled: boolean }[] = [];
  const fire = () => {
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    while (timers.length && timers[0].at <= now) {
      const t = timers.shift()!;
      if (!t.cancelled) t.fn();
    }
  };
  return {
    now: () => now,
    set(ms) {
      now = ms;
      fire();
    },
    advance(ms) {
      now += ms;
      fire();
    },
    sleep(ms): Promise<void> {
      return new Promise((resolve) => this.setTimer(ms, resolve));
    },
    setTimer(ms, fn): TimerHandle {
      const t = { at: now + ms, seq: seq++, fn, cancelled: false };
      timers.push(t);
      return { cancel: () => void (t.cancelled = true) };
    },
  };
}

/** A `deliver` function that queues callbacks until `drain()` runs them (FIFO, including ones queued while draining). */
export function manualDelivery(): { deliver: (fn: () => void) => void; drain: () => number; pending: () => number } {
  const q: (() => void)[] = [];
  return {
    deliver: (fn) => void q.push(fn),
    drain: () => {
      let n = 0;
      while (q.length) {
        q.shift()!();
        n++;
      }
      return n;
    },
    pending: () => q.length,
  };
}
