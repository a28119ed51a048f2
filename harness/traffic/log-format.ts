/**
 * The traffic generator log format, written by the simulated generator AND by the curl loop in a real
 * pod, read by one parser (DESIGN.md rule 4; reference §5.3–5.4, random-mesh format):
 *
 *     ===CYCLE_START===
 *     <from>-><to>:<port>:ALLOWED
 *     <from>-><to>:<port>:BLOCKED
 *     ===CYCLE_END===
 *
 * `<from>`/`<to>` are `namespace/name` keys; `<port>` is the Service port probed, so two probes to the
 * same callee on different ports are distinct. A probe without a port (the callee has no Service) and
 * logs written before ports were added read `<from>-><to>:ALLOWED`; lookups ({@link outcomeIn},
 * {@link lastOutcome}) fall back to that port-less id, so old logs still judge. Lines may carry a
 * suffix (`:BLOCKED (timeout)`, `:ALLOWED(UNEXPECTED)`); the parser reads the plain outcome prefix.
 */

export const CYCLE_START = '===CYCLE_START===';
export const CYCLE_END = '===CYCLE_END===';

/** `allow` for ALLOWED, `deny` for BLOCKED. */
export type Outcome = 'allow' | 'deny';

/** The id of a probe inside logs: `<from>-><to>:<port>`, or `<from>-><to>` when `port` is null / absent. */
export const probeId = (from: string, to: string, port?: number | null): string => (port === undefined || port === null ? `${from}->${to}` : `${from}->${to}:${port}`);

/** One result line (`port` as in {@link probeId}). */
export function resultLine(from: string, to: string, outcome: Outcome, suffix = '', port?: number | null): string {
  return `${probeId(from, to, port)}:${outcome === 'allow' ? 'ALLOWED' : 'BLOCKED'}${suffix}`;
}

/**
 * The outcome of probe `from -> to` on `port` in parsed results: the line with the port, else a
 * port-less line (a log written before probe ids carried the port). Undefined when neither is there.
 */
export function outcomeIn(results: ReadonlyMap<string, Outcome>, from: string, to: string, port?: number | null): Outcome | undefined {
  return results.get(probeId(from, to, port)) ?? (port === undefined || port === null ? undefined : results.get(probeId(from, to)));
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
 * The outcome of `from -> to` (on `port` when given) in a whole log: whichever of ALLOWED / BLOCKED
 * occurs last (the reference's `rfind` rule), or undefined when neither occurs. With a port and no
 * line carrying it, falls back to port-less lines (old logs).
 */
export function lastOutcome(log: string, from: string, to: string, port?: number | null): Outcome | undefined {
  const id = probeId(from, to, port);
  const a = log.lastIndexOf(`${id}:ALLOWED`);
  const b = log.lastIndexOf(`${id}:BLOCKED`);
  if (a < 0 && b < 0) return port === undefined || port === null ? undefined : lastOutcome(log, from, to);
  return a > b ? 'allow' : 'deny';
}
