/**
 * Shapes shared by the WorkloadCompiler and its wrappers (reference §2.1, §2.7). Types only, plus
 * the small error class spec errors are raised with inside the pipeline.
 */
import type { KubeObject, OwnerReference } from '../../fake-apiserver/api/index.ts';
import type { Authorizer, GateAction, GateDecision } from '../cedar/types.ts';
import type { VolumeOwnerLookup } from '../cedar/volumes.ts';
import type { ImageVerification } from '../cedar/images.ts';
import type { CredentialSpec, IngressSpec, LatticeMeshMember, WorkloadRuntimeSpec, WorkloadSpec } from '../crds/types.ts';
import type { QuotaBudget } from '../quota/budget.ts';

/** What a compile sees of another Service: its ports by name (`port` = service port). */
export interface ServiceLookupResult {
  ports: Record<string, { port: number; targetPort?: number }>;
}

/**
 * Everything a compile may consult besides the spec. Pure data and pure functions: no I/O, no clock.
 * - `authorizer` answers every Cedar gate request (reference §3.2).
 * - `clusterName` feeds `${cluster.name}`.
 * - `providerType` picks the topology-spread key (`docker` ⇒ hostname, cloud ⇒ zone; default docker).
 * - `serviceLookup(namespace, name)` resolves `${resources.X.port|url}`; absent or `undefined` ⇒ host only.
 * - `volumeOwner(namespace, volumeId)` finds the service owning a shared volume (reference graph
 *   `get_volume_owner`). Present ⇒ the AccessVolume gate runs in the reference's `Full` mode (owner
 *   consent, then Cedar permissive) and consumers get pod affinity to the owner; absent ⇒ `CedarOnly`
 *   mode (Cedar must permit; no affinity). Reference `crates/lattice-workload/src/compiler.rs:452-480, 618-696`.
 */
export interface CompileContext {
  authorizer: Authorizer;
  clusterName: string;
  providerType?: 'docker' | 'aws' | 'gcp' | 'azure';
  serviceLookup?: (namespace: string, name: string) => ServiceLookupResult | undefined;
  volumeOwner?: VolumeOwnerLookup;
  /**
   * `imageProviders(name)`: the credentials of ImageProvider `name` in lattice-system, `undefined` when it
   * does not exist or has no credentials (reference lattice-cache `resolve_image_providers`). Present ⇒
   * each `imagePullSecrets` entry yields ExternalSecret `<workload>-<p>-credentials` and an unknown one
   * fails the compile; absent ⇒ only the pod's `imagePullSecrets` names are written (noted in `notModelled`).
   */
  imageProviders?: (name: string) => CredentialSpec | undefined;
  /**
   * Image trust (reference compiler.rs `verify_images`): what the platform's image verifier found for
   * an image under the ImageProviders that enforce `trust` (platform/cedar/images.ts). Present ⇒ every
   * `unsigned` image is asked of Cedar SkipImageVerification after the other gates, and an `error` fails
   * the compile; absent ⇒ no ImageProvider enforces trust (the gate is not asked).
   */
  imageVerification?: (image: string) => ImageVerification;
  /**
   * Monitoring (VictoriaMetrics) on the cluster (reference `MonitoringConfig.enabled`, default true):
   * a LatticeService with a metrics port then gets a VMServiceScrape and vmagent's access to that port
   * (`service-extensions.ts` `metricsScrape`). false = none.
   */
  monitoring?: boolean;
  /** SPIFFE trust domain of mesh principals the wrapper writes (vmagent's in `allow-scrape-<svc>`); default `cluster.local`. */
  trustDomain?: string;
  /**
   * `graphHasNode(namespace, name)`: the service graph holds a node of any type under this key
   * (reference `graph.get_service(ns, name).is_some()`; what counts as a node:
   * platform/controllers/service-graph-nodes.ts). An outbound external-service whose `id`, else its
   * resource name, is a node of the workload's own namespace gets no egress rule: it is shadowed by
   * an internal service (reference crates/lattice-workload/src/compiler.rs:849-853). Absent ⇒ no node
   * is known and nothing is shadowed.
   */
  graphHasNode?: (namespace: string, name: string) => boolean;
  /** What an outbound `type: service` resource with `id: "*"` means (see {@link OutboundServiceWildcard}); default `dependsAll`. */
  outboundServiceWildcard?: OutboundServiceWildcard;
  /**
   * The workload's LatticeQuota budget (platform/quota/ `resolveBudget`; reference compiler.rs:430-438
   * `with_quota_budget`). Present ⇒ its demand (requests × `WorkloadCompileInput.replicas`) is checked
   * after volumes and secrets and before the Cedar gates, and a workload over budget fails with
   * `quota exceeded: …` ({@link QuotaExceededResult}); absent ⇒ no quota is enforced.
   */
  quotaBudget?: QuotaBudget;
}

/**
 * The meaning of an outbound (`outbound` or `both`) `type: service` resource with `id: "*"` (platform
 * option; platform/README.md "Fidelity"):
 * - `dependsAll` (default, platform/compiler/README.md "Conscious deviations"): wildcard outbound; the
 *   LatticeMeshMember gets `dependsAll: true`, so the mesh-member controller asks Cedar AllowWildcard
 *   and edges form to every member that allows the caller.
 * - `dependency` (the reference operator: crates/lattice-crd/src/crd/workload/spec.rs:139-143,
 *   crates/lattice-workload/src/compiler.rs:804-807, 891): an ordinary dependency named `*` (namespace
 *   the resource's, default the workload's) with `dependsAll: false`; no member is named `*`, so no edge
 *   forms and no AllowWildcard is asked (crates/lattice-graph/src/lib.rs:965-969: an Unknown stub).
 */
