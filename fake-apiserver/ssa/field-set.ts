/**
 * Field sets (structured-merge-diff `fieldpath.Set`): a tree of path elements, each node a member
 * (the manager owns that field or item) and/or a parent of owned descendants. Path elements are
 * held in their FieldsV1 spelling: `f:<field>`, `k:<json of the key fields, sorted by name>` for a
 * list-map item, `v:<json>` for a set item, `i:<index>` for a list position. Encoded to and from
 * `metadata.managedFields[].fieldsV1` with the upstream layout (`.` marks a member that also has
 * children; children in path-element order: fields, then keys, then values, then indices).
 */
import { compareStrings, isPlainObject } from '../internal/json.ts';
import type { JsonObject } from '../internal/json.ts';

/** One node of a field set. Build with {@link FieldSet.child}; treat sets read from stored objects as immutable. */
export class FieldSet {
  /** True when the path of this node is itself in the set. */
  member = false;
  #children: Map<string, FieldSet> | undefined;
  /** A decoded node's document whose children are not decoded yet (they are, one level, on first access). */
  #undecoded: JsonObject | undefined;
  /** This node's FieldsV1 document, once encoded or when decoded from one. */
  json: JsonObject | undefined;

  /** Children by path element (FieldsV1 spelling). */
  get children(): Map<string, FieldSet> | undefined {
    if (this.#undecoded) this.decodeChildren();
    return this.#children;
  }

  set children(kids: Map<string, FieldSet> | undefined) {
    this.#undecoded = undefined;
    this.#children = kids;
  }

  /**
   * The node of FieldsV1 object `f` (upstream `Set.FromJSON`: a member when `{}` or holding `.`),
   * its children decoded only when first read: a write that reaches a few paths of a stored entry
   * decodes those paths alone, and unchanged subtrees keep `f`'s own documents.
   */
  static decoded(f: JsonObject): FieldSet {
    const out = new FieldSet();
    let keys = false;
    let children = false;
    for (const pe in f) {
      keys = true;
      if (pe !== '.') children = true;
    }
    out.member = !keys || Object.hasOwn(f, '.');
    out.json = f;
    if (children) out.#undecoded = f;
    return out;
  }

  private decodeChildren(): void {
    const f = this.#undecoded!;
    this.#undecoded = undefined;
    const kids = new Map<string, FieldSet>();
    for (const pe in f) if (pe !== '.') kids.set(pe, decodeNode(f[pe]));
    this.#children = kids;
  }

  /** The child node for `pe`, created when absent. */
  child(pe: string): FieldSet {
    if (!this.children) this.children = new Map();
    let c = this.children.get(pe);
    if (!c) this.children.set(pe, (c = new FieldSet()));
    return c;
  }

  /** Sets the child node for `pe`. */
  put(pe: string, node: FieldSet): void {
    (this.children ??= new Map()).set(pe, node);
  }

  /** The child node for `pe`, or undefined. */
  get(pe: string): FieldSet | undefined {
    return this.children?.get(pe);
  }

  /** True when nothing below (or at) this node is in the set (children are never empty: every operation drops empty ones). */
  get empty(): boolean {
    return !this.member && !this.#undecoded && !this.#children?.size;
  }

  /** True when the path `pes` (relative to this node) is a member. */
  has(pes: readonly string[]): boolean {
    if (pes.length === 0) return this.member;
    return this.get(pes[0])?.has(pes.slice(1)) ?? false;
  }

  /** Every member path, depth first, members of a node before its children's (upstream `Set.Iterate` order). */
  paths(prefix: string[] = [], out: string[][] = []): string[][] {
    const kids = this.sortedChildren();
    for (const [pe, c] of kids) if (c.member) out.push([...prefix, pe]);
    for (const [pe, c] of kids) if (c.children?.size) c.paths([...prefix, pe], out);
    return out;
  }

  /** Children in upstream path-element order. */
  sortedChildren(): [string, FieldSet][] {
    if (!this.children) return [];
    const kids = [...this.children];
    if (kids.length > 1) kids.sort((a, b) => comparePathElements(a[0], b[0]));
    return kids;
  }
}

/** A ∪ B (neither argument changes; nodes only one side has are shared, and A itself is returned when B adds nothing). */
export function union(a: FieldSet | undefined, b: FieldSet | undefined): FieldSet {
  if (!b || b.empty) return a ?? new FieldSet();
  if (!a || a.empty) return b;
  let kids: Map<string, FieldSet> | undefined;
  if (b.children) {
    for (const [pe, c] of b.children) {
      const o = a.children?.get(pe);
      const u = o ? union(o, c) : c;
      if (u === o) continue;
      (kids ??= new Map(a.children)).set(pe, u);
    }
  }
  const member = a.member || b.member;
  if (!kids && member === a.member) return a;
  const out = new FieldSet();
  out.member = member;
  out.children = kids ?? a.children;
  return out;
}

/** A − B, member by member (upstream `Set.Difference`: a member of A stays unless B has that exact path as a member). Returns A itself when nothing is taken away. */
export function difference(a: FieldSet, b: FieldSet | undefined): FieldSet {
  return subtract(a, b, false);
}

function subtract(a: FieldSet, b: FieldSet | undefined, recursive: boolean): FieldSet {
  if (!b) return a;
  let kids: Map<string, FieldSet> | undefined;
  if (a.children && b.children) {
    for (const [pe, c] of a.children) {
      const o = b.children.get(pe);
      if (!o) continue;
      const d = recursive && o.member ? undefined : subtract(c, o, recursive);
      if (d === c) continue;
      kids ??= new Map(a.children);
      if (!d || d.empty) kids.delete(pe);
      else kids.set(pe, d);
    }
  }
  const member = a.member && !b.member;
  if (!kids && member === a.member) return a;
  const out = new FieldSet();
  out.member = member;
  const children = kids ?? a.children;
  if (children?.size) out.children = children;
  return out;
}

/** A ∩ B, member by member. */
export function intersection(a: FieldSet | undefined, b: FieldSet | undefined): FieldSet {
  const out = new FieldSet();
  if (!a || !b) return out;
  out.member = a.member && b.member;
  const [small, big] = (a.children?.size ?? 0) <= (b.children?.size ?? 0) ? [a, b] : [b, a];
  if (small.children) for (const [pe, c] of small.children) {
    const o = big.get(pe);
    if (!o) continue;
    const i = intersection(c, o);
    if (!i.empty) out.put(pe, i);
  }
  return out;
}

/** A − B where a member of B removes its whole subtree from A (upstream `Set.RecursiveDifference`). Returns A itself when nothing is taken away. */
export function recursiveDifference(a: FieldSet, b: FieldSet | undefined): FieldSet {
  return subtract(a, b, true);
}

/** True when A and B have the same members. */
export function equalSets(a: FieldSet | undefined, b: FieldSet | undefined): boolean {
  const ea = !a || a.empty;
  const eb = !b || b.empty;
  if (ea || eb) return ea === eb;
  return a!.member === b!.member && isSubset(a!, b) && isSubset(b!, a);
}

/** True when every member of A is a member of B. */
export function isSubset(a: FieldSet, b: FieldSet | undefined): boolean {
  if (a.member && !b?.member) return false;
  if (a.children) for (const [pe, c] of a.children) if (!c.empty && !isSubset(c, b?.get(pe))) return false;
  return true;
}

/**
 * Sets and documents are immutable once made, so each is converted once: a node keeps its
 * document (`json`), and a root document (one per managedFields entry) its decoding — for the most
 * recent {@link DECODED_ROOTS_KEPT} documents only. Remembering every stored object's decoding (a
 * tree of Maps per managedFields entry) multiplied the heap of a store several times over (100,000
 * Pods: 1.4 GiB instead of 0.2); an object written again soon, the common case, still finds its set.
 */
const DECODED_ROOTS_KEPT = 4096;
const decodedRoots = new Map<object, FieldSet>();
/**
 * The documents of {@link decodedRoots} in the order they came, as a ring: the oldest is forgotten
 * first. (Taking a Map's first key instead walks over the slots of every key deleted before, until
 * the Map is rehashed: thousands per write.)
 */
const decodedOrder: (object | undefined)[] = new Array<object | undefined>(DECODED_ROOTS_KEPT).fill(undefined);
let decodedNext = 0;
function rememberDecoded(doc: object, set: FieldSet): void {
  if (!decodedRoots.has(doc)) {
    const oldest = decodedOrder[decodedNext];
    if (oldest !== undefined) decodedRoots.delete(oldest);
    decodedOrder[decodedNext] = doc;
    decodedNext = (decodedNext + 1) % DECODED_ROOTS_KEPT;
  }
  decodedRoots.set(doc, set);
}

/**
 * Encodes as FieldsV1 JSON (upstream `Set.ToJSON`): `.` for a member that has children, children
 * sorted. Encodings are remembered per node (unchanged subtrees of a new set share the documents
 * of the old one): modify neither the set nor the document afterwards.
 */
export function toFieldsV1(s: FieldSet): JsonObject {
  const out = encodeNode(s);
  rememberDecoded(out, s);
  return out;
}

/**
 * The document of a leaf (and of `.`): one frozen `{}` shared by every encoding, since documents
 * are never modified (a store of 100,000 Pods held millions of separate empty objects).
 */
export const EMPTY_FIELDS: JsonObject = Object.freeze({}) as JsonObject;

function encodeNode(s: FieldSet): JsonObject {
  if (s.json) return s.json;
  const kids = s.children;
  if (!kids?.size) return (s.json = EMPTY_FIELDS);
  const out: JsonObject = {};
  if (s.member) out['.'] = EMPTY_FIELDS;
  const keys = [...kids.keys()];
  if (keys.length > 1) keys.sort(comparePathElements);
  for (const pe of keys) out[pe] = encodeNode(kids.get(pe)!);
  s.json = out;
  return out;
}

/**
 * Decodes FieldsV1 JSON (upstream `Set.FromJSON`). Decodings are remembered per document (stored
 * documents are frozen), so the same stored entry is decoded once. Anything not an object decodes as empty.
 */
export function fromFieldsV1(f: unknown): FieldSet {
  // The root is never a member: `{}` is the empty set.
  if (!isPlainObject(f) || Object.keys(f).length === 0) return new FieldSet();
  const known = decodedRoots.get(f);
  if (known) return known;
  const out = decodeNode(f);
  rememberDecoded(f, out);
  return out;
}

function decodeNode(f: unknown): FieldSet {
  return isPlainObject(f) ? FieldSet.decoded(f) : new FieldSet();
}

/** The path as upstream prints it in conflicts: `.spec.replicas`, `.spec.containers[name="c"].image`, `.metadata.finalizers[="x"]`. */
export function pathString(pes: readonly string[]): string {
  return pes
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const key = JSON.parse(body) as JsonObject;
          return `[${Object.keys(key)
            .map((k) => `${k}=${valueString(key[k])}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${valueString(JSON.parse(body))}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}

/** Go's `value.ToString` for key and set values: strings quoted, numbers and booleans as written. */
const valueString = (v: unknown): string => JSON.stringify(v);

const KIND_ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

const parsedElements = new Map<string, unknown>();
/** JSON of a `k:` / `v:` element, parsed once (bounded cache: element spellings repeat across objects). */
function parsed(body: string): unknown {
  let v = parsedElements.get(body);
  if (v === undefined) {
    v = JSON.parse(body);
    if (parsedElements.size > 50_000) parsedElements.clear();
    parsedElements.set(body, v);
  }
  return v;
}

/** Upstream `PathElement.Compare`: field names, then keys, then values, then indices; within a kind by content. */
export function comparePathElements(a: string, b: string): number {
  if (a === b) return 0;
  // Field names (the common case) compare as whole strings: same prefix.
  if (a.charCodeAt(0) === 102 && b.charCodeAt(0) === 102) return a < b ? -1 : 1;
  const ka = KIND_ORDER[a[0]] ?? 4;
  const kb = KIND_ORDER[b[0]] ?? 4;
  if (ka !== kb) return ka - kb;
  const x = a.slice(2);
  const y = b.slice(2);
  if (a[0] === 'f') return compareStrings(x, y);
  if (a[0] === 'i') return Number(x) - Number(y);
  if (a[0] === 'v') return compareValues(parsed(x), parsed(y));
  const kx = parsed(x) as JsonObject;
  const ky = parsed(y) as JsonObject;
  const nx = Object.keys(kx);
  const ny = Object.keys(ky);
  for (let i = 0; ; i++) {
    if (i >= nx.length || i >= ny.length) return nx.length - ny.length;
    const c = compareStrings(nx[i], ny[i]) || compareValues(kx[nx[i]], ky[ny[i]]);
    if (c) return c;
  }
}

const rank = (v: unknown): number => (typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : typeof v === 'boolean' ? 2 : Array.isArray(v) ? 3 : isPlainObject(v) ? 4 : 5);

/** Upstream `value.Compare`: numbers < strings < booleans < lists < maps < null; within a type by value. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number') return a - (b as number);
  if (typeof a === 'string') return compareStrings(a, b as string);
  if (typeof a === 'boolean') return Number(a) - Number(b);
  return compareStrings(JSON.stringify(a), JSON.stringify(b));
}
