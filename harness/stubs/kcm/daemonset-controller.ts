/**
 * DaemonSet controller stub (kube-controller-manager; Kubernetes docs "DaemonSet" and "Perform a
 * Rolling Update on a DaemonSet", upstream `pkg/controller/daemon` semantics re-expressed).
 *
 * - Which nodes (upstream `NodeShouldRunDaemonPod`): `spec.template.spec.nodeName` if set, the
 *   template's nodeSelector and required node affinity, and the node's NoSchedule / NoExecute taints
 *   against the template's tolerations plus the ones every daemon pod gets
 *   ({@link daemonPodTolerations}). A node whose only untolerated taints are NoSchedule keeps a pod
 *   already there; an untolerated NoExecute taint or a selector that stops matching removes it.
 *   Fit uses the scheduler's predicates (`../scheduler/fit.ts`); resources are the scheduler's
 *   business (a daemon pod that does not fit stays Pending with FailedScheduling, as upstream).
 * - Pods: generateName `<ds>-`, the template's labels plus `controller-revision-hash`, controller
 *   owner reference (the garbage collector deletes the pods of a deleted DaemonSet), the automatic
 *   tolerations, and pinned to their node by node affinity `matchFields metadata.name In [<node>]`
 *   replacing the template's required terms (upstream `ReplaceDaemonSetPodNodeNameNodeAffinity`): the
 *   default scheduler binds them, not `spec.nodeName`. A node with no pod gets one; failed pods are
 *   deleted (and replaced); surplus pods on a node go, oldest kept. Nodes joining or leaving are
 *   followed through a Node watch; the pods of a node that no longer exists are deleted (what the pod
 *   garbage collector does upstream).
 * - Updates over ControllerRevisions (`controller-history.ts`), pods matched by hash.
 *   RollingUpdate (default) with `maxUnavailable` (default 1) and `maxSurge` (default 0), both
 *   IntOrString against the number of nodes that should run a pod, percentages rounded up, both 0
 *   giving maxUnavailable 1. Without surge: old pods are deleted (unavailable ones first, then up to
 *   maxUnavailable minus the unavailable count) and re-created on the next pass; with surge: a new pod
 *   is started beside an old one (unavailable old ones first, then up to maxSurge), and the old pod is
 *   deleted once the new one is available. OnDelete: only deleted pods come back updated. Rolling
 *   steps wait until the cache shows this controller's earlier creates and deletes (expectations).
 * - Status: desiredNumberScheduled, currentNumberScheduled, numberMisscheduled, numberReady,
 *   numberAvailable (Ready for minReadySeconds, requeued until then), numberUnavailable,
 *   updatedNumberScheduled, observedGeneration, collisionCount — counted on the oldest pod of each
 *   node, as upstream.
 *
 * A failed pod is replaced at most once per back-off period per node (1 s, doubling to 15 min; reset
 * after twice the maximum without failures), as upstream's failedPodsBackoff.
 *
 * Not modelled: adoption of orphan pods
 * by selector, the `pod-template-generation` label (the API server sets no template-generation
 * annotation), Events.
 */
import type { InformerCache, KubeClient, KubeObject, ObjectKey } from '../../../fake-apiserver/api/index.ts';
import { INDEX_OWNER_UID, ignoreNotFound } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition, ReconcileResult } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { controllerOf, controllerRef, ownerKeys, podReady } from '../owners.ts';
import { firstUntoleratedTaint, matchesNodeAffinity } from '../scheduler/fit.ts';
import type { Taint, Toleration } from '../scheduler/fit.ts';
import { PodExpectations } from './expectations.ts';
import { OwnStatusWrites } from './own-writes.ts';
import { availableAtMs } from './pods.ts';
import { scaledValue } from './deployment-controller.ts';
import { HASH_LABEL, REVISION_LABEL, RevisionHistory } from './controller-history.ts';

