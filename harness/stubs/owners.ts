/** Helpers over ownerReferences (Kubernetes API concepts: owners and dependents). */
import type { KubeObject, ObjectKey, OwnerReference } from '../../fake-apiserver/api/index.ts';

/** The controller owner reference of `obj` with the given kind, if any. */
export function controllerOf(obj: KubeObject, kind: string): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller && r.kind === kind);
}

/** Key of the controlling owner of `kind` (same namespace), as a one-element list for watch maps. */
export function ownerKeys(obj: KubeObject, kind: string): ObjectKey[] {
  const ref = controllerOf(obj, kind);
  return ref ? [{ namespace: obj.metadata.namespace, name: ref.name }] : [];
}

/** A controller owner reference pointing at `owner`. */
export function controllerRef(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** True when the pod is Running with condition Ready=True and not terminating. */
export function podReady(pod: KubeObject): boolean {
  return (
    !pod.metadata.deletionTimestamp &&
    pod.status?.phase === 'Running' &&
    (pod.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')
  );
}
