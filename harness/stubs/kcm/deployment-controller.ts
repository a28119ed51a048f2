/**
 * Deployment controller stub (kube-controller-manager; Kubernetes docs "Deployments"): one
 * ReplicaSet per pod template, named `<deployment>-<hash>` and labelled `pod-template-hash`, carrying
 * `deployment.kubernetes.io/revision` (max of the old ones + 1, copied to the Deployment),
 * `desired-replicas` and `max-replicas`.
 *
 * Strategies:
 * - RollingUpdate (default): `maxSurge` (default 25%, percentages round up) and `maxUnavailable`
 *   (default 25%, round down; both resolving to 0 gives maxUnavailable 1, the upstream fencepost).
 *   The new ReplicaSet grows while all ReplicaSets together stay within replicas + maxSurge; old
 *   ones shrink (oldest first, unhealthy replicas first) while at least replicas − maxUnavailable pods
 *   stay available. A pod is available once Ready for `minReadySeconds` (its Ready condition's
 *   lastTransitionTime), counted from the pod cache and capped at each ReplicaSet's spec.replicas.
 * - Recreate: old ReplicaSets to zero, wait until none of their pods is left (Pod events re-trigger),
 *   then the new one at full size.
 *
 * Old ReplicaSets at zero beyond `revisionHistoryLimit` (default 10) are deleted, lowest revision
 * first, once the rollout is complete. Status: replicas, updatedReplicas, readyReplicas,
 * availableReplicas, unavailableReplicas, observedGeneration and conditions Available
 * (MinimumReplicasAvailable / MinimumReplicasUnavailable) and Progressing (NewReplicaSetCreated,
 * ReplicaSetUpdated, NewReplicaSetAvailable; False ProgressDeadlineExceeded once no progress was made
 * for `progressDeadlineSeconds`, default 600, requeued for that instant). Scaling during a rollout
 * keeps correct totals (no proportional scaling). `spec.paused`: no new ReplicaSet while paused, the
 * newest one absorbs scaling, Progressing Unknown DeploymentPaused, then DeploymentResumed.
 *
 * Reads come from the informer cache (owned ReplicaSets through the owner-uid index). The cache lags
 * the controller's own writes, so each ReplicaSet this controller wrote is read as the write returned
 * it until the cache catches up. A ReplicaSet change enqueues its controlling Deployment; a Pod change
 * does so only for a Recreate Deployment.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { InformerCache, KubeClient, KubeObject, ObjectKey } from '../../../fake-apiserver/api/index.ts';
import { ownerSubject } from '../events.ts';
import type { EventRecorder } from '../events.ts';
import { INDEX_OWNER_UID, ignoreNotFound, isAlreadyExists, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition, ReconcileResult } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { controllerOf, controllerRef, ownerKeys } from '../owners.ts';
import { countAvailable, podActive } from './pods.ts';

const MANAGER = 'deployment-controller';
/** Annotation of the rollout revision on Deployments and ReplicaSets. */
export const REVISION = 'deployment.kubernetes.io/revision';
const DESIRED = 'deployment.kubernetes.io/desired-replicas';
const MAX = 'deployment.kubernetes.io/max-replicas';
const POD_TEMPLATE_HASH = 'pod-template-hash';

/** Hashes of frozen templates (stored objects are deep-frozen, so a template's hash never changes): one hash per stored version. */
const templateHashes = new WeakMap<object, string>();

/** 10-hex hash of a pod template (stable across runs: it is content-derived). */
export function podTemplateHash(template: unknown): string {
  const frozen = typeof template === 'object' && template !== null && Object.isFrozen(template);
  const known = frozen ? templateHashes.get(template) : undefined;
  if (known !== undefined) return known;
  const hash = createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10);
  if (frozen) templateHashes.set(template, hash);
  return hash;
}

/**
 * Whether two pod templates are equal once the `pod-template-hash` label is dropped from both (upstream
 * deployment util `EqualIgnoreHash`; key order ignored).
 */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  const strip = (t: unknown): unknown => {
    if (typeof t !== 'object' || t === null) return t;
    const tpl = t as { metadata?: { labels?: Record<string, string> } };
    const labels = { ...(tpl.metadata?.labels ?? {}) };
    delete labels[POD_TEMPLATE_HASH];
    return { ...tpl, metadata: { ...(tpl.metadata ?? {}), labels } };
  };
  return isDeepStrictEqual(strip(a), strip(b));
}

