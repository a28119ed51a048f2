/**
 * The enforcement evaluator: a pure model of what Cilium (L3/L4, DNS proxy) and Istio ambient ztunnel
 * (L4) do with the policy objects present in a {@link DataplaneView}, for one probe "pod A → Service B
 * port P" (anchors-netpol §1.0–§1.4; reference §4.8, §4.9, §4.11). The first denying layer, in wire
 * order, decides. It never reads Lattice specs (DESIGN.md rule 1).
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { DataplaneView, ProbeRequest, Verdict } from './types.ts';
import { decideDirection, evaluateDirection, matchDirection, type DirectionMatch, type DirectionOutcome, type Flow, type Peer } from './cilium.ts';
import { DataplaneIndex, type EndpointInfo } from './dataplane-index.ts';
import { effectiveMtls, evaluateAuthz, type EffectiveMtls } from './ztunnel.ts';
import { GATEWAY_NAME_LABEL, attachedTo, compileWaypointAuthz, evaluateWaypointAuthz, requestedWaypoint, type CompiledWaypointAuthz } from './waypoint.ts';

/** TCP port of HBONE (ambient mTLS tunnel) between two captured pods (anchors-netpol §1.4). */
export const HBONE_PORT = 15008;

/**
 * Indexes a view once for many probes (objects by namespace, policies compiled, per-pod memos).
 * Input: any {@link DataplaneView}; output: a {@link DataplaneIndex}. Never throws; policies that do not
 * compile (e.g. a selector with an unknown operator) are left out and listed in `index.rejected`.
 */
export function indexDataplane(view: DataplaneView): DataplaneIndex {
  const previous = lastIndex?.deref();
  if (previous && sameView(previous.view, view)) return previous;
  const index = new DataplaneIndex(view);
  lastIndex = new WeakRef(index);
  return index;
}

/**
 * The last index built, returned again while every list of the view holds the same frozen objects in the
 * same order: a store write to a kind the dataplane does not see (a LatticeService status, a Secret, a
 * ReplicaSet) then costs one pass of pointer compares instead of a rebuild, and the per-pod memos stay
 * warm. The answer is the same either way (an index is a function of its view). Weak, so it never keeps
 * a finished World's objects alive.
 */
let lastIndex: WeakRef<DataplaneIndex> | undefined;
const VIEW_LISTS = [
  'namespaces',
  'pods',
  'services',
  'endpointSlices',
  'ciliumNetworkPolicies',
  'ciliumClusterwideNetworkPolicies',
  'authorizationPolicies',
  'peerAuthentications',
  'networkPolicies',
  'gateways',
] as const satisfies readonly (keyof DataplaneView)[];
const NONE: readonly KubeObject[] = [];

/** Same objects (identity; frozen, so same content), same order, same trust domain and root namespace. */
function sameView(a: DataplaneView, b: DataplaneView): boolean {
  if (a === b) return true;
  if (a.trustDomain !== b.trustDomain || a.rootNamespace !== b.rootNamespace) return false;
  for (const k of VIEW_LISTS) {
    const x = a[k] ?? NONE;
    const y = b[k] ?? NONE;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i] || !Object.isFrozen(x[i])) return false;
  }
  return true;
}

/** Evaluates one probe against a fresh index of `view` (= `evaluateIndexed(indexDataplane(view), probe)`). */
export function evaluate(view: DataplaneView, probe: ProbeRequest): Verdict {
  return evaluateIndexed(indexDataplane(view), probe);
}

const deny = (layer: Verdict['layer'], policy: string | null, reason: string): Verdict => ({ decision: 'deny', layer, policy, reason });

function key(pod: KubeObject): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

/**
 * Per-index memos of this module (probe-order independent: each value is a pure function of the index
 * and its key). They make repeated probes — the verifier judges the same probes every cycle — cheap.
 */
