/**
 * Istio ambient waypoints (anchors-netpol §1.2 "Waypoint enrollment", §1.0 steps 2 and 6; Istio
 * documentation "Configure waypoint proxies", "Use Layer 7 features"): which waypoint a Service's
 * traffic goes through, and the L7 AuthorizationPolicy decision a waypoint makes with the policies
 * attached to it by `targetRefs` (Service, Gateway, or GatewayClass `istio-waypoint` in the root
 * namespace). Waypoints ignore `selector` policies; ztunnel ignores `targetRefs` ones.
 *
 * Inferred (anchors-netpol §6, to hold against a live cluster): the waypoint's service account is the
 * Gateway's name; `ports` in a waypoint policy compare with the Service port (the listener sees the
 * Service VIP); a source that is not in the mesh does not go through the waypoint.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { policyRef } from './cilium.ts';
import { ipInBlock } from './ip.ts';
import { istioStringMatch } from './ztunnel.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** The enrollment label on a Service or Namespace. */
export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';
/** The label on a waypoint Gateway saying what traffic it serves (`service` by default). */
export const WAYPOINT_FOR_LABEL = 'istio.io/waypoint-for';
/** The label Istio puts on a waypoint's pods. */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** The waypoint a Service uses: requested by label, and whether it can carry the traffic (else bypassed, with the reason). */
export interface WaypointChoice {
  namespace: string;
  name: string;
  /** The Gateway object, when present. */
  gateway: KubeObject | undefined;
  /** Why the waypoint is bypassed (traffic goes direct, its L7 policies silently unapplied); null = used. */
  bypass: string | null;
}

/**
 * The waypoint requested for traffic addressed to Service `svc` (label on the Service, else on its
 * Namespace; `none` opts out), or null when none is requested.
 */
export function requestedWaypoint(svc: KubeObject, ns: KubeObject | undefined, gateway: (ns: string, name: string) => KubeObject | undefined): WaypointChoice | null {
  const value = svc.metadata.labels?.[USE_WAYPOINT_LABEL] ?? ns?.metadata.labels?.[USE_WAYPOINT_LABEL];
  if (value === undefined || value === '' || value === 'none') return null;
  const svcNs = svc.metadata.namespace ?? 'default';
  const [wns, wname] = value.includes('/') ? value.split('/', 2) : [svcNs, value];
  const gw = gateway(wns, wname);
  let bypass: string | null = null;
  if (!gw) bypass = `waypoint Gateway ${wns}/${wname} does not exist`;
  else if (gw.spec?.gatewayClassName !== 'istio-waypoint') bypass = `Gateway ${wns}/${wname} is not of class istio-waypoint`;
  else {
    const forWhat = gw.metadata.labels?.[WAYPOINT_FOR_LABEL] ?? 'service';
    if (forWhat !== 'service' && forWhat !== 'all') bypass = `waypoint ${wns}/${wname} is for ${forWhat} traffic, not service traffic`;
  }
  return { namespace: wns, name: wname, gateway: gw, bypass };
}

/** One compiled waypoint AuthorizationPolicy rule (full L7 matching). */
interface WpRule {
  from: Json[] | null;
  to: Json[] | null;
  when: Json[];
}

/** A waypoint policy: action and rules; `attached` says which targets it names. */
export interface CompiledWaypointAuthz {
  ref: string;
  namespace: string;
  action: 'ALLOW' | 'DENY';
  targets: { group: string; kind: string; name: string }[];
  rules: WpRule[];
}

/** Compiles the `targetRefs` AuthorizationPolicies (ALLOW / DENY; CUSTOM and AUDIT are not modelled), else null. */
export function compileWaypointAuthz(obj: KubeObject): CompiledWaypointAuthz | null {
  const spec = obj.spec ?? {};
  const refs = [...(Array.isArray(spec.targetRefs) ? spec.targetRefs : []), ...(spec.targetRef ? [spec.targetRef] : [])];
  if (refs.length === 0) return null;
  const action = String(spec.action ?? 'ALLOW').toUpperCase();
  if (action !== 'ALLOW' && action !== 'DENY') return null;
  return {
    ref: policyRef(obj),
    namespace: obj.metadata.namespace ?? '',
    action,
    targets: refs.map((r: Json) => ({ group: String(r?.group ?? ''), kind: String(r?.kind ?? ''), name: String(r?.name ?? '') })),
    rules: (Array.isArray(spec.rules) ? spec.rules : []).map((r: Json) => ({
      from: Array.isArray(r?.from) && r.from.length > 0 ? r.from.map((f: Json) => f?.source ?? {}) : null,
      to: Array.isArray(r?.to) && r.to.length > 0 ? r.to.map((t: Json) => t?.operation ?? {}) : null,
      when: Array.isArray(r?.when) ? r.when : [],
    })),
  };
}

