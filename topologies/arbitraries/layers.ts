/**
 * Layers of a random topology (reference §5.6): how many services each layer holds, the name prefix of
 * each layer, and the arbitrary of the sizing draws. Layer 0 holds the traffic generators.
 */
import fc from 'fast-check';

/** Name prefixes per layer (reference §5.6): services are named `<prefix>-<i>`. */
export const LAYER_PREFIXES = ['frontend', 'gateway', 'api', 'backend', 'data'] as const;

/** Resolution of one sizing draw: a draw `d` in [0, LAYER_DRAW_RESOLUTION) stands for the fraction d / LAYER_DRAW_RESOLUTION. */
export const LAYER_DRAW_RESOLUTION = 1000;

/**
 * The sizing draws of a topology: one per layer, never shrunk (a shrink must remove services or
 * declarations, not move services between layers).
 * Input: number of layers (>= 1). Output: arrays of `layers` integers in [0, LAYER_DRAW_RESOLUTION).
 */
export function layerDrawsArbitrary(layers: number): fc.Arbitrary<number[]> {
  return fc.noShrink(fc.array(fc.nat({ max: LAYER_DRAW_RESOLUTION - 1 }), { minLength: layers, maxLength: layers }));
}

/**
 * Layer sizes for `n` services (reference §5.6): with `L = min(layers, n)` and `base = floor(n / L)`,
 * each non-last layer `l` takes `min(base + r, remaining - layersLeft)` where `r` in [0, variance] comes
 * from `draws[l]` (variance `floor(base / 2)` for layer 0, `floor(base / 3)` otherwise); the last layer
 * takes the rest. Every layer gets >= 1 service.
 * Input: n >= 1, layers >= 1, draws (integers in [0, LAYER_DRAW_RESOLUTION); missing ones count as 0).
 * Output: `L` positive sizes summing to `n`. Throws on n < 1 or layers < 1.
 */
export function layerSizes(n: number, layers: number, draws: readonly number[]): number[] {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(layers) || layers < 1) throw new Error(`layerSizes: need n >= 1 and layers >= 1, got n=${n}, layers=${layers}`);
  const count = Math.min(layers, n);
  const base = Math.floor(n / count);
  const sizes: number[] = [];
  let remaining = n;
  for (let l = 0; l < count - 1; l++) {
    const variance = l === 0 ? Math.floor(base / 2) : Math.floor(base / 3);
    const extra = Math.floor(((draws[l] ?? 0) * (variance + 1)) / LAYER_DRAW_RESOLUTION);
    const size = Math.min(base + extra, remaining - (count - l - 1));
    sizes.push(size);
    remaining -= size;
  }
  sizes.push(remaining);
  return sizes;
}

/** Layer index of each of `n` services in order (`[0, 0, 1, 1, 1, 2, …]`) for the given sizes. */
export function layerOfEach(sizes: readonly number[]): number[] {
  return sizes.flatMap((size, layer) => Array.from({ length: size }, () => layer));
}

/** `<prefix>-<i>` of the `i`-th (0-based) service of `layer`. */
export function serviceName(layer: number, index: number): string {
  return `${LAYER_PREFIXES[layer] ?? `layer${layer}`}-${index}`;
}
