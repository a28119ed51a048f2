/**
 * The Volcano scheduler (vc-scheduler; anchors-netpol.md §5.3–5.5, default configuration: actions
 * `enqueue, allocate, backfill`, plugins gang, predicates, proportion, overcommit, deviceshare) and
 * the queue controller, as one controller keyed by Queue (cluster-scoped). One reconcile of a queue
 * is one scheduling session over the PodGroups of that queue:
 * 1. Queue: a Queue without `status.state` is set Open (Volcano's queue controller); status counts of
 *    Pending / Inqueue / Running / Unknown / Completed PodGroups.
 * 2. enqueue: Pending PodGroups in creation order are admitted (phase Inqueue) when the queue is Open,
 *    the queue's `spec.capability` (if any) holds allocated + inqueue + minResources in every
 *    dimension it names (proportion), and the cluster holds inqueue + minResources ≤ allocatable ×
 *    overcommit factor − used in every dimension of minResources that some node advertises (overcommit,
 *    factor 1.2 by default; vGPU memory and cores are deviceshare's, at allocation);
 *    a PodGroup without minResources is always admitted. Rejected ones stay Pending (no pods).
 * 3. allocate, all-or-nothing: for each admitted PodGroup, its unbound pods are placed tentatively,
 *    node by node in name order (first fit), with kube-scheduler's filters (`../scheduler/fit.ts`:
 *    taints, affinity / nodeSelector, NodeResourcesFit) and vGPU devices (`./deviceshare.ts`). The
 *    placements are bound only when bound + placed pods reach minMember; otherwise none is bound.
 *    Pods left unbound get PodScheduled=False: `Unschedulable` with kube-scheduler's "0/N nodes are
 *    available: ..." message when no node fits them, `Schedulable` ("... can possibly be assigned to
 *    <node>, once minAvailable is satisfied") when they fit but the gang does not.
 * 4. close (gang plugin): a PodGroup whose gang is not ready gets condition Unschedulable, reason
 *    NotEnoughResources, message "<pending>/<pods> tasks in gang unschedulable: pod group is not ready,
 *    <status histogram>, <minMember> minAvailable[; Pending: <reasons>]"; a ready one condition
 *    Scheduled ("tasks in gang are ready to be scheduled") and phase Running; Running below minMember
 *    ⇒ Unknown; every pod finished with succeeded ≥ minMember ⇒ Completed. Counts running / succeeded
 *    / failed.
 * Sessions run on watch events (PodGroups and volcano pods of the queue, Nodes, pods freeing
 * resources) and then every `volcano.schedulePeriodMs` (default 1 s, Volcano's `--schedule-period`)
 * only while a gang of the queue is waiting: no idle ticking. A PodGroup whose queue does not exist is
 * never scheduled. Binding is a merge patch of `spec.nodeName` (the fake API server serves no Binding
 * subresource); pods bound but not yet seen bound in the cache count on their node ("assumed").
 * Not modelled: preemption and reclaim, backfill of best-effort pods, queue weights' deserved shares
 * (the proportion plugin's fair share), node scoring (first fit instead of binpack / nodeorder).
 */
import type { Clock, InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition, Logger } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { filterNode, parseResourceList, podRequests, podTerminated, unschedulableMessage, usedOn, type ResourceList } from '../scheduler/fit.ts';
import { DeviceLedger, NVIDIA_GPU, VGPU_DEVICES_ANNOTATION, vgpuRequest, withoutVgpu } from './deviceshare.ts';
import { DEFAULT_QUEUE, GROUP_NAME_ANNOTATION, PodGroupType, QUEUE_NAME_KEY, QueueType, keyOf } from './vocabulary.ts';

/** Volcano timings and knobs (simulated ms); see `volcanoSettings`. */
export interface VolcanoSettings {
  /** Scheduling period while a gang waits (`--schedule-period`, 1 s). */
  schedulePeriodMs: number;
  /** overcommit plugin `overcommit-factor` (1.2). */
  overcommitFactor: number;
}

