/**
 * Volcano's `deviceshare` plugin with vGPU enabled (reference §6: `deviceshare.VGPUEnable: true`; the
 * Volcano vGPU device plugin, HAMi): a pod's `volcano.sh/vgpu-number` asks for that many distinct
 * physical GPUs of one node, each with `volcano.sh/vgpu-memory` MiB (absent: the whole device's
 * memory) and `volcano.sh/vgpu-cores` percent of compute (absent: 0), and one of the device's
 * `deviceSplitCount` shares. A node's devices are its `nvidia.com/gpu` allocatable GPUs, each with the
 * GPU feature discovery label `nvidia.com/gpu.memory` MiB and shares = `volcano.sh/vgpu-number`
 * allocatable / GPUs. Which devices a bound pod holds is kept in the pod annotation
 * {@link VGPU_DEVICES_ANNOTATION} (the simulator's stand-in for the plugin's device-id annotations).
 * A node that cannot hold the request reports kube-scheduler's "Insufficient nvidia.com/gpu" (the
 * wording `fit.ts` uses for resources; Volcano's own device message varies by release). Pure.
 */
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { parseResourceList, podTerminated } from '../scheduler/fit.ts';

export const VGPU_NUMBER = 'volcano.sh/vgpu-number';
export const VGPU_MEMORY = 'volcano.sh/vgpu-memory';
export const VGPU_CORES = 'volcano.sh/vgpu-cores';
export const NVIDIA_GPU = 'nvidia.com/gpu';
/** Comma-separated device indices a bound vGPU pod holds on its node. */
export const VGPU_DEVICES_ANNOTATION = 'sim.lattice.dev/vgpu-devices';
/** Device memory when a node has no `nvidia.com/gpu.memory` label (H100 80 GB, MiB). */
const DEFAULT_DEVICE_MEMORY_MIB = 81559;

/** One pod's vGPU request: devices, MiB per device (undefined: whole device), percent cores per device. */
export interface VgpuRequest {
  number: number;
  memoryMiB?: number;
  cores: number;
}

/** The pod's vGPU request summed over its containers (limits, as extended resources are requested), or undefined. */
export function vgpuRequest(pod: KubeObject): VgpuRequest | undefined {
  let number = 0;
  let memory: number | undefined;
  let cores = 0;
  for (const c of (pod.spec?.containers ?? []) as { resources?: { limits?: Record<string, string>; requests?: Record<string, string> } }[]) {
    const r = { ...parseResourceList(c.resources?.limits), ...parseResourceList(c.resources?.requests) };
    number += r[VGPU_NUMBER] ?? 0;
    if (r[VGPU_MEMORY] !== undefined) memory = Math.max(memory ?? 0, r[VGPU_MEMORY]);
    cores = Math.max(cores, r[VGPU_CORES] ?? 0);
  }
  return number > 0 ? { number, memoryMiB: memory, cores } : undefined;
}

/** The pod without its vGPU resources: what kube-scheduler's filters see (the device plugin's resources are deviceshare's). */
export function withoutVgpu(pod: KubeObject): KubeObject {
  if (!vgpuRequest(pod)) return pod;
  const strip = (l: Record<string, string> | undefined) => l && Object.fromEntries(Object.entries(l).filter(([k]) => k !== VGPU_NUMBER && k !== VGPU_MEMORY && k !== VGPU_CORES));
  const containers = (pod.spec.containers as { resources?: { limits?: Record<string, string>; requests?: Record<string, string> } }[]).map((c) =>
    c.resources ? { ...c, resources: { ...c.resources, limits: strip(c.resources.limits), requests: strip(c.resources.requests) } } : c,
  );
  return { ...pod, spec: { ...pod.spec, containers } };
}

/** Free capacity of one physical GPU. */
interface Device {
  memoryMiB: number;
  cores: number;
  shares: number;
}

/** Device usage of the nodes, built from bound pods, extended by tentative placements. */
export class DeviceLedger {
  private readonly devices = new Map<string, Device[]>();

  constructor(nodes: readonly KubeObject[], pods: readonly KubeObject[]) {
    for (const node of nodes) {
      const alloc = parseResourceList(node.status?.allocatable ?? node.status?.capacity);
      const gpus = alloc[NVIDIA_GPU] ?? 0;
      if (gpus <= 0) continue;
      const memory = Number(node.metadata.labels?.['nvidia.com/gpu.memory'] ?? DEFAULT_DEVICE_MEMORY_MIB);
      const shares = alloc[VGPU_NUMBER] !== undefined ? Math.floor(alloc[VGPU_NUMBER] / gpus) : 10;
      this.devices.set(node.metadata.name, Array.from({ length: gpus }, () => ({ memoryMiB: memory, cores: 100, shares })));
    }
    for (const pod of pods) {
      const req = vgpuRequest(pod);
      const ids = pod.metadata.annotations?.[VGPU_DEVICES_ANNOTATION];
      if (!req || !pod.spec?.nodeName || podTerminated(pod) || ids === undefined) continue;
      this.take(pod.spec.nodeName, req, ids.split(',').map(Number));
    }
  }

  /** An independent copy (for a tentative placement that may be discarded). */
  clone(): DeviceLedger {
    const copy = new DeviceLedger([], []);
    for (const [node, devices] of this.devices) copy.devices.set(node, devices.map((d) => ({ ...d })));
    return copy;
  }

  /** Devices of `node` that can hold `req` (lowest indices first), or undefined when fewer than `req.number` can. */
  fit(node: string, req: VgpuRequest): number[] | undefined {
    const devices = this.devices.get(node) ?? [];
    const ids: number[] = [];
    devices.forEach((d, i) => {
      const memory = req.memoryMiB ?? d.memoryMiB;
      if (ids.length < req.number && d.shares >= 1 && d.cores >= req.cores && d.memoryMiB >= memory && (req.memoryMiB !== undefined || d.cores === 100)) ids.push(i);
    });
    return ids.length >= req.number ? ids : undefined;
  }

  /** Records `req` on the devices `ids` of `node`. */
  take(node: string, req: VgpuRequest, ids: readonly number[]): void {
    const devices = this.devices.get(node);
    if (!devices) return;
    for (const i of ids) {
      const d = devices[i];
      if (!d) continue;
      d.memoryMiB -= req.memoryMiB ?? d.memoryMiB;
      d.cores -= req.memoryMiB === undefined && req.cores === 0 ? 100 : req.cores;
      d.shares -= 1;
    }
  }
}
