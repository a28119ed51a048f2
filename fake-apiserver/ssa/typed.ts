/**
 * Operations on JSON values typed by a {@link TypeNode} (structured-merge-diff `typed`): the field
 * set a value claims (`ToFieldSet`), the merge of an applied configuration into a live value
 * (`Merge`), removal of the items of a field set (`RemoveItems`), the comparison of two values
 * (`Compare`: added, modified, removed paths) and `EnsureNamedFieldsAreMembers`. Values are never
 * modified: results share the inputs' untouched subtrees.
 */
import { statusError } from '../api/index.ts';
import { deepEqual, isPlainObject } from '../internal/json.ts';
import type { JsonObject } from '../internal/json.ts';
import { EMPTY_FIELDS, FieldSet, comparePathElements, pathString } from './field-set.ts';
import { LENIENT, fieldType, isNamedField } from './schema.ts';
import type { TypeNode } from './schema.ts';

/** Thrown for a value the schema cannot type (a list-map item without its key, duplicate keys …). */
export class TypingError extends Error {}

/** The path element of list item `item` in a `set` / `map` list of type `t`; undefined when it has none (atomic fallback). */
export function itemElement(t: TypeNode, item: unknown): string | undefined {
  if (t.list === 'set') return item !== null && typeof item === 'object' ? undefined : `v:${JSON.stringify(item)}`;
  if (!isPlainObject(item) || !t.keys?.length) return undefined;
  const { names, quoted } = keyLayout(t.keys);
  // The JSON of the key fields in name order, written directly: `{"name":"main"}` (as JSON.stringify of that object).
  let body = 'k:{';
  for (let i = 0; i < names.length; i++) {
    const k = names[i];
    const v = item[k] ?? t.keyDefaults?.[k];
    if (v === undefined || v === null || typeof v === 'object') return undefined;
    body += `${i ? ',' : ''}${quoted[i]}:${JSON.stringify(v)}`;
  }
  return `${body}}`;
}

/** A list's key field names sorted, with their JSON spellings (computed once per `keys` array). */
const keyLayouts = new WeakMap<readonly string[], { names: string[]; quoted: string[] }>();
function keyLayout(keys: readonly string[]): { names: string[]; quoted: string[] } {
  let layout = keyLayouts.get(keys);
  if (!layout) {
    // Array-index-like names come first in a JSON object whatever the insertion order: sort them as the object would hold them.
    const sorted = [...keys].sort();
    const names = Object.keys(Object.fromEntries(sorted.map((k) => [k, true])));
    layout = { names, quoted: names.map((k) => JSON.stringify(k)) };
    keyLayouts.set(keys, layout);
  }
  return layout;
}

/** Path elements of every item of a granular list, or undefined when one has none or two collide (then the list is handled as atomic). */
function listElements(t: TypeNode, list: readonly unknown[], path: readonly string[], strict: boolean): string[] | undefined {
  const pes: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const pe = itemElement(t, list[i]);
    if (pe === undefined || seen.has(pe)) {
      if (!strict) return undefined;
      const where = `${pathString(path)}: element ${i}`;
      if (pe !== undefined) throw new TypingError(`${where}: duplicate entries for key ${pathString([pe])}`);
      if (t.list === 'set') throw new TypingError(`${where}: set items must be scalars`);
      const item = list[i];
      const missing = t.keys?.find((k) => !isPlainObject(item) || (item[k] === undefined && t.keyDefaults?.[k] === undefined)) ?? '';
      throw new TypingError(`${where}: associative list with keys has an element that omits key field ${JSON.stringify(missing)} (and doesn't have default value)`);
    }
    seen.add(pe);
    pes.push(pe);
  }
  return pes;
}

const granular = (t: TypeNode): boolean => t.list === 'set' || t.list === 'map';

/**
 * The field set a value claims (upstream `ToFieldSet`): every scalar leaf, atomic value, list
 * item, empty or null field and map key (not named struct fields holding non-empty objects).
 * `strict` (applied configurations): an untypable list is an error; otherwise it is owned atomically.
 * @throws TypingError when strict and a list item lacks its key or keys repeat.
 */
export function toFieldSet(value: unknown, t: TypeNode, strict = false): FieldSet {
  const root = new FieldSet();
  walkSet(value, t, root, [], strict);
  return root;
}

