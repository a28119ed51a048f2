/**
 * Istio ambient ztunnel (L4) model (anchors-netpol §1.2): PeerAuthentication mode resolution and the
 * L4 AuthorizationPolicy decision (DENY first, then ALLOW) for a destination workload, including how
 * ztunnel rewrites rules that use HTTP-only attributes: an ALLOW rule is dropped; in a DENY rule each
 * `from` / `to` entry keeps only its L4 fields, and an entry left with none never matches, so a DENY
 * whose rules carry only HTTP attributes has no effect (istio/istio#61126, PR #61166: "this DENY policy
 * has no enforceable rules at ztunnel and will have no effect") while "methods + ports" in one
 * operation is enforced on the port alone ("enforced without the HTTP rules").
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { matchesSelector } from '../../fake-apiserver/api/label-selector.ts';
import { policyRef } from './cilium.ts';
import { ipInBlock } from './ip.ts';

export { ipInBlock };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Effective mTLS mode of a PeerAuthentication (DISABLE is treated as PERMISSIVE in ambient). */
export type MtlsMode = 'STRICT' | 'PERMISSIVE';

/** A compiled PeerAuthentication. `mode` null = UNSET (inherit). `portLevel` keys are workload ports. */
export interface CompiledPeerAuth {
  ref: string;
  namespace: string;
  selector: Record<string, string> | null;
  mode: MtlsMode | null;
  portLevel: ReadonlyMap<number, MtlsMode>;
  /** Sort key: creationTimestamp then name (the oldest policy wins). */
  order: string;
}

function mtlsMode(raw: Json): MtlsMode | null {
  const m = String(raw ?? 'UNSET').toUpperCase();
  if (m === 'STRICT') return 'STRICT';
  if (m === 'PERMISSIVE' || m === 'DISABLE') return 'PERMISSIVE';
  return null;
}

/** Compiles a PeerAuthentication object (security.istio.io/v1). */
export function compilePeerAuth(obj: KubeObject): CompiledPeerAuth {
  const spec = obj.spec ?? {};
  const selector = spec.selector ? { ...(spec.selector.matchLabels ?? {}) } : null;
  const portLevel = new Map<number, MtlsMode>();
  if (selector) {
    for (const [k, v] of Object.entries<Json>(spec.portLevelMtls ?? {})) {
      const mode = mtlsMode(v?.mode);
      if (/^\d+$/.test(k) && mode) portLevel.set(Number(k), mode);
    }
  }
  return {
    ref: policyRef(obj),
    namespace: obj.metadata.namespace ?? '',
    selector,
    mode: mtlsMode(spec.mtls?.mode),
    portLevel,
    order: `${obj.metadata.creationTimestamp ?? ''}\u0000${obj.metadata.name}`,
  };
}

/** The effective mode for one workload port, the PeerAuthentication that set it (null = default PERMISSIVE) and whether a `portLevelMtls` entry did. */
export interface EffectiveMtls {
  mode: MtlsMode;
  policy: string | null;
  portLevel: boolean;
}

function oldest(list: readonly CompiledPeerAuth[]): CompiledPeerAuth | undefined {
  return [...list].sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0))[0];
}

/**
 * Resolves the mTLS mode of `targetPort` on a workload (anchors-netpol §1.2 "PeerAuthentication";
 * reference §4.9): mesh (root namespace, no selector) < namespace (no selector) < workload selector
 * (not in the root namespace) < that selector policy's `portLevelMtls[targetPort]`; UNSET inherits;
 * the oldest policy wins among peers of the same level; default PERMISSIVE.
 */
export function effectiveMtls(
  rootPolicies: readonly CompiledPeerAuth[],
  nsPolicies: readonly CompiledPeerAuth[],
  rootNamespace: string,
  podNamespace: string,
  podLabels: Readonly<Record<string, string>> | undefined,
  targetPort: number,
): EffectiveMtls {
  const mesh = oldest(rootPolicies.filter((p) => p.selector === null));
  const ns = podNamespace === rootNamespace ? undefined : oldest(nsPolicies.filter((p) => p.selector === null));
  const workload = podNamespace === rootNamespace ? undefined : oldest(nsPolicies.filter((p) => p.selector !== null && matchesSelector({ matchLabels: p.selector }, podLabels)));
  let out: EffectiveMtls = { mode: 'PERMISSIVE', policy: null, portLevel: false };
  for (const p of [mesh, ns, workload]) if (p?.mode) out = { mode: p.mode, policy: p.ref, portLevel: false };
  const port = workload?.portLevel.get(targetPort);
  if (workload && port) out = { mode: port, policy: workload.ref, portLevel: true };
  return out;
}

