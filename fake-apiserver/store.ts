/**
 * The versioned object store (the etcd role; DESIGN.md "Objects"). One global, strictly increasing
 * revision; every committed object is deep-frozen so reads hand it out without copying; a bounded
 * history of events feeds watches that resume from a resourceVersion (Kubernetes API concepts:
 * resource versions, efficient detection of changes).
 *
 * Objects are indexed per kind (`group/Kind`), then per namespace, then by name, so a write or a
 * get is O(1) and a list touches one kind only. Sorted list snapshots are cached per kind and
 * namespace and invalidated by writes to that kind and namespace.
 */
import { gone } from './api/index.ts';
import type { KubeObject } from './api/index.ts';
import { compareStrings, deepFreeze } from './internal/json.ts';

/** A committed change. `object` is the new state (for DELETED: the last state, with the deletion's revision); `prev` the state before. */
export interface StoreEvent {
  /** Global revision of this change (= `object.metadata.resourceVersion`). */
  revision: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** Storage key of the kind, see `resourceKey` in registry.ts. */
  resourceKey: string;
  object: KubeObject;
  prev?: KubeObject;
}

/** Options of {@link VersionedStore}. */
export interface VersionedStoreOptions {
  /** Events kept for watches that resume from a resourceVersion (count, default 100 000); older starts get 410 Expired. */
  historyLimit?: number;
}

interface KindBucket {
  /** namespace ('' for cluster-scoped) → name → object */
  byNs: Map<string, Map<string, KubeObject>>;
  size: number;
  sortedAll: readonly KubeObject[] | null;
  sortedNs: Map<string, readonly KubeObject[]>;
  /** Revision of the latest write (put or remove) to this kind. */
  lastRevision: number;
}

/**
 * Frozen-object store with a global revision and a bounded event history.
 * Writers pass a fully built object; the store sets `metadata.resourceVersion`, freezes it and
 * returns the stored (frozen) value.
 */
export class VersionedStore {
  private rev = 0;
  private readonly buckets = new Map<string, KindBucket>();
  private history: StoreEvent[] = [];
  private compacted = 0;
  /** Index of the oldest event still available in `history`. */
  private start = 0;
  private readonly historyLimit: number;

  constructor(opts: VersionedStoreOptions = {}) {
    this.historyLimit = Math.max(1, opts.historyLimit ?? 100_000);
  }

  /** Current revision (0 before the first write). */
  get revision(): number {
    return this.rev;
  }

  /** Highest revision no longer in history (0 when nothing was dropped). Watches from below it get 410. */
  get compactedRevision(): number {
    return this.compacted;
  }

  /**
   * Drops every event up to the current revision (etcd compaction, as a fault): a watch resuming
   * from an older resourceVersion then gets 410 Expired and its client must relist.
   */
  compact(): void {
    this.compacted = this.rev;
    this.history = [];
    this.start = 0;
  }

  /**
   * Replaces the whole content with `entries` (an etcd snapshot restore, done as the Kubernetes
   * backup-and-restore procedure recommends: `etcdutl snapshot restore --bump-revision
   * --mark-compacted`). Objects keep the resourceVersions they were saved with; the revision becomes
   * one past the larger of the current one and `revision` (the bump), and the history is compacted up
   * to it, so every watch resuming from any resourceVersion a client held before the restore gets 410
   * Expired and relists.
   * No events are recorded for the replaced content.
   */
  restore(entries: readonly { resourceKey: string; object: KubeObject }[], revision: number): void {
    this.buckets.clear();
    for (const { resourceKey, object } of entries) {
      const ns = object.metadata.namespace ?? '';
      const b = this.bucket(resourceKey);
      let m = b.byNs.get(ns);
      if (!m) b.byNs.set(ns, (m = new Map()));
      if (!m.has(object.metadata.name)) b.size++;
      m.set(object.metadata.name, deepFreeze(object));
    }
    this.rev = Math.max(this.rev, revision) + 1;
    for (const b of this.buckets.values()) b.lastRevision = this.rev;
    this.compact();
  }

  /** The stored object, or undefined. `namespace` is `''` for cluster-scoped kinds. */
  get(resourceKey: string, namespace: string, name: string): KubeObject | undefined {
    return this.buckets.get(resourceKey)?.byNs.get(namespace)?.get(name);
  }

  /** Number of stored objects of one kind. */
  count(resourceKey: string): number {
    return this.buckets.get(resourceKey)?.size ?? 0;
  }

  /** Storage keys of every kind that holds objects, sorted. */
  resourceKeys(): string[] {
    return [...this.buckets.entries()]
      .filter(([, b]) => b.size > 0)
      .map(([k]) => k)
      .sort(compareStrings);
  }