function walkSet(v: unknown, t: TypeNode, node: FieldSet, path: string[], strict: boolean): void {
  if (Array.isArray(v)) {
    const pes = granular(t) ? listElements(t, v, path, strict) : undefined;
    if (!pes) {
      node.member = true;
      return;
    }
    const it = t.items ?? LENIENT;
    for (let i = 0; i < v.length; i++) {
      const c = node.child(pes[i]);
      c.member = true;
      if (t.list === 'map') {
        path.push(pes[i]);
        walkSet(v[i], it, c, path, strict);
        path.pop();
      }
    }
    return;
  }
  if (isPlainObject(v) && !t.atomic) {
    for (const [k, val] of Object.entries(v)) {
      if (val === undefined) continue;
      const ct = fieldType(t, k);
      if (!ct) continue;
      const pe = `f:${k}`;
      const c = node.child(pe);
      path.push(pe);
      walkSet(val, ct, c, path, strict);
      path.pop();
      if (val === null || (isPlainObject(val) && Object.keys(val).length === 0) || !isNamedField(t, k)) c.member = true;
      if (c.empty) node.children!.delete(pe);
    }
    return;
  }
  node.member = true;
}

/**
 * Merges an applied configuration into a live value (upstream `Merge`): objects merge key by key,
 * set and map lists item by item (live order, applied items placed as upstream interleaves them),
 * atomic values are replaced. A `null` in the configuration removes the field. Returns `live`
 * itself where nothing changes.
 * @throws TypingError when a list in the configuration cannot be typed (see {@link toFieldSet}).
 */
export function merge(live: unknown, config: unknown, t: TypeNode, path: string[] = []): unknown {
  if (config === undefined) return live;
  if (live === undefined || live === null) return config;
  if (isPlainObject(live) && isPlainObject(config) && !t.atomic) {
    let out: JsonObject | undefined;
    for (const [k, cv] of Object.entries(config)) {
      if (cv === undefined) continue;
      if (cv === null) {
        if (k in live) delete (out ??= { ...live })[k];
        continue;
      }
      path.push(`f:${k}`);
      const m = merge(live[k], cv, fieldType(t, k) ?? LENIENT, path);
      path.pop();
      if (m !== live[k]) (out ??= { ...live })[k] = m;
    }
    return out ?? live;
  }
  if (Array.isArray(live) && Array.isArray(config) && granular(t)) {
    const rpes = listElements(t, config, path, true)!;
    const lpes = listElements(t, live, path, false);
    if (lpes) return mergeList(live, config, lpes, rpes, t, path);
  }
  return deepEqual(live, config) ? live : config;
}

/** Upstream's associative-list merge order: live items in place, shared items in the applied order, new ones after their predecessor. */
function mergeList(lhs: readonly unknown[], rhs: readonly unknown[], lpes: string[], rpes: string[], t: TypeNode, path: string[]): unknown[] {
  const lIndex = new Map(lpes.map((pe, i) => [pe, i]));
  const rIndex = new Map(rpes.map((pe, i) => [pe, i]));
  const shared = rpes.filter((pe) => lIndex.has(pe));
  let nextShared = 0;
  const merged = new Set<string>();
  const out: unknown[] = [];
  const it = t.items ?? LENIENT;
  const item = (pe: string): unknown => {
    const l = lIndex.has(pe) ? lhs[lIndex.get(pe)!] : undefined;
    const r = rIndex.has(pe) ? rhs[rIndex.get(pe)!] : undefined;
    if (t.list !== 'map') return r ?? l;
    path.push(pe);
    const m = merge(l, r, it, path);
    path.pop();
    return m;
  };
  let changed = lhs.length !== rhs.length;
  for (let lI = 0, rI = 0; lI < lpes.length || rI < rpes.length; ) {
    if (lI < lpes.length && rI < rpes.length) {
      const pe = lpes[lI];
      if (pe === rpes[rI]) {
        merged.add(pe);
        const m = item(pe);
        if (m !== lhs[lI]) changed = true;
        out.push(m);
        lI++;
        rI++;
        if (shared[nextShared] === pe) nextShared++;
        continue;
      }
      if (rIndex.has(pe) && nextShared < shared.length && shared[nextShared] !== pe) {
        lI++;
        changed = true;
        continue;
      }
    }
    if (lI < lpes.length) {
      const pe = lpes[lI];
      if (!rIndex.has(pe)) {
        out.push(lhs[lI]);
        lI++;
        continue;
      }
      if (merged.has(pe)) {
        lI++;
        continue;
      }
    }
    if (rI < rpes.length) {
      const pe = rpes[rI];
      merged.add(pe);
      out.push(item(pe));
      changed = true;
      rI++;
      if (shared[nextShared] === pe) nextShared++;
    }
  }
  return changed || out.some((v, i) => v !== lhs[i]) ? out : (lhs as unknown[]);
}

