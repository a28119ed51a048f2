/**
 * Kthena's autoscaler (volcano-sh/kthena `pkg/autoscaler`), reduced: for each AutoscalingPolicyBinding
 * with a `homogeneousTarget` whose target is a ModelServing role (`subTargets: {kind: Role, name}`), every
 * scale period it reads each metric of the bound AutoscalingPolicy from the World's simulated metrics
 * (`world.metrics.set('<ns>/<workload>', '<metricName>', value)`, `<workload>` = the role's entry template
 * label `app.kubernetes.io/name`, e.g. `chat-decode`; one value for the whole role, as the router's
 * scrape averages it) and sets the role's `replicas` in the ModelServing to
 * `ceil(current × value / target)`, the largest over the metrics, clamped to [minReplicas, maxReplicas];
 * no change while `|value / target − 1| ≤ tolerancePercent` (default 10 %). A metric never set is skipped.
 * Scale period: `behavior.scaleUp.stablePolicy.period` (Go duration, default 15 s), in simulated ms.
 * Not modelled: panic mode, stabilization windows, heterogeneous targets, per-pod scraping.
 */
import type { InformerCache, KubeClient, KubeObject, ObjectKey } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition, ReconcileResult } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import { StubTypes } from '../third-party-crds.ts';
import type { SimulatedMetrics } from '../metrics.ts';
import { parseRefreshInterval as goDurationMs } from '../eso/external-secrets.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** Scale period when the policy names none (simulated ms). */
export const DEFAULT_SCALE_PERIOD_MS = 15_000;
const DEFAULT_TOLERANCE_PERCENT = 10;

/**
 * The replica count the autoscaler wants for one role (pure).
 * Inputs: current replicas, `[value, target]` per metric (value undefined = not reported), tolerance in
 * percent, min and max. Output: the clamped desired count (current when nothing is reported).
 */
export function desiredReplicas(current: number, samples: [number | undefined, number][], tolerancePercent: number, min: number, max: number): number {
  let desired: number | undefined;
  for (const [value, target] of samples) {
    if (value === undefined || !(target > 0)) continue;
    const ratio = value / target;
    const want = Math.abs(ratio - 1) <= tolerancePercent / 100 ? current : Math.ceil(current * ratio);
    desired = Math.max(desired ?? 0, want);
  }
  return Math.min(max, Math.max(min, desired ?? current));
}

/** The autoscaler as a runner definition (primary: AutoscalingPolicyBinding; requeues every scale period). */
export function kthenaAutoscaler(client: KubeClient, cache: InformerCache, metrics: SimulatedMetrics): ControllerDefinition {
  async function reconcile(key: ObjectKey): Promise<ReconcileResult> {
    const binding = await cache.get(StubTypes.AutoscalingPolicyBinding, key).catch(ignoreNotFound);
    if (!binding || binding.metadata.deletionTimestamp) return done();
    const ht = binding.spec?.homogeneousTarget;
    const policy = (await cache.get(StubTypes.AutoscalingPolicy, { namespace: key.namespace, name: binding.spec?.policyRef?.name ?? '' }).catch(ignoreNotFound)) as KubeObject | undefined;
    let period = DEFAULT_SCALE_PERIOD_MS;
    try {
      const p = policy?.spec?.behavior?.scaleUp?.stablePolicy?.period;
      if (p !== undefined) period = goDurationMs(p) || DEFAULT_SCALE_PERIOD_MS;
    } catch {
      // An unparsable period keeps the default, as Kthena's defaulting would.
    }
    if (!ht || ht.target?.targetRef?.kind !== 'ModelServing' || ht.target?.subTargets?.kind !== 'Role' || !policy) return requeueAfter(period);
    const ms = await cache.get(StubTypes.ModelServing, { namespace: key.namespace, name: ht.target.targetRef.name }).catch(ignoreNotFound);
    if (!ms) return requeueAfter(period);
    const roles = (ms.spec?.template?.roles ?? []) as Json[];
    const i = roles.findIndex((r) => r.name === ht.target.subTargets.name);
    if (i < 0) return requeueAfter(period);
    const workload = roles[i].entryTemplate?.metadata?.labels?.['app.kubernetes.io/name'] ?? `${ms.metadata.name}-${roles[i].name}`;
    const samples: [number | undefined, number][] = ((policy.spec?.metrics ?? []) as Json[]).map((m) => [metrics.get(`${key.namespace}/${workload}`, m.metricName), Number(m.targetValue)]);
    const current = roles[i].replicas ?? 1;
    const want = desiredReplicas(current, samples, policy.spec?.tolerancePercent ?? DEFAULT_TOLERANCE_PERCENT, ht.minReplicas ?? 1, ht.maxReplicas ?? current);
    if (want !== current) {
      const next = roles.map((r, j) => (j === i ? { ...r, replicas: want } : r));
      await client.patch(StubTypes.ModelServing, { namespace: key.namespace, name: ms.metadata.name }, 'merge', { spec: { template: { roles: next } } }).catch(ignoreNotFound);
    }
    return requeueAfter(period);
  }
  return { name: 'kthena-autoscaler', primary: StubTypes.AutoscalingPolicyBinding, reconciler: { reconcile } };
}
