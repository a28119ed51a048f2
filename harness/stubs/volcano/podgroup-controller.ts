/**
 * Volcano's PodGroup controller (vc-controller-manager `pg` controller) for pods Volcano schedules
 * that no VCJob created (a Deployment whose template says `schedulerName: volcano`, as the platform
 * compiles GPU services): it creates the PodGroup `podgroup-<uid>` (uid of the pod's controller, so
 * every pod of one ReplicaSet shares it, else of the pod), minMember 1, minResources = the pod's
 * requests, queue = the pod's `scheduling.volcano.sh/queue-name` annotation or `default`, owned by the
 * same owner, and annotates the pod with `scheduling.k8s.io/group-name` so the scheduler's gang
 * session places it. Reads from the informer cache; a PodGroup it created counts as present until
 * the cache shows it.
 */
import type { InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound, isAlreadyExists } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done } from '../../../platform/runtime/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { podRequests } from '../scheduler/fit.ts';
import { DEFAULT_QUEUE, GROUP_NAME_ANNOTATION, PodGroupType, VOLCANO_SCHEDULER } from './vocabulary.ts';

/** Pod annotation naming the queue of a pod without a VCJob. */
export const QUEUE_NAME_ANNOTATION = 'scheduling.volcano.sh/queue-name';

/** PodGroup name of a plain Volcano pod (`podgroup-<controller uid | pod uid>`). */
export function plainPodGroupName(pod: KubeObject): string {
  const owner = (pod.metadata.ownerReferences ?? []).find((r) => r.controller);
  return `podgroup-${owner?.uid ?? pod.metadata.uid}`;
}

/** The PodGroup controller as a runner definition (primary: Pod). */
export function volcanoPodGroupController(client: KubeClient, cache: InformerCache): ControllerDefinition {
  const created = new Set<string>();
  return {
    name: 'volcano-podgroup-controller',
    primary: CoreTypes.Pod,
    reconciler: {
      async reconcile(key) {
        const pod = await cache.get(CoreTypes.Pod, key).catch(ignoreNotFound);
        if (!pod || pod.metadata.deletionTimestamp || pod.spec?.schedulerName !== VOLCANO_SCHEDULER || pod.spec?.nodeName) return done();
        if (pod.metadata.annotations?.[GROUP_NAME_ANNOTATION]) return done();
        const name = plainPodGroupName(pod);
        const ns = pod.metadata.namespace!;
        const id = `${ns}/${name}`;
        if (!created.has(id) && !(await cache.get(PodGroupType, { namespace: ns, name }).catch(ignoreNotFound))) {
          const owner = (pod.metadata.ownerReferences ?? []).find((r) => r.controller);
          const ownerReferences = owner ? [{ ...owner }] : [{ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid!, controller: true, blockOwnerDeletion: true }];
          const minResources = Object.fromEntries(Object.entries(podRequests(pod)).map(([k, v]) => [k, k === 'cpu' ? `${v}m` : String(v)]));
          await client
            .create({ ...PodGroupType, metadata: { name, namespace: ns, ownerReferences }, spec: { minMember: 1, minResources, queue: pod.metadata.annotations?.[QUEUE_NAME_ANNOTATION] ?? DEFAULT_QUEUE } })
            .catch((err) => {
              if (!isAlreadyExists(err)) throw err;
            });
          await client.patchStatus(PodGroupType, { namespace: ns, name }, 'merge', { status: { phase: 'Pending' } }).catch(ignoreNotFound);
          created.add(id);
        }
        await client.patch(CoreTypes.Pod, key, 'merge', { metadata: { annotations: { [GROUP_NAME_ANNOTATION]: name } } }).catch(ignoreNotFound);
        return done();
      },
    },
  };
}
