/**
 * Ingress of a random topology: which LatticeService servers route ingress through their namespace's
 * gateway (`spec.ingress`, reference §4.7), and the probes of each namespace's gateway proxy.
 */
import type { Topology, TopologyProbe, TopologyService } from '../topology.ts';
import { ingressGatewayKey, serviceKey } from '../topology.ts';

/**
 * `t` with `ingress: true` on the services whose draw is on (`draws[i]` = the draw of service i;
 * absent = off) and that can route it (a valid LatticeService with Service ports), plus the gateway
 * probes: for every namespace with such a service, its gateway proxy probes every ambient server of
 * the namespace and every wildcard server of any namespace (once per port of a multi-port server),
 * appended after the topology's probes. A non-ambient server that does not allow the gateway is left
 * out: whether it is reached depends on whether any caller isolates its ingress (oracle
 * `expectFromIngressGateway`), which admission failures change. `t` unchanged when no draw is on. Never throws.
 */
export function withIngress(t: Topology, draws: readonly (boolean | undefined)[]): Topology {
  const services = t.services.map((s, i) => (draws[i] && s.kind !== 'mesh-member' && s.ports.length > 0 && s.invalidSpec === undefined ? { ...s, ingress: true } : s));
  const namespaces = [...new Set(services.filter((s) => s.ingress).map((s) => s.namespace))];
  if (namespaces.length === 0) return t;
  return { ...t, services, probes: [...t.probes, ...namespaces.flatMap((ns) => gatewayProbes(ns, services))] };
}

/** The probes of namespace `namespace`'s gateway proxy (see {@link withIngress}). */
function gatewayProbes(namespace: string, services: readonly TopologyService[]): TopologyProbe[] {
  const from = ingressGatewayKey(namespace);
  return services
    .filter((s) => s.ports.length > 0 && ((s.namespace === namespace && s.ambient !== false) || s.wildcardInbound))
    .flatMap((s) => (s.ports.length <= 1 ? [{ from, to: serviceKey(s) }] : s.ports.map((p) => ({ from, to: serviceKey(s), port: p.port }))));
}
