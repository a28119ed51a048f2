import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { rfc3339 } from '../../../fake-apiserver/api/index.ts';
import { World } from '../../world.ts';
import { podReady } from '../owners.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { REVISION, deploymentController, equalIgnoreHash, rolloutBounds, scaledValue } from './deployment-controller.ts';
import { replicaSetController } from './replicaset-controller.ts';
import { testCluster } from './test-cluster.ts';

const deployment = (name: string, spec: Record<string, unknown>, image = 'app:v1'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'roll' },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
    ...spec,
  },
});

/** Follows the pods of namespace `roll` event by event (in store order) and records extremes after `armed()`. */
function podWatch(world: World) {
  const pods = new Map<string, KubeObject>();
  const seen = { minAvailable: Infinity, maxPods: 0, maxPerRs: [] as string[] };
  let armed = false;
  const handle = world.server.watch(CoreTypes.Pod, { namespace: 'roll' }, (ev) => {
    if (ev.type === 'DELETED') pods.delete(ev.object.metadata.name);
    else pods.set(ev.object.metadata.name, ev.object);
    if (!armed) return;
    seen.minAvailable = Math.min(seen.minAvailable, [...pods.values()].filter(podReady).length);
    seen.maxPods = Math.max(seen.maxPods, pods.size);
    const owners = new Set([...pods.values()].map((p) => p.metadata.ownerReferences?.[0]?.name));
    if (owners.size > 1) seen.maxPerRs.push([...owners].sort().join('+'));
  });
  return { pods, seen, arm: () => (armed = true), stop: () => handle.stop() };
}

async function until(world: World, cond: () => boolean, timeoutMs = 600_000): Promise<void> {
  const deadline = world.clock.now() + timeoutMs;
  while (!cond()) {
    if (world.clock.now() >= deadline) throw new Error('condition not reached in simulated time');
    if ((await world.clock.run({ untilMs: world.clock.now() + 1_000 })).end === 'idle') throw new Error('simulation went idle before the condition held');
  }
}

const rsOf = (world: World) => world.server.list(CoreTypes.ReplicaSet, { namespace: 'roll' }).items;
const depOf = (world: World, name = 'web') => world.server.get(CoreTypes.Deployment, { namespace: 'roll', name });
const complete = (world: World, name = 'web') => {
  const d = depOf(world, name);
  return d.status?.conditions?.some((c: { type: string; reason: string }) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable') && d.status.observedGeneration === d.metadata.generation;
};

describe('IntOrString rollout bounds', () => {
  it('rounds maxSurge up and maxUnavailable down, defaults both to 25%, and never leaves both at 0', () => {
    expect(scaledValue('25%', 10, true)).toBe(3);
    expect(scaledValue('25%', 10, false)).toBe(2);
    expect(scaledValue(2, 10, true)).toBe(2);
    expect(() => scaledValue('x%', 10, true)).toThrow(/IntOrString/);
    expect(rolloutBounds(deployment('d', { replicas: 1 }))).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(rolloutBounds(deployment('d', { replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } }))).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(rolloutBounds(deployment('d', { replicas: 4, strategy: { type: 'Recreate' } }))).toEqual({ maxSurge: 0, maxUnavailable: 0 });
  });
});

