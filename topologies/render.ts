/**
 * Renders a Topology into the specs a platform team would write (reference §5.2 fixtures, §1.1 fields,
 * §3.2 gates): one plain Namespace per namespace, a baseline CedarPolicy, a CedarPolicy permitting
 * `AllowWildcard` inbound / outbound for every wildcard / depends-all service, and one LatticeService
 * per service, or for a mesh-member a plain Deployment, Service and ServiceAccount under a
 * hand-written LatticeMeshMember (reference §1.2). Servers run
 * an unprivileged nginx (8080 behind their ports); traffic generators run curl and have no ports. Every
 * LatticeService container declares one plain variable, {@link ROLE_VARIABLE} (`server` or
 * `traffic-generator`), which the admission judge expects in the running container. Every
 * container has an absolute `command` and the default security context, so no `allowedBinary:*` or
 * other OverrideSecurity permit is needed.
 */
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import {
  CedarPolicyType,
  LATTICE_SYSTEM_NAMESPACE,
  LatticeMeshMemberType,
  LatticeServiceType,
  type CedarPolicy,
  type ContainerSpec,
  type LatticeMeshMember,
  type LatticeService,
  type ResourceSpec,
  type ServiceRef,
} from '../platform/crds/types.ts';
import type { InvalidSpecId, Topology, TopologyService } from './topology.ts';
import { SERVICE_CPU_REQUEST_MILLIS } from './topology.ts';
import { jobKeyOf, renderJobs } from './render-job.ts';
import { hasDrawnCedar, renderCedarPolicies, renderImageTrust, renderQuotas, renderSecretProviders, secretResources, volumeResources, withSecretUses } from './admission-render.ts';

/** Name of the baseline CedarPolicy (in `lattice-system`). */
export const BASELINE_POLICY_NAME = 'lattice-sim-baseline';
/** Name of the CedarPolicy holding one AllowWildcard permit per wildcard service (absent when none). */
export const WILDCARD_POLICY_NAME = 'lattice-sim-wildcards';
/** Image and command of a server (nginx-unprivileged listens on 8080). */
export const SERVER_IMAGE = 'nginxinc/nginx-unprivileged:1.27-alpine';
/** Image of a traffic generator. */
export const GENERATOR_IMAGE = 'curlimages/curl:8.11.1';

