/**
 * The mesh policy compiler: one LatticeMeshMember + the service graph ⇒ the Cilium and Istio objects
 * the reference platform applies for it (reference §4.5 ambient, §4.6 non-ambient, §4.9 peerAuth).
 * Pure: `(member, graph, options) → objects[]`, no I/O (STYLE.md rule 9).
 */
import type { KubeObject, OwnerReference } from '../../fake-apiserver/api/index.ts';
import { LABEL_MANAGED_BY, LABEL_NAME, LatticeMeshMemberType, MANAGED_BY_LATTICE, type LatticeMeshMember } from '../crds/types.ts';
import { derivedName } from './derived-name.ts';
import { memberNode, type GraphNode, type ServiceGraph } from './graph.ts';

/** apiVersion of CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy (reference §4.5b). */
export const CILIUM_API_VERSION = 'cilium.io/v2';
/** apiVersion of AuthorizationPolicy / PeerAuthentication (reference §4.5a). */
export const ISTIO_SECURITY_API_VERSION = 'security.istio.io/v1';
/** apiVersion of ServiceEntry (reference §4.5d names only the group; v1 is our choice). */
export const ISTIO_NETWORKING_API_VERSION = 'networking.istio.io/v1';
/** apiVersion of the waypoint Gateway (reference §4.5e names only the group; v1 is our choice). */
export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';
/** Istio ambient HBONE tunnel port (reference §4.5b). */
export const HBONE_PORT = 15008;
/** Cilium label of the pod namespace. */
export const CILIUM_NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';
/** Peer selector of kube-dns (reference §4.5b). */
export const KUBE_DNS_SELECTOR: Readonly<Record<string, string>> = Object.freeze({
  [CILIUM_NAMESPACE_LABEL]: 'kube-system',
  'k8s:k8s-app': 'kube-dns',
});

/** Options of {@link compileMeshPolicies}. */
export interface MeshCompileOptions {
  /** SPIFFE trust domain, e.g. `lattice.test`; principals are `<trustDomain>/ns/<ns>/sa/<sa>` (no `spiffe://`). */
  trustDomain: string;
}

/** Thrown when a member cannot be compiled (missing uid for ownerReferences). `code` is stable. */
export class MeshCompileError extends Error {
  readonly code = 'LATTICE_SIM_MESH_COMPILE';
  constructor(message: string) {
    super(message);
    this.name = 'MeshCompileError';
  }
}

/** A JSON object (policy spec fragments). */
export type Json = Record<string, unknown>;
type PortProto = { port: string; protocol: string };

const numeric = (a: number, b: number) => a - b;
const uniqSorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/** Istio `matchLabels` of a node: its selector, or `{app.kubernetes.io/name: <name>}` (reference §4.5, §8.7). */
export function istioLabels(node: GraphNode): Record<string, string> {
  return node.selector ? { ...node.selector } : { [LABEL_NAME]: node.name };
}

/** Cilium labels of a node: {@link istioLabels} with every key prefixed `k8s:` (reference §4.5). */
export function ciliumLabels(node: GraphNode): Record<string, string> {
  return Object.fromEntries(Object.entries(istioLabels(node)).map(([k, v]) => [`k8s:${k}`, v]));
}

