/**
 * Node faults as data (`NodeFaultSpec`: simulated ms since the World started, node, fault), applied
 * on the VirtualClock by the components that react to them in a real cluster:
 *
 * - `node-lost`: the kubelet stops posting status. After `nodes.monitorGracePeriodMs` the node
 *   lifecycle controller sets every node condition to Unknown (reason NodeStatusUnknown, "Kubelet
 *   stopped posting node status."), adds the taints `node.kubernetes.io/unreachable:NoSchedule` and
 *   `:NoExecute` (timeAdded = now) and marks the node's pods Ready=False (MarkPodsNotReady). The taint
 *   eviction controller then deletes each pod after the shortest `tolerationSeconds` of its
 *   tolerations of that taint (no toleration: at once; one without seconds: never), first adding the
 *   condition DisruptionTarget=True reason DeletionByTaintManager. The fake API server does not run
 *   the DefaultTolerationSeconds admission plugin, so its two 300 s tolerations
 *   (`node.kubernetes.io/not-ready` and `unreachable`, Exists, NoExecute) are applied here, to pods
 *   that do not tolerate the taint themselves, exactly as the plugin would have added them. Pods are
 *   deleted at once (the fake API server has no graceful deletion), so their ReplicaSet replaces them
 *   and the scheduler places the replacement on another node (the lost one is tainted).
 *   Evictions are planned for the pods on the node when it is tainted; pods bound to it later (only
 *   pods tolerating the unreachable taints can be) are not evicted.
 * - `node-restored`: the kubelet posts status again: conditions back to healthy, the unreachable
 *   taints removed, pending evictions cancelled, pods this module marked NotReady Ready again.
 * - `gpu-xid-79` (GPU has fallen off the bus) and `gpu-ecc-dbe` (double-bit ECC error, XID 48): both
 *   are critical XIDs for the NVIDIA device plugin's health check, which marks the device Unhealthy;
 *   the kubelet's device manager then reports `nvidia.com/gpu` allocatable = healthy devices while
 *   capacity keeps counting all of them (`volcano.sh/vgpu-number` drops by that device's slots). The
 *   node gets condition GPUDeviceUnhealthy=True (reason XID79 / XID48, our name: the GPU operator sets
 *   no node condition; NVIDIA's health tooling and node-problem-detector-style monitors do) and a
 *   Warning Event from `nvidia-device-plugin`. Neither the device plugin nor the kubelet evicts: the
 *   workload on the GPU dies with a CUDA error. Modelled as the kubelet reports a process that exited
 *   with no restart left: the pods holding the device turn phase Failed, the GPU container terminated
 *   with the XID in its message. Which pod holds which device is modelled as the device manager
 *   allocating devices in order to the node's GPU pods, oldest first (whole devices, also for vGPU).
 *
 * Every write goes through the client (Node status and spec, Pod status, Pod delete, Event create).
 */
import type { Clock, KubeClient, KubeObject, TimerHandle } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound, rfc3339 } from '../../fake-apiserver/api/index.ts';
import type { Logger } from '../../platform/runtime/index.ts';
import type { NodeFaultSpec, SimulationProfile } from '../profile.ts';
import { CoreTypes } from './third-party-crds.ts';
import { NVIDIA_GPU, VGPU_NUMBER } from './nodes.ts';
import { podRequests, podTerminated, toleratesTaint } from './scheduler/fit.ts';
import type { Taint, Toleration } from './scheduler/fit.ts';

/** A fault kind. */
export type NodeFaultKind = NodeFaultSpec['fault'];
/** Every fault kind, in documentation order. */
export const NODE_FAULT_KINDS: readonly NodeFaultKind[] = ['node-lost', 'node-restored', 'gpu-xid-79', 'gpu-ecc-dbe'];

/** Taint keys the node lifecycle controller manages. */
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
/** DefaultTolerationSeconds admission plugin's default (`--default-unreachable-toleration-seconds`). */
export const DEFAULT_TOLERATION_SECONDS = 300;

const GPU_FAULT = {
  'gpu-xid-79': { xid: 79, what: 'GPU has fallen off the bus' },
  'gpu-ecc-dbe': { xid: 48, what: 'double-bit ECC error' },
} as const;

type Condition = { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; lastHeartbeatTime?: string };

/**
 * The tolerations the taint eviction controller sees on `pod`: its own, plus the DefaultTolerationSeconds
 * plugin's `not-ready` / `unreachable` NoExecute tolerations (300 s) for each taint the pod does not
 * already tolerate (the plugin adds a default only then).
 */
export function effectiveTolerations(pod: KubeObject): Toleration[] {
  const own = (pod.spec?.tolerations ?? []) as Toleration[];
  const out = [...own];
  for (const key of [TAINT_NOT_READY, TAINT_UNREACHABLE]) {
    if (!own.some((t) => toleratesTaint(t, { key, effect: 'NoExecute' }))) out.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS });
  }
  return out;
}

