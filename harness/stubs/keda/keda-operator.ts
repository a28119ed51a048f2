/**
 * KEDA operator stub (keda.sh/v1alpha1 ScaledObject; KEDA docs "ScaledObject specification",
 * "Scaling Deployments": activation and scaling phases). Per ScaledObject, every `pollingInterval`
 * (default 30 s):
 * - owns an HPA `keda-hpa-<name>` (autoscaling/v2) on the same target: `minReplicas` =
 *   max(minReplicaCount (default 0), 1), `maxReplicas` = maxReplicaCount (default 100), one metric
 *   per trigger (`cpu` / `memory` → Resource with the trigger's `metricType`, Utilization by
 *   default, target `metadata.value`; any other trigger → External metric `s<i>-<name>` with an
 *   AverageValue target `metadata.threshold` (or `value`, `targetValue`), its value served from
 *   the simulated metric `<trigger name or metadata.metricName or type>` of the target), and
 *   `advanced.horizontalPodAutoscalerConfig.behavior`;
 * - activation (0 ↔ 1): a non-resource trigger is active when its metric exceeds
 *   `metadata.activationThreshold` (default 0); cpu/memory triggers count as active while the target
 *   runs. Active and the target at 0 (or at `idleReplicaCount`) → scaled to max(minReplicaCount, 1).
 *   Inactive for `cooldownPeriod` (default 300 s) since the last active poll (never active: since
 *   creation + `initialCooldownPeriod`) with minReplicaCount 0 or an idleReplicaCount → scaled to
 *   idleReplicaCount or 0. Between 1 and max, the HPA scales;
 * - status: hpaName, scaleTargetKind, originalReplicaCount, lastActiveTime, external/resource metric
 *   names, conditions Ready / Active / Fallback.
 * The HPA is deleted with the ScaledObject. Only Deployment targets. Times are simulated ms.
 */
