import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { World } from '../../world.ts';
import { CoreTypes, StubTypes } from '../third-party-crds.ts';
import { HpaType } from '../autoscaling/hpa-controller.ts';
import { hpaFor } from './keda-operator.ts';
import { deployment, until as untilHolds } from '../testing/world-steps.ts';

const until = (w: World, cond: () => boolean, maxMs?: number) => untilHolds(w, cond, { stepMs: 1_000, maxMs });
const replicas = (w: World, name: string): number => w.server.get(CoreTypes.Deployment, { namespace: 'ns', name }).spec.replicas;

function scaledObject(name: string, spec: Record<string, unknown>): KubeObject {
  return { ...StubTypes.ScaledObject, metadata: { name, namespace: 'ns' }, spec: { scaleTargetRef: { name }, ...spec } };
}

async function world(): Promise<World> {
  const w = await World.create({ seed: 5 });
  await w.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
  return w;
}

describe('KEDA operator', () => {
  it('passes horizontalPodAutoscalerConfig name and behavior to the HPA and reads Value / memory triggers', () => {
    const behavior = { scaleDown: { stabilizationWindowSeconds: 60, policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] } };
    const so = scaledObject('q', {
      maxReplicaCount: 7,
      advanced: { horizontalPodAutoscalerConfig: { name: 'q-hpa', behavior } },
      triggers: [
        { type: 'memory', metricType: 'AverageValue', metadata: { value: '512Mi' } },
        { type: 'rabbitmq', metricType: 'Value', metadata: { queueName: 'jobs', value: '20' } },
      ],
    });
    so.metadata.uid = 'u1';
    expect(hpaFor(so)).toMatchObject({
      metadata: { name: 'q-hpa', labels: { 'scaledobject.keda.sh/name': 'q' } },
      spec: {
        minReplicas: 1,
        maxReplicas: 7,
        behavior,
        metrics: [
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '512Mi' } } },
          { type: 'External', external: { metric: { name: 's1-rabbitmq' }, target: { type: 'Value', value: '20' } } },
        ],
      },
    });
  });

  it('builds keda-hpa-<name> from the ScaledObject with KEDA defaults (min 0 -> HPA min 1, max 100)', async () => {
    const w = await world();
    await w.client.create(deployment('web', 2));
    await w.client.create(scaledObject('web', { minReplicaCount: 2, triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '80' } }] }));
    await w.advance(w.clock.now() + 1_000);
    const hpa = w.server.get(HpaType, { namespace: 'ns', name: 'keda-hpa-web' });
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 100,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    });
    expect(hpa.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ScaledObject', name: 'web', controller: true });
    const so = w.server.get(StubTypes.ScaledObject, { namespace: 'ns', name: 'web' });
    expect(so.status).toMatchObject({ hpaName: 'keda-hpa-web', resourceMetricNames: ['cpu'] });
    await w.client.delete(StubTypes.ScaledObject, { namespace: 'ns', name: 'web' });
    await w.advance(w.clock.now() + 1_000);
    expect(w.server.list(HpaType, { namespace: 'ns' }).items).toEqual([]);
    w.stop();
  });

  it('scales to zero after the cooldown and back to one on activation, the HPA taking over above one', async () => {
    const w = await world();
    await w.client.create(deployment('llm', 1));
    w.metrics.set('ns/llm', 'kv-cache', 0.4);
    await w.client.create(
      scaledObject('llm', {
        minReplicaCount: 0,
        maxReplicaCount: 5,
        pollingInterval: 10,
        cooldownPeriod: 60,
        triggers: [{ type: 'prometheus', name: 'kv-cache', metadata: { serverAddress: 'http://prom:9090', query: 'avg(kv_cache)', threshold: '0.5', activationThreshold: '0.2' } }],
      }),
    );
    await w.advance(w.clock.now() + 20_000);
    expect(replicas(w, 'llm')).toBe(1);
    const hpa = w.server.get(HpaType, { namespace: 'ns', name: 'keda-hpa-llm' });
    expect(hpa.spec).toMatchObject({ minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'External', external: { metric: { name: 's0-kv-cache' }, target: { type: 'AverageValue', averageValue: '0.5' } } }] });
    w.metrics.set('ns/llm', 'kv-cache', 0.1);
    await w.advance(w.clock.now() + 45_000);
    expect(replicas(w, 'llm')).toBe(1);
    const toZero = await until(w, () => replicas(w, 'llm') === 0);
    expect(toZero).toBeLessThanOrEqual(30_000);
    expect(w.server.get(StubTypes.ScaledObject, { namespace: 'ns', name: 'llm' }).status.conditions[1]).toMatchObject({ type: 'Active', status: 'False' });
    await w.advance(w.clock.now() + 30_000);
    expect(w.server.get(HpaType, { namespace: 'ns', name: 'keda-hpa-llm' }).status.conditions[1]).toMatchObject({ type: 'ScalingActive', status: 'False', reason: 'ScalingDisabled' });
    w.metrics.set('ns/llm', 'kv-cache', 0.9);
    const toOne = await until(w, () => replicas(w, 'llm') > 0);
    expect(toOne).toBeLessThanOrEqual(10_000);
    expect(replicas(w, 'llm')).toBe(1);
    // 0.9 over an average target of 0.5 asks for 2 pods: the HPA's job once the pod is up.
    await until(w, () => replicas(w, 'llm') === 2, 60_000);
    w.stop();
  });
});