/**
 * An IntOrString (`3` or `"25%"`) against `total`: percentages round up when `roundUp`, else down.
 * @throws Error for a string that is neither an integer nor a percentage.
 */
export function scaledValue(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (m) return (roundUp ? Math.ceil : Math.floor)((Number(m[1]) * total) / 100);
  if (/^\d+$/.test(v)) return Number(v);
  throw new Error(`invalid value for IntOrString: ${JSON.stringify(v)}`);
}

/** maxSurge and maxUnavailable of a Deployment resolved against spec.replicas (Recreate: 0 and 0). */
export function rolloutBounds(dep: KubeObject): { maxSurge: number; maxUnavailable: number } {
  if ((dep.spec?.strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return { maxSurge: 0, maxUnavailable: 0 };
  const replicas = dep.spec?.replicas ?? 1;
  const ru = dep.spec?.strategy?.rollingUpdate ?? {};
  const maxSurge = scaledValue(ru.maxSurge ?? '25%', replicas, true);
  let maxUnavailable = scaledValue(ru.maxUnavailable ?? '25%', replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, replicas) };
}

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

const revisionOf = (rs: KubeObject): number => Number(rs.metadata.annotations?.[REVISION] ?? '0') || 0;
const specReplicas = (rs: KubeObject): number => rs.spec?.replicas ?? 0;
const byAge = (a: KubeObject, b: KubeObject): number =>
  (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name);

/** The Deployment controller as a runner definition. */
export function deploymentController(client: KubeClient, cache: InformerCache, recorder?: EventRecorder): ControllerDefinition {
  const replicaSets = cache.informerFor(CoreTypes.ReplicaSet);
  const pods = cache.informerFor(CoreTypes.Pod);
  /** ReplicaSets as this controller's last write returned them (`ns/name`), until the cache catches up. */
  const written = new Map<string, KubeObject>();
  /** ReplicaSets this controller deleted (`ns/name` → uid) until the cache drops them. */
  const deleted = new Map<string, string>();
  const rsKey = (rs: KubeObject) => `${rs.metadata.namespace}/${rs.metadata.name}`;
  const record = (rs: KubeObject): KubeObject => (written.set(rsKey(rs), rs), rs);

  /** The ReplicaSets `dep` controls, each at its newest known state. */
  const ownedReplicaSets = (dep: KubeObject): KubeObject[] => {
    const ns = dep.metadata.namespace;
    const uid = dep.metadata.uid!;
    const cacheRv = Number(replicaSets.lastResourceVersion() || '0');
    const out = new Map<string, KubeObject>();
    for (const rs of replicaSets.byIndex(INDEX_OWNER_UID, uid)) {
      if (rs.metadata.namespace !== ns || controllerOf(rs, 'Deployment')?.uid !== uid) continue;
      const k = rsKey(rs);
      if (deleted.get(k) === rs.metadata.uid) continue;
      const w = written.get(k);
      if (w && w.metadata.uid === rs.metadata.uid && Number(w.metadata.resourceVersion) > Number(rs.metadata.resourceVersion)) out.set(k, w);
      else {
        if (w) written.delete(k);
        out.set(k, rs);
      }
    }
    for (const [k, uidGone] of deleted) if (!replicaSets.getByKey(k) || replicaSets.getByKey(k)!.metadata.uid !== uidGone) deleted.delete(k);
    for (const [k, w] of written) {
      if (out.has(k) || w.metadata.namespace !== ns || controllerOf(w, 'Deployment')?.uid !== uid) continue;
      if (cacheRv >= Number(w.metadata.resourceVersion) || deleted.has(k)) written.delete(k); // the cache saw it and it is gone since
      else out.set(k, w); // created, not yet in the cache
    }
    return [...out.values()].sort(byAge);
  };

  /** Pods of `rs` that count (cache; active ones). */
  const activePodsOf = (rs: KubeObject) => pods.byIndex(INDEX_OWNER_UID, rs.metadata.uid!).filter((p) => p.metadata.namespace === rs.metadata.namespace && podActive(p));

  const scale = async (rs: KubeObject, replicas: number, annotations: Record<string, string>): Promise<KubeObject> => {
    const key = { namespace: rs.metadata.namespace, name: rs.metadata.name };
    const cur = await client.patch(CoreTypes.ReplicaSet, key, 'merge', { metadata: { annotations }, spec: { replicas } }).catch(ignoreNotFound);
    const from = specReplicas(rs);
    const owner = cur && from !== replicas ? controllerOf(cur, 'Deployment') : undefined;
    if (owner) await recorder?.event(ownerSubject(owner, key.namespace), 'Normal', 'ScalingReplicaSet', `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${replicas}`);
    return cur ? record(cur) : rs;
  };

  return {
    name: MANAGER,
    primary: CoreTypes.Deployment,
    watches: [
      { type: CoreTypes.ReplicaSet, map: (rs) => ownerKeys(rs, 'Deployment') },
      {
        type: CoreTypes.Pod,
        map: (pod): ObjectKey[] => {
          const rsRef = controllerOf(pod, 'ReplicaSet');
          const rs = rsRef && replicaSets.getByKey(`${pod.metadata.namespace}/${rsRef.name}`);
          const keys = rs ? ownerKeys(rs, 'Deployment') : [];
          const dep = keys[0] && cache.informerFor(CoreTypes.Deployment).getByKey(`${keys[0].namespace}/${keys[0].name}`);
          return dep?.spec?.strategy?.type === 'Recreate' ? keys : [];
        },
      },
    ],
    reconciler: {
      async reconcile(key, ctx): Promise<ReconcileResult> {
        const dep = await cache.get(CoreTypes.Deployment, key).catch(ignoreNotFound);
        if (!dep || dep.metadata.deletionTimestamp) return done();
        await replicaSets.synced();
        await pods.synced();
        const now = ctx.clock.now();
        const ns = dep.metadata.namespace!;
        const replicas = dep.spec.replicas ?? 1;
        const recreate = dep.spec.strategy?.type === 'Recreate';
        const { maxSurge, maxUnavailable } = rolloutBounds(dep);
        const minReadySeconds = dep.spec.minReadySeconds ?? 0;
        const hash = podTemplateHash(dep.spec.template);
        const newName = `${dep.metadata.name}-${hash}`;
        const all = ownedReplicaSets(dep);
        // The new ReplicaSet is the one whose template equals the Deployment's but for the hash label (upstream
        // FindNewReplicaSet / EqualIgnoreHash): a rollback (`rollout undo`) reuses the old revision's ReplicaSet
        // even when the template comes back with its keys in another order (a different content hash).
        let newRs = all.find((rs) => rs.metadata.name === newName) ?? all.find((rs) => equalIgnoreHash(rs.spec?.template, dep.spec.template));
        const olds = all.filter((rs) => rs !== newRs);
        const maxOldRevision = olds.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
        const annotations = { [DESIRED]: String(replicas), [MAX]: String(replicas + maxSurge) };
        const byName = new Map(all.map((rs) => [rs.metadata.name, rs]));
        const cur = (rs: KubeObject) => byName.get(rs.metadata.name) ?? rs;
        const set = (rs: KubeObject) => (byName.set(rs.metadata.name, rs), rs);
        const available = (rs: KubeObject) => Math.min(countAvailable(activePodsOf(rs), minReadySeconds, now).available, specReplicas(cur(rs)));
        const sum = (rss: KubeObject[], f: (rs: KubeObject) => number) => rss.reduce((n, rs) => n + f(cur(rs)), 0);
        let createdNew = false;

        const ensureNew = async (initial: number): Promise<KubeObject> => {
          if (newRs) {
            // An old template coming back (rollback) takes the next revision; minReadySeconds follows the Deployment.
            const revision = revisionOf(newRs) <= maxOldRevision ? maxOldRevision + 1 : revisionOf(newRs);
            if (revisionOf(newRs) !== revision || (newRs.spec.minReadySeconds ?? 0) !== minReadySeconds) {
              const patched = await client
                .patch(CoreTypes.ReplicaSet, { namespace: ns, name: newRs.metadata.name }, 'merge', { metadata: { annotations: { [REVISION]: String(revision) } }, spec: { minReadySeconds } })
                .catch(ignoreNotFound);
              if (patched) newRs = set(record(patched));
            }
            return newRs;
          }
          const labels = { ...(dep.spec.template?.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash };
          const rs: KubeObject = {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            metadata: { name: newName, namespace: ns, labels, ownerReferences: [controllerRef(dep)], annotations: { ...annotations, [REVISION]: String(maxOldRevision + 1) } },
            spec: {
              replicas: initial,
              minReadySeconds,
              selector: { matchLabels: { ...(dep.spec.selector?.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash } },
              template: { ...dep.spec.template, metadata: { ...(dep.spec.template?.metadata ?? {}), labels } },
            },
          };
          try {
            newRs = set(record(await client.create(rs, { fieldManager: MANAGER })));
            createdNew = true;
            if (initial > 0) await recorder?.event(dep, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${newName} from 0 to ${initial}`);
          } catch (err) {
            if (!isAlreadyExists(err)) throw err;
            newRs = set(record(await client.get(CoreTypes.ReplicaSet, { namespace: ns, name: newName }))); // the cache had not seen it yet
          }
          return newRs;
        };

        const paused = dep.spec.paused === true;
        if (paused) {
          // Paused: no new ReplicaSet for a changed template; only the newest ReplicaSet absorbs a change of spec.replicas.
          const target = newRs ?? [...all].reverse().find((rs) => specReplicas(cur(rs)) > 0) ?? all.at(-1);
          if (target) {
            const want = Math.max(0, replicas - sum(all.filter((rs) => rs !== target), specReplicas));
            if (want !== specReplicas(cur(target))) set(await scale(cur(target), want, annotations));
          }
        } else if (recreate) {
          for (const rs of olds) if (specReplicas(cur(rs)) > 0) set(await scale(cur(rs), 0, annotations));
          const oldPodsLeft = olds.some((rs) => pods.byIndex(INDEX_OWNER_UID, rs.metadata.uid!).some((p) => p.metadata.namespace === ns && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed'));
          if (!oldPodsLeft) {
            const rs = await ensureNew(replicas);
            if (specReplicas(cur(rs)) !== replicas) set(await scale(cur(rs), replicas, annotations));
          }
        } else {
          // Scale up the new ReplicaSet within replicas + maxSurge (upstream NewRSNewReplicas).
          const maxTotal = replicas + maxSurge;
          const others = sum(olds, specReplicas);
          const rs = await ensureNew(Math.max(0, Math.min(maxTotal - others, replicas)));
          const have = specReplicas(cur(rs));
          let want = have;
          if (have > replicas) want = replicas;
          else if (have < replicas) {
            const total = others + have;
            if (total < maxTotal) want = have + Math.min(maxTotal - total, replicas - have);
          }
          if (want !== have) set(await scale(cur(rs), want, annotations));
          else if (sum(olds, specReplicas) > 0) {
            // Scale down old ReplicaSets while replicas − maxUnavailable pods stay available.
            const minAvailable = replicas - maxUnavailable;
            const newUnavailable = specReplicas(cur(rs)) - available(cur(rs));
            const maxScaledDown = sum(all, specReplicas) - minAvailable - newUnavailable;
            if (maxScaledDown > 0) {
              let cleaned = 0;
              for (const old of olds) {
                const unhealthy = specReplicas(cur(old)) - available(cur(old));
                if (cleaned >= maxScaledDown || unhealthy <= 0) continue;
                const down = Math.min(maxScaledDown - cleaned, unhealthy);
                set(await scale(cur(old), specReplicas(cur(old)) - down, annotations));
                cleaned += down;
              }
              let budget = sum([...olds, rs], available) - minAvailable;
              for (const old of olds) {
                if (budget <= 0) break;
                const down = Math.min(specReplicas(cur(old)), budget);
                if (down === 0) continue;
                set(await scale(cur(old), specReplicas(cur(old)) - down, annotations));
                budget -= down;
              }
            }
          }
        }

        // Status, from the ReplicaSets' statuses (as upstream calculateStatus).
        const allNow = [...byName.values()];
        const st = (f: string) => allNow.reduce((n, rs) => n + (rs.status?.[f] ?? 0), 0);
        const newNow = newRs ? cur(newRs) : undefined;
        const availableReplicas = st('availableReplicas');
        const status: Record<string, unknown> = {
          observedGeneration: dep.metadata.generation,
          replicas: st('replicas'),
          updatedReplicas: newNow?.status?.replicas ?? 0,
          readyReplicas: st('readyReplicas'),
          availableReplicas,
          unavailableReplicas: Math.max(0, sum(allNow, specReplicas) - availableReplicas),
        };
        const stamp = rfc3339(now);
        const prev = (dep.status?.conditions ?? []) as Condition[];
        const conditions = new Map(prev.map((c) => [c.type, c]));
        const put = (c: Condition, refreshUpdateTime: boolean) => {
          const old = conditions.get(c.type);
          const same = old && old.status === c.status;
          if (same && old.reason === c.reason && old.message === c.message && !refreshUpdateTime) return;
          conditions.set(c.type, { ...c, lastUpdateTime: stamp, lastTransitionTime: same ? old.lastTransitionTime : stamp });
        };
        const minOk = availableReplicas >= replicas - maxUnavailable;
        put(
          minOk
            ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
            : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
          false,
        );
        const rsName = newNow?.metadata.name ?? newName;
        const wasPaused = conditions.get('Progressing')?.reason === 'DeploymentPaused';
        if (paused) put({ type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' }, false);
        else if (wasPaused) put({ type: 'Progressing', status: 'Unknown', reason: 'DeploymentResumed', message: 'Deployment is resumed' }, true);
        if (createdNew) put({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${rsName}"` }, true);
        const complete = status.updatedReplicas === replicas && status.replicas === replicas && availableReplicas === replicas;
        const old = (dep.status ?? {}) as Record<string, number>;
        const progressed =
          (status.updatedReplicas as number) > (old.updatedReplicas ?? 0) ||
          (status.replicas as number) - (status.updatedReplicas as number) < (old.replicas ?? 0) - (old.updatedReplicas ?? 0) ||
          (status.readyReplicas as number) > (old.readyReplicas ?? 0) ||
          availableReplicas > (old.availableReplicas ?? 0);
        const deadlineMs = (dep.spec.progressDeadlineSeconds ?? 600) * 1000;
        let result = done();
        if (paused) {
          // the paused condition stands; no progress deadline while paused
        } else if (complete) put({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` }, false);
        else if (progressed && !createdNew) put({ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` }, true);
        const prog = conditions.get('Progressing');
        // A finished rollout (NewReplicaSetAvailable) never times out; a paused one is not timed (upstream DeploymentTimedOut).
        if (!complete && !paused && prog && prog.status === 'True' && prog.reason !== 'NewReplicaSetAvailable') {
          const leftMs = Date.parse(prog.lastUpdateTime ?? stamp) + deadlineMs - now;
          if (leftMs < 0) put({ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` }, true);
          else result = requeueAfter(leftMs + 1000);
        }
        status.conditions = [...conditions.values()];

        if (complete) {
          // revisionHistoryLimit: delete the oldest idle ReplicaSets beyond the limit.
          const idle = olds.map(cur).filter((rs) => specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp);
          const excess = idle.length - (dep.spec.revisionHistoryLimit ?? 10);
          for (const rs of idle.sort((a, b) => revisionOf(a) - revisionOf(b)).slice(0, Math.max(0, excess))) {
            await client.delete(CoreTypes.ReplicaSet, { namespace: ns, name: rs.metadata.name }).catch(ignoreNotFound);
            deleted.set(rsKey(rs), rs.metadata.uid!);
          }
        }
        const revision = newNow ? String(revisionOf(newNow)) : undefined;
        if (revision && dep.metadata.annotations?.[REVISION] !== revision) {
          await client.patch(CoreTypes.Deployment, key, 'merge', { metadata: { annotations: { [REVISION]: revision } } }).catch(ignoreNotFound);
        }
        if (JSON.stringify(dep.status ?? {}) !== JSON.stringify(status)) {
          await client.patchStatus(CoreTypes.Deployment, key, 'merge', { status }).catch(ignoreNotFound);
        }
        return result;
      },
    },
  };
}
