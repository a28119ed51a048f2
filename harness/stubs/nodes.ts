/**
 * The node pool: `nodes.count` CPU nodes (`sim-node-<i>`) and `nodes.gpuNodes` GPU nodes
 * (`sim-gpu-node-<i>`), as their kubelets and GPU feature discovery would register them.
 *
 * - `status.capacity`: the machine shape of the profile (cpu, memory, ephemeral-storage) and `pods` =
 *   kubelet `maxPods`; GPU nodes also `nvidia.com/gpu` (NVIDIA device plugin) and
 *   `volcano.sh/vgpu-number` = GPUs x `vgpuSplitCount` (Volcano vGPU device plugin).
 * - `status.allocatable` = capacity minus system reservations, with GKE's published reservation
 *   formulas (cpu: 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% above four;
 *   memory: 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the next 112, 2% above
 *   128, plus the 100 MiB hard eviction threshold; ephemeral storage: the 10% `nodefs.available`
 *   eviction threshold kept back). Extended resources and pods are fully allocatable.
 * - labels: hostname, zone (round-robin over `nodes.zones`), os/arch (and the kubelet's deprecated
 *   `beta.kubernetes.io/os|arch`), instance type; annotations the kubelet's
 *   `volumes.kubernetes.io/controller-managed-attach-detach` and the TTL controller's
 *   `node.alpha.kubernetes.io/ttl`; GPU nodes the GFD labels `nvidia.com/gpu.present`, `.product`, `.count`, `.memory`.
 * - GPU nodes carry the taint `nvidia.com/gpu=present:NoSchedule` that the reference's GPU pools get
 *   (lattice-reference.md §6; anchors-netpol.md §4.4).
 * - `spec.podCIDR(s)`: the node's /24 of the cluster CIDR 10.244.0.0/16 in pool order (the node IPAM
 *   controller's allocation, kubeadm's default cluster CIDR); `status.addresses`: InternalIP
 *   10.0.<i / 250>.<i % 250 + 10> and Hostname; the kubelet's endpoint port 10250; machine,
 *   system-UUID and boot ids derived from the node name (stable per name, as a machine's are).
 */
import { createHash } from 'node:crypto';
import type { KubeClient, KubeObject } from '../../fake-apiserver/api/index.ts';
import type { MachineShape, SimulationProfile } from '../profile.ts';

/** Taint of every GPU node (reference GPU pools). */
export const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' } as const;
/** Extended resource of whole GPUs (NVIDIA device plugin). */
export const NVIDIA_GPU = 'nvidia.com/gpu';
/** Extended resource of vGPU slots (Volcano vGPU device plugin). */
export const VGPU_NUMBER = 'volcano.sh/vgpu-number';

/** Node names of the profile, by pool. */
export function nodeNames(profile: SimulationProfile): { cpu: string[]; gpu: string[] } {
  return {
    cpu: Array.from({ length: Math.max(1, profile.nodes.count) }, (_, i) => `sim-node-${i}`),
    gpu: Array.from({ length: profile.nodes.gpuNodes }, (_, i) => `sim-gpu-node-${i}`),
  };
}

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** Reserved millicores for `cores` vCPUs (GKE allocatable formula). */
function reservedMilliCpu(cores: number): number {
  const tiers: [number, number][] = [
    [1, 0.06],
    [1, 0.01],
    [2, 0.005],
    [Infinity, 0.0025],
  ];
  let left = cores;
  let reserved = 0;
  for (const [size, rate] of tiers) {
    const take = Math.min(left, size);
    reserved += take * 1000 * rate;
    left -= take;
  }
  return Math.ceil(reserved);
}

/** Reserved bytes of memory for `gib` GiB (GKE allocatable formula, plus the 100 MiB eviction threshold). */
function reservedMemory(gib: number): number {
  const tiers: [number, number][] = [
    [4, 0.25],
    [4, 0.2],
    [8, 0.1],
    [112, 0.06],
    [Infinity, 0.02],
  ];
  let left = gib;
  let reserved = 0;
  for (const [size, rate] of tiers) {
    const take = Math.min(left, size);
    reserved += take * GiB * rate;
    left -= take;
  }
  return Math.ceil(reserved / MiB) * MiB + 100 * MiB;
}

