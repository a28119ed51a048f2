/**
 * The arbitrary contract suite (STYLE.md rule 16, after fast-check's `ArbitraryAssertions`): the same
 * seed gives the same values, every value is valid, and every shrink is valid and strictly smaller.
 * Framework-free: it throws an Error describing the first violation, so any test runner can use it.
 */
import fc from 'fast-check';
import { xorshift128plus } from 'pure-rand/generator/xorshift128plus';
import type { Topology } from '../topology.ts';
import { compareTopologySize, validateTopology } from '../validate.ts';

/** Options of {@link assertArbitraryContract}. */
export interface ArbitraryContractOptions<T> {
  /** Seeds to run. @defaultValue [1, 2, 3, 4, 5] */
  seeds?: readonly number[];
  /** Values sampled per seed for the determinism and validity checks. @defaultValue 20 */
  samplesPerSeed?: number;
  /** Values per seed whose shrink trees are walked. @defaultValue 3 */
  shrunkValuesPerSeed?: number;
  /** Shrinks checked per visited value. @defaultValue 30 */
  shrinksPerValue?: number;
  /** Levels walked down the shrink tree (following the first shrink, then the last checked one, alternately). @defaultValue 4 */
  shrinkDepth?: number;
  /** True when `shrunk` is strictly smaller than `original`. Without it only validity of shrinks is checked. */
  isStrictlySmaller?: (shrunk: T, original: T) => boolean;
  /** Equality key of values. @defaultValue JSON.stringify */
  fingerprint?: (value: T) => string;
}

const problemsOf = <T>(isValid: (value: T) => boolean | string[], value: T): string[] => {
  const verdict = isValid(value);
  return verdict === true ? [] : verdict === false ? ['isValid returned false'] : verdict;
};

/**
 * Checks the contract of `arb`.
 * Input: the arbitrary, a validity predicate (`true`/`[]` = valid, else `false` or a list of problems),
 * options. Output: nothing. Throws: `Error('assertArbitraryContract: seed <s>: …')` naming the broken
 * rule (same seed ⇒ same value; value invalid; shrink invalid; shrink not strictly smaller) and the value.
 */
export function assertArbitraryContract<T>(arb: fc.Arbitrary<T>, isValid: (value: T) => boolean | string[], options: ArbitraryContractOptions<T> = {}): void {
  const seeds = options.seeds ?? [1, 2, 3, 4, 5];
  const samples = options.samplesPerSeed ?? 20;
  const fingerprint = options.fingerprint ?? ((v: T) => JSON.stringify(v));
  const fail = (seed: number, message: string, value: T): never => {
    throw new Error(`assertArbitraryContract: seed ${seed}: ${message}\nvalue: ${fingerprint(value).slice(0, 2000)}`);
  };
  for (const seed of seeds) {
    const first = fc.sample(arb, { seed, numRuns: samples });
    const second = fc.sample(arb, { seed, numRuns: samples });
    first.forEach((value, i) => {
      if (fingerprint(value) !== fingerprint(second[i])) fail(seed, `same seed gave different values (sample ${i})`, value);
      const problems = problemsOf(isValid, value);
      if (problems.length > 0) fail(seed, `invalid value (sample ${i}): ${problems.join('; ')}`, value);
    });
    const mrng = new fc.Random(xorshift128plus(seed));
    for (let n = 0; n < (options.shrunkValuesPerSeed ?? 3); n++) {
      let current: fc.Value<T> | undefined = arb.generate(mrng, undefined);
      for (let depth = 0; current !== undefined && depth < (options.shrinkDepth ?? 4); depth++) {
        const parent: fc.Value<T> = current;
        const children: fc.Value<T>[] = [];
        for (const shrunk of arb.shrink(parent.value, parent.context).take(options.shrinksPerValue ?? 30)) {
          const problems = problemsOf(isValid, shrunk.value);
          if (problems.length > 0) fail(seed, `invalid shrink at depth ${depth + 1}: ${problems.join('; ')}`, shrunk.value);
          if (options.isStrictlySmaller && !options.isStrictlySmaller(shrunk.value, parent.value)) {
            fail(seed, `shrink at depth ${depth + 1} is not strictly smaller than its parent ${fingerprint(parent.value).slice(0, 2000)}`, shrunk.value);
          }
          children.push(shrunk);
        }
        current = depth % 2 === 0 ? children[0] : children[children.length - 1];
      }
    }
  }
}

/** {@link assertArbitraryContract} for topology arbitraries: validity = `validateTopology`, order = `compareTopologySize`. */
export function assertTopologyArbitraryContract(arb: fc.Arbitrary<Topology>, options: Omit<ArbitraryContractOptions<Topology>, 'isStrictlySmaller'> = {}): void {
  assertArbitraryContract(arb, validateTopology, { ...options, isStrictlySmaller: (shrunk, original) => compareTopologySize(shrunk, original) < 0 });
}
