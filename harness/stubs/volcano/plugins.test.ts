/**
 * Pure parts of the Volcano stub: the task pod the job controller builds with its plugins, and the
 * vGPU device ledger of the deviceshare plugin.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { buildTaskPod, minAvailableOf } from './job-controller.ts';
import { DeviceLedger, vgpuRequest, withoutVgpu } from './deviceshare.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const container = (limits: Record<string, string> = {}) => ({ name: 'main', image: 'trainer:1', resources: { limits: { cpu: '1', ...limits } } });

function job(plugins: Record<string, string[]>): KubeObject {
  return {
    apiVersion: 'batch.volcano.sh/v1alpha1',
    kind: 'Job',
    metadata: { name: 'ddp', namespace: 'ml', uid: 'u-1' },
    spec: {
      queue: 'research',
      plugins,
      tasks: [
        { name: 'master', replicas: 1, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [container()] } } },
        { name: 'worker', replicas: 3, template: { spec: { containers: [container()], initContainers: [{ name: 'init', image: 'busybox' }] } } },
      ],
    },
  };
}

describe('task pods', () => {
  it('carry Volcano labels and annotations, the job scheduler and owner, and nothing of plugins not asked for', () => {
    const pod = buildTaskPod(job({}), job({}).spec.tasks[1], 2, 'ddp-u-1');
    expect(pod.metadata).toMatchObject({
      name: 'ddp-worker-2',
      labels: { 'volcano.sh/job-name': 'ddp', 'volcano.sh/job-namespace': 'ml', 'volcano.sh/queue-name': 'research', 'volcano.sh/task-spec': 'worker', 'volcano.sh/task-index': '2' },
      annotations: { 'scheduling.k8s.io/group-name': 'ddp-u-1', 'volcano.sh/task-spec': 'worker' },
      ownerReferences: [{ kind: 'Job', name: 'ddp', uid: 'u-1', controller: true }],
    });
    expect(pod.spec.schedulerName).toBe('volcano');
    expect(pod.spec.containers[0].env).toBeUndefined();
    expect(pod.spec.hostname).toBeUndefined();
    expect(minAvailableOf(job({}))).toBe(4);
  });

  it('env, svc, ssh and pytorch plugins', () => {
    const j = job({ env: [], svc: [], ssh: [], pytorch: ['--master=master', '--worker=worker', '--port=29500'] });
    const pod = buildTaskPod(j, j.spec.tasks[1], 2, 'ddp-u-1');
    const env = Object.fromEntries((pod.spec.containers[0].env as Json[]).map((e) => [e.name, e.value ?? e.valueFrom.configMapKeyRef.key]));
    expect(env).toEqual({
      VC_TASK_INDEX: '2',
      VK_TASK_INDEX: '2',
      VC_MASTER_HOSTS: 'VC_MASTER_HOSTS',
      VC_MASTER_NUM: 'VC_MASTER_NUM',
      VC_WORKER_HOSTS: 'VC_WORKER_HOSTS',
      VC_WORKER_NUM: 'VC_WORKER_NUM',
      MASTER_ADDR: 'ddp-master-0.ddp',
      MASTER_PORT: '29500',
      WORLD_SIZE: '4',
      RANK: '3',
    });
    expect(pod.spec.initContainers[0].env.map((e: Json) => e.name)).toContain('VC_TASK_INDEX');
    expect([pod.spec.hostname, pod.spec.subdomain]).toEqual(['ddp-worker-2', 'ddp']);
    expect(pod.spec.containers[0].volumeMounts).toEqual([
      { name: 'ddp-svc', mountPath: '/etc/volcano' },
      { name: 'ddp-ssh', mountPath: '/root/.ssh' },
    ]);
    expect(pod.spec.volumes.map((v: Json) => v.name)).toEqual(['ddp-svc', 'ddp-ssh']);
    expect(pod.spec.containers[0].ports).toEqual([{ name: 'pytorchjob-port', containerPort: 29500 }]);
    const master = buildTaskPod(j, j.spec.tasks[0], 0, 'ddp-u-1');
    expect((master.spec.containers[0].env as Json[]).find((e) => e.name === 'RANK')?.value).toBe('0');
  });
});

describe('deviceshare (vGPU)', () => {
  const node: KubeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'gpu-0', labels: { 'nvidia.com/gpu.memory': '81559' } },
    status: { allocatable: { 'nvidia.com/gpu': '2', 'volcano.sh/vgpu-number': '20' } },
  };
  const pod = (limits: Record<string, string>, devices?: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', annotations: devices ? { 'sim.lattice.dev/vgpu-devices': devices } : {} },
    spec: { nodeName: devices ? 'gpu-0' : undefined, containers: [container(limits)] },
  });

  it('whole devices when no memory is asked; fractions share a device until its memory runs out', () => {
    const ledger = new DeviceLedger([node], [pod({ 'volcano.sh/vgpu-number': '1' }, '0')]);
    expect(ledger.fit('gpu-0', vgpuRequest(pod({ 'volcano.sh/vgpu-number': '2' }))!)).toBeUndefined();
    const half = vgpuRequest(pod({ 'volcano.sh/vgpu-number': '1', 'volcano.sh/vgpu-memory': '40000', 'volcano.sh/vgpu-cores': '30' }))!;
    expect(half).toEqual({ number: 1, memoryMiB: 40000, cores: 30 });
    expect(ledger.fit('gpu-0', half)).toEqual([1]);
    const tentative = ledger.clone();
    tentative.take('gpu-0', half, [1]);
    tentative.take('gpu-0', half, [1]);
    expect(tentative.fit('gpu-0', half)).toBeUndefined();
    expect(ledger.fit('gpu-0', half)).toEqual([1]);
  });

  it('kube-scheduler filters see the pod without its vGPU resources', () => {
    const plain = withoutVgpu(pod({ 'volcano.sh/vgpu-number': '1', 'volcano.sh/vgpu-memory': '1024' }));
    expect(plain.spec.containers[0].resources.limits).toEqual({ cpu: '1' });
  });
});
