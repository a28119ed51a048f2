/**
 * TypeScript shapes of the Lattice CRDs this simulator ships (group `lattice.dev`, version `v1alpha1`;
 * LatticeService at `v1beta1`, the version the platform reads and stores, platform/versions), with the
 * reference platform's field names (../shared/research/lattice-reference.md §1). JSON is camelCase. Only
 * the fields the platform reads are typed strictly; the manifests in this folder are the schema the API
 * server validates against.
 */
import type { Condition, KubeObject } from '../../fake-apiserver/api/index.ts';

/** The API group of every platform kind. */
export const LATTICE_GROUP = 'lattice.dev';
/** The version of every platform kind but LatticeService (their only one). */
export const LATTICE_API_VERSION = 'lattice.dev/v1alpha1';
/**
 * The LatticeService version the platform is built for: the newest served (`v1beta1`), which is also
 * the CRD's storage version, so the controllers' reads and writes need no conversion. `v1alpha1` stays
 * served (deprecated) through the conversion webhook (platform/versions).
 */
export const LATTICE_SERVICE_API_VERSION = 'lattice.dev/v1beta1';
export const LatticeServiceType = { apiVersion: LATTICE_SERVICE_API_VERSION, kind: 'LatticeService' } as const;
export const LatticeMeshMemberType = { apiVersion: LATTICE_API_VERSION, kind: 'LatticeMeshMember' } as const;
export const CedarPolicyType = { apiVersion: LATTICE_API_VERSION, kind: 'CedarPolicy' } as const;
export const SecretProviderType = { apiVersion: LATTICE_API_VERSION, kind: 'SecretProvider' } as const;
export const LatticeJobType = { apiVersion: LATTICE_API_VERSION, kind: 'LatticeJob' } as const;
export const ImageProviderType = { apiVersion: LATTICE_API_VERSION, kind: 'ImageProvider' } as const;

/** `{name, namespace?}`; namespace omitted means the owner's namespace. `name: "*"` = wildcard. */
export interface ServiceRef {
  name: string;
  namespace?: string;
}

