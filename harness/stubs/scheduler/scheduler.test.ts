/**
 * The default scheduler in a World: GPU pods reach only the GPU pool, an infeasible pod stays Pending
 * with kube-scheduler's PodScheduled=False message until a Node or freed resources let it bind, and
 * pods of another scheduler are left alone.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { World } from '../../world.ts';
import { defaultProfile } from '../../profile.ts';
import type { SimulationProfile } from '../../profile.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { nodeObjects, registerNode } from '../nodes.ts';

/** The default profile with 3 CPU nodes and 1 GPU node. */
export function smallProfile(): SimulationProfile {
  const p = defaultProfile();
  return { ...p, nodes: { ...p.nodes, count: 3, gpuNodes: 1 } };
}

const GPU_TOLERATION = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

/** A bare pod in namespace `ns` asking `gpus` whole GPUs (limits only), with `spec` extras. */
export function gpuPod(name: string, gpus: number, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns' },
    spec: {
      containers: [{ name: 'main', image: 'cuda:12', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }],
      ...spec,
    },
  };
}

async function world(): Promise<World> {
  const w = await World.create({ seed: 7, profile: smallProfile() });
  await w.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
  return w;
}

const pod = (w: World, name: string) => w.server.list(CoreTypes.Pod, { namespace: 'ns' }).items.find((p) => p.metadata.name === name);
const scheduled = (p: KubeObject | undefined) => (p?.status?.conditions ?? []).find((c: { type: string }) => c.type === 'PodScheduled');
const after = (w: World, ms: number) => w.advance(w.clock.now() + ms);

describe('default scheduler', () => {
  it('binds a GPU pod to the GPU pool only, and a plain pod to a CPU node', async () => {
    const w = await world();
    await w.client.create(gpuPod('trainer', 2, { tolerations: [GPU_TOLERATION] }));
    await w.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'ns' }, spec: { containers: [{ name: 'main', image: 'nginx', resources: { requests: { cpu: '50m' } } }] } });
    await after(w, 10_000);
    expect(pod(w, 'trainer')?.spec?.nodeName).toBe('sim-gpu-node-0');
    expect(pod(w, 'trainer')?.status?.phase).toBe('Running');
    expect(pod(w, 'web')?.spec?.nodeName).toMatch(/^sim-node-[0-2]$/);
    w.stop();
  });

  it('leaves a 9-GPU pod Pending with the exact message, then binds it when a big enough node joins', async () => {
    const w = await world();
    await w.client.create(gpuPod('big', 9, { tolerations: [GPU_TOLERATION] }));
    await w.client.create(gpuPod('untolerated', 1));
    await after(w, 10_000);
    const big = pod(w, 'big');
    expect(big?.spec?.nodeName).toBeUndefined();
    expect(big?.status?.phase).toBe('Pending');
    expect(scheduled(big)).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message: '0/4 nodes are available: 4 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.',
    });
    const events = w.server.list({ apiVersion: 'v1', kind: 'Event' }, { namespace: 'ns' }).items.filter((e) => e.involvedObject.name === 'big');
    expect(events.map((e) => `${e.type} ${e.reason} ${e.source.component}: ${e.message}`)).toEqual([`Warning FailedScheduling default-scheduler: ${scheduled(big).message}`]);
    expect(scheduled(pod(w, 'untolerated'))?.message).toBe(
      '0/4 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, 3 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.',
    );
    // A 16-GPU node joins: the Node event retries the waiting pods (no polling).
    const p = smallProfile();
    const [template] = nodeObjects({ ...p, nodes: { ...p.nodes, count: 1, gpuNodes: 1, gpuMachine: { ...p.nodes.gpuMachine, gpus: 16 } } }).filter((n) => n.metadata.name === 'sim-gpu-node-0');
    await registerNode(w.client, { ...template, metadata: { ...template.metadata, name: 'sim-gpu-node-16x', labels: { ...template.metadata.labels, 'kubernetes.io/hostname': 'sim-gpu-node-16x' } } });
    await after(w, 10_000);
    expect(pod(w, 'big')?.spec?.nodeName).toBe('sim-gpu-node-16x');
    expect(scheduled(pod(w, 'big'))?.status).toBe('True');
    expect(pod(w, 'untolerated')?.spec?.nodeName).toBeUndefined();
    w.stop();
  });

  it('retries a waiting pod when a pod on a node goes away, and counts pods it bound before the cache shows them', async () => {
    // Watch events land 3 s after each write and all three pods are considered 100 ms after they
    // are seen: every binding decision is taken while the cache still shows the others unbound.
    const p = smallProfile();
    const w = await World.create({ seed: 7, profile: { ...p, apiserver: { ...p.apiserver, watchDelivery: { delayMs: 3000, jitterMs: 0 } }, kubelet: { ...p.kubelet, schedule: { delayMs: 100, jitterMs: 0 } } } });
    await w.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
    // Three 3-GPU pods at once on one 8-GPU node: only two fit, whatever the cache lag.
    for (const n of ['a', 'b', 'c']) await w.client.create(gpuPod(n, 3, { tolerations: [GPU_TOLERATION], nodeSelector: { 'nvidia.com/gpu.present': 'true' } }));
    await after(w, 10_000);
    const boundNames = ['a', 'b', 'c'].filter((n) => pod(w, n)?.spec?.nodeName);
    expect(boundNames).toHaveLength(2);
    const [waiting] = ['a', 'b', 'c'].filter((n) => !boundNames.includes(n));
    expect(scheduled(pod(w, waiting))?.message).toBe(
      "0/4 nodes are available: 1 Insufficient nvidia.com/gpu, 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.",
    );
    await w.client.delete(CoreTypes.Pod, { namespace: 'ns', name: boundNames[0] });
    await after(w, 10_000);
    expect(pod(w, waiting)?.spec?.nodeName).toBe('sim-gpu-node-0');
    w.stop();
  });

  it('leaves pods of another scheduler alone', async () => {
    const w = await world();
    // A scheduler no stub runs (Volcano's pods are bound by the Volcano stub).
    await w.client.create(gpuPod('other', 1, { tolerations: [GPU_TOLERATION], schedulerName: 'my-scheduler' }));
    await after(w, 10_000);
    expect(pod(w, 'other')?.spec?.nodeName).toBeUndefined();
    expect(scheduled(pod(w, 'other'))).toBeUndefined();
    w.stop();
  });
});