/**
 * Seconds until the taint eviction controller deletes `pod` for the NoExecute `taint`: 0 when no
 * toleration matches, undefined (never) when a matching toleration has no tolerationSeconds, else the
 * smallest matching tolerationSeconds (negative counts as 0).
 */
export function evictionDelaySeconds(pod: KubeObject, taint: Taint): number | undefined {
  const matching = effectiveTolerations(pod).filter((t) => toleratesTaint(t, taint));
  if (matching.length === 0) return 0;
  if (matching.some((t) => t.tolerationSeconds === undefined)) return undefined;
  return Math.max(0, Math.min(...matching.map((t) => t.tolerationSeconds!)));
}

/** The pod condition the taint eviction controller adds before deleting a pod (upstream `DisruptionTarget`, reason DeletionByTaintManager). */
export function taintManagerDisruption(nowMs: number): Record<string, string> {
  return { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: rfc3339(nowMs) };
}

/** Per lost node: the epoch of this loss (a restore ends it) and its pending timers. */
interface Loss {
  timers: TimerHandle[];
  unknown: boolean;
  /** Pods marked Ready=False, by key, with their uid. */
  markedNotReady: Map<string, string>;
}

/**
 * Applies node faults for one World. `inject` schedules a fault; `apply` runs one now.
 * Times are simulated ms on `clock`; `startMs` is the World's start instant.
 */
export class NodeFaults {
  private readonly lost = new Map<string, Loss>();
  private readonly unhealthyGpus = new Map<string, Set<number>>();
  /** Faults applied so far, in order (for tests and reports). */
  readonly applied: (NodeFaultSpec & { appliedAtMs: number })[] = [];

  constructor(
    private readonly client: KubeClient,
    private readonly clock: Clock,
    private readonly profile: SimulationProfile,
    private readonly log: Logger,
    private readonly startMs: number,
  ) {}

  /**
   * Schedules `fault` at `startMs + fault.atMs` (at once when that is past).
   * @throws Error for an unknown fault kind or a negative / non-finite `atMs`.
   */
  inject(fault: NodeFaultSpec): void {
    if (!NODE_FAULT_KINDS.includes(fault.fault)) throw new Error(`node fault: unknown fault '${String(fault.fault)}' (one of ${NODE_FAULT_KINDS.join(', ')})`);
    if (!Number.isFinite(fault.atMs) || fault.atMs < 0) throw new Error(`node fault ${fault.fault} on ${fault.node}: atMs must be a non-negative number of simulated ms, got ${fault.atMs}`);
    this.clock.setTimer(this.startMs + fault.atMs - this.clock.now(), () => {
      this.apply(fault).catch((err) => this.log.warn(`node-faults: ${fault.fault} on ${fault.node} failed: ${err instanceof Error ? err.message : String(err)}`));
    });
  }

  /** Whether node `name` is lost now (its kubelet posts nothing: no status, no Lease renewal). */
  isLost(name: string): boolean {
    return this.lost.has(name);
  }

  /** Applies `fault` now. Unknown nodes are logged and skipped. */
  async apply(fault: NodeFaultSpec): Promise<void> {
    const node = await this.client.get(CoreTypes.Node, { name: fault.node }).catch(ignoreNotFound);
    if (!node) return void this.log.warn(`node-faults: ${fault.fault}: no node ${fault.node}`);
    this.applied.push({ ...fault, appliedAtMs: this.clock.now() - this.startMs });
    this.log.info(`node-faults: ${fault.fault} on ${fault.node}`);
    if (fault.fault === 'node-lost') return this.nodeLost(fault.node);
    if (fault.fault === 'node-restored') return this.nodeRestored(fault.node);
    return this.gpuFault(node, fault.fault, fault.gpu);
  }

  private nodeLost(name: string): void {
    if (this.lost.has(name)) return;
    const loss: Loss = { timers: [], unknown: false, markedNotReady: new Map() };
    this.lost.set(name, loss);
    loss.timers.push(this.clock.setTimer(this.profile.nodes.monitorGracePeriodMs, () => void this.markUnknown(name, loss).catch((err) => this.log.warn(`node-faults: ${name}: ${String(err)}`))));
  }

