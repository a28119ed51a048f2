/**
 * Whether a pod fits a node, as kube-scheduler's default filter plugins decide it, and the message
 * kube-scheduler writes when it fits none. Pure functions over plain objects (no I/O, no clock); the
 * default scheduler stub (`scheduler.ts`) and the Volcano stub both use them.
 *
 * Semantics (Kubernetes scheduling framework, default profile):
 * - NodeUnschedulable: `spec.unschedulable` blocks the node unless the pod tolerates
 *   `node.kubernetes.io/unschedulable:NoSchedule`.
 * - TaintToleration: every NoSchedule and NoExecute taint must be tolerated (PreferNoSchedule only
 *   scores). A toleration matches when its effect is empty or equal, its key is empty (operator
 *   Exists: tolerates everything) or equal, and operator Exists, or Equal (the default) with the same
 *   value. Only the first untolerated taint is reported. A NotReady / unreachable node is modelled the
 *   way the node lifecycle controller shows it to the scheduler: by its `node.kubernetes.io/not-ready`
 *   / `unreachable` taints, so there is no separate Ready check here.
 * - NodeAffinity: `spec.nodeSelector` (every label equal) and
 *   `requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms` (terms ORed; within a term
 *   matchExpressions and matchFields ANDed; In / NotIn / Exists / DoesNotExist / Gt / Lt; an empty
 *   term matches no node).
 * - NodeResourcesFit: pod count against `pods`, then cpu, memory, ephemeral-storage and every other
 *   requested resource (extended resources such as `nvidia.com/gpu`) against allocatable minus used.
 * The plugins run in the default profile's order and a node reports the reasons of the first plugin
 * that rejects it, as the framework stops at the first failing filter.
 *
 * Quantities are parsed with `quantityToScalar` from @kubernetes/client-node.
 */
import { quantityToScalar } from '@kubernetes/client-node/dist/util.js';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';

/** Resource amounts in canonical units: cpu in millicores, memory and ephemeral-storage in bytes, everything else (pods, nvidia.com/gpu, volcano.sh/vgpu-number ...) as integers. */
export type ResourceList = Record<string, number>;

/** A node taint (`spec.taints[]`). */
export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | string;
  timeAdded?: string;
}

/** A pod toleration (`spec.tolerations[]`); `tolerationSeconds` only matters for NoExecute. */
export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

interface Container {
  name?: string;
  restartPolicy?: string;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
}

/**
 * A Kubernetes quantity (`"500m"`, `"1.5Gi"`, `"2"`, or a number) as a plain number, unrounded
 * (`"500m"` → 0.5). Throws `Error('Unknown quantity …')` for a string that is not a quantity.
 */
export function quantityScalar(q: string | number): number {
  if (typeof q === 'number') return q;
  const s = q.trim();
  let v: number;
  try {
    v = Number(quantityToScalar(s));
  } catch (err) {
    // quantityToScalar handles decimals only without a suffix ("1.5Gi" is valid Kubernetes but not
    // for it): scale the number part by the suffix's value, which it does parse.
    const m = /^([+-]?[0-9.]+)([a-zA-Z]+)$/.exec(s);
    if (!m || Number.isNaN(Number(m[1]))) throw err;
    v = Number(m[1]) * Number(quantityToScalar(`1${m[2]}`));
  }
  if (Number.isNaN(v)) throw new Error(`Unknown quantity ${s}`);
  return v;
}

/**
 * One quantity in canonical units (see ResourceList). Throws `Error('Unknown quantity …')` for a
 * string that is not a Kubernetes quantity.
 */
export function parseQuantity(resource: string, q: string | number): number {
  const key = `${resource === 'cpu' ? 'm' : ''}${q}`;
  let out = parsedQuantities.get(key);
  if (out === undefined) {
    const v = quantityScalar(String(q));
    // Kubernetes rounds up to the unit it accounts in (MilliValue for cpu, Value for the rest).
    out = resource === 'cpu' ? Math.ceil(v * 1000 - 1e-9) : Math.ceil(v - 1e-9);
    if (parsedQuantities.size < 4096) parsedQuantities.set(key, out);
  }
  return out;
}

/** Quantities already parsed (`m` + quantity for cpu, the quantity for the rest): a fleet uses a handful, parsed again for every pod version. */
const parsedQuantities = new Map<string, number>();

