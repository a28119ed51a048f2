/**
 * Time, as every simulated code path sees it (DESIGN.md "Time"). `VirtualClock` (harness) advances
 * only when the simulation has nothing left to run now; `RealClock` follows the wall clock. Code
 * under simulation never calls Date.now, setTimeout or Math.random directly.
 */

/** A cancellable timer. */
export interface TimerHandle {
  cancel(): void;
}

/** Clock contract. All values are milliseconds: simulated ms under a VirtualClock, wall ms under a RealClock. */
export interface Clock {
  /** Current time, ms since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` (>= 0). */
  sleep(ms: number): Promise<void>;
  /** Calls `fn` after `ms`; ties fire in the order they were set. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

/** RFC 3339 with second precision (metadata timestamps), e.g. `2026-01-01T00:00:00Z`. */
export function rfc3339(ms: number): string {
  // Every write stamps a time and simulated time moves slowly: the text of the last second is kept.
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
  }
  return lastText;
}
let lastSecond = Number.NaN;
let lastText = '';
