/**
 * Exact resource quantities for the CEL `quantity()` library (Kubernetes: k8s.io/apimachinery
 * `resource.Quantity` and k8s.io/apiserver/pkg/cel/library/quantity.go). A quantity is kept as an
 * exact decimal `units × 10^-scale` (bigint units, scale ≥ 0), so `1Gi`, `1024Mi` and `1073741824`
 * are the same value and comparisons never round. client-node's `quantityToScalar` rounds milli
 * values to numbers, which CEL's `compareTo` must not do, hence this module.
 */

/** An exact quantity: `units × 10^-scale`. */
export interface Quantity {
  readonly units: bigint;
  readonly scale: number;
}

// The upstream parse error (resource.ErrFormatWrong).
const FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const SHAPE = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/**
 * Parses a Kubernetes quantity string (`500m`, `1.5Gi`, `2e3`, `-1`).
 * @throws Error with the upstream format message when `s` is not a quantity.
 */
export function parseQuantity(s: string): Quantity {
  const m = SHAPE.exec(s);
  if (!m) throw new Error(FORMAT_ERROR);
  const [, sign, num, suffix = ''] = m;
  const [intPart, frac = ''] = num.split('.');
  let units = BigInt(`${intPart || '0'}${frac}`);
  let scale = frac.length;
  if (sign === '-') units = -units;
  if (suffix in BINARY) units *= BINARY[suffix];
  else {
    const exp = suffix in DECIMAL ? DECIMAL[suffix] : Number(suffix.slice(1));
    if (exp >= 0) units *= 10n ** BigInt(exp);
    else scale -= exp;
  }
  return normalize({ units, scale });
}

/** True when `s` parses as a quantity. */
export function isQuantity(s: string): boolean {
  return SHAPE.test(s);
}

function normalize(q: Quantity): Quantity {
  let { units, scale } = q;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return { units, scale };
}

function align(a: Quantity, b: Quantity): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale), scale];
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b` (exact). */
export function compareQuantity(a: Quantity, b: Quantity): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `a + b`, exact. */
export function addQuantity(a: Quantity, b: Quantity): Quantity {
  const [x, y, scale] = align(a, b);
  return normalize({ units: x + y, scale });
}

/** `a - b`, exact. */
export function subQuantity(a: Quantity, b: Quantity): Quantity {
  return addQuantity(a, { units: -b.units, scale: b.scale });
}

/** A quantity holding the integer `n`. */
export function quantityOfInt(n: bigint): Quantity {
  return { units: n, scale: 0 };
}

/** True when the quantity has no fractional part. */
export function isIntegerQuantity(q: Quantity): boolean {
  return q.scale === 0;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * The quantity as a CEL int.
 * @throws Error `cannot convert value to integer` when it has a fractional part or leaves int64.
 */
export function quantityAsInteger(q: Quantity): bigint {
  if (q.scale !== 0 || q.units < INT64_MIN || q.units > INT64_MAX) throw new Error('cannot convert value to integer');
  return q.units;
}

/** The quantity as the nearest double. */
export function quantityAsFloat(q: Quantity): number {
  return Number(q.units) / 10 ** q.scale;
}

/** -1, 0 or 1: the sign of the quantity. */
export function quantitySign(q: Quantity): bigint {
  return q.units < 0n ? -1n : q.units > 0n ? 1n : 0n;
}

/** Canonical key of the value (`units/scale` after normalization): equal quantities share it. */
export function quantityKey(q: Quantity): string {
  return `${q.units}e-${q.scale}`;
}