/** A string matcher with Istio semantics: exact, prefix `abc*`, suffix `*abc`, presence `*`. */
export function istioStringMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

/** The connection as ztunnel sees it at the destination. Identity fields are null for plaintext sources. */
export interface ZtunnelConn {
  /** `<trustDomain>/ns/<ns>/sa/<sa>` when the source is captured (mTLS), else null. */
  principal: string | null;
  /** Source namespace from the peer certificate (null for plaintext). */
  namespace: string | null;
  /** Source service account (null for plaintext). */
  serviceAccount: string | null;
  sourceIp: string | null;
  destinationIp: string | null;
  /** Workload (container) port. */
  port: number;
  trustDomain: string;
}

interface SourceMatch {
  principals: string[] | null;
  notPrincipals: string[] | null;
  namespaces: string[] | null;
  notNamespaces: string[] | null;
  serviceAccounts: string[] | null;
  notServiceAccounts: string[] | null;
  ipBlocks: string[] | null;
  notIpBlocks: string[] | null;
  /** No L4 field at all (e.g. only `requestPrincipals`): ztunnel skips an empty match, so it never matches. */
  empty: boolean;
}

interface OperationMatch {
  ports: string[] | null;
  notPorts: string[] | null;
  /** No numeric `ports` / `notPorts` (e.g. only `methods`): an empty match, which never matches at ztunnel. */
  empty: boolean;
}

interface WhenCond {
  key: string;
  values: string[] | null;
  notValues: string[] | null;
}

interface AuthzRule {
  /** null = `from` absent/empty (any source). */
  from: SourceMatch[] | null;
  to: OperationMatch[] | null;
  when: WhenCond[];
  /**
   * The rule never matches at ztunnel: an ALLOW rule that used an HTTP-only attribute (istiod omits it),
   * or a DENY rule with a `when` condition on an HTTP key (that condition becomes an empty match).
   */
  dropped: boolean;
}

/** A compiled AuthorizationPolicy as ztunnel enforces it; `ignored` says why ztunnel skips it. */
export interface CompiledAuthz {
  ref: string;
  namespace: string;
  action: 'ALLOW' | 'DENY';
  selector: Record<string, string> | null;
  rules: AuthzRule[];
  ignored: string | null;
}

const L4_WHEN_KEYS = new Set(['source.ip', 'source.namespace', 'source.principal', 'destination.ip', 'destination.port']);
const HTTP_SOURCE_FIELDS = ['requestPrincipals', 'notRequestPrincipals', 'remoteIpBlocks', 'notRemoteIpBlocks'];
const HTTP_OPERATION_FIELDS = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];
const SOURCE_L4_FIELDS = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts', 'ipBlocks', 'notIpBlocks'];

function list(v: Json): string[] | null {
  return Array.isArray(v) && v.length > 0 ? v.map(String) : null;
}

function usesHttp(rule: Json): boolean {
  const nonEmpty = (v: Json) => Array.isArray(v) && v.length > 0;
  for (const f of rule?.from ?? []) if (HTTP_SOURCE_FIELDS.some((k) => nonEmpty(f?.source?.[k]))) return true;
  for (const t of rule?.to ?? []) if (HTTP_OPERATION_FIELDS.some((k) => nonEmpty(t?.operation?.[k]))) return true;
  for (const w of rule?.when ?? []) if (!L4_WHEN_KEYS.has(String(w?.key))) return true;
  return false;
}

const numericPorts = (v: string[] | null): boolean => v !== null && v.some((p) => /^\d+$/.test(p) && Number(p) <= 65535);

/**
 * Compiles an AuthorizationPolicy for ztunnel (anchors-netpol §1.2 "What ztunnel can enforce", as
 * istiod converts it for ambient): policies with `targetRefs`/`targetRef` (waypoint policies) and
 * CUSTOM / AUDIT actions are marked ignored; in ALLOW policies a rule with any HTTP-only attribute is
 * dropped; in DENY policies the HTTP parts are removed: a `from` / `to` entry left without L4 fields,
 * or a `when` condition on a non-L4 key, never matches, so such a rule has no effect (istio#61126).
 */
