/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) as kube-apiserver applies it to
 * built-in kinds (k8s.io/apimachinery `pkg/util/strategicpatch`, server options: parallel deletion
 * lists merged, unmatched nulls ignored; Kubernetes docs "Update API Objects in Place Using kubectl
 * patch"; design proposals "strategic merge patch" and "preserve order in strategic merge patch"):
 *
 * - maps merge key by key; `null` deletes a key; a map with `$patch: replace` replaces, with
 *   `$patch: delete` empties; a field tagged `patchStrategy:"replace"` is replaced whole;
 * - lists tagged `patchStrategy:"merge"` merge: lists of objects by their `patchMergeKey`
 *   (containers by `name`, ports by `containerPort`, …; an element `{$patch: delete, <key>: v}`
 *   removes that entry, `{$patch: replace}` makes the list the patch's), lists of primitives as
 *   a set union (finalizers); `$deleteFromPrimitiveList/<f>: [v…]` removes values;
 *   `$setElementOrder/<f>: […]` orders the result (patch entries in that order, entries only the
 *   server has kept in their relative place); any other list is replaced;
 * - `$retainKeys: [k…]` drops every key of the live map not listed.
 *
 * The per-field tags live in strategic-merge-keys.ts. Custom resources have no tags: callers
 * refuse strategic merge for them with 415 (as upstream).
 */
import { statusError } from './api/index.ts';
import type { StatusError } from './api/index.ts';
import { cloneJson, isPlainObject } from './internal/json.ts';
import type { JsonObject } from './internal/json.ts';
import { lookupPatchMeta, patchRoot } from './strategic-merge-keys.ts';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

type Kind = 'map' | 'list' | 'string' | 'number' | 'boolean' | 'null';

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  return typeof v as 'string' | 'number' | 'boolean';
}

/** Go's `%v` rendering of a decoded JSON value (upstream error messages embed it). */
function goString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (isPlainObject(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goString(v[k])}`)
      .join(' ')}]`;
  return String(v);
}

const goType = (v: unknown): string => ({ map: 'map[string]interface {}', list: '[]interface {}', string: 'string', number: 'float64', boolean: 'bool', null: '<nil>' })[kindOf(v)];

// Error kinds as kube-apiserver reports them (`interpretStrategicMergePatchError`): malformed
// directives are 400, lists of lists 422, everything else a plain error (500).
const badPrimitiveList = (): StatusError => statusError('BadRequest', 'invalid patch format of primitive list');
const badRetainKeys = (): StatusError => statusError('BadRequest', 'invalid patch format of retainKeys');
const badSetElementOrder = (): StatusError => statusError('BadRequest', 'invalid patch format of setElementOrder list');
const internal = (message: string): StatusError => statusError('InternalError', message);
const noMergeKey = (m: unknown, key: string): StatusError => internal(`map: ${goString(m)} does not contain declared merge key: ${key}`);
const badArgType = (expected: string, actual: unknown): StatusError => internal(`expected a ${expected}, but received a ${goType(actual)}`);

/**
 * Applies a strategic merge patch to `original` (a built-in object of kind `group/kind`). Neither
 * argument is modified (frozen values are fine); the result is a new object.
 * @throws StatusError 400 BadRequest for a body that is not an object or a malformed directive
 *   (`invalid patch format of retainKeys|setElementOrder list|primitive list`); 422 for lists of
 *   lists; 500 InternalError for other patch errors, worded as upstream (`map: map[…] does not
 *   contain declared merge key: name`, `unknown patch type: x in map: …`).
 */
export function strategicMergePatch(original: JsonObject, patch: unknown, group: string, kind: string): JsonObject {
  if (!isPlainObject(patch)) throw statusError('BadRequest', 'the body of a strategic merge patch must be a JSON object');
  return mergeMap(cloneJson(original), cloneJson(patch), patchRoot(group, kind));
}

function mergeMap(original: JsonObject, patch: JsonObject, type: string | undefined): JsonObject {
  if (DIRECTIVE in patch) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      delete patch[DIRECTIVE];
      return stripDirectiveKeys(patch) as JsonObject;
    }
    if (directive === 'delete') return {};
    throw internal(`unknown patch type: ${goString(directive)} in map: ${goString(patch)}`);
  }
  applyRetainKeys(original, patch);
  applySetElementOrder(original, patch, type);

  for (const [rawKey, patchValue] of Object.entries(patch)) {
    let key = rawKey;
    let deleteList = false;
    if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      key = directiveField(rawKey, DELETE_FROM_PRIMITIVE_LIST, badPrimitiveList);
      deleteList = true;
    }
    if (patchValue === null) {
      delete original[key];
      continue;
    }
    const current = original[key];
    if (!(key in original) || kindOf(current) !== kindOf(patchValue)) {
      if (deleteList) continue;
      discardNulls(patchValue);
      const [value, keep] = removeDirectives(patchValue);
      if (keep) original[key] = stripDirectiveKeys(value);
      else delete original[key];
      continue;
    }
    const meta = lookupPatchMeta(type, key);
    if (isPlainObject(current)) {
      original[key] = meta.strategy === 'replace' ? stripDirectiveKeys(patchValue) : mergeMap(current, patchValue as JsonObject, meta.type);
    } else if (Array.isArray(current)) {
      original[key] = meta.strategy === 'merge' || deleteList ? mergeList(current, patchValue as unknown[], meta.type, meta.mergeKey, deleteList) : stripDirectiveKeys(patchValue);
    } else {
      const [value, keep] = removeDirectives(patchValue);
      if (keep) original[key] = value;
      else delete original[key];
    }
  }
  return original;
}

