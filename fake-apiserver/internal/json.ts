/**
 * JSON value helpers used on every write: copy, compare, freeze. Internal to fake-apiserver.
 *
 * They are the hottest code of a simulated run, so objects are walked with `for … in` (no key array
 * allocated; JSON objects have no inherited enumerable members, so it visits exactly Object.keys, in
 * the same order).
 */

/** A JSON-shaped record (objects are compared and copied as plain data). */
export type JsonObject = Record<string, unknown>;

/** True for a non-null, non-array object. */
export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep copy of JSON data into fresh, mutable objects. `undefined` object members are dropped (as
 * JSON serialisation would drop them); frozen inputs are fine. Functions and class instances are
 * not expected (objects are JSON documents).
 */
export function cloneJson<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      out[i] = x === undefined ? null : typeof x === 'object' && x !== null ? cloneJson(x) : x;
    }
    return out as T;
  }
  const out: JsonObject = {};
  for (const k in v) {
    const x = (v as JsonObject)[k];
    if (x !== undefined) out[k] = typeof x === 'object' && x !== null ? cloneJson(x) : x;
  }
  return out as T;
}

/**
 * A size estimate of `JSON.stringify(v)` in UTF-8 bytes, without building the string: 3 bytes per
 * UTF-16 unit of every string and key (a `\u0000`-style escape takes 6, so the real size is at most
 * twice this), 24 per number. {@link jsonExceeds} uses it to skip the exact measurement.
 */
export function jsonBytesUpperBound(v: unknown): number {
  return boundOf(v, 0);
}

/**
 * The bound of `v` at nesting `depth`. A frozen value never changes, so its bound is remembered
 * (stored objects share frozen subtrees): looked up only near the root, where shared subtrees
 * (spec, status, metadata's maps and managedFields) hang, since a lookup costs more than walking
 * a small subtree.
 */
function boundOf(v: unknown, depth: number): number {
  if (typeof v === 'string') return 3 * v.length + 2;
  if (typeof v !== 'object' || v === null) return 24;
  const cached = depth <= BOUND_CACHE_DEPTH && Object.isFrozen(v);
  if (cached) {
    const known = frozenBounds.get(v);
    if (known !== undefined) return known;
  }
  const below = depth + 1;
  let n = 2;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      n += (typeof x === 'string' ? 3 * x.length + 2 : typeof x !== 'object' || x === null ? 24 : boundOf(x, below)) + 1;
    }
  } else {
    for (const k in v) {
      const x = (v as JsonObject)[k];
      if (x !== undefined) n += 3 * k.length + 4 + (typeof x === 'string' ? 3 * x.length + 2 : typeof x !== 'object' || x === null ? 24 : boundOf(x, below));
    }
  }
  if (cached && n >= BOUND_CACHE_MIN) frozenBounds.set(v, n);
  return n;
}

/** Deepest nesting whose frozen values are looked up in (and added to) the bound cache: the root's members and theirs. */
const BOUND_CACHE_DEPTH = 2;
const frozenBounds = new WeakMap<object, number>();
/** Smallest bound worth remembering: a small subtree costs less to walk again than a WeakMap entry (kept alive and traced by every GC) costs; few values qualify, since only those near the root are looked up (a stored Pod: its metadata and spec). */
const BOUND_CACHE_MIN = 1024;

/** True when `JSON.stringify(v)` is over `limit` bytes of UTF-8: exact, and cheap (no string built) when the estimate is at most half the limit. */
export function jsonExceeds(v: unknown, limit: number): boolean {
  return boundExceeds(v, jsonBytesUpperBound(v), limit);
}

/**
 * {@link jsonExceeds} given `bound`, an upper bound of `v`'s size as {@link jsonBytesUpperBound}
 * computes it (from {@link cloneJsonMeasured} or {@link freezeMeasuringBelow}): exact all the same.
 */
export function boundExceeds(v: unknown, bound: number, limit: number): boolean {
  if (bound <= limit / 2) return false;
  return Buffer.byteLength(JSON.stringify(v) ?? '') > limit;
}

/**
 * {@link cloneJson} of `v` and, in the same walk, {@link jsonBytesUpperBound} of `v` (a request
 * body is measured and copied once, not walked twice). Frozen subtrees are copied and measured
 * like any other (the bound cache is not consulted).
 */
export function cloneJsonMeasured<T>(v: T): { value: T; bytes: number } {
  const size = { bytes: 0 };
  const value = cloneMeasured(v, size);
  return { value, bytes: size.bytes };
}

/**
 * {@link cloneJsonMeasured}, except that a subtree of `v` that is `base`'s subtree at the same path
 * (the same reference, and frozen) is shared instead of copied; `v` itself and its members' objects
 * one level down (`metadata`) are always fresh copies, since a write sets fields there. For a write's
 * body against the stored object (deep-frozen, never modified): a client that sends back what it read
 * keeps those parts as they are. Shared subtrees are measured by {@link jsonBytesUpperBound} (its
 * cache of frozen values near the root applies).
 */
export function cloneJsonSharing<T>(v: T, base: unknown): { value: T; bytes: number } {
  const size = { bytes: 0 };
  const value = cloneSharing(v, base, size, 0);
  return { value, bytes: size.bytes };
}

