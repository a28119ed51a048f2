/**
 * ReplicaSet controller stub (kube-controller-manager): creates pods from the template
 * (generateName `<rs>-`, owner reference to the ReplicaSet) until `spec.replicas` live pods match,
 * deletes the surplus in kube's `ActivePods` order (unscheduled, then Pending, not Ready, Ready for
 * less time, more restarts, newer first: see `pods.ts`), and reports replicas / fullyLabeledReplicas /
 * readyReplicas / availableReplicas (Ready for `spec.minReadySeconds`, requeued until a Ready pod
 * becomes available) / observedGeneration, with condition ReplicaFailure (FailedCreate) while pod
 * creation fails. Finished pods (Succeeded, Failed) do not count.
 * Reads come from the informer cache (owned pods through the owner-uid index). Because the cache
 * lags the writes, the controller keeps expectations as kube-controller-manager does: pods it created
 * count as live until the cache shows them (or has moved past their creation), pods it deleted count
 * as gone until the cache drops them. A Pod change enqueues only its controlling ReplicaSet.
 */
import type { InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import type { EventRecorder } from '../events.ts';
import { INDEX_OWNER_UID, ignoreNotFound, matchesSelector, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { controllerRef, ownerKeys, podReady } from '../owners.ts';
import { compareForDeletion, countAvailable, podActive } from './pods.ts';
import { PodExpectations } from './expectations.ts';

const MANAGER = 'replicaset-controller';

/** The ReplicaSet controller as a runner definition. */
export function replicaSetController(client: KubeClient, cache: InformerCache, recorder?: EventRecorder): ControllerDefinition {
  const podInformer = cache.informerFor(CoreTypes.Pod);
  const expectations = new PodExpectations(podInformer);
  /** Owned, active pods as the controller must count them: cache plus expectations. */
  const livePods = (rs: KubeObject): { cached: KubeObject[]; pendingCreates: number } => {
    const ns = rs.metadata.namespace!;
    const pending = expectations.pending(rs.metadata.uid!, ns);
    const owned = podInformer.byIndex(INDEX_OWNER_UID, rs.metadata.uid!).filter((p) => p.metadata.namespace === ns);
    const cached = owned.filter((p) => podActive(p) && !pending.deletes.has(p.metadata.name) && matchesSelector(rs.spec.selector, p.metadata.labels));
    return { cached, pendingCreates: pending.creates.length };
  };
  return {
    name: MANAGER,
    primary: CoreTypes.ReplicaSet,
    watches: [{ type: CoreTypes.Pod, map: (pod) => ownerKeys(pod, 'ReplicaSet') }],
    reconciler: {
      async reconcile(key, ctx) {
        const rs = await cache.get(CoreTypes.ReplicaSet, key).catch(ignoreNotFound);
        if (!rs) return done(); // (a re-created ReplicaSet has a new uid: stale expectations of the old one are never read)
        const ns = rs.metadata.namespace!;
        await podInformer.synced();
        const { cached: pods, pendingCreates } = livePods(rs);
        // A ReplicaSet being deleted manages no pods (upstream syncReplicaSet): the garbage collector
        // deletes them (background, foreground) or strips their owner reference (orphan).
        const managing = !rs.metadata.deletionTimestamp;
        const desired = managing ? (rs.spec.replicas ?? 1) : pods.length + pendingCreates;
        let createError: unknown;
        for (let i = pods.length + pendingCreates; i < desired && createError === undefined; i++) {
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
          }).catch((err: unknown) => void (createError = err));
          if (created) expectations.created(rs.metadata.uid!, created);
          if (created) await recorder?.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
        }
        const surplus = [...pods].sort(compareForDeletion).slice(0, Math.max(0, pods.length + pendingCreates - desired));
        for (const p of surplus) {
          await client.delete(CoreTypes.Pod, { namespace: ns, name: p.metadata.name }).catch(ignoreNotFound);
          expectations.deleted(rs.metadata.uid!, p.metadata.name);
          await recorder?.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        }
        const live = pods.filter((p) => !surplus.includes(p));
        const ready = live.filter(podReady).length;
        const { available, nextAtMs } = countAvailable(live, rs.spec.minReadySeconds ?? 0, ctx.clock.now());
        const templateLabels = Object.entries((rs.spec.template?.metadata?.labels ?? {}) as Record<string, string>);
        const fullyLabeled = live.filter((p) => templateLabels.every(([k, v]) => p.metadata.labels?.[k] === v)).length;
        const status: Record<string, unknown> = { replicas: live.length, fullyLabeledReplicas: fullyLabeled, readyReplicas: ready, availableReplicas: available, observedGeneration: rs.metadata.generation };
        // ReplicaFailure/FailedCreate while pod creation fails (e.g. 403 in a Terminating namespace), dropped once it succeeds.
        const failure = (rs.status?.conditions ?? []).find((c: { type: string }) => c.type === 'ReplicaFailure');
        if (createError !== undefined) {
          // Set once, kept while failures go on (as upstream: a message naming each new pod would re-trigger every retry).
          const message = createError instanceof Error ? createError.message : String(createError);
          status.conditions = failure ? rs.status.conditions : [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message, lastTransitionTime: rfc3339(ctx.clock.now()) }];
        }
        const changed = Object.keys(status).some((k) => JSON.stringify(rs.status?.[k]) !== JSON.stringify(status[k]));
        if (changed || (failure && createError === undefined)) {
          await client.patchStatus(CoreTypes.ReplicaSet, key, 'merge', { status: { ...status, ...(createError === undefined && failure ? { conditions: null } : {}) } }).catch(ignoreNotFound);
        }
        if (createError !== undefined) throw createError; // the runner retries with back-off, as upstream requeues rate-limited
        return nextAtMs === undefined ? done() : requeueAfter(Math.max(1, nextAtMs - ctx.clock.now()));
      },
    },
  };
}
