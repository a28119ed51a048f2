/**
 * Reads the declarations of real LatticeService and hand-written LatticeMeshMember specs into a
 * Topology, so the oracle can judge a fleet (reference §1.1 ResourceSpec, §1.2, §4.1 "Building a node
 * from a LatticeService" / "From an LMM"): resources of `type: service` (the default) with `direction`
 * outbound (default) / inbound / both, `id` = target name (defaults to the resource key; `"*"` inbound =
 * any caller, `"*"` outbound = depends-all), `namespace` = target namespace (defaults to the owner's).
 * Ports come from `workload.service.ports`. External services, secrets, volumes and other types are
 * not edges. LatticeMeshMembers: see meshMemberService.
 */
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import type { LatticeMeshMember, LatticeService, ServiceRef } from '../platform/crds/types.ts';
import { matrixProbes } from './oracle.ts';
import type { Topology, TopologyEgress, TopologyPort, TopologyService } from './topology.ts';
import { serviceKey } from './topology.ts';

/**
 * Input: any objects (`kind: LatticeService` and `LatticeMeshMember` are read, plus Deployments for a
 * member's replicas; a missing namespace counts as `default`) and
 * the topology's name. Output: services sorted by key, `layer` 0 for services without ports (they cannot
 * be called) and 1 otherwise; outbound / inbound lists sorted and limited to services among `objects`
 * (a declaration naming anything else cannot change any verdict of the matrix); probes = every ordered
 * pair of distinct services. A second service (LatticeService or LatticeMeshMember) with the same key is
 * ignored. Never throws on well-typed input; malformed resources (non-object) are skipped.
 */
export function topologyFromSpecs(objects: readonly KubeObject[], name: string): Topology {
  const services: TopologyService[] = [];
  for (const obj of objects) {
    if (obj?.kind === 'LatticeMeshMember' && typeof obj.metadata?.name === 'string') {
      const member = meshMemberService(obj as LatticeMeshMember, objects);
      if (member && !services.some((o) => o.namespace === member.namespace && o.name === member.name)) services.push(member);
      continue;
    }
    if (obj?.kind !== 'LatticeService' || typeof obj.metadata?.name !== 'string') continue;
    const ls = obj as LatticeService;
    const namespace = ls.metadata.namespace ?? 'default';
    if (services.some((o) => o.namespace === namespace && o.name === ls.metadata.name)) continue; // first definition wins
    const ports: TopologyPort[] = Object.entries(ls.spec?.workload?.service?.ports ?? {})
      .filter(([, p]) => typeof p?.port === 'number')
      .map(([portName, p]) => ({ name: portName, port: p.port, ...(typeof p.targetPort === 'number' ? { targetPort: p.targetPort } : {}) }));
    const replicas = ls.spec?.replicas;
    const s: TopologyService = {
      namespace,
      name: ls.metadata.name,
      layer: ports.length > 0 ? 1 : 0,
      ports,
      outbound: [],
      inbound: [],
      wildcardInbound: false,
      ...(Number.isInteger(replicas) && replicas! > 1 ? { replicas } : {}),
    };
    for (const [key, r] of Object.entries(ls.spec?.workload?.resources ?? {})) {
      if (typeof r !== 'object' || r === null || (r.type ?? 'service') !== 'service') continue;
      const direction = r.direction ?? 'outbound';
      const targetName = r.id ?? key;
      const target = `${r.namespace ?? namespace}/${targetName}`;
      if (direction === 'outbound' || direction === 'both') {
        if (targetName === '*') s.dependsAll = true;
        else s.outbound.push(target);
      }
      if (direction === 'inbound' || direction === 'both') {
        if (targetName === '*') s.wildcardInbound = true;
        else s.inbound.push(target);
      }
    }
    services.push(s);
  }
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  services.sort((a, b) => byName(serviceKey(a), serviceKey(b)));
  const known = new Set(services.map(serviceKey));
  const tidy = (list: string[]): string[] => [...new Set(list)].filter((k) => known.has(k)).sort(byName);
  const tidied = services.map((s) => ({ ...s, outbound: tidy(s.outbound), inbound: tidy(s.inbound) }));
  return { name, services: tidied, probes: matrixProbes({ services: tidied }) };
}

