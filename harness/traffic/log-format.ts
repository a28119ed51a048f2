/**
 * The traffic generator log format, written by the simulated generator AND by the curl loop in a real
 * pod, read by one parser (DESIGN.md rule 4; reference §5.3–5.4, random-mesh format):
 *
 *     ===CYCLE_START===
 *     <from>-><to>:ALLOWED
 *     <from>-><to>:BLOCKED
 *     ===CYCLE_END===
 *
 * `<from>`/`<to>` are `namespace/name` keys. Lines may carry a suffix (`:BLOCKED (timeout)`,
 * `:ALLOWED(UNEXPECTED)`); the parser reads the plain outcome prefix.
 */

export const CYCLE_START = '===CYCLE_START===';
export const CYCLE_END = '===CYCLE_END===';

/** `allow` for ALLOWED, `deny` for BLOCKED. */
export type Outcome = 'allow' | 'deny';

/** The id of a probe inside logs: `<from>-><to>`. */
export const probeId = (from: string, to: string): string => `${from}->${to}`;

/** One result line. */
export function resultLine(from: string, to: string, outcome: Outcome, suffix = ''): string {
  return `${probeId(from, to)}:${outcome === 'allow' ? 'ALLOWED' : 'BLOCKED'}${suffix}`;
}

/** A parsed cycle: results by probe id (last line wins within a cycle). `complete` = an end marker was seen. */
export interface ParsedCycle {
  complete: boolean;
  results: Map<string, Outcome>;
}

const LINE = /^(.+->.+):(ALLOWED|BLOCKED)/;

/** Splits a log into cycles. Lines before the first start marker are ignored. */
export function parseCycles(log: string | readonly string[]): ParsedCycle[] {
  const lines = typeof log === 'string' ? log.split('\n') : log;
  const cycles: ParsedCycle[] = [];
  let current: ParsedCycle | undefined;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === CYCLE_START) {
      current = { complete: false, results: new Map() };
      cycles.push(current);
    } else if (line === CYCLE_END) {
      if (current) current.complete = true;
      current = undefined;
    } else if (current) {
      const m = LINE.exec(line);
      if (m) current.results.set(m[1], m[2] === 'ALLOWED' ? 'allow' : 'deny');
    }
  }
  return cycles;
}

/** Number of complete cycles in a log. */
export function completeCycles(log: string | readonly string[]): number {
  return parseCycles(log).filter((c) => c.complete).length;
}

/**
 * The outcome of `from -> to` in a whole log: whichever of ALLOWED / BLOCKED occurs last (the
 * reference's `rfind` rule), or undefined when neither occurs.
 */
export function lastOutcome(log: string, from: string, to: string): Outcome | undefined {
  const id = probeId(from, to);
  const a = log.lastIndexOf(`${id}:ALLOWED`);
  const b = log.lastIndexOf(`${id}:BLOCKED`);
  if (a < 0 && b < 0) return undefined;
  return a > b ? 'allow' : 'deny';
}
