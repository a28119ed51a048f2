/**
 * The knobs of {@link topologyArbitrary} (STYLE.md rule 15: one constraints object, documented
 * defaults, bad values rejected at once with the arbitrary's name). Defaults are the reference
 * random-mesh configuration (reference §5.6).
 */

/** Constraints of `topologyArbitrary`. Every field is optional; defaults follow the reference (§5.6). */
export interface TopologyConstraints {
  /**
   * Fewest services a generated topology has (integer >= 2).
   * @defaultValue 10
   */
  minServices?: number;
  /**
   * Most services a generated topology has (integer >= minServices, <= 64).
   * @defaultValue 20
   */
  maxServices?: number;
  /**
   * Fewest services shrinking may leave (integer in [2, minServices]). Generation never goes below
   * `minServices`; shrinking goes below it so that a failure is reported at its smallest (DESIGN rule 3).
   * @defaultValue 2
   */
  minShrunkServices?: number;
  /**
   * Number of layers (integer in [2, 5]); layer 0 holds the traffic generators. A topology with fewer
   * services than layers uses one layer per service.
   * @defaultValue 3
   */
  layers?: number;
  /**
   * Probability that a service declares outbound to a given service of a later layer, in [0, 1].
   * @defaultValue 0.3
   */
  outboundProbability?: number;
  /**
   * Probability that a (non-wildcard) callee declares the matching inbound, in [0, 1].
   * @defaultValue 0.6
   */
  reciprocatedProbability?: number;
  /**
   * Probability that a server allows any caller (`id: "*"` inbound), in [0, 1].
   * @defaultValue 0.15
   */
  wildcardInboundProbability?: number;
  /**
   * Most non-dependency probes per service per later layer (integer >= 0).
   * @defaultValue 3
   */
  negativesPerLayer?: number;
  /**
   * First namespace of the generated services (a DNS label, <= 61 chars when `maxNamespaces` > 1);
   * also the topology's name. Further namespaces are `<namespace>-2`, `<namespace>-3`.
   * @defaultValue 'random-mesh'
   */
  namespace?: string;
  /**
   * Most namespaces the services spread over (integer in [1, 3]). Each service draws its namespace
   * (never shrunk), so declarations and probes cross namespaces (LatticeService `namespace:` field).
   * 1 = every service in `namespace`, with the same draws (and so the same topologies) as before this knob.
   * @defaultValue 3
   */
  maxNamespaces?: number;
  /**
   * Most Service ports per server (integer in [1, 3]). Each server draws how many of `http` (80 -> 8080),
   * `grpc` (9090 -> 50051), `admin` (8081 -> 9901) it has (never shrunk); every probe to a server with
   * several ports is made once per port. 1 = `http` only, with the same draws as before this knob.
   * @defaultValue 3
   */
  maxPortsPerService?: number;
  /**
   * Probability that a (non-wildcard) server declares inbound from a service of an earlier layer that
   * does NOT declare outbound to it (one-sided from the callee side, reference §4.3), in [0, 1].
   * 0 = no such draw (the draws of old seeds).
   * @defaultValue 0.04
   */
  inboundOnlyProbability?: number;
  /**
   * Probability that a service is an escape-hatch LatticeMeshMember over a plain Deployment instead of
   * a LatticeService (reference §1.2), in [0, 1]. 0 = LatticeServices only (no draw).
   * @defaultValue 0.25
   */
  meshMemberProbability?: number;
  /**
   * Probability that a mesh-member runs as a ServiceAccount other than its name (`<name>-sa`; LMM
   * `serviceAccount`), in [0, 1]. 0 = no draw.
   * @defaultValue 0.5
   */
  serviceAccountProbability?: number;
  /**
   * Probability that a mesh-member is non-ambient (`ambient: false`, Cilium-only, reference §4.6), in
   * [0, 1]. 0 = no draw.
   * @defaultValue 0.2
   */
  nonAmbientProbability?: number;
  /**
   * Probability that a service declares wildcard outbound (LatticeService outbound `id: "*"`, LMM
   * `dependsAll: true`; reference §4.2), in [0, 1]. 0 = no draw.
   * @defaultValue 0.05
   */
  dependsAllProbability?: number;
  /**
   * Most pod replicas of a service (integer in [1, 3]). A service runs `2..maxReplicas` replicas with
   * probability `multiReplicaProbability`, else 1. 1 = single replicas (no draw).
   * @defaultValue 3
   */
  maxReplicas?: number;
  /**
   * Probability that a service runs more than one replica (when `maxReplicas` > 1), in [0, 1].
   * @defaultValue 0.2
   */
  multiReplicaProbability?: number;
  /**
   * Latest simulated creation time of a service, in simulated ms after the case starts (integer in
   * [0, 300000]). A service is created late, at a time drawn in [0, maxCreationDelayMs], with probability
   * `staggerProbability`. 0 = every service applied at once (no draw).
   * @defaultValue 30000
   */
  maxCreationDelayMs?: number;
  /**
   * Probability that a service is created after the others (staggered creation), in [0, 1].
   * @defaultValue 0.2
   */
  staggerProbability?: number;
  /**
   * Probability that a mesh-member declares external egress (an FQDN or a CIDR, `spec.egress`), in
   * [0, 1]. 0 = no draw.
   * @defaultValue 0.3
   */
  externalEgressProbability?: number;
  /**
   * Probability that a LatticeService carries secrets (1..3 `type: secret` resources, each with an
   * `id`, a provider among vault / aws / webhook SecretProviders and one route of reference §2.3), in
   * [0, 1]. 0 = no secret and no Cedar draws at all (the policy set is the implicit permit-all-needed one).
   * @defaultValue 0.35
   */
  secretProbability?: number;
  /**
   * Probability that one Cedar gate request (AccessSecret per secret, AllowWildcard per wildcard
   * direction) is drawn denied: no permit, a forbid overriding the permit, only an erroring permit, or
   * only a disabled one (reference §3.3), in [0, 1]. Used only when `secretProbability` > 0.
   * @defaultValue 0.03
   */
  cedarDenyProbability?: number;
  /**
   * Probability that a topology's Cedar policy set is empty (no CedarPolicy at all: every gate denies),
   * in [0, 1]. Used only when `secretProbability` > 0.
   * @defaultValue 0.03
   */
  emptyPolicySetProbability?: number;
  /**
   * Probability that a CedarPolicy applied late (75 s simulated, after everything settled) forbids one
   * gate request of an admitted service: a revocation (reference §2.8 step 7: Failed, ExternalSecrets
   * deleted, other outputs kept), in [0, 1]. Used only when `secretProbability` > 0.
   * @defaultValue 0.12
   */
  lateRevocationProbability?: number;
  /**
   * Probability that a topology draws secrets at all, in [0, 1] (then each LatticeService has some with
   * `secretProbability`). Secrets make a topology settle later (ESO sync, the 2 s secret poll), so they
   * are drawn in a share of topologies only. Used only when `secretProbability` > 0.
   * @defaultValue 0.5
   */
  secretTopologyProbability?: number;
  /**
   * Probability that a LatticeService renders one invalid field (a relative `command[0]`, no
   * `resources.limits`, a non-DNS-label port name, a world-writable file mode, an image with a shell
   * metacharacter; topology.ts `INVALID_SPEC_FIELDS`), which the platform must refuse with the field
   * named and nothing produced (reference spec validation), in [0, 1]. 0 = no draw.
   * @defaultValue 0.02
   */
  invalidSpecProbability?: number;
  /**
   * Probability that a LatticeService takes part in a shared volume (platform-fidelity.md row "Shared
   * volume reference"), as its namespace's owner (`id` + size + `allowedConsumers`) or as a consumer
   * (`id` only) the owner consents to (80 %) or not; each consumer's AccessVolume request draws a Cedar
   * verdict (only a forbid denies: permissive mode). In [0, 1]; used only when `secretProbability` > 0.
   * @defaultValue 0.1
   */
  sharedVolumeProbability?: number;
  /**
   * Probability that a topology's images are under image trust (platform-fidelity.md row "Gates the port
   * asks": SkipImageVerification): an ImageProvider enforces signatures over the server image, which no
   * authority signed, so every server LatticeService asks Cedar SkipImageVerification last; each request
   * draws a Cedar verdict (a denial fails the service). In [0, 1]; used only when `secretProbability` > 0.
   * @defaultValue 0.1
   */
  imageTrustProbability?: number;
  /**
   * Probability that a LatticeService server routes ingress through its namespace's gateway
   * (`spec.ingress`, one HTTPRoute; reference §4.7): the gateway proxy `<ns>-ingress-istio` then probes
   * every server of its namespace and every wildcard server (oracle `expectFromIngressGateway`), in
   * [0, 1]. Drawn per slot after every other draw of the topology, so the knob changes no other draw
   * of a seed. 0 = no draw.
   * @defaultValue 0.1
   */
  ingressProbability?: number;
  /**
   * Probability that a LatticeService gets a LatticeQuota of its own (platform-fidelity.md row "Quota
   * exceeded → scaled to 0"; principal `Lattice::Service::"<ns>/<name>"` in lattice-system): half of
   * them cap each workload below the service's cpu request, so the compiler refuses it before any Cedar
   * gate (Failed `quota exceeded: …`, nothing compiled); the others leave room. In [0, 1]. Drawn per slot
   * after every other draw of the topology, so the knob changes no other draw of a seed. 0 = no draw.
   * @defaultValue 0.1
   */
  quotaProbability?: number;
  /**
   * Probability that a mesh-member's pods carry only its LatticeMeshMember's selector label (`app`) and
   * Istio's canonical-name label, not `app.kubernetes.io/name` (topology.ts `selectorOnlyLabels`): a
   * platform that selects a member's pods by its name label instead of `target.selector` (reference §1.2)
   * then protects and allows nothing of them. In [0, 1]. Drawn per slot after every other draw of the
   * topology, so the knob changes no other draw of a seed. 0 = no draw.
   * @defaultValue 0.3
   */
  selectorOnlyLabelsProbability?: number;
  /**
   * Probability that a mesh-member with external egress (`externalEgressProbability`) is probed outside
   * the cluster (arbitraries/external-probes.ts; oracle-external.ts): per egress rule, the member to the
   * host inside it on its port (allowed), on the next port, to a host just outside it, and another
   * service to the host inside it (denied). In [0, 1]. Drawn per slot after every other draw of the
   * topology, so the knob changes no other draw of a seed. 0 = no draw (external hosts never probed).
   * @defaultValue 0.8
   */
  externalProbeProbability?: number;
  /**
   * Probability that a traffic generator LatticeService (layer 0, no invalid field, quota or shared
   * volume) is a LatticeJob task instead (topology.ts `jobName`; arbitraries/job.ts): its workers run
   * as a Volcano gang and call what it declares outbound, with the same secrets, security overrides and
   * Cedar verdicts; the generators of a namespace drawn as jobs are the tasks of one LatticeJob. In
   * [0, 1]. Drawn per slot after every other draw of the topology, so the knob changes no other draw of a
   * seed. 0 = no draw.
   * @defaultValue 0.1
   */
  jobProbability?: number;
}

