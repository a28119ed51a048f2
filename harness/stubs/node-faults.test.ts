/**
 * Node faults in a World: a lost node turns Unknown after the grace period, gets the unreachable
 * taints, and its pods are evicted after the DefaultTolerationSeconds 300 s, the ReplicaSet's
 * replacement landing on another node; a restore before then cancels the eviction; XID 79 / DBE
 * ECC take a GPU out of allocatable and fail the pod holding it. Plus the toleration arithmetic.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { World } from '../world.ts';
import { defaultProfile } from '../profile.ts';
import type { SimulationProfile } from '../profile.ts';
import { loadProfile } from '../profile.ts';
import { CoreTypes } from './third-party-crds.ts';
import { TAINT_UNREACHABLE, effectiveTolerations, evictionDelaySeconds } from './node-faults.ts';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function profile(): SimulationProfile {
  const p = defaultProfile();
  return { ...p, nodes: { ...p.nodes, count: 3, gpuNodes: 1 } };
}

const UNREACHABLE = { key: TAINT_UNREACHABLE, effect: 'NoExecute' };
const podWith = (tolerations?: object[]): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [], ...(tolerations ? { tolerations } : {}) } });

describe('eviction delay (taint eviction controller + DefaultTolerationSeconds)', () => {
  it.each<[string, object[] | undefined, number | undefined]>([
    ['no toleration: the admission default, 300 s', undefined, 300],
    ['own toleration with seconds', [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }], 30],
    ['own toleration without seconds: never', [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }], undefined],
    ['tolerate-everything: never', [{ operator: 'Exists' }], undefined],
    ['a toleration of another taint leaves the default', [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }], 300],
    ['negative seconds count as 0', [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: -5 }], 0],
  ])('%s', (_name, tolerations, want) => expect(evictionDelaySeconds(podWith(tolerations), UNREACHABLE)).toBe(want));

  it('adds the two defaults only for taints the pod does not tolerate', () => {
    const own = { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 };
    expect(effectiveTolerations(podWith([own]))).toEqual([own, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]);
  });
});

const rs = (name: string, replicas: number, spec: object = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name, namespace: 'ns' },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'nginx', resources: { requests: { cpu: '50m' } } }], ...spec } },
  },
});

async function world(): Promise<{ w: World; t0: number }> {
  const w = await World.create({ seed: 11, profile: profile() });
  const t0 = w.clock.now();
  await w.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
  return { w, t0 };
}

const pods = (w: World, app: string) => w.server.list(CoreTypes.Pod, { namespace: 'ns' }).items.filter((p) => p.metadata.labels?.app === app);
const node = (w: World, name: string) => w.server.list(CoreTypes.Node).items.find((n) => n.metadata.name === name)!;
const cond = (o: KubeObject | undefined, type: string) => (o?.status?.conditions ?? []).find((c: { type: string }) => c.type === type);
const ready = (p: KubeObject) => cond(p, 'Ready')?.status === 'True';

describe('node-lost', () => {
  it('turns the node Unknown after the grace period, evicts after 300 s, and the replacement lands elsewhere', async () => {
    const { w, t0 } = await world();
    await w.client.create(rs('web', 1));
    await w.advance(w.clock.now() + 20_000);
    const [first] = pods(w, 'web');
    expect(ready(first)).toBe(true);
    const lostNode = first.spec.nodeName as string;
    const lostAt = w.clock.now() - t0;
    w.injectNodeFault({ atMs: lostAt, node: lostNode, fault: 'node-lost' });

    await w.advance(t0 + lostAt + 49_000);
    expect(cond(node(w, lostNode), 'Ready')?.status).toBe('True');
    await w.advance(t0 + lostAt + 51_000);
    const n = node(w, lostNode);
    expect(cond(n, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown' });
    expect(n.spec.taints.map((t: { key: string; effect: string }) => `${t.key}:${t.effect}`)).toEqual([`${TAINT_UNREACHABLE}:NoSchedule`, `${TAINT_UNREACHABLE}:NoExecute`]);
    expect(ready(pods(w, 'web')[0])).toBe(false);

    // 300 s after the taint (timeAdded = grace end), not before.
    await w.advance(t0 + lostAt + 50_000 + 299_000);
    expect(pods(w, 'web').map((p) => p.metadata.uid)).toEqual([first.metadata.uid]);
    await w.advance(t0 + lostAt + 50_000 + 330_000);
    const now = pods(w, 'web');
    expect(now).toHaveLength(1);
    expect(now[0].metadata.uid).not.toBe(first.metadata.uid);
    expect(now[0].spec.nodeName).toBeDefined();
    expect(now[0].spec.nodeName).not.toBe(lostNode);
    expect(ready(now[0])).toBe(true);
    w.stop();
  });

  it('a restore before the eviction cancels it and makes node and pod Ready again', async () => {
    const { w, t0 } = await world();
    await w.client.create(rs('web', 1));
    await w.advance(w.clock.now() + 20_000);
    const [first] = pods(w, 'web');
    const lostNode = first.spec.nodeName as string;
    const at = w.clock.now() - t0;
    w.injectNodeFault({ atMs: at, node: lostNode, fault: 'node-lost' });
    w.injectNodeFault({ atMs: at + 120_000, node: lostNode, fault: 'node-restored' });
    await w.advance(t0 + at + 600_000);
    const n = node(w, lostNode);
    expect(cond(n, 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(n.spec.taints ?? []).toEqual([]);
    const [still] = pods(w, 'web');
    expect(still.metadata.uid).toBe(first.metadata.uid);
    expect(ready(still)).toBe(true);
    w.stop();
  });

  it('rejects an unknown fault kind', async () => {
    const { w } = await world();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(() => w.injectNodeFault({ atMs: 0, node: 'sim-node-0', fault: 'meteor' as any })).toThrow(/unknown fault 'meteor'/);
    w.stop();
  });
});

describe('GPU faults', () => {
  it.each([
    ['gpu-xid-79', 'XID79', 'XID 79, GPU has fallen off the bus'],
    ['gpu-ecc-dbe', 'XID48', 'XID 48, double-bit ECC error'],
  ] as const)('%s: allocatable drops by one GPU, the node records it, the pod holding GPU 0 fails', async (fault, reason, text) => {
    const { w, t0 } = await world();
    const gpuPod = (name: string, gpus: number): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'ns' },
      spec: { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }], containers: [{ name: 'cuda', image: 'cuda:12', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }] },
    });
    await w.client.create(gpuPod('holder', 2));
    await w.advance(w.clock.now() + 5_000);
    await w.client.create(gpuPod('other', 2));
    await w.advance(w.clock.now() + 20_000);
    w.injectNodeFault({ atMs: w.clock.now() - t0, node: 'sim-gpu-node-0', fault });
    await w.advance(w.clock.now() + 1_000);
    const n = node(w, 'sim-gpu-node-0');
    expect(n.status.capacity['nvidia.com/gpu']).toBe('8');
    expect(n.status.allocatable['nvidia.com/gpu']).toBe('7');
    expect(n.status.allocatable['volcano.sh/vgpu-number']).toBe('70');
    expect(cond(n, 'GPUDeviceUnhealthy')).toMatchObject({ status: 'True', reason });
    const events = w.server.list({ apiVersion: 'v1', kind: 'Event' }, { namespace: 'default' }).items;
    expect(events.map((e) => `${e.type} ${e.reason} ${e.involvedObject.name}: ${e.message}`)).toEqual([`Warning GPUUnhealthy sim-gpu-node-0: GPU 0 on sim-gpu-node-0: ${text}`]);
    const byName = Object.fromEntries(w.server.list(CoreTypes.Pod, { namespace: 'ns' }).items.map((p) => [p.metadata.name, p]));
    expect(byName.holder.status.phase).toBe('Failed');
    expect(byName.holder.status.containerStatuses[0].state.terminated.message).toContain(text);
    expect(byName.other.status.phase).toBe('Running');
    // The next fault takes the next healthy GPU.
    w.injectNodeFault({ atMs: w.clock.now() - t0, node: 'sim-gpu-node-0', fault });
    await w.advance(w.clock.now() + 1_000);
    expect(node(w, 'sim-gpu-node-0').status.allocatable['nvidia.com/gpu']).toBe('6');
    w.stop();
  });
});

describe('profile loader', () => {
  it('fills the node pool defaults for a file that names only count and gpuNodes', () => {
    const text = `apiVersion: lattice-sim.dev/v1alpha1
kind: SimulationProfile
spec:
  apiserver: { watchDelivery: { delayMs: 5 } }
  kubelet: { schedule: { delayMs: 1 }, containerStart: { delayMs: 1 }, readiness: { delayMs: 1 } }
  endpointSlices: { sync: { delayMs: 1 } }
  externalSecrets: { sync: { delayMs: 1 } }
  nodes: { count: 2, gpuNodes: 0, gpuMachine: { gpus: 4 } }
  traffic: { cycleSleep: { delayMs: 1 }, perTarget: { delayMs: 1 } }
  verifier: { cycles: 1, pollMs: 1, readyTimeoutMs: 1 }
`;
    const file = join(mkdtempSync(join(tmpdir(), 'profile-')), 'p.yaml');
    writeFileSync(file, text);
    const nodes = loadProfile(file).nodes;
    expect(nodes).toMatchObject({ count: 2, gpuNodes: 0, maxPods: 110, monitorGracePeriodMs: 50_000, faults: [], vgpuSplitCount: 10 });
    expect(nodes.gpuMachine).toMatchObject({ gpus: 4, cpu: 192, product: 'NVIDIA-H100-80GB-HBM3' });
    writeFileSync(file, text.replace('gpuMachine: { gpus: 4 }', 'faults: [{ atMs: 1000, node: sim-node-0, fault: meteor }]'));
    expect(() => loadProfile(file)).toThrow(`${file}: spec.nodes.faults[0].fault: Unsupported value: "meteor"`);
  });
});
