/**
 * Cilium L3/L4 (and DNS / HTTP L7) policy model for one direction of one endpoint (anchors-netpol §1.1):
 * compilation of CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy rules, per-direction
 * enforcement and default-deny, deny-before-allow, peer selectors with namespace injection, entities,
 * ports (numbers, ranges, named ports), and the L7 DNS / HTTP rules attached to ports.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { Requirement } from '../../fake-apiserver/api/label-selector.ts';
import {
  POD_NAMESPACE_LABEL,
  NAMESPACE_LABELS_PREFIX,
  compileCiliumSelector,
  hasKey,
  hasKeyPrefix,
  hasReservedKey,
  identityMatches,
  type EndpointIdentity,
  type NamedPort,
} from './identity.ts';
import { ipInBlock } from './ip.ts';

/** Traffic direction relative to the endpoint whose policy is evaluated. */
export type Direction = 'ingress' | 'egress';

/** Wire protocol of a flow. */
export type WireProtocol = 'TCP' | 'UDP';

/** One L3 peer matcher of a rule element (one entry of `fromEndpoints`, `toEntities`, ...). */
export type PeerMatcher =
  | { kind: 'endpoints'; reqs: Requirement[] }
  | { kind: 'entity'; entity: string }
  | { kind: 'service'; namespace: string; name: string }
  /** `toCIDR` / `toCIDRSet` (and `from…`): matches only peers without a Cilium identity (world). */
  | { kind: 'cidr'; cidr: string; except: string[] }
  /** `toFQDNs` `matchName` / `matchPattern`: matches world peers whose name the DNS proxy saw resolve. */
  | { kind: 'fqdn'; text: string; re: RegExp }
  | { kind: 'never'; field: string };

/** One `toPorts[].ports[]` entry. `port` null = any port (absent or `0`); `name` set for named ports. */
export interface PortSpec {
  port: number | null;
  endPort: number | null;
  name: string | null;
  protocol: string;
}

/** An L7 HTTP rule (`toPorts[].rules.http[]`); fields are anchored extended regexes, null = any. */
export interface HttpRule {
  method: RegExp | null;
  path: RegExp | null;
  host: RegExp | null;
  /** Rules with header requirements never match a probe (probes send no custom headers). */
  needsHeaders: boolean;
  /** The regex source was invalid: the rule never matches. */
  invalid: boolean;
}

/** An L7 DNS rule (`toPorts[].rules.dns[]`) as a matcher over fully qualified lower-case names. */
export interface DnsRule {
  text: string;
  re: RegExp;
}

/** One `toPorts[]` entry: ports (empty = all ports) and optional L7 rules. */
export interface PortRule {
  ports: PortSpec[];
  dns: DnsRule[] | null;
  http: HttpRule[] | null;
}

/** One element of `ingress[]`/`egress[]`/`...Deny[]`. `l3` null = no L3 field (L3 wildcard); `toPorts` null = all ports. */
export interface RuleElement {
  l3: PeerMatcher[] | null;
  toPorts: PortRule[] | null;
  /** Element has only `icmps` (no toPorts): it never matches TCP/UDP. */
  icmpOnly: boolean;
}

/** One compiled Cilium rule (`spec` or one of `specs[]`) of a named policy. */
export interface CompiledRule {
  /** `CiliumNetworkPolicy ns/name` or `CiliumClusterwideNetworkPolicy name`. */
  policy: string;
  /** Subject selector requirements; null = selects no pod (nodeSelector host policy). */
  subject: Requirement[] | null;
  ingress: RuleElement[];
  ingressDeny: RuleElement[];
  egress: RuleElement[];
  egressDeny: RuleElement[];
  /** `enableDefaultDeny.<dir>` (defaults to true). */
  defaultDeny: { ingress: boolean; egress: boolean };
}

