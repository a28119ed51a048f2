/**
 * Disruption controller stub (kube-controller-manager; Kubernetes docs "Specifying a Disruption
 * Budget for your Application" and the PodDisruptionBudget API): keeps each policy/v1
 * PodDisruptionBudget's status.
 * - Pods: those of the PDB's namespace its selector matches (an empty selector matches all).
 * - `minAvailable` an integer: expectedPods = the matching pods, desiredHealthy = minAvailable.
 * - `minAvailable` a percentage or `maxUnavailable` (integer or percentage): expectedPods = the sum of
 *   the scale of the pods' controllers (a Deployment's spec.replicas for its ReplicaSets' pods, else
 *   the ReplicaSet's), percentages of it rounded up; desiredHealthy = ceil(minAvailable% × expected) or
 *   expected − maxUnavailable. A matching pod without a controller fails the sync (upstream does too):
 *   disruptionsAllowed 0, condition DisruptionAllowed False reason SyncFailed. Neither field set:
 *   desiredHealthy 0 over the matching pods.
 * - currentHealthy: matching pods Ready and not being deleted.
 * - disruptionsAllowed = max(0, currentHealthy − desiredHealthy) (0 when nothing is expected);
 *   condition DisruptionAllowed True/SufficientPods or False/InsufficientPods; observedGeneration.
 * Reads come from the informer cache. A Pod change enqueues the PDBs of its namespace that select it
 * (before or after the change); a Deployment or ReplicaSet spec change those selecting its template.
 */
import type { InformerCache, KubeClient, KubeObject, ObjectKey } from '../../../fake-apiserver/api/index.ts';
import { INDEX_NAMESPACE, ignoreNotFound, matchesSelector, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done } from '../../../platform/runtime/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { controllerOf, podReady } from '../owners.ts';
import { scaledValue } from './deployment-controller.ts';

/** The computed budget of one PDB. */
export interface Budget {
  expectedPods: number;
  currentHealthy: number;
  desiredHealthy: number;
  disruptionsAllowed: number;
  /** Why the budget could not be computed (a pod without a controller), else undefined. */
  failure?: string;
}

/**
 * The budget of `pdb` over its matching `pods`; `scaleOf` answers a pod's controller scale
 * (undefined: no controller).
 */
export function computeBudget(pdb: KubeObject, pods: readonly KubeObject[], scaleOf: (pod: KubeObject) => { id: string; replicas: number } | undefined): Budget {
  const { minAvailable, maxUnavailable } = pdb.spec ?? {};
  const currentHealthy = pods.filter(podReady).length;
  let expectedPods = pods.length;
  let desiredHealthy = 0;
  if (typeof minAvailable === 'number' || (typeof minAvailable === 'string' && !minAvailable.endsWith('%'))) desiredHealthy = scaledValue(minAvailable, 0, true);
  else if (minAvailable !== undefined || maxUnavailable !== undefined) {
    const scales = new Map<string, number>();
    for (const p of pods) {
      const s = scaleOf(p);
      if (!s) return { expectedPods: 0, currentHealthy, desiredHealthy: 0, disruptionsAllowed: 0, failure: `found no controllers for pod "${p.metadata.name}"` };
      scales.set(s.id, s.replicas);
    }
    expectedPods = [...scales.values()].reduce((a, b) => a + b, 0);
    desiredHealthy = minAvailable !== undefined ? scaledValue(minAvailable, expectedPods, true) : Math.max(0, expectedPods - scaledValue(maxUnavailable, expectedPods, true));
  }
  const disruptionsAllowed = expectedPods <= 0 ? 0 : Math.max(0, currentHealthy - desiredHealthy);
  return { expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed };
}