interface Memo {
  peers: Map<EndpointInfo, Peer>;
  /** Ready backends by Service object, then Service port name. */
  backends: Map<KubeObject, Map<string, Backends>>;
  /** The name-independent part of the source's DNS egress (UDP 53 to kube-dns), by source endpoint. */
  dnsMatch: Map<EndpointInfo, DirectionMatch>;
  /** DNS egress outcome by source endpoint, then Service (the queried name is the Service's). */
  dns: Map<EndpointInfo, Map<KubeObject, DirectionOutcome>>;
  /** Effective mTLS by destination endpoint, then target port. */
  mtls: Map<EndpointInfo, Map<number, EffectiveMtls>>;
  /**
   * Verdicts by source pod, then Service object; object keys hash by identity. The first probe key seen
   * for a pair (port, method, path) is held inline, others in `more` (most pairs are probed on one port).
   */
  verdicts: Map<KubeObject, Map<KubeObject, VerdictSlot>>;
}

const memos = new WeakMap<DataplaneIndex, Memo>();

interface VerdictSlot {
  key: number | string;
  verdict: Verdict;
  more: Map<number | string, Verdict> | null;
}

function memoOf(index: DataplaneIndex): Memo {
  let m = memos.get(index);
  if (!m) memos.set(index, (m = { peers: new Map(), backends: new Map(), dnsMatch: new Map(), dns: new Map(), mtls: new Map(), verdicts: new Map() }));
  return m;
}

function peerOf(index: DataplaneIndex, ep: EndpointInfo): Peer {
  const memo = memoOf(index).peers;
  let peer = memo.get(ep);
  if (!peer) {
    const ip = typeof ep.pod.status?.podIP === 'string' ? ep.pod.status.podIP : null;
    const pod = ep.pod;
    peer = { identity: ep.identity, isPod: true, ip, fqdn: null, display: key(pod), inService: (ns, name) => index.inService(pod, ns, name) };
    memo.set(ep, peer);
  }
  return peer;
}

/** The source's DNS query for `host` through its Cilium egress (UDP 53 to kube-dns), memoised. */
function dnsLookup(index: DataplaneIndex, srcEp: EndpointInfo, svc: KubeObject, host: string): DirectionOutcome {
  const memo = memoOf(index).dns;
  let bySvc = memo.get(srcEp);
  if (!bySvc) memo.set(srcEp, (bySvc = new Map()));
  let out = bySvc.get(svc);
  if (!out) {
    const dns = index.kubeDns();
    const dnsFlow: Flow = { peer: peerOf(index, dns), port: 53, protocol: 'UDP', destNamedPorts: dns.namedPorts, l7: { kind: 'dns', name: host } };
    const matches = memoOf(index).dnsMatch;
    let match = matches.get(srcEp);
    if (!match) matches.set(srcEp, (match = matchDirection(srcEp.ciliumRules, 'egress', dnsFlow)));
    bySvc.set(svc, (out = decideDirection(match, dnsFlow)));
  }
  return out;
}

/** The destination's effective PeerAuthentication mode on `targetPort`, memoised. */
function mtlsOf(index: DataplaneIndex, dst: EndpointInfo, targetPort: number): EffectiveMtls {
  const memo = memoOf(index).mtls;
  let byPort = memo.get(dst);
  if (!byPort) memo.set(dst, (byPort = new Map()));
  let out = byPort.get(targetPort);
  if (!out) {
    const root = index.view.rootNamespace;
    byPort.set(targetPort, (out = effectiveMtls(index.peerAuthIn(root), index.peerAuthIn(dst.namespace), root, dst.namespace, dst.pod.metadata.labels, targetPort)));
  }
  return out;
}

function sourceProblem(pod: KubeObject): string | null {
  if (pod.metadata.deletionTimestamp) return 'is terminating (deletionTimestamp set)';
  const phase = pod.status?.phase ?? 'Unknown';
  if (phase !== 'Running') return `is not Running (phase ${phase})`;
  const ready = (pod.status?.conditions ?? []).find((c: { type?: string }) => c?.type === 'Ready');
  if (ready?.status !== 'True') return 'is not Ready';
  return null;
}

