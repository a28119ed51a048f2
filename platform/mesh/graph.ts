/**
 * The service graph of mesh members and its bilateral-agreement edges (reference §4.1–4.3).
 * Pure: built from LatticeMeshMember objects, no I/O, no clock.
 */
import { createHash } from 'node:crypto';
import type { EgressRule, LatticeMeshMember, PeerAuth } from '../crds/types.ts';
import { hasIngressRoutes, ingressGatewayNode } from './ingress-gateway.ts';

/** One port of a graph node. `servicePort` = spec servicePort or port; `targetPort` = container port. */
export interface GraphPort {
  name: string;
  servicePort: number;
  targetPort: number;
  peerAuth: PeerAuth;
}

/**
 * One node of the graph, built from one LatticeMeshMember (reference §4.1 "From an LMM").
 * Keys of other nodes are `"<ns>/<name>"` strings.
 */
export interface GraphNode {
  /** `"<namespace>/<name>"` of the LMM. */
  key: string;
  namespace: string;
  name: string;
  /** Keys this node depends on (spec.dependencies, namespace defaulted to the LMM's), sorted, deduplicated. */
  dependencies: readonly string[];
  /** Keys allowed to call (spec.allowedCallers without `*`, namespace defaulted), sorted, deduplicated. */
  allowedCallers: readonly string[];
  /** true when allowedCallers contains `{name: "*"}`. */
  allowsAll: boolean;
  /** Wildcard outbound (spec.dependsAll). */
  dependsAll: boolean;
  /** Ports in spec order. */
  ports: readonly GraphPort[];
  /** Workload selector labels when the target is a selector; undefined for a namespace target. */
  selector?: Readonly<Record<string, string>>;
  /** Namespace when the target is `{namespace}`. */
  targetNamespace?: string;
  allowPeerTraffic: boolean;
  egress: readonly EgressRule[];
  /** SPIFFE service account: spec.serviceAccount or the LMM name. */
  serviceAccount: string;
  /** Default true. */
  ambient: boolean;
  advertise?: { allowedServices: readonly string[] };
}

/** The built graph. All lists are sorted by key, so results are deterministic. */
export interface ServiceGraph {
  /** The node with this `"ns/name"` key, or undefined. */
  node(key: string): GraphNode | undefined;
  /** All nodes, sorted by key. */
  nodes(): GraphNode[];
  /** Callers C with an active edge C → key (reference §4.2), sorted by key; [] for an unknown key. */
  activeInbound(key: string): GraphNode[];
  /** Callees S with an active edge key → S (reference §4.2), sorted by key; [] for an unknown key. */
  activeOutbound(key: string): GraphNode[];
  /** Every active edge as `{from, to}` keys, sorted. */
  edges(): { from: string; to: string }[];
  /**
   * 16 hex chars of SHA-256 over the node's sorted inbound and outbound edges and the Cedar reload
   * epoch (reference §4.2 "Edge hash"; stored in annotation `lattice.dev/graph-hash`). Changes when
   * any active edge of the node or the epoch changes. The byte layout of the hashed text is ours:
   * `in:<caller>-><key>` lines, `out:<key>-><callee>` lines, then `cedar:<epoch>` (left out when no
   * epoch is given: the mesh-member controller keeps the epoch in memory), joined by `\n`.
   */
  edgeHash(key: string, cedarEpoch?: number): string;
}

/** The auto-added caller for ports named `metrics` (reference §4.1). */
export const METRICS_SCRAPER_KEY = 'monitoring/vmagent';

/**
 * Builds the graph node of one LMM (reference §4.1 "From an LMM"): callers/deps with the namespace
 * defaulting to the LMM's, `*` caller ⇒ allowsAll, ports with servicePort||port and peerAuth
 * (default Strict), selector or namespace target, SA defaulting to the LMM name, ambient default
 * true; a port named `metrics` adds the caller `monitoring/vmagent`. Throws if the LMM has no namespace.
 */