/** Parses a `Record<resource, quantity>` into canonical units. */
export function parseResourceList(list: Record<string, string | number> | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [k, q] of Object.entries(list ?? {})) out[k] = parseQuantity(k, q);
  return out;
}

function add(into: ResourceList, r: ResourceList): ResourceList {
  for (const [k, v] of Object.entries(r)) into[k] = (into[k] ?? 0) + v;
  return into;
}

function max(into: ResourceList, r: ResourceList): ResourceList {
  for (const [k, v] of Object.entries(r)) into[k] = Math.max(into[k] ?? 0, v);
  return into;
}

/** A container's requests after defaulting: a resource with only a limit requests its limit. */
function containerRequests(c: Container): ResourceList {
  return { ...parseResourceList(c.resources?.limits), ...parseResourceList(c.resources?.requests) };
}

/**
 * The pod's effective requests (k8s resource helpers' PodRequests): the sum over containers and
 * restartable (sidecar, `restartPolicy: Always`) init containers, or the largest regular init
 * container plus the sidecars started before it if larger, plus `spec.overhead`; always `pods: 1`.
 */
export function podRequests(pod: KubeObject): ResourceList {
  return memo(requestsMemo, pod, computePodRequests);
}

// Stored objects are frozen (DESIGN.md "Objects"): their requests and allocatable are computed once.
const requestsMemo = new WeakMap<KubeObject, ResourceList>();
const allocatableMemo = new WeakMap<KubeObject, ResourceList>();
function memo(cache: WeakMap<KubeObject, ResourceList>, obj: KubeObject, compute: (o: KubeObject) => ResourceList): ResourceList {
  if (!Object.isFrozen(obj)) return compute(obj);
  let r = cache.get(obj);
  if (!r) cache.set(obj, (r = Object.freeze(compute(obj))));
  return r;
}

function computePodRequests(pod: KubeObject): ResourceList {
  const reqs: ResourceList = {};
  for (const c of (pod.spec?.containers ?? []) as Container[]) add(reqs, containerRequests(c));
  const sidecars: ResourceList = {};
  const init: ResourceList = {};
  for (const c of (pod.spec?.initContainers ?? []) as Container[]) {
    const r = containerRequests(c);
    if (c.restartPolicy === 'Always') {
      add(reqs, r);
      add(sidecars, r);
      max(init, sidecars);
    } else {
      max(init, add({ ...r }, sidecars));
    }
  }
  max(reqs, init);
  add(reqs, parseResourceList(pod.spec?.overhead));
  reqs.pods = 1;
  return reqs;
}

/** The node's allocatable resources: `status.allocatable`, else `status.capacity`. */
export function nodeAllocatable(node: KubeObject): ResourceList {
  return memo(allocatableMemo, node, (n) => parseResourceList(n.status?.allocatable ?? n.status?.capacity));
}

/** True for a pod that no longer holds node resources (phase Succeeded or Failed). */
export function podTerminated(pod: KubeObject): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Sum of `podRequests` of the non-terminated pods bound to `node` (`spec.nodeName`). */
export function usedOn(node: string, pods: readonly KubeObject[]): ResourceList {
  const used: ResourceList = {};
  for (const p of pods) if (p.spec?.nodeName === node && !podTerminated(p)) add(used, podRequests(p));
  return used;
}

/** Whether one toleration tolerates one taint (core/v1 Toleration.ToleratesTaint). */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  if (!t.operator || t.operator === 'Equal') return (t.value ?? '') === (taint.value ?? '');
  return false;
}