/** The probe's source pod (`<ns>/<name>` key and object) when it can send, else the deny verdict saying why not. */
function readySource(index: DataplaneIndex, fromPod: ProbeRequest['fromPod']): { srcKey: string; src: KubeObject } | { denied: Verdict } {
  const srcNs = fromPod.namespace ?? 'default';
  const srcKey = `${srcNs}/${fromPod.name}`;
  const src = index.pod(srcNs, fromPod.name);
  if (!src) return { denied: deny('none', null, `source pod ${srcKey} not found`) };
  const problem = sourceProblem(src);
  if (problem) return { denied: deny('none', null, `source pod ${srcKey} ${problem}`) };
  return { srcKey, src };
}

/** A ready endpoint outside the cluster: an EndpointSlice address with no Pod behind it, and the slice's port for the Service port name. */
interface ExternalBackend {
  ip: string;
  port: number | null;
}

interface Backends {
  pods: KubeObject[];
  external: ExternalBackend[];
}

function readyBackends(index: DataplaneIndex, svc: KubeObject, portName: string): Backends {
  const memo = memoOf(index).backends;
  let byPort = memo.get(svc);
  if (!byPort) memo.set(svc, (byPort = new Map()));
  let b = byPort.get(portName);
  if (!b) byPort.set(portName, (b = findReadyBackends(index, svc.metadata.namespace ?? '', svc.metadata.name, portName)));
  return b;
}

function findReadyBackends(index: DataplaneIndex, ns: string, name: string, portName: string): Backends {
  const seen = new Set<string>();
  const out: KubeObject[] = [];
  const external: ExternalBackend[] = [];
  for (const es of index.slicesOf(ns, name)) {
    for (const ep of es.endpoints ?? []) {
      if (ep?.conditions?.ready === false) continue;
      const ref = ep?.targetRef;
      if (!ref || !ref.name) {
        // A selector-less Service's hand-written slice: the address is outside the cluster (world).
        const ip = Array.isArray(ep?.addresses) ? ep.addresses.find((a: unknown) => typeof a === 'string') : undefined;
        const slicePort = (Array.isArray(es.ports) ? es.ports : []).find((p: { name?: string }) => (p?.name ?? '') === portName);
        if (ip) external.push({ ip, port: typeof slicePort?.port === 'number' ? slicePort.port : null });
        continue;
      }
      if ((ref.kind ?? 'Pod') !== 'Pod') continue;
      const pod = index.pod(ref.namespace ?? ns, ref.name);
      if (pod && !seen.has(key(pod))) {
        seen.add(key(pod));
        out.push(pod);
      }
    }
  }
  return { pods: out.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0)), external };
}

const noService = () => false;

/** Waypoint Gateways by `ns/name` and the compiled `targetRefs` AuthorizationPolicies of an index (built once). */
const waypointMemo = new WeakMap<DataplaneIndex, { gateways: Map<string, KubeObject>; policies: CompiledWaypointAuthz[] }>();

function waypointsOf(index: DataplaneIndex): { gateways: Map<string, KubeObject>; policies: CompiledWaypointAuthz[] } {
  let w = waypointMemo.get(index);
  if (!w) {
    const gateways = new Map<string, KubeObject>();
    for (const g of index.view.gateways ?? []) gateways.set(`${g.metadata.namespace ?? 'default'}/${g.metadata.name}`, g);
    const policies: CompiledWaypointAuthz[] = [];
    for (const o of index.view.authorizationPolicies) {
      const c = compileWaypointAuthz(o);
      if (c) policies.push(c);
    }
    policies.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
    waypointMemo.set(index, (w = { gateways, policies }));
  }
  return w;
}

interface WaypointPath {
  srcKey: string;
  srcEp: EndpointInfo;
  dst: EndpointInfo;
  svc: KubeObject;
  gateway: KubeObject;
  waypoint: EndpointInfo;
  targetPort: number;
  host: string;
  dnsReason: string;
}

