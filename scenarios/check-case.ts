/**
 * The one-case fast-check check both random scenarios run per index (random enforcement: a topology;
 * random evolution: a topology and its commands): draw one case from a seed, run it, and when it
 * fails let fast-check shrink it (or replay a given path), keeping the first record (the generated
 * case, what the run reports) and the last failing one (the shrunk counterexample's, what the
 * failure reports). DESIGN.md rules 2 and 3: a failure is shrunk and reproducible from seed and path.
 */
import fc from 'fast-check';
import type { RunRecord } from '../reports/model.ts';
import type { Topology } from '../topologies/index.ts';

/** `--path` did not name a replayable counterexample of the case. */
export class ReplayPathError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReplayPathError';
  }
}

/** How one case is checked. */
export interface CheckCaseOptions {
  /** fast-check seed of the case (derived from the run's seed and the index). */
  seed: number;
  /** Shrink the case if it fails (else fast-check stops at the first failure). */
  shrink: boolean;
  /** fast-check replay path to follow (the part fast-check reads), if any. */
  fcPath?: string;
  /** The replay path as the user gave it (named in a {@link ReplayPathError}); set whenever `fcPath` is. */
  path?: string;
  /** Draw the case unbiased (fast-check otherwise biases early runs towards small values). */
  unbiased?: boolean;
  /** What a case is, for errors: `topology`, `evolving case`. */
  what: string;
  /** Which case, for errors: `topology 3`, `evolution 0`. */
  label: string;
}

/** What the check found: the first record and its topology; when the case failed, the last failing record and fast-check's counterexample. */
export interface CheckedCase<Ts extends [Topology, ...unknown[]]> {
  first: RunRecord;
  firstTopology: Topology;
  failed?: {
    record: RunRecord;
    counterexample: Ts;
    /** fast-check's `counterexamplePath` ('' when it gave none). */
    path: string;
    shrinks: number;
  };
}

/**
 * Checks one case drawn from `arbitraries` (`numRuns: 1`, seed `opts.seed`), running `run` on it and
 * on each shrink step; a record whose status is not `verified` fails the property.
 * @throws ReplayPathError when `opts.path` is set and fast-check cannot follow it or replays no case.
 * @throws fast-check's error (or `<label>: fast-check ran no case`) when no case ran without a path.
 */
export async function checkCase<Ts extends [Topology, ...unknown[]]>(
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  run: (...args: Ts) => Promise<RunRecord>,
  opts: CheckCaseOptions,
): Promise<CheckedCase<Ts>> {
  let first: { record: RunRecord; topology: Topology } | undefined;
  let lastFailing: RunRecord | undefined;
  const property = fc.asyncProperty<Ts>(...arbitraries, async (...args: Ts) => {
    const record = await run(...args);
    first ??= { record, topology: args[0] };
    const ok = record.status === 'verified';
    if (!ok) lastFailing = record;
    return ok;
  });
  let details: fc.RunDetails<Ts>;
  try {
    details = await fc.check(property, { seed: opts.seed, numRuns: 1, ...(opts.unbiased ? { unbiased: true } : {}), endOnFailure: !opts.shrink, ...(opts.fcPath !== undefined ? { path: opts.fcPath } : {}) });
  } catch (err) {
    if (opts.path !== undefined) throw new ReplayPathError(opts.path, (err as Error).message);
    throw err;
  }
  if (!first) {
    if (opts.path !== undefined) throw new ReplayPathError(opts.path, `path ${opts.path} replays no ${opts.what}`);
    throw details.errorInstance ?? new Error(`${opts.label}: fast-check ran no case`);
  }
  const checked: CheckedCase<Ts> = { first: first.record, firstTopology: first.topology };
  if (!details.failed || !details.counterexample || !lastFailing || lastFailing.status === 'verified') return checked;
  return { ...checked, failed: { record: lastFailing, counterexample: details.counterexample, path: details.counterexamplePath ?? '', shrinks: details.numShrinks } };
}