/** apps/v1 DaemonSet. */
export const DaemonSetType = { apiVersion: 'apps/v1', kind: 'DaemonSet' } as const;

const MANAGER = 'daemonset-controller';
/** Upstream failed-pod back-off bounds. @unit ms */
const FAILED_BACKOFF_INITIAL_MS = 1_000;
const FAILED_BACKOFF_MAX_MS = 15 * 60_000;

/**
 * The template's tolerations plus those upstream adds to every daemon pod
 * (`AddOrUpdateDaemonPodTolerations`): `node.kubernetes.io/not-ready` and `unreachable` NoExecute,
 * `disk-pressure`, `memory-pressure`, `pid-pressure` and `unschedulable` NoSchedule, and
 * `network-unavailable` NoSchedule for a hostNetwork pod; each operator Exists without
 * tolerationSeconds, replacing a toleration of the same key, operator, value and effect.
 */
export function daemonPodTolerations(podSpec: { tolerations?: Toleration[]; hostNetwork?: boolean } | undefined): Toleration[] {
  let out = [...(podSpec?.tolerations ?? [])];
  const add = (key: string, effect: string) => {
    const t: Toleration = { key: `node.kubernetes.io/${key}`, operator: 'Exists', effect };
    // A toleration matching in key, operator, value and effect is replaced (upstream AddOrUpdateTolerationInPodSpec).
    const same = (o: Toleration) => o.key === t.key && (o.operator ?? 'Equal') === t.operator && (o.value ?? '') === '' && o.effect === effect;
    out = [...out.filter((o) => !same(o)), t];
  };
  add('not-ready', 'NoExecute');
  add('unreachable', 'NoExecute');
  add('disk-pressure', 'NoSchedule');
  add('memory-pressure', 'NoSchedule');
  add('pid-pressure', 'NoSchedule');
  add('unschedulable', 'NoSchedule');
  if (podSpec?.hostNetwork) add('network-unavailable', 'NoSchedule');
  return out;
}

/** Whether `ds` should run a pod on `node`, and whether a pod already there may stay (upstream NodeShouldRunDaemonPod). */
export function nodeShouldRunDaemonPod(ds: KubeObject, node: KubeObject): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = ds.spec?.template?.spec ?? {};
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: '' }, spec: { ...spec, tolerations: daemonPodTolerations(spec) } };
  if (!matchesNodeAffinity(pod, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = (node.spec?.taints ?? []) as Taint[];
  if (firstUntoleratedTaint(taints, pod.spec.tolerations)) {
    return { shouldRun: false, shouldContinueRunning: !firstUntoleratedTaint(taints, pod.spec.tolerations, ['NoExecute']) };
  }
  // spec.unschedulable is the scheduler's concern: daemon pods tolerate node.kubernetes.io/unschedulable.
  return { shouldRun: true, shouldContinueRunning: true };
}

/** The node a daemon pod is for: `spec.nodeName`, else the `metadata.name` its node affinity pins (upstream GetTargetNodeName). */
export function targetNodeName(pod: KubeObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = (pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) as { matchFields?: { key: string; operator: string; values?: string[] }[] }[];
  for (const t of terms) for (const f of t.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  return undefined;
}

/** `affinity` with its required node affinity replaced by the one term `matchFields metadata.name In [node]`. */
function pinnedAffinity(affinity: { nodeAffinity?: Record<string, unknown> } | undefined, node: string): Record<string, unknown> {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] };
  return { ...(affinity ?? {}), nodeAffinity: { ...(affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required } };
}

const terminating = (p: KubeObject) => p.metadata.deletionTimestamp !== undefined;
const byAge = (a: KubeObject, b: KubeObject) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name);

