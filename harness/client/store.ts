/**
 * The informer store (kube-rs `reflector/store.rs`, client-go `cache.Indexer`; STYLE.md rule 10):
 * `createStore()` returns `[reader, writer]`. The one writer belongs to one reflector; readers are
 * shared. Objects are kept as received (frozen, never copied). Indexes: `namespace`, `label`
 * (`<ns>/<key>=<value>`), `owner-uid`, plus any custom {@link IndexFunc} added by name.
 */
import { INDEX_LABEL, INDEX_NAMESPACE, INDEX_OWNER_UID, keyString } from '../../fake-apiserver/api/index.ts';
import type { IndexFunc, KubeObject } from '../../fake-apiserver/api/index.ts';

/** Read side of a store. Lists are sorted by namespace, then name (the API server's order). */
export interface StoreReader<T extends KubeObject = KubeObject> {
  /** The object with key `"ns/name"` (or `"name"`), or undefined. */
  get(key: string): T | undefined;
  /** Every object, sorted. */
  items(): T[];
  /** Objects whose index `name` holds `value`, sorted. Throws `unknown index` for a name never added. */
  byIndex(name: string, value: string): T[];
  /** Number of objects. */
  size(): number;
  /** True once the writer stored its first list. */
  hasSynced(): boolean;
  /** resourceVersion of the last list or event stored ("" before the first list). */
  lastResourceVersion(): string;
}

/** A difference found by {@link StoreWriter.replace}. */
export type StoreChange<T extends KubeObject = KubeObject> =
  | { type: 'add'; object: T }
  | { type: 'update'; old: T; object: T }
  | { type: 'delete'; object: T };

/** Write side of a store: owned by one reflector. */
export interface StoreWriter<T extends KubeObject = KubeObject> {
  /** Stores `obj` (add or replace); returns the previous value. */
  apply(obj: T): T | undefined;
  /** Removes `obj`'s key; returns the removed value (undefined when absent). */
  delete(obj: T): T | undefined;
  /**
   * Replaces the whole content with a list at `resourceVersion` (initDone) and returns the
   * differences in order: adds and updates in list order, then deletions sorted by key. An object
   * whose resourceVersion did not change is not reported.
   */
  replace(objects: readonly T[], resourceVersion: string): StoreChange<T>[];
  /** Records the resourceVersion of an event or bookmark. */
  setResourceVersion(rv: string): void;
  /** Adds a named index and indexes existing objects. Throws when the name is taken. */
  addIndexer(name: string, fn: IndexFunc<T>): void;
}

const byNamespaceThenName = (a: KubeObject, b: KubeObject): number => {
  const na = a.metadata.namespace ?? '';
  const nb = b.metadata.namespace ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
};

const namespaceIndex: IndexFunc = (o) => [o.metadata.namespace ?? ''];
const labelIndex: IndexFunc = (o) => Object.entries(o.metadata.labels ?? {}).map(([k, v]) => `${o.metadata.namespace ?? ''}/${k}=${v}`);
const ownerIndex: IndexFunc = (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid);

/** Index value of one label for {@link INDEX_LABEL}. */
export function labelIndexValue(namespace: string | undefined, key: string, value: string): string {
  return `${namespace ?? ''}/${key}=${value}`;
}

/** Position of `obj`'s key (namespace, name) in `sorted` (sorted by {@link byNamespaceThenName}, holding that key). */
function sortedIndexOf(sorted: readonly KubeObject[], obj: KubeObject): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byNamespaceThenName(sorted[mid], obj) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface Index<T extends KubeObject> {
  fn: IndexFunc<T>;
  /**
   * For a built-in index: the part of an object its values are computed from. An update whose part is the same
   * (the same frozen labels or ownerReferences, as a write that did not touch them leaves them) keeps the values.
   */
  source?: (o: T) => unknown;
  postings: Map<string, Set<string>>;
  /** Values each key was indexed under (to unindex on change). */
  valuesOf: Map<string, readonly string[]>;
}

