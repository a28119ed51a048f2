/**
 * The default scheduler stub (kube-scheduler's `default-scheduler` profile, reduced to filtering):
 * binds each pod whose `spec.schedulerName` is unset or `default-scheduler` and that has no
 * `spec.nodeName` to a node that passes the filters of `fit.ts` (NodeUnschedulable,
 * TaintToleration, NodeAffinity, NodeResourcesFit). Pods of another scheduler (`volcano` ...) are
 * left alone.
 *
 * - Timing: a pod is considered `kubelet.schedule` after it is first seen, drawn from the pod's own
 *   stream `kubelet/schedule/<ns>/<pod>` (the stream the kubelet stub used when it bound pods, so
 *   timings are unchanged).
 * - Choice: a seeded pick among the feasible nodes (in name order) from that same stream, not
 *   kube-scheduler's scoring: the simulator judges enforcement, not packing, and a pick keeps each
 *   pod's node a function of its own stream.
 * - Binding: the fake API server serves no `pods/binding` subresource, so the stub merge-patches
 *   `spec.nodeName` (a real API server only accepts the Binding). When the pod carried
 *   PodScheduled=False it also sets PodScheduled=True, as the binding registry does (otherwise the
 *   kubelet's first status write sets it).
 * - Unschedulable: status condition PodScheduled=False, reason Unschedulable, message from
 *   `unschedulableMessage`, and a Warning Event FailedScheduling (written once per distinct message). The pod is tried again when a Node
 *   changes or when a pod stops holding resources (deleted, Succeeded or Failed): watches, no polling.
 * - Accounting: resources used per node are kept from the pod informer's events (O(1) per event);
 *   pods this stub bound count on their node until the cache shows the binding ("assumed pods",
 *   kube-scheduler's cache), so a lagging cache never over-commits a node.
 */
import type { Clock, InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition, Logger } from '../../../platform/runtime/index.ts';
import { done, requeueAfter, terminal } from '../../../platform/runtime/index.ts';
import type { StreamSource } from '../../rng/index.ts';
import type { SimulationProfile } from '../../profile.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { DelayGate } from '../delay-gate.ts';
import { eventRecorder } from '../events.ts';
import { filterNode, podRequests, podTerminated, unschedulableMessage } from './fit.ts';
import type { ResourceList } from './fit.ts';

/** The scheduler name this stub serves. */
export const DEFAULT_SCHEDULER = 'default-scheduler';

/** True when the default scheduler is responsible for `pod` (schedulerName unset or `default-scheduler`). */
export function schedulesPod(pod: KubeObject): boolean {
  const name = pod.spec?.schedulerName;
  return name === undefined || name === '' || name === DEFAULT_SCHEDULER;
}

/** podRequests, or `pods: 1` alone for a pod whose quantities do not parse (the API server would have refused it). */
function safeRequests(pod: KubeObject): ResourceList {
  try {
    return podRequests(pod);
  } catch {
    return { pods: 1 };
  }
}

const podKey = (p: KubeObject) => `${p.metadata.namespace}/${p.metadata.name}`;

/** Resources committed per node: bound pods from the cache, plus pods bound but not yet seen bound. */
class NodeUsage {
  private readonly byPod = new Map<string, { node: string; req: ResourceList }>();
  private readonly byNode = new Map<string, ResourceList>();
  /** Pods bound by the stub that the cache still shows unbound, by uid. */
  readonly assumed = new Map<string, { key: string; node: string; req: ResourceList }>();

  /** Records the cache's view of one pod (undefined: gone). */
  observe(key: string, pod: KubeObject | undefined): void {
    const prev = this.byPod.get(key);
    if (prev) this.addTo(prev.node, prev.req, -1);
    this.byPod.delete(key);
    if (pod?.spec?.nodeName && !podTerminated(pod)) {
      const entry = { node: pod.spec.nodeName as string, req: safeRequests(pod) };
      this.byPod.set(key, entry);
      this.addTo(entry.node, entry.req, 1);
    }
    const uid = pod?.metadata.uid;
    for (const [u, a] of this.assumed) if (a.key === key && (u !== uid || pod?.spec?.nodeName)) this.assumed.delete(u);
  }

  /** What is committed on `node`. */
  used(node: string): ResourceList {
    const out = { ...this.byNode.get(node) };
    for (const a of this.assumed.values()) if (a.node === node) for (const [k, v] of Object.entries(a.req)) out[k] = (out[k] ?? 0) + v;
    return out;
  }

  private addTo(node: string, req: ResourceList, sign: 1 | -1): void {
    const cur = this.byNode.get(node) ?? {};
    for (const [k, v] of Object.entries(req)) cur[k] = (cur[k] ?? 0) + sign * v;
    this.byNode.set(node, cur);
  }
}

type Condition = { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string };

