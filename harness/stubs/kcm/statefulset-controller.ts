/**
 * StatefulSet controller stub (kube-controller-manager; Kubernetes docs "StatefulSets", upstream
 * `pkg/controller/statefulset` semantics re-expressed).
 *
 * - Identity: pod `<set>-<ordinal>` for ordinals `spec.ordinals.start` (default 0) … start +
 *   replicas − 1, labelled `statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index` and
 *   `controller-revision-hash` (the revision's name), `spec.hostname` = pod name, `spec.subdomain` =
 *   `spec.serviceName`, controller owner reference to the set (the garbage collector deletes the pods
 *   of a deleted set).
 * - Storage: one PersistentVolumeClaim `<template>-<set>-<ordinal>` per `volumeClaimTemplates` entry,
 *   created before its pod (labels: the template's plus the selector's matchLabels) and mounted as the
 *   pod volume named after the template (replacing a template volume of that name). A pod whose claim
 *   is being deleted is not created. `persistentVolumeClaimRetentionPolicy` (default Retain / Retain):
 *   whenDeleted Delete gives each claim an owner reference to the set, whenScaled Delete gives the
 *   claim of a condemned pod (ordinal out of range) an owner reference to that pod before it is
 *   deleted; the garbage collector does the rest. Claims are never deleted by this controller.
 * - podManagementPolicy OrderedReady (default): ordinals are created in order, each only once every
 *   lower one is Running and Ready (and available for `minReadySeconds`); condemned pods are deleted
 *   one at a time from the highest ordinal, only while every pod in range is healthy and each is
 *   either Ready or the first unhealthy pod. Parallel: all at once, nothing waits.
 * - Pods that finished (Succeeded / Failed) are deleted, and re-created once gone.
 * - Updates (ControllerRevisions, `controller-history.ts`): RollingUpdate (default) deletes, from the
 *   highest ordinal down to `rollingUpdate.partition`, one pod not at the update revision at a time,
 *   waiting for each replaced pod to be healthy; pods below the partition are (re)created at the
 *   current revision. OnDelete: only pods the user deletes come back at the update revision.
 * - Status: replicas, readyReplicas, availableReplicas (Ready for minReadySeconds, requeued until
 *   then), currentReplicas, updatedReplicas, currentRevision, updateRevision, collisionCount,
 *   observedGeneration. A RollingUpdate is complete (currentRevision := updateRevision) once every
 *   pod is updated and Ready; with OnDelete the current revision stays, as upstream.
 * - A set being deleted is left to the garbage collector (status only).
 *
 * Not modelled: `rollingUpdate.maxUnavailable` (alpha/beta feature gate), adoption and release of
 * pods by selector (only pods with the set's controller reference count), identity or storage repair
 * of an existing pod, Events, PVC binding (claims stay Pending: no volume provisioner).
 * Reads come from the informer cache; pods it created or deleted are counted through expectations
 * until the cache shows them, its status writes are read back until the cache catches up.
 */
import type { InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { INDEX_OWNER_UID, ignoreNotFound, isAlreadyExists } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition, ReconcileResult } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { controllerOf, controllerRef, ownerKeys, podReady } from '../owners.ts';
import { PodExpectations } from './expectations.ts';
import { OwnStatusWrites } from './own-writes.ts';
import { availableAtMs } from './pods.ts';
import { REVISION_LABEL, RevisionHistory, revisionTemplate } from './controller-history.ts';

/** apps/v1 StatefulSet. */
export const StatefulSetType = { apiVersion: 'apps/v1', kind: 'StatefulSet' } as const;
/** Pod label with the pod's own name (a selector for one member, e.g. a per-pod Service). */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** Pod label with the pod's ordinal. */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

const MANAGER = 'statefulset-controller';
const ORDINAL = /^(.*)-(\d+)$/;

type Policy = 'Retain' | 'Delete';

/** The ordinal of a pod of `set` (from its name), or -1. */
export function podOrdinal(setName: string, podName: string): number {
  const m = ORDINAL.exec(podName);
  return m && m[1] === setName ? Number(m[2]) : -1;
}

