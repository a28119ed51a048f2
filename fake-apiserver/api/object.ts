/**
 * Object shapes shared by every layer (Kubernetes API conventions: object metadata, owner references).
 * Types only: nothing here performs I/O. Objects returned by the in-process store are frozen; build a
 * new object to write (see DESIGN.md "Objects").
 */

/** Owner reference (Kubernetes API concepts: garbage collection). `uid` is required. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** metadata of any object. Server-owned fields (uid, resourceVersion, generation, timestamps) are set by the API server. */
export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  /** Opaque decimal string: the global revision of this object's last write. */
  resourceVersion?: string;
  /** Incremented on every change outside metadata and status (custom resources, workload kinds). */
  generation?: number;
  /** RFC 3339, second precision, from the World's clock. */
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

/** Any Kubernetes object: apiVersion, kind, metadata, and kind-specific top-level fields (spec, status, data...). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [field: string]: any;
}

/** Identifies the kind of an object: `apiVersion` ("v1", "apps/v1", "lattice.dev/v1alpha1") and `kind`. */
export interface TypeRef {
  apiVersion: string;
  kind: string;
}

/** Namespace and name only: what a reconciler receives (level-based; never the event or the object). */
export interface ObjectKey {
  namespace?: string;
  name: string;
}

/** `"ns/name"` for namespaced keys, `"name"` for cluster-scoped ones. */
export function keyString(key: ObjectKey): string {
  return key.namespace ? `${key.namespace}/${key.name}` : key.name;
}

/** Splits `"ns/name"` (or `"name"`) back into an ObjectKey. */
export function parseKey(text: string): ObjectKey {
  const slash = text.indexOf('/');
  return slash < 0 ? { name: text } : { namespace: text.slice(0, slash), name: text.slice(slash + 1) };
}

/** The key of an object. */
export function objectKey(obj: KubeObject): ObjectKey {
  return obj.metadata.namespace ? { namespace: obj.metadata.namespace, name: obj.metadata.name } : { name: obj.metadata.name };
}

/** The API group of an apiVersion: "" for the core group ("v1"). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Condition (Kubernetes API conventions: typical status properties). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}
