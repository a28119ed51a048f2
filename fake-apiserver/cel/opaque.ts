/**
 * Opaque CEL values (Kubernetes CEL library types: Quantity, URL, IP, CIDR, optional) carried
 * through @bufbuild/cel, which accepts only its own value kinds as function results. An opaque
 * value is a one-entry CEL map `{"<kind>": <canonical key>}` (so `==` compares values, not
 * identity) tagged with a private symbol holding the decoded data; library methods read the tag
 * and refuse anything else with `no such overload`, as cel-go does for a wrong receiver type.
 */
import { celMap, isCelMap } from '@bufbuild/cel';
import type { CelInput, CelMap } from '@bufbuild/cel';

const TAG = Symbol('lattice-sim/cel-opaque');

interface Tagged {
  [TAG]?: { kind: string; data: unknown };
}

/** Wraps `data` as an opaque CEL value of `kind`; `key` is its canonical value (what `==` compares). */
export function opaque(kind: string, key: CelInput, data: unknown): CelMap {
  const m = celMap(new Map<string, CelInput>([[`@${kind}`, key]])) as CelMap & Tagged;
  m[TAG] = { kind, data };
  return m;
}

/** The data of an opaque value of `kind`, or undefined when `v` is anything else. */
export function opaqueData<T>(v: unknown, kind: string): T | undefined {
  if (!isCelMap(v)) return undefined;
  const tag = (v as CelMap & Tagged)[TAG];
  return tag && tag.kind === kind ? (tag.data as T) : undefined;
}

/**
 * The data of an opaque value of `kind`.
 * @throws Error `no such overload` when `v` is not one (the message cel-go gives at runtime).
 */
export function mustOpaque<T>(v: unknown, kind: string): T {
  const d = opaqueData<T>(v, kind);
  if (d === undefined) throw new Error('no such overload');
  return d;
}