/** The field name after `<prefix>/`. */
function directiveField(key: string, prefix: string, bad: () => StatusError): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) throw bad();
  return key.slice(slash + 1);
}

/** `$retainKeys`: every patched key must be listed; live keys not listed are dropped. */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!(RETAIN_KEYS in patch)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw badRetainKeys();
  const keep = new Set(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) throw badRetainKeys();
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** `$setElementOrder/<f>`: merges list `<f>` (if patched) and orders it; both keys leave the patch. */
function applySetElementOrder(original: JsonObject, patch: JsonObject, type: string | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw badArgType('[]interface {}', order);
    const field = directiveField(key, SET_ELEMENT_ORDER, badSetElementOrder);
    const hasOriginal = field in original;
    const hasPatch = field in patch;
    const originalList = hasOriginal ? original[field] : undefined;
    const patchList = hasPatch ? patch[field] : undefined;
    if (hasOriginal && !Array.isArray(originalList)) throw badArgType('[]interface {}', originalList);
    if (hasPatch && !Array.isArray(patchList)) throw badArgType('[]interface {}', patchList);
    const liveList = (originalList ?? []) as unknown[];
    const patchItems = (patchList ?? []) as unknown[];
    const meta = lookupPatchMeta(type, field);
    checkOrderAgainstPatch(patchItems, order, meta.mergeKey);
    let merged: unknown[];
    if (hasOriginal && !hasPatch) merged = liveList;
    else if (!hasOriginal && hasPatch) merged = removeDirectives(patchItems)[0] as unknown[];
    else if (hasOriginal && hasPatch) merged = meta.strategy === 'merge' ? mergeList(liveList, patchItems, meta.type, meta.mergeKey, false) : patchItems;
    else continue;
    const [inOrder, serverOnly] = partition(merged, order, meta.mergeKey);
    const elementKind = listElementKind(liveList, patchItems);
    original[field] = normalizeOrder(inOrder, serverOnly, order, liveList, meta.mergeKey, elementKind);
    delete patch[field];
  }
}

/** The patch list's entries (deletions and directives aside) must appear in `$setElementOrder` order. */
function checkOrderAgainstPatch(patchList: unknown[], order: unknown[], mergeKey: string | undefined): void {
  if (order.length === 0 || patchList.length === 0) return;
  const entries = mergeKey ? patchList.filter((p) => !(isPlainObject(p) && p[DIRECTIVE] === 'delete')) : patchList;
  let p = 0;
  let o = 0;
  while (p < entries.length && o < order.length) {
    if (isPlainObject(entries[p]) && DIRECTIVE in (entries[p] as JsonObject)) {
      p++;
      continue;
    }
    if (sameKey(entries[p], order[o], mergeKey)) p++;
    o++;
  }
  if (p < entries.length) throw internal(`The order in patch list:\n${goString(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goString(order)}\n`);
}