const RESOURCES = { requests: { cpu: `${SERVICE_CPU_REQUEST_MILLIS}m`, memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
/** The plain variable every rendered container declares (reference §2.3: the `<name>-main-env` ConfigMap, read through envFrom), with its role as value. */
export const ROLE_VARIABLE = 'LATTICE_SIM_ROLE';
const SERVER: ContainerSpec = {
  image: SERVER_IMAGE,
  command: ['/usr/sbin/nginx', '-g', 'daemon off;'],
  variables: { [ROLE_VARIABLE]: 'server' },
  resources: RESOURCES,
  // Writable scratch for nginx under the default read-only root filesystem (emptyDirs; no Cedar gate).
  volumes: { '/var/cache/nginx': {}, '/tmp': {} },
};
const GENERATOR: ContainerSpec = { image: GENERATOR_IMAGE, command: ['/bin/sh', '-c', 'sleep infinity'], variables: { [ROLE_VARIABLE]: 'traffic-generator' }, resources: RESOURCES };

const split = (key: string): { namespace: string; name: string } => {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
};
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * The `workload.resources` of one service: outbound to each callee and inbound from each caller, keyed
 * by the peer's name (`namespace` added across namespaces), `direction: both` when a peer is both,
 * `any-caller` (`id: "*"` inbound) when wildcard, `any-callee` (`id: "*"` outbound, depends-all) when
 * `dependsAll`. A key already taken falls back to `<ns>-<name>` with `id`.
 */
export function serviceResources(s: TopologyService): Record<string, ResourceSpec> {
  const out: Record<string, ResourceSpec> = {};
  const peers = [...new Set([...s.outbound, ...s.inbound])];
  const reserved = new Set([...(s.wildcardInbound ? ['any-caller'] : []), ...(s.dependsAll ? ['any-callee'] : [])]);
  for (const key of peers) {
    const peer = split(key);
    const direction = s.outbound.includes(key) ? (s.inbound.includes(key) ? 'both' : 'outbound') : 'inbound';
    let resourceKey = peer.name;
    if (resourceKey in out || reserved.has(resourceKey)) resourceKey = `${peer.namespace}-${peer.name}`;
    for (let n = 2; resourceKey in out || reserved.has(resourceKey); n++) resourceKey = `${peer.namespace}-${peer.name}-${n}`;
    out[resourceKey] = {
      type: 'service',
      direction,
      ...(resourceKey !== peer.name ? { id: peer.name } : {}),
      ...(peer.namespace !== s.namespace ? { namespace: peer.namespace } : {}),
    };
  }
  if (s.wildcardInbound) out['any-caller'] = { type: 'service', direction: 'inbound', id: '*' };
  if (s.dependsAll) out['any-callee'] = { type: 'service', direction: 'outbound', id: '*' };
  return out;
}

/**
 * The LatticeService of one topology service (server when it has ports, traffic generator otherwise),
 * at `LatticeServiceType`'s version (v1beta1, the one the platform stores and reads; `replicas` is
 * always set, as v1beta1 requires).
 */
export function renderService(s: TopologyService): LatticeService {
  const server = s.ports.length > 0;
  const resources = { ...serviceResources(s), ...secretResources(s), ...volumeResources(s) };
  const rendered: LatticeService = {
    ...LatticeServiceType,
    metadata: { name: s.name, namespace: s.namespace, labels: { 'lattice.dev/environment': s.namespace } },
    spec: {
      replicas: s.replicas ?? 1,
      workload: {
        containers: { main: withSecretUses(clone(server ? SERVER : GENERATOR), s) },
        ...(Object.keys(resources).length > 0 ? { resources } : {}),
        ...(server
          ? { service: { ports: Object.fromEntries(s.ports.map((p) => [p.name, { port: p.port, ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}) }])) } }
          : {}),
      },
      ...(s.ingress ? { ingress: ingressSpec(s) } : {}),
    },
  };
  return s.invalidSpec ? withInvalidField(rendered, s.invalidSpec) : rendered;
}

/**
 * `spec.ingress` of a service that routes ingress (topology.ts `ingress`): one HTTPRoute `public` on
 * host `<name>.<ns>.lattice.test`, to the `http` port (else the first), named only when the service has
 * several ports (with one, the platform infers it: reference `RouteSpec::resolve_port`).
 */
function ingressSpec(s: TopologyService): NonNullable<LatticeService['spec']['ingress']> {
  const port = s.ports.find((p) => p.name === 'http') ?? s.ports[0];
  return { routes: { public: { kind: 'HTTPRoute', hosts: [`${s.name}.${s.namespace}.lattice.test`], ...(s.ports.length > 1 ? { port: port.name } : {}) } } };
}

/**
 * `ls` with the one invalid field `id` names (topology.ts INVALID_SPEC_FIELDS): `command[0]` made
 * relative (its base name), `resources` dropped, the first port renamed `HTTP`, a file at
 * `/etc/lattice-sim/probe.conf` with mode `0666`, `;latest` appended to the image, or a secret resource
 * `lattice-sim-unkeyed` without `id` (provider vault-main, key password, consumed by nothing), or
 * `observability.metrics.port: lattice-sim-prom` (no such port). Changes `ls` in place and returns it.
 */