/** Constraints with every default filled in. */
export type ResolvedTopologyConstraints = Required<TopologyConstraints>;

/** Defaults of {@link TopologyConstraints} (reference §5.6). */
export const DEFAULT_TOPOLOGY_CONSTRAINTS: Readonly<ResolvedTopologyConstraints> = Object.freeze({
  minServices: 10,
  maxServices: 20,
  minShrunkServices: 2,
  layers: 3,
  outboundProbability: 0.3,
  reciprocatedProbability: 0.6,
  wildcardInboundProbability: 0.15,
  negativesPerLayer: 3,
  namespace: 'random-mesh',
  maxNamespaces: 3,
  maxPortsPerService: 3,
  inboundOnlyProbability: 0.04,
  meshMemberProbability: 0.25,
  serviceAccountProbability: 0.5,
  nonAmbientProbability: 0.2,
  dependsAllProbability: 0.05,
  maxReplicas: 3,
  multiReplicaProbability: 0.2,
  maxCreationDelayMs: 30_000,
  staggerProbability: 0.2,
  externalEgressProbability: 0.3,
  secretProbability: 0.35,
  cedarDenyProbability: 0.03,
  emptyPolicySetProbability: 0.03,
  lateRevocationProbability: 0.12,
  secretTopologyProbability: 0.5,
  invalidSpecProbability: 0.02,
  sharedVolumeProbability: 0.1,
  imageTrustProbability: 0.1,
  ingressProbability: 0.1,
  quotaProbability: 0.1,
  selectorOnlyLabelsProbability: 0.3,
  externalProbeProbability: 0.8,
  jobProbability: 0.1,
});

