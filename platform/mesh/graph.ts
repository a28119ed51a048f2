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

/**
 * One declaration with no matching declaration on the other side (the book's bilateral agreement,
 * Chapter 11 §11.4 / Chapter 13: traffic flows only when both sides declare it). `direction` is the
 * declaration that exists (`outbound`: a caller's dependency; `inbound`: a callee's allowed caller);
 * `declaredBy` says whether the member asked about made it (`self`) or the other member did (`peer`);
 * `peer` is the other member's key (`"<ns>/<name>"`). `message` names the peer as `<name>` in the
 * same namespace and `<ns>/<name>` across namespaces, in the book's wording.
 */
export interface OneSidedDeclaration {
  direction: 'outbound' | 'inbound';
  declaredBy: 'self' | 'peer';
  peer: string;
  message: string;
}

/** Graph reads {@link oneSidedDeclarations} needs; `declarersOf` (a reverse index, e.g. LiveServiceGraph's) avoids a scan of every node. */
export type DeclarationGraph = Pick<ServiceGraph, 'node' | 'nodes'> & {
  declarersOf?(key: string): { dependents: readonly string[]; allowers: readonly string[] };
};

/**
 * The one-sided declarations involving node `key` in `graph`, reported on both members of the pair
 * (a deliberate addition over the reference, which stays silent; platform/README.md "Bilateral
 * agreement warnings"); [] for an unknown key. In order, each group sorted by peer key:
 * 1. self/outbound — `key` depends on a member that neither allows all callers nor lists `key`:
 *    `outbound dependency <callee> declared but no matching inbound declaration`;
 * 2. self/inbound — `key` allows a member that neither is dependsAll nor depends on `key`:
 *    `inbound caller <caller> declared but no matching outbound declaration`;
 * 3. peer/outbound — a member depends on `key`, which does not allow it:
 *    `outbound dependency declared by <caller> but no matching inbound declaration`;
 * 4. peer/inbound — a member allows `key`, which does not depend on it:
 *    `inbound caller declared by <callee> but no matching outbound declaration`.
 * Declarations naming absent members are not reported (the other side is unknown, not one-sided), nor
 * are wildcards (`*` callers, dependsAll: they match any declaration), nor the caller
 * {@link METRICS_SCRAPER_KEY} the platform adds for a `metrics` port. Pure; never throws.
 */
export function oneSidedDeclarations(graph: DeclarationGraph, key: string): OneSidedDeclaration[] {
  const n = graph.node(key);
  if (!n) return [];
  const label = (peer: GraphNode) => (peer.namespace === n.namespace ? peer.name : peer.key);
  const allows = (callee: GraphNode, caller: GraphNode) => callee.allowsAll || callee.allowedCallers.includes(caller.key);
  const dependsOn = (caller: GraphNode, callee: GraphNode) => caller.dependsAll || caller.dependencies.includes(callee.key);
  // The scraper caller a metrics port implies is the platform's, not a declaration of the member.
  const declaresCaller = (callee: GraphNode, caller: string) => caller !== METRICS_SCRAPER_KEY || !callee.ports.some((p) => p.name === 'metrics');
  const present = (keys: readonly string[]) => keys.map((k) => graph.node(k)).filter((p): p is GraphNode => p !== undefined);
  const declarers = graph.declarersOf?.(key) ?? {
    dependents: graph.nodes().filter((o) => o.dependencies.includes(key)).map((o) => o.key),
    allowers: graph.nodes().filter((o) => o.allowedCallers.includes(key)).map((o) => o.key),
  };
  const out: OneSidedDeclaration[] = [];
  const add = (direction: OneSidedDeclaration['direction'], declaredBy: OneSidedDeclaration['declaredBy'], peer: GraphNode, message: string) =>
    out.push({ direction, declaredBy, peer: peer.key, message });
  for (const callee of present(n.dependencies)) {
    if (!allows(callee, n)) add('outbound', 'self', callee, `outbound dependency ${label(callee)} declared but no matching inbound declaration`);
  }
  for (const caller of present(n.allowedCallers.filter((c) => declaresCaller(n, c)))) {
    if (!dependsOn(caller, n)) add('inbound', 'self', caller, `inbound caller ${label(caller)} declared but no matching outbound declaration`);
  }
  for (const caller of present(declarers.dependents)) {
    if (caller.key !== key && !allows(n, caller)) add('outbound', 'peer', caller, `outbound dependency declared by ${label(caller)} but no matching inbound declaration`);
  }
  for (const callee of present(declarers.allowers)) {
    if (callee.key !== key && declaresCaller(callee, key) && !dependsOn(n, callee)) add('inbound', 'peer', callee, `inbound caller declared by ${label(callee)} but no matching outbound declaration`);
  }
  return out;
}
