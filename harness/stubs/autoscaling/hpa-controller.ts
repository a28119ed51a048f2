/**
 * HorizontalPodAutoscaler controller stub (kube-controller-manager, autoscaling/v2), kept apart from
 * `kcm/` because it reads the simulated metrics. Every HPA is synced every `hpaSyncPeriodMs`
 * (`--horizontal-pod-autoscaler-sync-period`, 15 s): it reads the target Deployment's
 * `spec.replicas` and ready pods from the informer cache, asks the metrics source
 * (`../metrics.ts`) for each metric (Resource cpu/memory utilisation or average value per ready pod:
 * the value set for the workload, else, with metrics-server installed, what its resource metrics API
 * reports against the pods' requests, `resource-metrics.ts`;
 * External metrics by name, served by the KEDA operator), computes the proposal, stabilizes, rate
 * limits and clamps it (`replica-calculator.ts`), and writes the Deployment's `spec.replicas`
 * (a merge patch, what a write to `/scale` does). Status: currentReplicas, desiredReplicas,
 * currentMetrics, lastScaleTime, conditions AbleToScale / ScalingActive / ScalingLimited with
 * upstream reasons; Events (with a recorder): `SuccessfulRescale` `New size: N; reason: …`, and
 * `FailedGetResourceMetric` where metrics-server's reading fails. A target at 0 replicas is left alone (ScalingActive False, ScalingDisabled):
 * scaling from zero is KEDA's. Only Deployment targets (others: AbleToScale False, FailedGetScale).
 */
