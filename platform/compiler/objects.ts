/**
 * Small builders for generated objects: metadata with Lattice labels (reference §0, §2.7 "every generated
 * object's app.kubernetes.io/name label equals that object's own name") and owner references.
 */
import type { KubeObject, ObjectMeta, OwnerReference } from '../../fake-apiserver/api/index.ts';
import { LABEL_MANAGED_BY, LABEL_NAME, MANAGED_BY_LATTICE } from '../crds/types.ts';

/** `{app.kubernetes.io/name: name, app.kubernetes.io/managed-by: lattice, ...extra}`. */
export function latticeLabels(name: string, extra?: Record<string, string>): Record<string, string> {
  return { [LABEL_NAME]: name, [LABEL_MANAGED_BY]: MANAGED_BY_LATTICE, ...(extra ?? {}) };
}

/** Metadata `{name, namespace, labels, ownerReferences?}` (owner refs copied; omitted when none). */
export function objectMeta(name: string, namespace: string, ownerReferences?: OwnerReference[], extraLabels?: Record<string, string>): ObjectMeta {
  const meta: ObjectMeta = { name, namespace, labels: latticeLabels(name, extraLabels) };
  if (ownerReferences && ownerReferences.length > 0) meta.ownerReferences = ownerReferences.map((r) => ({ ...r }));
  return meta;
}

/** A new object `{apiVersion, kind, metadata, ...body}` with keys in that order. */
export function makeObject(apiVersion: string, kind: string, metadata: ObjectMeta, body: Record<string, unknown>): KubeObject {
  return { apiVersion, kind, metadata, ...body };
}

/** Returns a copy of `obj` whose metadata.ownerReferences is exactly `refs` (placed after labels/annotations). */
export function withOwnerReferences<T extends KubeObject>(obj: T, refs: OwnerReference[]): T {
  const { ownerReferences: _drop, ...rest } = obj.metadata;
  return { ...obj, metadata: { ...rest, ownerReferences: refs.map((r) => ({ ...r })) } };
}

/** Sorted copy of a string set. */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}