export function withInvalidField(ls: LatticeService, id: InvalidSpecId): LatticeService {
  const main = ls.spec.workload.containers.main;
  switch (id) {
    case 'relative-command':
      main.command = [main.command![0].slice(main.command![0].lastIndexOf('/') + 1), ...main.command!.slice(1)];
      break;
    case 'missing-limits':
      delete main.resources;
      break;
    case 'port-name': {
      const ports = ls.spec.workload.service!.ports;
      const [first, ...rest] = Object.entries(ports);
      ls.spec.workload.service!.ports = Object.fromEntries([['HTTP', first[1]], ...rest]);
      break;
    }
    case 'world-writable-file':
      main.files = { ...main.files, '/etc/lattice-sim/probe.conf': { content: 'probe=1\n', mode: '0666' } };
      break;
    case 'image-metacharacter':
      main.image = `${main.image};latest`;
      break;
    case 'secret-without-id':
      ls.spec.workload.resources = { ...ls.spec.workload.resources, 'lattice-sim-unkeyed': { type: 'secret', params: { provider: 'vault-main', keys: ['password'] } } };
      break;
    case 'metrics-port-missing':
      ls.spec.observability = { metrics: { port: 'lattice-sim-prom' } };
      break;
  }
  return ls;
}

const cedarString = (v: string): string => JSON.stringify(v);

/**
 * The baseline CedarPolicy: the rendered containers need no OverrideSecurity permit (absolute command,
 * default security context); the one gate they can still meet is image verification when an
 * ImageProvider enforces signatures for docker.io, so it permits skipping it for the two public images,
 * for principals in the topology's namespaces only.
 */
export function baselinePolicy(namespaces: readonly string[]): CedarPolicy {
  const images = [SERVER_IMAGE, GENERATOR_IMAGE].map((i) => i.slice(0, i.lastIndexOf(':')));
  const policies = [
    '// lattice-sim baseline for rendered topologies. Containers carry an absolute command and the default',
    '// security context, so no OverrideSecurity permit (allowedBinary:*, capabilities, ...) is needed.',
    '@id("public-images")',
    'permit (',
    '  principal,',
    '  action == Lattice::Action::"SkipImageVerification",',
    '  resource',
    ')',
    'when {',
    `  [${namespaces.map(cedarString).join(', ')}].contains(principal.namespace) &&`,
    '  resource.registry == "docker.io" &&',
    `  (${images.map((n) => `resource.name == ${cedarString(n)}`).join(' || ')})`,
    '};',
    '',
  ].join('\n');
  return {
    ...CedarPolicyType,
    metadata: { name: BASELINE_POLICY_NAME, namespace: LATTICE_SYSTEM_NAMESPACE },
    spec: { description: 'lattice-sim: baseline permits for rendered topologies', policies, priority: 50 },
  };
}

/** The SPIFFE service account of a topology service: its `serviceAccount`, else its name (reference §1.2, §2.5). */
export const serviceAccountOf = (s: TopologyService): string => s.serviceAccount ?? s.name;

/**
 * One `AllowWildcard` permit on `Lattice::Mesh::"inbound"` per wildcard service and one on
 * `Lattice::Mesh::"outbound"` per depends-all service (reference §5.2, §3.2), all in one CedarPolicy;
 * undefined when none. The principal is `Lattice::Service::"<ns>/<serviceAccount>"`, the identity the
 * mesh-member controller asks about (reference §3.2: serviceAccount, else the LMM name).
 */
export function wildcardPolicy(services: readonly TopologyService[]): CedarPolicy | undefined {
  const permits = services.flatMap((s) => [...(s.wildcardInbound ? [{ s, mesh: 'inbound' }] : []), ...(s.dependsAll ? [{ s, mesh: 'outbound' }] : [])]);
  if (permits.length === 0) return undefined;
  const policies = permits
    .map(({ s, mesh }, i) =>
      [
        `@id("wildcard-${i}")`,
        `permit (`,
        `  principal == Lattice::Service::${cedarString(`${s.namespace}/${serviceAccountOf(s)}`)},`,
        `  action == Lattice::Action::"AllowWildcard",`,
        `  resource == Lattice::Mesh::${cedarString(mesh)}`,
        `);`,
      ].join('\n'),
    )
    .join('\n\n');
  return {
    ...CedarPolicyType,
    metadata: { name: WILDCARD_POLICY_NAME, namespace: LATTICE_SYSTEM_NAMESPACE },
    spec: { description: 'lattice-sim: wildcard inbound (any caller) and outbound (depends-all) for the services that declare them', policies: `${policies}\n`, priority: 50 },
  };
}