export type OutboundServiceWildcard = 'dependsAll' | 'dependency';

/**
 * The flattened RuntimeSpec of a workload (reference §1.1): pod-level knobs outside `workload`, as the
 * workload CRDs declare them. `imagePullSecrets` names ImageProvider CRs (reference §2.3 route 4; a
 * LatticeService's v1beta1 `imageProviders`);
 * only the pod-side names are modelled.
 */
export type RuntimeSpec = Pick<WorkloadRuntimeSpec, 'sidecars' | 'sysctls' | 'hostNetwork' | 'shareProcessNamespace' | 'automountServiceAccountToken' | 'imagePullSecrets'>;

/** Input of {@link compileWorkload}. `ownerReferences` go on every produced object except the LatticeMeshMember. */
export interface WorkloadCompileInput {
  name: string;
  namespace: string;
  kind: 'service' | 'job' | 'model';
  workload: WorkloadSpec;
  runtime?: RuntimeSpec;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  ingress?: IngressSpec;
  advertise?: { allowedServices: string[] };
  /** Content hash of the synced ESO Secrets (see `esoContentHash`); folded into the config hash. */
  esoContentHash?: string;
  /** Replicas the quota demand is multiplied by (a service's `replicas`, a task's, 1 per model role; default 1). */
  replicas?: number;
}

/**
 * A compile refused by a gate: no objects. The gates run one after another (AccessSecret →
 * AccessVolume → OverrideSecurity → AccessExternalEndpoint → SkipImageVerification; reference compiler.rs:441-502) and the first
 * that denies anything aborts: `gate` is that gate and `denials` its denied decisions only. An
 * AccessVolume owner-consent refusal is reported as AccessVolume decisions with `policies: []` and the
 * consent text as `reason`.
 */
export interface DeniedResult {
  ok: false;
  reason: 'denied';
  gate: GateAction;
  denials: GateDecision[];
  message: string;
}

/** A spec the compiler cannot turn into objects (bad template, undeclared secret key, unsupported feature). */
export interface InvalidResult {
  ok: false;
  reason: 'invalid';
  message: string;
}

/**
 * A workload over its LatticeQuota budget (reference `CompilationError::QuotaExceeded`): no objects;
 * `message` is `quota exceeded: <reason>` (platform/quota/ `checkBudget`, or an unreadable request).
 */
export interface QuotaExceededResult {
  ok: false;
  reason: 'quota-exceeded';
  message: string;
}

/** Any failure of a compile. */
export type CompileFailure = DeniedResult | InvalidResult | QuotaExceededResult;

/** The pod template a wrapper puts into its Deployment / VCJob task / ModelServing role. */
export interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec: Record<string, any>;
}

/** Output of a successful {@link compileWorkload}. All objects are plain JSON, deterministic, value-free. */
export interface CompiledWorkload {
  ok: true;
  podTemplate: PodTemplate;
  persistentVolumeClaims: KubeObject[];
  /** env ConfigMaps then file ConfigMaps, per container in pod order. */
  configMaps: KubeObject[];
  /** env Secrets (sensitive outputs) and binary-file Secrets (type Opaque). */
  secrets: KubeObject[];
  externalSecrets: KubeObject[];
  /** Generated LatticeMeshMember, without ownerReferences (reference §2.6). */
  meshMember: LatticeMeshMember;
  /** `lattice.dev/config-hash` value (16 hex). */
  configHash: string;
  /** Secrets the pod references (secretKeyRef, envFrom, secret volumes), sorted. Excludes image pull secrets. */
  secretNames: string[];
  /** Pod `imagePullSecrets` names (`<workload>-<provider>-credentials`); their ExternalSecrets are in `externalSecrets` when the context resolves ImageProviders. */
  imagePullSecretNames: string[];
  /** Features present in this spec that the simulator ignores, in words. */
  notModelled: string[];
}

/** Result of {@link compileWorkload}. */
export type WorkloadCompileResult = CompiledWorkload | CompileFailure;

/** Raised inside the pipeline for spec errors; turned into an {@link InvalidResult} at the entry point. */
export class SpecError extends Error {
  /** Stable code: `Unresolved`, `UnclosedPlaceholder`, `InvalidSecretRef`, `Invalid`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'SpecError';
  }
}

/** Objects of a LatticeService compile, by apply layer (reference §2.8 step 9). */
export interface ServiceLayers {
  /**
   * ServiceAccount, PVCs, ConfigMaps, Secrets, Service, PodDisruptionBudget, ExternalSecrets,
   * LatticeMeshMember, TracingPolicyNamespaced, and with a metrics port VMServiceScrape and vmagent's
   * CiliumNetworkPolicy / AuthorizationPolicy.
   */
  infrastructure: KubeObject[];
  /** The Deployment. */
  workload: KubeObject[];
  /** The ScaledObject, when autoscaling. */
  scaling: KubeObject[];
}

/** Output of a successful `compileService`. */
export interface CompiledService {
  ok: true;
  layers: ServiceLayers;
  /** Names of every ExternalSecret in `layers.infrastructure`, in order. */
  externalSecretNames: string[];
  /** Target Secrets the Deployment's pods need (secretKeyRef, envFrom, secret volumes), sorted. */
  secretNames: string[];
  /** The generated LatticeMeshMember (also in `layers.infrastructure`), with its ownerReference. */
  meshMember: LatticeMeshMember;
  configHash: string;
  notModelled: string[];
}

/** Result of `compileService`. */
export type ServiceCompileResult = CompiledService | CompileFailure;