export function compileAuthorizationPolicy(obj: KubeObject): CompiledAuthz {
  const spec = obj.spec ?? {};
  const action = String(spec.action ?? 'ALLOW').toUpperCase();
  const ref = policyRef(obj);
  const base = { ref, namespace: obj.metadata.namespace ?? '', selector: spec.selector ? { ...(spec.selector.matchLabels ?? {}) } : null };
  if ((Array.isArray(spec.targetRefs) && spec.targetRefs.length > 0) || spec.targetRef) {
    return { ...base, action: 'ALLOW', rules: [], ignored: 'targetRefs policies are enforced by waypoints, not ztunnel' };
  }
  if (action !== 'ALLOW' && action !== 'DENY') return { ...base, action: 'ALLOW', rules: [], ignored: `ztunnel does not support the ${action} action` };
  const rules: AuthzRule[] = (Array.isArray(spec.rules) ? spec.rules : []).map((r: Json): AuthzRule => {
    const from: SourceMatch[] | null = Array.isArray(r?.from) && r.from.length > 0
      ? r.from.map((f: Json) => {
          const s = f?.source ?? {};
          return {
            principals: list(s.principals),
            notPrincipals: list(s.notPrincipals),
            namespaces: list(s.namespaces),
            notNamespaces: list(s.notNamespaces),
            serviceAccounts: list(s.serviceAccounts),
            notServiceAccounts: list(s.notServiceAccounts),
            ipBlocks: list(s.ipBlocks),
            notIpBlocks: list(s.notIpBlocks),
            empty: !SOURCE_L4_FIELDS.some((k) => list(s[k]) !== null),
          };
        })
      : null;
    const to: OperationMatch[] | null = Array.isArray(r?.to) && r.to.length > 0
      ? r.to.map((t: Json) => {
          const ports = list(t?.operation?.ports);
          const notPorts = list(t?.operation?.notPorts);
          return { ports, notPorts, empty: !numericPorts(ports) && !numericPorts(notPorts) };
        })
      : null;
    const when: WhenCond[] = (Array.isArray(r?.when) ? r.when : [])
      .filter((w: Json) => L4_WHEN_KEYS.has(String(w?.key)))
      .map((w: Json) => ({ key: String(w.key), values: list(w.values), notValues: list(w.notValues) }));
    const httpWhen = (Array.isArray(r?.when) ? r.when : []).some((w: Json) => !L4_WHEN_KEYS.has(String(w?.key)));
    return { from, to, when, dropped: action === 'ALLOW' ? usesHttp(r) : httpWhen };
  });
  return { ...base, action: action as 'ALLOW' | 'DENY', rules, ignored: null };
}

/** True when the policy applies to a workload (anchors-netpol §1.2 "Attachment / scope"). */
export function authzApplies(p: CompiledAuthz, podLabels: Readonly<Record<string, string>> | undefined): boolean {
  return p.ignored === null && (p.selector === null || matchesSelector({ matchLabels: p.selector }, podLabels));
}

function principalPattern(p: string, trustDomain: string): string {
  return p.startsWith('cluster.local/') ? `${trustDomain}/${p.slice('cluster.local/'.length)}` : p;
}

// The matchers below are written without closures: they run for every probe that reaches ztunnel.

function anyString(patterns: readonly string[], value: string | null): boolean {
  if (value === null) return false;
  for (const p of patterns) if (istioStringMatch(p, value)) return true;
  return false;
}

function anyPrincipal(patterns: readonly string[], c: ZtunnelConn): boolean {
  if (c.principal === null) return false;
  for (const p of patterns) if (istioStringMatch(principalPattern(p, c.trustDomain), c.principal)) return true;
  return false;
}

function anyServiceAccount(entries: readonly string[], c: ZtunnelConn, policyNs: string): boolean {
  if (c.namespace === null) return false;
  for (const e of entries) {
    if (e.includes('/') ? e === `${c.namespace}/${c.serviceAccount}` : policyNs === c.namespace && e === c.serviceAccount) return true;
  }
  return false;
}

function anyIpBlock(blocks: readonly string[], ip: string | null): boolean {
  if (ip === null) return false;
  for (const b of blocks) if (ipInBlock(ip, b)) return true;
  return false;
}