/** A new empty store with the built-in indexes: `[reader, writer]`. */
export function createStore<T extends KubeObject = KubeObject>(): [StoreReader<T>, StoreWriter<T>] {
  const objects = new Map<string, T>();
  const indexes = new Map<string, Index<T>>();
  let sorted: T[] | null = null;
  let synced = false;
  let rv = '';

  const keyOf = (o: T) => keyString({ namespace: o.metadata.namespace, name: o.metadata.name });
  const unindexFrom = (ix: Index<T>, key: string) => {
    for (const v of ix.valuesOf.get(key) ?? []) {
      const set = ix.postings.get(v);
      set?.delete(key);
      if (set?.size === 0) ix.postings.delete(v);
    }
    ix.valuesOf.delete(key);
  };
  const unindex = (key: string) => {
    for (const ix of indexes.values()) unindexFrom(ix, key);
  };
  const indexOne = (ix: Index<T>, key: string, obj: T) => {
    const values = [...new Set(ix.fn(obj))];
    if (values.length === 0) return;
    ix.valuesOf.set(key, values);
    for (const v of values) {
      let set = ix.postings.get(v);
      if (!set) ix.postings.set(v, (set = new Set()));
      set.add(key);
    }
  };
  const put = (obj: T): T | undefined => {
    const key = keyOf(obj);
    const old = objects.get(key);
    objects.set(key, obj);
    if (!old) {
      for (const ix of indexes.values()) indexOne(ix, key, obj);
      sorted = null;
      return old;
    }
    // An update: an index whose values did not change keeps its postings, and the sorted list keeps its order (same key).
    for (const ix of indexes.values()) {
      if (ix.source && ix.source(old) === ix.source(obj)) continue;
      const before = ix.valuesOf.get(key) ?? [];
      const after = [...new Set(ix.fn(obj))];
      if (after.length === before.length && after.every((v, i) => v === before[i])) continue;
      unindexFrom(ix, key);
      indexOne(ix, key, obj);
    }
    if (sorted) sorted[sortedIndexOf(sorted, old)] = obj;
    return old;
  };
  const remove = (key: string): T | undefined => {
    const old = objects.get(key);
    if (!old) return undefined;
    unindex(key);
    objects.delete(key);
    sorted = null;
    return old;
  };
  const addIndexer = (name: string, fn: IndexFunc<T>, source?: (o: T) => unknown) => {
    if (indexes.has(name)) throw new Error(`store: index ${JSON.stringify(name)} already exists`);
    const ix: Index<T> = { fn, source, postings: new Map(), valuesOf: new Map() };
    indexes.set(name, ix);
    for (const [key, obj] of objects) indexOne(ix, key, obj);
  };
  // An update keeps its key, so its namespace: the namespace index never changes on one.
  addIndexer(INDEX_NAMESPACE, namespaceIndex as IndexFunc<T>, () => undefined);
  addIndexer(INDEX_LABEL, labelIndex as IndexFunc<T>, (o) => o.metadata.labels);
  addIndexer(INDEX_OWNER_UID, ownerIndex as IndexFunc<T>, (o) => o.metadata.ownerReferences);

  const reader: StoreReader<T> = {
    get: (key) => objects.get(key),
    items: () => (sorted ??= [...objects.values()].sort(byNamespaceThenName)).slice(),
    byIndex(name, value) {
      const ix = indexes.get(name);
      if (!ix) throw new Error(`store: unknown index ${JSON.stringify(name)}`);
      return [...(ix.postings.get(value) ?? [])].map((k) => objects.get(k)!).sort(byNamespaceThenName);
    },
    size: () => objects.size,
    hasSynced: () => synced,
    lastResourceVersion: () => rv,
  };
  const writer: StoreWriter<T> = {
    apply: put,
    delete: (obj) => remove(keyOf(obj)),
    replace(list, resourceVersion) {
      const changes: StoreChange<T>[] = [];
      const seen = new Set<string>();
      for (const obj of list) {
        const key = keyOf(obj);
        seen.add(key);
        const old = put(obj);
        if (!old) changes.push({ type: 'add', object: obj });
        else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion || old.metadata.uid !== obj.metadata.uid) changes.push({ type: 'update', old, object: obj });
      }
      for (const key of [...objects.keys()].filter((k) => !seen.has(k)).sort()) changes.push({ type: 'delete', object: remove(key)! });
      rv = resourceVersion;
      synced = true;
      return changes;
    },
    setResourceVersion: (v) => void (rv = v),
    addIndexer: (name, fn) => addIndexer(name, fn),
  };
  return [reader, writer];
}
