/**
 * ReplicaSet controller stub (kube-controller-manager): creates pods from the template
 * (generateName `<rs>-`, owner reference to the ReplicaSet) until `spec.replicas` live pods match,
 * deletes the surplus (highest names first), and reports replicas / readyReplicas / availableReplicas.
 */
import type { KubeClient } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done } from '../../../platform/runtime/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { controllerRef, ownerKeys, podReady } from '../owners.ts';

const MANAGER = 'replicaset-controller';

/** The ReplicaSet controller as a runner definition. */
export function replicaSetController(client: KubeClient): ControllerDefinition {
  return {
    name: MANAGER,
    primary: CoreTypes.ReplicaSet,
    watches: [{ type: CoreTypes.Pod, map: (pod) => ownerKeys(pod, 'ReplicaSet') }],
    reconciler: {
      async reconcile(key) {
        const rs = await client.get(CoreTypes.ReplicaSet, key).catch(ignoreNotFound);
        if (!rs) return done();
        const ns = rs.metadata.namespace!;
        const pods = (await client.list(CoreTypes.Pod, { namespace: ns, labelSelector: rs.spec.selector })).items.filter(
          (p) => p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid) && !p.metadata.deletionTimestamp,
        );
        const desired = rs.metadata.deletionTimestamp ? 0 : (rs.spec.replicas ?? 1);
        for (let i = pods.length; i < desired; i++) {
          await client.create({
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
        }
        const surplus = [...pods].sort((a, b) => b.metadata.name.localeCompare(a.metadata.name)).slice(0, Math.max(0, pods.length - desired));
        for (const p of surplus) await client.delete(CoreTypes.Pod, { namespace: ns, name: p.metadata.name }).catch(ignoreNotFound);
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