function sourceMatches(s: SourceMatch, c: ZtunnelConn, policyNs: string): boolean {
  if (s.empty) return false;
  if (s.principals && !anyPrincipal(s.principals, c)) return false;
  if (s.notPrincipals && anyPrincipal(s.notPrincipals, c)) return false;
  if (s.namespaces && !anyString(s.namespaces, c.namespace)) return false;
  if (s.notNamespaces && anyString(s.notNamespaces, c.namespace)) return false;
  if (s.serviceAccounts && !anyServiceAccount(s.serviceAccounts, c, policyNs)) return false;
  if (s.notServiceAccounts && anyServiceAccount(s.notServiceAccounts, c, policyNs)) return false;
  if (s.ipBlocks && !anyIpBlock(s.ipBlocks, c.sourceIp)) return false;
  if (s.notIpBlocks && anyIpBlock(s.notIpBlocks, c.sourceIp)) return false;
  return true;
}

/** True when a `ports` list names `port` (entries that are not numbers never match: ztunnel drops them). */
function listsPort(list: readonly string[], port: number): boolean {
  const text = String(port);
  for (const p of list) if (p === text || (/^\d+$/.test(p) && Number(p) === port)) return true;
  return false;
}

function portsMatch(o: OperationMatch, port: number): boolean {
  if (o.empty) return false;
  if (o.ports && !listsPort(o.ports, port)) return false;
  if (o.notPorts && listsPort(o.notPorts, port)) return false;
  return true;
}

function whenMatches(w: WhenCond, c: ZtunnelConn): boolean {
  let test: (v: string) => boolean;
  switch (w.key) {
    case 'source.principal':
      test = (v) => anyString([principalPattern(v, c.trustDomain)], c.principal);
      break;
    case 'source.namespace':
      test = (v) => anyString([v], c.namespace);
      break;
    case 'source.ip':
      test = (v) => c.sourceIp !== null && ipInBlock(c.sourceIp, v);
      break;
    case 'destination.ip':
      test = (v) => c.destinationIp !== null && ipInBlock(c.destinationIp, v);
      break;
    default:
      test = (v) => v === String(c.port);
  }
  if (w.values && !w.values.some(test)) return false;
  if (w.notValues && w.notValues.some(test)) return false;
  return true;
}

function ruleMatches(r: AuthzRule, c: ZtunnelConn, policyNs: string): boolean {
  if (r.dropped) return false;
  if (r.from) {
    let any = false;
    for (const s of r.from) if ((any = sourceMatches(s, c, policyNs))) break;
    if (!any) return false;
  }
  if (r.to) {
    let any = false;
    for (const o of r.to) if ((any = portsMatch(o, c.port))) break;
    if (!any) return false;
  }
  for (const w of r.when) if (!whenMatches(w, c)) return false;
  return true;
}

function anyRuleMatches(p: CompiledAuthz, c: ZtunnelConn): boolean {
  for (const r of p.rules) if (ruleMatches(r, c, p.namespace)) return true;
  return false;
}

/** Outcome of the ztunnel AuthorizationPolicy check. */
export interface AuthzOutcome {
  allowed: boolean;
  /** Deciding policy ref: the DENY that matched, the ALLOW that matched, the only ALLOW when none matched; else null. */
  policy: string | null;
  reason: string;
}

/**
 * ztunnel's L4 decision for one destination workload (anchors-netpol §1.2 "Decision order"): any
 * matching DENY ⇒ deny; no ALLOW applies ⇒ allow; a matching ALLOW ⇒ allow; else deny ("allow
 * policies exist, but none allowed"). `policies` must already be filtered with {@link authzApplies}
 * and sorted deterministically.
 */
export function evaluateAuthz(policies: readonly CompiledAuthz[], c: ZtunnelConn): AuthzOutcome {
  const src = c.principal ?? 'plaintext source (no principal)';
  for (const p of policies) {
    if (p.action === 'DENY' && anyRuleMatches(p, c)) {
      return { allowed: false, policy: p.ref, reason: `explicitly denied by ${p.ref} (${src}, port ${c.port})` };
    }
  }
  const allows = policies.filter((p) => p.action === 'ALLOW');
  if (allows.length === 0) return { allowed: true, policy: null, reason: 'no AuthorizationPolicy applies' };
  for (const p of allows) {
    if (anyRuleMatches(p, c)) return { allowed: true, policy: p.ref, reason: `allowed by ${p.ref} (${src}, port ${c.port})` };
  }
  return {
    allowed: false,
    policy: allows.length === 1 ? allows[0].ref : null,
    reason: `allow policies exist, but none allowed (${src}, port ${c.port}; ALLOW policies: ${allows.map((p) => p.ref).join(', ')})`,
  };
}