export function memberNode(member: LatticeMeshMember): GraphNode {
  const namespace = member.metadata.namespace;
  if (!namespace) throw new Error(`LatticeMeshMember "${member.metadata.name}" has no metadata.namespace; mesh members are namespaced`);
  const name = member.metadata.name;
  const spec = member.spec;
  const refKey = (r: { name: string; namespace?: string }) => `${r.namespace || namespace}/${r.name}`;
  const callers = spec.allowedCallers ?? [];
  const allowsAll = callers.some((c) => c.name === '*');
  const allowed = new Set(callers.filter((c) => c.name !== '*').map(refKey));
  const ports: GraphPort[] = (spec.ports ?? []).map((p) => ({
    name: p.name,
    servicePort: p.servicePort || p.port,
    targetPort: p.port,
    peerAuth: p.peerAuth ?? 'Strict',
  }));
  if (ports.some((p) => p.name === 'metrics')) allowed.add(METRICS_SCRAPER_KEY);
  const target = spec.target as { selector?: Record<string, string>; namespace?: string };
  return {
    key: `${namespace}/${name}`,
    namespace,
    name,
    dependencies: [...new Set((spec.dependencies ?? []).map(refKey))].sort(),
    allowedCallers: [...allowed].sort(),
    allowsAll,
    dependsAll: spec.dependsAll ?? false,
    ports,
    ...(target.selector ? { selector: { ...target.selector } } : {}),
    ...(target.namespace ? { targetNamespace: target.namespace } : {}),
    allowPeerTraffic: spec.allowPeerTraffic ?? false,
    egress: spec.egress ?? [],
    serviceAccount: spec.serviceAccount || name,
    ambient: spec.ambient ?? true,
    ...(spec.advertise ? { advertise: { allowedServices: [...spec.advertise.allowedServices] } } : {}),
  };
}

/**
 * Builds the service graph from mesh members (reference §4.1–4.3).
 *
 * Active edge C → S iff C lists S in `dependencies` AND (S.allowsAll OR C ∈ S.allowedCallers) AND both
 * are members. `dependsAll` on C adds an edge to every other member that allows C. A dependency on a
 * key that is not a member creates no edge (the reference's `Unknown` stub), and neither does an
 * allowedCallers entry naming an absent caller. When two members share a key the later one wins.
 * A namespace with a member that has ingress routes also gets its ingress gateway node
 * (`<ns>/<ns>-ingress-istio`, dependsAll; {@link withIngressGateways}).
 * Throws only when a member has no namespace.
 */
export function buildServiceGraph(members: readonly LatticeMeshMember[]): ServiceGraph {
  return graphFromNodes(withIngressGateways(members));
}

/**
 * The nodes of `members` followed by the ingress gateway node of every namespace where a member has
 * ingress routes (reference controller.rs:219-242 registers it after the member; {@link ingressGatewayNode}).
 */
export function withIngressGateways(members: readonly LatticeMeshMember[]): GraphNode[] {
  const nodes = members.map(memberNode);
  const namespaces = new Set(members.filter((m) => hasIngressRoutes(m.spec.ingress)).map((m) => m.metadata.namespace!));
  return [...nodes, ...[...namespaces].sort().map(ingressGatewayNode)];
}

/**
 * Same as {@link buildServiceGraph} but from already-built nodes (e.g. `graph.nodes()` of another
 * graph). When two nodes share a key the later one wins. Never throws.
 */
export function graphFromNodes(nodes: readonly GraphNode[]): ServiceGraph {
  const byKey = new Map<string, GraphNode>();
  for (const n of nodes) byKey.set(n.key, n);
  const keys = [...byKey.keys()].sort();
  const outbound = new Map<string, Set<string>>(keys.map((k) => [k, new Set<string>()]));
  const inbound = new Map<string, Set<string>>(keys.map((k) => [k, new Set<string>()]));
  const allows = (callee: GraphNode, caller: GraphNode) => callee.allowsAll || callee.allowedCallers.includes(caller.key);
  const link = (from: string, to: string) => {
    outbound.get(from)!.add(to);
    inbound.get(to)!.add(from);
  };
  for (const key of keys) {
    const c = byKey.get(key)!;
    for (const dep of c.dependencies) {
      const s = byKey.get(dep);
      if (s && allows(s, c)) link(c.key, s.key);
    }
    if (c.dependsAll) {
      for (const other of keys) {
        if (other === key) continue;
        const s = byKey.get(other)!;
        if (allows(s, c)) link(c.key, s.key);
      }
    }
  }
  const resolve = (set: Set<string> | undefined) => [...(set ?? [])].sort().map((k) => byKey.get(k)!);
  return {
    node: (key) => byKey.get(key),
    nodes: () => keys.map((k) => byKey.get(k)!),
    activeInbound: (key) => resolve(inbound.get(key)),
    activeOutbound: (key) => resolve(outbound.get(key)),
    edges: () => keys.flatMap((from) => [...outbound.get(from)!].sort().map((to) => ({ from, to }))),
    edgeHash(key, cedarEpoch) {
      const lines = [
        ...[...(inbound.get(key) ?? [])].sort().map((c) => `in:${c}->${key}`),
        ...[...(outbound.get(key) ?? [])].sort().map((s) => `out:${key}->${s}`),
        ...(cedarEpoch === undefined ? [] : [`cedar:${cedarEpoch}`]),
      ];
      return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
    },
  };
}
