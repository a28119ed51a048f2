/**
 * Pod predicates and orderings kube-controller-manager's workload controllers share (upstream
 * `pkg/controller/controller_utils.go` semantics, re-expressed): which pods are active, when a pod
 * is available (Ready for `minReadySeconds`), and the order in which a controller deletes pods when
 * it scales down (`ActivePods` ordering). Times are simulated ms; `lastTransitionTime` and
 * `creationTimestamp` are RFC 3339 strings (second precision).
 */
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { podReady } from '../owners.ts';

interface Condition {
  type: string;
  status: string;
  lastTransitionTime?: string;
}

const readyCondition = (pod: KubeObject): Condition | undefined => (pod.status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Ready');
const ms = (t: string | undefined): number => (t ? Date.parse(t) : 0);

/** True unless the pod finished (phase Succeeded or Failed) or is being deleted (upstream `IsPodActive`). */
export function podActive(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/**
 * Simulated ms at which a Ready pod becomes available (Ready since `lastTransitionTime` plus
 * `minReadySeconds`), or undefined when the pod is not Ready. A pod whose Ready condition carries no
 * time counts as Ready since time 0.
 */
export function availableAtMs(pod: KubeObject, minReadySeconds: number): number | undefined {
  if (!podReady(pod)) return undefined;
  return ms(readyCondition(pod)?.lastTransitionTime) + minReadySeconds * 1000;
}

/** True when the pod is Ready and has been for at least `minReadySeconds` at `nowMs` (Kubernetes docs: Deployment minReadySeconds). */
export function podAvailable(pod: KubeObject, minReadySeconds: number, nowMs: number): boolean {
  const at = availableAtMs(pod, minReadySeconds);
  return at !== undefined && at <= nowMs;
}

/** Counts the available pods among `pods` and the earliest later instant one more becomes available (for a requeue). */
export function countAvailable(pods: readonly KubeObject[], minReadySeconds: number, nowMs: number): { available: number; nextAtMs?: number } {
  let available = 0;
  let nextAtMs: number | undefined;
  for (const p of pods) {
    const at = availableAtMs(p, minReadySeconds);
    if (at === undefined) continue;
    if (at <= nowMs) available++;
    else nextAtMs = nextAtMs === undefined ? at : Math.min(nextAtMs, at);
  }
  return { available, nextAtMs };
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const restarts = (pod: KubeObject): number =>
  ((pod.status?.containerStatuses ?? []) as { restartCount?: number }[]).reduce((m, c) => Math.max(m, c.restartCount ?? 0), 0);

/**
 * Deletion preference of kube's `ActivePods` ordering: negative when `a` should be deleted before
 * `b`. Unscheduled before scheduled; Pending before Unknown before Running; not Ready before Ready;
 * Ready for less time before Ready for longer; more container restarts before fewer; newer before
 * older; then by name so the order is total.
 */
export function compareForDeletion(a: KubeObject, b: KubeObject): number {
  const bound = (p: KubeObject) => (p.spec?.nodeName ? 1 : 0);
  if (bound(a) !== bound(b)) return bound(a) - bound(b);
  const phase = (p: KubeObject) => PHASE_RANK[p.status?.phase ?? 'Pending'] ?? 0;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: KubeObject) => (podReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  if (ready(a)) {
    const since = (p: KubeObject) => ms(readyCondition(p)?.lastTransitionTime);
    if (since(a) !== since(b)) return since(b) - since(a); // more recently Ready goes first
  }
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (p: KubeObject) => ms(p.metadata.creationTimestamp);
  if (created(a) !== created(b)) return created(b) - created(a);
  return a.metadata.name < b.metadata.name ? 1 : a.metadata.name > b.metadata.name ? -1 : 0;
}