/** SPIFFE principal without scheme: `<trustDomain>/ns/<ns>/sa/<sa>` (reference §4.5). */
export function principal(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** In-cluster DNS name of a node's Service: `<name>.<ns>.svc.cluster.local`. */
export function serviceDnsName(node: GraphNode): string {
  return `${node.name}.${node.namespace}.svc.cluster.local`;
}

/** `[{port, protocol: TCP}]` of distinct ports, ascending (Cilium `toPorts[].ports`). */
export function tcpPorts(ports: readonly number[]): PortProto[] {
  return [...new Set(ports)].sort(numeric).map((p) => ({ port: String(p), protocol: 'TCP' }));
}

function targetPorts(node: GraphNode, filter: (p: GraphNode['ports'][number]) => boolean = () => true): number[] {
  return [...new Set(node.ports.filter(filter).map((p) => p.targetPort))].sort(numeric);
}

/** HBONE ingress from any in-cluster source (reference cilium.rs `hbone_ingress_rule`). */
export function hboneIngressRule(): Json {
  return { fromEntities: ['cluster'], toPorts: [{ ports: tcpPorts([HBONE_PORT]) }] };
}

/** HBONE egress to `cluster` and `world` (reference cilium.rs `hbone_egress_rule`). */
export function hboneEgressRule(): Json {
  return { toEntities: ['cluster', 'world'], toPorts: [{ ports: tcpPorts([HBONE_PORT]) }] };
}

/** Adds `toPorts` only when ports exist (reference §4.5b: "each with toPorts when ports are non-empty"). */
function withPorts(rule: Json, ports: PortProto[]): Json {
  return ports.length > 0 ? { ...rule, toPorts: [{ ports }] } : rule;
}

/**
 * Cilium egress rule to kube-dns on 53/UDP+TCP (reference cilium.rs `dns_egress_rule`): with
 * `matchNames`, Cilium's DNS proxy answers only those names; with none, any name (no `rules`).
 */
export function dnsRule(matchNames: readonly string[]): Json {
  const portRule: Json = { ports: [{ port: '53', protocol: 'UDP' }, { port: '53', protocol: 'TCP' }] };
  if (matchNames.length > 0) portRule.rules = { dns: matchNames.map((matchName) => ({ matchName })) };
  return { toEndpoints: [{ matchLabels: { ...KUBE_DNS_SELECTOR } }], toPorts: [portRule] };
}

function specEgressRules(node: GraphNode): Json[] {
  return node.egress.map((rule) => {
    const t = rule.target as { entity?: string; cidr?: string; fqdn?: string };
    const l3: Json = t.entity !== undefined ? { toEntities: [t.entity] } : t.cidr !== undefined ? { toCIDR: [t.cidr] } : { toFQDNs: [{ matchName: t.fqdn }] };
    const proto = rule.protocol ?? 'TCP';
    return withPorts(l3, [...new Set(rule.ports)].sort(numeric).map((p) => ({ port: String(p), protocol: proto })));
  });
}

/** DNS names the member may resolve: FQDN egress targets + active outbound callees (sorted, unique). */
function dnsMatchNames(node: GraphNode, outbound: readonly GraphNode[]): string[] {
  const fqdns = node.egress.map((r) => (r.target as { fqdn?: string }).fqdn).filter((f): f is string => typeof f === 'string');
  return uniqSorted([...fqdns, ...outbound.map(serviceDnsName)]);
}

/** Peer matchLabels of another node as seen from `self`'s CNP (adds the namespace label when cross-namespace). */
function peerLabels(self: GraphNode, peer: GraphNode): Record<string, string> {
  const labels = ciliumLabels(peer);
  if (peer.namespace !== self.namespace) labels[CILIUM_NAMESPACE_LABEL] = peer.namespace;
  return labels;
}

function plaintextIngress(node: GraphNode): Json[] {
  const out: Json[] = [];
  const permissive = targetPorts(node, (p) => p.peerAuth === 'Permissive');
  const webhook = targetPorts(node, (p) => p.peerAuth === 'Webhook');
  if (permissive.length > 0) out.push({ fromEntities: ['cluster'], toPorts: [{ ports: tcpPorts(permissive) }] });
  if (webhook.length > 0) {
    out.push({ fromEntities: ['cluster', 'remote-node', 'kube-apiserver', 'host', 'world'], toPorts: [{ ports: tcpPorts(webhook) }] });
  }
  return out;
}

/**
 * Compiles the mesh objects of one member (reference §4.5 a–e for ambient members, §4.6 for
 * `ambient: false`). The member's node is built from the member itself (so it compiles even when
 * absent from `graph`); its active edges come from `graph` (none when it is absent).
 *
 * Output (sorted by kind then name; principals, ports and DNS names sorted):
 * - ambient: CiliumNetworkPolicy `cnp-mesh-<h>`; AuthorizationPolicy `allow-to-<h>` (when ≥1 principal
 *   and ≥1 port; principals = active callers, own with allowPeerTraffic, restricted advertise entries;
 *   with advertise `*` always, any source, every target port); PeerAuthentication `permissive-<h>` + AP `allow-plaintext-<h>` (non-Strict ports);
 *   per FQDN/CIDR egress a ServiceEntry `se-auto-<h(ns/host)>` + AP `allow-fqdn-<h(ns/name/host)>`,
 *   and with ≥1 ServiceEntry the waypoint objects (AP `allow-wp-to-<h>`, Gateway `<ns>-waypoint`,
 *   AP `allow-to-waypoint` shared by the namespace, without ownerReference);
 * - non-ambient: only `cnp-mesh-<h>` (direct L4 rules).
 * `<h>` = 8 hex of SHA-256 of `<ns>/<name>` ({@link derivedName}). Every object lives in the member's
 * namespace with labels managed-by=lattice and name=<object name>; AuthorizationPolicies (but the
 * shared `allow-to-waypoint`) and PeerAuthentications carry a controller ownerReference to the LMM,
 * CNPs/SEs/Gateways none (§4.4 step 6).
 *
 * Throws {@link MeshCompileError} when an AP/PA is produced and `member.metadata.uid` is missing,
 * and a plain Error when the member has no namespace.
 */
export function compileMeshPolicies(member: LatticeMeshMember, graph: ServiceGraph, opts: MeshCompileOptions): KubeObject[] {
  const self = memberNode(member);
  const inbound = graph.activeInbound(self.key);
  const outbound = graph.activeOutbound(self.key);
  const ctx = new Ctx(member, self, opts);
  const objects = self.ambient ? compileAmbient(ctx, inbound, outbound) : [compileNonAmbientCnp(ctx, inbound, outbound)];
  return objects.sort((a, b) => (a.kind === b.kind ? (a.metadata.name < b.metadata.name ? -1 : 1) : a.kind < b.kind ? -1 : 1));
}

/**
 * The controller ownerReference to `member` stamped on its AuthorizationPolicies and
 * PeerAuthentications (reference §4.4 step 6). Throws {@link MeshCompileError} when `metadata.uid` is missing.
 */
export function memberOwnerReference(member: LatticeMeshMember): OwnerReference {
  const uid = member.metadata.uid;
  if (!uid) {
    throw new MeshCompileError(
      `LatticeMeshMember ${member.metadata.namespace}/${member.metadata.name}: metadata.uid is required to stamp ownerReferences on AuthorizationPolicies/PeerAuthentications; compile the object as stored by the API server`,
    );
  }
  return { apiVersion: LatticeMeshMemberType.apiVersion, kind: LatticeMeshMemberType.kind, name: member.metadata.name, uid, controller: true, blockOwnerDeletion: true };
}

class Ctx {
  readonly h: string[];
  constructor(
    readonly member: LatticeMeshMember,
    readonly self: GraphNode,
    readonly opts: MeshCompileOptions,
  ) {
    this.h = [self.namespace, self.name];
  }

  /** Subject labels (Istio form): the member's selector, or its name label. */
  subjectLabels(): Record<string, string> {
    return istioLabels(this.self);
  }

  subjectCiliumLabels(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.subjectLabels()).map(([k, v]) => [`k8s:${k}`, v]));
  }

  ownPrincipal(): string {
    return principal(this.opts.trustDomain, this.self.namespace, this.self.serviceAccount);
  }

  meta(name: string, owned: boolean, extraLabels: Record<string, string> = {}): KubeObject['metadata'] {
    const metadata: KubeObject['metadata'] = {
      name,
      namespace: this.self.namespace,
      labels: { ...extraLabels, [LABEL_MANAGED_BY]: MANAGED_BY_LATTICE, [LABEL_NAME]: name },
    };
    if (owned) metadata.ownerReferences = [this.ownerRef()];
    return metadata;
  }

  ownerRef(): OwnerReference {
    return memberOwnerReference(this.member);
  }

  authorizationPolicy(name: string, spec: Json): KubeObject {
    return { apiVersion: ISTIO_SECURITY_API_VERSION, kind: 'AuthorizationPolicy', metadata: this.meta(name, true), spec };
  }
}