/** Pod label the LatticeMeshMember of a mesh-member selects (not the name label, so the LMM selector is exercised). */
export const MESH_MEMBER_SELECTOR_LABEL = 'app';
/**
 * Istio's canonical service label (`service.istio.io/canonical-name`), which a
 * {@link TopologyService.selectorOnlyLabels} member's pods carry instead of `app.kubernetes.io/name`
 * (Istio otherwise derives the canonical name from that label or `app`): it names the workload for the
 * harness (its traffic source lookup) and for nothing the platform compiles.
 */
export const ISTIO_CANONICAL_NAME_LABEL = 'service.istio.io/canonical-name';

const ref = (owner: TopologyService, key: string): ServiceRef => {
  const peer = split(key);
  return peer.namespace === owner.namespace ? { name: peer.name } : { name: peer.name, namespace: peer.namespace };
};

/**
 * The LatticeMeshMember of a mesh-member (reference §1.2): `target.selector` = {@link MESH_MEMBER_SELECTOR_LABEL},
 * ports `{port: targetPort (container), servicePort: port, name}`, `allowedCallers` (`[{name: "*"}]`
 * when wildcard), `dependencies`, `dependsAll`, `serviceAccount` (when not the name), `ambient: false`
 * when non-ambient, and `egress` (FQDN / CIDR rules, TCP) when it declares external egress. References name the namespace only across namespaces (it defaults to the LMM's).
 */
export function renderMeshMember(s: TopologyService): LatticeMeshMember {
  const sa = serviceAccountOf(s);
  return {
    ...LatticeMeshMemberType,
    metadata: { name: s.name, namespace: s.namespace },
    spec: {
      target: { selector: { [MESH_MEMBER_SELECTOR_LABEL]: s.name } },
      ports: s.ports.map((p) => ({ port: p.targetPort ?? p.port, ...(p.targetPort !== undefined ? { servicePort: p.port } : {}), name: p.name })),
      allowedCallers: s.wildcardInbound ? [{ name: '*' }] : s.inbound.map((k) => ref(s, k)),
      dependencies: s.outbound.map((k) => ref(s, k)),
      ...(s.dependsAll ? { dependsAll: true } : {}),
      ...(sa !== s.name ? { serviceAccount: sa } : {}),
      ...(s.ambient === false ? { ambient: false } : {}),
      ...(s.egress?.length ? { egress: s.egress.map((e) => ({ target: e.fqdn !== undefined ? { fqdn: e.fqdn } : { cidr: e.cidr! }, ports: [e.port], protocol: 'TCP' as const })) } : {}),
    },
  };
}

/**
 * The plain workload under a mesh-member's LatticeMeshMember, as a platform team writes it by hand: a
 * ServiceAccount, a Deployment whose pods run as it (labels `app.kubernetes.io/name` and the selector
 * label, or with `selectorOnlyLabels` the selector label and {@link ISTIO_CANONICAL_NAME_LABEL} only;
 * `istio.io/dataplane-mode: none` when non-ambient, as the reference expects the owner to set,
 * §1.2), and a Kubernetes Service named like the member (its DNS name is what callers' CNPs allow,
 * reference §4.5b) when it has ports.
 */
