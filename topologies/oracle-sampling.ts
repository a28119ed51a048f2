/**
 * Probe sampling for large fleets. The full matrix of N services is N·(N-1) probes per cycle, so a
 * 1,000-service fleet would judge a million probes a cycle; sampled, every caller probes every DECLARED
 * pair (caller declares outbound, callee names the caller inbound, or callee allows any caller, and the
 * callee has a port) plus a deterministic sample of its undeclared pairs, so the cost is linear in N.
 *
 * The sample is keyed per pair: each undeclared pair gets a rank from a hash of (seed, caller, callee),
 * and each caller keeps its `undeclaredPerCaller` lowest-ranked pairs (bottom-k). Removing one service
 * (a shrink step) therefore changes no other pair's rank: another caller's sample changes only if the
 * removed service was in it (the next-lowest pair takes its place). Declarations only (DESIGN rule 1).
 */
import type { ExpectedProbe } from '../harness/verifier/expected-probe.ts';
import { ORACLE_REASONS, expectPair, oracleMatrix, probePort } from './oracle.ts';
import type { Topology, TopologyService } from './topology.ts';
import { serviceKey } from './topology.ts';

/** Which probes a fleet judges: the full matrix, or declared pairs plus a sample of the rest. */
export type ProbeSelection = 'all' | 'sampled';

/** Fleets of at most this many services judge the full matrix unless told otherwise (200 → 39,800 probes a cycle). */
export const FULL_MATRIX_MAX_SERVICES = 200;

/** Undeclared pairs each caller probes when sampled (default of {@link SamplingOptions.undeclaredPerCaller}). */
export const DEFAULT_UNDECLARED_PER_CALLER = 10;

/** Options of the sampling functions. */
export interface SamplingOptions {
  /** Seed of the run: same seed, same sample. */
  seed: number;
  /** Undeclared pairs kept per caller. @defaultValue {@link DEFAULT_UNDECLARED_PER_CALLER} */
  undeclaredPerCaller?: number;
}

/** Options of {@link expectedProbes}. */
export interface ExpectedProbesOptions extends SamplingOptions {
  /** `all` = full matrix, `sampled` = declared + sample; default: `all` up to {@link FULL_MATRIX_MAX_SERVICES} services, else `sampled`. */
  probes?: ProbeSelection;
}

// Hashes and ranks are signed 32-bit integers (small integers to V8: the sampling loop runs N² times).

/** 32-bit FNV-1a of a string. */
function hashString(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** A 32-bit finaliser (xor-shift / multiply) so that nearby inputs give unrelated ranks. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b | 0);
  h ^= h >>> 16;
  return h | 0;
}

/** Rank of the pair (from, to) under `seed`, from the two keys' hashes (order matters). */
const pairRank = (seedHash: number, fromHash: number, toHash: number): number => mix(seedHash ^ mix(fromHash ^ Math.imul(toHash, 0x9e3779b1)));

/** True when the oracle's reason says one side declared the pair and the callee has a port. */
export const isDeclared = (p: Pick<ExpectedProbe, 'reason'>): boolean => p.reason !== ORACLE_REASONS.none && p.reason !== ORACLE_REASONS.noPorts;

interface Ranked {
  rank: number;
  key: string;
  at: number;
}

/** Order of a sample: rank, then callee key (ties are rare but must not depend on input order). */
function before(a: Ranked, b: Ranked): boolean {
  return a.rank < b.rank || (a.rank === b.rank && a.key < b.key);
}

/** Keeps the `k` entries of lowest (rank, key) in `kept` (sorted ascending). */
function keepLowest(kept: Ranked[], entry: Ranked, k: number): void {
  if (kept.length === k && !before(entry, kept[k - 1])) return;
  let i = kept.length;
  while (i > 0 && before(entry, kept[i - 1])) i--;
  kept.splice(i, 0, entry);
  if (kept.length > k) kept.pop();
}

/**
 * Samples an expected list (any order, e.g. a fleet's matrix): keeps every declared probe
 * ({@link isDeclared}) and, per caller, the `undeclaredPerCaller` undeclared probes of lowest rank.
 * Input order is kept. Pure: same (expected, seed) → same list.
 */