function compileAmbient(ctx: Ctx, inbound: readonly GraphNode[], outbound: readonly GraphNode[]): KubeObject[] {
  const { self, opts } = ctx;
  const out: KubeObject[] = [];
  const advertise = self.advertise?.allowedServices ?? [];
  const advertiseAll = advertise.includes('*');
  const plaintext = targetPorts(self, (p) => p.peerAuth !== 'Strict');

  // (b) CiliumNetworkPolicy
  const ingress: Json[] = [];
  if (inbound.length > 0 || plaintext.length > 0 || self.allowPeerTraffic || self.advertise !== undefined) {
    ingress.push(hboneIngressRule());
  }
  ingress.push(...plaintextIngress(self));
  const egress: Json[] = [dnsRule(dnsMatchNames(self, outbound)), hboneEgressRule()];
  for (const callee of outbound) {
    // A non-ambient callee is reached directly on its target ports; one without ports gets no rule
    // (reference cilium.rs:304-311), not an L3 rule open on every port.
    const ports = targetPorts(callee);
    if (!callee.ambient && ports.length > 0) egress.push({ toEndpoints: [{ matchLabels: peerLabels(self, callee) }], toPorts: [{ ports: tcpPorts(ports) }] });
  }
  egress.push(...specEgressRules(self));
  out.push(cnp(ctx, ingress, egress));

  // (a) inbound AuthorizationPolicy
  const ports = targetPorts(self).map(String);
  const principals = inbound.map((c) => principal(opts.trustDomain, c.namespace, c.serviceAccount));
  if (self.allowPeerTraffic) principals.push(ctx.ownPrincipal());
  // Restricted advertise: the listed services' principals (reference istio_ambient.rs:114-117).
  if (!advertiseAll) principals.push(...advertisePrincipals(opts.trustDomain, advertise));
  const name = derivedName('allow-to-', ctx.h);
  const selector = { matchLabels: ctx.subjectLabels() };
  if (advertiseAll) {
    // Open advertise: any source, on every target port (a rule without `to` when there is none:
    // reference istio_ambient.rs:80-113 still emits it).
    out.push(ctx.authorizationPolicy(name, { selector, action: 'ALLOW', rules: [ports.length > 0 ? { to: [{ operation: { ports } }] } : {}] }));
  } else if (ports.length > 0 && principals.length > 0) {
    out.push(
      ctx.authorizationPolicy(name, {
        selector,
        action: 'ALLOW',
        rules: [{ from: [{ source: { principals: uniqSorted(principals) } }], to: [{ operation: { ports } }] }],
      }),
    );
  }

  // (c) non-strict ports
  if (plaintext.length > 0) {
    const pname = derivedName('permissive-', ctx.h);
    out.push({
      apiVersion: ISTIO_SECURITY_API_VERSION,
      kind: 'PeerAuthentication',
      metadata: ctx.meta(pname, true),
      spec: { selector, mtls: { mode: 'STRICT' }, portLevelMtls: Object.fromEntries(plaintext.map((p) => [String(p), { mode: 'PERMISSIVE' }])) },
    });
    out.push(
      ctx.authorizationPolicy(derivedName('allow-plaintext-', ctx.h), {
        selector,
        action: 'ALLOW',
        rules: [{ to: [{ operation: { ports: plaintext.map(String) } }] }],
      }),
    );
  }

  // (d) external egress: ServiceEntry + allow-fqdn AP per FQDN/CIDR rule
  const entries = externalEntries(self);
  for (const e of entries) {
    const seName = derivedName('se-auto-', [self.namespace, e.host]);
    out.push({
      apiVersion: ISTIO_NETWORKING_API_VERSION,
      kind: 'ServiceEntry',
      metadata: ctx.meta(seName, false, { 'istio.io/use-waypoint': `${self.namespace}-waypoint` }),
      spec: {
        hosts: [e.host],
        ...(e.address ? { endpoints: [{ address: e.address }] } : {}),
        resolution: e.address ? 'STATIC' : 'DNS',
        location: 'MESH_EXTERNAL',
        ports: e.ports.map((p) => ({ number: p.number, name: `${p.protocol.toLowerCase()}-${p.number}`, protocol: p.protocol })),
      },
    });
    const rule: Json = { from: [{ source: { principals: [ctx.ownPrincipal()] } }] };
    if (e.ports.length > 0) rule.to = [{ operation: { ports: e.ports.map((p) => String(p.number)) } }];
    out.push(
      ctx.authorizationPolicy(derivedName('allow-fqdn-', [self.namespace, self.name, e.host]), {
        targetRefs: [{ group: 'networking.istio.io', kind: 'ServiceEntry', name: seName }],
        action: 'ALLOW',
        rules: [rule],
      }),
    );
  }

  // (e) waypoint, only with ≥1 ServiceEntry
  if (entries.length > 0) {
    const wp = `${self.namespace}-waypoint`;
    if (ports.length > 0) {
      out.push(
        ctx.authorizationPolicy(derivedName('allow-wp-to-', ctx.h), {
          selector: { matchLabels: { [LABEL_NAME]: self.name } },
          action: 'ALLOW',
          rules: [{ from: [{ source: { principals: [principal(opts.trustDomain, self.namespace, wp)] } }], to: [{ operation: { ports } }] }],
        }),
      );
    }
    out.push({
      apiVersion: GATEWAY_API_VERSION,
      kind: 'Gateway',
      metadata: ctx.meta(wp, false, { 'istio.io/waypoint-for': 'service' }),
      spec: {
        gatewayClassName: 'istio-waypoint',
        listeners: [{ name: 'mesh', port: HBONE_PORT, protocol: 'HBONE', allowedRoutes: { namespaces: { from: 'Same' } } }],
      },
    });
    // Shared by every member of the namespace: no ownerReference (reference ingress.rs:135-190,
    // controller.rs:935-982); the controller deletes it when no member of the namespace needs it.
    out.push({
      apiVersion: ISTIO_SECURITY_API_VERSION,
      kind: 'AuthorizationPolicy',
      metadata: ctx.meta(WAYPOINT_POLICY_NAME, false),
      spec: {
        selector: { matchLabels: { 'istio.io/waypoint-for': 'service' } },
        action: 'ALLOW',
        rules: [{ to: [{ operation: { ports: [String(HBONE_PORT)] } }] }],
      },
    });
  }
  return out;
}

