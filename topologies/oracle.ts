/**
 * The oracle (DESIGN.md rule 1): the expected verdict of every probe, computed from the topology's
 * declarations ONLY, never from generated policies. Bilateral rule (reference §4.2, §4.3): caller C may
 * reach callee S iff S has a Service port, C declares outbound to S, and S declares inbound from C or
 * allows any caller (wildcard inbound still needs C's outbound declaration). Agreement is per service pair,
 * not per port: a caller allowed to reach a service reaches every one of its Service ports (reference
 * §4.5b: the mesh AuthorizationPolicy and the callee's Cilium ingress list all of its target ports), so
 * the verdict of a probe does not depend on which port it probes, nor on the namespaces involved
 * (declarations name cross-namespace peers with `namespace:`, reference §1.1).
 *
 * Mesh features (one reason each, so a mismatch says which rule was expected):
 * - Escape-hatch LatticeMeshMembers (`kind: mesh-member`) are judged exactly like LatticeServices: their
 *   `dependencies` / `allowedCallers` are the same declarations (reference §4.1 "From an LMM"), and a
 *   service account other than the name changes no verdict (the callee names the caller by `ns/name`;
 *   the platform must turn that into the caller's SA principal, reference §4.5a).
 * - Depends-all (`dependsAll`: LatticeService outbound `id: "*"`, LMM `dependsAll: true`) stands for an
 *   outbound declaration to every service: the edge forms to every service that allows the caller,
 *   by name or by wildcard (reference §4.2 "Plus wildcard outbound"). The reference compiler keeps an
 *   outbound `id: "*"` of a LatticeService as an inert dependency (platform-fidelity.md (c) 5); the
 *   reference CRD text (§1.1: `"*"` on a service-like resource = mesh wildcard) and the port read it as
 *   depends-all, and so does this oracle.
 * - Non-ambient members (`ambient: false`, reference §4.6) are Cilium-only: their CiliumNetworkPolicy
 *   egress holds DNS, peer and spec egress rules only, never a rule to a callee, so a non-ambient caller
 *   reaches nothing (and an ambient callee would refuse its plaintext under STRICT mTLS anyway,
 *   reference §4.9, anchors-netpol §1.2 "Ambient enrollment"). A non-ambient callee is reached over the
 *   direct L4 path: the ambient caller's CNP gets `toEndpoints` to its target ports for each active
 *   edge (reference §4.5b) and the callee's CNP a `fromEndpoints` rule per active inbound edge (§4.6).
 * - Ingress (`ingress: true`, LatticeService `spec.ingress`): probes from a namespace's ingress gateway
 *   proxy (`ingressGatewayKey`) are judged by {@link expectFromIngressGateway}.
 * - External egress: a probe to a host outside the cluster (`externalProbeKey`) is judged by the egress
 *   rules of its caller alone (oracle-external.ts).
 */
import type { Topology, TopologyProbe, TopologyService } from './topology.ts';
import { ingressGatewayNamespace, serviceKey } from './topology.ts';

import type { ExpectedProbe } from '../harness/verifier/expected-probe.ts';
import { externalProbeHost } from '../harness/verifier/expected-probe.ts';
import { expectExternal } from './oracle-external.ts';

/** Expected outcome of one probe: the shape the harness's verifier judges against (port = the probe's port, else the callee's `http` port, else its first; null when none). */
export type { ExpectedProbe };

/** Every reason the oracle gives. */
export const ORACLE_REASONS = {
  bilateral: 'bilateral: caller declares outbound, callee declares inbound',
  wildcard: 'callee allows any caller (wildcard) and caller declares outbound',
  outboundOnly: 'one-sided: caller declares outbound, callee does not allow it',
  inboundOnly: 'one-sided: callee allows caller, caller does not declare outbound',
  none: 'no declaration on either side',
  noPorts: 'callee has no ports (no Service)',
  dependsAll: 'caller depends on all (wildcard outbound) and callee allows it',
  dependsAllNotAllowed: 'caller depends on all (wildcard outbound), callee does not allow it',
  nonAmbientCaller: 'non-ambient caller (Cilium-only): no egress rule to its callees (reference §4.6)',
  nonAmbientCallee: 'active edge to a non-ambient callee: direct Cilium path to its target ports (reference §4.5b, §4.6)',
  ingress: "ingress gateway: the callee routes ingress, so it allows its namespace's gateway proxy (reference §2.6, §4.4 step 2)",
  ingressWildcard: 'ingress gateway: the gateway proxy depends on all and the callee allows any caller (reference §4.4 step 2, §4.2)',
  ingressNotAllowed: "ingress gateway: the callee neither routes ingress from this gateway's namespace nor allows any caller",
  ingressNonAmbientCallee: 'ingress gateway to a non-ambient callee that allows it: direct path (gateway proxies egress to any workload pod by the CCNP mesh-proxy-egress, reference §4.8; the callee admits the gateway pods over the active edge, §4.6)',
  ingressUnisolated: 'ingress gateway to a non-ambient callee with no active inbound edge: its CiliumNetworkPolicy has no ingress rule and default-deny no ingress section, so nothing isolates it (reference §4.8 quirk), and mesh-proxy-egress lets the gateway reach it',
} as const;

/** The Service port a probe to `s` uses: port named `http`, else the first; null when none. */
export function probePort(s: TopologyService): number | null {
  return (s.ports.find((p) => p.name === 'http') ?? s.ports[0])?.port ?? null;
}

/**
 * Judges one ordered pair from its declarations (reference §4.2, §4.6; the module docstring gives each rule).
 * Input: caller and callee. Output: expected verdict and reason. Never throws.
 */