export function sampleExpected(expected: readonly ExpectedProbe[], opts: SamplingOptions): ExpectedProbe[] {
  const k = opts.undeclaredPerCaller ?? DEFAULT_UNDECLARED_PER_CALLER;
  const seedHash = mix(hashString(`seed:${opts.seed}`));
  const hashes = new Map<string, number>();
  const hashOf = (key: string): number => {
    let h = hashes.get(key);
    if (h === undefined) hashes.set(key, (h = hashString(key)));
    return h;
  };
  const lowest = new Map<string, Ranked[]>();
  expected.forEach((p, at) => {
    if (isDeclared(p)) return;
    const kept = lowest.get(p.from) ?? [];
    lowest.set(p.from, kept);
    keepLowest(kept, { rank: pairRank(seedHash, hashOf(p.from), hashOf(p.to)), key: p.to, at }, k);
  });
  const keep = new Set<number>();
  for (const kept of lowest.values()) for (const e of kept) keep.add(e.at);
  return expected.filter((p, at) => isDeclared(p) || keep.has(at));
}

/**
 * The same list as `sampleExpected(oracleMatrix(t), opts)` without building the N·(N-1) matrix: per
 * caller, its declared callees plus its lowest-ranked undeclared ones, judged by the oracle, in matrix
 * order (callers, then callees, in service order). O(N·(d + k·log k)) memory, O(N²) cheap integer work.
 */
export function oracleSampled(t: Pick<Topology, 'services'>, opts: SamplingOptions): ExpectedProbe[] {
  const k = opts.undeclaredPerCaller ?? DEFAULT_UNDECLARED_PER_CALLER;
  const seedHash = mix(hashString(`seed:${opts.seed}`));
  const keys = t.services.map(serviceKey);
  const hashes = Int32Array.from(keys, hashString);
  const indexOf = new Map(keys.map((key, i) => [key, i]));
  const hasPort = t.services.map((s) => s.ports.length > 0);
  // Callees that name a caller inbound (by caller key), and callees allowing any caller.
  const namedBy = new Map<string, number[]>();
  t.services.forEach((s, i) => {
    for (const caller of s.inbound) {
      const l = namedBy.get(caller) ?? [];
      l.push(i);
      namedBy.set(caller, l);
    }
  });
  const wildcard = t.services.flatMap((s, i) => (s.wildcardInbound ? [i] : []));
  const out: ExpectedProbe[] = [];
  t.services.forEach((caller: TopologyService, c) => {
    const declared = new Set<number>();
    const add = (i: number | undefined) => {
      if (i !== undefined && i !== c && hasPort[i]) declared.add(i);
    };
    const skip = new Uint8Array(keys.length);
    skip[c] = 1;
    for (const key of caller.outbound) add(indexOf.get(key));
    for (const i of namedBy.get(keys[c]) ?? []) add(i);
    for (const i of wildcard) add(i);
    const kept: Ranked[] = [];
    for (const i of declared) skip[i] = 1;
    const from = hashes[c];
    for (let i = 0; i < keys.length; i++) {
      if (skip[i] === 1) continue;
      const rank = pairRank(seedHash, from, hashes[i]);
      if (kept.length === k && rank > kept[k - 1].rank) continue; // cheap reject: most pairs end here
      keepLowest(kept, { rank, key: keys[i], at: i }, k);
    }
    const chosen = [...declared, ...kept.map((e) => e.at)].sort((a, b) => a - b);
    for (const i of chosen) {
      const callee = t.services[i];
      out.push({ from: keys[c], to: keys[i], port: probePort(callee), ...expectPair(caller, callee) });
    }
  });
  return out;
}

/**
 * The expected probes of a fleet: the full matrix (`oracleMatrix`) or the sample ({@link oracleSampled}).
 * `probes` unset: `all` up to {@link FULL_MATRIX_MAX_SERVICES} services, `sampled` above.
 */
export function expectedProbes(t: Topology, opts: ExpectedProbesOptions): ExpectedProbe[] {
  return probeSelection(t.services.length, opts.probes) === 'sampled' ? oracleSampled(t, opts) : oracleMatrix(t);
}

/** The selection a fleet of `services` services uses: `probes` when given, else by size (see {@link FULL_MATRIX_MAX_SERVICES}). */
export function probeSelection(services: number, probes?: ProbeSelection): ProbeSelection {
  return probes ?? (services <= FULL_MATRIX_MAX_SERVICES ? 'all' : 'sampled');
}