  /**
   * Objects of one kind sorted by namespace then name; restricted to `namespace` when given.
   * The returned array is a frozen snapshot shared between callers until the next write to that kind.
   */
  list(resourceKey: string, namespace?: string): readonly KubeObject[] {
    const b = this.buckets.get(resourceKey);
    if (!b) return [];
    if (namespace !== undefined) {
      let cached = b.sortedNs.get(namespace);
      if (!cached) {
        const m = b.byNs.get(namespace);
        cached = Object.freeze(m ? [...m.keys()].sort(compareStrings).map((n) => m.get(n)!) : []);
        b.sortedNs.set(namespace, cached);
      }
      return cached;
    }
    if (!b.sortedAll) {
      const out: KubeObject[] = [];
      for (const ns of [...b.byNs.keys()].sort(compareStrings)) out.push(...this.list(resourceKey, ns));
      b.sortedAll = Object.freeze(out);
    }
    return b.sortedAll;
  }

  /**
   * Objects of one kind as they were at `revision` (≤ the current revision), sorted as {@link list}:
   * the current snapshot when the kind has not changed since, else the current objects with the
   * kind's later events undone from history (etcd's read at a past revision). Cost: O(events since
   * `revision`) when the kind changed since.
   * @throws StatusError 410 Expired `too old resource version: N (M)` when `revision` is compacted.
   */
  listAt(resourceKey: string, revision: number, namespace?: string): readonly KubeObject[] {
    if (revision < this.compacted) throw gone(`too old resource version: ${revision} (${this.compacted})`);
    const current = this.list(resourceKey, namespace);
    if ((this.buckets.get(resourceKey)?.lastRevision ?? 0) <= revision) return current;
    const key = (o: KubeObject) => `${o.metadata.namespace ?? ''}\u0000${o.metadata.name}`;
    const byKey = new Map(current.map((o) => [key(o), o]));
    const later = this.eventsSince(revision);
    for (let i = later.length - 1; i >= 0; i--) {
      const ev = later[i];
      if (ev.resourceKey !== resourceKey || (namespace !== undefined && (ev.object.metadata.namespace ?? '') !== namespace)) continue;
      if (ev.type === 'ADDED') byKey.delete(key(ev.object));
      else if (ev.prev) byKey.set(key(ev.prev), ev.prev);
    }
    return [...byKey.values()].sort((a, b) => compareStrings(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || compareStrings(a.metadata.name, b.metadata.name));
  }

  /**
   * Stores `obj` (ADDED when new, MODIFIED otherwise) at the next revision. `obj` is frozen in place
   * after its `metadata.resourceVersion` is set; the caller must not keep mutating it.
   */
  put(resourceKey: string, obj: KubeObject): StoreEvent {
    const ns = obj.metadata.namespace ?? '';
    const prev = this.get(resourceKey, ns, obj.metadata.name);
    const revision = ++this.rev;
    obj.metadata.resourceVersion = String(revision);
    deepFreeze(obj);
    const b = this.bucket(resourceKey);
    let m = b.byNs.get(ns);
    if (!m) b.byNs.set(ns, (m = new Map()));
    m.set(obj.metadata.name, obj);
    if (!prev) b.size++;
    this.invalidate(b, ns);
    b.lastRevision = revision;
    return this.record({ revision, type: prev ? 'MODIFIED' : 'ADDED', resourceKey, object: obj, prev });
  }

  /**
   * Removes an object. `last` is its final state (mutable; its resourceVersion is set to the
   * deletion's revision and it is frozen). Returns undefined when the object is absent.
   */
  remove(resourceKey: string, last: KubeObject): StoreEvent | undefined {
    const ns = last.metadata.namespace ?? '';
    const b = this.buckets.get(resourceKey);
    const m = b?.byNs.get(ns);
    const prev = m?.get(last.metadata.name);
    if (!b || !m || !prev) return undefined;
    m.delete(last.metadata.name);
    if (m.size === 0) b.byNs.delete(ns);
    b.size--;
    this.invalidate(b, ns);
    const revision = ++this.rev;
    b.lastRevision = revision;
    last.metadata.resourceVersion = String(revision);
    deepFreeze(last);
    return this.record({ revision, type: 'DELETED', resourceKey, object: last, prev });
  }

  /**
   * Events after `revision`, in revision order (all kinds).
   * @throws StatusError 410 Expired `too old resource version: N (M)` when events after N were dropped.
   */
  eventsSince(revision: number): StoreEvent[] {
    if (revision < this.compacted) throw gone(`too old resource version: ${revision} (${this.compacted})`);
    const h = this.history;
    let lo = this.start;
    let hi = h.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (h[mid].revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return h.slice(lo);
  }

  private bucket(resourceKey: string): KindBucket {
    let b = this.buckets.get(resourceKey);
    if (!b) this.buckets.set(resourceKey, (b = { byNs: new Map(), size: 0, sortedAll: null, sortedNs: new Map(), lastRevision: 0 }));
    return b;
  }

  private invalidate(b: KindBucket, ns: string): void {
    b.sortedAll = null;
    b.sortedNs.delete(ns);
  }

  private record(ev: StoreEvent): StoreEvent {
    Object.freeze(ev);
    this.history.push(ev);
    if (this.history.length - this.start > this.historyLimit) {
      this.compacted = this.history[this.start].revision;
      this.start++;
      // Reclaim the dropped prefix now and then (amortised O(1) per write).
      if (this.start >= 1024 && this.start * 2 >= this.history.length) {
        this.history = this.history.slice(this.start);
        this.start = 0;
      }
    }
    return ev;
  }
}