/** The DaemonSet controller as a runner definition. */
export function daemonSetController(client: KubeClient, cache: InformerCache): ControllerDefinition {
  const pods = cache.informerFor(CoreTypes.Pod);
  const nodes = cache.informerFor(CoreTypes.Node);
  const daemonSets = cache.informerFor(DaemonSetType);
  const history = new RevisionHistory(client, cache, 'DaemonSet');
  const expectations = new PodExpectations(pods);
  const statusWrites = new OwnStatusWrites();
  /** Failed-pod back-off per `<ds uid>/<node>` (upstream failedPodsBackoff, client-go flowcontrol.Backoff): simulated ms. */
  const failedBackoff = new Map<string, { lastMs: number; delayMs: number }>();
  const allKeys = (): ObjectKey[] => daemonSets.items().map((d) => ({ namespace: d.metadata.namespace, name: d.metadata.name }));

  return {
    name: MANAGER,
    primary: DaemonSetType,
    watches: [
      { type: CoreTypes.Pod, map: (pod) => ownerKeys(pod, 'DaemonSet') },
      { type: CoreTypes.Node, map: () => allKeys() },
    ],
    reconciler: {
      async reconcile(key, ctx): Promise<ReconcileResult> {
        const cached = await cache.get(DaemonSetType, key).catch(ignoreNotFound);
        if (!cached) return done();
        const uid = cached.metadata.uid!;
        const ns = cached.metadata.namespace!;
        const ds = statusWrites.read(cached);
        await pods.synced();
        await nodes.synced();
        await history.synced();
        const now = ctx.clock.now();
        const minReadySeconds: number = ds.spec?.minReadySeconds ?? 0;
        const revs = await history.sync(ds, undefined, ds.status?.collisionCount ?? 0);
        const hash: string = revs.update.metadata.labels?.[HASH_LABEL] ?? '';
        const template = ds.spec?.template ?? {};

        // Owned pods by target node (cache plus expectations).
        const pending = expectations.pending(uid, ns);
        const owned = new Map<string, KubeObject>();
        for (const p of pods.byIndex(INDEX_OWNER_UID, uid)) if (p.metadata.namespace === ns && controllerOf(p, 'DaemonSet')?.uid === uid) owned.set(p.metadata.name, p);
        for (const p of pending.creates) if (!owned.has(p.metadata.name)) owned.set(p.metadata.name, p);
        const deletedByUs = new Set(pending.deletes);
        const isTerminating = (p: KubeObject) => terminating(p) || deletedByUs.has(p.metadata.name);
        const byNode = () => {
          const m = new Map<string, KubeObject[]>();
          for (const p of owned.values()) {
            const n = targetNodeName(p);
            if (n !== undefined) m.set(n, [...(m.get(n) ?? []), p]);
          }
          return m;
        };
        const nodeList = nodes.items();
        const nodeNames = new Set(nodeList.map((n) => n.metadata.name));
        let wrote = false;
        const create = async (node: string) => {
          const created = await client.create<KubeObject>({
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: {
              name: '',
              generateName: `${ds.metadata.name}-`,
              namespace: ns,
              labels: { ...(template.metadata?.labels ?? {}), [REVISION_LABEL]: hash },
              ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
              ownerReferences: [controllerRef(ds)],
            },
            spec: { ...(template.spec ?? {}), tolerations: daemonPodTolerations(template.spec), affinity: pinnedAffinity(template.spec?.affinity, node) },
          });
          expectations.created(uid, created);
          owned.set(created.metadata.name, created);
          wrote = true;
        };
        const remove = async (p: KubeObject) => {
          await client.delete(CoreTypes.Pod, { namespace: ns, name: p.metadata.name }).catch(ignoreNotFound);
          expectations.deleted(uid, p.metadata.name);
          deletedByUs.add(p.metadata.name);
          wrote = true;
        };
        let wakeAtMs: number | undefined;
        const wakeAt = (at: number) => {
          if (at > now) wakeAtMs = wakeAtMs === undefined ? at : Math.min(wakeAtMs, at);
        };
        const available = (p: KubeObject) => !isTerminating(p) && (availableAtMs(p, minReadySeconds) ?? Infinity) <= now;
        const surge = (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' ? ds.spec?.updateStrategy?.rollingUpdate?.maxSurge : undefined;
        const allowsSurge = surge !== undefined && surge !== 0 && surge !== '0%';

        if (!ds.metadata.deletionTimestamp) {
          // manage: one pod on each node that should run one (upstream podsShouldBeOnNode).
          const pinned = byNode();
          for (const node of nodeList) {
            const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(ds, node);
            const here = pinned.get(node.metadata.name) ?? [];
            if (shouldRun && here.length === 0) await create(node.metadata.name);
            else if (shouldContinueRunning) {
              const running: KubeObject[] = [];
              for (const p of here) {
                if (isTerminating(p)) continue;
                if (p.status?.phase !== 'Failed') {
                  running.push(p);
                  continue;
                }
                // A failed pod is deleted (and replaced) at most once per back-off period on its node: 1 s doubling to 15 min.
                const bk = `${uid}/${node.metadata.name}`;
                const b = failedBackoff.get(bk);
                if (b && now - b.lastMs < b.delayMs) {
                  wakeAt(b.lastMs + b.delayMs);
                  continue;
                }
                const expired = !b || now - b.lastMs > 2 * FAILED_BACKOFF_MAX_MS;
                failedBackoff.set(bk, { lastMs: now, delayMs: expired ? FAILED_BACKOFF_INITIAL_MS : Math.min(b.delayMs * 2, FAILED_BACKOFF_MAX_MS) });
                await remove(p);
              }
              if (running.length <= 1) continue;
              running.sort(byAge);
              if (!allowsSurge) {
                for (const p of running.slice(1)) await remove(p);
                continue;
              }
              // With surge: keep the oldest new pod and the oldest old pod; the old one goes once it is not Ready or the new one is available.
              const oldestNew = running.find((p) => p.metadata.labels?.[REVISION_LABEL] === hash);
              const oldestOld = running.find((p) => p.metadata.labels?.[REVISION_LABEL] !== hash);
              for (const p of running) if (p !== oldestNew && p !== oldestOld) await remove(p);
              if (oldestNew && oldestOld && (!podReady(oldestOld) || available(oldestNew))) await remove(oldestOld);
            } else for (const p of here) if (!isTerminating(p)) await remove(p);
          }
          // Pods pinned to a node that no longer exists (the pod garbage collector's part upstream).
          for (const [node, list] of pinned) if (!nodeNames.has(node)) for (const p of list) if (!isTerminating(p)) await remove(p);

          // rollingUpdate, once the cache shows every earlier create and delete (upstream SatisfiedExpectations).
          const satisfied = !wrote && pending.creates.length === 0 && pending.deletes.size === 0;
          if (satisfied && (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') await rollingUpdate();
        }

        async function rollingUpdate(): Promise<void> {
          const desired = nodeList.filter((n) => nodeShouldRunDaemonPod(ds, n).shouldRun).length;
          const ru = ds.spec?.updateStrategy?.rollingUpdate ?? {};
          const maxSurge = allowsSurge ? scaledValue(ru.maxSurge, desired, true) : 0;
          let maxUnavailable = scaledValue(ru.maxUnavailable ?? 1, desired, true);
          if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
          const pinned = byNode();
          const sortedNodes = [...pinned.keys()].sort();
          /** The new and old live pod of a node, or undefined when it has more than one of either (left to manage). */
          const split = (list: KubeObject[]) => {
            let newPod: KubeObject | undefined;
            let oldPod: KubeObject | undefined;
            for (const p of list) {
              if (isTerminating(p)) continue;
              if (p.metadata.labels?.[REVISION_LABEL] === hash) {
                if (newPod) return undefined;
                newPod = p;
              } else {
                if (oldPod) return undefined;
                oldPod = p;
              }
            }
            return { newPod, oldPod };
          };
          if (maxSurge === 0) {
            let unavailable = 0;
            const replace: KubeObject[] = [];
            const candidates: KubeObject[] = [];
            for (const node of sortedNodes) {
              const s = split(pinned.get(node)!);
              if (!s || (!s.newPod && !s.oldPod) || (s.newPod && s.oldPod)) {
                unavailable++;
                continue;
              }
              if (s.newPod) {
                if (!available(s.newPod)) unavailable++;
                continue;
              }
              if (!available(s.oldPod!)) replace.push(s.oldPod!);
              else if (unavailable < maxUnavailable) candidates.push(s.oldPod!);
            }
            const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
            for (const p of [...replace, ...candidates.slice(0, room)]) await remove(p);
            return;
          }
          let surged = 0;
          const allowed: string[] = [];
          const candidates: string[] = [];
          const oldToDelete: KubeObject[] = [];
          for (const node of sortedNodes) {
            const s = split(pinned.get(node)!);
            if (!s) {
              surged++;
              continue;
            }
            if (!s.oldPod) continue;
            if (!s.newPod) {
              if (!available(s.oldPod)) allowed.push(node);
              else if (surged < maxSurge) candidates.push(node);
              continue;
            }
            if (!available(s.newPod)) surged++;
            else oldToDelete.push(s.oldPod);
          }
          const room = Math.min(Math.max(0, maxSurge - surged), candidates.length);
          for (const node of [...allowed, ...candidates.slice(0, room)]) await create(node);
          for (const p of oldToDelete) await remove(p);
        }

        // Status (upstream updateDaemonSetStatus), on the oldest live pod of each node.
        let desired = 0;
        let current = 0;
        let misscheduled = 0;
        let ready = 0;
        let availableCount = 0;
        let updated = 0;
        const pinned = byNode();
        for (const node of nodeList) {
          const { shouldRun } = nodeShouldRunDaemonPod(ds, node);
          const here = (pinned.get(node.metadata.name) ?? []).filter((p) => !isTerminating(p));
          if (!shouldRun) {
            if (here.length > 0) misscheduled++;
            continue;
          }
          desired++;
          if (here.length === 0) continue;
          current++;
          const pod = [...here].sort(byAge)[0];
          if (podReady(pod)) {
            ready++;
            if (availableAtMs(pod, minReadySeconds)! <= now) availableCount++;
          }
          if (pod.metadata.labels?.[REVISION_LABEL] === hash) updated++;
        }
        const status: Record<string, unknown> = {
          observedGeneration: ds.metadata.generation,
          desiredNumberScheduled: desired,
          currentNumberScheduled: current,
          numberMisscheduled: misscheduled,
          numberReady: ready,
          numberAvailable: availableCount,
          numberUnavailable: desired - availableCount,
          updatedNumberScheduled: updated,
          collisionCount: revs.collisionCount,
        };
        // Woken when a Ready pod becomes available (the status counts it; a surge step deletes the old pod beside it).
        for (const p of owned.values()) {
          const at = isTerminating(p) ? undefined : availableAtMs(p, minReadySeconds);
          if (at !== undefined) wakeAt(at);
        }
        const liveHashes = new Set([hash, ...[...owned.values()].map((p) => p.metadata.labels?.[REVISION_LABEL] as string)]);
        const live = new Set(revs.revisions.filter((r) => liveHashes.has(r.metadata.labels?.[HASH_LABEL] ?? '')).map((r) => r.metadata.name));
        await history.truncate(revs.revisions, live, ds.spec?.revisionHistoryLimit ?? 10);
        if (Object.keys(status).some((k) => JSON.stringify(ds.status?.[k]) !== JSON.stringify(status[k]))) {
          statusWrites.wrote(await client.patchStatus(DaemonSetType, key, 'merge', { status }).catch(ignoreNotFound));
        }
        return wakeAtMs === undefined ? done() : requeueAfter(Math.max(1, wakeAtMs - now));
      },
    },
  };
}