/** Names a policy object for verdicts: `Kind ns/name`, or `Kind name` for cluster-scoped objects. */
export function policyRef(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}` : `${obj.kind} ${obj.metadata.name}`;
}

/**
 * Compiles a CNP (namespaced) or CCNP (cluster-scoped) object into one rule per `spec` / `specs[]`
 * entry. Peer selectors get Cilium's namespace injection (anchors-netpol §1.1 "Peer selectors"): in a CNP
 * a selector without a namespace key (and without namespace-label keys) is pinned to the policy's
 * namespace; in a CCNP it gets `k8s:io.kubernetes.pod.namespace Exists`; `reserved:` selectors are left
 * alone. Throws {@link import('./identity.ts').InvalidSelectorError} for selectors Cilium rejects.
 */
export function compileCiliumPolicy(obj: KubeObject): CompiledRule[] {
  const ns = obj.metadata.namespace ?? '';
  const specs = [obj.spec, ...(Array.isArray(obj.specs) ? obj.specs : [])].filter((s) => s && typeof s === 'object');
  const ref = policyRef(obj);
  return specs.map((spec) => ({
    policy: ref,
    subject: spec.endpointSelector ? compileCiliumSelector(spec.endpointSelector) : null,
    ingress: compileElements(spec.ingress, 'from', ns),
    ingressDeny: compileElements(spec.ingressDeny, 'from', ns),
    egress: compileElements(spec.egress, 'to', ns),
    egressDeny: compileElements(spec.egressDeny, 'to', ns),
    defaultDeny: { ingress: spec.enableDefaultDeny?.ingress !== false, egress: spec.enableDefaultDeny?.egress !== false },
  }));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function compileElements(list: Json, side: 'from' | 'to', ns: string): RuleElement[] {
  if (!Array.isArray(list)) return [];
  return list.map((el: Json) => compileElement(el ?? {}, side, ns));
}

function compileElement(el: Json, side: 'from' | 'to', ns: string): RuleElement {
  let l3: PeerMatcher[] | null = null;
  const add = (m: PeerMatcher[]) => {
    l3 = [...(l3 ?? []), ...m];
  };
  const endpoints = el[`${side}Endpoints`];
  if (Array.isArray(endpoints)) add(endpoints.map((sel: Json) => ({ kind: 'endpoints' as const, reqs: injectNamespace(compileCiliumSelector(sel ?? {}), ns) })));
  const entities = el[`${side}Entities`];
  if (Array.isArray(entities)) add(entities.map((e: Json) => ({ kind: 'entity' as const, entity: String(e) })));
  const cidrs = el[`${side}CIDR`];
  if (Array.isArray(cidrs)) add(cidrs.map((c: Json): PeerMatcher => ({ kind: 'cidr', cidr: String(c), except: [] })));
  const cidrSet = el[`${side}CIDRSet`];
  if (Array.isArray(cidrSet)) {
    add(
      cidrSet.map((c: Json): PeerMatcher =>
        typeof c?.cidr === 'string' ? { kind: 'cidr', cidr: c.cidr, except: Array.isArray(c.except) ? c.except.map(String) : [] } : { kind: 'never', field: `${side}CIDRSet` },
      ),
    );
  }
  if (side === 'to' && Array.isArray(el.toFQDNs)) {
    add(
      el.toFQDNs.map((f: Json): PeerMatcher => {
        if (typeof f?.matchName === 'string' && f.matchName !== '') {
          const name = fqdn(f.matchName);
          return { kind: 'fqdn', text: `matchName ${f.matchName}`, re: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) };
        }
        if (typeof f?.matchPattern === 'string' && f.matchPattern !== '') return { kind: 'fqdn', text: `matchPattern ${f.matchPattern}`, re: dnsPatternRegex(f.matchPattern) };
        return { kind: 'never', field: 'toFQDNs' };
      }),
    );
  }
  for (const field of [`${side}Nodes`, `${side}Groups`]) {
    // Node / cloud-group peers never carry a pod identity nor a probed address: present-but-unmatchable.
    if (Array.isArray(el[field])) add([{ kind: 'never', field }]);
  }
  if (side === 'to' && Array.isArray(el.toServices)) {
    add(
      el.toServices.map((s: Json): PeerMatcher =>
        s?.k8sService?.serviceName
          ? { kind: 'service', namespace: String(s.k8sService.namespace ?? ns), name: String(s.k8sService.serviceName) }
          : { kind: 'never', field: 'toServices' },
      ),
    );
  }
  const toPorts: PortRule[] | null = Array.isArray(el.toPorts) ? el.toPorts.map(compilePortRule) : null;
  const icmpOnly = toPorts === null && Array.isArray(el.icmps) && el.icmps.length > 0;
  return { l3, toPorts, icmpOnly };
}

function injectNamespace(reqs: Requirement[], ns: string): Requirement[] {
  if (hasReservedKey(reqs)) return reqs;
  if (hasKey(reqs, POD_NAMESPACE_LABEL)) return reqs;
  if (ns === '') return [...reqs, { key: `k8s:${POD_NAMESPACE_LABEL}`, operator: 'Exists', values: [] }];
  if (hasKeyPrefix(reqs, NAMESPACE_LABELS_PREFIX)) return reqs;
  return [...reqs, { key: `k8s:${POD_NAMESPACE_LABEL}`, operator: 'In', values: [ns] }];
}

function compilePortRule(pr: Json): PortRule {
  const ports: PortSpec[] = Array.isArray(pr?.ports)
    ? pr.ports.map((p: Json): PortSpec => {
        const raw = p?.port;
        const protocol = String(p?.protocol ?? '').toUpperCase();
        if (raw === undefined || raw === null || raw === '' || raw === 0 || raw === '0') return { port: null, endPort: null, name: null, protocol };
        const n = typeof raw === 'number' ? raw : /^\d+$/.test(String(raw)) ? Number(raw) : NaN;
        if (Number.isNaN(n)) return { port: null, endPort: null, name: String(raw), protocol };
        const end = Number(p?.endPort ?? 0);
        return { port: n, endPort: end > n ? end : null, name: null, protocol };
      })
    : [];
  const dnsList = pr?.rules?.dns;
  const httpList = pr?.rules?.http;
  return {
    ports,
    dns: Array.isArray(dnsList) ? dnsList.map(compileDnsRule).filter((r: DnsRule | null): r is DnsRule => r !== null) : null,
    http: Array.isArray(httpList) ? httpList.map(compileHttpRule) : null,
  };
}

/** Normalises a DNS name to lower-case fully-qualified form (trailing dot). */
export function fqdn(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n : `${n}.`;
}

const DNS_CHARS = '[-a-z0-9_]';

/**
 * Compiles a Cilium DNS pattern (anchors-netpol §1.1 "L7 rules"): `*` alone matches every name; `*`
 * inside a label matches any run of DNS characters except `.`; a leading `**.` matches one or more
 * subdomain labels. Returns an anchored regex over lower-case FQDNs.
 */
export function dnsPatternRegex(pattern: string): RegExp {
  const p = fqdn(pattern.trim());
  if (p === '*.') return /^.*$/;
  let prefix = '';
  let body = p;
  if (body.startsWith('**.')) {
    prefix = `(?:${DNS_CHARS}+\\.)+`;
    body = body.slice(3);
  }
  const escaped = body
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join(`${DNS_CHARS}*`);
  return new RegExp(`^${prefix}${escaped}$`);
}

function compileDnsRule(r: Json): DnsRule | null {
  if (typeof r?.matchName === 'string' && r.matchName !== '') {
    const name = fqdn(r.matchName);
    return { text: `matchName ${r.matchName}`, re: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) };
  }
  if (typeof r?.matchPattern === 'string' && r.matchPattern !== '') return { text: `matchPattern ${r.matchPattern}`, re: dnsPatternRegex(r.matchPattern) };
  return null;
}

function anchored(src: Json): { re: RegExp | null; invalid: boolean } {
  if (typeof src !== 'string' || src === '') return { re: null, invalid: false };
  try {
    return { re: new RegExp(`^(?:${src})$`), invalid: false };
  } catch {
    return { re: null, invalid: true };
  }
}

function compileHttpRule(r: Json): HttpRule {
  const method = anchored(r?.method);
  const path = anchored(r?.path);
  const host = anchored(r?.host);
  const needsHeaders = (Array.isArray(r?.headers) && r.headers.length > 0) || (Array.isArray(r?.headerMatches) && r.headerMatches.length > 0);
  return { method: method.re, path: path.re, host: host.re, needsHeaders, invalid: method.invalid || path.invalid || host.invalid };
}

/** The peer of a flow as one endpoint sees it. */
export interface Peer {
  identity: EndpointIdentity;
  /** Pod-backed peers carry a Cilium identity; false = a `world` peer (an address outside the cluster). */
  isPod: boolean;
  /** IPv4 address of a world peer (null when unknown, e.g. an ExternalName target). */
  ip?: string | null;
  /**
   * The peer is an API server backend (an endpoint of Service default/kubernetes) running on a node:
   * entity `kube-apiserver` (also inside `cluster` and `all`), neither `world` nor selectable by CIDR
   * (node addresses are not, under Cilium's default policy-cidr-match-mode).
   */
  kubeApiserver?: boolean;
  /** Name of a world peer whose answer went through Cilium's DNS proxy (so `toFQDNs` can match it); null otherwise. */
  fqdn?: string | null;
  /** `ns/name` for reasons. */
  display: string;
  /** True when the peer pod is a backend of Service ns/name (for `toServices`). */
  inService: (namespace: string, name: string) => boolean;
}

/** The flow seen by one endpoint: peer, wire port and protocol, destination named ports, optional L7 request. */
export interface Flow {
  peer: Peer;
  port: number;
  protocol: WireProtocol;
  /** Named container ports of the *destination* pod (named ports resolve there). */
  destNamedPorts: readonly NamedPort[];
  /** L7 payload: a DNS query name, or an HTTP request (absent payload = plain L4). */
  l7: { kind: 'dns'; name: string } | { kind: 'http'; method: string; path: string; host: string; encrypted: boolean } | null;
}

/** Outcome of one direction at one endpoint. `policy` is the deciding policy ref (null = none or several). */
export interface DirectionOutcome {
  allowed: boolean;
  policy: string | null;
  /** How it was decided: not enforced, explicit deny, allowed by rule, wildcard (default deny off), default deny, L7 refusal. */
  how: 'not-enforced' | 'deny-rule' | 'allow-rule' | 'wildcard' | 'default-deny' | 'l7-dns' | 'l7-http';
  reason: string;
  /** For DNS flows: an allowed query went through Cilium's DNS proxy (a matching element carries `rules.dns`). */
  dnsProxied?: boolean;
}

/** Entities that contain pod endpoints (Cilium documentation, Layer 3 "Entities based"). */
const POD_ENTITIES = new Set(['cluster', 'all']);
/** Entities that contain addresses outside the cluster. */
const WORLD_ENTITIES = new Set(['world', 'world-ipv4', 'all']);
/** Entities that contain an in-cluster API server backend (Cilium documentation, Layer 3 "Entities based": kube-apiserver, cluster, all). */
const KUBE_APISERVER_ENTITIES = new Set(['kube-apiserver', 'cluster', 'all']);

function peerMatches(m: PeerMatcher, peer: Peer): boolean {
  switch (m.kind) {
    case 'endpoints':
      return identityMatches(m.reqs, peer.identity);
    case 'entity':
      return (peer.isPod ? POD_ENTITIES : peer.kubeApiserver ? KUBE_APISERVER_ENTITIES : WORLD_ENTITIES).has(m.entity);
    case 'service':
      return peer.inService(m.namespace, m.name);
    case 'cidr':
      return !peer.isPod && !peer.kubeApiserver && !!peer.ip && ipInBlock(peer.ip, m.cidr) && !m.except.some((e) => ipInBlock(peer.ip as string, e));
    case 'fqdn':
      return !peer.isPod && !!peer.fqdn && m.re.test(fqdn(peer.fqdn));
    case 'never':
      return false;
  }
}

// The loops below are written without closures: they run several times per probe (bench: cli/bench/evaluator.ts).

function l3Matches(el: RuleElement, peer: Peer): boolean {
  if (el.l3 === null) return true;
  for (const m of el.l3) if (peerMatches(m, peer)) return true;
  return false;
}

function portSpecMatches(p: PortSpec, flow: Flow): boolean {
  if (p.protocol !== '' && p.protocol !== 'ANY' && p.protocol !== flow.protocol) return false;
  if (p.name !== null) {
    for (const np of flow.destNamedPorts) if (np.name === p.name && np.port === flow.port && np.protocol === flow.protocol) return true;
    return false;
  }
  if (p.port === null) return true;
  if (p.endPort !== null) return flow.port >= p.port && flow.port <= p.endPort;
  return flow.port === p.port;
}

function portRuleMatches(pr: PortRule, flow: Flow): boolean {
  if (pr.ports.length === 0) return true;
  for (const p of pr.ports) if (portSpecMatches(p, flow)) return true;
  return false;
}

const NO_PORT_RULES: readonly PortRule[] = Object.freeze([]);
/** The port rule of an element without `toPorts`: all ports, no L7. */
const L4_WILDCARD: readonly PortRule[] = Object.freeze([Object.freeze({ ports: [], dns: null, http: null })]);

/** Port rules of an element that match the flow; null element toPorts = one L4-only wildcard match. */
function matchingPortRules(el: RuleElement, flow: Flow): readonly PortRule[] {
  if (el.icmpOnly) return NO_PORT_RULES;
  if (el.toPorts === null) return L4_WILDCARD;
  let out: PortRule[] | null = null;
  for (const pr of el.toPorts) if (portRuleMatches(pr, flow)) (out ??= []).push(pr);
  return out ?? NO_PORT_RULES;
}

function anyPortRuleMatches(el: RuleElement, flow: Flow): boolean {
  if (el.icmpOnly) return false;
  if (el.toPorts === null) return true;
  for (const pr of el.toPorts) if (portRuleMatches(pr, flow)) return true;
  return false;
}

function describeFlow(dir: Direction, flow: Flow): string {
  return `${flow.protocol} ${flow.port} ${dir === 'egress' ? 'to' : 'from'} ${flow.peer.display}`;
}

function single(refs: readonly string[]): string | null {
  const u = [...new Set(refs)];
  return u.length === 1 ? u[0] : null;
}

function httpRuleMatches(r: HttpRule, req: { method: string; path: string; host: string }): boolean {
  if (r.invalid || r.needsHeaders) return false;
  return (!r.method || r.method.test(req.method)) && (!r.path || r.path.test(req.path)) && (!r.host || r.host.test(req.host));
}

const enforcingMemo = new WeakMap<readonly CompiledRule[], { ingress: readonly CompiledRule[]; egress: readonly CompiledRule[] }>();

/** The rules of a selecting set that enforce `dir` (a non-empty `<dir>` or `<dir>Deny` list), memoised per rule set. */
function enforcingRules(rules: readonly CompiledRule[], dir: Direction): readonly CompiledRule[] {
  let hit = enforcingMemo.get(rules);
  if (!hit) {
    hit = { ingress: rules.filter((r) => r.ingress.length > 0 || r.ingressDeny.length > 0), egress: rules.filter((r) => r.egress.length > 0 || r.egressDeny.length > 0) };
    enforcingMemo.set(rules, hit);
  }
  return hit[dir];
}

/**
 * Decides one direction of one endpoint (anchors-netpol §1.1 "Default-deny", "Deny rules", "Rule
 * matching", "L7 rules"), given the rules selecting the endpoint:
 * 1. not enforced (no selecting rule has a non-empty `<dir>` or `<dir>Deny` list) ⇒ allowed;
 * 2. a matching `<dir>Deny` element ⇒ denied, naming that policy;
 * 3. matching allow elements: any L4-only match allows; if every match carries L7 rules of the
 *    flow's kind (DNS for DNS queries, HTTP for HTTP), the request must match one of them;
 * 4. no match: allowed when no enforcing rule keeps `enableDefaultDeny.<dir>` true (wildcard), else
 *    default deny (reason lists the enforcing policies).
 */
export function evaluateDirection(rules: readonly CompiledRule[], dir: Direction, flow: Flow): DirectionOutcome {
  return decideDirection(matchDirection(rules, dir, flow), flow);
}

/**
 * The L3/L4 part of one direction's decision: the enforcing rules, the first matching deny element, and
 * the matching allow elements split into L4-only matches and matches carrying L7 rules of the flow's
 * payload kind. It depends on the flow's peer, port, protocol and payload *kind*, not on the payload
 * itself (the DNS name, the HTTP request), so callers may compute it once for many payloads.
 */
export interface DirectionMatch {
  dir: Direction;
  enforcing: readonly CompiledRule[];
  deny: string | null;
  l4Only: readonly string[];
  l7: readonly { policy: string; rule: PortRule }[];
}

/** Computes the {@link DirectionMatch} of a flow (see {@link evaluateDirection}). */
export function matchDirection(rules: readonly CompiledRule[], dir: Direction, flow: Flow): DirectionMatch {
  const enforcing = enforcingRules(rules, dir);
  const out = { dir, enforcing, deny: null as string | null, l4Only: [] as string[], l7: [] as { policy: string; rule: PortRule }[] };
  if (enforcing.length === 0) return out;
  for (const r of enforcing) {
    for (const el of dir === 'ingress' ? r.ingressDeny : r.egressDeny) {
      if (l3Matches(el, flow.peer) && anyPortRuleMatches(el, flow)) {
        out.deny = r.policy;
        return out;
      }
    }
  }
  const kind = flow.l7?.kind ?? null;
  for (const r of enforcing) {
    for (const el of dir === 'ingress' ? r.ingress : r.egress) {
      if (!l3Matches(el, flow.peer)) continue;
      for (const pr of matchingPortRules(el, flow)) {
        const relevantL7 = kind === 'dns' ? pr.dns : kind === 'http' ? pr.http : null;
        if (relevantL7 === null) out.l4Only.push(r.policy);
        else out.l7.push({ policy: r.policy, rule: pr });
      }
    }
  }
  return out;
}

/** Finishes a direction's decision from its {@link DirectionMatch} and the flow's L7 payload. */
export function decideDirection(m: DirectionMatch, flow: Flow): DirectionOutcome {
  const { dir, enforcing, l4Only, l7 } = m;
  const denyKey = dir === 'ingress' ? 'ingressDeny' : 'egressDeny';
  if (enforcing.length === 0) return { allowed: true, policy: null, how: 'not-enforced', reason: `${dir} not enforced` };
  if (m.deny !== null) return { allowed: false, policy: m.deny, how: 'deny-rule', reason: `${denyKey} rule of ${m.deny} denies ${describeFlow(dir, flow)}` };
  const what = describeFlow(dir, flow);
  if (l4Only.length > 0) {
    // An L4-only allow beside a DNS rule on the same port still leaves the query redirected to the proxy.
    return { allowed: true, policy: l4Only[0], how: 'allow-rule', reason: `${dir} ${what} allowed by ${l4Only[0]}`, ...(flow.l7?.kind === 'dns' ? { dnsProxied: l7.length > 0 } : {}) };
  }
  if (l7.length > 0 && flow.l7) {
    const policies = [...new Set(l7.map((x) => x.policy))];
    if (flow.l7.kind === 'dns') {
      const name = fqdn(flow.l7.name);
      for (const x of l7) {
        const hit = (x.rule.dns ?? []).find((d) => d.re.test(name));
        if (hit) return { allowed: true, policy: x.policy, how: 'allow-rule', reason: `DNS lookup of ${flow.l7.name} allowed by ${x.policy} (${hit.text})`, dnsProxied: true };
      }
      return {
        allowed: false,
        policy: single(policies),
        how: 'l7-dns',
        reason: `DNS lookup of ${flow.l7.name} refused by Cilium DNS proxy (no matchName/matchPattern of ${policies.join(', ')} matches)`,
      };
    }
    const req = flow.l7;
    if (req.encrypted) {
      return {
        allowed: false,
        policy: single(policies),
        how: 'l7-http',
        reason: `Cilium L7 HTTP rules of ${policies.join(', ')} cannot parse the mTLS (HBONE) stream on ${what}`,
      };
    }
    for (const x of l7) {
      if ((x.rule.http ?? []).some((h) => httpRuleMatches(h, req))) return { allowed: true, policy: x.policy, how: 'allow-rule', reason: `${dir} ${what} HTTP ${req.method} ${req.path} allowed by ${x.policy}` };
    }
    return {
      allowed: false,
      policy: single(policies),
      how: 'l7-http',
      reason: `HTTP 403 from Cilium L7 proxy: ${req.method} ${req.path} matches no http rule of ${policies.join(', ')} (${what})`,
    };
  }
  const defaultDeny = enforcing.some((r) => (r[dir].length > 0 || r[denyKey].length > 0) && r.defaultDeny[dir]);
  if (!defaultDeny) return { allowed: true, policy: null, how: 'wildcard', reason: `${dir} ${what} allowed (enableDefaultDeny.${dir} false on every selecting policy)` };
  const names = [...new Set(enforcing.map((r) => r.policy))].join(', ');
  return { allowed: false, policy: null, how: 'default-deny', reason: `default deny: no ${dir} rule of ${names} allows ${what}` };
}