function sameKey(a: unknown, b: unknown, mergeKey: string | undefined): boolean {
  if (!mergeKey) return a === b;
  if (!isPlainObject(a)) throw badArgType('map[string]interface {}', a);
  if (!isPlainObject(b)) throw badArgType('map[string]interface {}', b);
  if (!(mergeKey in a)) throw noMergeKey(a, mergeKey);
  if (!(mergeKey in b)) throw noMergeKey(b, mergeKey);
  return a[mergeKey] === b[mergeKey];
}

/** Element kind of the lists together; lists of lists and mixed kinds are refused. */
function listElementKind(...lists: unknown[][]): Kind {
  let kind: Kind | undefined;
  for (const list of lists)
    for (const v of list) {
      const k = kindOf(v);
      if (kind === undefined) {
        if (k === 'list') throw statusError('Invalid', 'lists of lists are not supported');
        kind = k;
      } else if (k !== kind) throw internal(`list element types are not identical: ${goString(lists)}`);
    }
  if (kind === undefined) throw internal('no elements in any of the given slices');
  return kind;
}

/**
 * Merges a patch list into a live list tagged `patchStrategy:"merge"` (or applies a deletion list).
 * Lists of objects are edited in place as upstream edits the live list's backing array: deletions
 * shift later entries left (the last slot keeps a stale copy), new entries fill the slots
 * deletions freed, further ones go to a new array. A caller that orders by the live list afterwards
 * (`$setElementOrder`) sees that array, as upstream's does (capacity taken equal to the length).
 */
function mergeList(original: unknown[], patch: unknown[], type: string | undefined, mergeKey: string | undefined, deleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = listElementKind(original, patch);
  if (kind !== 'map') {
    if (deleteList) {
      const drop = new Set(patch);
      return original.filter((v) => !drop.has(v));
    }
    const merged: unknown[] = [];
    for (const v of [...original, ...patch]) if (!merged.includes(v)) merged.push(v);
    const [inPatch, serverOnly] = partition(merged, patch, mergeKey);
    return normalizeOrder(inPatch, serverOnly, patch, original, mergeKey, kind);
  }
  if (!mergeKey) throw internal(`cannot merge lists without merge key for ${type ?? ''}`);
  const special = specialElements(original, patch, mergeKey);
  const live = special.replaced ?? original.slice(0, special.length);
  const entries = special.replaced ? [] : special.entries;
  let target = special.replaced ? [...special.replaced] : original;
  let n = special.replaced ? target.length : special.length;
  for (const entry of entries) {
    const e = entry as JsonObject;
    if (!(mergeKey in e)) throw noMergeKey(e, mergeKey);
    const at = indexByKey(target, n, mergeKey, e[mergeKey]);
    if (at >= 0) target[at] = mergeMap(target[at] as JsonObject, e, type);
    else if (n < target.length) target[n++] = stripDirectiveKeys(e);
    else {
      if (target === original) target = original.slice(0, n);
      target.push(stripDirectiveKeys(e));
      n++;
    }
  }
  const merged = target.slice(0, n);
  const [inPatch, serverOnly] = partition(merged, entries, mergeKey);
  return normalizeOrder(inPatch, serverOnly, entries, live, mergeKey, kind);
}

/** Index of the first of the `n` first entries whose merge key is `value`, or -1. */
function indexByKey(list: unknown[], n: number, mergeKey: string, value: unknown): number {
  for (let i = 0; i < n; i++) {
    const m = list[i];
    if (!isPlainObject(m)) throw internal(`value for key ${i} is not a map`);
    if (m[mergeKey] === value) return i;
  }
  return -1;
}

/**
 * Handles the directive entries of a patch list: `{$patch: delete, <key>: v}` removes matching live
 * entries (in place, see {@link mergeList}), `{$patch: replace}` makes the list the patch's plain entries.
 * Returns the live list's new length and the plain entries, or `replaced`.
 */
function specialElements(live: unknown[], patch: unknown[], mergeKey: string): { length: number; entries: unknown[]; replaced?: unknown[] } {
  const plain: unknown[] = [];
  let n = live.length;
  let replace = false;
  for (const v of patch) {
    const entry = v as JsonObject;
    if (!(DIRECTIVE in entry)) {
      plain.push(v);
      continue;
    }
    const directive = entry[DIRECTIVE];
    if (directive === 'delete') {
      if (!(mergeKey in entry)) throw noMergeKey(entry, mergeKey);
      for (let k = indexByKey(live, n, mergeKey, entry[mergeKey]); k >= 0; k = indexByKey(live, n, mergeKey, entry[mergeKey])) {
        live.copyWithin(k, k + 1, n);
        n--;
      }
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw internal('merging lists cannot yet be specified in the patch');
    } else {
      throw internal(`unknown patch type: ${goString(directive)} in map: ${goString(entry)}`);
    }
  }
  return replace ? { length: n, entries: [], replaced: plain } : { length: n, entries: plain };
}