import { quantityScalar } from '../scheduler/fit.ts';
import type { Clock, InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { INDEX_NAMESPACE, ignoreNotFound, matchesSelector, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { Condition } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import type { SimulationProfile } from '../../profile.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { podReady } from '../owners.ts';
import type { SimulatedMetrics } from '../metrics.ts';
import type { EventRecorder } from '../events.ts';
import { defaultBehavior, normalize, proposeReplicas } from './replica-calculator.ts';
import { readResourceMetric } from './resource-metrics.ts';
import type { Behavior, Recommendation, ScaleEvent } from './replica-calculator.ts';

/** Field manager of the HPA controller's writes (kube-controller-manager's HPA loop). */
const MANAGER = 'horizontal-pod-autoscaler';

/** autoscaling/v2 HorizontalPodAutoscaler. */
export const HpaType = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' } as const;

/** HPA timings (simulated ms) and tolerance, resolved from the profile's optional `autoscaling` section. */
export interface HpaSettings {
  syncPeriodMs: number;
  tolerance: number;
  downscaleStabilizationMs: number;
}

/** The profile's `autoscaling` section with defaults: sync 15 s, tolerance 0.1, scale-down window 300 s. */
export function hpaSettings(profile: SimulationProfile): HpaSettings {
  const a = profile.autoscaling ?? {};
  return { syncPeriodMs: a.hpaSyncPeriodMs ?? 15_000, tolerance: a.hpaTolerance ?? 0.1, downscaleStabilizationMs: a.hpaDownscaleStabilizationMs ?? 300_000 };
}

/** A quantity (`"500m"`, `"2"`, `"1k"`, or a number) as a number (fit.ts `quantityScalar`); NaN when unreadable. */
export function quantityValue(q: unknown): number {
  if (typeof q !== 'number' && typeof q !== 'string') return NaN;
  try {
    return quantityScalar(q);
  } catch {
    return NaN;
  }
}

interface MetricTarget {
  type: 'Utilization' | 'AverageValue' | 'Value';
  averageUtilization?: number;
  averageValue?: string | number;
  value?: string | number;
}
interface MetricSpec {
  type: 'Resource' | 'External' | 'Pods' | 'Object' | 'ContainerResource';
  resource?: { name: string; target: MetricTarget };
  external?: { metric: { name: string }; target: MetricTarget };
}

/** The HPA controller as a runner definition. */
export function hpaController(client: KubeClient, clock: Clock, cache: InformerCache, metrics: SimulatedMetrics, settings: HpaSettings, recorder?: EventRecorder): ControllerDefinition {
  const history = new Map<string, Recommendation[]>();
  const scaleEvents = new Map<string, ScaleEvent[]>();
  const pods = cache.informerFor(CoreTypes.Pod);
  return {
    name: MANAGER,
    primary: HpaType,
    generationChangedOnly: true,
    reconciler: {
      async reconcile(key) {
        const hpa = await cache.get(HpaType, key).catch(ignoreNotFound);
        const id = `${key.namespace}/${key.name}`;
        if (!hpa || hpa.metadata.deletionTimestamp) {
          history.delete(id);
          scaleEvents.delete(id);
          return done();
        }
        const now = clock.now();
        const nowIso = rfc3339(now);
        const ns = key.namespace!;
        const spec = hpa.spec as { scaleTargetRef: { kind?: string; name: string }; minReplicas?: number; maxReplicas: number; metrics?: MetricSpec[]; behavior?: Behavior };
        const conditions: Omit<Condition, 'lastTransitionTime'>[] = [];
        const finish = async (status: Record<string, unknown>) => {
          const old = (hpa.status?.conditions ?? []) as Condition[];
          const conds = conditions.map((c) => {
            const prev = old.find((o) => o.type === c.type);
            return { ...c, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : nowIso };
          });
          const next = { observedGeneration: hpa.metadata.generation, ...status, conditions: conds };
          if (JSON.stringify(hpa.status ?? {}) !== JSON.stringify({ ...hpa.status, ...next })) {
            await client.patchStatus(HpaType, key, 'merge', { status: next }, { fieldManager: MANAGER }).catch(ignoreNotFound);
          }
          return requeueAfter(settings.syncPeriodMs);
        };
        const target = spec.scaleTargetRef;
        const dep = (target.kind ?? 'Deployment') === 'Deployment' ? await cache.get(CoreTypes.Deployment, { namespace: ns, name: target.name }).catch(ignoreNotFound) : undefined;
        if (!dep) {
          conditions.push({ type: 'AbleToScale', status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: deployments.apps "${target.name}" not found` });
          return finish({ currentReplicas: 0, desiredReplicas: 0 });
        }
        const current: number = dep.spec?.replicas ?? 1;
        const minReplicas = spec.minReplicas ?? 1;
        // A new HPA's recommendations start with the current count (reconcileAutoscaler), so it waits out the scale-down window.
        if (!history.has(id)) history.set(id, [{ atMs: now, replicas: current }]);
        if (current === 0 && minReplicas !== 0) {
          conditions.push({ type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale', message: 'the HPA controller was able to get the target\'s current scale' });
          conditions.push({ type: 'ScalingActive', status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
          return finish({ currentReplicas: 0, desiredReplicas: 0 });
        }
        await pods.synced();
        const readyPods = pods
          .byIndex(INDEX_NAMESPACE, ns)
          .filter((p: KubeObject) => matchesSelector(dep.spec?.selector, p.metadata.labels) && podReady(p) && !p.metadata.deletionTimestamp);
        const ready = readyPods.length;
        const metricsApi = metrics.resourceMetrics();
        const targetKey = `${ns}/${target.name}`;
        const proposals: number[] = [];
        const currentMetrics: unknown[] = [];
        let failure: { reason: string; message: string } | undefined;
        for (const m of spec.metrics ?? []) {
          if (m.type === 'Resource' && m.resource) {
            const util = metrics.get(targetKey, m.resource.name);
            const t = m.resource.target;
            if (util === undefined && metricsApi) {
              // No value set: what metrics-server reports, as a real HPA reads it.
              const reading = readResourceMetric(metricsApi, readyPods, m.resource.name);
              if ('error' in reading) {
                failure = { reason: 'FailedGetResourceMetric', message: `the HPA was unable to compute the replica count: failed to get ${m.resource.name} utilization: ${reading.error}` };
                await recorder?.event(hpa, 'Warning', 'FailedGetResourceMetric', `failed to get ${m.resource.name} utilization: ${reading.error}`);
                continue;
              }
              const averageValue = m.resource.name === 'cpu' ? `${reading.rawAverageMilli}m` : String(Math.floor(reading.rawAverageMilli / 1000));
              if (t.type === 'Utilization') {
                proposals.push(proposeReplicas({ kind: 'per-pod', current: reading.utilization, target: t.averageUtilization ?? 80 }, current, reading.pods, settings.tolerance));
                currentMetrics.push({ type: 'Resource', resource: { name: m.resource.name, current: { averageUtilization: reading.utilization, averageValue } } });
              } else {
                proposals.push(proposeReplicas({ kind: 'per-pod', current: reading.rawAverageMilli / 1000, target: quantityValue(t.averageValue) }, current, reading.pods, settings.tolerance));
                currentMetrics.push({ type: 'Resource', resource: { name: m.resource.name, current: { averageValue } } });
              }
              continue;
            }
            if (util === undefined || ready === 0) {
              failure = { reason: 'FailedGetResourceMetric', message: `the HPA was unable to compute the replica count: failed to get ${m.resource.name} utilization: did not receive metrics for targeted pods (pods might be unready)` };
              continue;
            }
            if (t.type === 'Utilization') {
              proposals.push(proposeReplicas({ kind: 'per-pod', current: util * 100, target: t.averageUtilization ?? 80 }, current, ready, settings.tolerance));
              currentMetrics.push({ type: 'Resource', resource: { name: m.resource.name, current: { averageUtilization: Math.round(util * 100) } } });
            } else {
              proposals.push(proposeReplicas({ kind: 'per-pod', current: util, target: quantityValue(t.averageValue) }, current, ready, settings.tolerance));
              currentMetrics.push({ type: 'Resource', resource: { name: m.resource.name, current: { averageValue: String(util) } } });
            }
          } else if (m.type === 'External' && m.external) {
            const value = metrics.externalValue(ns, m.external.metric.name);
            if (value === undefined) {
              failure = { reason: 'FailedGetExternalMetric', message: `the HPA was unable to compute the replica count: unable to get external metric ${ns}/${m.external.metric.name}: no metrics returned from external metrics API` };
              continue;
            }
            const t = m.external.target;
            const averaged = t.type !== 'Value';
            const targetValue = quantityValue(averaged ? t.averageValue : t.value);
            proposals.push(proposeReplicas({ kind: averaged ? 'total-average' : 'value', current: value, target: targetValue }, current, ready, settings.tolerance));
            const shown = averaged ? { averageValue: String(value / Math.max(1, current)) } : { value: String(value) };
            currentMetrics.push({ type: 'External', external: { metric: { name: m.external.metric.name }, current: shown } });
          } else {
            failure = { reason: 'InvalidMetricSourceType', message: `the HPA was unable to compute the replica count: metric type ${m.type} is not modelled by the simulator` };
          }
        }
        conditions.push({ type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale', message: 'the HPA controller was able to get the target\'s current scale' });
        if (proposals.length === 0) {
          conditions.push({ type: 'ScalingActive', status: 'False', ...(failure ?? { reason: 'FailedGetResourceMetric', message: 'the HPA has no metrics' }) });
          return finish({ currentReplicas: current, desiredReplicas: current, currentMetrics });
        }
        const proposal = Math.max(...proposals);
        const recs = (history.get(id) ?? []).filter((r) => r.atMs > now - Math.max(settings.downscaleStabilizationMs, 3_600_000));
        recs.push({ atMs: now, replicas: proposal });
        history.set(id, recs);
        const defaults = defaultBehavior(settings.downscaleStabilizationMs);
        const behavior = {
          scaleUp: { ...defaults.scaleUp, ...spec.behavior?.scaleUp },
          scaleDown: { ...defaults.scaleDown, ...spec.behavior?.scaleDown },
        };
        const events = (scaleEvents.get(id) ?? []).filter((e) => e.atMs > now - 3_600_000);
        const out = normalize(proposal, current, recs, events, behavior, { minReplicas, maxReplicas: spec.maxReplicas }, now);
        conditions.push({ type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from the metrics' });
        const limitMessages: Record<string, string> = {
          TooManyReplicas: 'the desired replica count is more than the maximum replica count',
          TooFewReplicas: 'the desired replica count is less than the minimum replica count',
          ScaleUpLimit: 'the desired replica count is increasing faster than the maximum scale rate',
          ScaleDownLimit: 'the desired replica count is decreasing faster than the maximum scale rate',
        };
        const limited = out.limitedBy && limitMessages[out.limitedBy];
        conditions.push(limited ? { type: 'ScalingLimited', status: 'True', reason: out.limitedBy!, message: limited } : { type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' });
        let lastScaleTime = hpa.status?.lastScaleTime;
        if (out.replicas !== current) {
          await client.patch(CoreTypes.Deployment, { namespace: ns, name: target.name }, 'merge', { spec: { replicas: out.replicas } }, { fieldManager: MANAGER });
          // The rescale reason as upstream words it (a single Resource metric is named; External ones by their name).
          const first = spec.metrics?.[0];
          const named = first?.type === 'Resource' ? `${first.resource?.name} resource${first.resource?.target.type === 'Utilization' ? ' utilization (percentage of request)' : ''}` : `external metric ${first?.external?.metric.name}(nil)`;
          const reason = out.replicas < current ? 'All metrics below target' : `${named} above target`;
          await recorder?.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${out.replicas}; reason: ${reason}`);
          events.push({ atMs: now, change: out.replicas - current });
          lastScaleTime = nowIso;
          conditions[0] = { type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${out.replicas}` };
        } else if (out.limitedBy === 'ScaleDownStabilized') {
          conditions[0] = { type: 'AbleToScale', status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
        } else {
          conditions[0] = { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
        }
        scaleEvents.set(id, events);
        return finish({ currentReplicas: current, desiredReplicas: out.replicas, currentMetrics, ...(lastScaleTime ? { lastScaleTime } : {}) });
      },
    },
  };
}