export function expectPair(caller: TopologyService, callee: TopologyService): Pick<ExpectedProbe, 'expected' | 'reason'> {
  const outbound = caller.outbound.includes(serviceKey(callee));
  const dependsAll = caller.dependsAll === true;
  const named = callee.inbound.includes(serviceKey(caller));
  const allows = named || callee.wildcardInbound;
  if (callee.ports.length === 0) return { expected: 'deny', reason: ORACLE_REASONS.noPorts };
  if (!outbound && !dependsAll) return { expected: 'deny', reason: allows ? ORACLE_REASONS.inboundOnly : ORACLE_REASONS.none };
  if (!allows) return { expected: 'deny', reason: outbound ? ORACLE_REASONS.outboundOnly : ORACLE_REASONS.dependsAllNotAllowed };
  // The edge is active (reference §4.2); now the dataplane path.
  if (caller.ambient === false) return { expected: 'deny', reason: ORACLE_REASONS.nonAmbientCaller };
  if (callee.ambient === false) return { expected: 'allow', reason: ORACLE_REASONS.nonAmbientCallee };
  if (outbound && named) return { expected: 'allow', reason: ORACLE_REASONS.bilateral };
  if (outbound) return { expected: 'allow', reason: ORACLE_REASONS.wildcard };
  return { expected: 'allow', reason: ORACLE_REASONS.dependsAll };
}

/**
 * Judges a probe from namespace `namespace`'s ingress gateway proxy to `callee` (reference §4.4 step 2,
 * §4.7): the proxy is a depends-all mesh caller with its own identity, allowed by every service of its
 * namespace that routes ingress (their mesh member lists `<ns>-ingress-istio`) and by every wildcard
 * server. Gateway proxies may egress to any workload pod (CCNP `mesh-proxy-egress`, §4.8), so a
 * non-ambient callee is reached when it allows the gateway, and also when nothing isolates its ingress:
 * no caller of `services` has an active edge to it (its CiliumNetworkPolicy then has no ingress rule,
 * and `default-deny` has no ingress section). Declarations only, as if every service were admitted. Never throws.
 */
export function expectFromIngressGateway(namespace: string, callee: TopologyService, services: readonly TopologyService[]): Pick<ExpectedProbe, 'expected' | 'reason'> {
  if (callee.ports.length === 0) return { expected: 'deny', reason: ORACLE_REASONS.noPorts };
  const routed = callee.ingress === true && callee.namespace === namespace;
  const allowed = routed || callee.wildcardInbound;
  if (callee.ambient === false) {
    if (allowed) return { expected: 'allow', reason: ORACLE_REASONS.ingressNonAmbientCallee };
    const key = serviceKey(callee);
    const isolated = services.some((c) => c !== callee && callee.inbound.includes(serviceKey(c)) && (c.outbound.includes(key) || c.dependsAll === true));
    return isolated ? { expected: 'deny', reason: ORACLE_REASONS.ingressNotAllowed } : { expected: 'allow', reason: ORACLE_REASONS.ingressUnisolated };
  }
  if (!allowed) return { expected: 'deny', reason: ORACLE_REASONS.ingressNotAllowed };
  return { expected: 'allow', reason: routed ? ORACLE_REASONS.ingress : ORACLE_REASONS.ingressWildcard };
}

function judge(topology: Topology, probes: readonly TopologyProbe[]): ExpectedProbe[] {
  const byKey = new Map(topology.services.map((s) => [serviceKey(s), s]));
  return probes.map((p) => {
    const caller = byKey.get(p.from);
    const host = externalProbeHost(p.to);
    if (host !== undefined) {
      if (!caller || p.port === undefined) throw new Error(`oracle: external probe ${p.from} -> ${p.to} needs a caller of topology ${topology.name} and a port`);
      return { from: p.from, to: p.to, port: p.port, ...expectExternal(caller, host, p.port) };
    }
    const callee = byKey.get(p.to);
    const gateway = caller ? undefined : ingressGatewayNamespace(p.from);
    if ((!caller && gateway === undefined) || !callee) throw new Error(`oracle: probe ${p.from} -> ${p.to} names a service that is not in topology ${topology.name}`);
    if (p.port !== undefined && !callee.ports.some((q) => q.port === p.port)) throw new Error(`oracle: probe ${p.from} -> ${p.to} names port ${p.port}, which ${p.to} does not have`);
    return { from: p.from, to: p.to, port: p.port ?? probePort(callee), ...(caller ? expectPair(caller, callee) : expectFromIngressGateway(gateway!, callee, topology.services)) };
  });
}

/**
 * Expected verdicts of `topology.probes`, in probe order.
 * Throws: `Error('oracle: probe a -> b names a service that is not in topology …')` when a probe names
 * an unknown service, `Error('oracle: probe a -> b names port …')` when it names a port the callee does
 * not have (a valid topology does neither: see validateTopology).
 */
export function oracle(topology: Topology): ExpectedProbe[] {
  return judge(topology, topology.probes);
}

/** Every ordered pair of distinct services, in service order (the probes of a fleet). */
export function matrixProbes(topology: Pick<Topology, 'services'>): TopologyProbe[] {
  const keys = topology.services.map(serviceKey);
  return keys.flatMap((from) => keys.filter((to) => to !== from).map((to) => ({ from, to })));
}

/** Expected verdicts of every ordered pair of distinct services (fleets), whatever `topology.probes` holds. */
export function oracleMatrix(topology: Topology): ExpectedProbe[] {
  return judge(topology, matrixProbes(topology));
}

/** `"from->to"` of every allowed probe, sorted (handy for tests and reports). */
export function allowedPairs(expected: readonly ExpectedProbe[]): string[] {
  return expected
    .filter((p) => p.expected === 'allow')
    .map((p) => `${p.from}->${p.to}`)
    .sort();
}