/** The first taint among `taints` with one of `effects` that no toleration tolerates, if any. */
export function firstUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[], effects: readonly string[] = ['NoSchedule', 'NoExecute']): Taint | undefined {
  return taints.find((taint) => effects.includes(taint.effect) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}

function requirementMatches(r: Requirement, value: string | undefined): boolean {
  switch (r.operator) {
    case 'In':
      return value !== undefined && (r.values ?? []).includes(value);
    case 'NotIn':
      return value === undefined || !(r.values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || (r.values ?? []).length !== 1) return false;
      const have = Number.parseInt(value, 10);
      const want = Number.parseInt(r.values![0], 10);
      if (Number.isNaN(have) || Number.isNaN(want)) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** Whether `node` satisfies the pod's nodeSelector and required node affinity. */
export function matchesNodeAffinity(pod: KubeObject, node: KubeObject): boolean {
  const labels: Record<string, string> = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries((pod.spec?.nodeSelector ?? {}) as Record<string, string>)) if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  const terms = (required.nodeSelectorTerms ?? []) as { matchExpressions?: Requirement[]; matchFields?: Requirement[] }[];
  return terms.some((term) => {
    const exprs = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    return exprs.every((r) => requirementMatches(r, labels[r.key])) && fields.every((r) => requirementMatches(r, r.key === 'metadata.name' ? node.metadata.name : undefined));
  });
}

/** NodeResourcesFit's reasons: "Too many pods", "Insufficient <resource>". */
function resourceReasons(req: ResourceList, alloc: ResourceList, used: ResourceList): string[] {
  const reasons: string[] = [];
  if ((used.pods ?? 0) + 1 > (alloc.pods ?? 0)) reasons.push('Too many pods');
  const first = ['cpu', 'memory', 'ephemeral-storage'];
  const rest = Object.keys(req).filter((k) => k !== 'pods' && !first.includes(k)).sort();
  for (const k of [...first, ...rest]) {
    const want = req[k] ?? 0;
    if (want > 0 && want > (alloc[k] ?? 0) - (used[k] ?? 0)) reasons.push(`Insufficient ${k}`);
  }
  return reasons;
}

/** Why `pod` cannot go to `node` given `used` resources already committed there: [] when it fits. Each reason in kube-scheduler's words ("Insufficient nvidia.com/gpu", "node(s) had untolerated taint {nvidia.com/gpu: present}", "node(s) didn't match Pod's node affinity/selector", "node(s) were unschedulable"). */
export function filterNode(pod: KubeObject, node: KubeObject, used: ResourceList): string[] {
  const tolerations = (pod.spec?.tolerations ?? []) as Toleration[];
  if (node.spec?.unschedulable && !tolerations.some((t) => toleratesTaint(t, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }))) {
    return ['node(s) were unschedulable'];
  }
  const taint = firstUntoleratedTaint((node.spec?.taints ?? []) as Taint[], tolerations);
  if (taint) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`];
  if (!matchesNodeAffinity(pod, node)) return ["node(s) didn't match Pod's node affinity/selector"];
  return resourceReasons(podRequests(pod), nodeAllocatable(node), used);
}

/**
 * Whether preemption could help with a filter reason: only NodeResourcesFit's (Unschedulable, so
 * evicting lower-priority pods might free room); the taint, affinity and unschedulable plugins return
 * UnschedulableAndUnresolvable.
 */
export function resolvableByPreemption(reason: string): boolean {
  return reason === 'Too many pods' || reason.startsWith('Insufficient ');
}

function histogram(n: number, reasons: Iterable<string>): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  // The scheduler formats "<count> <reason>" and sorts those strings (Go sort.Strings: byte order).
  const parts = [...counts].map(([r, c]) => `${c} ${r}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `0/${n} nodes are available: ${parts.join(', ')}.`;
}

/**
 * kube-scheduler's FailedScheduling / PodScheduled=False message (framework FitError.Error):
 * "0/4 nodes are available: 1 Insufficient nvidia.com/gpu, 3 node(s) had untolerated taint {nvidia.com/gpu: present}. preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling."
 * Reasons are counted over nodes and sorted as strings. The preemption part is DefaultPreemption's
 * PostFilter message for a cluster without pod priorities: nodes rejected only for resources have no
 * lower-priority victim ("No preemption victims found for incoming pod"), the others are
 * unresolvable ("Preemption is not helpful for scheduling"). Pass `{ preemption: false }` to leave it
 * out. With no node at all: "no nodes available to schedule pods".
 */
export function unschedulableMessage(reasonsByNode: ReadonlyMap<string, readonly string[]>, options: { preemption?: boolean } = {}): string {
  const n = reasonsByNode.size;
  if (n === 0) return 'no nodes available to schedule pods';
  const filter = histogram(n, [...reasonsByNode.values()].flat());
  if (options.preemption === false) return filter;
  const post = [...reasonsByNode.values()].map((rs) => (rs.length > 0 && rs.every(resolvableByPreemption) ? 'No preemption victims found for incoming pod' : 'Preemption is not helpful for scheduling'));
  return `${filter} preemption: ${histogram(n, post)}`;
}
