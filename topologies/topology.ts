/**
 * The Topology model (DESIGN.md "Core contracts"): services, namespaces, ports and the bilateral
 * declarations (outbound on the caller, inbound or wildcard on the callee). It is what the oracle
 * reads; it never contains generated policies. `render()` (render.ts) turns it into specs.
 */

/** A Service port of a topology service (`targetPort` = container port; defaults to `port`). */
export interface TopologyPort {
  name: string;
  port: number;
  targetPort?: number;
}

/** One workload of a topology. Keys (`"ns/name"`) identify services everywhere. */
export interface TopologyService {
  namespace: string;
  name: string;
  /** 0 = traffic generators (no ports, no Service); higher layers are servers. */
  layer: number;
  /** Empty for a traffic generator: no Kubernetes Service, so nothing can call it. */
  ports: TopologyPort[];
  /** Keys of callees this service declares `direction: outbound` to. */
  outbound: string[];
  /** Keys of callers this service declares `direction: inbound` from. */
  inbound: string[];
  /** `id: "*"` inbound: any caller that declares outbound is allowed (needs a Cedar AllowWildcard permit). */
  wildcardInbound: boolean;
  /**
   * What declares the service: absent or `service` = a LatticeService (the platform compiles its
   * workload and LatticeMeshMember); `mesh-member` = the escape hatch (reference §1.2): a plain
   * Deployment (+ Kubernetes Service when it has ports, + ServiceAccount) and a user-written
   * LatticeMeshMember selecting its pods, with the same declarations as `allowedCallers` / `dependencies`.
   */
  kind?: 'service' | 'mesh-member' | 'job';
  /**
   * With `kind: 'job'`: the LatticeJob (reference §1.3, §2.9) whose task this service is. The service's
   * name is the task's workload name `<jobName>-<task>` (reference §2.6: the generated mesh member, its
   * ServiceAccount and its pods' `app.kubernetes.io/name` all carry it), so callees name `ns/<name>` and
   * Cedar statements the principal `Lattice::Service::"<ns>/<name>"`. Every job service of a namespace
   * with the same `jobName` is one task of the same LatticeJob: it is compiled all-or-nothing (the first
   * task in name order that a gate denies fails the whole job, nothing is submitted) and Volcano runs
   * its pods as one gang. A job is a traffic generator (no ports): its workers call the services it
   * declares outbound while they run ({@link JOB_RUN_SECONDS}), and the job is compiled once, when
   * submitted (a CedarPolicy applied later changes nothing of a running job, reference job controller).
   */
  jobName?: string;
  /**
   * Kubernetes ServiceAccount the pods run as, hence the SPIFFE identity callees must name
   * (`<td>/ns/<ns>/sa/<sa>`, reference §4.5a). Absent = the service name. Only a mesh-member may differ
   * (LMM `serviceAccount`); a LatticeService's pods always run as its name (reference §2.5
   * `serviceAccountName = <workload>`).
   */
  serviceAccount?: string;
  /**
   * Ambient mesh member (default true). `false` = Cilium-only (reference §1.2, §4.6): the pods carry
   * `istio.io/dataplane-mode: none` and get direct L4 rules only. Only a mesh-member can be non-ambient
   * (a LatticeService's generated LMM is always ambient, reference §2.6).
   */
  ambient?: boolean;
  /**
   * Wildcard outbound (depends-all): LatticeService outbound resource `id: "*"` (the port compiles it
   * to `dependsAll`, platform-fidelity.md §5) or LMM `dependsAll: true`; needs an AllowWildcard permit
   * on `Lattice::Mesh::"outbound"`. The service then reaches every service that allows it (reference §4.2).
   */
  dependsAll?: boolean;
  /** Pod replicas (integer >= 1; absent = 1): LatticeService `spec.replicas` or the Deployment's. */
  replicas?: number;
  /**
   * Simulated ms after the case starts at which the service's objects are applied (integer >= 0;
   * absent = 0, with the Namespaces and CedarPolicies). Staggered creation: the platform must converge
   * whatever order services arrive in.
   */
  createdAtMs?: number;
  /**
   * The pods of a mesh-member carry only its LatticeMeshMember's selector label
   * (`app: <name>`, render.ts `MESH_MEMBER_SELECTOR_LABEL`) and Istio's canonical-name label
   * (`service.istio.io/canonical-name: <name>`, how Istio and the harness name a workload whose pods have
   * no `app.kubernetes.io/name`), not `app.kubernetes.io/name`: the platform must select them through
   * `target.selector` (reference §1.2), never through the name label it gives its own workloads. Absent
   * = both labels (a compiler using either passes). Only a mesh-member.
   */
  selectorOnlyLabels?: boolean;
  /**
   * External egress of a mesh-member (LMM `spec.egress`, reference §1.2, §4.5b/d): FQDN or CIDR targets
   * on one TCP port each. Not a graph edge (reference §4.2) and not probed (probes address Services);
   * what it changes in-cluster is the member's DNS rule, which then carries `matchName`s (the FQDNs
   * plus one per callee), so callees reach only through it. Absent = none. A LatticeService's
   * `external-service` resources would meet the AccessExternalEndpoint gate; a member's egress meets no gate.
   */
  egress?: TopologyEgress[];
  /**
   * Secrets of a LatticeService (absent or empty = none; a mesh-member has none): each one is a
   * `type: secret` resource with `id` (so the compiler asks the Cedar gate AccessSecret on
   * `Lattice::SecretPath::"<provider>:<path>"`, reference §3.2) consumed by its main container through
   * one route of reference §2.3. See {@link TopologySecret}.
   */
  secrets?: TopologySecret[];
  /**
   * Security overrides of a LatticeService's main container (absent = none): each deviation from the
   * restricted defaults asks the Cedar gate OverrideSecurity (reference §3.2), after its secrets.
   */
  securityOverrides?: SecurityOverrideId[];
  /**
   * One field of a LatticeService's spec rendered invalid (absent = a valid spec): the platform must
   * refuse the service with the field named and produce nothing for it (reference spec validation,
   * crates/lattice-crd/src/crd/workload/container.rs:401-431, ports.rs:70-111). See {@link INVALID_SPEC_FIELDS}.
   */
  invalidSpec?: InvalidSpecId;
  /**
   * A shared volume this LatticeService owns (resource {@link SHARED_VOLUME_RESOURCE}: `id`, a size,
   * `allowedConsumers` = `consumers`, the names of same-namespace services it consents to; reference
   * §2.4, authorization/volumes.rs). Absent = none.
   */
  sharedVolume?: { id: string; consumers: string[] };
  /**
   * The id of a shared volume of its own namespace this LatticeService mounts (resource
   * {@link SHARED_VOLUME_RESOURCE} with `id` and no size): the compiler asks owner consent, then Cedar
   * AccessVolume on `Lattice::Volume::"<ns>/<id>"` in permissive mode (only a forbid denies), after
   * the secrets and before the security overrides. Absent = none.
   */
  volumeRef?: string;
  /**
   * Its image is covered by the topology's enforcing ImageProvider ({@link Topology.imageTrust}) and no
   * trust authority signed it: the compiler asks Cedar `SkipImageVerification` on
   * `Lattice::ImageRef::"<image>"` ({@link UNSIGNED_SERVER_IMAGE}) after every other compile gate
   * (reference compiler.rs `verify_images`). Only servers (the server image) that are LatticeServices.
   */
  unsignedImage?: boolean;
  /**
   * The LatticeService is exposed through its namespace's ingress gateway (absent = not): `spec.ingress`
   * with one HTTPRoute `public` on host `<name>.<ns>.lattice.test` to its `http` port (reference §1.1
   * IngressSpec, §4.7). The platform adds the caller `<ns>-ingress-istio` to its mesh member (§2.6) and
   * registers the gateway proxy as a depends-all graph node (§4.4 step 2), so the gateway reaches it;
   * the gateway's probes come from {@link ingressGatewayKey}.
   */
  ingress?: boolean;
  /**
   * A LatticeQuota (lattice-system) for this LatticeService alone (principal
   * `Lattice::Service::"<ns>/<name>"`, cpu limit {@link QUOTA_LIMIT_CPU}), whose per-workload cpu cap
   * sits on the service's own demand ({@link SERVICE_CPU_REQUEST_MILLIS} × replicas; {@link quotaCpuCap}):
   * `within` caps it at exactly that demand, so the service fits (a demand equal to the cap does not
   * exceed it); `capped` caps it 1m below, so the compiler refuses it before the Cedar gates
   * (`quota exceeded: cpu (<m>m) exceeds per-workload cap (<m − 1>m)`; reference crates/lattice-quota
   * `QuotaBudget::check`, platform-fidelity.md row "Quota exceeded → scaled to 0"). Either side of the
   * boundary shows a demand counted wrong (one replica instead of all, `>=` for `>`). Absent = no quota.
   */
  quota?: 'within' | 'capped';
}

