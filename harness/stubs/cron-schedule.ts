/**
 * Cron schedules of the CronJob controllers (Kubernetes batch/v1 CronJob and Volcano's): standard
 * 5-field cron expressions and the `@hourly` / `@daily` … macros, evaluated in an IANA time zone by
 * `cron-parser`. Times are ms since the epoch (simulated ms under the VirtualClock).
 */
import { CronExpressionParser } from 'cron-parser';

/**
 * Schedule times of `schedule` in (afterMs, untilMs], at most `limit`.
 * @throws Error for an expression or time zone cron-parser rejects.
 */
export function scheduleTimes(schedule: string, tz: string, afterMs: number, untilMs: number, limit = 1000): number[] {
  const it = CronExpressionParser.parse(schedule, { currentDate: new Date(afterMs), tz });
  const out: number[] = [];
  for (;;) {
    const t = it.next().getTime();
    if (t > untilMs || out.length >= limit) return out;
    out.push(t);
  }
}

/** The first schedule time after `afterMs`. @throws Error as {@link scheduleTimes}. */
export function nextTime(schedule: string, tz: string, afterMs: number): number {
  return CronExpressionParser.parse(schedule, { currentDate: new Date(afterMs), tz }).next().getTime();
}
