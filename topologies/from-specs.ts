/**
 * Reads the declarations of real LatticeService specs into a Topology, so the oracle can judge a fleet
 * (reference §1.1 ResourceSpec, §4.1 "Building a node from a LatticeService"): resources of
 * `type: service` (the default) with `direction` outbound (default) / inbound / both, `id` = target name
 * (defaults to the resource key; `"*"` inbound = any caller), `namespace` = target namespace (defaults
 * to the owner's). Ports come from `workload.service.ports`. External services, secrets, volumes and
 * other types are not edges.
 */
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import type { LatticeService } from '../platform/crds/types.ts';
import { matrixProbes } from './oracle.ts';
import type { Topology, TopologyPort, TopologyService } from './topology.ts';
import { serviceKey } from './topology.ts';

/**
 * Input: any objects (only `kind: LatticeService` is read; a missing namespace counts as `default`) and
 * the topology's name. Output: services sorted by key, `layer` 0 for services without ports (they cannot
 * be called) and 1 otherwise; outbound / inbound lists sorted and limited to services among `objects`
 * (a declaration naming anything else cannot change any verdict of the matrix); probes = every ordered
 * pair of distinct services. A second LatticeService with the same key is ignored. Wildcard outbound (`id: "*"` outbound, depends-all) is not modelled and is
 * ignored. Never throws on well-typed input; malformed resources (non-object) are skipped.
 */
export function topologyFromSpecs(objects: readonly KubeObject[], name: string): Topology {
  const services: TopologyService[] = [];
  for (const obj of objects) {
    if (obj?.kind !== 'LatticeService' || typeof obj.metadata?.name !== 'string') continue;
    const ls = obj as LatticeService;
    const namespace = ls.metadata.namespace ?? 'default';
    if (services.some((o) => o.namespace === namespace && o.name === ls.metadata.name)) continue; // first definition wins
    const ports: TopologyPort[] = Object.entries(ls.spec?.workload?.service?.ports ?? {})
      .filter(([, p]) => typeof p?.port === 'number')
      .map(([portName, p]) => ({ name: portName, port: p.port, ...(typeof p.targetPort === 'number' ? { targetPort: p.targetPort } : {}) }));
    const s: TopologyService = { namespace, name: ls.metadata.name, layer: ports.length > 0 ? 1 : 0, ports, outbound: [], inbound: [], wildcardInbound: false };
    for (const [key, r] of Object.entries(ls.spec?.workload?.resources ?? {})) {
      if (typeof r !== 'object' || r === null || (r.type ?? 'service') !== 'service') continue;
      const direction = r.direction ?? 'outbound';
      const targetName = r.id ?? key;
      const target = `${r.namespace ?? namespace}/${targetName}`;
      if ((direction === 'outbound' || direction === 'both') && targetName !== '*') s.outbound.push(target);
      if (direction === 'inbound' || direction === 'both') {
        if (targetName === '*') s.wildcardInbound = true;
        else s.inbound.push(target);
      }
    }
    services.push(s);
  }
  const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  services.sort((a, b) => byKey(serviceKey(a), serviceKey(b)));
  const known = new Set(services.map(serviceKey));
  const tidy = (list: string[]): string[] => [...new Set(list)].filter((k) => known.has(k)).sort(byKey);
  const tidied = services.map((s) => ({ ...s, outbound: tidy(s.outbound), inbound: tidy(s.inbound) }));
  return { name, services: tidied, probes: matrixProbes({ services: tidied }) };
}