/**
 * A Service enrolled in a ready waypoint, from a source in the mesh (anchors-netpol §1.0 steps 2–6):
 * source → waypoint pod on HBONE 15008 (Cilium egress of the source, ingress of the waypoint), the
 * waypoint's L7 AuthorizationPolicies (targetRefs), waypoint → destination (Cilium egress of the
 * waypoint, ingress of the destination; HBONE when the destination is captured), then ztunnel at the
 * destination, which sees the waypoint's identity.
 */
function viaWaypoint(index: DataplaneIndex, probe: ProbeRequest, w: WaypointPath): Verdict {
  const view = index.view;
  const wpKey = key(w.waypoint.pod);
  const http = { kind: 'http' as const, method: probe.method ?? 'GET', path: probe.path ?? '/', host: w.host, encrypted: true };
  const out1 = evaluateDirection(w.srcEp.ciliumRules, 'egress', { peer: peerOf(index, w.waypoint), port: HBONE_PORT, protocol: 'TCP', destNamedPorts: w.waypoint.namedPorts, l7: http });
  if (!out1.allowed) return deny('cilium-egress', out1.policy, `${out1.reason} (hop to waypoint ${wpKey})`);
  const in1 = evaluateDirection(w.waypoint.ciliumRules, 'ingress', { peer: peerOf(index, w.srcEp), port: HBONE_PORT, protocol: 'TCP', destNamedPorts: w.waypoint.namedPorts, l7: http });
  if (!in1.allowed) return deny('cilium-ingress', in1.policy, `${in1.reason} (at waypoint ${wpKey})`);
  const policies = waypointsOf(index).policies.filter((p) => attachedTo(p, w.svc, w.gateway, view.rootNamespace));
  const l7 = evaluateWaypointAuthz(policies, {
    principal: `${view.trustDomain}/ns/${w.srcEp.namespace}/sa/${w.srcEp.serviceAccount}`,
    namespace: w.srcEp.namespace,
    sourceIp: typeof w.srcEp.pod.status?.podIP === 'string' ? w.srcEp.pod.status.podIP : null,
    port: probe.port,
    method: http.method,
    path: http.path,
    host: w.host,
    trustDomain: view.trustDomain,
  });
  if (!l7.allowed) return deny('waypoint', l7.policy, l7.reason);
  const hbone = w.dst.captured;
  const port2 = hbone ? HBONE_PORT : w.targetPort;
  const http2 = { ...http, encrypted: hbone };
  const out2 = evaluateDirection(w.waypoint.ciliumRules, 'egress', { peer: peerOf(index, w.dst), port: port2, protocol: 'TCP', destNamedPorts: w.dst.namedPorts, l7: http2 });
  if (!out2.allowed) return deny('cilium-egress', out2.policy, `${out2.reason} (hop from waypoint ${wpKey})`);
  const in2 = evaluateDirection(w.dst.ciliumRules, 'ingress', { peer: peerOf(index, w.waypoint), port: port2, protocol: 'TCP', destNamedPorts: w.dst.namedPorts, l7: http2 });
  if (!in2.allowed) return deny('cilium-ingress', in2.policy, `${in2.reason} (hop from waypoint ${wpKey})`);
  const hops = [
    dnsHop(w.dnsReason),
    `wire TCP 15008 (HBONE) to waypoint ${wpKey}`,
    `cilium ${out1.reason}`,
    `cilium ${in1.reason}`,
    l7.reason,
    `wire TCP ${port2}${hbone ? ' (HBONE)' : ''} from waypoint to ${key(w.dst.pod)} (targetPort ${w.targetPort})`,
    `cilium ${out2.reason}`,
    `cilium ${in2.reason}`,
  ];
  let authzPolicy: string | null = null;
  if (w.dst.captured) {
    const authz = evaluateAuthz(index.authzFor(w.dst.pod), {
      principal: `${view.trustDomain}/ns/${w.waypoint.namespace}/sa/${w.waypoint.serviceAccount}`,
      namespace: w.waypoint.namespace,
      serviceAccount: w.waypoint.serviceAccount,
      sourceIp: typeof w.waypoint.pod.status?.podIP === 'string' ? w.waypoint.pod.status.podIP : null,
      destinationIp: typeof w.dst.pod.status?.podIP === 'string' ? w.dst.pod.status.podIP : null,
      port: w.targetPort,
      trustDomain: view.trustDomain,
    });
    if (!authz.allowed) return deny('ztunnel', authz.policy, `ztunnel: ${authz.reason} (the waypoint relays the request with its own identity)`);
    authzPolicy = authz.policy;
    hops.push(`ztunnel ${authz.reason}`);
  } else {
    hops.push('ztunnel not in path (destination not captured)');
  }
  return { decision: 'allow', layer: 'none', policy: authzPolicy ?? l7.policy ?? in2.policy ?? out1.policy ?? null, reason: `allowed: ${hops.join('; ')}` };
}