interface ExternalEntry {
  host: string;
  address?: string;
  ports: { number: number; protocol: string }[];
}

/**
 * Principals of restricted advertise entries (reference ingress.rs `to_spiffe_principals`): each
 * `"<ns>/<name>"` becomes `<trustDomain>/ns/<ns>/sa/<name>`; `*` and malformed entries (no `/`, an
 * empty part) are skipped. Never throws.
 */
export function advertisePrincipals(trustDomain: string, allowedServices: readonly string[]): string[] {
  const out: string[] = [];
  for (const entry of allowedServices) {
    const slash = entry.indexOf('/');
    if (entry === '*' || slash <= 0 || slash === entry.length - 1) continue;
    out.push(principal(trustDomain, entry.slice(0, slash), entry.slice(slash + 1)));
  }
  return out;
}

/** Name of the namespace's shared AuthorizationPolicy that lets HBONE reach the waypoint (one per namespace). */
export const WAYPOINT_POLICY_NAME = 'allow-to-waypoint';

/**
 * Whether an ambient member needs its namespace's waypoint (and so `allow-to-waypoint`): it has at
 * least one FQDN or CIDR egress rule, i.e. one ServiceEntry (reference §4.5e). Never throws.
 */
export function needsWaypoint(node: GraphNode): boolean {
  return node.ambient && externalEntries(node).length > 0;
}