/**
 * Simulated seconds a job task's main container runs (`sleep`, a one-shot program the kubelet models):
 * far beyond a case, so its workers are up while probed, and the job is `Running` when judged.
 */
export const JOB_RUN_SECONDS = 3600;

/** The task name of a job service (its name after `<jobName>-`); undefined when it is no job. */
export function jobTaskOf(s: Pick<TopologyService, 'kind' | 'jobName' | 'name'>): string | undefined {
  return s.kind === 'job' && s.jobName !== undefined ? s.name.slice(s.jobName.length + 1) : undefined;
}

/** cpu request of every rendered container, in millicores (render.ts), the demand a quota counts per replica. */
export const SERVICE_CPU_REQUEST_MILLIS = 50;
/** cpu limit of a topology's LatticeQuota (cores; far above any topology's demand). */
export const QUOTA_LIMIT_CPU = '64';
/**
 * Per-workload cpu cap of the quota of `s` (a quantity, millicores): its demand
 * ({@link SERVICE_CPU_REQUEST_MILLIS} × replicas) when `within`, 1m less when `capped`. Never throws.
 */
export function quotaCpuCap(s: Pick<TopologyService, 'quota' | 'replicas'>): string {
  const demand = SERVICE_CPU_REQUEST_MILLIS * (s.replicas ?? 1);
  return `${s.quota === 'capped' ? demand - 1 : demand}m`;
}