function cloneSharing<T>(v: T, base: unknown, size: { bytes: number }, depth: number): T {
  if (typeof v !== 'object' || v === null || typeof base !== 'object' || base === null) return cloneMeasured(v, size);
  if (depth >= 2 && v === base && Object.isFrozen(v)) {
    size.bytes += boundOf(v, depth);
    return v;
  }
  const below = depth + 1;
  let n = 2;
  if (Array.isArray(v)) {
    if (!Array.isArray(base)) return cloneMeasured(v, size);
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'string') n += 3 * x.length + 3;
      else if (typeof x !== 'object' || x === null) n += 25;
      else n += 1;
      out[i] = x === undefined ? null : typeof x === 'object' && x !== null ? cloneSharing(x, base[i], size, below) : x;
    }
    size.bytes += n;
    return out as T;
  }
  if (Array.isArray(base)) return cloneMeasured(v, size);
  const from = base as JsonObject;
  const out: JsonObject = {};
  for (const k in v) {
    const x = (v as JsonObject)[k];
    if (x === undefined) continue;
    n += 3 * k.length + 4;
    if (typeof x === 'string') n += 3 * x.length + 2;
    else if (typeof x !== 'object' || x === null) n += 24;
    out[k] = typeof x === 'object' && x !== null ? cloneSharing(x, from[k], size, below) : x;
  }
  size.bytes += n;
  return out as T;
}

function cloneMeasured<T>(v: T, size: { bytes: number }): T {
  if (typeof v === 'string') {
    size.bytes += 3 * v.length + 2;
    return v;
  }
  if (typeof v !== 'object' || v === null) {
    size.bytes += 24;
    return v;
  }
  let n = 2;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'string') n += 3 * x.length + 3;
      else if (typeof x !== 'object' || x === null) n += 25;
      else n += 1;
      out[i] = x === undefined ? null : typeof x === 'object' && x !== null ? cloneMeasured(x, size) : x;
    }
    size.bytes += n;
    return out as T;
  }
  const out: JsonObject = {};
  for (const k in v) {
    const x = (v as JsonObject)[k];
    if (x === undefined) continue;
    n += 3 * k.length + 4;
    if (typeof x === 'string') n += 3 * x.length + 2;
    else if (typeof x !== 'object' || x === null) n += 24;
    out[k] = typeof x === 'object' && x !== null ? cloneMeasured(x, size) : x;
  }
  size.bytes += n;
  return out as T;
}

/**
 * Deep-freezes every object and array below `root` except `root` itself and its member `keep`
 * (the store still writes `metadata.resourceVersion`), and returns {@link jsonBytesUpperBound} of
 * `root`, measured in the same walk (frozen subtrees already there are measured as that function
 * does, with its cache). For the object about to be committed: it is frozen by the store anyway.
 */
export function freezeMeasuringBelow(root: JsonObject, keep: string): number {
  let n = 2;
  for (const k in root) {
    const x = root[k];
    if (x === undefined) continue;
    n += 3 * k.length + 4;
    if (k === keep && isPlainObject(x) && !Object.isFrozen(x)) {
      let m = 2;
      for (const j in x) {
        const y = x[j];
        if (y !== undefined) m += 3 * j.length + 4 + freezeMeasured(y, 2);
      }
      n += m;
    } else n += freezeMeasured(x, 1);
  }
  return n;
}

/**
 * Freezes `v` in place and returns its bound at nesting `depth` (as {@link boundOf}). The bounds of
 * the values it freezes are not remembered: a WeakMap entry per committed object costs the garbage
 * collector more (every ephemeron is traced) than the walks of the few that are measured again.
 */
function freezeMeasured(v: unknown, depth: number): number {
  if (typeof v === 'string') return 3 * v.length + 2;
  if (typeof v !== 'object' || v === null) return 24;
  if (Object.isFrozen(v)) return boundOf(v, depth);
  Object.freeze(v);
  const below = depth + 1;
  let n = 2;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) n += freezeMeasured(v[i], below) + 1;
  } else {
    for (const k in v) {
      const x = (v as JsonObject)[k];
      if (x !== undefined) n += 3 * k.length + 4 + freezeMeasured(x, below);
    }
  }
  return n;
}

/** Structural equality of JSON data (key order ignored; `undefined` members count as absent). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as JsonObject;
  const bo = b as JsonObject;
  let na = 0;
  for (const k in ao) {
    const x = ao[k];
    if (x === undefined) continue;
    na++;
    const y = bo[k];
    if (x !== y && !deepEqual(x, y)) return false;
  }
  let nb = 0;
  for (const k in bo) if (bo[k] !== undefined) nb++;
  return na === nb;
}

/**
 * A deep-frozen copy of `v` that keeps `v`'s frozen subtrees as they are instead of copying them (a frozen value is
 * frozen all the way down here: the store freezes what it commits deeply, and {@link deepFreeze} relies on the same).
 * Equal to `deepFreeze(cloneJson(v))` as data (undefined members dropped, undefined array items null), without copying
 * what cannot change: for a snapshot of a write's candidate, which shares the stored object's frozen subtrees.
 */
export function frozenCopy<T>(v: T): T {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      out[i] = x === undefined ? null : typeof x === 'object' && x !== null ? frozenCopy(x) : x;
    }
    return Object.freeze(out) as T;
  }
  const out: JsonObject = {};
  for (const k in v) {
    const x = (v as JsonObject)[k];
    if (x !== undefined) out[k] = typeof x === 'object' && x !== null ? frozenCopy(x) : x;
  }
  return Object.freeze(out) as T;
}

/** Recursively freezes `v` in place and returns it. Already-frozen subtrees are skipped. */
export function deepFreeze<T>(v: T): T {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return v;
  Object.freeze(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'object' && x !== null) deepFreeze(x);
    }
    return v;
  }
  for (const k in v) {
    const x = (v as JsonObject)[k];
    if (typeof x === 'object' && x !== null) deepFreeze(x);
  }
  return v;
}

/** Plain string order by UTF-16 code units (Go's sort order for ASCII names), locale-independent. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