/**
 * Removes from a value every field and item whose path is a member of `s`, recursing where `s`
 * has children (upstream `RemoveItems`). An object or list left empty by the removal is removed too.
 * Returns `value` itself where nothing is removed.
 */
export function removeItems(value: unknown, s: FieldSet | undefined, t: TypeNode): unknown {
  if (!s?.children?.size) return value;
  if (Array.isArray(value)) {
    if (!granular(t) || value.length === 0) return value;
    const pes = listElements(t, value, [], false);
    if (!pes) return value;
    const out: unknown[] = [];
    let changed = false;
    for (let i = 0; i < value.length; i++) {
      const sub = s.get(pes[i]);
      if (sub?.member) {
        changed = true;
        continue;
      }
      const v = sub ? removeItems(value[i], sub, t.items ?? LENIENT) : value[i];
      if (v !== value[i]) changed = true;
      if (v !== undefined) out.push(v);
    }
    if (!changed) return value;
    return out.length ? out : undefined;
  }
  if (isPlainObject(value) && !t.atomic) {
    let out: JsonObject | undefined;
    for (const [k, v] of Object.entries(value)) {
      const sub = s.get(`f:${k}`);
      if (!sub) continue;
      const nv = sub.member ? undefined : removeItems(v, sub, fieldType(t, k) ?? LENIENT);
      if (nv === v) continue;
      out ??= { ...value };
      if (nv === undefined) delete out[k];
      else out[k] = nv;
    }
    if (!out) return value;
    return Object.keys(out).length ? out : undefined;
  }
  return value;
}

/** What changed between two values, as field sets (upstream `Comparison`). */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * Compares `lhs` (before) with `rhs` (after) (upstream `TypedValue.Compare`); identical subtrees
 * (same reference) are skipped. An added object or list item is itself added, as are its leaves;
 * with `goStructs` (built-ins) an added struct field is not: upstream compares Go objects whose
 * non-pointer structs (spec, template …) exist even when empty (maps such as labels or data do not).
 */
export function compare(lhs: unknown, rhs: unknown, t: TypeNode, goStructs = false): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  walkCompare(lhs, rhs, t, c.added, c.modified, c.removed, goStructs, false);
  return c;
}

/** Walks both values; the three nodes are the current position in each result set (pruned of empty children by the caller). */
function walkCompare(l: unknown, r: unknown, t: TypeNode, a: FieldSet, m: FieldSet, d: FieldSet, goStructs: boolean, namedObject: boolean): void {
  if (l === r) return;
  if (l === undefined || r === undefined) {
    const [v, n] = l === undefined ? [r, a] : [l, d];
    walkWhole(v, t, n, goStructs && l === undefined);
    if (!(goStructs && l === undefined && namedObject && isPlainObject(r) && Object.keys(r).length)) n.member = true;
    return;
  }
  if (isPlainObject(l) && isPlainObject(r) && !t.atomic) {
    const keys = Object.keys(l);
    for (const k of Object.keys(r)) if (!(k in l)) keys.push(k);
    for (const k of keys) {
      const lv = l[k];
      const rv = r[k];
      if (lv === rv || (lv !== undefined && rv !== undefined && deepEqual(lv, rv))) continue;
      const ct = fieldType(t, k);
      if (!ct) continue;
      const pe = `f:${k}`;
      const [ca, cm, cd] = [a.child(pe), m.child(pe), d.child(pe)];
      walkCompare(lv, rv, ct, ca, cm, cd, goStructs, isNamedField(t, k) && ct.values === undefined);
      for (const [n, pn] of [[ca, a], [cm, m], [cd, d]] as const) if (n.empty) pn.children!.delete(pe);
    }
    return;
  }
  if (Array.isArray(l) && Array.isArray(r) && granular(t)) {
    const lpes = listElements(t, l, [], false);
    const rpes = lpes && listElements(t, r, [], false);
    if (lpes && rpes) {
      const li = new Map(lpes.map((pe, i) => [pe, i]));
      const ri = new Map(rpes.map((pe, i) => [pe, i]));
      const it = t.items ?? LENIENT;
      for (const pe of new Set([...lpes, ...rpes])) {
        const lv = li.has(pe) ? l[li.get(pe)!] : undefined;
        const rv = ri.has(pe) ? r[ri.get(pe)!] : undefined;
        if (lv === rv || (lv !== undefined && rv !== undefined && deepEqual(lv, rv))) continue;
        const [ca, cm, cd] = [a.child(pe), m.child(pe), d.child(pe)];
        if (t.list === 'map') walkCompare(lv, rv, it, ca, cm, cd, goStructs, false);
        else if (lv === undefined) ca.member = true;
        else if (rv === undefined) cd.member = true;
        for (const [n, pn] of [[ca, a], [cm, m], [cd, d]] as const) if (n.empty) pn.children!.delete(pe);
      }
      return;
    }
  }
  if (!deepEqual(l, r)) m.member = true;
}