/**
 * Probe source key of namespace `namespace`'s ingress gateway proxy: `<ns>/<ns>-ingress-istio` (the
 * ServiceAccount and Deployment Istio runs for Gateway `<ns>-ingress`; reference mesh.rs). Not a
 * service of the topology: probes may name it as `from` only.
 */
export const ingressGatewayKey = (namespace: string): string => `${namespace}/${namespace}-ingress-istio`;

/** The namespace whose ingress gateway `key` names (see {@link ingressGatewayKey}), else undefined. */
export function ingressGatewayNamespace(key: string): string | undefined {
  const slash = key.indexOf('/');
  const namespace = key.slice(0, slash);
  return slash > 0 && key === ingressGatewayKey(namespace) ? namespace : undefined;
}

/**
 * The image the topology's enforcing ImageProvider covers (the servers' image, render.ts `SERVER_IMAGE`;
 * the registry prefix {@link IMAGE_TRUST_REGISTRY}) and its `ImageRef` attributes as the reference parses
 * them (crates/lattice-cedar/src/entities.rs `parse_image_ref`: a first path component without `.` or `:`
 * is a Docker Hub user, registry `docker.io`, the whole path the name).
 */
export const UNSIGNED_SERVER_IMAGE = { image: 'nginxinc/nginx-unprivileged:1.27-alpine', registry: 'docker.io', name: 'nginxinc/nginx-unprivileged', tag: '1.27-alpine' } as const;
/** `spec.registry` of the topology's enforcing ImageProvider: a prefix of the server image only (generators' images are not covered). */
export const IMAGE_TRUST_REGISTRY = 'nginxinc/';

/** Resource key (and mount `/srv/<key>`) of a topology's shared volume, owned or referenced. */
export const SHARED_VOLUME_RESOURCE = 'shared-data';

/**
 * The invalid fields a random LatticeService may carry, and the field path each one breaks in the main
 * container or the service ports (render.ts writes them): a relative `command[0]`, no
 * `resources.limits`, a port name that is not a DNS label (`HTTP`), a world-writable file mode
 * (`0666`), an image with a shell metacharacter; or a `type: secret` resource without `id` (the
 * compiler refuses it before any gate: `invalid secret config: secret resource '<k>': missing 'id'
 * field …`, reference pipeline/secrets.rs:176-185, platform-fidelity.md row "Secret resource without
 * `id`"; the value is the part of that message the judge looks for); or `observability.metrics.port`
 * naming no service port (the compiler's VMServiceScrape phase refuses it after the gates:
 * `observability.metrics.port '<p>' not found in service.ports`, reference
 * crates/lattice-service/src/compiler/vm_service_scrape.rs; book §8.6 VMServiceScrape). `port-name`
 * needs a server (ports). The order is the draw's (a slot's `which` indexes it): changing it, or the
 * number of fields, changes which field every seed's invalid-spec services carry. It was set when
 * `metrics-port-missing` came, so that the default run (seed 1, 100 topologies) still draws
 * `secret-without-id` (topologies 37, 47, 57, 71, 89) besides `metrics-port-missing` (47, 57): each
 * seeded bug of harness/bugs stays caught by it.
 */