/** Capacity and allocatable of a machine, as quantity strings. */
function resources(m: MachineShape, maxPods: number, extra: Record<string, number>): { capacity: Record<string, string>; allocatable: Record<string, string> } {
  const ki = (bytes: number) => `${Math.floor(bytes / 1024)}Ki`;
  const ext = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)]));
  return {
    capacity: { cpu: String(m.cpu), memory: ki(m.memoryGiB * GiB), 'ephemeral-storage': ki(m.ephemeralStorageGiB * GiB), pods: String(maxPods), ...ext },
    allocatable: {
      cpu: `${m.cpu * 1000 - reservedMilliCpu(m.cpu)}m`,
      memory: ki(m.memoryGiB * GiB - reservedMemory(m.memoryGiB)),
      'ephemeral-storage': String(Math.floor(m.ephemeralStorageGiB * GiB * 0.9)),
      pods: String(maxPods),
      ...ext,
    },
  };
}

/** A 128-bit id of `what` for node `name`, as 32 hex digits (machine ID) or in UUID form. */
function nodeId(name: string, what: string, uuid: boolean): string {
  const hex = createHash('sha256').update(`${what}/${name}`).digest('hex').slice(0, 32);
  return uuid ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` : hex;
}

/** Node objects for the profile's pools (status Ready, conditions as a healthy kubelet reports them). */
export function nodeObjects(profile: SimulationProfile): KubeObject[] {
  const pool = profile.nodes;
  const { cpu, gpu } = nodeNames(profile);
  const node = (name: string, index: number, isGpu: boolean, poolIndex: number): KubeObject => {
    const podCIDR = `10.244.${poolIndex}.0/24`;
    const g = pool.gpuMachine;
    const shape = isGpu ? g : pool.cpuMachine;
    const extra: Record<string, number> = isGpu ? { [NVIDIA_GPU]: g.gpus, [VGPU_NUMBER]: g.gpus * pool.vgpuSplitCount } : {};
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        // The kubelet's own annotation, and the TTL controller's (a node cache TTL of 0 s on small clusters).
        annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
        labels: {
          // The kubelet still sets the deprecated beta OS and arch labels beside the stable ones.
          'beta.kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/os': 'linux',
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node.kubernetes.io/instance-type': isGpu ? `sim-gpu-${g.gpus}x-${shape.cpu}c` : `sim-${shape.cpu}c-${shape.memoryGiB}g`,
          'topology.kubernetes.io/zone': pool.zones[index % pool.zones.length],
          ...(isGpu
            ? { 'nvidia.com/gpu.present': 'true', 'nvidia.com/gpu.product': g.product, 'nvidia.com/gpu.count': String(g.gpus), 'nvidia.com/gpu.memory': String(g.gpuMemoryMiB) }
            : {}),
        },
      },
      spec: { podCIDR, podCIDRs: [podCIDR], ...(isGpu ? { taints: [{ ...GPU_TAINT }] } : {}) },
      status: {
        ...resources(shape, pool.maxPods, extra),
        addresses: [
          { type: 'InternalIP', address: `10.0.${Math.floor(poolIndex / 250)}.${(poolIndex % 250) + 10}` },
          { type: 'Hostname', address: name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        conditions: [
          { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
          { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
          { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
          { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
        ],
        // What `kubectl get nodes` prints in VERSION (and -o wide): the served version, a simulated machine.
        nodeInfo: {
          machineID: nodeId(name, 'machine-id', false),
          systemUUID: nodeId(name, 'system-uuid', true),
          bootID: nodeId(name, 'boot-id', true),
          kubeletVersion: 'v1.35.0-lattice-sim',
          kubeProxyVersion: '',
          osImage: 'lattice-sim simulated node',
          kernelVersion: 'simulated',
          containerRuntimeVersion: 'sim://1.0.0',
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    };
  };
  return [...cpu.map((n, i) => node(n, i, false, i)), ...gpu.map((n, i) => node(n, i, true, cpu.length + i))];
}

/**
 * Registers one node as its kubelet does: creates the Node, then writes its status (a real API
 * server keeps a Node's status on create; the fake one drops status on create for every kind with a
 * status subresource). Returns the stored node.
 */
export async function registerNode(client: KubeClient, node: KubeObject): Promise<KubeObject> {
  const created = await client.create({ ...node, status: undefined });
  // The first status post: every condition's heartbeat and transition at registration.
  const at = created.metadata.creationTimestamp;
  const conditions = ((node.status?.conditions ?? []) as Record<string, unknown>[]).map((c) => ({ lastHeartbeatTime: at, lastTransitionTime: at, ...c }));
  return client.updateStatus({ ...created, status: { ...node.status, ...(conditions.length ? { conditions } : {}) } });
}

/** Registers every node of the profile's pools ({@link nodeObjects}). */
export async function registerNodes(client: KubeClient, profile: SimulationProfile): Promise<void> {
  for (const node of nodeObjects(profile)) await registerNode(client, node);
}
