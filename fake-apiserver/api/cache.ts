/**
 * The informer cache contract (controller-runtime `pkg/cache` `Cache` = `client.Reader` + `Informers`;
 * client-go `SharedIndexInformer`, `ResourceEventHandler`, `Indexer`). Types only: the harness
 * implements it (`harness/client`), a real deployment would back it with client-go style informers.
 * Controllers read from a cache and write through the client, with no other change (STYLE.md rule 4).
 */
import type { KubeReader } from './client.ts';
import type { KubeObject, TypeRef } from './object.ts';

/**
 * Callbacks of one event handler (client-go `ResourceEventHandler`). Called synchronously after the
 * informer's store changed, in the order the changes were observed. A relist calls `onAdd`,
 * `onUpdate` and `onDelete` for the differences between the cache and the new list.
 */
export interface ResourceEventHandler<T extends KubeObject = KubeObject> {
  /** A new object. `initial` is true while replaying the current contents to a handler added late, or for the first list. */
  onAdd?(obj: T, initial: boolean): void;
  /** A changed object (also called with `old === obj` on a periodic resync). */
  onUpdate?(old: T, obj: T): void;
  /** A removed object: its last known state (after a relist, the state the cache held). */
  onDelete?(obj: T): void;
}

/** Index function: the index values of an object (client-go `IndexFunc`); [] to leave it out of the index. */
export type IndexFunc<T extends KubeObject = KubeObject> = (obj: T) => readonly string[];

/** Built-in index names every informer maintains. */
export const INDEX_NAMESPACE = 'namespace';
/** Index of `<namespace>/<label key>=<label value>` (cluster-scoped: `/<key>=<value>`). */
export const INDEX_LABEL = 'label';
/** Index of owner reference uids. */
export const INDEX_OWNER_UID = 'owner-uid';

/** One shared informer: the cached objects of one kind, its indexes and its event handlers. */
export interface Informer<T extends KubeObject = KubeObject> {
  /** Registers a handler. Objects already cached are replayed to it at once as `onAdd(obj, true)`. Returns a function that removes it. */
  addEventHandler(handler: ResourceEventHandler<T>): () => void;
  /** Adds a named index; existing objects are indexed at once. Throws when the name is taken. */
  addIndexer(name: string, fn: IndexFunc<T>): void;
  /** Objects whose index `name` contains `value`, sorted by namespace then name. Throws for an unknown index. */
  byIndex(name: string, value: string): T[];
  /** The cached object `"ns/name"` (or `"name"`), or undefined. */
  getByKey(key: string): T | undefined;
  /** Every cached object, sorted by namespace then name. */
  items(): T[];
  /** True once the first list has been stored. */
  hasSynced(): boolean;
  /** Resolves once the first list has been stored. */
  synced(): Promise<void>;
  /** The resourceVersion of the last list or event stored. */
  lastResourceVersion(): string;
}

/**
 * A cache of informers, one per kind (controller-runtime `cache.Cache`): reads like a
 * {@link KubeReader} (get: 404 NotFound when absent from the cache; list: label and field selectors),
 * and hands out the shared informer of a kind, started on first use.
 */
export interface InformerCache extends KubeReader {
  /** The shared informer of `type`, created and started on first use (one per kind per cache). */
  informerFor<T extends KubeObject = KubeObject>(type: TypeRef): Informer<T>;
}