/** The DNS hop of an allow reason ("DNS lookup of … allowed by …", or "DNS egress not enforced"). */
const dnsHop = (reason: string): string => (reason.startsWith('DNS') ? reason : `DNS ${reason}`);

/**
 * A probe to an address outside the cluster (ExternalName Service, or a selector-less Service whose
 * EndpointSlice lists a bare address): only the source's Cilium egress applies (the peer is `world`, or
 * the `kube-apiserver` entity for the backends of default/kubernetes; no Cilium endpoint, no ztunnel on the far side). `toFQDNs` matches only when the name's DNS answer went
 * through Cilium's DNS proxy (an L7 `dns` rule on the DNS egress); `toCIDR` needs a known address.
 */
function evaluateExternal(
  srcKey: string,
  srcEp: EndpointInfo,
  dnsProxied: boolean,
  dnsReason: string,
  peer: { ip: string | null; name: string | null; service: { namespace: string; name: string } | null },
  port: number,
  probe: ProbeRequest,
  host: string,
): Verdict {
  // toServices on a selector-less Service becomes a CIDR rule over its endpoint addresses (Cilium docs, Services based).
  const svc = peer.service;
  const inService = svc ? (ns: string, name: string) => ns === svc.namespace && name === svc.name : noService;
  // The API server Service default/kubernetes: its backends are the (node-hosted) kube-apiserver entity, not world.
  const kubeApiserver = svc?.namespace === 'default' && svc.name === 'kubernetes';
  const display = kubeApiserver ? `kube-apiserver ${peer.ip}` : peer.name ? `world ${peer.name}${peer.ip ? ` (${peer.ip})` : ''}` : `world ${peer.ip}`;
  const world: Peer = { identity: { labels: {} }, isPod: false, ip: peer.ip, kubeApiserver, fqdn: dnsProxied ? peer.name : null, display, inService };
  const http = { kind: 'http' as const, method: probe.method ?? 'GET', path: probe.path ?? '/', host, encrypted: false };
  const egress = evaluateDirection(srcEp.ciliumRules, 'egress', { peer: world, port, protocol: 'TCP', destNamedPorts: [], l7: http });
  if (!egress.allowed) {
    const fqdnHint = peer.name && !dnsProxied && srcEp.ciliumRules.some((r) => r.egress.some((el) => el.l3?.some((m) => m.kind === 'fqdn')))
      ? ` (toFQDNs cannot match: the DNS answer for ${peer.name} did not go through Cilium's DNS proxy, no egress rule to kube-dns carries rules.dns)`
      : '';
    return deny('cilium-egress', egress.policy, `${egress.reason}${fqdnHint}`);
  }
  return {
    decision: 'allow',
    layer: 'none',
    policy: egress.policy,
    reason: `allowed: ${dnsHop(dnsReason)}; wire TCP ${port} to ${display} from ${srcKey}; cilium ${egress.reason}; no Cilium endpoint or ztunnel at the destination (${kubeApiserver ? 'the API server on a node' : 'outside the cluster'})`,
  };
}

