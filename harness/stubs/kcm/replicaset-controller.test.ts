import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { rfc3339 } from '../../../fake-apiserver/api/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { replicaSetController } from './replicaset-controller.ts';
import { compareForDeletion } from './pods.ts';
import { readyStatus, testCluster } from './test-cluster.ts';

const rs = (replicas: number, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'web', namespace: 'ns' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } }, ...extra },
});

describe('ReplicaSet controller (pod status driven by the test)', () => {
  it('scales down in ActivePods order: unscheduled, then not Ready, then Ready for the shortest time', async () => {
    const c = await testCluster(['ns']);
    await c.start((client, cache) => [replicaSetController(client, cache)]);
    await c.client.create(rs(4));
    await c.advance(1_000);
    const [a, b, d, unscheduled] = c.list(CoreTypes.Pod, 'ns').map((p) => p.metadata.name);
    const key = (name: string) => ({ namespace: 'ns', name });
    for (const n of [a, b, d]) await c.client.patch(CoreTypes.Pod, key(n), 'merge', { spec: { nodeName: 'node-1' } });
    await c.client.patchStatus(CoreTypes.Pod, key(a), 'merge', { status: readyStatus(c.clock.now()) });
    await c.advance(5_000);
    await c.client.patchStatus(CoreTypes.Pod, key(b), 'merge', { status: readyStatus(c.clock.now()) });
    await c.client.patchStatus(CoreTypes.Pod, key(d), 'merge', { status: { phase: 'Running', podIP: '10.0.0.9', conditions: [{ type: 'Ready', status: 'False' }] } });
    await c.advance(1_000);
    expect(c.server.get(CoreTypes.ReplicaSet, key('web')).status).toMatchObject({ replicas: 4, fullyLabeledReplicas: 4, readyReplicas: 2, availableReplicas: 2 });
    expect(c.server.get(CoreTypes.Pod, key(unscheduled)).spec.nodeName).toBeUndefined();
    const left = async (n: number) => {
      await c.client.patch(CoreTypes.ReplicaSet, key('web'), 'merge', { spec: { replicas: n } });
      await c.advance(1_000);
      return c.list(CoreTypes.Pod, 'ns').map((p) => p.metadata.name).sort();
    };
    expect(await left(3)).toEqual([a, b, d].sort()); // the unscheduled one goes first
    expect(await left(2)).toEqual([a, b].sort()); // d is not Ready
    expect(await left(1)).toEqual([a]); // b has been Ready for less time
    c.stop();
  });

  it('counts a Ready pod as available only after minReadySeconds', async () => {
    const c = await testCluster(['ns']);
    await c.start((client, cache) => [replicaSetController(client, cache)]);
    await c.client.create(rs(1, { minReadySeconds: 10 }));
    await c.advance(1_000);
    const pod = c.list(CoreTypes.Pod, 'ns')[0];
    await c.client.patchStatus(CoreTypes.Pod, { namespace: 'ns', name: pod.metadata.name }, 'merge', { status: readyStatus(c.clock.now()) });
    await c.advance(9_000);
    expect(c.server.get(CoreTypes.ReplicaSet, { namespace: 'ns', name: 'web' }).status).toMatchObject({ readyReplicas: 1, availableReplicas: 0 });
    await c.advance(2_000);
    expect(c.server.get(CoreTypes.ReplicaSet, { namespace: 'ns', name: 'web' }).status).toMatchObject({ readyReplicas: 1, availableReplicas: 1 });
    c.stop();
  });

  it('reports ReplicaFailure/FailedCreate when pods cannot be created (a Terminating namespace)', async () => {
    const c = await testCluster(['ns']);
    await c.start((client, cache) => [replicaSetController(client, cache)]);
    await c.client.create(rs(1));
    await c.advance(1_000);
    await c.client.delete(CoreTypes.Namespace, { name: 'ns' }); // no namespace controller here: it stays Terminating
    await c.client.patch(CoreTypes.ReplicaSet, { namespace: 'ns', name: 'web' }, 'merge', { spec: { replicas: 2 } });
    await c.advance(2_000);
    const st = c.server.get(CoreTypes.ReplicaSet, { namespace: 'ns', name: 'web' }).status;
    expect(st.replicas).toBe(1);
    expect(st.conditions).toEqual([expect.objectContaining({ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: expect.stringContaining('is being terminated') })]);
    c.stop();
  });
});

describe('ActivePods deletion order', () => {
  const pod = (name: string, o: { restarts?: number; created?: number } = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', creationTimestamp: rfc3339(o.created ?? 0) },
    spec: { nodeName: 'n' },
    status: { phase: 'Running', containerStatuses: [{ restartCount: o.restarts ?? 0 }], conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(0) }] },
  });
  it('prefers more restarts, then newer pods, then is total by name', () => {
    const sorted = [pod('old'), pod('new', { created: 5_000 }), pod('crashy', { restarts: 3 }), pod('b'), pod('a')].sort(compareForDeletion).map((p) => p.metadata.name);
    expect(sorted).toEqual(['crashy', 'new', 'old', 'b', 'a']);
  });
});