/**
 * Knobs that turn every mesh-feature draw off (one-sided inbound, mesh-members, service accounts,
 * non-ambient, depends-all, replicas, staggered creation, secrets and Cedar, invalid specs, quotas, selector-only member labels, external probes, jobs): with them, a seed draws exactly what it drew
 * before these features existed (old bug-report seeds reproduce).
 */
export const MESH_FEATURES_OFF: Readonly<TopologyConstraints> = Object.freeze({
  inboundOnlyProbability: 0,
  meshMemberProbability: 0,
  serviceAccountProbability: 0,
  nonAmbientProbability: 0,
  dependsAllProbability: 0,
  maxReplicas: 1,
  maxCreationDelayMs: 0,
  externalEgressProbability: 0,
  secretProbability: 0,
  invalidSpecProbability: 0,
  sharedVolumeProbability: 0,
  imageTrustProbability: 0,
  ingressProbability: 0,
  quotaProbability: 0,
  selectorOnlyLabelsProbability: 0,
  externalProbeProbability: 0,
  jobProbability: 0,
});

/** Upper bound of `maxNamespaces` and of `maxPortsPerService`. */
export const MAX_NAMESPACES = 3;
export const MAX_PORTS_PER_SERVICE = 3;
/** Upper bound of `maxReplicas`. */
export const MAX_REPLICAS = 3;
/** Upper bound of `maxCreationDelayMs` (simulated ms; the verifier's ready timeout must leave room). */
export const MAX_CREATION_DELAY_MS = 300_000;