import type { Clock, InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { Condition } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import { CoreTypes, StubTypes } from '../third-party-crds.ts';
import { controllerRef } from '../owners.ts';
import type { SimulatedMetrics } from '../metrics.ts';
import { HpaType, quantityValue } from '../autoscaling/hpa-controller.ts';

const MANAGER = 'keda-operator';

interface Trigger {
  type: string;
  name?: string;
  metricType?: 'Utilization' | 'AverageValue' | 'Value';
  metadata?: Record<string, string>;
}

interface ScaledObjectSpec {
  scaleTargetRef: { apiVersion?: string; kind?: string; name: string };
  pollingInterval?: number;
  cooldownPeriod?: number;
  initialCooldownPeriod?: number;
  idleReplicaCount?: number;
  minReplicaCount?: number;
  maxReplicaCount?: number;
  triggers?: Trigger[];
  advanced?: { horizontalPodAutoscalerConfig?: { name?: string; behavior?: object } };
}

const isResource = (t: Trigger) => t.type === 'cpu' || t.type === 'memory';
/** Name of the simulated metric a non-resource trigger reads. */
export const triggerMetric = (t: Trigger) => t.name ?? t.metadata?.metricName ?? t.type;

/** The HPA KEDA builds for `so` (name `keda-hpa-<so>` unless `advanced.horizontalPodAutoscalerConfig.name`). */
export function hpaFor(so: KubeObject): KubeObject {
  const spec = so.spec as ScaledObjectSpec;
  const name = spec.advanced?.horizontalPodAutoscalerConfig?.name ?? `keda-hpa-${so.metadata.name}`;
  const metrics = (spec.triggers ?? []).map((t, i) => {
    const md = t.metadata ?? {};
    if (isResource(t)) {
      const type = t.metricType ?? 'Utilization';
      const target = type === 'Utilization' ? { type, averageUtilization: Number(md.value) } : { type, averageValue: md.value };
      return { type: 'Resource', resource: { name: t.type, target } };
    }
    const type = t.metricType ?? 'AverageValue';
    const threshold = md.threshold ?? md.value ?? md.targetValue ?? '1';
    return {
      type: 'External',
      external: {
        metric: { name: `s${i}-${triggerMetric(t)}`, selector: { matchLabels: { 'scaledobject.keda.sh/name': so.metadata.name } } },
        target: type === 'Value' ? { type, value: threshold } : { type, averageValue: threshold },
      },
    };
  });
  const behavior = spec.advanced?.horizontalPodAutoscalerConfig?.behavior;
  return {
    ...HpaType,
    metadata: {
      name,
      namespace: so.metadata.namespace,
      labels: { 'app.kubernetes.io/managed-by': MANAGER, 'app.kubernetes.io/name': name, 'scaledobject.keda.sh/name': so.metadata.name },
      ownerReferences: [controllerRef(so)],
    },
    spec: {
      scaleTargetRef: { apiVersion: spec.scaleTargetRef.apiVersion ?? 'apps/v1', kind: spec.scaleTargetRef.kind ?? 'Deployment', name: spec.scaleTargetRef.name },
      minReplicas: Math.max(spec.minReplicaCount ?? 0, 1),
      maxReplicas: spec.maxReplicaCount ?? 100,
      metrics,
      ...(behavior ? { behavior } : {}),
    },
  };
}

/** The KEDA operator as a runner definition. */
export function kedaOperator(client: KubeClient, clock: Clock, cache: InformerCache, metrics: SimulatedMetrics): ControllerDefinition {
  /** Per ScaledObject `ns/name`: the HPA and external metric names it serves. */
  const served = new Map<string, { hpa: string; external: string[] }>();
  const lastActive = new Map<string, number>();
  return {
    name: MANAGER,
    primary: StubTypes.ScaledObject,
    generationChangedOnly: true,
    reconciler: {
      async reconcile(key) {
        const id = `${key.namespace}/${key.name}`;
        const ns = key.namespace!;
        const so = await cache.get(StubTypes.ScaledObject, key).catch(ignoreNotFound);
        if (!so || so.metadata.deletionTimestamp) {
          const s = served.get(id);
          if (s) {
            for (const m of s.external) metrics.stopServing(ns, m);
            await client.delete(HpaType, { namespace: ns, name: s.hpa }).catch(ignoreNotFound);
          }
          served.delete(id);
          lastActive.delete(id);
          return done();
        }
        const spec = so.spec as ScaledObjectSpec;
        const now = clock.now();
        const pollMs = (spec.pollingInterval ?? 30) * 1000;
        const target = `${ns}/${spec.scaleTargetRef.name}`;
        const hpa = hpaFor(so);
        const external: string[] = [];
        (spec.triggers ?? []).forEach((t, i) => {
          if (isResource(t)) return;
          const name = `s${i}-${triggerMetric(t)}`;
          external.push(name);
          metrics.serveExternal(ns, name, { target, metric: triggerMetric(t) });
        });
        const prev = served.get(id);
        for (const m of prev?.external ?? []) if (!external.includes(m)) metrics.stopServing(ns, m);
        if (prev && prev.hpa !== hpa.metadata.name) await client.delete(HpaType, { namespace: ns, name: prev.hpa }).catch(ignoreNotFound);
        served.set(id, { hpa: hpa.metadata.name, external });
        await client.apply(hpa, { fieldManager: MANAGER, force: true });

        const dep = await cache.get(CoreTypes.Deployment, { namespace: ns, name: spec.scaleTargetRef.name }).catch(ignoreNotFound);
        const current: number | undefined = dep ? (dep.spec?.replicas ?? 1) : undefined;
        const min = spec.minReplicaCount ?? 0;
        const idle = spec.idleReplicaCount;
        const active = (spec.triggers ?? []).some((t) => {
          if (isResource(t)) return (current ?? 0) > 0;
          const v = metrics.get(target, triggerMetric(t));
          return v !== undefined && v > quantityValue(t.metadata?.activationThreshold ?? '0');
        });
        if (active) lastActive.set(id, now);
        const created = Date.parse(so.metadata.creationTimestamp ?? rfc3339(now));
        const since = lastActive.get(id) ?? created + ((spec.initialCooldownPeriod ?? 0) - (spec.cooldownPeriod ?? 300)) * 1000;
        let scaleTo: number | undefined;
        if (current !== undefined) {
          if (active && (current === 0 || (idle !== undefined && current === idle))) scaleTo = Math.max(min, 1);
          else if (!active && current > (idle ?? 0) && (min === 0 || idle !== undefined) && now >= since + (spec.cooldownPeriod ?? 300) * 1000) scaleTo = idle ?? 0;
          else if (!active && current < min && (idle === undefined || current !== idle)) scaleTo = min;
        }
        if (scaleTo !== undefined && scaleTo !== current) {
          await client.patch(CoreTypes.Deployment, { namespace: ns, name: spec.scaleTargetRef.name }, 'merge', { spec: { replicas: scaleTo } }, { fieldManager: MANAGER });
        }
        const nowIso = rfc3339(now);
        const old = (so.status?.conditions ?? []) as Condition[];
        const cond = (type: string, status: 'True' | 'False', reason: string, message: string): Condition => {
          const p = old.find((o) => o.type === type);
          return { type, status, reason, message, lastTransitionTime: p && p.status === status ? p.lastTransitionTime : nowIso };
        };
        const status = {
          hpaName: hpa.metadata.name,
          scaleTargetKind: 'apps/v1.Deployment',
          originalReplicaCount: so.status?.originalReplicaCount ?? current,
          ...(lastActive.has(id) ? { lastActiveTime: rfc3339(lastActive.get(id)!) } : {}),
          externalMetricNames: external,
          resourceMetricNames: (spec.triggers ?? []).filter(isResource).map((t) => t.type),
          conditions: [
            dep
              ? cond('Ready', 'True', 'ScaledObjectReady', 'ScaledObject is defined correctly and is ready for scaling')
              : cond('Ready', 'False', 'ScaledObjectCheckFailed', `ScaledObject doesn't have correct scaleTargetRef specification: deployments.apps "${spec.scaleTargetRef.name}" not found`),
            active ? cond('Active', 'True', 'ScalerActive', 'Scaling is performed because triggers are active') : cond('Active', 'False', 'ScalerNotActive', 'Scaling is not performed because triggers are not active'),
            cond('Fallback', 'False', 'NoFallbackFound', 'No fallbacks are active on this scaled object'),
          ],
        };
        if (JSON.stringify(so.status ?? {}) !== JSON.stringify(status)) await client.patchStatus(StubTypes.ScaledObject, key, 'merge', { status }, { fieldManager: MANAGER }).catch(ignoreNotFound);
        return requeueAfter(pollMs);
      },
    },
  };
}