/** An IPv4 address in dotted-quad form (a host an external probe reaches without DNS). */
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * Evaluates one probe from a pod to a host outside the cluster, by DNS name (an FQDN) or IPv4 address,
 * on TCP `port` (the caller connects to the host itself, not to a Service): a name is first looked up
 * through kube-dns (UDP 53, the source's Cilium egress with its DNS-proxy `matchName` / `matchPattern`
 * rules), then only the source's Cilium egress to the `world` peer decides (`toFQDNs` matches the name
 * only when its answer went through the DNS proxy; `toCIDR` / `toCIDRSet` match the address; Cilium
 * docs, DNS based and CIDR based policies). The Istio path of an ambient source (ztunnel passthrough, or a
 * waypoint for a ServiceEntry host) is not modelled: no Istio policy is judged. Output: a {@link Verdict};
 * never throws. Same index and probe ⇒ deep-equal verdict.
 */
export function evaluateExternalProbe(index: DataplaneIndex, probe: { fromPod: ProbeRequest['fromPod']; host: string; port: number }): Verdict {
  const source = readySource(index, probe.fromPod);
  if ('denied' in source) return source.denied;
  const { srcKey, src } = source;
  const srcEp = index.endpoint(src);
  const request = { fromPod: probe.fromPod, toService: { name: probe.host }, port: probe.port };
  if (IPV4.test(probe.host)) return evaluateExternal(srcKey, srcEp, false, 'DNS not used (an address)', { ip: probe.host, name: null, service: null }, probe.port, request, probe.host);
  const dns = index.kubeDns();
  const flow: Flow = { peer: peerOf(index, dns), port: 53, protocol: 'UDP', destNamedPorts: dns.namedPorts, l7: { kind: 'dns', name: probe.host } };
  const matches = memoOf(index).dnsMatch;
  let match = matches.get(srcEp);
  if (!match) matches.set(srcEp, (match = matchDirection(srcEp.ciliumRules, 'egress', flow)));
  const lookup = decideDirection(match, flow);
  if (!lookup.allowed) return deny('cilium-egress', lookup.policy, lookup.how === 'l7-dns' ? lookup.reason : `DNS lookup of ${probe.host} failed: ${lookup.reason}`);
  return evaluateExternal(srcKey, srcEp, lookup.dnsProxied === true, lookup.reason, { ip: null, name: probe.host, service: null }, probe.port, request, probe.host);
}

function resolveTargetPort(servicePort: { port: number; targetPort?: number | string }, dst: EndpointInfo): number | null {
  const tp = servicePort.targetPort ?? servicePort.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  return dst.namedPorts.find((p) => p.name === tp && p.protocol === 'TCP')?.port ?? null;
}

function ciliumDeny(layer: 'cilium-egress' | 'cilium-ingress', o: DirectionOutcome): Verdict {
  return deny(layer, o.policy, o.reason);
}

/**
 * Evaluates one probe against an index (see the module doc and README for the decision procedure):
 * 1. source pod exists, Running, Ready, not terminating — else deny at layer `none`;
 * 2. Service exists (else `DNS: NXDOMAIN`), and the DNS query (UDP 53 to kube-dns) passes the source's
 *    Cilium egress, including DNS-proxy `matchName`/`matchPattern` rules — else deny `cilium-egress`;
 * 3. Service port → ready backend (first by name) → targetPort (named ports resolved on the pod) —
 *    else deny `none` (connection refused / no ready endpoints);
 * 4. wire port = 15008 (HBONE) when both pods are ambient-captured, else the targetPort;
 * 5. Cilium egress of the source, then Cilium ingress of the destination;
 * 6. when the destination is captured, ztunnel: PeerAuthentication STRICT rejects plaintext, then
 *    AuthorizationPolicies (DENY, then ALLOW) on the target port with the source principal.
 * Output: a {@link Verdict}; never throws. Same index and probe ⇒ deep-equal verdict.
 */
