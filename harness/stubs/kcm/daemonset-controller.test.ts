import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { World } from '../../world.ts';
import { ControllerRevisionType, REVISION_LABEL } from './controller-history.ts';
import { DaemonSetType, daemonPodTolerations, daemonSetController, targetNodeName } from './daemonset-controller.ts';
import type { TestCluster } from './test-cluster.ts';
import { readyStatus, testCluster } from './test-cluster.ts';

// Pod status is driven by the test (no scheduler or kubelet here): pods are matched to nodes by their pinned node affinity.
const ds = (extra: Record<string, unknown> = {}, image = 'agent:1', podSpec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent', namespace: 'ns' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image }], ...podSpec } },
    ...extra,
  },
});
const node = (name: string, labels: Record<string, string> = {}, taints: unknown[] = []): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints } });

type Cluster = TestCluster & { byNode: () => Record<string, string[]>; readyAll: () => Promise<void>; status: () => Record<string, unknown>; live: () => KubeObject[] };

async function setup(nodes: KubeObject[]): Promise<Cluster> {
  const c = await testCluster(['ns']);
  for (const n of nodes) await c.client.create(n);
  await c.start((client, cache) => [daemonSetController(client, cache)]);
  const live = () => c.list(CoreTypes.Pod, 'ns').filter((p) => !p.metadata.deletionTimestamp);
  return {
    ...c,
    live,
    byNode: () => {
      const out: Record<string, string[]> = {};
      for (const p of live()) (out[targetNodeName(p)!] ??= []).push(p.spec.containers[0].image);
      for (const images of Object.values(out)) images.sort();
      return out;
    },
    readyAll: async () => {
      for (const p of live()) if (p.status?.phase !== 'Running') await c.client.patchStatus(CoreTypes.Pod, { namespace: 'ns', name: p.metadata.name }, 'merge', { status: readyStatus(c.clock.now()) });
      await c.advance(1_000);
    },
    status: () => c.server.get(DaemonSetType, { namespace: 'ns', name: 'agent' }).status,
  };
}