/** True when a waypoint policy is attached to the waypoint `gw` serving Service `svc`. */
export function attachedTo(p: CompiledWaypointAuthz, svc: KubeObject, gw: KubeObject, rootNamespace: string): boolean {
  return p.targets.some(
    (t) =>
      (t.kind === 'Service' && p.namespace === svc.metadata.namespace && t.name === svc.metadata.name) ||
      (t.kind === 'Gateway' && p.namespace === gw.metadata.namespace && t.name === gw.metadata.name) ||
      (t.kind === 'GatewayClass' && p.namespace === rootNamespace && t.name === 'istio-waypoint'),
  );
}

/** The HTTP request as the waypoint sees it. */
export interface WaypointRequest {
  principal: string;
  namespace: string;
  sourceIp: string | null;
  /** Service port (the listener sees the Service VIP; inferred). */
  port: number;
  method: string;
  path: string;
  host: string;
  trustDomain: string;
}

const list = (v: Json): string[] | null => (Array.isArray(v) && v.length > 0 ? v.map(String) : null);
const any = (patterns: string[], value: string | null) => value !== null && patterns.some((p) => istioStringMatch(p, value));
const principal = (p: string, td: string) => (p.startsWith('cluster.local/') ? `${td}/${p.slice('cluster.local/'.length)}` : p);
/** Istio `paths` also take `{*}` / `{**}` templates; here only exact, prefix, suffix and presence are matched. */
const pathMatch = (patterns: string[], path: string) => patterns.some((p) => istioStringMatch(p, path));

function check(pos: string[] | null, neg: string[] | null, test: (l: string[]) => boolean): boolean {
  if (pos && !test(pos)) return false;
  if (neg && test(neg)) return false;
  return true;
}

function sourceOk(s: Json, r: WaypointRequest): boolean {
  return (
    check(list(s.principals), list(s.notPrincipals), (l) => any(l.map((p) => principal(p, r.trustDomain)), r.principal)) &&
    check(list(s.namespaces), list(s.notNamespaces), (l) => any(l, r.namespace)) &&
    check(list(s.ipBlocks), list(s.notIpBlocks), (l) => r.sourceIp !== null && l.some((b) => ipInBlock(r.sourceIp as string, b))) &&
    // request principals (JWT) and remote IP blocks: the probe carries no JWT and no X-Forwarded-For.
    !list(s.requestPrincipals) &&
    !list(s.remoteIpBlocks)
  );
}

function operationOk(o: Json, r: WaypointRequest): boolean {
  return (
    check(list(o.ports), list(o.notPorts), (l) => l.includes(String(r.port))) &&
    check(list(o.methods), list(o.notMethods), (l) => l.includes(r.method)) &&
    check(list(o.paths), list(o.notPaths), (l) => pathMatch(l, r.path)) &&
    check(list(o.hosts), list(o.notHosts), (l) => any(l, r.host) || any(l, `${r.host}:${r.port}`))
  );
}

function whenOk(w: Json, r: WaypointRequest): boolean {
  const key = String(w?.key ?? '');
  const value =
    key === 'source.principal' ? r.principal : key === 'source.namespace' ? r.namespace : key === 'destination.port' ? String(r.port) : key === 'request.method' ? r.method : key === 'source.ip' ? r.sourceIp : null;
  // Other keys (request headers, JWT claims...) have no value in a probe: a positive condition fails.
  return check(list(w?.values), list(w?.notValues), (l) => value !== null && l.some((v) => (key === 'source.ip' ? ipInBlock(value, v) : istioStringMatch(key === 'source.principal' ? principal(v, r.trustDomain) : v, value))));
}

function ruleOk(rule: WpRule, r: WaypointRequest): boolean {
  if (rule.from && !rule.from.some((s) => sourceOk(s, r))) return false;
  if (rule.to && !rule.to.some((o) => operationOk(o, r))) return false;
  return rule.when.every((w) => whenOk(w, r));
}

/** The waypoint's L7 decision: DENY first, then ALLOW (allow when none applies), as Envoy RBAC does. */
export function evaluateWaypointAuthz(policies: readonly CompiledWaypointAuthz[], r: WaypointRequest): { allowed: boolean; policy: string | null; reason: string } {
  const what = `${r.principal} ${r.method} ${r.path} port ${r.port}`;
  for (const p of policies) {
    if (p.action === 'DENY' && p.rules.some((rule) => ruleOk(rule, r))) return { allowed: false, policy: p.ref, reason: `HTTP 403 "RBAC: access denied" from the waypoint: denied by ${p.ref} (${what})` };
  }
  const allows = policies.filter((p) => p.action === 'ALLOW');
  if (allows.length === 0) return { allowed: true, policy: null, reason: 'no waypoint AuthorizationPolicy applies' };
  for (const p of allows) if (p.rules.some((rule) => ruleOk(rule, r))) return { allowed: true, policy: p.ref, reason: `waypoint allowed by ${p.ref} (${what})` };
  return {
    allowed: false,
    policy: allows.length === 1 ? allows[0].ref : null,
    reason: `HTTP 403 "RBAC: access denied" from the waypoint: no ALLOW policy matched (${what}; ALLOW policies: ${allows.map((p) => p.ref).join(', ')})`,
  };
}
