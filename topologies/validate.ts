/**
 * Topology invariants and size (STYLE.md rule 16): what every topology, random or read from specs,
 * must satisfy, and the size order in which shrinking must go down.
 */
import type { Topology, TopologyService } from './topology.ts';
import { ingressGatewayNamespace, serviceKey } from './topology.ts';
import { admissionProblems, admissionSize } from './admission.ts';
import { externalProbeHost } from '../harness/verifier/expected-probe.ts';

/**
 * Checks the invariants of a topology: a name; unique service keys; integer layers >= 0; layer-0
 * services (traffic generators) have no ports; port names unique, numbers in 1..65535; outbound and
 * inbound lists name existing services without duplicates; probes name two distinct existing services
 * (or a service and a host outside the cluster, `externalProbeKey`, on a TCP port),
 * a port the callee has (when they name one), and no probe (from, to, port) occurs twice; the mesh
 * features are well-formed (see meshFeatureProblems).
 * Input: any Topology. Output: one message per broken invariant (`[]` = valid). Never throws.
 */
export function validateTopology(t: Topology): string[] {
  const problems: string[] = [];
  if (typeof t.name !== 'string' || t.name === '') problems.push('topology: name must be a non-empty string');
  const keys = new Set<string>();
  for (const s of t.services) {
    const key = serviceKey(s);
    if (keys.has(key)) problems.push(`services: duplicate key ${key}`);
    keys.add(key);
  }
  const isPort = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 65535;
  for (const s of t.services) {
    const key = serviceKey(s);
    if (!Number.isInteger(s.layer) || s.layer < 0) problems.push(`${key}: layer must be an integer >= 0, got ${s.layer}`);
    if (s.layer === 0 && s.ports.length > 0) problems.push(`${key}: a layer-0 service (traffic generator) must have no ports`);
    const portNames = new Set<string>();
    for (const p of s.ports) {
      if (portNames.has(p.name)) problems.push(`${key}: duplicate port name ${p.name}`);
      portNames.add(p.name);
      if (!isPort(p.port) || (p.targetPort !== undefined && !isPort(p.targetPort))) problems.push(`${key}: port ${p.name} must be in 1..65535`);
    }
    problems.push(...meshFeatureProblems(s, key));
    for (const [field, list] of [['outbound', s.outbound], ['inbound', s.inbound]] as const) {
      if (new Set(list).size !== list.length) problems.push(`${key}: duplicate entries in ${field}`);
      for (const k of list) if (!keys.has(k)) problems.push(`${key}: ${field} names unknown service ${k}`);
    }
  }
  const byKey = new Map(t.services.map((s) => [serviceKey(s), s]));
  const probeIds = new Set<string>();
  t.probes.forEach((p, i) => {
    const callee = byKey.get(p.to);
    if (p.port !== undefined && callee && !callee.ports.some((q) => q.port === p.port)) problems.push(`probes[${i}]: ${p.to} has no port ${p.port}`);
    const id = `${p.from}->${p.to}:${p.port ?? ''}`;
    if (probeIds.has(id)) problems.push(`probes[${i}]: duplicate probe ${id}`);
    probeIds.add(id);
    if (!keys.has(p.from) && ingressGatewayNamespace(p.from) === undefined) problems.push(`probes[${i}]: from names unknown service ${p.from}`);
    const external = externalProbeHost(p.to);
    if (external !== undefined) {
      if (!keys.has(p.from)) problems.push(`probes[${i}]: an external probe comes from a service of the topology, not ${p.from}`);
      if (p.port === undefined || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) problems.push(`probes[${i}]: an external probe names a TCP port in 1..65535, got ${p.port}`);
    } else if (!keys.has(p.to)) problems.push(`probes[${i}]: to names unknown service ${p.to}`);
    if (p.from === p.to) problems.push(`probes[${i}]: a service does not probe itself (${p.from})`);
  });
  problems.push(...admissionProblems(t));
  return problems;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The mesh-feature invariants of one service (topology.ts documents each field): `kind` is `service`,
 * `mesh-member` or `job` (a job task named `<jobName>-<task>`, without ports, invalid field, quota,
 * shared volume or creation delay); a ServiceAccount other than the name (a DNS label) and `ambient: false` only on a
 * mesh-member; `dependsAll` a boolean; `replicas` an integer >= 1; `createdAtMs` an integer >= 0;
 * `egress` only on a mesh-member, each rule with exactly one of fqdn / cidr and a port.
 */
function meshFeatureProblems(s: TopologyService, key: string): string[] {
  const problems: string[] = [];
  const member = s.kind === 'mesh-member';
  if (s.kind !== undefined && s.kind !== 'service' && s.kind !== 'job' && !member) problems.push(`${key}: kind must be service, mesh-member or job, got ${String(s.kind)}`);
  if (s.kind === 'job') {
    const task = s.jobName === undefined ? '' : s.name.slice(s.jobName.length + 1);
    if (typeof s.jobName !== 'string' || !DNS_LABEL.test(s.jobName) || !s.name.startsWith(`${s.jobName}-`) || task === '') problems.push(`${key}: a job task is named <jobName>-<task>, got jobName ${JSON.stringify(s.jobName)}`);
    if (s.ports.length > 0 || s.invalidSpec !== undefined || s.quota !== undefined || s.sharedVolume !== undefined || s.volumeRef !== undefined || (s.createdAtMs ?? 0) > 0)
      problems.push(`${key}: a job task has no ports, invalid field, quota, shared volume or creation delay`);
  } else if (s.jobName !== undefined) problems.push(`${key}: only a job task names a jobName`);
  if (s.serviceAccount !== undefined) {
    if (typeof s.serviceAccount !== 'string' || !DNS_LABEL.test(s.serviceAccount)) problems.push(`${key}: serviceAccount must be a DNS label, got ${JSON.stringify(s.serviceAccount)}`);
    else if (!member && s.serviceAccount !== s.name) problems.push(`${key}: only a mesh-member runs as another ServiceAccount than its name (a LatticeService's is its name)`);
  }
  if (s.ambient !== undefined && typeof s.ambient !== 'boolean') problems.push(`${key}: ambient must be a boolean`);
  if (s.ambient === false && !member) problems.push(`${key}: only a mesh-member can be non-ambient (a LatticeService's LatticeMeshMember is always ambient)`);
  if (s.dependsAll !== undefined && typeof s.dependsAll !== 'boolean') problems.push(`${key}: dependsAll must be a boolean`);
  if (s.replicas !== undefined && !(Number.isInteger(s.replicas) && s.replicas >= 1)) problems.push(`${key}: replicas must be an integer >= 1, got ${s.replicas}`);
  if (s.createdAtMs !== undefined && !(Number.isInteger(s.createdAtMs) && s.createdAtMs >= 0)) problems.push(`${key}: createdAtMs must be an integer >= 0 (simulated ms), got ${s.createdAtMs}`);
  if (s.egress !== undefined) {
    if (!member && s.egress.length > 0) problems.push(`${key}: only a mesh-member declares egress rules (a LatticeService's external-service resources are not modelled)`);
    for (const e of s.egress) {
      if ((e.fqdn === undefined) === (e.cidr === undefined)) problems.push(`${key}: an egress rule has exactly one of fqdn and cidr`);
      if (!(Number.isInteger(e.port) && e.port >= 1 && e.port <= 65535)) problems.push(`${key}: egress port must be in 1..65535, got ${e.port}`);
    }
  }
  if (s.ingress !== undefined && typeof s.ingress !== 'boolean') problems.push(`${key}: ingress must be a boolean`);
  if (s.ingress === true && (member || s.ports.length === 0)) problems.push(`${key}: only a LatticeService with Service ports routes ingress`);
  if (s.quota !== undefined && s.quota !== 'within' && s.quota !== 'capped') problems.push(`${key}: quota must be 'within' or 'capped', got ${JSON.stringify(s.quota)}`);
  if (s.quota !== undefined && member) problems.push(`${key}: only a LatticeService has a quota (a mesh-member has no workload spec)`);
  if (s.selectorOnlyLabels !== undefined && typeof s.selectorOnlyLabels !== 'boolean') problems.push(`${key}: selectorOnlyLabels must be a boolean`);
  if (s.selectorOnlyLabels === true && !member) problems.push(`${key}: only a mesh-member's pods are labelled by hand (selectorOnlyLabels)`);
  return problems;
}

/** Size of a topology, compared lexicographically in {@link TOPOLOGY_SIZE_ORDER}. */
export interface TopologySize {
  services: number;
  outbound: number;
  /** Depends-all (wildcard outbound) services. */
  dependsAll: number;
  wildcard: number;
  inbound: number;
  /** Mesh-members (escape hatches) among the services. */
  meshMembers: number;
  /** Services running as another ServiceAccount than their name. */
  serviceAccounts: number;
  /** Non-ambient services. */
  nonAmbient: number;
  /** Replicas beyond the first, summed over services. */
  extraReplicas: number;
  /** Services created after the start (`createdAtMs` > 0). */
  staggered: number;
  /** External egress rules of mesh-members. */
  egress: number;
  /** Services exposed through their namespace's ingress gateway. */
  ingress: number;
  probes: number;
  /** Secrets and how far the Cedar policy set is from one plain permit per gate request (admission.ts `AdmissionSize`). */
  secrets: number;
  cedarEmpty: number;
  cedarDeviations: number;
  cedarForms: number;
  /** LatticeService quotas, a capped one counting 2 and one with room 1 (shrinking goes capped → within → none). */
  quotas: number;
  /** LatticeServices rendered with an invalid field (admission.ts `AdmissionSize`). */
  invalidSpecs: number;
  /** Mesh-members whose pods carry only their selector label (`selectorOnlyLabels`). */
  selectorOnlyLabels: number;
  /** LatticeJob tasks among the services (last: a shrink that makes a service job-eligible lowers something more significant). */
  jobs: number;
}

/** The order in which sizes are compared (most significant first). */
export const TOPOLOGY_SIZE_ORDER = ['services', 'outbound', 'dependsAll', 'wildcard', 'inbound', 'meshMembers', 'serviceAccounts', 'nonAmbient', 'extraReplicas', 'staggered', 'egress', 'ingress', 'probes', 'secrets', 'cedarEmpty', 'cedarDeviations', 'cedarForms', 'invalidSpecs', 'quotas', 'selectorOnlyLabels', 'jobs'] as const;

/** Counts services, declarations, mesh features and probes. */
export function topologySize(t: Topology): TopologySize {
  const sum = (f: (s: TopologyService) => number): number => t.services.reduce((n, s) => n + f(s), 0);
  return {
    services: t.services.length,
    outbound: sum((s) => s.outbound.length),
    dependsAll: sum((s) => (s.dependsAll ? 1 : 0)),
    wildcard: sum((s) => (s.wildcardInbound ? 1 : 0)),
    inbound: sum((s) => s.inbound.length),
    meshMembers: sum((s) => (s.kind === 'mesh-member' ? 1 : 0)),
    serviceAccounts: sum((s) => (s.serviceAccount !== undefined && s.serviceAccount !== s.name ? 1 : 0)),
    nonAmbient: sum((s) => (s.ambient === false ? 1 : 0)),
    extraReplicas: sum((s) => (s.replicas ?? 1) - 1),
    staggered: sum((s) => ((s.createdAtMs ?? 0) > 0 ? 1 : 0)),
    egress: sum((s) => s.egress?.length ?? 0),
    ingress: sum((s) => (s.ingress ? 1 : 0)),
    probes: t.probes.length,
    ...admissionSize(t),
    quotas: sum((s) => (s.quota === 'capped' ? 2 : s.quota === 'within' ? 1 : 0)),
    selectorOnlyLabels: sum((s) => (s.selectorOnlyLabels ? 1 : 0)),
    jobs: sum((s) => (s.kind === 'job' ? 1 : 0)),
  };
}

/**
 * Lexicographic order of {@link topologySize} ({@link TOPOLOGY_SIZE_ORDER}).
 * Output: negative when `a` is smaller than `b`, 0 when the sizes are equal, positive otherwise.
 */
export function compareTopologySize(a: Topology, b: Topology): number {
  const sa = topologySize(a);
  const sb = topologySize(b);
  for (const k of TOPOLOGY_SIZE_ORDER) if (sa[k] !== sb[k]) return sa[k] - sb[k];
  return 0;
}