  /** The node lifecycle controller's reaction once the grace period has passed without a heartbeat. */
  private async markUnknown(name: string, loss: Loss): Promise<void> {
    if (this.lost.get(name) !== loss) return;
    loss.unknown = true;
    const now = rfc3339(this.clock.now());
    const node = await this.client.get(CoreTypes.Node, { name });
    const conditions = ((node.status?.conditions ?? []) as Condition[]).map((c) =>
      ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].includes(c.type) ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now } : c,
    );
    await this.client.patchStatus(CoreTypes.Node, { name }, 'merge', { status: { conditions } });
    const noExecute: Taint = { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: now };
    const taints = [...((node.spec?.taints ?? []) as Taint[]).filter((t) => t.key !== TAINT_UNREACHABLE && t.key !== TAINT_NOT_READY), { key: TAINT_UNREACHABLE, effect: 'NoSchedule', timeAdded: now }, noExecute];
    await this.client.patch(CoreTypes.Node, { name }, 'merge', { spec: { taints } });
    for (const pod of await this.podsOn(name)) {
      const key = { namespace: pod.metadata.namespace, name: pod.metadata.name };
      const conds = (pod.status?.conditions ?? []) as Condition[];
      if (conds.some((c) => c.type === 'Ready' && c.status === 'True')) {
        await this.client.patchStatus(CoreTypes.Pod, key, 'merge', { status: { conditions: conds.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: now } : c)) } }).catch(ignoreNotFound);
        loss.markedNotReady.set(`${key.namespace}/${key.name}`, pod.metadata.uid!);
      }
      const seconds = evictionDelaySeconds(pod, noExecute);
      if (seconds === undefined) continue;
      loss.timers.push(this.clock.setTimer(seconds * 1000, () => void this.evict(name, loss, pod).catch((err) => this.log.warn(`node-faults: evicting ${key.namespace}/${key.name}: ${String(err)}`))));
    }
  }

  /** The taint eviction controller's deletion of one pod. */
  private async evict(nodeName: string, loss: Loss, pod: KubeObject): Promise<void> {
    if (this.lost.get(nodeName) !== loss) return;
    const key = { namespace: pod.metadata.namespace, name: pod.metadata.name };
    const cur = await this.client.get(CoreTypes.Pod, key).catch(ignoreNotFound);
    if (!cur || cur.metadata.uid !== pod.metadata.uid || cur.spec?.nodeName !== nodeName) return;
    const conds = ((cur.status?.conditions ?? []) as Condition[]).filter((c) => c.type !== 'DisruptionTarget');
    await this.client.patchStatus(CoreTypes.Pod, key, 'merge', { status: { conditions: [...conds, taintManagerDisruption(this.clock.now())] } }).catch(ignoreNotFound);
    await this.client.delete(CoreTypes.Pod, key).catch(ignoreNotFound);
    this.log.info(`node-faults: evicted ${key.namespace}/${key.name} from ${nodeName} (NoExecute taint ${TAINT_UNREACHABLE})`);
  }

  private async nodeRestored(name: string): Promise<void> {
    const loss = this.lost.get(name);
    if (!loss) return;
    this.lost.delete(name);
    for (const t of loss.timers) t.cancel();
    if (!loss.unknown) return;
    const now = rfc3339(this.clock.now());
    const node = await this.client.get(CoreTypes.Node, { name });
    const healthy: Record<string, [string, string]> = {
      Ready: ['True', 'KubeletReady'],
      MemoryPressure: ['False', 'KubeletHasSufficientMemory'],
      DiskPressure: ['False', 'KubeletHasNoDiskPressure'],
      PIDPressure: ['False', 'KubeletHasSufficientPID'],
    };
    const conditions = ((node.status?.conditions ?? []) as Condition[]).map((c) => {
      const h = healthy[c.type];
      if (!h) return c;
      const { message: _m, ...rest } = c;
      return { ...rest, status: h[0], reason: h[1], lastTransitionTime: now };
    });
    await this.client.patchStatus(CoreTypes.Node, { name }, 'merge', { status: { conditions } });
    const taints = ((node.spec?.taints ?? []) as Taint[]).filter((t) => t.key !== TAINT_UNREACHABLE && t.key !== TAINT_NOT_READY);
    await this.client.patch(CoreTypes.Node, { name }, 'merge', { spec: { taints } });
    for (const pod of await this.podsOn(name)) {
      const k = `${pod.metadata.namespace}/${pod.metadata.name}`;
      if (loss.markedNotReady.get(k) !== pod.metadata.uid) continue;
      const conds = (pod.status?.conditions ?? []) as Condition[];
      await this.client
        .patchStatus(CoreTypes.Pod, { namespace: pod.metadata.namespace, name: pod.metadata.name }, 'merge', { status: { conditions: conds.map((c) => (c.type === 'Ready' ? { ...c, status: 'True', lastTransitionTime: now } : c)) } })
        .catch(ignoreNotFound);
    }
  }

  private async gpuFault(node: KubeObject, kind: 'gpu-xid-79' | 'gpu-ecc-dbe', index?: number): Promise<void> {
    const name = node.metadata.name;
    const capacity = (node.status?.capacity ?? {}) as Record<string, string>;
    const gpus = Number(capacity[NVIDIA_GPU] ?? 0);
    const bad = this.unhealthyGpus.get(name) ?? new Set<number>();
    const device = index ?? Array.from({ length: gpus }, (_, i) => i).find((i) => !bad.has(i));
    if (device === undefined || device < 0 || device >= gpus || bad.has(device)) {
      return void this.log.warn(`node-faults: ${kind} on ${name}: no healthy GPU${index === undefined ? '' : ` ${index}`} (node has ${gpus})`);
    }
    bad.add(device);
    this.unhealthyGpus.set(name, bad);
    const { xid, what } = GPU_FAULT[kind];
    const nowMs = this.clock.now();
    const now = rfc3339(nowMs);
    const message = `GPU ${device} on ${name}: XID ${xid}, ${what}`;
    const healthy = gpus - bad.size;
    const allocatable: Record<string, string> = { ...(node.status?.allocatable ?? capacity), [NVIDIA_GPU]: String(healthy) };
    if (capacity[VGPU_NUMBER] !== undefined) allocatable[VGPU_NUMBER] = String((Number(capacity[VGPU_NUMBER]) / gpus) * healthy);
    const condition: Condition = {
      type: 'GPUDeviceUnhealthy',
      status: 'True',
      reason: `XID${xid}`,
      message: `unhealthy GPUs: ${[...bad].sort((a, b) => a - b).join(', ')}; last: ${message}`,
      lastTransitionTime: now,
      lastHeartbeatTime: now,
    };
    const conditions = [...((node.status?.conditions ?? []) as Condition[]).filter((c) => c.type !== 'GPUDeviceUnhealthy'), condition];
    await this.client.patchStatus(CoreTypes.Node, { name }, 'merge', { status: { allocatable, conditions } });
    await this.client
      .create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${name}.xid${xid}-gpu${device}.${nowMs.toString(16)}`, namespace: 'default' },
        involvedObject: { apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid },
        reason: 'GPUUnhealthy',
        message,
        type: 'Warning',
        source: { component: 'nvidia-device-plugin', host: name },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      })
      .catch((err) => this.log.warn(`node-faults: Event for ${message} not recorded: ${err instanceof Error ? err.message : String(err)}`));
    for (const pod of this.holders(await this.podsOn(name), gpus, device)) await this.failPod(pod, message, now);
  }

  /** GPU pods of a node holding `device`, devices allocated in order to pods oldest first. */
  private holders(pods: readonly KubeObject[], gpus: number, device: number): KubeObject[] {
    const users = pods
      .map((p) => ({ p, n: Math.max(podRequests(p)[NVIDIA_GPU] ?? 0, podRequests(p)[VGPU_NUMBER] ?? 0) }))
      .filter((u) => u.n > 0)
      .sort((a, b) => String(a.p.metadata.creationTimestamp).localeCompare(String(b.p.metadata.creationTimestamp)) || a.p.metadata.name.localeCompare(b.p.metadata.name));
    let next = 0;
    const out: KubeObject[] = [];
    for (const { p, n } of users) {
      if (next < gpus && device >= next && device < next + n) out.push(p);
      next += n;
    }
    return out;
  }

  /** The kubelet reporting a pod whose GPU process died: phase Failed, GPU container terminated. */
  private async failPod(pod: KubeObject, message: string, now: string): Promise<void> {
    const conds = ((pod.status?.conditions ?? []) as Condition[]).map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', lastTransitionTime: now } : c));
    const gpuContainer = ((pod.spec?.containers ?? []) as { name: string; resources?: { limits?: Record<string, unknown>; requests?: Record<string, unknown> } }[]).find(
      (c) => [NVIDIA_GPU, VGPU_NUMBER].some((r) => c.resources?.limits?.[r] !== undefined || c.resources?.requests?.[r] !== undefined),
    );
    const statuses = ((pod.status?.containerStatuses ?? []) as { name: string; state?: { running?: { startedAt?: string } } }[]).map((s) =>
      s.name === gpuContainer?.name
        ? { ...s, ready: false, started: false, state: { terminated: { exitCode: 1, reason: 'Error', message: `CUDA error: ${message}`, startedAt: s.state?.running?.startedAt, finishedAt: now } } }
        : s,
    );
    await this.client
      .patchStatus(CoreTypes.Pod, { namespace: pod.metadata.namespace, name: pod.metadata.name }, 'merge', { status: { phase: 'Failed', message, conditions: conds, containerStatuses: statuses } })
      .catch(ignoreNotFound);
    this.log.info(`node-faults: ${pod.metadata.namespace}/${pod.metadata.name} failed: ${message}`);
  }

  private async podsOn(node: string): Promise<KubeObject[]> {
    const list = await this.client.list(CoreTypes.Pod, { fieldSelector: `spec.nodeName=${node}` });
    return list.items.filter((p) => !podTerminated(p) && !p.metadata.deletionTimestamp);
  }
}
