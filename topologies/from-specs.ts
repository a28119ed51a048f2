/**
 * Reads the declarations of real LatticeService specs into a Topology (for the oracle): resources of
 * `type: service` (the default) with `direction` outbound / inbound / both, `id` (target name;
 * `"*"` inbound = any caller), `namespace` (cross-namespace target). Ports from
 * `workload.service.ports`. External services are not edges. Probes = every ordered pair.
 */
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import type { LatticeService } from '../platform/crds/types.ts';
import type { Topology, TopologyService } from './topology.ts';
import { matrixProbes } from './oracle.ts';

/** Topology of the LatticeServices among `objects` (other kinds are ignored), services sorted by key. */
export function topologyFromSpecs(objects: readonly KubeObject[], name: string): Topology {
  const services: TopologyService[] = [];
  for (const obj of objects) {
    if (obj.kind !== 'LatticeService') continue;
    const ls = obj as LatticeService;
    const ns = ls.metadata.namespace ?? 'default';
    const ports = Object.entries(ls.spec?.workload?.service?.ports ?? {})
      .map(([portName, p]) => ({ name: portName, port: p.port, ...(p.targetPort ? { targetPort: p.targetPort } : {}) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const s: TopologyService = { namespace: ns, name: ls.metadata.name, layer: ports.length ? 1 : 0, ports, outbound: [], inbound: [], wildcardInbound: false };
    for (const [key, r] of Object.entries(ls.spec?.workload?.resources ?? {})) {
      if ((r.type ?? 'service') !== 'service') continue;
      const direction = r.direction ?? 'outbound';
      const target = `${r.namespace ?? ns}/${r.id ?? key}`;
      if ((direction === 'outbound' || direction === 'both') && r.id !== '*') s.outbound.push(target);
      if (direction === 'inbound' || direction === 'both') {
        if (r.id === '*') s.wildcardInbound = true;
        else s.inbound.push(target);
      }
    }
    s.outbound.sort();
    s.inbound.sort();
    services.push(s);
  }
  services.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  const t: Topology = { name, services, probes: [] };
  return { ...t, probes: matrixProbes(t) };
}