/** The disruption controller as a runner definition. */
export function disruptionController(client: KubeClient, cache: InformerCache): ControllerDefinition {
  const pdbs = cache.informerFor(CoreTypes.PodDisruptionBudget);
  const pods = cache.informerFor(CoreTypes.Pod);
  const replicaSets = cache.informerFor(CoreTypes.ReplicaSet);
  const deployments = cache.informerFor(CoreTypes.Deployment);
  const selecting = (ns: string | undefined, labels: Record<string, string> | undefined): ObjectKey[] =>
    pdbs.byIndex(INDEX_NAMESPACE, ns ?? '').filter((b) => matchesSelector(b.spec?.selector ?? {}, labels ?? {})).map((b) => ({ namespace: ns, name: b.metadata.name }));
  const both = (obj: KubeObject, old: KubeObject | undefined, labelsOf: (o: KubeObject) => Record<string, string> | undefined): ObjectKey[] => {
    const out = new Map<string, ObjectKey>();
    for (const o of old ? [obj, old] : [obj]) for (const k of selecting(o.metadata.namespace, labelsOf(o))) out.set(k.name, k);
    return [...out.values()];
  };
  const scaleOf = (pod: KubeObject): { id: string; replicas: number } | undefined => {
    const ref = controllerOf(pod, 'ReplicaSet');
    if (!ref) {
      const any = pod.metadata.ownerReferences?.find((r) => r.controller);
      return any ? { id: any.uid, replicas: 1 } : undefined; // other controllers (Job, StatefulSet): counted by their pods
    }
    const rs = replicaSets.getByKey(`${pod.metadata.namespace}/${ref.name}`);
    const depRef = rs && controllerOf(rs, 'Deployment');
    const dep = depRef && deployments.getByKey(`${pod.metadata.namespace}/${depRef.name}`);
    if (dep) return { id: dep.metadata.uid!, replicas: dep.spec?.replicas ?? 1 };
    return rs ? { id: rs.metadata.uid!, replicas: rs.spec?.replicas ?? 1 } : undefined;
  };
  const templateLabels = (o: KubeObject) => o.spec?.template?.metadata?.labels;
  return {
    name: 'disruption-controller',
    primary: CoreTypes.PodDisruptionBudget,
    watches: [
      { type: CoreTypes.Pod, map: (pod, old) => both(pod, old, (o) => o.metadata.labels) },
      { type: CoreTypes.ReplicaSet, generationChangedOnly: true, map: (rs, old) => both(rs, old, templateLabels) },
      { type: CoreTypes.Deployment, generationChangedOnly: true, map: (d, old) => both(d, old, templateLabels) },
    ],
    reconciler: {
      async reconcile(key, ctx) {
        const pdb = await cache.get(CoreTypes.PodDisruptionBudget, key).catch(ignoreNotFound);
        if (!pdb || pdb.metadata.deletionTimestamp) return done();
        await Promise.all([pods.synced(), replicaSets.synced(), deployments.synced()]);
        const matching = pods.byIndex(INDEX_NAMESPACE, key.namespace ?? '').filter((p) => matchesSelector(pdb.spec?.selector ?? {}, p.metadata.labels ?? {}) && !p.metadata.deletionTimestamp);
        const b = computeBudget(pdb, matching, scaleOf);
        const allowed = b.disruptionsAllowed > 0;
        const cond = b.failure
          ? { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: b.failure }
          : { type: 'DisruptionAllowed', status: allowed ? 'True' : 'False', reason: allowed ? 'SufficientPods' : 'InsufficientPods', message: '' };
        const old = (pdb.status?.conditions ?? []).find((c: { type: string }) => c.type === 'DisruptionAllowed');
        const lastTransitionTime = old && old.status === cond.status ? old.lastTransitionTime : rfc3339(ctx.clock.now());
        const status = {
          observedGeneration: pdb.metadata.generation,
          disruptionsAllowed: b.disruptionsAllowed,
          currentHealthy: b.currentHealthy,
          desiredHealthy: b.desiredHealthy,
          expectedPods: b.expectedPods,
          conditions: [{ ...cond, lastTransitionTime, observedGeneration: pdb.metadata.generation }],
        };
        const cur = pdb.status ?? {};
        const same = (Object.keys(status) as (keyof typeof status)[]).every((k) => JSON.stringify(cur[k]) === JSON.stringify(status[k]));
        if (!same) await client.patchStatus(CoreTypes.PodDisruptionBudget, key, 'merge', { status }).catch(ignoreNotFound);
        return done();
      },
    },
  };
}