/** One ServiceEntry per distinct host of FQDN/CIDR egress rules (entities skipped), reference §4.5d. */
function externalEntries(self: GraphNode): ExternalEntry[] {
  const byHost = new Map<string, ExternalEntry>();
  for (const rule of self.egress) {
    const t = rule.target as { entity?: string; cidr?: string; fqdn?: string };
    if (t.entity !== undefined) continue;
    let host: string;
    let address: string | undefined;
    if (t.fqdn !== undefined) host = t.fqdn;
    else {
      address = (t.cidr ?? '').split('/')[0];
      host = `ip-${address.replace(/[.:]/g, '-')}.svc.external`;
    }
    const entry = byHost.get(host) ?? { host, ...(address ? { address } : {}), ports: [] };
    for (const p of rule.ports) {
      const protocol = rule.protocol === 'UDP' ? 'UDP' : p === 443 ? 'HTTPS' : p === 80 ? 'HTTP' : 'TCP';
      if (!entry.ports.some((x) => x.number === p && x.protocol === protocol)) entry.ports.push({ number: p, protocol });
    }
    entry.ports.sort((a, b) => a.number - b.number || (a.protocol < b.protocol ? -1 : 1));
    byHost.set(host, entry);
  }
  return [...byHost.values()].sort((a, b) => (a.host < b.host ? -1 : 1));
}

function cnp(ctx: Ctx, ingress: Json[], egress: Json[]): KubeObject {
  const spec: Json = { endpointSelector: { matchLabels: ctx.subjectCiliumLabels() } };
  // An empty ingress list and an absent one mean the same to Cilium (direction not enforced); omit it.
  if (ingress.length > 0) spec.ingress = ingress;
  if (egress.length > 0) spec.egress = egress;
  return { apiVersion: CILIUM_API_VERSION, kind: 'CiliumNetworkPolicy', metadata: ctx.meta(derivedName('cnp-mesh-', ctx.h), false), spec };
}

/** §4.6: direct L4 only. Egress has no rule towards callees (reference quirk, kept). */
function compileNonAmbientCnp(ctx: Ctx, inbound: readonly GraphNode[], outbound: readonly GraphNode[]): KubeObject {
  const { self } = ctx;
  const own = ciliumLabels(self);
  const ownPorts = tcpPorts(targetPorts(self));
  const ingress: Json[] = [];
  if (self.allowPeerTraffic) ingress.push({ fromEndpoints: [{ matchLabels: { ...own } }] });
  ingress.push(...plaintextIngress(self));
  for (const caller of inbound) {
    ingress.push(withPorts({ fromEndpoints: [{ matchLabels: peerLabels(self, caller) }] }, ownPorts));
  }
  const egress: Json[] = [dnsRule(dnsMatchNames(self, outbound))];
  if (self.allowPeerTraffic) egress.push({ toEndpoints: [{ matchLabels: { ...own } }] });
  egress.push(...specEgressRules(self));
  return cnp(ctx, ingress, egress);
}
