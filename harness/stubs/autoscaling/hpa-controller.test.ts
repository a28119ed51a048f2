import { describe, expect, it } from 'vitest';
import { World } from '../../world.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { podReady } from '../owners.ts';
import { HpaType } from './hpa-controller.ts';
import { deployment, until as untilHolds } from '../testing/world-steps.ts';
import { defaultBehavior, normalize, proposeReplicas } from './replica-calculator.ts';

const replicas = (w: World, name: string): number => w.server.get(CoreTypes.Deployment, { namespace: 'ns', name }).spec.replicas;
const readyPods = (w: World, name: string) => w.server.list(CoreTypes.Pod, { namespace: 'ns' }).items.filter((p) => p.metadata.labels?.app === name && podReady(p)).length;
const until = (w: World, cond: () => boolean, maxMs?: number) => untilHolds(w, cond, { stepMs: 1_000, maxMs });

describe('replica calculator', () => {
  it('keeps the count within the tolerance and otherwise takes ceil(ratio x pods)', () => {
    expect(proposeReplicas({ kind: 'per-pod', current: 54, target: 50 }, 4, 4, 0.1)).toBe(4);
    expect(proposeReplicas({ kind: 'per-pod', current: 90, target: 50 }, 2, 2, 0.1)).toBe(4);
    expect(proposeReplicas({ kind: 'total-average', current: 0.9, target: 0.5 }, 1, 1, 0.1)).toBe(2);
    expect(proposeReplicas({ kind: 'value', current: 30, target: 10 }, 2, 2, 0.1)).toBe(6);
  });

  it('limits a scale-up to max(+100 %, +4 pods) per 15 s and holds a scale-down for the stabilization window', () => {
    const b = defaultBehavior(300_000);
    const bounds = { minReplicas: 1, maxReplicas: 100 };
    expect(normalize(50, 2, [{ atMs: 0, replicas: 50 }], [], b, bounds, 0)).toEqual({ replicas: 6, limitedBy: 'ScaleUpLimit' });
    expect(normalize(50, 10, [{ atMs: 0, replicas: 50 }], [], b, bounds, 0)).toEqual({ replicas: 20, limitedBy: 'ScaleUpLimit' });
    const hist = [
      { atMs: 0, replicas: 8 },
      { atMs: 200_000, replicas: 2 },
    ];
    expect(normalize(2, 8, hist, [], b, bounds, 200_000).replicas).toBe(8);
    expect(normalize(2, 8, hist.slice(1), [], b, bounds, 300_001).replicas).toBe(2);
    expect(normalize(200, 8, [{ atMs: 0, replicas: 200 }], [], b, { minReplicas: 1, maxReplicas: 10 }, 0)).toEqual({ replicas: 10, limitedBy: 'TooManyReplicas' });
  });
});

describe('HPA controller', () => {
  it('scales 2 -> 4 on 90 % cpu against a 50 % target, then holds 300 s before scaling back down', async () => {
    const w = await World.create({ seed: 11 });
    await w.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
    await w.client.create(deployment('web', 2));
    await until(w, () => readyPods(w, 'web') === 2);
    w.metrics.set('ns/web', 'cpu', 0.9);
    await w.client.create({
      ...HpaType,
      metadata: { name: 'web', namespace: 'ns' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      },
    });
    const up = await until(w, () => replicas(w, 'web') !== 2);
    expect(up).toBeLessThanOrEqual(30_000);
    expect(replicas(w, 'web')).toBe(4);
    const hpa = w.server.get(HpaType, { namespace: 'ns', name: 'web' });
    expect(hpa.status).toMatchObject({ currentReplicas: 2, desiredReplicas: 4, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 90 } } }] });
    expect(hpa.status.conditions.map((c: { type: string; reason: string }) => `${c.type}/${c.reason}`)).toEqual(['AbleToScale/SucceededRescale', 'ScalingActive/ValidMetricFound', 'ScalingLimited/DesiredWithinRange']);
    // 45 % of 4 pods is within the tolerance of 50 %: no change.
    w.metrics.set('ns/web', 'cpu', 0.45);
    await until(w, () => readyPods(w, 'web') === 4);
    await w.advance(w.clock.now() + 60_000);
    expect(replicas(w, 'web')).toBe(4);
    w.metrics.set('ns/web', 'cpu', 0.1);
    const down = await until(w, () => replicas(w, 'web') !== 4);
    expect(replicas(w, 'web')).toBe(2);
    // The last recommendation of 4 is at most one sync old when the load drops: down after 285-316 s.
    expect(down).toBeGreaterThanOrEqual(285_000);
    expect(down).toBeLessThanOrEqual(316_000);
    w.stop();
  });
});