/**
 * The declarations of a hand-written LatticeMeshMember (reference §1.2, §4.1 "From an LMM"), or
 * undefined when it is not an escape hatch over a workload in `objects`: generated ones (owned by a
 * LatticeService, whose declarations the LatticeService gives), namespace-target members (no Service of
 * their own) and members no Deployment of `objects` runs pods for (nothing to probe from or to) are
 * skipped. Ports: `servicePort` (else `port`) as the Service port, `port` as the target port;
 * `allowedCallers` (`name: "*"` = wildcard) and `dependencies` with the namespace defaulting to the
 * member's; `dependsAll`, `serviceAccount`, `ambient`, FQDN / CIDR `egress` (first port of each rule). Replicas come from the Deployment whose pod
 * template matches the member's selector. The member's Kubernetes Service is taken to share its name (the DNS
 * name callers' policies allow, reference §4.5b).
 */
function meshMemberService(m: LatticeMeshMember, objects: readonly KubeObject[]): TopologyService | undefined {
  if ((m.metadata.ownerReferences ?? []).some((o) => o.kind === 'LatticeService')) return undefined;
  const spec = m.spec;
  if (typeof spec !== 'object' || spec === null || typeof spec.target !== 'object' || spec.target === null || !('selector' in spec.target)) return undefined;
  const namespace = m.metadata.namespace ?? 'default';
  const name = m.metadata.name;
  const refKey = (r: ServiceRef): string => `${r.namespace || namespace}/${r.name}`;
  // Egress rules as one target and port each (entity targets and other ports are not modelled).
  const egress: TopologyEgress[] = (Array.isArray(spec.egress) ? spec.egress : []).flatMap((e): TopologyEgress[] => {
    const target = e?.target as { fqdn?: unknown; cidr?: unknown } | undefined;
    const port = Array.isArray(e?.ports) ? e.ports[0] : undefined;
    if (typeof port !== 'number') return [];
    if (typeof target?.fqdn === 'string') return [{ fqdn: target.fqdn, port }];
    if (typeof target?.cidr === 'string') return [{ cidr: target.cidr, port }];
    return [];
  });
  const refs = (list: unknown): ServiceRef[] => (Array.isArray(list) ? list.filter((r): r is ServiceRef => typeof r?.name === 'string') : []);
  const ports: TopologyPort[] = (Array.isArray(spec.ports) ? spec.ports : [])
    .filter((p) => typeof p?.port === 'number' && typeof p.name === 'string')
    .map((p) => (typeof p.servicePort === 'number' && p.servicePort !== p.port ? { name: p.name, port: p.servicePort, targetPort: p.port } : { name: p.name, port: p.port }));
  const callers = refs(spec.allowedCallers);
  // The workload: a Deployment of the member's namespace whose pod template carries every selector label.
  const selector = Object.entries(spec.target.selector ?? {});
  const deployment = objects.find((o) => {
    if (o?.kind !== 'Deployment' || (o.metadata?.namespace ?? 'default') !== namespace) return false;
    const labels = (o as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }).spec?.template?.metadata?.labels ?? {};
    return selector.length > 0 && selector.every(([k, v]) => labels[k] === v);
  });
  if (!deployment) return undefined;
  const replicas = (deployment as { spec?: { replicas?: unknown } }).spec?.replicas;
  return {
    namespace,
    name,
    layer: ports.length > 0 ? 1 : 0,
    ports,
    outbound: refs(spec.dependencies).map(refKey),
    inbound: callers.filter((c) => c.name !== '*').map(refKey),
    wildcardInbound: callers.some((c) => c.name === '*'),
    kind: 'mesh-member',
    ...(typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '' && spec.serviceAccount !== name ? { serviceAccount: spec.serviceAccount } : {}),
    ...(spec.ambient === false ? { ambient: false } : {}),
    ...(spec.dependsAll === true ? { dependsAll: true } : {}),
    ...(typeof replicas === 'number' && Number.isInteger(replicas) && replicas > 1 ? { replicas } : {}),
    ...(egress.length > 0 ? { egress } : {}),
  };
}