export const INVALID_SPEC_FIELDS = {
  'relative-command': 'spec.workload.containers.main.command[0]',
  'missing-limits': 'spec.workload.containers.main.resources.limits',
  'port-name': 'spec.workload.service.ports.HTTP',
  'secret-without-id': "secret resource 'lattice-sim-unkeyed': missing 'id' field",
  'image-metacharacter': 'spec.workload.containers.main.image',
  'world-writable-file': 'spec.workload.containers.main.files["/etc/lattice-sim/probe.conf"].mode',
  'metrics-port-missing': "observability.metrics.port 'lattice-sim-prom' not found in service.ports",
} as const;

/** Invalid fields the compiler refuses only after the compile-stage Cedar gates passed (a gate denial is reported first). */
export const AFTER_GATES_SPECS: readonly InvalidSpecId[] = ['metrics-port-missing'];
export type InvalidSpecId = keyof typeof INVALID_SPEC_FIELDS;

/**
 * The invalid fields the platform's validating webhook refuses at the API (`validate.lattice.dev`,
 * failurePolicy Fail: spec validation, crates/lattice-crd …`validate`): the object is never stored.
 * The others pass admission and fail in the controller (the compiler).
 */
export const ADMISSION_REFUSED_SPECS: readonly InvalidSpecId[] = ['relative-command', 'missing-limits', 'port-name', 'world-writable-file', 'image-metacharacter'];

/**
 * How a container consumes a secret (reference §2.3 routes): `env` = a variable that is exactly
 * `${secret.R.K}` (route 1, `secretKeyRef` to Secret `<svc>-R` key K); `env-mixed` = a variable mixing
 * text and `${secret.R.K}` (route 2, ExternalSecret `<svc>-main-env-eso[-i]` + `envFrom`); `file` = a file
 * whose content holds `${secret.R.K}` (route 3, ExternalSecret `<svc>-main-file-<key>` mounted at the
 * path); `envFrom` = `envFrom: [R]` (route 5, `envFrom.secretRef` `<svc>-R`; bulk extraction when the
 * secret declares no keys).
 */
export type SecretRoute = 'env' | 'env-mixed' | 'file' | 'envFrom';

/** The secret routes, in the order draws index them. */
export const SECRET_ROUTES: readonly SecretRoute[] = ['env', 'env-mixed', 'file', 'envFrom'];

/**
 * One secret of a service: resource key `name` (DNS label), store `provider` (a
 * {@link TopologySecretProvider} name), remote key `path` (the resource `id`), the declared
 * `params.keys` (empty = bulk `dataFrom.extract`, only with route `envFrom`), the route, and an optional
 * `params.secretType` of the synced Secret.
 */
export interface TopologySecret {
  name: string;
  provider: string;
  path: string;
  keys: string[];
  route: SecretRoute;
  secretType?: 'Opaque' | 'kubernetes.io/basic-auth';
}

/** ESO provider types a SecretProvider of a topology uses (reference §1.7: the one key of `spec.provider`). */
export type SecretProviderType = 'vault' | 'aws' | 'webhook';

/** A SecretProvider (in `lattice-system`) the platform copies into a ClusterSecretStore of the same name. */
export interface TopologySecretProvider {
  name: string;
  type: SecretProviderType;
}

/** Cedar gates a rendered topology meets (reference §3.2): secrets, security overrides, and wildcard inbound / outbound. */
export type TopologyGate = 'AccessSecret' | 'AccessVolume' | 'OverrideSecurity' | 'SkipImageVerification' | 'AllowWildcard';

/**
 * Security overrides a topology's main container may ask for (reference §3.2 ids): an added capability,
 * or a writable root filesystem.
 */
export const SECURITY_OVERRIDES = ['capability:NET_BIND_SERVICE', 'readWriteRootFilesystem'] as const;
export type SecurityOverrideId = (typeof SECURITY_OVERRIDES)[number];

