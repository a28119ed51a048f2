/**
 * `chanceArbitrary(p)`: a boolean that is `true` with probability `p` and shrinks only from `true` to
 * `false`. Used for every declaration draw of a topology, so a shrink never adds a declaration
 * (STYLE.md rule 15). Built from `fc.oneof` with integer weights and cross-shrinking towards the
 * first (false) branch, so fast-check's bias does not distort `p`.
 */
import fc from 'fast-check';

/** Resolution of the weights: probabilities are rounded to 1/CHANCE_RESOLUTION. */
export const CHANCE_RESOLUTION = 1_000_000;

/**
 * Input: probability `p` in [0, 1]. Output: an arbitrary of booleans, `true` with probability `p`
 * (rounded to 1e-6); shrinks `true` → `false`, never the other way.
 * Throws: `Error('chanceArbitrary: probability must be in [0, 1], got …')`.
 */
export function chanceArbitrary(probability: number): fc.Arbitrary<boolean> {
  if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) {
    throw new Error(`chanceArbitrary: probability must be in [0, 1], got ${probability}`);
  }
  const yes = Math.round(probability * CHANCE_RESOLUTION);
  if (yes === 0) return fc.constant(false);
  if (yes === CHANCE_RESOLUTION) return fc.constant(true);
  return fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(false), weight: CHANCE_RESOLUTION - yes },
    { arbitrary: fc.constant(true), weight: yes },
  );
}
