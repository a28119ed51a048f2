/**
 * TypeScript shapes of LatticeModel (reference §1.4, `model_serving.rs`) and LatticePackage (reference
 * §1.5, `package.rs`). Field names are the wire names (camelCase). Kept beside `types.ts` so the two
 * kinds can grow without touching the shared contract.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { ResourceSpec, WorkloadRuntimeSpec, WorkloadSpec } from './types.ts';
import { LATTICE_API_VERSION } from './types.ts';

export const LatticeModelType = { apiVersion: LATTICE_API_VERSION, kind: 'LatticeModel' } as const;
export const LatticePackageType = { apiVersion: LATTICE_API_VERSION, kind: 'LatticePackage' } as const;

/** One autoscaling metric: Kthena scales the role so that the metric's average stays near `target`. */
export interface ModelAutoscalingMetric {
  metric: string;
  target: number;
}

/** Per-role autoscaling (reference ModelAutoscalingSpec); durations are Go duration strings (`30s`, `5m`). */
export interface ModelAutoscalingSpec {
  max: number;
  metrics: ModelAutoscalingMetric[];
  tolerancePercent?: number;
  behavior?: {
    scaleUp?: { panicThresholdPercent?: number; panicModeHold?: string; stabilizationWindow?: string; period?: string };
    scaleDown?: { stabilizationWindow?: string; period?: string };
  };
}

/** A role of a model (reference ModelRoleSpec): an entry workload and optional workers; runtimes nested. */
export interface ModelRoleSpec {
  replicas?: number;
  entryWorkload?: Partial<WorkloadSpec>;
  entryRuntime?: WorkloadRuntimeSpec;
  workerReplicas?: number;
  workerWorkload?: Partial<WorkloadSpec>;
  workerRuntime?: WorkloadRuntimeSpec;
  autoscaling?: ModelAutoscalingSpec;
}

/** Where model weights come from (reference ModelSourceSpec). */
export interface ModelSourceSpec {
  /** `hf://org/model`, `s3://bucket/path` or `gs://bucket/path`. */
  uri: string;
  /** `pvc://<claim>` or `hostpath:///<dir>`; absent ⇒ emptyDir. */
  cacheUri?: string;
  cacheSize?: string;
  mountPath?: string;
  tokenSecret?: { name: string };
  downloaderImage?: string;
  egress?: string[];
}

export interface ModelRouteSpec {
  modelName?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  loraAdapters?: any[];
  rules: { name: string; modelMatch?: { headers?: Record<string, { exact?: string }> }; targetModels: { modelServerName?: string; weight?: number }[] }[];
  rateLimit?: { inputTokensPerUnit?: number; outputTokensPerUnit?: number; unit?: 'second' | 'minute' };
  parentRefs?: { name: string; namespace?: string; kind?: string }[];
}

/** Kthena routing of a model (reference ModelRoutingSpec). */
export interface ModelRoutingSpec {
  inferenceEngine: 'vLLM' | 'SGLang';
  model: string;
  port?: number;
  protocol?: string;
  trafficPolicy?: { retry?: { attempts?: number } };
  kvConnector?: { type: 'nixl' | 'mooncake' | 'lmcache'; port?: number };
  routes?: Record<string, ModelRouteSpec>;
}

export interface LatticeModelSpec {
  schedulerName?: string;
  recoveryPolicy?: string;
  restartGracePeriodSeconds?: number;
  modelSource?: ModelSourceSpec;
  defaults?: ModelRoleSpec;
  roles: Record<string, ModelRoleSpec>;
  routing?: ModelRoutingSpec;
  ingress?: { hosts: string[]; tls?: unknown; gatewayClass?: string; listenPort?: number };
  topology?: { mode: 'Hard' | 'Soft'; maxTier?: number };
  observability?: unknown;
}

/** A ModelServing condition mirrored into the model's status. */
export interface ModelCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface LatticeModelStatus {
  phase?: 'Pending' | 'Loading' | 'Serving' | 'Failed';
  message?: string | null;
  observedGeneration?: number | null;
  conditions?: ModelCondition[] | null;
  autoTopology?: { mode: string; maxTier?: number } | null;
  appliedRoles?: string[] | null;
}

export interface LatticeModel extends KubeObject {
  spec: LatticeModelSpec;
  status?: LatticeModelStatus;
}

/** The mesh block of a package: becomes a LatticeMeshMember named like the package. */
export interface PackageMeshSpec {
  selector: Record<string, string>;
  ports: { name: string; port: number; protocol?: string }[];
  allowedCallers?: { name: string; namespace?: string }[];
  dependencies?: { name: string; namespace?: string }[];
  egress?: { target: { entity: string } | { cidr: string } | { fqdn: string }; ports: number[]; protocol?: 'TCP' | 'UDP' }[];
}

export interface LatticePackageSpec {
  chart: { repository: string; name: string; version: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  values?: Record<string, any>;
  resources?: Record<string, ResourceSpec>;
  mesh?: PackageMeshSpec;
  targetNamespace?: string;
  createNamespace?: boolean;
  skipCrds?: boolean;
  timeout?: string;
  propagate?: boolean;
}

export interface LatticePackageStatus {
  phase?: 'Pending' | 'Ready' | 'Failed';
  chartVersion?: string | null;
  conditions?: ModelCondition[] | null;
  message?: string | null;
  observedGeneration?: number | null;
  /** What the controller applied (simulator addition: drives upgrade pruning and uninstall outside the namespace). */
  appliedResources?: { apiVersion: string; kind: string; namespace?: string; name: string }[] | null;
}

export interface LatticePackage extends KubeObject {
  spec: LatticePackageSpec;
  status?: LatticePackageStatus;
}
