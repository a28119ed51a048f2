/**
 * The KubeClient contract (DESIGN.md "Core contracts"; controller-runtime `client.Reader`/`Writer`/
 * `StatusClient`/`WithWatch`). Split by capability so each controller asks for the narrowest
 * interface it needs. Two implementations: in-process (fake-apiserver) and HTTP (a real cluster).
 * Every method rejects with a {@link StatusError} carrying Kubernetes semantics (404, 409, 410, 422...).
 */
import type { KubeObject, ObjectKey, TypeRef } from './object.ts';
import type { LabelSelector } from './label-selector.ts';

/** Options of list and watch. `labelSelector` may be the string syntax or the object form. */
export interface ListOptions {
  /** Restrict to one namespace; omit for all namespaces (or for cluster-scoped kinds). */
  namespace?: string;
  labelSelector?: string | LabelSelector;
  /** `metadata.name=x,metadata.namespace=y` (`=`, `==`, `!=`). */
  fieldSelector?: string;
  /** List: at most this many items per response (`metadata.continue` then leads to the next chunk). @unit items */
  limit?: number;
  /** List: the `metadata.continue` token of the previous chunk (the list goes on at that chunk's resourceVersion). */
  continue?: string;
  /** List: unset = most recent, `"0"` = any, N = not older than N (or exactly N, see `resourceVersionMatch`). */
  resourceVersion?: string;
  /** How `resourceVersion` is matched (Kubernetes API concepts: resource versions). Watches accept only `NotOlderThan`, with `sendInitialEvents`. */
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

/**
 * A list response (`<Kind>List`). `metadata.resourceVersion` is the revision the items are at;
 * `continue` (when more items remain after a `limit`ed chunk) leads to the next chunk, and
 * `remainingItemCount` counts the items after this chunk (only when no selector filtered them).
 */
export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

/**
 * What the server does with fields the schema does not declare (Kubernetes API concepts: field
 * validation, default `Warn` since 1.23): `Ignore` drops them silently, `Warn` drops them and sends
 * one warning per field (`unknown field "spec.replicass"`), `Strict` refuses the write with 400
 * BadRequest (`… strict decoding error: unknown field "spec.replicass"`).
 */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

/** Options of every write. */
export interface WriteOptions {
  /** Who writes (Kubernetes API concepts: field management). */
  fieldManager?: string;
  /** Validate and admit, persist nothing. */
  dryRun?: boolean;
  /** Unknown-field handling (default `Warn`). */
  fieldValidation?: FieldValidation;
  /**
   * Receives the warnings of this request, one call per warning, in order: what an HTTP client
   * reads from `Warning: 299 - "…"` response headers. Without it, warnings are dropped.
   */
  onWarning?: (warning: string) => void;
}

/** Options of server-side apply. */
export interface ApplyOptions extends WriteOptions {
  fieldManager: string;
  force?: boolean;
}

/** Options of delete (Kubernetes API concepts: DeleteOptions). */
export interface DeleteOptions {
  /** How dependents go (Kubernetes docs: cascading deletion); unset = the kind's default. */
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /** Deprecated boolean form of `propagationPolicy` (true = Orphan); 422 when both are set. */
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  /** Receives the warnings of this request (as {@link WriteOptions.onWarning}). */
  onWarning?: (warning: string) => void;
}

/**
 * `merge` = RFC 7386 JSON merge patch, `json` = RFC 6902 JSON patch, `strategic` = strategic merge
 * patch (built-in kinds only: lists merge by their patch merge key; custom resources answer 415).
 */
export type PatchType = 'merge' | 'json' | 'strategic';

/** Reads objects. */
export interface KubeReader {
  /** Rejects with 404 NotFound when absent. */
  get<T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey): Promise<T>;
  list<T extends KubeObject = KubeObject>(type: TypeRef, opts?: ListOptions): Promise<KubeList<T>>;
}

/** Writes the main resource. */
export interface KubeWriter {
  /** 409 AlreadyExists, 404 for a missing namespace, 422 Invalid with one cause per field path. */
  create<T extends KubeObject>(obj: T, opts?: WriteOptions): Promise<T>;
  /** Requires `metadata.resourceVersion` for custom resources; 409 Conflict when stale. Status changes are ignored where a status subresource exists. */
  update<T extends KubeObject>(obj: T, opts?: WriteOptions): Promise<T>;
  /** Patch of the main resource; a patch carrying `metadata.resourceVersion` is a precondition. */
  patch<T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey, patchType: PatchType, body: unknown, opts?: WriteOptions): Promise<T>;
  /** Server-side apply: creates when absent, otherwise merges the applied configuration. */
  apply<T extends KubeObject>(obj: T, opts: ApplyOptions): Promise<T>;
  /** Deletes (or marks for deletion when finalizers remain). Rejects with 404 when absent. */
  delete(type: TypeRef, key: ObjectKey, opts?: DeleteOptions): Promise<void>;
}

/** Writes the status subresource (never bumps generation; changes outside status are ignored). */
export interface StatusWriter {
  updateStatus<T extends KubeObject>(obj: T, opts?: WriteOptions): Promise<T>;
  patchStatus<T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey, patchType: PatchType, body: unknown, opts?: WriteOptions): Promise<T>;
}

/** A watch event (Kubernetes API concepts: watch). ERROR carries a Status object (e.g. 410 Expired). */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/**
 * Options of watch. `resourceVersion` unset: synthetic ADDED for current objects, then changes; set:
 * changes after it, or 410. `sendInitialEvents` (with `resourceVersionMatch: 'NotOlderThan'`):
 * synthetic ADDED for the current objects, then (with `allowWatchBookmarks`) one BOOKMARK annotated
 * `k8s.io/initial-events-end: "true"` at the state's resourceVersion, then changes.
 */
export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
  sendInitialEvents?: boolean;
  allowWatchBookmarks?: boolean;
  /** The watch ends (onClose) after this long on the server's clock. @unit seconds */
  timeoutSeconds?: number;
}

/** A running watch. */
export interface WatchHandle {
  stop(): void;
}

/** Streams changes. Events arrive asynchronously and in global resourceVersion order. */
export interface KubeWatcher {
  watch<T extends KubeObject = KubeObject>(type: TypeRef, opts: WatchOptions, onEvent: (event: WatchEvent<T>) => void, onClose?: (err?: unknown) => void): Promise<WatchHandle>;
}

/** The full client. */
export type KubeClient = KubeReader & KubeWriter & StatusWriter & KubeWatcher;
