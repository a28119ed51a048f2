/**
 * Custom shrinking (STYLE.md rule 15: custom shrinkers live in internal/). `presentSlotsArbitrary`
 * picks which slots of a topology are present: generation draws between `minGenerated` and
 * `maxGenerated` slots (uniformly, like the reference's `rand(min..=max)`), while shrinking may remove
 * slots down to `minShrunk`. Shrinks only remove slots: first large chunks (halves, quarters, …), then
 * single slots, so any subset can be reached. (`fc.subarray` cannot drop a middle element once the
 * rest is at its minimum length, which would leave a failing pair stuck with a bystander.)
 */
import fc from 'fast-check';

/** Knobs of {@link presentSlotsArbitrary}: `minShrunk <= minGenerated <= maxGenerated <= universe`. */
export interface PresentSlotsConstraints {
  universe: number;
  minGenerated: number;
  maxGenerated: number;
  minShrunk: number;
}

/** Candidates of `value` with one chunk removed, largest chunks first; never shorter than `min`. */
export function* removeChunks(value: readonly number[], min: number): Generator<number[]> {
  const removable = value.length - min;
  if (removable <= 0) return;
  for (let chunk = Math.min(removable, Math.max(1, Math.floor(value.length / 2))); chunk >= 1; chunk = chunk === 1 ? 0 : Math.max(1, Math.floor(chunk / 2))) {
    for (let start = 0; start + chunk <= value.length; start += chunk) yield [...value.slice(0, start), ...value.slice(start + chunk)];
  }
}

class PresentSlotsArbitrary extends fc.Arbitrary<number[]> {
  constructor(private readonly c: PresentSlotsConstraints) {
    super();
  }
  generate(mrng: fc.Random): fc.Value<number[]> {
    const size = mrng.nextInt(this.c.minGenerated, this.c.maxGenerated);
    const remaining = Array.from({ length: this.c.universe }, (_, i) => i);
    const picked: number[] = [];
    for (let k = 0; k < size; k++) picked.push(remaining.splice(mrng.nextInt(0, remaining.length - 1), 1)[0]);
    return new fc.Value(picked.sort((a, b) => a - b), undefined);
  }
  canShrinkWithoutContext(value: unknown): value is number[] {
    return (
      Array.isArray(value) &&
      value.length >= this.c.minShrunk &&
      value.length <= this.c.maxGenerated &&
      value.every((v, i) => Number.isInteger(v) && v >= 0 && v < this.c.universe && (i === 0 || v > value[i - 1]))
    );
  }
  shrink(value: number[]): fc.Stream<fc.Value<number[]>> {
    return new fc.Stream(removeChunks(value, this.c.minShrunk)).map((v) => new fc.Value(v, undefined));
  }
}

/**
 * Input: constraints. Output: sorted arrays of distinct slot indices in [0, universe), of length in
 * [minGenerated, maxGenerated] when generated; shrinks remove slots (never below `minShrunk`).
 * Throws: `Error('presentSlotsArbitrary: …')` when the bounds are not ordered.
 */
export function presentSlotsArbitrary(c: PresentSlotsConstraints): fc.Arbitrary<number[]> {
  if (!(c.minShrunk >= 0 && c.minShrunk <= c.minGenerated && c.minGenerated <= c.maxGenerated && c.maxGenerated <= c.universe)) {
    throw new Error(`presentSlotsArbitrary: need 0 <= minShrunk <= minGenerated <= maxGenerated <= universe, got ${JSON.stringify(c)}`);
  }
  return new PresentSlotsArbitrary(c);
}