const terminating = (p: KubeObject) => p.metadata.deletionTimestamp !== undefined;
const finished = (p: KubeObject) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** The StatefulSet controller as a runner definition. */
export function statefulSetController(client: KubeClient, cache: InformerCache): ControllerDefinition {
  const pods = cache.informerFor(CoreTypes.Pod);
  const claims = cache.informerFor(CoreTypes.PersistentVolumeClaim);
  const history = new RevisionHistory(client, cache, 'StatefulSet');
  const expectations = new PodExpectations(pods);
  const statusWrites = new OwnStatusWrites();
  /** Claims created, by `ns/name`, until the cache shows them. */
  const createdClaims = new Map<string, KubeObject>();

  const claimOf = (ns: string, name: string): KubeObject | undefined => {
    const k = `${ns}/${name}`;
    const cached = claims.getByKey(k);
    if (cached) createdClaims.delete(k);
    return cached ?? createdClaims.get(k);
  };

  /** The owner references a claim should carry for `pod` under the set's retention policy (upstream updateClaimOwnerRefForSetAndPod). */
  const wantedClaimOwners = (claim: KubeObject, set: KubeObject, pod: KubeObject, inRange: boolean) => {
    const policy = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
    const whenDeleted: Policy = policy.whenDeleted === 'Delete' ? 'Delete' : 'Retain';
    const whenScaled: Policy = policy.whenScaled === 'Delete' ? 'Delete' : 'Retain';
    const setRef = { apiVersion: set.apiVersion, kind: set.kind, name: set.metadata.name, uid: set.metadata.uid! };
    const podRef = { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid! };
    const wantSet = whenDeleted === 'Delete' && (whenScaled === 'Retain' || inRange);
    const wantPod = whenScaled === 'Delete' && !inRange && pod.metadata.uid !== undefined;
    let refs = [...(claim.metadata.ownerReferences ?? [])];
    const has = (uid: string) => refs.some((r) => r.uid === uid);
    if (wantSet && !has(setRef.uid)) refs.push(setRef);
    if (!wantSet) refs = refs.filter((r) => r.uid !== setRef.uid);
    if (wantPod && !has(podRef.uid)) refs.push(podRef);
    if (!wantPod && pod.metadata.uid) refs = refs.filter((r) => r.uid !== podRef.uid);
    return refs;
  };

  const syncClaimOwners = async (set: KubeObject, pod: KubeObject, inRange: boolean) => {
    for (const tpl of (set.spec?.volumeClaimTemplates ?? []) as KubeObject[]) {
      const claim = claimOf(set.metadata.namespace!, `${tpl.metadata.name}-${pod.metadata.name}`);
      if (!claim || terminating(claim)) continue;
      const refs = wantedClaimOwners(claim, set, pod, inRange);
      if (JSON.stringify(refs) === JSON.stringify(claim.metadata.ownerReferences ?? [])) continue;
      const patched = await client
        .patch(CoreTypes.PersistentVolumeClaim, { namespace: claim.metadata.namespace, name: claim.metadata.name }, 'merge', { metadata: { ownerReferences: refs } })
        .catch(ignoreNotFound);
      if (patched) createdClaims.set(`${claim.metadata.namespace}/${claim.metadata.name}`, patched);
    }
  };

  return {
    name: MANAGER,
    primary: StatefulSetType,
    watches: [{ type: CoreTypes.Pod, map: (pod) => ownerKeys(pod, 'StatefulSet') }],
    reconciler: {
      async reconcile(key, ctx): Promise<ReconcileResult> {
        const cached = await cache.get(StatefulSetType, key).catch(ignoreNotFound);
        if (!cached) return done();
        const uid = cached.metadata.uid!;
        const ns = cached.metadata.namespace!;
        const set = statusWrites.read(cached);
        await pods.synced();
        await claims.synced();
        await history.synced();
        const now = ctx.clock.now();
        const spec = set.spec ?? {};
        const replicas: number = spec.replicas ?? 1;
        const start: number = spec.ordinals?.start ?? 0;
        const monotonic = spec.podManagementPolicy !== 'Parallel';
        const rolling = (spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
        const partition: number = rolling ? (spec.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;
        const minReadySeconds: number = spec.minReadySeconds ?? 0;
        const inRange = (ord: number) => ord >= start && ord < start + replicas;

        const revs = await history.sync(set, set.status?.currentRevision, set.status?.collisionCount ?? 0);
        const { update, current } = revs;

        // Owned pods by ordinal: the cache, plus creates it does not show yet; deletes it still shows count as terminating.
        const pending = expectations.pending(uid, ns);
        const byOrdinal = new Map<number, KubeObject>();
        const deletedByUs = new Set<string>(pending.deletes);
        for (const p of pods.byIndex(INDEX_OWNER_UID, uid)) {
          if (p.metadata.namespace !== ns || controllerOf(p, 'StatefulSet')?.uid !== uid) continue;
          const ord = podOrdinal(set.metadata.name, p.metadata.name);
          if (ord >= 0) byOrdinal.set(ord, p);
        }
        for (const p of pending.creates) {
          const ord = podOrdinal(set.metadata.name, p.metadata.name);
          if (ord >= 0 && !byOrdinal.has(ord)) byOrdinal.set(ord, p);
        }
        const isTerminating = (p: KubeObject) => terminating(p) || deletedByUs.has(p.metadata.name);
        const ready = (p: KubeObject) => podReady(p) && !isTerminating(p);
        const availableAt = (p: KubeObject) => (isTerminating(p) ? undefined : availableAtMs(p, minReadySeconds));
        const healthy = (p: KubeObject) => ready(p) && (availableAt(p) ?? Infinity) <= now;
        let wakeAtMs: number | undefined;
        const wakeAt = (at: number | undefined) => {
          if (at !== undefined && at > now) wakeAtMs = wakeAtMs === undefined ? at : Math.min(wakeAtMs, at);
        };
        const deletePod = async (p: KubeObject) => {
          await client.delete(CoreTypes.Pod, { namespace: ns, name: p.metadata.name }).catch(ignoreNotFound);
          expectations.deleted(uid, p.metadata.name);
          deletedByUs.add(p.metadata.name);
        };

        /** Creates the claims and the pod of `ord` at `revision`; false when a claim is being deleted (wait). */
        const createPod = async (ord: number, revision: KubeObject): Promise<boolean> => {
          const name = `${set.metadata.name}-${ord}`;
          const templates = (spec.volumeClaimTemplates ?? []) as KubeObject[];
          for (const tpl of templates) {
            const claimName = `${tpl.metadata.name}-${name}`;
            const existing = claimOf(ns, claimName);
            if (existing && terminating(existing)) return false;
            if (existing) continue;
            const claim: KubeObject = {
              apiVersion: 'v1',
              kind: 'PersistentVolumeClaim',
              metadata: {
                name: claimName,
                namespace: ns,
                labels: { ...(tpl.metadata.labels ?? {}), ...(spec.selector?.matchLabels ?? {}) },
                ...(tpl.metadata.annotations ? { annotations: { ...tpl.metadata.annotations } } : {}),
              },
              spec: structuredClone(tpl.spec ?? {}),
            };
            claim.metadata.ownerReferences = wantedClaimOwners(claim, set, { metadata: { name } } as KubeObject, true);
            if (claim.metadata.ownerReferences.length === 0) delete claim.metadata.ownerReferences;
            try {
              createdClaims.set(`${ns}/${claimName}`, await client.create(claim));
            } catch (err) {
              if (!isAlreadyExists(err)) throw err;
            }
          }
          const template = revisionTemplate(revision);
          const claimVolumes = templates.map((tpl) => ({ name: tpl.metadata.name, persistentVolumeClaim: { claimName: `${tpl.metadata.name}-${name}` } }));
          const volumes = [...claimVolumes, ...((template.spec?.volumes ?? []) as { name: string }[]).filter((v) => !templates.some((t) => t.metadata.name === v.name))];
          const pod: KubeObject = {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: {
              name,
              namespace: ns,
              labels: { ...(template.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ord), [REVISION_LABEL]: revision.metadata.name },
              ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
              ownerReferences: [controllerRef(set)],
            },
            spec: {
              ...(template.spec ?? {}),
              ...(volumes.length > 0 ? { volumes } : {}),
              hostname: name,
              ...(spec.serviceName ? { subdomain: spec.serviceName } : {}),
            },
          };
          try {
            const created = await client.create<KubeObject>(pod);
            expectations.created(uid, created);
            byOrdinal.set(ord, created);
          } catch (err) {
            if (!isAlreadyExists(err)) throw err; // the cache lags a pod of ours: seen on the next event
          }
          return true;
        };

        if (!set.metadata.deletionTimestamp) {
          let blocked = false;
          // 1. Ordinals in range, lowest first.
          for (let ord = start; ord < start + replicas && !blocked; ord++) {
            const pod = byOrdinal.get(ord);
            if (pod && !isTerminating(pod) && finished(pod)) {
              await deletePod(pod); // re-created once it is gone
              if (monotonic) blocked = true;
              continue;
            }
            if (!pod) {
              const revision = rolling && ord - start < partition ? current : update;
              await createPod(ord, revision); // false (a claim being deleted): this ordinal waits
              if (monotonic) blocked = true;
              continue;
            }
            if (isTerminating(pod)) {
              if (monotonic) blocked = true;
              continue;
            }
            await syncClaimOwners(set, pod, true);
            if (monotonic && !healthy(pod)) {
              if (ready(pod)) wakeAt(availableAt(pod));
              blocked = true;
            }
          }
          // 2. Condemned pods (out of range), highest ordinal first.
          const condemned = [...byOrdinal.entries()].filter(([ord]) => !inRange(ord)).sort((a, b) => b[0] - a[0]);
          if (!blocked) {
            const inOrder = [...[...byOrdinal.entries()].filter(([ord]) => inRange(ord)).sort((a, b) => a[0] - b[0]), ...[...condemned].reverse()];
            const firstUnhealthy = inOrder.find(([, p]) => !ready(p) || isTerminating(p))?.[1];
            for (const [, pod] of condemned) {
              if (isTerminating(pod)) {
                if (monotonic) {
                  blocked = true;
                  break;
                }
                continue;
              }
              if (monotonic && !ready(pod) && pod !== firstUnhealthy) {
                blocked = true;
                break;
              }
              await syncClaimOwners(set, pod, false);
              await deletePod(pod);
              if (monotonic) {
                blocked = true;
                break;
              }
            }
          }
          // 3. RollingUpdate: replace the highest-ordinal pod not at the update revision, down to the partition.
          if (!blocked && rolling) {
            for (let ord = start + replicas - 1; ord >= start + partition; ord--) {
              const pod = byOrdinal.get(ord);
              if (pod && pod.metadata.labels?.[REVISION_LABEL] !== update.metadata.name && !isTerminating(pod)) {
                await deletePod(pod);
                break;
              }
              if (!pod || !healthy(pod)) {
                if (pod && ready(pod)) wakeAt(availableAt(pod));
                break;
              }
            }
          }
        }

        // Status (upstream computeReplicaStatus), over every owned pod.
        let count = 0;
        let readyReplicas = 0;
        let availableReplicas = 0;
        let currentReplicas = 0;
        let updatedReplicas = 0;
        for (const p of byOrdinal.values()) {
          count++;
          if (ready(p)) {
            readyReplicas++;
            const at = availableAt(p);
            if (at !== undefined && at <= now) availableReplicas++;
            else wakeAt(at);
          }
          if (!isTerminating(p)) {
            if (p.metadata.labels?.[REVISION_LABEL] === current.metadata.name) currentReplicas++;
            if (p.metadata.labels?.[REVISION_LABEL] === update.metadata.name) updatedReplicas++;
          }
        }
        let currentRevision = current.metadata.name;
        if (rolling && updatedReplicas === count && readyReplicas === count) {
          currentReplicas = updatedReplicas;
          currentRevision = update.metadata.name;
        }
        const status: Record<string, unknown> = {
          observedGeneration: set.metadata.generation,
          replicas: count,
          readyReplicas,
          currentReplicas,
          updatedReplicas,
          availableReplicas,
          currentRevision,
          updateRevision: update.metadata.name,
          collisionCount: revs.collisionCount,
        };
        const live = new Set([currentRevision, update.metadata.name, ...[...byOrdinal.values()].map((p) => p.metadata.labels?.[REVISION_LABEL] as string)]);
        await history.truncate(revs.revisions, live, spec.revisionHistoryLimit ?? 10);
        if (Object.keys(status).some((k) => JSON.stringify(set.status?.[k]) !== JSON.stringify(status[k]))) {
          statusWrites.wrote(await client.patchStatus(StatefulSetType, key, 'merge', { status }).catch(ignoreNotFound));
        }
        return wakeAtMs === undefined ? done() : requeueAfter(Math.max(1, wakeAtMs - now));
      },
    },
  };
}
