/**
 * The node pool: `nodes.count` CPU nodes and `nodes.gpuNodes` GPU nodes (label
 * `nvidia.com/gpu.present: "true"`, capacity `nvidia.com/gpu`, taint `nvidia.com/gpu=present:NoSchedule`,
 * as the reference's GPU pools; reference §6).
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { SimulationProfile } from '../profile.ts';

/** Node names of the profile, by pool. */
export function nodeNames(profile: SimulationProfile): { cpu: string[]; gpu: string[] } {
  return {
    cpu: Array.from({ length: Math.max(1, profile.nodes.count) }, (_, i) => `sim-node-${i}`),
    gpu: Array.from({ length: profile.nodes.gpuNodes }, (_, i) => `sim-gpu-node-${i}`),
  };
}

/** Node objects for the profile's pools (status Ready). */
export function nodeObjects(profile: SimulationProfile): KubeObject[] {
  const { cpu, gpu } = nodeNames(profile);
  const node = (name: string, isGpu: boolean): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'topology.kubernetes.io/zone': 'sim-a',
        ...(isGpu ? { 'nvidia.com/gpu.present': 'true', 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } : {}),
      },
    },
    spec: isGpu ? { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] } : {},
    status: {
      capacity: { cpu: '8', memory: '32Gi', pods: '110', ...(isGpu ? { 'nvidia.com/gpu': '8' } : {}) },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
    },
  });
  return [...cpu.map((n) => node(n, false)), ...gpu.map((n) => node(n, true))];
}