export function renderMeshMemberWorkload(s: TopologyService): KubeObject[] {
  const server = s.ports.length > 0;
  const container = clone(server ? SERVER : GENERATOR);
  const podLabels: Record<string, string> = {
    ...(s.selectorOnlyLabels ? { [ISTIO_CANONICAL_NAME_LABEL]: s.name } : { 'app.kubernetes.io/name': s.name }),
    [MESH_MEMBER_SELECTOR_LABEL]: s.name,
    ...(s.ambient === false ? { 'istio.io/dataplane-mode': 'none' } : {}),
  };
  const meta = { name: s.name, namespace: s.namespace, labels: { 'app.kubernetes.io/name': s.name } };
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta,
    spec: {
      replicas: s.replicas ?? 1,
      selector: { matchLabels: { [MESH_MEMBER_SELECTOR_LABEL]: s.name } },
      template: {
        metadata: { labels: podLabels },
        spec: {
          serviceAccountName: serviceAccountOf(s),
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'main',
              image: container.image,
              command: container.command,
              resources: container.resources,
              ...(server ? { ports: s.ports.map((p) => ({ name: p.name, containerPort: p.targetPort ?? p.port, protocol: 'TCP' })) } : {}),
            },
          ],
        },
      },
    },
  } as KubeObject;
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: clone(meta),
    spec: { selector: { [MESH_MEMBER_SELECTOR_LABEL]: s.name }, ports: s.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort ?? p.port, protocol: 'TCP' })) },
  } as KubeObject;
  const account: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccountOf(s), namespace: s.namespace } } as KubeObject;
  return [account, deployment, ...(server ? [service] : [])];
}

/** The objects of one topology service: its LatticeService, or a mesh-member's workload and LatticeMeshMember. */
export function renderServiceObjects(s: TopologyService): KubeObject[] {
  return s.kind === 'mesh-member' ? [...renderMeshMemberWorkload(s), renderMeshMember(s)] : [renderService(s)];
}

/** Rendered specs and, for staggered creation, when each is applied. */
export interface RenderedTopology {
  /** The specs in apply order (see {@link renderTopology}). */
  objects: KubeObject[];
  /** Simulated ms after the case starts at which each object is applied (`createdAtMs` of its service); objects absent = 0. */
  applyAtMs: Map<KubeObject, number>;
}

/**
 * The specs of `t`, in apply order: Namespaces (sorted, no labels), the baseline CedarPolicy, the
 * wildcard CedarPolicy (when any service is wildcard or depends-all), then each service's objects in
 * topology order (a LatticeService; or a mesh-member's ServiceAccount, Deployment, Service and
 * LatticeMeshMember; or, at a job's first task, its LatticeJob). `lattice-system` itself is not rendered (the platform install creates it).
 * `applyAtMs` holds the objects of services with `createdAtMs` > 0.
 * Input: a valid Topology. Output: new objects (no shared references). Never throws.
 */
export function renderTopologySchedule(t: Topology): RenderedTopology {
  const namespaces = [...new Set(t.services.map((s) => s.namespace))].sort();
  const wildcards = wildcardPolicy(t.services);
  const applyAtMs = new Map<KubeObject, number>();
  // A LatticeJob is applied where its first task stands (render-job.ts).
  const jobs = renderJobs(t.services);
  const perService = t.services.flatMap((s) => {
    const job = s.kind === 'job' ? jobs.get(jobKeyOf(s)) : undefined;
    if (job) jobs.delete(jobKeyOf(s));
    const objects = s.kind === 'job' ? (job ? [job] : []) : renderServiceObjects(s);
    if ((s.createdAtMs ?? 0) > 0) for (const o of objects) applyAtMs.set(o, s.createdAtMs!);
    return objects;
  });
  // A drawn Cedar set replaces the implicit permits (admission-render.ts); an empty one renders no CedarPolicy.
  const cedar = hasDrawnCedar(t) ? renderCedarPolicies(t.cedar) : [baselinePolicy(namespaces), ...(wildcards ? [wildcards] : [])];
  // A CedarPolicy applied late (a revocation) joins the schedule like a late service.
  if (hasDrawnCedar(t)) t.cedar.policies.forEach((p, i) => p.appliedAtMs && applyAtMs.set(cedar[i], p.appliedAtMs));
  return {
    objects: [
      ...namespaces.map((name): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
      ...renderSecretProviders(t.secretProviders),
      ...renderImageTrust(t),
      ...renderQuotas(t),
      ...cedar,
      ...perService,
    ],
    applyAtMs,
  };
}

/** The specs of `t` ({@link renderTopologySchedule} without the schedule). */
export function renderTopology(t: Topology): KubeObject[] {
  return renderTopologySchedule(t).objects;
}
