/**
 * ReplicaSet controller stub (kube-controller-manager): creates pods from the template
 * (generateName `<rs>-`, owner reference to the ReplicaSet) until `spec.replicas` live pods match,
 * deletes the surplus (highest names first), and reports replicas / readyReplicas / availableReplicas.
 * Reads come from the informer cache (owned pods through the owner-uid index). Because the cache
 * lags the writes, the controller keeps expectations as kube-controller-manager does: pods it created
 * count as live until the cache shows them (or has moved past their creation), pods it deleted count
 * as gone until the cache drops them. A Pod change enqueues only its controlling ReplicaSet.
 */
import type { InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { INDEX_OWNER_UID, ignoreNotFound, matchesSelector } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done } from '../../../platform/runtime/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { controllerRef, ownerKeys, podReady } from '../owners.ts';

const MANAGER = 'replicaset-controller';

/** The ReplicaSet controller as a runner definition. */
export function replicaSetController(client: KubeClient, cache: InformerCache): ControllerDefinition {
  const podInformer = cache.informerFor(CoreTypes.Pod);
  /** Per ReplicaSet uid: pods created (name → resourceVersion of the create) not yet seen in the cache. */
  const expectedCreates = new Map<string, Map<string, number>>();
  /** Per ReplicaSet uid: pods deleted that the cache still holds. */
  const expectedDeletes = new Map<string, Set<string>>();
  /** Owned, non-terminating pods as the controller must count them: cache plus expectations. */
  const livePods = (rs: KubeObject): { cached: KubeObject[]; pendingCreates: number } => {
    const uid = rs.metadata.uid!;
    const ns = rs.metadata.namespace;
    const cacheRv = Number(podInformer.lastResourceVersion() || '0');
    const owned = podInformer.byIndex(INDEX_OWNER_UID, uid).filter((p) => p.metadata.namespace === ns);
    const creates = expectedCreates.get(uid);
    for (const [name, rv] of creates ?? []) if (podInformer.getByKey(`${ns}/${name}`) || cacheRv >= rv) creates!.delete(name);
    const deletes = expectedDeletes.get(uid);
    for (const name of deletes ?? []) {
      const p = podInformer.getByKey(`${ns}/${name}`);
      if (!p || p.metadata.deletionTimestamp) deletes!.delete(name);
    }
    if (creates?.size === 0) expectedCreates.delete(uid);
    if (deletes?.size === 0) expectedDeletes.delete(uid);
    const cached = owned.filter((p) => !p.metadata.deletionTimestamp && !deletes?.has(p.metadata.name) && matchesSelector(rs.spec.selector, p.metadata.labels));
    return { cached, pendingCreates: creates?.size ?? 0 };
  };
  return {
    name: MANAGER,
    primary: CoreTypes.ReplicaSet,
    watches: [{ type: CoreTypes.Pod, map: (pod) => ownerKeys(pod, 'ReplicaSet') }],
    reconciler: {
      async reconcile(key) {
        const rs = await cache.get(CoreTypes.ReplicaSet, key).catch(ignoreNotFound);
        if (!rs) return done();
        const ns = rs.metadata.namespace!;
        await podInformer.synced();
        const { cached: pods, pendingCreates } = livePods(rs);
        const desired = rs.metadata.deletionTimestamp ? 0 : (rs.spec.replicas ?? 1);
        for (let i = pods.length + pendingCreates; i < desired; i++) {
          const created = await client.create<KubeObject>({
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: {
              name: '',
              generateName: `${rs.metadata.name}-`,
              namespace: ns,
              labels: { ...(rs.spec.template?.metadata?.labels ?? {}) },
              annotations: { ...(rs.spec.template?.metadata?.annotations ?? {}) },
              ownerReferences: [controllerRef(rs)],
            },
            spec: { ...(rs.spec.template?.spec ?? {}) },
          });
          const creates = expectedCreates.get(rs.metadata.uid!) ?? new Map<string, number>();
          expectedCreates.set(rs.metadata.uid!, creates.set(created.metadata.name, Number(created.metadata.resourceVersion)));
        }
        const surplus = [...pods].sort((a, b) => b.metadata.name.localeCompare(a.metadata.name)).slice(0, Math.max(0, pods.length + pendingCreates - desired));
        for (const p of surplus) {
          await client.delete(CoreTypes.Pod, { namespace: ns, name: p.metadata.name }).catch(ignoreNotFound);
          const deletes = expectedDeletes.get(rs.metadata.uid!) ?? new Set<string>();
          expectedDeletes.set(rs.metadata.uid!, deletes.add(p.metadata.name));
        }
        const live = pods.filter((p) => !surplus.includes(p));
        const ready = live.filter(podReady).length;
        const status = { replicas: live.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: rs.metadata.generation };
        if (JSON.stringify(rs.status ?? {}) !== JSON.stringify(status)) {
          await client.patchStatus(CoreTypes.ReplicaSet, key, 'merge', { status }).catch(ignoreNotFound);
        }
        return done();
      },
    },
  };
}
