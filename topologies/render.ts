/**
 * Renders a Topology into the specs a platform team would write (reference §5.2 fixtures, §1.1 fields,
 * §3.2 gates): one plain Namespace per namespace, a baseline CedarPolicy, a CedarPolicy permitting
 * `AllowWildcard` inbound for every wildcard service, and one LatticeService per service. Servers run
 * an unprivileged nginx (8080 behind their ports); traffic generators run curl and have no ports. Every
 * container has an absolute `command` and the default security context, so no `allowedBinary:*` or
 * other OverrideSecurity permit is needed.
 */
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { CedarPolicyType, LATTICE_SYSTEM_NAMESPACE, LatticeServiceType, type CedarPolicy, type ContainerSpec, type LatticeService, type ResourceSpec } from '../platform/crds/types.ts';
import type { Topology, TopologyService } from './topology.ts';
import { serviceKey } from './topology.ts';

/** Name of the baseline CedarPolicy (in `lattice-system`). */
export const BASELINE_POLICY_NAME = 'lattice-sim-baseline';
/** Name of the CedarPolicy holding one AllowWildcard permit per wildcard service (absent when none). */
export const WILDCARD_POLICY_NAME = 'lattice-sim-wildcards';
/** Image and command of a server (nginx-unprivileged listens on 8080). */
export const SERVER_IMAGE = 'nginxinc/nginx-unprivileged:1.27-alpine';
/** Image of a traffic generator. */
export const GENERATOR_IMAGE = 'curlimages/curl:8.11.1';

const RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
const SERVER: ContainerSpec = {
  image: SERVER_IMAGE,
  command: ['/usr/sbin/nginx', '-g', 'daemon off;'],
  resources: RESOURCES,
  // Writable scratch for nginx under the default read-only root filesystem (emptyDirs; no Cedar gate).
  volumes: { '/var/cache/nginx': {}, '/tmp': {} },
};
const GENERATOR: ContainerSpec = { image: GENERATOR_IMAGE, command: ['/bin/sh', '-c', 'sleep infinity'], resources: RESOURCES };

const split = (key: string): { namespace: string; name: string } => {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
};
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * The `workload.resources` of one service: outbound to each callee and inbound from each caller, keyed
 * by the peer's name (`namespace` added across namespaces), `direction: both` when a peer is both,
 * `any-caller` (`id: "*"`) when wildcard. A key already taken falls back to `<ns>-<name>` with `id`.
 */
export function serviceResources(s: TopologyService): Record<string, ResourceSpec> {
  const out: Record<string, ResourceSpec> = {};
  const peers = [...new Set([...s.outbound, ...s.inbound])];
  const reserved = new Set(s.wildcardInbound ? ['any-caller'] : []);
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
  return out;
}

/** The LatticeService of one topology service (server when it has ports, traffic generator otherwise). */
export function renderService(s: TopologyService): LatticeService {
  const server = s.ports.length > 0;
  const resources = serviceResources(s);
  return {
    ...LatticeServiceType,
    metadata: { name: s.name, namespace: s.namespace, labels: { 'lattice.dev/environment': s.namespace } },
    spec: {
      replicas: 1,
      workload: {
        containers: { main: clone(server ? SERVER : GENERATOR) },
        ...(Object.keys(resources).length > 0 ? { resources } : {}),
        ...(server
          ? { service: { ports: Object.fromEntries(s.ports.map((p) => [p.name, { port: p.port, ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}) }])) } }
          : {}),
      },
    },
  };
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

/** One `AllowWildcard` permit on `Lattice::Mesh::"inbound"` per wildcard service (reference §5.2, §3.2); undefined when none. */
export function wildcardPolicy(services: readonly TopologyService[]): CedarPolicy | undefined {
  const wildcards = services.filter((s) => s.wildcardInbound);
  if (wildcards.length === 0) return undefined;
  const policies = wildcards
    .map((s, i) =>
      [
        `@id("wildcard-${i}")`,
        `permit (`,
        `  principal == Lattice::Service::${cedarString(serviceKey(s))},`,
        `  action == Lattice::Action::"AllowWildcard",`,
        `  resource == Lattice::Mesh::"inbound"`,
        `);`,
      ].join('\n'),
    )
    .join('\n\n');
  return {
    ...CedarPolicyType,
    metadata: { name: WILDCARD_POLICY_NAME, namespace: LATTICE_SYSTEM_NAMESPACE },
    spec: { description: 'lattice-sim: wildcard inbound (any caller) for the services that declare it', policies: `${policies}\n`, priority: 50 },
  };
}

/**
 * The specs of `t`, in apply order: Namespaces (sorted, no labels), the baseline CedarPolicy, the
 * wildcard CedarPolicy (when any service is wildcard), then one LatticeService per service in topology
 * order. `lattice-system` itself is not rendered (the platform install creates it).
 * Input: a valid Topology. Output: new objects (no shared references). Never throws.
 */
export function renderTopology(t: Topology): KubeObject[] {
  const namespaces = [...new Set(t.services.map((s) => s.namespace))].sort();
  const wildcards = wildcardPolicy(t.services);
  return [
    ...namespaces.map((name): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    baselinePolicy(namespaces),
    ...(wildcards ? [wildcards] : []),
    ...t.services.map(renderService),
  ];
}
