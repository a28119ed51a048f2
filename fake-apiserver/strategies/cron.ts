/**
 * The syntax check of a CronJob `schedule`, as upstream's CronJob validation does it with
 * robfig/cron v3 `ParseStandard`: five fields (minute, hour, day of month, month, day of week) or a
 * descriptor (`@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`,
 * `@every <duration>`); each field a `,` list of `*`, `?`, `a`, `a-b`, with an optional `/step`;
 * months and days of week also by name (`jan`, `mon`). The errors are the parser's texts.
 */

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];
const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** Go's strconv.Atoi failure text for `s`. */
const atoiError = (s: string): string => `failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`;

function parseInt10(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return atoiError(s);
  const n = Number(s);
  return n < 0 ? `negative number (${n}) not allowed: ${s}` : n;
}

function value(s: string, b: Bounds): number | string {
  const named = b.names?.[s.toLowerCase()];
  return named ?? parseInt10(s);
}

/** One `,`-separated part of a field (robfig `getRange`): the error text, or undefined. */
function rangeError(expr: string, b: Bounds): string | undefined {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  let start: number;
  let end: number;
  const singleDigit = lowAndHigh.length === 1;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
  } else {
    const lo = value(lowAndHigh[0], b);
    if (typeof lo === 'string') return lo;
    start = lo;
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) {
      const hi = value(lowAndHigh[1], b);
      if (typeof hi === 'string') return hi;
      end = hi;
    } else return `too many hyphens: ${expr}`;
  }
  if (rangeAndStep.length === 2) {
    const step = parseInt10(rangeAndStep[1]);
    if (typeof step === 'string') return step;
    if (singleDigit) end = b.max;
    if (step === 0) return `step of range should be a positive number: ${expr}`;
  } else if (rangeAndStep.length > 2) return `too many slashes: ${expr}`;
  if (start < b.min) return `beginning of range (${start}) below minimum (${b.min}): ${expr}`;
  if (end > b.max) return `end of range (${end}) above maximum (${b.max}): ${expr}`;
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`;
  return undefined;
}

/** The error `ParseStandard` returns for `schedule` (after an optional `TZ=`/`CRON_TZ=` prefix is refused by the caller), or undefined when it parses. */
export function cronScheduleError(schedule: string): string | undefined {
  if (schedule.length === 0) return 'empty spec string';
  if (schedule.startsWith('@')) {
    if (DESCRIPTORS.has(schedule)) return undefined;
    if (schedule.startsWith('@every ')) return /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(schedule.slice(7).trim()) ? undefined : `failed to parse duration ${schedule}: time: invalid duration ${JSON.stringify(schedule.slice(7).trim())}`;
    return `unrecognized descriptor: ${schedule}`;
  }
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  for (let i = 0; i < 5; i++) {
    for (const part of fields[i].split(',')) {
      const e = rangeError(part, FIELDS[i]);
      if (e) return e;
    }
  }
  return undefined;
}