/** Every path of a value present on one side only (upstream's compare visits each: leaves and, through its post-item hook, every object and item). */
function walkWhole(v: unknown, t: TypeNode, node: FieldSet, goStructs: boolean): void {
  if (Array.isArray(v)) {
    const pes = granular(t) ? listElements(t, v, [], false) : undefined;
    if (!pes) return;
    for (let i = 0; i < v.length; i++) {
      const c = node.child(pes[i]);
      c.member = true;
      if (t.list === 'map') walkWhole(v[i], t.items ?? LENIENT, c, goStructs);
    }
    return;
  }
  if (!isPlainObject(v) || t.atomic) return;
  for (const [k, val] of Object.entries(v)) {
    const ct = fieldType(t, k);
    if (!ct || val === undefined) continue;
    const c = node.child(`f:${k}`);
    walkWhole(val, ct, c, goStructs);
    if (!(goStructs && isNamedField(t, k) && ct.values === undefined && isPlainObject(val) && Object.keys(val).length)) c.member = true;
    if (c.empty) node.children!.delete(`f:${k}`);
  }
}

/**
 * The FieldsV1 document of {@link compare}'s `added` set for a value compared with nothing (a
 * created object), minus the members of `strip` (upstream `Set.Difference`), encoded as
 * `toFieldsV1` would encode that set (same keys, same order) but in one walk, with no intermediate
 * set. `member` is whether the value's own path is added (false for the root). Keys in `skip` (at
 * this level only) are left out with their subtrees. Returns undefined for the empty set.
 * Documents are frozen and shared: equal ones (same members, same children) are one object, kept in
 * a bounded table (objects a controller creates repeat their shapes: one Pod's containers, labels and
 * probes encode as the last one's did), so a repeated shape is neither rebuilt nor sorted again.
 */
export function wholeFieldsV1(v: unknown, t: TypeNode, goStructs: boolean, member: boolean, strip: FieldSet | undefined, skip?: ReadonlySet<string>): JsonObject | undefined {
  return wholeDoc(v, t, goStructs, member, strip, skip)?.doc;
}

/** A shared FieldsV1 document: its content (member flag, children's path elements and documents, in the order they were met) and a number standing for it. */
interface SharedDoc {
  doc: JsonObject;
  /** Never reused (a hash input; equality is checked on the content). */
  id: number;
  member: boolean;
  pes: readonly string[];
  docs: readonly SharedDoc[];
}

const EMPTY_DOC: SharedDoc = { doc: EMPTY_FIELDS, id: 0, member: true, pes: [], docs: [] };
/** Shared documents by a hash of their content (collisions chained). */
const sharedDocs = new Map<number, SharedDoc | SharedDoc[]>();
let sharedCount = 0;
let lastDocId = 0;
/** Documents kept before the table is emptied (a table of distinct shapes; cleared rather than evicted one by one). */
const SHARED_DOCS_MAX = 20_000;
/** A number per path element spelling (a hash input only: bounded, cleared when full). */
const elementIds = new Map<string, number>();

function elementId(pe: string): number {
  let id = elementIds.get(pe);
  if (id === undefined) {
    if (elementIds.size >= SHARED_DOCS_MAX) elementIds.clear();
    elementIds.set(pe, (id = elementIds.size + 1));
  }
  return id;
}

function sameContent(d: SharedDoc, member: boolean, pes: readonly string[], docs: readonly SharedDoc[]): boolean {
  if (d.member !== member || d.pes.length !== pes.length) return false;
  for (let i = 0; i < pes.length; i++) if (d.pes[i] !== pes[i] || d.docs[i] !== docs[i]) return false;
  return true;
}