describe('Deployment rollouts in a World', () => {
  it('RollingUpdate maxSurge 1 / maxUnavailable 0 of 4 replicas: never under 4 available or over 5 pods; ends with 4 new pods and the old ReplicaSet at 0', async () => {
    const world = await World.create({ seed: 7 });
    await world.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'roll' } });
    const watch = podWatch(world);
    await world.client.create(deployment('web', { replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
    await until(world, () => complete(world));
    expect([...watch.pods.values()].filter(podReady)).toHaveLength(4);
    const first = rsOf(world)[0];
    expect(first.metadata.annotations?.[REVISION]).toBe('1');
    watch.arm();
    await world.client.patch(CoreTypes.Deployment, { namespace: 'roll', name: 'web' }, 'merge', { spec: { template: { spec: { containers: [{ name: 'main', image: 'app:v2' }] } } } });
    await until(world, () => complete(world));
    watch.stop();
    expect(watch.seen.minAvailable).toBe(4);
    expect(watch.seen.maxPods).toBe(5);
    expect(watch.seen.maxPerRs.length).toBeGreaterThan(0); // old and new pods did overlap: a rolling update, not a swap
    const rss = rsOf(world);
    const fresh = rss.find((r) => r.metadata.name !== first.metadata.name)!;
    expect(rss.find((r) => r.metadata.name === first.metadata.name)?.spec.replicas).toBe(0);
    expect(fresh.spec.replicas).toBe(4);
    expect(fresh.metadata.annotations?.[REVISION]).toBe('2');
    expect(depOf(world).metadata.annotations?.[REVISION]).toBe('2');
    const pods = world.server.list(CoreTypes.Pod, { namespace: 'roll' }).items;
    expect(pods.map((p) => p.metadata.labels?.['pod-template-hash'])).toEqual(Array(4).fill(fresh.metadata.labels?.['pod-template-hash']));
    expect(depOf(world).status).toMatchObject({ replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4, unavailableReplicas: 0 });
    expect(depOf(world).status.conditions.find((c: { type: string }) => c.type === 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    world.stop();
  });

  it('Recreate: the new ReplicaSet gets pods only once every old pod is gone', async () => {
    const world = await World.create({ seed: 8 });
    await world.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'roll' } });
    const watch = podWatch(world);
    await world.client.create(deployment('web', { replicas: 3, strategy: { type: 'Recreate' } }));
    await until(world, () => complete(world));
    watch.arm();
    await world.client.patch(CoreTypes.Deployment, { namespace: 'roll', name: 'web' }, 'merge', { spec: { template: { spec: { containers: [{ name: 'main', image: 'app:v2' }] } } } });
    await until(world, () => complete(world));
    watch.stop();
    expect(watch.seen.maxPerRs).toEqual([]);
    expect(watch.seen.minAvailable).toBe(0);
    expect(world.server.list(CoreTypes.Pod, { namespace: 'roll' }).items.filter(podReady)).toHaveLength(3);
    world.stop();
  });

  it('keeps revisionHistoryLimit idle ReplicaSets and scales a finished rollout to a new size', async () => {
    const world = await World.create({ seed: 9 });
    await world.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'roll' } });
    await world.client.create(deployment('web', { replicas: 2, revisionHistoryLimit: 1 }));
    await until(world, () => complete(world));
    for (const image of ['app:v2', 'app:v3', 'app:v4']) {
      await world.client.patch(CoreTypes.Deployment, { namespace: 'roll', name: 'web' }, 'merge', { spec: { template: { spec: { containers: [{ name: 'main', image }] } } } });
      await until(world, () => complete(world));
    }
    await world.clock.run({ untilMs: world.clock.now() + 5_000 });
    expect(rsOf(world).map((r) => [r.metadata.annotations?.[REVISION], r.spec.replicas]).sort()).toEqual([['3', 0], ['4', 2]]);
    await world.clock.run({ untilMs: world.clock.now() + 700_000 }); // past the progress deadline of the finished rollout
    const reasons = new Set<string>();
    const w = world.server.watch(CoreTypes.Deployment, { namespace: 'roll' }, (ev) => {
      for (const c of ev.object.status?.conditions ?? []) reasons.add(`${c.type}/${c.reason}`);
    });
    await world.client.patch(CoreTypes.Deployment, { namespace: 'roll', name: 'web' }, 'merge', { spec: { replicas: 5 } });
    await until(world, () => complete(world) && depOf(world).status.availableReplicas === 5);
    w.stop();
    expect(reasons.has('Progressing/ProgressDeadlineExceeded')).toBe(false);
    expect(reasons.has('Available/MinimumReplicasUnavailable')).toBe(true); // 2 of 5 available at first (maxUnavailable 25% of 5 = 1)
    expect(world.server.list(CoreTypes.Pod, { namespace: 'roll' }).items).toHaveLength(5);
    world.stop();
  });
});

describe('Deployment scaled during a rollout', () => {
  it('reaches the new size with only new pods whether scaled up or down mid-rollout', async () => {
    const world = await World.create({ seed: 10 });
    await world.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'roll' } });
    for (const [name, to] of [['up', 7], ['down', 2]] as const) {
      await world.client.create(deployment(name, { replicas: 4 }));
      await until(world, () => complete(world, name));
      await world.client.patch(CoreTypes.Deployment, { namespace: 'roll', name }, 'merge', { spec: { template: { spec: { containers: [{ name: 'main', image: 'app:v2' }] } } } });
      await world.clock.run({ untilMs: world.clock.now() + 1_500 });
      expect(complete(world, name)).toBe(false); // mid-rollout
      await world.client.patch(CoreTypes.Deployment, { namespace: 'roll', name }, 'merge', { spec: { replicas: to } });
      await until(world, () => complete(world, name));
      const rss = rsOf(world).filter((r) => r.metadata.labels?.app === name);
      const hash = rss.find((r) => r.spec.replicas > 0)!.metadata.labels?.['pod-template-hash'];
      expect(rss.map((r) => r.spec.replicas).sort()).toEqual([0, to]);
      const pods = world.server.list(CoreTypes.Pod, { namespace: 'roll' }).items.filter((p) => p.metadata.labels?.app === name);
      expect(pods.map((p) => p.metadata.labels?.['pod-template-hash'])).toEqual(Array(to).fill(hash));
    }
    world.stop();
  });
});