/** A gate's resource: a secret path (uid `"<provider>:<path>"`), a security override (uid = its id), or a mesh wildcard direction. */
export type TopologyGateResource =
  | { type: 'SecretPath'; provider: string; path: string }
  | { type: 'SecurityOverride'; id: SecurityOverrideId; category: 'capability' | 'container' }
  | { type: 'Mesh'; id: 'inbound' | 'outbound' }
  /** uid `"<ns>/<volumeId>"` (`id`), attributes namespace, volume_id. */
  | { type: 'Volume'; id: string }
  /** uid = the image string (`id`), attributes registry, name, tag. */
  | { type: 'ImageRef'; id: string; registry: string; name: string; tag: string };

/**
 * One Cedar statement of a drawn policy set, kept structured so the admission oracle can judge it
 * without a Cedar engine (reference §3.3). `principal` / `resource` say what it matches: one service
 * (`key` = `"<ns>/<name-or-sa>"`, the principal uid), every principal of a namespace, or every secret
 * path of a provider under a path prefix. `style` says how render writes the match: `uid` = scope
 * equality on entity uids, `attributes` = a `when` clause on the entities' attributes (`namespace`,
 * `name`, `kind`; `provider`, `path`). `erroring` = the `when` clause also reads an attribute the
 * entities do not have, so evaluating it errors and Cedar skips the statement (it matches nothing).
 */
export interface TopologyCedarStatement {
  id: string;
  effect: 'permit' | 'forbid';
  action: TopologyGate;
  principal: { key: string } | { namespace: string };
  resource: { exact: TopologyGateResource } | { provider: string; pathPrefix: string };
  style: 'uid' | 'attributes';
  erroring?: boolean;
  /**
   * The gate request it was drawn for (`<principal>|<action>|<subject>`, see admission.ts
   * `requestOrigin`): how shrinking measures a policy set (fewer deviations from one plain permit per
   * request). Semantics never read it.
   */
  origin?: string;
}

/**
 * One CedarPolicy object (in `lattice-system`); `enabled: false` ones are not loaded (reference §1.6).
 * `appliedAtMs` (simulated ms after the case starts; absent = with the Namespaces) applies it late,
 * after every service settled: a permission revoked from an admitted service (reference §2.8 step 7:
 * the service goes Failed and loses its ExternalSecrets, its other outputs stay).
 */
export interface TopologyCedarPolicy {
  name: string;
  enabled: boolean;
  statements: TopologyCedarStatement[];
  appliedAtMs?: number;
}

/**
 * The Cedar policy set of a topology. `policies: []` = no CedarPolicy at all (every gate denies,
 * reference §3.3 default deny).
 */
export interface TopologyCedar {
  policies: TopologyCedarPolicy[];
}

/** One external egress rule of a mesh-member: `fqdn` (a DNS name) or `cidr` (`a.b.c.d/n`) on TCP `port`. */
export interface TopologyEgress {
  fqdn?: string;
  cidr?: string;
  port: number;
}

/**
 * A probe the traffic generators run: from one service's pod (or an ingress gateway's:
 * {@link ingressGatewayKey}) to one Service port of another service (`port`, one of the callee's
 * `ports[].port`; absent = its `http` port, else its first).
 */
export interface TopologyProbe {
  from: string;
  to: string;
  port?: number;
}

/** A whole topology. `probes` are chosen with the topology, so shrinking keeps them consistent. */
export interface Topology {
  name: string;
  services: TopologyService[];
  probes: TopologyProbe[];
  /** SecretProviders the secrets name (absent = none). */
  secretProviders?: TopologySecretProvider[];
  /**
   * The drawn Cedar policy set. Absent = the implicit set render has always written: a permit for
   * every gate request the topology makes (nothing is denied).
   */
  cedar?: TopologyCedar;
  /**
   * An ImageProvider (lattice-system) enforces signatures (`trust`) for images starting with
   * {@link IMAGE_TRUST_REGISTRY}, with one authority whose public-key Secret is rendered with it; the
   * simulated registry holds no signature for the server image, so every server LatticeService is
   * {@link TopologyService.unsignedImage}. Absent = no ImageProvider (no image is verified).
   */
  imageTrust?: boolean;
}

/** `"ns/name"` of a service. */
export const serviceKey = (s: Pick<TopologyService, 'namespace' | 'name'>): string => `${s.namespace}/${s.name}`;