function wholeDoc(v: unknown, t: TypeNode, goStructs: boolean, memberIn: boolean, strip: FieldSet | undefined, skip?: ReadonlySet<string>): SharedDoc | undefined {
  const member = memberIn && !strip?.member;
  let pes: string[] | undefined;
  let docs: SharedDoc[] | undefined;
  if (Array.isArray(v)) {
    const elements = granular(t) ? listElements(t, v, [], false) : undefined;
    if (elements) {
      const it = t.items ?? LENIENT;
      for (let i = 0; i < v.length; i++) {
        const pe = elements[i];
        const doc = t.list === 'map' ? wholeDoc(v[i], it, goStructs, true, strip?.get(pe)) : strip?.get(pe)?.member ? undefined : EMPTY_DOC;
        if (doc) {
          (pes ??= []).push(pe);
          (docs ??= []).push(doc);
        }
      }
    }
  } else if (isPlainObject(v) && !t.atomic) {
    for (const k in v) {
      const val = v[k];
      if (val === undefined || skip?.has(k)) continue;
      const ct = fieldType(t, k);
      if (!ct) continue;
      const pe = fieldElement(k);
      const owned = !(goStructs && isPlainObject(val) && ct.values === undefined && isNamedField(t, k) && hasKeys(val));
      const doc = wholeDoc(val, ct, goStructs, owned, strip?.get(pe));
      if (doc) {
        (pes ??= []).push(pe);
        (docs ??= []).push(doc);
      }
    }
  }
  if (!pes || !docs) return member ? EMPTY_DOC : undefined;
  let h = member ? 0x2545f491 : 0x6b43a9b5;
  for (let i = 0; i < pes.length; i++) {
    h = Math.imul(h ^ elementId(pes[i]), 0x9e3779b1);
    h = Math.imul(h ^ docs[i].id, 0x85ebca6b);
  }
  h ^= h >>> 15;
  const bucket = sharedDocs.get(h);
  if (bucket !== undefined) {
    if (Array.isArray(bucket)) {
      for (const d of bucket) if (sameContent(d, member, pes, docs)) return d;
    } else if (sameContent(bucket, member, pes, docs)) return bucket;
  }
  const out: JsonObject = {};
  if (member) out['.'] = EMPTY_FIELDS;
  if (pes.length > 1 && !sortedElements(pes)) {
    const order = pes.map((_, i) => i).sort((a, b) => comparePathElements(pes[a], pes[b]));
    for (const i of order) out[pes[i]] = docs[i].doc;
  } else for (let i = 0; i < pes.length; i++) out[pes[i]] = docs[i].doc;
  const shared: SharedDoc = { doc: Object.freeze(out), id: ++lastDocId, member, pes, docs };
  if (sharedCount >= SHARED_DOCS_MAX) {
    sharedDocs.clear();
    sharedCount = 0;
  }
  sharedCount++;
  if (bucket === undefined || sharedCount === 1) sharedDocs.set(h, shared);
  else if (Array.isArray(bucket)) bucket.push(shared);
  else sharedDocs.set(h, [bucket, shared]);
  return shared;
}

function sortedElements(pes: readonly string[]): boolean {
  for (let i = 1; i < pes.length; i++) if (comparePathElements(pes[i - 1], pes[i]) > 0) return false;
  return true;
}

function hasKeys(o: JsonObject): boolean {
  for (const _ in o) return true;
  return false;
}

/** `f:<name>` per field name, one string each (bounded: field names repeat across objects, map keys may not). */
const fieldElements = new Map<string, string>();
function fieldElement(k: string): string {
  let pe = fieldElements.get(k);
  if (pe === undefined) {
    pe = `f:${k}`;
    if (fieldElements.size >= 20_000) fieldElements.clear();
    fieldElements.set(k, pe);
  }
  return pe;
}

/**
 * The set plus, as members, every named (struct) field that has members below it (upstream
 * `EnsureNamedFieldsAreMembers`): owning `.data.a` then also owns `.data`, not a map key's parent.
 */
export function ensureNamedFieldsAreMembers(s: FieldSet, t: TypeNode): FieldSet {
  if (!s.children) return s;
  const out = new FieldSet();
  out.member = s.member;
  for (const [pe, c] of s.children) {
    const field = pe.startsWith('f:') ? pe.slice(2) : undefined;
    const ct = field !== undefined ? (fieldType(t, field) ?? LENIENT) : (t.items ?? LENIENT);
    const n = c.children ? ensureNamedFieldsAreMembers(c, ct) : c;
    if (field !== undefined && isNamedField(t, field) && c.children?.size && !n.member) {
      const copy = new FieldSet();
      copy.member = true;
      copy.children = n.children;
      out.put(pe, copy);
    } else out.put(pe, n);
  }
  return out;
}

/** A TypingError as the 500 upstream answers for an applied configuration it cannot type. */
export function typingFailure(err: TypingError, apiVersion: string, kind: string): Error {
  return statusError('InternalError', `failed to create typed patch object (${apiVersion}, Kind=${kind}): ${err.message}`);
}