/** Splits `list` into the entries present in `by` (by merge key, or by value) and the others. */
function partition(list: unknown[], by: unknown[], mergeKey: string | undefined): [unknown[], unknown[]] {
  const present: unknown[] = [];
  const others: unknown[] = [];
  for (const v of list) {
    let found: boolean;
    if (mergeKey) {
      if (!isPlainObject(v)) throw badArgType('map[string]interface {}', v);
      if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
      found = by.some((b) => isPlainObject(b) && b[mergeKey] === v[mergeKey]);
    } else {
      found = by.includes(v);
    }
    (found ? present : others).push(v);
  }
  return [present, others];
}

/** Position of `v` in `order` (by merge key for objects, by value otherwise), or -1. */
function indexIn(order: unknown[], v: unknown, mergeKey: string | undefined, kind: Kind): number {
  if (kind !== 'map' || !mergeKey) return order.indexOf(v);
  const value = isPlainObject(v) ? v[mergeKey] : undefined;
  return order.findIndex((o) => (isPlainObject(o) ? o[mergeKey] : undefined) === value);
}

/** Stable sort of `items` by their place in `order` (maps: deletion entries go last). */
function sortByOrder(items: unknown[], order: unknown[], mergeKey: string | undefined, kind: Kind): unknown[] {
  let rest = items;
  let deletions: unknown[] = [];
  if (kind === 'map' && mergeKey) {
    for (const list of [items, order])
      for (const v of list) {
        if (!isPlainObject(v)) throw badArgType('map[string]interface {}', v);
        if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
      }
    rest = items.filter((v) => (v as JsonObject)[DIRECTIVE] !== 'delete');
    deletions = items.filter((v) => (v as JsonObject)[DIRECTIVE] === 'delete');
  }
  const sorted = rest
    .map((v, i) => ({ v, i, at: indexIn(order, v, mergeKey, kind) }))
    .sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : a.i - b.i))
    .map((e) => e.v);
  return [...sorted, ...deletions];
}

/**
 * The merged list in its final order: patch entries ordered by `patchOrder`, server-only entries by
 * `serverOrder`, then interleaved so that a server-only entry goes before a patch entry that comes
 * after it in the live list (relative orders of both kept; the patch wins ties).
 */
function normalizeOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string | undefined, kind: Kind): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey, kind);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** Drops `null` members of maps, recursively (a null in a new value means nothing to delete). */
function discardNulls(v: unknown): void {
  if (Array.isArray(v)) for (const e of v) discardNulls(e);
  else if (isPlainObject(v))
    for (const [k, e] of Object.entries(v)) {
      if (e === null) delete v[k];
      else discardNulls(e);
    }
}

/** A value taken as is from the patch: maps carrying `$patch` vanish, recursively. Returns [value, keep]. */
function removeDirectives(v: unknown): [unknown, boolean] {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const e of v) {
      const [value, keep] = removeDirectives(e);
      if (keep) out.push(value);
    }
    return [out, true];
  }
  if (isPlainObject(v)) {
    if (DIRECTIVE in v) return [undefined, false];
    for (const [k, e] of Object.entries(v)) {
      const [value, keep] = removeDirectives(e);
      if (keep) v[k] = value;
      else delete v[k];
    }
  }
  return [v, true];
}

/**
 * A value taken from the patch as is (a new list entry, a replaced list or map): directive keys
 * (`$patch`, `$retainKeys`, `$setElementOrder/…`, `$deleteFromPrimitiveList/…`) are not fields of any
 * built-in type, so decoding the result into the typed object drops them upstream; dropped here.
 */
function stripDirectiveKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectiveKeys);
  if (!isPlainObject(v)) return v;
  for (const [k, e] of Object.entries(v)) {
    if (k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(`${SET_ELEMENT_ORDER}/`) || k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`)) delete v[k];
    else v[k] = stripDirectiveKeys(e);
  }
  return v;
}