/** The default scheduler stub as a runner definition. */
export function defaultScheduler(client: KubeClient, clock: Clock, rng: StreamSource, profile: SimulationProfile, cache: InformerCache, log?: Logger): ControllerDefinition {
  const gate = new DelayGate(clock, rng, 'kubelet/schedule', profile.kubelet.schedule);
  const recorder = eventRecorder(client, clock, { component: DEFAULT_SCHEDULER }, { normal: profile.events?.normal === true });
  const podInformer = cache.informerFor(CoreTypes.Pod);
  const nodeInformer = cache.informerFor(CoreTypes.Node);
  const usage = new NodeUsage();
  podInformer.addEventHandler({
    onAdd: (p) => usage.observe(podKey(p), p),
    onUpdate: (_old, p) => usage.observe(podKey(p), p),
    onDelete: (p) => usage.observe(podKey(p), undefined),
  });
  /** Pods found unschedulable, waiting for a Node change or freed resources. */
  const waiting = new Set<string>();
  /** The Unschedulable message last written per pod uid (the cache lags our own status writes). */
  const written = new Map<string, string>();
  /** The uid last seen per pod key: a re-created pod restarts its stream, as a new object. */
  const uidByKey = new Map<string, string>();
  const waitingKeys = () => [...waiting].map((k) => ({ namespace: k.slice(0, k.indexOf('/')), name: k.slice(k.indexOf('/') + 1) }));
  return {
    name: DEFAULT_SCHEDULER,
    primary: CoreTypes.Pod,
    watches: [
      { type: CoreTypes.Node, map: () => waitingKeys() },
      {
        type: CoreTypes.Pod,
        // Resources freed on a node: the pod is gone from the cache (deleted) or has just finished.
        map: (p, old) => {
          if (waiting.size === 0 || !p.spec?.nodeName) return [];
          const deleted = !podInformer.getByKey(podKey(p));
          const finished = old !== undefined && podTerminated(p) && !podTerminated(old);
          return deleted || finished ? waitingKeys() : [];
        },
      },
    ],
    reconciler: {
      async reconcile(key) {
        const k = `${key.namespace}/${key.name}`;
        const pod = podInformer.getByKey(k);
        if (!pod || (uidByKey.has(k) && uidByKey.get(k) !== pod.metadata.uid)) {
          gate.forget(k);
          uidByKey.delete(k);
        }
        if (!pod || pod.metadata.deletionTimestamp) {
          waiting.delete(k);
          return done();
        }
        const uid = pod.metadata.uid!;
        uidByKey.set(k, uid);
        if (pod.spec?.nodeName || !schedulesPod(pod) || podTerminated(pod)) {
          waiting.delete(k);
          written.delete(uid);
          return done();
        }
        if (usage.assumed.has(uid)) return done();
        const wait = gate.remainingMs(k, uid);
        if (wait > 0) return requeueAfter(wait);
        await nodeInformer.synced();
        const reasons = new Map<string, string[]>();
        const feasible: string[] = [];
        try {
          for (const node of nodeInformer.items()) {
            const why = filterNode(pod, node, usage.used(node.metadata.name));
            if (why.length === 0) feasible.push(node.metadata.name);
            else reasons.set(node.metadata.name, why);
          }
        } catch (err) {
          throw terminal(err); // a quantity that does not parse: retrying cannot help
        }
        const conditions = (pod.status?.conditions ?? []) as Condition[];
        const now = rfc3339(clock.now());
        if (feasible.length === 0) {
          waiting.add(k);
          const message = unschedulableMessage(reasons);
          const shown = conditions.find((c) => c.type === 'PodScheduled');
          if (written.get(uid) === message || (shown?.status === 'False' && shown.reason === 'Unschedulable' && shown.message === message)) return done();
          const cond: Condition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastTransitionTime: shown?.status === 'False' ? shown.lastTransitionTime : now };
          await client.patchStatus(CoreTypes.Pod, key, 'merge', { status: { phase: 'Pending', conditions: [...conditions.filter((c) => c.type !== 'PodScheduled'), cond] } }).catch(ignoreNotFound);
          written.set(uid, message);
          await recorder.event(pod, 'Warning', 'FailedScheduling', message);
          log?.info(`default-scheduler: ${k} unschedulable: ${message}`);
          return done();
        }
        waiting.delete(k);
        const node = rng.stream(`kubelet/schedule/${k}`).pick(feasible);
        const bound = await client.patch(CoreTypes.Pod, key, 'merge', { spec: { nodeName: node } }).catch(ignoreNotFound);
        if (!bound) return done();
        usage.assumed.set(uid, { key: k, node, req: safeRequests(pod) });
        await recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${key.namespace}/${key.name} to ${node}`);
        if (conditions.some((c) => c.type === 'PodScheduled' && c.status === 'False')) {
          const cond: Condition = { type: 'PodScheduled', status: 'True', lastTransitionTime: now };
          await client.patchStatus(CoreTypes.Pod, key, 'merge', { status: { conditions: [...conditions.filter((c) => c.type !== 'PodScheduled'), cond] } }).catch(ignoreNotFound);
        }
        written.delete(uid);
        return done();
      },
    },
  };
}