describe('Deployment paused', () => {
  it('makes no new ReplicaSet while paused but scales the current one, reports DeploymentPaused, and rolls out once resumed', async () => {
    const world = await World.create({ seed: 12 });
    await world.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'roll' } });
    await world.client.create(deployment('web', { replicas: 2 }));
    await until(world, () => complete(world));
    const key = { namespace: 'roll', name: 'web' };
    await world.client.patch(CoreTypes.Deployment, key, 'merge', { spec: { paused: true, replicas: 3, template: { spec: { containers: [{ name: 'main', image: 'app:v2' }] } } } });
    await world.clock.run({ untilMs: world.clock.now() + 30_000 });
    expect(rsOf(world).map((r) => [r.metadata.annotations?.[REVISION], r.spec.replicas])).toEqual([['1', 3]]);
    expect(depOf(world).status.conditions.find((c: { type: string }) => c.type === 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused' });
    expect(depOf(world).status.availableReplicas).toBe(3);
    await world.client.patch(CoreTypes.Deployment, key, 'merge', { spec: { paused: false } });
    await until(world, () => complete(world));
    expect(rsOf(world).map((r) => [r.metadata.annotations?.[REVISION], r.spec.replicas]).sort()).toEqual([['1', 0], ['2', 3]]);
    world.stop();
  });
});

describe('Deployment rollback (rollout undo)', () => {
  it('an old template coming back, keys in another order and without the hash label, reuses its ReplicaSet under the next revision', async () => {
    const world = await World.create({ seed: 12 });
    await world.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'roll' } });
    await world.client.create(deployment('web', { replicas: 2 }));
    await until(world, () => complete(world));
    const key = { namespace: 'roll', name: 'web' };
    await world.client.patch(CoreTypes.Deployment, key, 'merge', { spec: { template: { spec: { containers: [{ name: 'main', image: 'app:v2' }] } } } });
    await until(world, () => complete(world) && rsOf(world).length === 2);
    // What kubectl rollout undo sends: revision 1's ReplicaSet template, its hash label dropped (here with keys reordered).
    const first = rsOf(world).find((r) => r.metadata.annotations?.[REVISION] === '1')!;
    const template = { spec: first.spec.template.spec, metadata: { labels: { app: 'web' } } };
    expect(equalIgnoreHash(template, first.spec.template)).toBe(true);
    expect(equalIgnoreHash({ ...template, spec: { containers: [{ name: 'main', image: 'app:v3' }] } }, first.spec.template)).toBe(false);
    await world.client.patch(CoreTypes.Deployment, key, 'json', [{ op: 'replace', path: '/spec/template', value: template }]);
    await until(world, () => complete(world) && depOf(world).metadata.annotations?.[REVISION] === '3');
    const after = rsOf(world);
    expect(after).toHaveLength(2);
    expect(after.map((r) => [r.metadata.name, r.metadata.annotations?.[REVISION], r.spec.replicas]).sort()).toEqual(
      [[first.metadata.name, '3', 2], [after.find((r) => r.metadata.name !== first.metadata.name)!.metadata.name, '2', 0]].sort(),
    );
    world.stop();
  });
});

describe('Deployment progress deadline (no kubelet: pods never become Ready)', () => {
  it('reports NewReplicaSetCreated, ReplicaSetUpdated as pods are created, then ProgressDeadlineExceeded after progressDeadlineSeconds, and Available=False', async () => {
    const c = await testCluster(['roll']);
    await c.start((client, cache) => [deploymentController(client, cache), replicaSetController(client, cache)]);
    const reasons: string[] = [];
    const w = c.server.watch(CoreTypes.Deployment, { namespace: 'roll' }, (ev) => {
      const r = ev.object.status?.conditions?.find((x: { type: string }) => x.type === 'Progressing')?.reason;
      if (r && reasons.at(-1) !== r) reasons.push(r);
    });
    await c.client.create(deployment('web', { replicas: 2, progressDeadlineSeconds: 30 }));
    await c.advance(5_000);
    const cond = (type: string) => c.server.get(CoreTypes.Deployment, { namespace: 'roll', name: 'web' }).status?.conditions?.find((x: { type: string }) => x.type === type);
    expect(reasons).toEqual(['NewReplicaSetCreated', 'ReplicaSetUpdated']);
    expect(cond('Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
    expect(c.list(CoreTypes.Pod, 'roll')).toHaveLength(2);
    const created = c.clock.now();
    await c.advance(40_000);
    expect(cond('Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(Date.parse(cond('Progressing').lastTransitionTime)).toBeGreaterThan(created + 25_000 - 5_000);
    expect(Date.parse(cond('Progressing').lastTransitionTime)).toBeLessThanOrEqual(Date.parse(rfc3339(created + 40_000)));
    expect(reasons).toEqual(['NewReplicaSetCreated', 'ReplicaSetUpdated', 'ProgressDeadlineExceeded']);
    w.stop();
    c.stop();
  });
});