/** Upper bound of `maxServices` (keeps generation and shrinking fast). */
export const MAX_SERVICES_LIMIT = 64;
/** Upper bound of `layers` (one name prefix per layer). */
export const MAX_LAYERS = 5;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Fills in defaults and checks every knob. When only one of `minServices` / `maxServices` is given,
 * the other follows it (`{maxServices: 4}` ⇒ min 4; `{minServices: 30}` ⇒ max 30), and
 * `minShrunkServices` never defaults above `minServices`.
 * Input: user constraints (undefined fields = defaults). Output: resolved constraints.
 * Throws: `Error('topologyArbitrary: <field> must be ...')` on the first bad field.
 */
export function resolveTopologyConstraints(constraints: TopologyConstraints = {}): ResolvedTopologyConstraints {
  const given = Object.fromEntries(Object.entries(constraints).filter(([, v]) => v !== undefined)) as TopologyConstraints;
  const minServices = given.minServices ?? (given.maxServices !== undefined ? Math.min(DEFAULT_TOPOLOGY_CONSTRAINTS.minServices, given.maxServices) : DEFAULT_TOPOLOGY_CONSTRAINTS.minServices);
  const c: ResolvedTopologyConstraints = {
    ...DEFAULT_TOPOLOGY_CONSTRAINTS,
    ...given,
    minServices,
    maxServices: given.maxServices ?? Math.max(DEFAULT_TOPOLOGY_CONSTRAINTS.maxServices, minServices),
    minShrunkServices: given.minShrunkServices ?? Math.min(DEFAULT_TOPOLOGY_CONSTRAINTS.minShrunkServices, minServices),
  };
  const fail = (message: string): never => {
    throw new Error(`topologyArbitrary: ${message}`);
  };
  const isInt = (v: number): boolean => Number.isInteger(v);
  if (!isInt(c.minServices) || c.minServices < 2) fail(`minServices must be >= 2 (an integer), got ${c.minServices}`);
  if (!isInt(c.maxServices) || c.maxServices < c.minServices) fail(`maxServices must be an integer >= minServices (${c.minServices}), got ${c.maxServices}`);
  if (c.maxServices > MAX_SERVICES_LIMIT) fail(`maxServices must be <= ${MAX_SERVICES_LIMIT}, got ${c.maxServices}`);
  if (!isInt(c.minShrunkServices) || c.minShrunkServices < 2 || c.minShrunkServices > c.minServices) {
    fail(`minShrunkServices must be an integer in [2, minServices (${c.minServices})], got ${c.minShrunkServices}`);
  }
  if (!isInt(c.layers) || c.layers < 2 || c.layers > MAX_LAYERS) fail(`layers must be an integer in [2, ${MAX_LAYERS}], got ${c.layers}`);
  for (const key of [
    'outboundProbability',
    'reciprocatedProbability',
    'wildcardInboundProbability',
    'inboundOnlyProbability',
    'meshMemberProbability',
    'serviceAccountProbability',
    'nonAmbientProbability',
    'dependsAllProbability',
    'multiReplicaProbability',
    'staggerProbability',
    'externalEgressProbability',
    'secretProbability',
    'cedarDenyProbability',
    'emptyPolicySetProbability',
    'lateRevocationProbability',
    'secretTopologyProbability',
    'invalidSpecProbability',
    'sharedVolumeProbability',
    'imageTrustProbability',
    'ingressProbability',
    'quotaProbability',
    'selectorOnlyLabelsProbability',
    'externalProbeProbability',
    'jobProbability',
  ] as const) {
    if (typeof c[key] !== 'number' || !(c[key] >= 0 && c[key] <= 1)) fail(`${key} must be a number in [0, 1], got ${c[key]}`);
  }
  if (!isInt(c.negativesPerLayer) || c.negativesPerLayer < 0) fail(`negativesPerLayer must be an integer >= 0, got ${c.negativesPerLayer}`);
  if (!isInt(c.maxNamespaces) || c.maxNamespaces < 1 || c.maxNamespaces > MAX_NAMESPACES) fail(`maxNamespaces must be an integer in [1, ${MAX_NAMESPACES}], got ${c.maxNamespaces}`);
  if (!isInt(c.maxPortsPerService) || c.maxPortsPerService < 1 || c.maxPortsPerService > MAX_PORTS_PER_SERVICE) {
    fail(`maxPortsPerService must be an integer in [1, ${MAX_PORTS_PER_SERVICE}], got ${c.maxPortsPerService}`);
  }
  if (!isInt(c.maxReplicas) || c.maxReplicas < 1 || c.maxReplicas > MAX_REPLICAS) fail(`maxReplicas must be an integer in [1, ${MAX_REPLICAS}], got ${c.maxReplicas}`);
  if (!isInt(c.maxCreationDelayMs) || c.maxCreationDelayMs < 0 || c.maxCreationDelayMs > MAX_CREATION_DELAY_MS) {
    fail(`maxCreationDelayMs must be an integer in [0, ${MAX_CREATION_DELAY_MS}], got ${c.maxCreationDelayMs}`);
  }
  if (typeof c.namespace !== 'string' || !DNS_LABEL.test(c.namespace) || (c.maxNamespaces > 1 && c.namespace.length > 61)) fail(`namespace must be a DNS label (lowercase alphanumerics and '-', <= 63 chars), got ${JSON.stringify(c.namespace)}`);
  return c;
}
