/**
 * Custom shrinking (STYLE.md rule 15). `distinctShrinks(arb, fingerprint)` drops every shrink whose
 * fingerprint equals the value being shrunk. A topology is derived from more draws than it uses (draws
 * of absent slots, of pairs in the wrong layer order); shrinking those would yield the same topology,
 * so the contract "each shrink is strictly smaller" (rule 16) only holds once they are filtered out.
 */
import fc from 'fast-check';

class DistinctShrinksArbitrary<T> extends fc.Arbitrary<T> {
  constructor(
    private readonly inner: fc.Arbitrary<T>,
    private readonly fingerprint: (value: T) => string,
  ) {
    super();
  }
  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<T> {
    return this.inner.generate(mrng, biasFactor);
  }
  canShrinkWithoutContext(value: unknown): value is T {
    return this.inner.canShrinkWithoutContext(value);
  }
  shrink(value: T, context: unknown): fc.Stream<fc.Value<T>> {
    const current = this.fingerprint(value);
    return this.inner.shrink(value, context).filter((candidate) => this.fingerprint(candidate.value) !== current);
  }
}

/**
 * Input: an arbitrary and a fingerprint (equal fingerprints = equal values). Output: the same
 * arbitrary (same generated values for a seed) whose shrink streams skip values equal to their parent.
 */
export function distinctShrinks<T>(arb: fc.Arbitrary<T>, fingerprint: (value: T) => string): fc.Arbitrary<T> {
  return new DistinctShrinksArbitrary(arb, fingerprint);
}