/** Defaults of {@link VolcanoSettings} (Volcano's documented defaults). */
export const VOLCANO_DEFAULTS: VolcanoSettings = { schedulePeriodMs: 1000, overcommitFactor: 1.2 };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
type Condition = { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string };

const add = (into: ResourceList, r: ResourceList, sign = 1): ResourceList => {
  for (const [k, v] of Object.entries(r)) into[k] = (into[k] ?? 0) + sign * v;
  return into;
};

/** "<count> <what>" parts sorted as strings (Go sort.Strings), joined by ", ". */
function histogram(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .join(', ');
}

/** Volcano's task status of a pod: Pending (unbound), Bound, Running, Succeeded, Failed. */
function taskStatus(pod: KubeObject, bound: boolean): string {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Running') return phase;
  return bound ? 'Bound' : 'Pending';
}

/** The Volcano scheduler and queue controller as a runner definition (primary: Queue). */
export function volcanoScheduler(client: KubeClient, clock: Clock, cache: InformerCache, settings: VolcanoSettings = VOLCANO_DEFAULTS, log?: Logger): ControllerDefinition {
  const podInformer = cache.informerFor(CoreTypes.Pod);
  const nodeInformer = cache.informerFor(CoreTypes.Node);
  const pgInformer = cache.informerFor(PodGroupType);
  /** Pods bound by a session that the cache still shows unbound: uid → node and devices. */
  const assumed = new Map<string, { node: string; devices?: string }>();
  /** PodGroup status last written per uid (the cache lags our writes). */
  const pgWritten = new Map<string, Json>();
  /** PodScheduled condition last written per pod uid, as `reason|message`. */
  const podWritten = new Map<string, string>();
  /** Queues with a waiting gang (resources freed anywhere may let them run). */
  const waiting = new Set<string>();
  const waitingKeys = () => [...waiting].map((name) => ({ name }));
  const queueOf = (pg: KubeObject): string => pg.spec?.queue || DEFAULT_QUEUE;

  async function session(queueName: string): Promise<boolean> {
    const queue = await cache.get(QueueType, { name: queueName }).catch(ignoreNotFound);
    if (!queue) return false;
    await Promise.all([podInformer.synced(), nodeInformer.synced(), pgInformer.synced()]);
    const now = rfc3339(clock.now());
    const state: string = queue.status?.state ?? 'Open';
    const groups = pgInformer
      .items()
      .filter((pg) => queueOf(pg) === queueName && !pg.metadata.deletionTimestamp)
      .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || keyOf(a).localeCompare(keyOf(b)));

    // Snapshot: pods as placed (assumed bindings applied), nodes, usage.
    for (const [uid] of assumed) if (!podInformer.items().some((p) => p.metadata.uid === uid && !p.spec?.nodeName)) assumed.delete(uid);
    const pods = podInformer.items().map((p) => {
      const a = assumed.get(p.metadata.uid!);
      return a ? { ...p, metadata: { ...p.metadata, annotations: { ...p.metadata.annotations, ...(a.devices ? { [VGPU_DEVICES_ANNOTATION]: a.devices } : {}) } }, spec: { ...p.spec, nodeName: a.node } } : p;
    });
    const nodes = nodeInformer.items();
    const view = pods.map(withoutVgpu);
    const used = new Map(nodes.map((n) => [n.metadata.name, usedOn(n.metadata.name, view)]));
    const ledger = new DeviceLedger(nodes, pods);
    const byGroup = new Map<string, KubeObject[]>();
    for (const p of pods) {
      const g = p.metadata.annotations?.[GROUP_NAME_ANNOTATION];
      if (g && !p.metadata.deletionTimestamp) (byGroup.get(`${p.metadata.namespace}/${g}`) ?? byGroup.set(`${p.metadata.namespace}/${g}`, []).get(`${p.metadata.namespace}/${g}`)!).push(p);
    }
    const live = (p: KubeObject) => !!p.spec?.nodeName && !podTerminated(p);
    const phaseOf = (pg: KubeObject): string => pgWritten.get(pg.metadata.uid!)?.phase ?? pg.status?.phase ?? 'Pending';

    // Totals for enqueue (proportion, overcommit).
    const total: ResourceList = {};
    for (const n of nodes) if (!n.spec?.unschedulable) add(total, parseResourceList(n.status?.allocatable ?? n.status?.capacity));
    const usedTotal: ResourceList = {};
    for (const p of pods) if (live(p)) add(usedTotal, podRequests(p));
    const allocatedInQueue: ResourceList = {};
    for (const p of pods) if (live(p) && p.metadata.labels?.[QUEUE_NAME_KEY] === queueName) add(allocatedInQueue, podRequests(p));
    const inqueue: ResourceList = {};
    for (const pg of pgInformer.items()) if (phaseOf(pg) === 'Inqueue') add(inqueue, parseResourceList(pg.spec?.minResources));
    const capability = queue.spec?.capability ? parseResourceList(queue.spec.capability) : undefined;

    let stillWaiting = false;
    for (const pg of groups) {
      const uid = pg.metadata.uid!;
      const minMember: number = pg.spec?.minMember ?? 1;
      let phase = phaseOf(pg);
      const members = byGroup.get(keyOf(pg)) ?? [];
      const minRes = parseResourceList(pg.spec?.minResources);
      const reasons: Record<string, number> = {};

      // enqueue
      if (phase === 'Pending') {
        let admit = state === 'Open';
        if (admit && Object.keys(minRes).length > 0) {
          if (capability) for (const k of Object.keys(capability)) if ((allocatedInQueue[k] ?? 0) + (inqueue[k] ?? 0) + (minRes[k] ?? 0) > capability[k]) admit = false;
          // Dimensions no node advertises (vgpu-memory, vgpu-cores) are the device plugin's own accounting, checked at allocation.
          for (const k of Object.keys(minRes)) if (k in total && (inqueue[k] ?? 0) + minRes[k] > total[k] * settings.overcommitFactor - (usedTotal[k] ?? 0)) admit = false;
        }
        if (admit) {
          phase = 'Inqueue';
          add(inqueue, minRes);
        }
      }

      // allocate
      const boundOrDone = members.filter((p) => !!p.spec?.nodeName || p.status?.phase === 'Succeeded');
      const pending = members.filter((p) => !p.spec?.nodeName && !podTerminated(p)).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      let bound = boundOrDone.length;
      if (phase !== 'Pending' && pending.length > 0) {
        const tentativeUsed = new Map([...used].map(([n, u]) => [n, { ...u }]));
        const tentativeLedger = ledger.clone();
        const placed: { pod: KubeObject; node: string; devices?: number[] }[] = [];
        const fitErrors = new Map<KubeObject, string>();
        for (const pod of pending) {
          const plain = withoutVgpu(pod);
          const req = vgpuRequest(pod);
          const why = new Map<string, string[]>();
          let chosen: { node: string; devices?: number[] } | undefined;
          for (const node of nodes) {
            const name = node.metadata.name;
            let r = filterNode(plain, node, tentativeUsed.get(name) ?? {});
            let devices: number[] | undefined;
            if (r.length === 0 && req) {
              devices = tentativeLedger.fit(name, req);
              if (!devices) r = [`Insufficient ${NVIDIA_GPU}`];
            }
            if (r.length === 0) {
              chosen = { node: name, devices };
              break;
            }
            why.set(name, r);
          }
          if (chosen) {
            placed.push({ pod, ...chosen });
            add(tentativeUsed.get(chosen.node)!, podRequests(plain));
            if (req && chosen.devices) tentativeLedger.take(chosen.node, req, chosen.devices);
          } else {
            fitErrors.set(pod, unschedulableMessage(why, { preemption: false }));
          }
        }
        if (bound + placed.length >= minMember) {
          for (const { pod, node, devices } of placed) {
            const ids = devices?.join(',');
            const patch: Json = { spec: { nodeName: node } };
            if (ids !== undefined) patch.metadata = { annotations: { [VGPU_DEVICES_ANNOTATION]: ids } };
            const ok = await client.patch(CoreTypes.Pod, { namespace: pod.metadata.namespace, name: pod.metadata.name }, 'merge', patch).catch(ignoreNotFound);
            if (!ok) continue;
            assumed.set(pod.metadata.uid!, { node, devices: ids });
            add(used.get(node)!, podRequests(withoutVgpu(pod)));
            const req = vgpuRequest(pod);
            if (req && devices) ledger.take(node, req, devices);
            const conditions = (pod.status?.conditions ?? []) as Condition[];
            if (conditions.some((c) => c.type === 'PodScheduled' && c.status === 'False')) {
              await client
                .patchStatus(CoreTypes.Pod, { namespace: pod.metadata.namespace, name: pod.metadata.name }, 'merge', {
                  status: { conditions: [...conditions.filter((c) => c.type !== 'PodScheduled'), { type: 'PodScheduled', status: 'True', lastTransitionTime: now }] },
                })
                .catch(ignoreNotFound);
            }
            podWritten.delete(pod.metadata.uid!);
            bound++;
          }
          log?.info(`volcano: bound ${placed.length} pod(s) of gang ${keyOf(pg)} (minMember ${minMember})`);
        } else {
          for (const pod of pending) {
            const fit = fitErrors.get(pod);
            const spot = placed.find((p) => p.pod === pod);
            const reason = fit !== undefined ? 'Unschedulable' : 'Schedulable';
            reasons[reason] = (reasons[reason] ?? 0) + 1;
            const message = fit ?? `Pod ${keyOf(pod)} can possibly be assigned to ${spot!.node}, once minAvailable is satisfied`;
            await writePodScheduled(pod, reason, message, now);
          }
        }
      }

      // close (gang plugin) and status
      const membersNow = byGroup.get(keyOf(pg)) ?? [];
      const counts = { running: 0, succeeded: 0, failed: 0 };
      const statuses: Record<string, number> = {};
      for (const p of membersNow) {
        const isBound = !!p.spec?.nodeName || assumed.has(p.metadata.uid!);
        const s = taskStatus(p, isBound);
        statuses[s] = (statuses[s] ?? 0) + 1;
        if (s === 'Running') counts.running++;
        if (s === 'Succeeded') counts.succeeded++;
        if (s === 'Failed') counts.failed++;
      }
      const ready = phase !== 'Pending' && bound >= minMember;
      const unplaced = membersNow.filter((p) => !p.spec?.nodeName && !assumed.has(p.metadata.uid!) && !podTerminated(p)).length;
      if (phase !== 'Pending') {
        if (ready) phase = membersNow.length > 0 && membersNow.every(podTerminated) && counts.succeeded >= minMember ? 'Completed' : 'Running';
        else if (phase === 'Running') phase = 'Unknown';
      }
      let conditions = [...((pgWritten.get(uid)?.conditions ?? pg.status?.conditions ?? []) as Condition[])];
      const setCondition = (c: Omit<Condition, 'lastTransitionTime'>) => {
        const i = conditions.findIndex((x) => x.type === c.type);
        const same = i >= 0 && conditions[i].status === c.status && conditions[i].reason === c.reason && conditions[i].message === c.message;
        if (same) return;
        const next = { ...c, lastTransitionTime: now };
        conditions = i >= 0 ? conditions.map((x, j) => (j === i ? next : x)) : [...conditions, next];
      };
      if (ready) setCondition({ type: 'Scheduled', status: 'True', reason: 'tasks in gang are ready to be scheduled' });
      else {
        const fitError = `pod group is not ready, ${histogram({ ...statuses, minAvailable: minMember })}${Object.keys(reasons).length > 0 ? `; Pending: ${histogram(reasons)}` : ''}`;
        setCondition({ type: 'Unschedulable', status: 'True', reason: 'NotEnoughResources', message: `${statuses.Pending ?? 0}/${membersNow.length} tasks in gang unschedulable: ${fitError}` });
      }
      const status: Json = { phase, conditions, ...counts };
      const prev = pgWritten.get(uid) ?? pg.status ?? {};
      if (JSON.stringify({ ...prev, conditions: undefined }) !== JSON.stringify({ ...status, conditions: undefined }) || JSON.stringify(prev.conditions ?? []) !== JSON.stringify(conditions)) {
        await client.patchStatus(PodGroupType, { namespace: pg.metadata.namespace, name: pg.metadata.name }, 'merge', { status }).catch(ignoreNotFound);
        pgWritten.set(uid, status);
      }
      if (phase === 'Pending' || (phase !== 'Completed' && unplaced > 0 && !ready)) stillWaiting = true;
    }
    for (const [uid] of pgWritten) if (!pgInformer.items().some((pg) => pg.metadata.uid === uid)) pgWritten.delete(uid);

    // Queue status (queue controller).
    const qCounts: Record<string, number> = { pending: 0, inqueue: 0, running: 0, unknown: 0, completed: 0 };
    for (const pg of groups) {
      const k = phaseOf(pg).toLowerCase();
      if (k in qCounts) qCounts[k]++;
    }
    const qStatus = { state, ...qCounts };
    const cur = queue.status ?? {};
    if (Object.entries(qStatus).some(([k, v]) => cur[k] !== v)) await client.patchStatus(QueueType, { name: queueName }, 'merge', { status: qStatus }).catch(ignoreNotFound);
    return stillWaiting;
  }

  async function writePodScheduled(pod: KubeObject, reason: string, message: string, now: string): Promise<void> {
    const uid = pod.metadata.uid!;
    const conditions = (pod.status?.conditions ?? []) as Condition[];
    const shown = conditions.find((c) => c.type === 'PodScheduled');
    const tag = `${reason}|${message}`;
    if (podWritten.get(uid) === tag || (shown?.status === 'False' && shown.reason === reason && shown.message === message)) return;
    const cond: Condition = { type: 'PodScheduled', status: 'False', reason, message, lastTransitionTime: shown?.status === 'False' ? shown.lastTransitionTime : now };
    await client
      .patchStatus(CoreTypes.Pod, { namespace: pod.metadata.namespace, name: pod.metadata.name }, 'merge', { status: { phase: 'Pending', conditions: [...conditions.filter((c) => c.type !== 'PodScheduled'), cond] } })
      .catch(ignoreNotFound);
    podWritten.set(uid, tag);
  }

  return {
    name: 'volcano-scheduler',
    primary: QueueType,
    watches: [
      { type: PodGroupType, map: (pg) => [{ name: queueOf(pg) }] },
      { type: CoreTypes.Node, map: () => waitingKeys() },
      {
        type: CoreTypes.Pod,
        map: (p, old) => {
          const group = p.metadata.annotations?.[GROUP_NAME_ANNOTATION];
          const q = p.metadata.labels?.[QUEUE_NAME_KEY] ?? (group ? queueOf(pgInformer.getByKey(`${p.metadata.namespace}/${group}`) ?? p) : undefined);
          const keys = q && group ? [{ name: q }] : [];
          if (waiting.size > 0 && p.spec?.nodeName) {
            const deleted = !podInformer.getByKey(keyOf(p));
            const finished = old !== undefined && podTerminated(p) && !podTerminated(old);
            if (deleted || finished) keys.push(...waitingKeys());
          }
          return keys;
        },
      },
    ],
    reconciler: {
      async reconcile(key) {
        const name = key.name;
        const queue = await cache.get(QueueType, { name }).catch(ignoreNotFound);
        if (queue && !queue.status?.state) await client.patchStatus(QueueType, { name }, 'merge', { status: { state: 'Open' } }).catch(ignoreNotFound);
        const wait = await session(name);
        if (wait) {
          waiting.add(name);
          return requeueAfter(settings.schedulePeriodMs);
        }
        waiting.delete(name);
        return done();
      },
    },
  };
}
