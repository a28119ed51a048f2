import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { computeBudget, disruptionController } from './disruption-controller.ts';
import { deploymentController } from './deployment-controller.ts';
import { replicaSetController } from './replicaset-controller.ts';
import { readyStatus, testCluster } from './test-cluster.ts';

const pdb = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name, namespace: 'ns' },
  spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
});

describe('PodDisruptionBudget status (disruption controller)', () => {
  it('computes expected / desired / current healthy and disruptionsAllowed for minAvailable and maxUnavailable, ints and percentages, as pods become Ready', async () => {
    const c = await testCluster(['ns']);
    await c.start((client, cache) => [deploymentController(client, cache), replicaSetController(client, cache), disruptionController(client, cache)]);
    await c.client.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'ns' },
      spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
    });
    for (const b of [pdb('min-int', { minAvailable: 3 }), pdb('min-pct', { minAvailable: '50%' }), pdb('max-pct', { maxUnavailable: '25%' }), pdb('max-int', { maxUnavailable: 2 }), pdb('other', { minAvailable: 1, selector: { matchLabels: { app: 'db' } } })])
      await c.client.create(b);
    await c.advance(2_000);
    const pods = c.list(CoreTypes.Pod, 'ns');
    expect(pods).toHaveLength(4);
    for (const p of pods.slice(0, 2)) await c.client.patchStatus(CoreTypes.Pod, { namespace: 'ns', name: p.metadata.name }, 'merge', { status: readyStatus(c.clock.now()) });
    await c.advance(1_000);
    const st = (name: string) => c.server.get(CoreTypes.PodDisruptionBudget, { namespace: 'ns', name }).status;
    const pick = (name: string) => {
      const s = st(name);
      return [s.expectedPods, s.desiredHealthy, s.currentHealthy, s.disruptionsAllowed, s.conditions[0].reason];
    };
    expect(pick('min-int')).toEqual([4, 3, 2, 0, 'InsufficientPods']);
    expect(pick('min-pct')).toEqual([4, 2, 2, 0, 'InsufficientPods']);
    expect(pick('max-pct')).toEqual([4, 3, 2, 0, 'InsufficientPods']);
    expect(pick('max-int')).toEqual([4, 2, 2, 0, 'InsufficientPods']);
    expect(pick('other')).toEqual([0, 1, 0, 0, 'InsufficientPods']);
    for (const p of pods.slice(2)) await c.client.patchStatus(CoreTypes.Pod, { namespace: 'ns', name: p.metadata.name }, 'merge', { status: readyStatus(c.clock.now()) });
    await c.advance(1_000);
    expect(pick('min-int')).toEqual([4, 3, 4, 1, 'SufficientPods']);
    expect(pick('min-pct')).toEqual([4, 2, 4, 2, 'SufficientPods']);
    expect(pick('max-pct')).toEqual([4, 3, 4, 1, 'SufficientPods']);
    expect(pick('max-int')).toEqual([4, 2, 4, 2, 'SufficientPods']);
    expect(st('min-int').conditions[0]).toMatchObject({ type: 'DisruptionAllowed', status: 'True' });
    expect(st('min-int').observedGeneration).toBe(1);
    // Scaling the Deployment changes what a percentage budget expects before any pod exists.
    await c.client.patch(CoreTypes.Deployment, { namespace: 'ns', name: 'web' }, 'merge', { spec: { replicas: 8 } });
    await c.advance(1_000);
    expect(pick('max-pct')).toEqual([8, 6, 4, 0, 'InsufficientPods']);
    c.stop();
  });

  it('fails the sync for a percentage budget over a pod without a controller', () => {
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare', namespace: 'ns' } };
    expect(computeBudget(pdb('b', { maxUnavailable: 1 }), [pod], () => undefined)).toMatchObject({ disruptionsAllowed: 0, failure: 'found no controllers for pod "bare"' });
    expect(computeBudget(pdb('b', { minAvailable: 0 }), [pod], () => undefined)).toMatchObject({ expectedPods: 1, disruptionsAllowed: 0 });
  });
});
