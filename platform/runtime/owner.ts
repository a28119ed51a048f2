/** Watch mappings by owner reference (controller-runtime `handler.EnqueueRequestForOwner` with `OnlyControllerOwner`). */
import type { KubeObject, ObjectKey } from '../../fake-apiserver/api/index.ts';
import type { WatchSpec } from './reconciler.ts';

/**
 * A {@link WatchSpec} `map` that enqueues the controller owner of kind `kind` of the changed object:
 * each owner reference with that kind and `controller: true`, keyed in the object's own namespace
 * (an owner is never in another namespace). No such reference ⇒ nothing enqueued.
 */
export function controllerOwnerOfKind(kind: string): WatchSpec['map'] {
  return (o: KubeObject): ObjectKey[] => (o.metadata.ownerReferences ?? []).filter((r) => r.kind === kind && r.controller).map((r) => ({ namespace: o.metadata.namespace, name: r.name }));
}