export interface ResourceRequirements {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

export interface FileMount {
  content?: string;
  binaryContent?: string;
  source?: string;
  mode?: string;
  noExpand?: boolean;
  reverseExpand?: boolean;
}

export interface VolumeMount {
  source?: string;
  path?: string;
  readOnly?: boolean;
  medium?: string;
  sizeLimit?: string;
}

export interface Probe {
  httpGet?: { path: string; port: number | string; scheme?: string; host?: string; httpHeaders?: { name: string; value: string }[] };
  exec?: { command: string[] };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}

export interface SecurityContext {
  capabilities?: string[];
  dropCapabilities?: string[];
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  allowPrivilegeEscalation?: boolean;
  seccompProfile?: string;
  apparmorProfile?: string;
  seccompLocalhostProfile?: string;
  apparmorLocalhostProfile?: string;
  allowedBinaries?: string[];
}

export interface ContainerSpec {
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  variables?: Record<string, string>;
  resources?: ResourceRequirements;
  files?: Record<string, FileMount>;
  volumes?: Record<string, VolumeMount>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  envFrom?: string[];
  security?: SecurityContext;
}

export interface SidecarSpec extends Omit<ContainerSpec, 'envFrom'> {
  init?: boolean;
}

/** `type`: service (default) | external-service | volume | secret | gpu | custom DNS label. `direction`: outbound (default) | inbound | both. */
export interface ResourceSpec {
  type?: string;
  class?: string;
  id?: string;
  metadata?: { annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  params?: Record<string, any>;
  direction?: 'outbound' | 'inbound' | 'both';
  namespace?: string;
}

export interface ServicePort {
  port: number;
  targetPort?: number;
  protocol?: string;
}

export interface ServicePortsSpec {
  ports: Record<string, ServicePort>;
  serviceType?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  hostnames?: string[];
  publishDns?: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tls?: Record<string, any>;
}

export interface WorkloadSpec {
  containers: Record<string, ContainerSpec>;
  resources?: Record<string, ResourceSpec>;
  service?: ServicePortsSpec;
}

export interface IngressSpec {
  gatewayClass?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  routes: Record<string, any>;
}

/** The pod-level knobs a workload CRD flattens beside `workload` (reference §1.1 RuntimeSpec). */
export interface WorkloadRuntimeSpec {
  sidecars?: Record<string, SidecarSpec>;
  sysctls?: Record<string, string>;
  hostNetwork?: boolean;
  shareProcessNamespace?: boolean;
  automountServiceAccountToken?: boolean;
  imagePullSecrets?: string[];
}

/**
 * A LatticeService's spec at v1beta1 (the version the platform reads): `imageProviders` names the
 * ImageProvider objects the pods pull with (v1alpha1's `imagePullSecrets`); `replicas` is required by
 * the v1beta1 schema (typed optional so a spec built in code may leave it to the compiler's default, 1).
 */
export interface LatticeServiceSpec extends Omit<WorkloadRuntimeSpec, 'imagePullSecrets'> {
  workload: WorkloadSpec;
  replicas?: number;
  imageProviders?: string[];
  autoscaling?: { max: number; metrics?: { metric: string; target: number }[] };
  deploy?: { strategy?: 'rolling' | 'canary' };
  ingress?: IngressSpec;
  advertise?: { allowedServices: string[] };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [field: string]: any;
}

/** phase: Pending (default) → Compiling → Ready | Failed. */
/**
 * What a LatticeService's derivation produced (book Chapter 4 §4.8 `compiledResources`): `count`,
 * `types` (kind → count), `resources` (`Kind/name`, sorted) and the spec `generation` they were
 * derived from. Counts the service's own objects and its mesh member's policies, not the
 * LatticeMeshMember itself (an intermediate) nor what the cluster makes from them (Pods, ESO's Secrets).
 */
export interface CompiledResourcesSummary {
  count: number;
  types: Record<string, number>;
  resources?: string[];
  generation?: number;
}

export interface LatticeServiceStatus {
  phase?: 'Pending' | 'Compiling' | 'Ready' | 'Failed';
  message?: string | null;
  conditions?: Condition[];
  observedGeneration?: number | null;
  /** Book Chapter 4: what the last successful derivation produced; `{count: 0}` when none ever was. */
  compiledResources?: CompiledResourcesSummary | null;
}

export interface LatticeService extends KubeObject {
  spec: LatticeServiceSpec;
  status?: LatticeServiceStatus;
}

export type PeerAuth = 'Strict' | 'Permissive' | 'Webhook';

export interface MeshMemberPort {
  /** Container (target) port. */
  port: number;
  servicePort?: number;
  name: string;
  peerAuth?: PeerAuth;
}

export interface EgressRule {
  target: { entity: string } | { cidr: string } | { fqdn: string };
  ports: number[];
  protocol?: 'TCP' | 'UDP';
}

/** target: exactly one of `{selector: {...}}` or `{namespace: "ns"}`. */
export interface LatticeMeshMemberSpec {
  target: { selector: Record<string, string> } | { namespace: string };
  ports: MeshMemberPort[];
  allowedCallers?: ServiceRef[];
  dependencies?: ServiceRef[];
  egress?: EgressRule[];
  allowPeerTraffic?: boolean;
  dependsAll?: boolean;
  ingress?: IngressSpec;
  serviceAccount?: string;
  /** Default true; false = Cilium-only member. */
  ambient?: boolean;
  advertise?: { allowedServices: string[] };
}

/** phase: Pending | Progressing | Ready | Failed; scope Workload | Namespace. */
export interface LatticeMeshMemberStatus {
  phase?: 'Pending' | 'Progressing' | 'Ready' | 'Failed';
  scope?: 'Workload' | 'Namespace' | null;
  message?: string | null;
  observedGeneration?: number | null;
  conditions?: Condition[];
  appliedResources?: { kind: string; name: string }[];
}

export interface LatticeMeshMember extends KubeObject {
  spec: LatticeMeshMemberSpec;
  status?: LatticeMeshMemberStatus;
}

export interface CedarPolicySpec {
  description?: string;
  policies: string;
  priority?: number;
  enabled?: boolean;
  propagate?: boolean;
}

export interface CedarPolicyStatus {
  phase?: 'Pending' | 'Valid' | 'Invalid';
  message?: string;
  permitCount?: number;
  forbidCount?: number;
  lastValidated?: string;
  validationErrors?: string[];
  observedGeneration?: number;
}

export interface CedarPolicy extends KubeObject {
  spec: CedarPolicySpec;
  status?: CedarPolicyStatus;
}

/** spec.provider has exactly one top-level key (the ESO provider type: vault, aws, webhook...). */
export interface SecretProvider extends KubeObject {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec: { provider: Record<string, any> };
  status?: { phase?: 'Pending' | 'Ready' | 'Failed'; message?: string; providerType?: string; observedGeneration?: number };
}

/** Where a credential lives: ESO store (`provider`, a SecretProvider name) and remote key (`id`), optional keys, refresh and Secret type (reference `CredentialSpec`). */
export interface CredentialSpec {
  id: string;
  provider: string;
  keys?: string[];
  refreshInterval?: string;
  secretType?: string;
}

/** A container registry (reference §1.8, crates/lattice-crd/src/crd/image_provider.rs); named by a LatticeService's `imageProviders` (v1alpha1 `imagePullSecrets`) and by job and model tasks' `imagePullSecrets`, looked up in lattice-system. */
export interface ImageProvider extends KubeObject {
  spec: {
    type: 'ghcr' | 'dockerhub' | 'ecr' | 'gar' | 'acr' | 'harbor' | 'generic';
    registry: string;
    insecure?: boolean;
    credentials?: CredentialSpec;
    credentialData?: Record<string, string>;
    ecr?: { region: string; accountId?: string };
    trust?: { enforce?: boolean; authorities: { name: string; key: CredentialSpec }[] };
  };
  status?: { phase?: 'Pending' | 'Ready' | 'Failed'; message?: string | null; observedGeneration?: number | null };
}

/** Volcano lifecycle policy of a job or task (reference §1.3); `Any` is sent to Volcano as `*`. */
export interface VolcanoPolicy {
  event: 'PodFailed' | 'PodEvicted' | 'PodPending' | 'TaskCompleted' | 'Unknown' | 'Any';
  action: 'AbortJob' | 'RestartJob' | 'RestartTask' | 'RestartPod' | 'TerminateJob' | 'CompleteJob';
}

/** One task of a LatticeJob: replicas (default 1), workload, the flattened RuntimeSpec, restartPolicy (default Never), policies. */
export interface JobTaskSpec extends WorkloadRuntimeSpec {
  replicas?: number;
  workload?: Partial<WorkloadSpec>;
  restartPolicy?: 'Never' | 'OnFailure' | 'Always';
  policies?: VolcanoPolicy[];
}

/** Distributed training wiring (reference §2.9): framework (default PyTorch), coordinator task (default `master`), NCCL knobs. */
export interface TrainingConfig {
  framework?: 'PyTorch' | 'DeepSpeed' | 'Jax';
  coordinatorTask?: string;
  nccl?: { netIf?: string; ibHca?: string; gdr?: boolean; debug?: string; extraEnv?: Record<string, string> };
}

/** LatticeJob spec (reference §1.3). `schedule` present ⇒ Volcano CronJob. */
export interface LatticeJobSpec {
  schedulerName?: string;
  minAvailable?: number;
  maxRetry?: number;
  queue?: string;
  priorityClassName?: string;
  schedule?: string;
  concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  suspend?: boolean;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  startingDeadlineSeconds?: number;
  topology?: { mode: 'Hard' | 'Soft'; maxTier?: number };
  policies?: VolcanoPolicy[];
  defaults?: JobTaskSpec;
  tasks: Record<string, JobTaskSpec>;
  training?: TrainingConfig;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  observability?: Record<string, any>;
}

/** phase: Pending (default) → Running → Succeeded | Failed. No conditions (reference §1.3). */
export interface LatticeJobStatus {
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  message?: string | null;
  observedGeneration?: number | null;
  startTime?: string | null;
  completionTime?: string | null;
}

export interface LatticeJob extends KubeObject {
  spec: LatticeJobSpec;
  status?: LatticeJobStatus;
}

/** Namespace that holds the platform's CedarPolicies (only these are loaded). */
export const LATTICE_SYSTEM_NAMESPACE = 'lattice-system';
/** Label keys (reference §0). */
export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_SERVICE_OWNER = 'lattice.dev/service';
export const MANAGED_BY_LATTICE = 'lattice';