export function evaluateIndexed(index: DataplaneIndex, probe: ProbeRequest): Verdict {
  const srcNs = probe.fromPod.namespace ?? 'default';
  const src = index.pod(srcNs, probe.fromPod.name);
  const svc = src ? index.service(probe.toService.namespace ?? srcNs, probe.toService.name) : undefined;
  if (!src || !svc) return decide(index, probe);
  const memo = memoOf(index).verdicts;
  let bySvc = memo.get(src);
  if (!bySvc) memo.set(src, (bySvc = new Map()));
  const k = probe.method === undefined && probe.path === undefined ? probe.port : `${probe.port} ${probe.method ?? ''} ${probe.path ?? ''}`;
  const slot = bySvc.get(svc);
  let v: Verdict | undefined;
  if (!slot) bySvc.set(svc, { key: k, verdict: (v = decide(index, probe)), more: null });
  else if (slot.key === k) v = slot.verdict;
  else {
    v = (slot.more ??= new Map()).get(k);
    if (!v) slot.more.set(k, (v = decide(index, probe)));
  }
  // A copy: callers may annotate their verdict without touching the memo.
  return { ...v };
}

function decide(index: DataplaneIndex, probe: ProbeRequest): Verdict {
  const view = index.view;
  const srcNs = probe.fromPod.namespace ?? 'default';
  const source = readySource(index, probe.fromPod);
  if ('denied' in source) return source.denied;
  const { srcKey, src } = source;

  const svcNs = probe.toService.namespace ?? srcNs;
  const svcKey = `${svcNs}/${probe.toService.name}`;
  const host = `${probe.toService.name}.${svcNs}.svc.cluster.local`;
  const svc = index.service(svcNs, probe.toService.name);
  if (!svc) return deny('none', null, `DNS: NXDOMAIN ${host} (Service ${svcKey} not found)`);

  const srcEp = index.endpoint(src);
  const dnsOutcome = dnsLookup(index, srcEp, svc, host);
  if (!dnsOutcome.allowed) {
    const reason = dnsOutcome.how === 'l7-dns' ? dnsOutcome.reason : `DNS lookup of ${host} failed: ${dnsOutcome.reason}`;
    return deny('cilium-egress', dnsOutcome.policy, reason);
  }

  if (svc.spec?.type === 'ExternalName' && typeof svc.spec?.externalName === 'string') {
    // The cluster DNS answers with a CNAME to externalName; the client connects to the probe port.
    return evaluateExternal(srcKey, srcEp, dnsOutcome.dnsProxied === true, dnsOutcome.reason, { ip: null, name: svc.spec.externalName, service: null }, probe.port, probe, host);
  }
  const sp = (svc.spec?.ports ?? []).find((p: { port?: number; protocol?: string }) => Number(p?.port) === probe.port && String(p?.protocol ?? 'TCP').toUpperCase() === 'TCP');
  if (!sp) return deny('none', null, `connection refused: Service ${svcKey} has no TCP port ${probe.port}`);
  const backends = readyBackends(index, svc, String(sp.name ?? ''));
  if (backends.pods.length === 0 && backends.external.length > 0) {
    const ext = backends.external[0];
    const numeric = typeof sp.targetPort === 'number' ? sp.targetPort : /^\d+$/.test(String(sp.targetPort ?? '')) ? Number(sp.targetPort) : sp.port;
    return evaluateExternal(srcKey, srcEp, dnsOutcome.dnsProxied === true, dnsOutcome.reason, { ip: ext.ip, name: null, service: { namespace: svcNs, name: probe.toService.name } }, ext.port ?? numeric, probe, host);
  }
  if (backends.pods.length === 0) return deny('none', null, `no ready endpoints for Service ${svcKey}`);
  const dst = index.endpoint(backends.pods[0]);
  const targetPort = resolveTargetPort(sp, dst);
  if (targetPort === null) {
    return deny('none', null, `connection refused: targetPort ${JSON.stringify(sp.targetPort)} of Service ${svcKey} port ${probe.port} matches no TCP container port of ${key(dst.pod)}`);
  }

  let bypassNote: string | null = null;
  const choice = srcEp.captured ? requestedWaypoint(svc, index.namespace(svcNs), (ns, name) => waypointsOf(index).gateways.get(`${ns}/${name}`)) : null;
  if (choice) {
    const wpPod = choice.bypass === null ? index.podsIn(choice.namespace).find((p) => p.metadata.labels?.[GATEWAY_NAME_LABEL] === choice.name && sourceProblem(p) === null) : undefined;
    if (wpPod && choice.gateway) return viaWaypoint(index, probe, { srcKey, srcEp, dst, svc, gateway: choice.gateway, waypoint: index.endpoint(wpPod), targetPort, host, dnsReason: dnsOutcome.reason });
    bypassNote = `waypoint ${choice.namespace}/${choice.name} bypassed (${choice.bypass ?? 'no ready waypoint pod'}): its L7 policies are not applied`;
  }

  const hbone = srcEp.captured && dst.captured;
  const wirePort = hbone ? HBONE_PORT : targetPort;
  const http = { kind: 'http' as const, method: probe.method ?? 'GET', path: probe.path ?? '/', host, encrypted: hbone };
  const egress = evaluateDirection(srcEp.ciliumRules, 'egress', { peer: peerOf(index, dst), port: wirePort, protocol: 'TCP', destNamedPorts: dst.namedPorts, l7: http });
  if (!egress.allowed) return ciliumDeny('cilium-egress', egress);
  const ingress = evaluateDirection(dst.ciliumRules, 'ingress', { peer: peerOf(index, srcEp), port: wirePort, protocol: 'TCP', destNamedPorts: dst.namedPorts, l7: http });
  if (!ingress.allowed) return ciliumDeny('cilium-ingress', ingress);

  const hops = [
    dnsHop(dnsOutcome.reason),
    ...(bypassNote ? [bypassNote] : []),
    `wire TCP ${wirePort}${hbone ? ' (HBONE)' : ''} to ${key(dst.pod)} (targetPort ${targetPort})`,
    `cilium ${egress.reason}`,
    `cilium ${ingress.reason}`,
  ];
  let authzPolicy: string | null = null;
  if (dst.captured) {
    const mtls = mtlsOf(index, dst, targetPort);
    if (mtls.mode === 'STRICT' && !srcEp.captured) {
      return deny('ztunnel', mtls.policy, `plaintext rejected by PeerAuthentication STRICT (${mtls.policy}${mtls.portLevel ? ` portLevelMtls ${targetPort}` : ''}): ${srcKey} is not in the ambient mesh`);
    }
    const authz = evaluateAuthz(index.authzFor(dst.pod), {
      principal: srcEp.captured ? `${view.trustDomain}/ns/${srcNs}/sa/${srcEp.serviceAccount}` : null,
      namespace: srcEp.captured ? srcNs : null,
      serviceAccount: srcEp.captured ? srcEp.serviceAccount : null,
      sourceIp: typeof src.status?.podIP === 'string' ? src.status.podIP : null,
      destinationIp: typeof dst.pod.status?.podIP === 'string' ? dst.pod.status.podIP : null,
      port: targetPort,
      trustDomain: view.trustDomain,
    });
    if (!authz.allowed) return deny('ztunnel', authz.policy, `ztunnel: ${authz.reason}`);
    authzPolicy = authz.policy;
    hops.push(`ztunnel mTLS ${mtls.mode}${mtls.policy ? ` (${mtls.policy})` : ''}, ${authz.reason}`);
  } else {
    hops.push('ztunnel not in path (destination not captured)');
  }
  return { decision: 'allow', layer: 'none', policy: authzPolicy ?? ingress.policy ?? egress.policy ?? null, reason: `allowed: ${hops.join('; ')}` };
}