describe('DaemonSet controller (pod status driven by the test)', () => {
  it('one pod per eligible node: nodeSelector and taints decide, the automatic tolerations apply, pods are pinned by node affinity', async () => {
    const c = await setup([
      node('a', { pool: 'web' }),
      node('b', { pool: 'web' }, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]),
      node('gpu', { pool: 'web' }, [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }]),
      node('db', { pool: 'db' }),
    ]);
    await c.client.create(ds({}, 'agent:1', { nodeSelector: { pool: 'web' } }));
    await c.advance(1_000);
    expect(c.byNode()).toEqual({ a: ['agent:1'], b: ['agent:1'] });
    const pod = c.live().find((p) => targetNodeName(p) === 'a')!;
    expect(pod.metadata.name).toMatch(/^agent-/);
    expect(pod.spec.nodeName).toBeUndefined();
    expect(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual({ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] }] });
    expect(pod.spec.tolerations.map((t: { key: string; effect: string }) => `${t.key}:${t.effect}`)).toEqual(
      ['not-ready:NoExecute', 'unreachable:NoExecute', 'disk-pressure:NoSchedule', 'memory-pressure:NoSchedule', 'pid-pressure:NoSchedule', 'unschedulable:NoSchedule'].map((s) => `node.kubernetes.io/${s}`),
    );
    const rev = c.list(ControllerRevisionType, 'ns')[0];
    expect(pod.metadata.labels).toEqual({ app: 'agent', [REVISION_LABEL]: rev.metadata.labels!['controller.kubernetes.io/hash'] });
    expect(c.status()).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 0, numberAvailable: 0, numberUnavailable: 2, updatedNumberScheduled: 2, numberMisscheduled: 0, observedGeneration: 1 });
    await c.readyAll();
    expect(c.status()).toMatchObject({ numberReady: 2, numberAvailable: 2, numberUnavailable: 0 });
    c.stop();
  });

  it('follows nodes joining, leaving and changing: NoSchedule keeps a pod (misscheduled), NoExecute or a label change removes it', async () => {
    const c = await setup([node('a'), node('b')]);
    await c.client.create(ds({}, 'agent:1', { nodeSelector: { role: 'worker' } }));
    await c.advance(1_000);
    expect(c.byNode()).toEqual({});
    for (const n of ['a', 'b']) await c.client.patch(CoreTypes.Node, { name: n }, 'merge', { metadata: { labels: { role: 'worker' } } });
    await c.client.create(node('c', { role: 'worker' }));
    await c.advance(1_000);
    expect(Object.keys(c.byNode()).sort()).toEqual(['a', 'b', 'c']);
    await c.client.delete(CoreTypes.Node, { name: 'c' });
    await c.client.patch(CoreTypes.Node, { name: 'a' }, 'merge', { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] } });
    await c.advance(1_000);
    expect(Object.keys(c.byNode()).sort()).toEqual(['a', 'b']);
    expect(c.status()).toMatchObject({ desiredNumberScheduled: 1, currentNumberScheduled: 1, numberMisscheduled: 1 });
    await c.client.patch(CoreTypes.Node, { name: 'a' }, 'merge', { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }] } });
    await c.client.patch(CoreTypes.Node, { name: 'b' }, 'merge', { metadata: { labels: { role: null } } });
    await c.advance(1_000);
    expect(c.byNode()).toEqual({});
    expect(c.status()).toMatchObject({ desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0 });
    c.stop();
  });

  it('RollingUpdate maxUnavailable 1: one old pod replaced at a time, each once the previous new pod is available', async () => {
    const c = await setup([node('a'), node('b'), node('c')]);
    await c.client.create(ds());
    await c.advance(1_000);
    await c.readyAll();
    await c.client.patch(DaemonSetType, { namespace: 'ns', name: 'agent' }, 'merge', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
    await c.advance(1_000);
    const images = () => Object.values(c.byNode()).flat().sort();
    expect(images()).toEqual(['agent:1', 'agent:1', 'agent:2']);
    await c.advance(5_000);
    expect(images()).toEqual(['agent:1', 'agent:1', 'agent:2']); // the new pod is not Ready yet
    await c.readyAll();
    await c.advance(1_000);
    expect(images()).toEqual(['agent:1', 'agent:2', 'agent:2']);
    await c.readyAll();
    await c.readyAll();
    expect(images()).toEqual(['agent:2', 'agent:2', 'agent:2']);
    expect(c.status()).toMatchObject({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, observedGeneration: 2 });
    expect(c.list(ControllerRevisionType, 'ns').map((r) => r.revision).sort()).toEqual([1, 2]);
    c.stop();
  });

  it('RollingUpdate maxSurge 1, maxUnavailable 0: the new pod starts beside the old one, which goes once the new one is available', async () => {
    const c = await setup([node('a'), node('b')]);
    await c.client.create(ds({ minReadySeconds: 5, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
    await c.advance(1_000);
    await c.readyAll();
    await c.advance(5_000);
    expect(c.status()).toMatchObject({ numberAvailable: 2 });
    await c.client.patch(DaemonSetType, { namespace: 'ns', name: 'agent' }, 'merge', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
    await c.advance(1_000);
    expect(c.byNode()).toEqual({ a: ['agent:1', 'agent:2'], b: ['agent:1'] });
    await c.readyAll(); // Ready, not yet available for minReadySeconds: both stay
    expect(c.byNode()).toEqual({ a: ['agent:1', 'agent:2'], b: ['agent:1'] });
    await c.advance(5_000);
    expect(c.byNode()).toEqual({ a: ['agent:2'], b: ['agent:1', 'agent:2'] });
    c.stop();
  });

  it('OnDelete: pods are replaced only when deleted', async () => {
    const c = await setup([node('a'), node('b')]);
    await c.client.create(ds({ updateStrategy: { type: 'OnDelete' } }));
    await c.advance(1_000);
    await c.client.patch(DaemonSetType, { namespace: 'ns', name: 'agent' }, 'merge', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
    await c.advance(5_000);
    expect(c.byNode()).toEqual({ a: ['agent:1'], b: ['agent:1'] });
    const onA = c.live().find((p) => targetNodeName(p) === 'a')!;
    await c.client.delete(CoreTypes.Pod, { namespace: 'ns', name: onA.metadata.name });
    await c.advance(1_000);
    expect(c.byNode()).toEqual({ a: ['agent:2'], b: ['agent:1'] });
    expect(c.status()).toMatchObject({ updatedNumberScheduled: 1, desiredNumberScheduled: 2 });
    c.stop();
  });

  it('replaces a failed pod at most once per back-off period on its node (1 s, then 2 s …)', async () => {
    const c = await setup([node('a')]);
    await c.client.create(ds());
    await c.advance(1_000);
    const fail = async () => {
      const [p] = c.live();
      await c.client.patchStatus(CoreTypes.Pod, { namespace: 'ns', name: p.metadata.name }, 'merge', { status: { phase: 'Failed' } });
      return p.metadata.name;
    };
    const first = await fail();
    await c.advance(10);
    const second = c.live().map((p) => p.metadata.name);
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first); // no back-off yet: replaced at once
    await fail();
    await c.advance(500);
    expect(c.live().map((p) => p.metadata.name)).toEqual(second); // within 1 s of the last replacement
    await c.advance(600);
    const third = c.live().map((p) => p.metadata.name);
    expect(third).toHaveLength(1);
    expect(third).not.toEqual(second);
    await fail();
    await c.advance(1_500);
    expect(c.live().map((p) => p.metadata.name)).toEqual(third); // the back-off doubled to 2 s
    await c.advance(600);
    expect(c.live().map((p) => p.metadata.name)).not.toEqual(third);
    c.stop();
  });

  it('replaces a toleration of the same key, operator and effect instead of adding a second', () => {
    const t = daemonPodTolerations({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }, { key: 'x', operator: 'Exists' }] });
    expect(t.filter((x) => x.key === 'node.kubernetes.io/not-ready')).toEqual([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }]);
    expect(t).toContainEqual({ key: 'x', operator: 'Exists' });
    expect(daemonPodTolerations({ hostNetwork: true })).toContainEqual({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  });
});

describe('DaemonSet in a World (scheduler, kubelet, garbage collector)', () => {
  it('runs one Running pod on each CPU node (the GPU nodes are tainted), bound by the scheduler; deleting it collects them', async () => {
    const world = await World.create({ seed: 5, platform: false });
    await world.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
    await world.client.create(ds());
    await world.advance(world.clock.now() + 60_000);
    const nodes = world.server.list(CoreTypes.Node).items;
    const cpu = nodes.filter((n) => !(n.spec?.taints ?? []).length).map((n) => n.metadata.name).sort();
    expect(cpu.length).toBeGreaterThan(0);
    const podsNow = () => world.server.list(CoreTypes.Pod, { namespace: 'ns' }).items;
    expect(podsNow().map((p) => p.spec.nodeName).sort()).toEqual(cpu);
    expect(podsNow().every((p) => p.status?.phase === 'Running')).toBe(true);
    expect(world.server.get(DaemonSetType, { namespace: 'ns', name: 'agent' }).status).toMatchObject({ desiredNumberScheduled: cpu.length, numberAvailable: cpu.length, updatedNumberScheduled: cpu.length });
    await world.client.delete(DaemonSetType, { namespace: 'ns', name: 'agent' });
    await world.advance(world.clock.now() + 30_000);
    expect(podsNow()).toEqual([]);
    world.stop();
  });
});
