/**
 * The policy conformance table: each case is `policies + pods + Services + probe → verdict and deciding
 * layer`, and cites the documented rule it checks (a Cilium or Istio documentation section, or an item of
 * ../../../shared/research/anchors-netpol.md: "A§1.1" = section 1.1, "A§3.n" = pitfall n). The world
 * and the case shape are in conformance-world.ts; conformance.test.ts runs the table.
 *
 * Default probe: `front/web-0` (app=web, sa web) → Service `back/api:80` → `back/api-0` targetPort `http`
 * 8080. Not ambient unless `world.ambient` says so; both ambient ⇒ Cilium sees TCP 15008 (HBONE).
 */
import { authorizationPolicy, ccnp, cnp, networkPolicy, peerAuthentication } from './fixtures.ts';
import { APP_PODS, dnsEgress, type ConformanceCase } from './conformance-world.ts';

// Documentation sections cited by the cases.
const C_RULES = 'Cilium docs, Policy Enforcement › Rule Basics (policy/intro)';
const C_DEFAULT_DENY = 'Cilium docs, Policy Enforcement › Endpoint default policy / enableDefaultDeny (policy/intro)';
const C_K8S_NS = 'Cilium docs, Kubernetes › Namespaces: CNP selectors are namespace-scoped, CCNP selectors are not (policy/kubernetes)';
const C_EP = 'Cilium docs, Layer 3 Examples › Endpoints Based (policy/language)';
const C_ENT = 'Cilium docs, Layer 3 Examples › Entities Based (policy/language)';
const C_CIDR = 'Cilium docs, Layer 3 Examples › IP/CIDR based: CIDR rules match only peers without a Cilium identity (policy/language)';
const C_SVC = 'Cilium docs, Layer 3 Examples › Services based (policy/language)';
const C_DNS = 'Cilium docs, Layer 3 Examples › DNS based: toFQDNs needs a DNS rule that sends lookups through the DNS proxy (policy/language)';
const C_L4 = 'Cilium docs, Layer 4 Examples: ports after service translation, named ports, protocol (policy/language)';
const C_L7 = 'Cilium docs, Layer 7 Examples › HTTP (policy/language)';
const C_L7_DNS = 'Cilium docs, Layer 7 Examples › DNS Policy and IP Discovery: matchName / matchPattern (policy/language)';
const C_DENY = 'Cilium docs, Deny Policies: deny rules take precedence over allow rules (policy/language)';
const C_IDLABELS = 'Cilium docs, Limiting Identity-Relevant Labels: default exclusive patterns, anchored at the start of the key';
const C_ISTIO = 'Cilium docs, Integration with Istio: Cilium L7 HTTP policy cannot inspect mTLS traffic';
const I_AP = 'Istio docs, Authorization Policy reference (security.istio.io/v1 AuthorizationPolicy)';
const I_AP_ORDER = 'Istio docs, Authorization Policy reference: CUSTOM, then DENY, then ALLOW, then default';
const I_L4 = 'Istio docs, Ambient › Use Layer 4 security policy: allowed policy attributes at ztunnel';
const I_DENY_L7 = 'istio/istio#61126 and PR #61166 (ambient status: a DENY left without enforceable rules after omitting HTTP attributes "will have no effect"; mixed L4 + HTTP is "enforced without the HTTP rules")';
const I_PA = 'Istio docs, PeerAuthentication reference (mtls mode, portLevelMtls)';
const I_ENROLL = 'Istio docs, Ambient › Add workloads to the mesh (istio.io/dataplane-mode on namespace or pod)';
const I_NETPOL = 'Istio docs, Ambient › Ambient and Kubernetes NetworkPolicy: HBONE on port 15008';
const I_WAYPOINT = 'Istio docs, Ambient › Use Layer 7 features / Configure waypoint proxies';
const K_NP = 'Kubernetes docs, Network Policies (networking.k8s.io/v1), as Cilium enforces them';
const A11 = 'A§1.1';
const A12 = 'A§1.2';

const web = { matchLabels: { app: 'web' } };
const api = { matchLabels: { app: 'api' } };
const webInFront = { matchLabels: { app: 'web', 'k8s:io.kubernetes.pod.namespace': 'front' } };
const apiInBack = { matchLabels: { app: 'api', 'k8s:io.kubernetes.pod.namespace': 'back' } };
const ports = (...p: (string | { port: string; protocol?: string; endPort?: number })[]) => [{ ports: p.map((x) => (typeof x === 'string' ? { port: x } : x)) }];
/** A CNP on back/api-0 with these ingress elements (and extra spec fields). */
const apiIn = (name: string, ingress: object[], extra: object = {}) => cnp('back', name, { endpointSelector: api, ingress, ...extra });
/** A CNP on front/web-0 with these egress elements (DNS kept by the default CCNP). */
const webOut = (name: string, egress: object[], extra: object = {}) => cnp('front', name, { endpointSelector: web, egress, ...extra });
/** Ingress to api from web only on a port list. */
const fromWebOn = (...p: Parameters<typeof ports>) => apiIn('api-in', [{ fromEndpoints: [webInFront], toPorts: ports(...p) }]);
/** Ingress to api from a pod selected by one identity label (namespace-qualified). */
const fromLabel = (key: string, value: string) => apiIn('api-in', [{ fromEndpoints: [{ matchLabels: { [key]: value, 'k8s:io.kubernetes.pod.namespace': 'front' } }] }]);
/** The platform-style cluster default deny: egress only DNS, written with NO ingress rules. */
const defaultDenyNoIngress = ccnp('default-deny', { endpointSelector: APP_PODS, egress: [dnsEgress([{ matchPattern: '*' }])] });
const ap = (name: string, spec: object, ns = 'back') => authorizationPolicy(ns, name, spec);
const allowFrom = (...principals: string[]) => ({ selector: api, action: 'ALLOW', rules: [{ from: [{ source: { principals } }] }] });
const WEB_PRINCIPAL = 'cluster.local/ns/front/sa/web';

const CNP = (name: string) => `CiliumNetworkPolicy ${name}`;
const CCNP = (name: string) => `CiliumClusterwideNetworkPolicy ${name}`;
const AP = (name: string) => `AuthorizationPolicy ${name}`;

/** The table. Names are behaviour sentences; each is unique. */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  // ---- baseline, readiness, Service resolution ----
  { name: 'no policy at all: the probe is allowed and no layer decides', cite: C_RULES, expect: { decision: 'allow', layer: 'none', policy: null } },
  { name: 'both namespaces ambient, no policy: allowed over HBONE 15008', cite: I_NETPOL, world: { ambient: 'both' }, expect: { decision: 'allow', layer: 'none', reason: 'wire TCP 15008 (HBONE)' } },
  { name: 'a source pod that is not Ready sends nothing', cite: 'A§1.0 (probe model)', world: { webReady: false }, expect: { decision: 'deny', layer: 'none', reason: 'is not Ready' } },
  { name: 'a backend that is not Ready is not an endpoint', cite: 'Kubernetes EndpointSlice conditions.ready', world: { apiReady: false }, expect: { decision: 'deny', layer: 'none', reason: 'no ready endpoints' } },
  { name: 'probing the targetPort number on the Service address is refused (Service port ≠ targetPort)', cite: 'A§3.4', probe: { port: 8080 }, expect: { decision: 'deny', layer: 'none', reason: 'connection refused' } },

  // ---- endpointSelector matching ----
  { name: 'a CNP selecting api with an ingress allow from web lets web in', cite: C_EP, world: { cnps: [apiIn('api-in', [{ fromEndpoints: [webInFront] }])] }, expect: { decision: 'allow', layer: 'none', policy: CNP('back/api-in') } },
  { name: 'a CNP whose endpointSelector matches no pod (typo) isolates nothing', cite: 'A§3.1', world: { cnps: [cnp('back', 'typo', { endpointSelector: { matchLabels: { app: 'apii' } }, ingress: [{ fromEntities: ['world'] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a matchExpressions In endpointSelector selects api, which is then isolated for ingress', cite: C_EP, world: { cnps: [cnp('back', 'expr', { endpointSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'db'] }] }, ingress: [{ fromEntities: ['world'] }] })] }, expect: { decision: 'deny', layer: 'cilium-ingress', reason: 'default deny' } },
  { name: 'an empty endpointSelector in a CNP selects every pod of its namespace', cite: C_K8S_NS, world: { cnps: [cnp('back', 'all-back', { endpointSelector: {}, ingress: [{ fromEntities: ['world'] }] })] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'a CNP in another namespace never selects api, even with a matching selector', cite: C_K8S_NS, world: { cnps: [cnp('front', 'wrong-ns', { endpointSelector: api, ingress: [{ fromEntities: ['world'] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a CCNP endpointSelector selects pods in every namespace', cite: C_K8S_NS, world: { ccnps: [ccnp('api-anywhere', { endpointSelector: api, ingress: [{ fromEntities: ['world'] }] })] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'a CCNP endpointSelector on a namespace label selects the pods of that namespace', cite: `${C_K8S_NS}; ${A11} namespace labels`, world: { ccnps: [ccnp('frontend-out', { endpointSelector: { matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.team': 'frontend' } }, egress: [{ toEntities: ['world'] }] })] }, expect: { decision: 'deny', layer: 'cilium-egress', reason: 'default deny' } },

  // ---- namespace pinning of peer selectors ----
  { name: 'CNP fromEndpoints without a namespace key is pinned to the policy namespace: web in front is refused', cite: `${C_K8S_NS}; A§3.3`, world: { cnps: [apiIn('api-in', [{ fromEndpoints: [web] }])] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'CNP fromEndpoints naming the source namespace reaches across namespaces', cite: C_K8S_NS, world: { cnps: [apiIn('api-in', [{ fromEndpoints: [webInFront] }])] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'CNP fromEndpoints on a namespace label is not pinned to the policy namespace', cite: `${C_K8S_NS}; ${A11} (cilium PR #30650)`, world: { cnps: [apiIn('api-in', [{ fromEndpoints: [{ matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.team': 'frontend' } }] }])] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'CCNP fromEndpoints without a namespace key matches pods of any namespace', cite: `${C_K8S_NS}; A§3.3`, world: { ccnps: [ccnp('api-in', { endpointSelector: api, ingress: [{ fromEndpoints: [web] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'CNP fromEndpoints {} means every pod of the policy namespace only', cite: `${C_K8S_NS}; ${A11} empty selector`, world: { cnps: [apiIn('api-in', [{ fromEndpoints: [{}] }])] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'CCNP fromEndpoints {} means every pod of the cluster', cite: `${C_K8S_NS}; ${A11} empty selector`, world: { ccnps: [ccnp('api-in', { endpointSelector: api, ingress: [{ fromEndpoints: [{}] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'CNP toEndpoints without a namespace key is pinned to the source namespace: egress to back is refused', cite: `${C_K8S_NS}; A§3.3`, world: { cnps: [webOut('web-out', [{ toEndpoints: [api] }])] }, expect: { decision: 'deny', layer: 'cilium-egress', reason: 'default deny' } },
  { name: 'CNP toEndpoints naming the destination namespace allows egress', cite: C_K8S_NS, world: { cnps: [webOut('web-out', [{ toEndpoints: [apiInBack] }])] }, expect: { decision: 'allow', layer: 'none', policy: CNP('front/web-out') } },

  // ---- isolation per direction ----
  {
    name: 'a CCNP "default-deny" written with egress rules and NO ingress rules isolates egress: web cannot reach api',
    cite: `${C_DEFAULT_DENY}; A§3.13`,
    world: { dns: false, ccnps: [defaultDenyNoIngress] },
    expect: { decision: 'deny', layer: 'cilium-egress', reason: 'default deny: no egress rule of CiliumClusterwideNetworkPolicy default-deny' },
  },
  {
    name: 'a CCNP "default-deny" with NO ingress rules does NOT isolate ingress: once web may send, api accepts it with no ingress allow anywhere',
    cite: `${C_DEFAULT_DENY}; A§3.13`,
    world: { dns: false, ccnps: [defaultDenyNoIngress], cnps: [webOut('web-out', [{ toEndpoints: [apiInBack] }])] },
    expect: { decision: 'allow', layer: 'none', reason: 'ingress not enforced' },
  },
  { name: 'an explicitly empty ingress list does not isolate ingress', cite: `${C_DEFAULT_DENY}; A§3.12`, world: { ccnps: [ccnp('empty-ingress', { endpointSelector: APP_PODS, ingress: [] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'ingress: [{}] is an L3 wildcard: allow-all, not deny-all', cite: `${C_RULES}; A§3.12`, world: { cnps: [apiIn('allow-all', [{}])] }, expect: { decision: 'allow', layer: 'none', policy: CNP('back/allow-all') } },
  { name: 'an element with an explicitly empty fromEntities isolates and matches nothing', cite: `${A11} empty-vs-absent`, world: { cnps: [apiIn('nothing', [{ fromEntities: [] }])] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'an ingress-only policy on web does not isolate web egress', cite: C_DEFAULT_DENY, world: { cnps: [cnp('front', 'web-in', { endpointSelector: web, ingress: [{ fromEntities: ['world'] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'an egress allow to somewhere else isolates web egress', cite: C_DEFAULT_DENY, world: { cnps: [webOut('web-out', [{ toEntities: ['world'] }])] }, expect: { decision: 'deny', layer: 'cilium-egress', policy: null } },

  // ---- deny rules ----
  {
    name: 'an ingressDeny rule beats an ingress allow of another policy and names its policy',
    cite: C_DENY,
    world: { cnps: [apiIn('allow-web', [{ fromEndpoints: [webInFront] }]), cnp('back', 'deny-web', { endpointSelector: api, ingressDeny: [{ fromEndpoints: [webInFront] }] })] },
    expect: { decision: 'deny', layer: 'cilium-ingress', policy: CNP('back/deny-web'), reason: 'ingressDeny rule' },
  },
  {
    name: 'a CCNP ingressDeny beats a CNP allow-all',
    cite: C_DENY,
    world: { cnps: [apiIn('allow-all', [{}])], ccnps: [ccnp('deny-front', { endpointSelector: api, ingressDeny: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'front' } }] }] })] },
    expect: { decision: 'deny', layer: 'cilium-ingress', policy: CCNP('deny-front') },
  },
  { name: 'a deny-only policy flips api to default deny: web, not named by the deny, is refused', cite: `${C_DENY}; A§3.14`, world: { cnps: [cnp('back', 'deny-world', { endpointSelector: api, ingressDeny: [{ fromEntities: ['world'] }] })] }, expect: { decision: 'deny', layer: 'cilium-ingress', policy: null, reason: 'default deny' } },
  { name: 'a deny-only policy with enableDefaultDeny.ingress false only subtracts', cite: `${C_DENY}; ${C_DEFAULT_DENY}; A§3.14`, world: { cnps: [cnp('back', 'deny-world', { endpointSelector: api, enableDefaultDeny: { ingress: false }, ingressDeny: [{ fromEntities: ['world'] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'an egressDeny on the targetPort stops web at egress', cite: C_DENY, world: { cnps: [webOut('no-8080', [], { enableDefaultDeny: { egress: false }, egressDeny: [{ toPorts: ports('8080') }] })] }, expect: { decision: 'deny', layer: 'cilium-egress', policy: CNP('front/no-8080') } },
  { name: 'an ingressDeny on another port does not match; the allow stands', cite: C_DENY, world: { cnps: [apiIn('allow-web', [{ fromEndpoints: [webInFront] }], { ingressDeny: [{ fromEndpoints: [webInFront], toPorts: ports('9090') }] })] }, expect: { decision: 'allow', layer: 'none' } },

  // ---- enableDefaultDeny ----
  { name: 'enableDefaultDeny.ingress false turns a non-matching allow list into allow-all', cite: C_DEFAULT_DENY, world: { cnps: [apiIn('relaxed', [{ fromEntities: ['world'] }], { enableDefaultDeny: { ingress: false } })] }, expect: { decision: 'allow', layer: 'none', reason: 'enableDefaultDeny.ingress false' } },
  {
    name: 'one selecting policy keeping default deny wins over another that disables it',
    cite: C_DEFAULT_DENY,
    world: { cnps: [apiIn('relaxed', [{ fromEntities: ['world'] }], { enableDefaultDeny: { ingress: false } }), apiIn('strict', [{ fromEntities: ['host'] }])] },
    expect: { decision: 'deny', layer: 'cilium-ingress', policy: null },
  },
  {
    name: 'enableDefaultDeny false does not relax L7: a request outside the HTTP rules gets 403',
    cite: `${C_DEFAULT_DENY} (warning on L7); ${C_L7}`,
    world: { cnps: [apiIn('l7', [{ fromEndpoints: [webInFront], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }], rules: { http: [{ method: 'GET', path: '/health' }] } }] }], { enableDefaultDeny: { ingress: false } })] },
    expect: { decision: 'deny', layer: 'cilium-ingress', reason: 'HTTP 403' },
  },

  // ---- entities ----
  { name: 'fromEntities cluster includes every pod', cite: C_ENT, world: { cnps: [apiIn('cluster', [{ fromEntities: ['cluster'] }])] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'fromEntities world does not include pods', cite: C_ENT, world: { cnps: [apiIn('world', [{ fromEntities: ['world'] }])] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'fromEntities host does not include pods', cite: C_ENT, world: { cnps: [apiIn('host', [{ fromEntities: ['host', 'remote-node'] }])] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'fromEntities kube-apiserver does not include pods', cite: C_ENT, world: { cnps: [apiIn('apiserver', [{ fromEntities: ['kube-apiserver'] }])] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'toEntities all includes in-cluster pods', cite: C_ENT, world: { cnps: [webOut('all', [{ toEntities: ['all'] }])] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'toEntities world does not reach an in-cluster Service', cite: C_ENT, world: { cnps: [webOut('world', [{ toEntities: ['world'] }])] }, expect: { decision: 'deny', layer: 'cilium-egress' } },
  { name: 'toEntities kube-apiserver allows the API server, not an in-cluster Service', cite: `${C_ENT}; A§3.16`, world: { cnps: [webOut('apiserver', [{ toEntities: ['kube-apiserver'] }])] }, expect: { decision: 'deny', layer: 'cilium-egress' } },
  // Examiner finding (cli/e2e/connectivity-examiner egress-kube-apiserver-entity and neighbours): the backends of default/kubernetes are the kube-apiserver entity.
  { name: 'toEntities kube-apiserver reaches the API server Service default/kubernetes', cite: `${C_ENT} (kube-apiserver); A§3.16`, world: { cnps: [webOut('apiserver', [{ toEntities: ['kube-apiserver'] }])] }, probe: { to: 'default/kubernetes', port: 443 }, expect: { decision: 'allow', layer: 'none', policy: CNP('front/apiserver'), reason: 'kube-apiserver 172.18.0.2' } },
  { name: 'toEntities world does not reach an in-cluster API server', cite: `${C_ENT} (world = outside the cluster); A§3.16`, world: { cnps: [webOut('world', [{ toEntities: ['world'] }])] }, probe: { to: 'default/kubernetes', port: 443 }, expect: { decision: 'deny', layer: 'cilium-egress' } },
  { name: 'toEntities cluster includes an in-cluster API server (host / remote-node)', cite: `${C_ENT} (cluster includes host and remote-node)`, world: { cnps: [webOut('cluster', [{ toEntities: ['cluster'] }])] }, probe: { to: 'default/kubernetes', port: 443 }, expect: { decision: 'allow', layer: 'none' } },
  { name: "toCIDR of the API server's node address does not match it (node addresses are not CIDR-selectable by default)", cite: `${C_CIDR}; Cilium docs policy-cidr-match-mode; A§3.16`, world: { cnps: [webOut('cidr', [{ toCIDR: ['172.18.0.2/32'] }])] }, probe: { to: 'default/kubernetes', port: 443 }, expect: { decision: 'deny', layer: 'cilium-egress' } },
  { name: 'toEntities world reaches an address outside the cluster', cite: C_ENT, world: { cnps: [webOut('world', [{ toEntities: ['world'] }])] }, probe: { to: 'back/ext-ip', port: 443 }, expect: { decision: 'allow', layer: 'none', policy: CNP('front/world') } },
  { name: 'toEntities cluster does not reach an address outside the cluster', cite: C_ENT, world: { cnps: [webOut('cluster', [{ toEntities: ['cluster'] }])] }, probe: { to: 'back/ext-ip', port: 443 }, expect: { decision: 'deny', layer: 'cilium-egress' } },

  // ---- CIDR ----
  { name: 'toCIDR covering the external address allows it', cite: C_CIDR, world: { cnps: [webOut('cidr', [{ toCIDR: ['203.0.113.0/24'] }])] }, probe: { to: 'back/ext-ip', port: 443 }, expect: { decision: 'allow', layer: 'none', policy: CNP('front/cidr') } },
  { name: 'toCIDRSet except carves the external address out', cite: C_CIDR, world: { cnps: [webOut('cidr', [{ toCIDRSet: [{ cidr: '203.0.113.0/24', except: ['203.0.113.8/29'] }] }])] }, probe: { to: 'back/ext-ip', port: 443 }, expect: { decision: 'deny', layer: 'cilium-egress' } },
  { name: 'toCIDRSet except elsewhere leaves the external address allowed', cite: C_CIDR, world: { cnps: [webOut('cidr', [{ toCIDRSet: [{ cidr: '203.0.113.0/24', except: ['203.0.113.128/25'] }] }])] }, probe: { to: 'back/ext-ip', port: 443 }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'toCIDR 0.0.0.0/0 reaches the outside world', cite: C_CIDR, world: { cnps: [webOut('cidr', [{ toCIDR: ['0.0.0.0/0'] }])] }, probe: { to: 'back/ext-ip', port: 443 }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'toCIDR covering the pod network never matches a Cilium-managed pod', cite: C_CIDR, world: { cnps: [webOut('cidr', [{ toCIDR: ['10.0.0.0/8'] }])] }, expect: { decision: 'deny', layer: 'cilium-egress' } },
  { name: "fromCIDR naming the source pod's IP never matches that pod", cite: C_CIDR, world: { cnps: [apiIn('cidr', [{ fromCIDR: ['10.1.0.1/32'] }])] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'toCIDR with a port list: the external port must match', cite: `${C_CIDR}; ${C_L4}`, world: { cnps: [webOut('cidr', [{ toCIDR: ['203.0.113.0/24'], toPorts: ports('80') }])] }, probe: { to: 'back/ext-ip', port: 443 }, expect: { decision: 'deny', layer: 'cilium-egress' } },

  // ---- DNS and toFQDNs ----
  { name: 'toFQDNs matchName with lookups through the DNS proxy allows the external name', cite: C_DNS, world: { cnps: [webOut('fqdn', [{ toFQDNs: [{ matchName: 'api.example.com' }] }])] }, probe: { to: 'back/ext-name', port: 443 }, expect: { decision: 'allow', layer: 'none', policy: CNP('front/fqdn') } },
  { name: 'toFQDNs without a DNS rule (kube-dns allowed at L4 only) learns no IPs and denies', cite: `${C_DNS}; A§3.15`, world: { dns: 'l4', cnps: [webOut('fqdn', [{ toFQDNs: [{ matchName: 'api.example.com' }] }])] }, probe: { to: 'back/ext-name', port: 443 }, expect: { decision: 'deny', layer: 'cilium-egress', reason: "did not go through Cilium's DNS proxy" } },
  { name: 'toFQDNs matchPattern *.example.com matches api.example.com', cite: C_L7_DNS, world: { cnps: [webOut('fqdn', [{ toFQDNs: [{ matchPattern: '*.example.com' }] }])] }, probe: { to: 'back/ext-name', port: 443 }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'toFQDNs matchPattern *.example.com does not match a.b.example.com (* stops at a dot)', cite: C_L7_DNS, world: { cnps: [webOut('fqdn', [{ toFQDNs: [{ matchPattern: '*.example.com' }] }])] }, probe: { to: 'back/ext-deep', port: 443 }, expect: { decision: 'deny', layer: 'cilium-egress' } },
  { name: 'toFQDNs matchPattern **.example.com matches a.b.example.com', cite: `${C_L7_DNS}; ${A11} DNS rules`, world: { cnps: [webOut('fqdn', [{ toFQDNs: [{ matchPattern: '**.example.com' }] }])] }, probe: { to: 'back/ext-deep', port: 443 }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'toFQDNs does not match an in-cluster Service name', cite: `${C_DNS}; ${A11}`, world: { cnps: [webOut('fqdn', [{ toFQDNs: [{ matchPattern: '*.back.svc.cluster.local' }] }])] }, expect: { decision: 'deny', layer: 'cilium-egress' } },
  { name: 'a DNS rule that names other hosts makes the DNS proxy refuse the lookup', cite: `${C_L7_DNS}; A§3.15`, world: { dns: [{ matchName: 'kubernetes.default.svc.cluster.local' }] }, expect: { decision: 'deny', layer: 'cilium-egress', policy: CCNP('allow-dns'), reason: 'refused by Cilium DNS proxy' } },
  { name: 'a DNS matchPattern *.svc.cluster.local does not cover api.back.svc.cluster.local (one label per *)', cite: C_L7_DNS, world: { dns: [{ matchPattern: '*.svc.cluster.local' }] }, expect: { decision: 'deny', layer: 'cilium-egress', reason: 'refused by Cilium DNS proxy' } },
  { name: 'a DNS matchPattern *.*.svc.cluster.local covers the Service name', cite: C_L7_DNS, world: { dns: [{ matchPattern: '*.*.svc.cluster.local' }] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'default-deny egress without a kube-dns allow fails the lookup', cite: 'A§3.15', world: { dns: false, cnps: [webOut('web-out', [{ toEndpoints: [apiInBack] }])] }, expect: { decision: 'deny', layer: 'cilium-egress', reason: 'DNS lookup of api.back.svc.cluster.local failed' } },

  // ---- toPorts ----
  { name: 'toPorts on the targetPort number allows', cite: C_L4, world: { cnps: [fromWebOn('8080')] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'toPorts on the Service port is not the port Cilium sees (targetPort)', cite: `${C_L4}; A§3.4`, world: { cnps: [fromWebOn('80')] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'toPorts protocol UDP does not cover a TCP connection', cite: C_L4, world: { cnps: [fromWebOn({ port: '8080', protocol: 'UDP' })] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'toPorts protocol ANY covers TCP', cite: C_L4, world: { cnps: [fromWebOn({ port: '8080', protocol: 'ANY' })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'toPorts named port http resolves on the destination pod', cite: `${C_L4}; A§3.4`, world: { cnps: [fromWebOn('http')] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'toPorts named port metrics does not cover http', cite: C_L4, world: { cnps: [fromWebOn('metrics')] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'toPorts port with endPort covers the range', cite: C_L4, world: { cnps: [fromWebOn({ port: '8000', endPort: 8100 })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'egress toPorts named port resolves on the destination pod', cite: C_L4, world: { cnps: [webOut('web-out', [{ toEndpoints: [apiInBack], toPorts: ports('http') }])] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'both pods ambient: an app-port-only ingress rule refuses HBONE 15008', cite: `${I_NETPOL}; A§3.5`, world: { ambient: 'both', cnps: [fromWebOn('8080')] }, expect: { decision: 'deny', layer: 'cilium-ingress', reason: 'TCP 15008' } },
  { name: 'both pods ambient: allowing 15008 lets every app port through (no port granularity at Cilium)', cite: `${I_NETPOL}; A§3.5`, world: { ambient: 'both', cnps: [fromWebOn('15008')] }, probe: { port: 9090 }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'both pods ambient: egress that allows only the app port refuses HBONE', cite: `${I_NETPOL}; A§3.5`, world: { ambient: 'both', cnps: [webOut('web-out', [{ toEndpoints: [apiInBack], toPorts: ports('8080') }])] }, expect: { decision: 'deny', layer: 'cilium-egress' } },
  { name: 'only the destination ambient: plaintext on the targetPort, so the app-port rule applies', cite: `${I_NETPOL}; ${I_ENROLL}`, world: { ambient: 'dst', cnps: [fromWebOn('8080')] }, expect: { decision: 'allow', layer: 'none', reason: 'wire TCP 8080' } },
  { name: 'toServices by name allows egress to the Service backends', cite: C_SVC, world: { cnps: [webOut('svc', [{ toServices: [{ k8sService: { serviceName: 'api', namespace: 'back' } }] }])] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a CNP with several specs[] rules applies each of them', cite: `${C_RULES} (specs)`, world: { cnps: [{ ...cnp('back', 'multi', undefined), spec: undefined, specs: [{ endpointSelector: api, ingress: [{ fromEntities: ['world'] }] }, { endpointSelector: api, ingress: [{ fromEndpoints: [webInFront] }] }] }] }, expect: { decision: 'allow', layer: 'none', policy: CNP('back/multi') } },
  { name: 'a CCNP with a nodeSelector (host policy) selects no pod', cite: `${C_RULES}; ${A11} subject selection`, world: { ccnps: [ccnp('host-fw', { nodeSelector: {}, ingress: [{ fromEntities: ['world'] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a reserved:host peer selector never matches a pod', cite: C_EP, world: { cnps: [apiIn('host', [{ fromEndpoints: [{ matchLabels: { 'reserved:host': '' } }] }])] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'toPorts port "0" means every port', cite: C_L4, world: { cnps: [fromWebOn('0')] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a DNS rule on TCP 53 only does not carry the UDP query', cite: `${C_L7_DNS}; A§3.15`, world: { dns: false, ccnps: [ccnp('dns-tcp', { endpointSelector: APP_PODS, egress: [{ toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } }], toPorts: [{ ports: [{ port: '53', protocol: 'TCP' }], rules: { dns: [{ matchPattern: '*' }] } }] }, { toEndpoints: [apiInBack] }] })] }, expect: { decision: 'deny', layer: 'cilium-egress', reason: 'DNS lookup of api.back.svc.cluster.local failed' } },
  { name: 'toServices naming a selector-less Service reaches its external endpoint address', cite: `${C_SVC}; ${A11} toServices`, world: { cnps: [webOut('svc', [{ toServices: [{ k8sService: { serviceName: 'ext-ip', namespace: 'back' } }] }])] }, probe: { to: 'back/ext-ip', port: 443 }, expect: { decision: 'allow', layer: 'none', policy: CNP('front/svc') } },
  { name: 'toServices naming another Service does not cover api', cite: C_SVC, world: { cnps: [webOut('svc', [{ toServices: [{ k8sService: { serviceName: 'db', namespace: 'back' } }] }])] }, expect: { decision: 'deny', layer: 'cilium-egress' } },

  // ---- Cilium L7 HTTP ----
  { name: 'an HTTP rule matching method and path regex allows the request', cite: C_L7, world: { cnps: [apiIn('l7', [{ fromEndpoints: [webInFront], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }], rules: { http: [{ method: 'GET', path: '/api/.*' }] } }] }])] }, probe: { path: '/api/v1' }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'an HTTP rule for GET answers POST with 403', cite: C_L7, world: { cnps: [apiIn('l7', [{ fromEndpoints: [webInFront], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }], rules: { http: [{ method: 'GET' }] } }] }])] }, probe: { method: 'POST' }, expect: { decision: 'deny', layer: 'cilium-ingress', policy: CNP('back/l7'), reason: 'HTTP 403' } },
  { name: 'an L4-only allow on the same port beats the HTTP rule', cite: `${C_L7}; ${A11} L7 rules`, world: { cnps: [apiIn('l7', [{ fromEndpoints: [webInFront], toPorts: [{ ports: [{ port: '8080' }], rules: { http: [{ method: 'GET' }] } }] }, { fromEndpoints: [webInFront], toPorts: ports('8080') }])] }, probe: { method: 'POST' }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'both pods ambient: a Cilium HTTP rule on 15008 cannot read the mTLS stream', cite: C_ISTIO, world: { ambient: 'both', cnps: [apiIn('l7', [{ fromEndpoints: [webInFront], toPorts: [{ ports: [{ port: '15008' }], rules: { http: [{ method: 'GET' }] } }] }])] }, expect: { decision: 'deny', layer: 'cilium-ingress', reason: 'cannot parse the mTLS' } },

  // ---- identity-relevant labels ----
  { name: 'selecting on pod-template-hash matches nothing (dropped from identity)', cite: `${C_IDLABELS}; A§3.2`, world: { webLabels: { app: 'web', 'pod-template-hash': 'abc' }, cnps: [fromLabel('pod-template-hash', 'abc')] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'selecting on statefulset.kubernetes.io/pod-name matches nothing', cite: `${C_IDLABELS}; A§3.2`, world: { webLabels: { 'statefulset.kubernetes.io/pod-name': 'web-0' }, cnps: [fromLabel('statefulset.kubernetes.io/pod-name', 'web-0')] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'selecting on apps.kubernetes.io/pod-index matches nothing', cite: C_IDLABELS, world: { webLabels: { 'apps.kubernetes.io/pod-index': '0' }, cnps: [fromLabel('apps.kubernetes.io/pod-index', '0')] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'selecting on batch.kubernetes.io/job-completion-index matches nothing', cite: C_IDLABELS, world: { webLabels: { 'batch.kubernetes.io/job-completion-index': '0' }, cnps: [fromLabel('batch.kubernetes.io/job-completion-index', '0')] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'selecting on batch.kubernetes.io/controller-uid matches nothing', cite: C_IDLABELS, world: { webLabels: { 'batch.kubernetes.io/controller-uid': 'u1' }, cnps: [fromLabel('batch.kubernetes.io/controller-uid', 'u1')] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'selecting on batch.kubernetes.io/job-name works: only two batch.kubernetes.io keys are dropped', cite: C_IDLABELS, world: { webLabels: { 'batch.kubernetes.io/job-name': 'train' }, cnps: [fromLabel('batch.kubernetes.io/job-name', 'train')] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'selecting on controller-uid matches nothing', cite: C_IDLABELS, world: { webLabels: { 'controller-uid': 'u1' }, cnps: [fromLabel('controller-uid', 'u1')] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'selecting on beta.kubernetes.io/arch matches nothing', cite: C_IDLABELS, world: { webLabels: { 'beta.kubernetes.io/arch': 'amd64' }, cnps: [fromLabel('beta.kubernetes.io/arch', 'amd64')] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'selecting on failure-domain.beta.kubernetes.io/zone works: the beta pattern is anchored at the start of the key', cite: C_IDLABELS, world: { webLabels: { 'failure-domain.beta.kubernetes.io/zone': 'z1' }, cnps: [fromLabel('failure-domain.beta.kubernetes.io/zone', 'z1')] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'selecting on kubernetes.io/hostname-style keys matches nothing', cite: C_IDLABELS, world: { webLabels: { 'kubernetes.io/os': 'linux' }, cnps: [fromLabel('kubernetes.io/os', 'linux')] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'selecting on topology.kubernetes.io/zone works: kubernetes.io is anchored at the start of the key', cite: C_IDLABELS, world: { webLabels: { 'topology.kubernetes.io/zone': 'z1' }, cnps: [fromLabel('topology.kubernetes.io/zone', 'z1')] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'selecting on app.kubernetes.io/name works', cite: C_IDLABELS, world: { webLabels: { 'app.kubernetes.io/name': 'web' }, cnps: [fromLabel('app.kubernetes.io/name', 'web')] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'selecting on a k8s.io/ key matches nothing', cite: C_IDLABELS, world: { webLabels: { 'k8s.io/role': 'x', 'team.k8s.io/role': 'x' }, cnps: [fromLabel('k8s.io/role', 'x')] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'a key that contains k8s.io after its start stays in the identity', cite: C_IDLABELS, world: { webLabels: { 'team.k8s.io/role': 'x' }, cnps: [fromLabel('team.k8s.io/role', 'x')] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'selecting on annotation-prefixed label keys matches nothing', cite: C_IDLABELS, world: { webLabels: { 'annotation.example/x': 'y' }, cnps: [fromLabel('annotation.example/x', 'y')] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'selecting on the Cilium-derived service-account label works', cite: `${A11} Cilium-derived labels`, world: { cnps: [fromLabel('io.cilium.k8s.policy.serviceaccount', 'web')] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'selecting on the namespace name label works', cite: `${A11} Cilium-derived labels`, world: { cnps: [apiIn('api-in', [{ fromEndpoints: [{ matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name': 'front' } }] }])] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'selecting on the cluster label (default) works', cite: `${A11} Cilium-derived labels`, world: { cnps: [fromLabel('io.cilium.k8s.policy.cluster', 'default')] }, expect: { decision: 'allow', layer: 'none' } },

  // ---- ztunnel AuthorizationPolicy ----
  { name: 'an ALLOW policy naming the source principal allows it', cite: `${I_AP}; ${I_L4}`, world: { ambient: 'both', aps: [ap('allow-web', allowFrom(WEB_PRINCIPAL))] }, expect: { decision: 'allow', layer: 'none', policy: AP('back/allow-web') } },
  { name: 'an ALLOW naming the default service account does not allow web (sa web)', cite: 'A§3.11', world: { ambient: 'both', aps: [ap('allow-web', allowFrom('cluster.local/ns/front/sa/default'))] }, expect: { decision: 'deny', layer: 'ztunnel', policy: AP('back/allow-web'), reason: 'allow policies exist, but none allowed' } },
  { name: 'a principal written with spiffe:// never matches', cite: `${I_AP} (principals); A§3.11`, world: { ambient: 'both', aps: [ap('allow-web', allowFrom(`spiffe://${WEB_PRINCIPAL}`))] }, expect: { decision: 'deny', layer: 'ztunnel' } },
  { name: 'with a custom trust domain, cluster.local in a principal aliases it', cite: `${I_AP} (principals); A§3.11`, world: { ambient: 'both', trustDomain: 'example.org', aps: [ap('allow-web', allowFrom(WEB_PRINCIPAL))] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'with a custom trust domain, the trust domain itself matches', cite: I_AP, world: { ambient: 'both', trustDomain: 'example.org', aps: [ap('allow-web', allowFrom('example.org/ns/front/sa/web'))] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a principal prefix wildcard matches the namespace', cite: I_AP, world: { ambient: 'both', aps: [ap('allow-front', allowFrom('cluster.local/ns/front/*'))] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'spec: {} in the destination namespace is allow-nothing', cite: `${I_AP}; A§3.12`, world: { ambient: 'both', aps: [ap('allow-nothing', {})] }, expect: { decision: 'deny', layer: 'ztunnel', policy: AP('back/allow-nothing') } },
  { name: 'a DENY policy without rules denies nothing', cite: `${I_AP}; A§3.12`, world: { ambient: 'both', aps: [ap('deny-none', { action: 'DENY' })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'ALLOW with rules: [{}] allows everything', cite: I_AP, world: { ambient: 'both', aps: [ap('allow-all', { action: 'ALLOW', rules: [{}] })] }, expect: { decision: 'allow', layer: 'none', policy: AP('back/allow-all') } },
  { name: 'DENY with rules: [{}] denies everything', cite: I_AP, world: { ambient: 'both', aps: [ap('deny-all', { action: 'DENY', rules: [{}] })] }, expect: { decision: 'deny', layer: 'ztunnel', policy: AP('back/deny-all'), reason: 'explicitly denied' } },
  { name: 'DENY is evaluated before ALLOW: both match, DENY decides', cite: I_AP_ORDER, world: { ambient: 'both', aps: [ap('allow-web', allowFrom(WEB_PRINCIPAL)), ap('deny-web', { action: 'DENY', rules: [{ from: [{ source: { principals: [WEB_PRINCIPAL] } }] }] })] }, expect: { decision: 'deny', layer: 'ztunnel', policy: AP('back/deny-web') } },
  { name: 'CUSTOM is not enforced by ztunnel (no waypoint); the DENY after it still decides', cite: `${I_AP_ORDER}; ${A12} (ztunnel does not support CUSTOM)`, world: { ambient: 'both', aps: [ap('ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] }), ap('deny-all', { action: 'DENY', rules: [{}] })] }, expect: { decision: 'deny', layer: 'ztunnel', policy: AP('back/deny-all') } },
  { name: 'a CUSTOM policy alone does not deny at ztunnel', cite: `${A12} (ztunnel does not support CUSTOM)`, world: { ambient: 'both', aps: [ap('ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'an AUDIT policy never changes the decision', cite: I_AP, world: { ambient: 'both', aps: [ap('audit', { action: 'AUDIT', rules: [{}] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'an ALLOW rule with HTTP methods cannot match at ztunnel: denied without a waypoint', cite: `${I_L4}; A§3.8`, world: { ambient: 'both', aps: [ap('allow-get', { selector: api, action: 'ALLOW', rules: [{ from: [{ source: { principals: [WEB_PRINCIPAL] } }], to: [{ operation: { methods: ['GET'] } }] }] })] }, expect: { decision: 'deny', layer: 'ztunnel', policy: AP('back/allow-get') } },
  { name: 'an ALLOW rule with HTTP paths is dropped too', cite: `${I_L4}; A§3.8`, world: { ambient: 'both', aps: [ap('allow-path', { selector: api, action: 'ALLOW', rules: [{ to: [{ operation: { paths: ['/health'] } }] }] })] }, probe: { path: '/health' }, expect: { decision: 'deny', layer: 'ztunnel' } },
  // Examiner finding (cli/e2e/connectivity-examiner ambient-deny-l7-only-no-effect): istiod sends an operation with only HTTP fields as an empty match, which ztunnel never matches.
  { name: 'a DENY rule with only HTTP methods has no effect at ztunnel: "deny POST" lets POST through', cite: `${I_DENY_L7}; A§3.8`, world: { ambient: 'both', aps: [ap('deny-post', { selector: api, action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] })] }, probe: { method: 'POST' }, expect: { decision: 'allow', layer: 'none', policy: null } },
  { name: 'a DENY rule naming a source and an HTTP-only operation has no effect at ztunnel (every clause must match)', cite: `${I_DENY_L7}; A§3.8`, world: { ambient: 'both', aps: [ap('deny-post', { selector: api, action: 'DENY', rules: [{ from: [{ source: { principals: [WEB_PRINCIPAL] } }], to: [{ operation: { methods: ['POST'] } }] }] })] }, probe: { method: 'POST' }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a DENY operation with methods and ports is enforced on the port alone: "deny POST on 8080" denies GET', cite: `${I_DENY_L7} (mixed L4 + HTTP: "enforced without the HTTP rules"); A§3.8`, world: { ambient: 'both', aps: [ap('deny-post', { selector: api, action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'], ports: ['8080'] } }] }] })] }, probe: { method: 'GET' }, expect: { decision: 'deny', layer: 'ztunnel', policy: AP('back/deny-post') } },
  { name: 'a DENY rule with an HTTP when condition has no effect at ztunnel', cite: `${I_DENY_L7}; A§3.8`, world: { ambient: 'both', aps: [ap('deny-header', { selector: api, action: 'DENY', rules: [{ when: [{ key: 'request.headers[x-team]', values: ['front'] }] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a DENY rule with paths on another port keeps its port condition', cite: `${I_L4}; A§3.8`, world: { ambient: 'both', aps: [ap('deny-admin', { selector: api, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin'], ports: ['9090'] } }] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'AuthorizationPolicy ports name the targetPort: "80" (Service port) does not match', cite: `${I_AP} (ports are workload ports); A§3.4`, world: { ambient: 'both', aps: [ap('allow-80', { selector: api, action: 'ALLOW', rules: [{ to: [{ operation: { ports: ['80'] } }] }] })] }, expect: { decision: 'deny', layer: 'ztunnel' } },
  { name: 'AuthorizationPolicy ports "8080" (targetPort) matches', cite: `${I_AP}; A§3.4`, world: { ambient: 'both', aps: [ap('allow-8080', { selector: api, action: 'ALLOW', rules: [{ to: [{ operation: { ports: ['8080'] } }] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a root-namespace ALLOW with a selector applies mesh-wide', cite: `${I_L4} (targeting policies); A§3.18`, world: { ambient: 'both', aps: [ap('root-api', allowFrom('cluster.local/ns/other/sa/x'), 'istio-system')] }, expect: { decision: 'deny', layer: 'ztunnel', policy: AP('istio-system/root-api') } },
  { name: 'an ALLOW in the source namespace does not apply to the destination', cite: I_L4, world: { ambient: 'both', aps: [ap('front-only', { action: 'ALLOW', rules: [{ from: [{ source: { principals: ['nobody'] } }] }] }, 'front')] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'source namespaces match the peer certificate namespace', cite: I_AP, world: { ambient: 'both', aps: [ap('from-front', { action: 'ALLOW', rules: [{ from: [{ source: { namespaces: ['front'] } }] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'source notNamespaces excludes the peer namespace', cite: I_AP, world: { ambient: 'both', aps: [ap('not-front', { action: 'ALLOW', rules: [{ from: [{ source: { notNamespaces: ['front'] } }] }] })] }, expect: { decision: 'deny', layer: 'ztunnel' } },
  { name: 'source serviceAccounts ns/sa matches', cite: I_AP, world: { ambient: 'both', aps: [ap('sa', { action: 'ALLOW', rules: [{ from: [{ source: { serviceAccounts: ['front/web'] } }] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a targetRefs (waypoint) policy is not enforced by ztunnel', cite: `${I_WAYPOINT}; ${A12}`, world: { ambient: 'both', aps: [ap('waypoint-only', { targetRefs: [{ kind: 'Service', group: '', name: 'api' }], action: 'ALLOW', rules: [{ from: [{ source: { principals: ['nobody'] } }] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a plaintext (not enrolled) source has no principal: a principal ALLOW denies it', cite: `${I_AP} (identity needs mTLS); A§3.10`, world: { ambient: 'dst', aps: [ap('allow-web', allowFrom(WEB_PRINCIPAL))] }, expect: { decision: 'deny', layer: 'ztunnel', reason: 'plaintext source' } },
  { name: 'a destination outside the mesh: no ztunnel, AuthorizationPolicies are not enforced', cite: `${I_ENROLL}; A§3.10`, world: { ambient: 'src', aps: [ap('allow-nothing', {})] }, expect: { decision: 'allow', layer: 'none', reason: 'ztunnel not in path' } },
  { name: 'Cilium allows HBONE and the AuthorizationPolicy decides: the verdict names the AuthorizationPolicy', cite: `${I_NETPOL}; ${I_L4}`, world: { ambient: 'both', cnps: [fromWebOn('15008')], aps: [ap('allow-web', allowFrom(WEB_PRINCIPAL))] }, expect: { decision: 'allow', layer: 'none', policy: AP('back/allow-web') } },

  { name: 'a DENY with notPrincipals ["*"] rejects a plaintext source (no identity)', cite: `${I_AP} (require mTLS pattern); A§3.10`, world: { ambient: 'dst', aps: [ap('require-mtls', { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] })] }, expect: { decision: 'deny', layer: 'ztunnel', policy: AP('back/require-mtls') } },
  { name: 'a DENY with notPrincipals ["*"] lets an mTLS source through', cite: I_AP, world: { ambient: 'both', aps: [ap('require-mtls', { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'an ALLOW when on source.namespace (an L4 key) is enforced by ztunnel', cite: I_L4, world: { ambient: 'both', aps: [ap('when-ns', { action: 'ALLOW', rules: [{ when: [{ key: 'source.namespace', values: ['front'] }] }] })] }, expect: { decision: 'allow', layer: 'none', policy: AP('back/when-ns') } },
  { name: 'an ALLOW when on a request header (an L7 key) is dropped by ztunnel', cite: `${I_L4}; A§3.8`, world: { ambient: 'both', aps: [ap('when-header', { action: 'ALLOW', rules: [{ when: [{ key: 'request.headers[x-team]', values: ['a'] }] }] })] }, expect: { decision: 'deny', layer: 'ztunnel' } },
  { name: 'source ipBlocks match the source pod address', cite: I_AP, world: { ambient: 'both', aps: [ap('from-ip', { action: 'ALLOW', rules: [{ from: [{ source: { ipBlocks: ['10.1.0.0/16'] } }] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'an ALLOW listing requestPrincipals (JWT, L7) is dropped by ztunnel', cite: `${I_L4}; A§3.8`, world: { ambient: 'both', aps: [ap('jwt', { action: 'ALLOW', rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }] })] }, expect: { decision: 'deny', layer: 'ztunnel' } },
  { name: 'an ALLOW with notPorts excluding the targetPort does not allow it', cite: I_AP, world: { ambient: 'both', aps: [ap('not-8080', { action: 'ALLOW', rules: [{ to: [{ operation: { notPorts: ['8080'] } }] }] })] }, expect: { decision: 'deny', layer: 'ztunnel' } },

  // ---- PeerAuthentication and enrollment ----
  { name: 'STRICT PeerAuthentication rejects a plaintext source that is not enrolled', cite: `${I_PA}; A§3.10`, world: { ambient: 'dst', pas: [peerAuthentication('back', 'strict', { mtls: { mode: 'STRICT' } })] }, expect: { decision: 'deny', layer: 'ztunnel', policy: 'PeerAuthentication back/strict' } },
  { name: 'PERMISSIVE PeerAuthentication accepts plaintext', cite: I_PA, world: { ambient: 'dst', pas: [peerAuthentication('back', 'permissive', { mtls: { mode: 'PERMISSIVE' } })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'STRICT accepts an enrolled (mTLS) source', cite: I_PA, world: { ambient: 'both', pas: [peerAuthentication('back', 'strict', { mtls: { mode: 'STRICT' } })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a namespace PERMISSIVE PeerAuthentication overrides a mesh-wide STRICT', cite: I_PA, world: { ambient: 'dst', pas: [peerAuthentication('istio-system', 'mesh', { mtls: { mode: 'STRICT' } }), peerAuthentication('back', 'ns', { mtls: { mode: 'PERMISSIVE' } })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'portLevelMtls PERMISSIVE on the targetPort overrides a workload STRICT', cite: I_PA, world: { ambient: 'dst', pas: [peerAuthentication('back', 'api', { selector: api, mtls: { mode: 'STRICT' }, portLevelMtls: { '8080': { mode: 'PERMISSIVE' } } })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'portLevelMtls on another port leaves the workload STRICT', cite: I_PA, world: { ambient: 'dst', pas: [peerAuthentication('back', 'api', { selector: api, mtls: { mode: 'STRICT' }, portLevelMtls: { '9090': { mode: 'PERMISSIVE' } } })] }, expect: { decision: 'deny', layer: 'ztunnel' } },
  { name: 'PeerAuthentication DISABLE is ignored in ambient: plaintext stays accepted (PERMISSIVE)', cite: `${I_PA} (DISABLE ignored by ztunnel)`, world: { ambient: 'dst', pas: [peerAuthentication('back', 'off', { mtls: { mode: 'DISABLE' } })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a workload PeerAuthentication DISABLE under a namespace STRICT leaves plaintext accepted (handled as PERMISSIVE, not skipped)', cite: `${I_PA}; istiod ambient PeerAuthentication conversion (a workload DISABLE or PERMISSIVE makes the effective policy non-STRICT)`, world: { ambient: 'dst', pas: [peerAuthentication('back', 'strict', { mtls: { mode: 'STRICT' } }), peerAuthentication('back', 'api-off', { selector: { matchLabels: { app: 'api' } }, mtls: { mode: 'DISABLE' } })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a selector PeerAuthentication in the root namespace is ignored', cite: `${I_PA}; ${A12} PeerAuthentication scope`, world: { ambient: 'dst', pas: [peerAuthentication('istio-system', 'root-selector', { selector: api, mtls: { mode: 'STRICT' } })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a workload PeerAuthentication STRICT overrides a namespace PERMISSIVE', cite: I_PA, world: { ambient: 'dst', pas: [peerAuthentication('back', 'ns', { mtls: { mode: 'PERMISSIVE' } }), peerAuthentication('back', 'api', { selector: api, mtls: { mode: 'STRICT' } })] }, expect: { decision: 'deny', layer: 'ztunnel', policy: 'PeerAuthentication back/api' } },
  { name: 'a pod labelled istio.io/dataplane-mode=none in an ambient namespace is not captured (plaintext, STRICT rejects it)', cite: `${I_ENROLL}; A§3.10`, world: { ambient: 'both', webLabels: { app: 'web', 'istio.io/dataplane-mode': 'none' }, pas: [peerAuthentication('back', 'strict', { mtls: { mode: 'STRICT' } })] }, expect: { decision: 'deny', layer: 'ztunnel' } },
  { name: 'a pod labelled istio.io/dataplane-mode=ambient is captured in a namespace that is not', cite: I_ENROLL, world: { ambient: 'dst', webLabels: { app: 'web', 'istio.io/dataplane-mode': 'ambient' }, aps: [ap('allow-web', allowFrom(WEB_PRINCIPAL))] }, expect: { decision: 'allow', layer: 'none', reason: 'wire TCP 15008 (HBONE)' } },
  {
    name: 'a sidecar client reaches an ambient workload with its mTLS identity: a principal ALLOW admits it',
    cite: `${I_ENROLL} (sidecar wins over ambient capture); ${A12} PeerAuthentication (sidecar clients allowed under STRICT)`,
    world: { ambient: 'both', webAnnotations: { 'sidecar.istio.io/status': '{}' }, aps: [ap('allow-web', allowFrom(WEB_PRINCIPAL))] },
    expect: { decision: 'allow', layer: 'none' },
    todo: 'sidecar-injected pods are treated as plaintext (not captured), so their principal is unknown here',
  },

  // ---- Kubernetes NetworkPolicy (enforced by Cilium) ----
  { name: 'a NetworkPolicy selecting api with policyTypes Ingress and no rules denies all ingress', cite: `${K_NP}; A§1.3`, world: { knps: [networkPolicy('back', 'deny-in', { podSelector: api, policyTypes: ['Ingress'] })] }, expect: { decision: 'deny', layer: 'cilium-ingress', policy: null, reason: 'NetworkPolicy back/deny-in' } },
  { name: 'a NetworkPolicy with only an egress section still isolates ingress (policyTypes defaults to Ingress always)', cite: `${K_NP}; A§1.3`, world: { knps: [networkPolicy('back', 'api-out', { podSelector: api, egress: [{}] })] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'a NetworkPolicy with policyTypes Egress only does not isolate ingress', cite: `${K_NP}; A§1.3`, world: { knps: [networkPolicy('back', 'api-out', { podSelector: api, policyTypes: ['Egress'], egress: [{}] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a NetworkPolicy podSelector peer means pods of the policy namespace only', cite: `${K_NP}; A§1.3`, world: { knps: [networkPolicy('back', 'in', { podSelector: api, ingress: [{ from: [{ podSelector: web }] }] })] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'a NetworkPolicy namespaceSelector peer admits pods of matching namespaces', cite: `${K_NP}; A§1.3`, world: { knps: [networkPolicy('back', 'in', { podSelector: api, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'frontend' } } }] }] })] }, expect: { decision: 'allow', layer: 'none', policy: 'NetworkPolicy back/in' } },
  { name: 'namespaceSelector and podSelector in one NetworkPolicy peer are ANDed', cite: `${K_NP}; A§1.3`, world: { knps: [networkPolicy('back', 'in', { podSelector: api, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'frontend' } }, podSelector: { matchLabels: { app: 'admin' } } }] }] })] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'a NetworkPolicy port names the targetPort by name; the Service port number does not match', cite: `${K_NP}; A§3.4`, world: { knps: [networkPolicy('back', 'in', { podSelector: api, ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 80 }] }] })] }, expect: { decision: 'deny', layer: 'cilium-ingress' } },
  { name: 'a NetworkPolicy named port http admits the probe', cite: `${K_NP}; A§3.4`, world: { knps: [networkPolicy('back', 'in', { podSelector: api, ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 'http' }] }] })] }, expect: { decision: 'allow', layer: 'none' } },
  { name: 'a NetworkPolicy with policyTypes Egress and no rules also blocks DNS', cite: `${K_NP}; A§3.15`, world: { dns: false, knps: [networkPolicy('front', 'no-out', { podSelector: {}, policyTypes: ['Egress'] })] }, expect: { decision: 'deny', layer: 'cilium-egress', reason: 'DNS lookup of api.back.svc.cluster.local failed' } },
  { name: 'a NetworkPolicy ipBlock with except carves the external address out', cite: `${K_NP}; A§1.3`, world: { knps: [networkPolicy('front', 'out', { podSelector: web, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.10/32'] } }] }] })] }, probe: { to: 'back/ext-ip', port: 443 }, expect: { decision: 'deny', layer: 'cilium-egress' } },
  { name: 'NetworkPolicy and CiliumNetworkPolicy allows add up', cite: `${K_NP}; ${C_RULES}`, world: { knps: [networkPolicy('back', 'deny-in', { podSelector: api, policyTypes: ['Ingress'] })], cnps: [apiIn('api-in', [{ fromEndpoints: [webInFront] }])] }, expect: { decision: 'allow', layer: 'none', policy: CNP('back/api-in') } },
  { name: 'a CCNP ingressDeny beats a NetworkPolicy allow', cite: `${C_DENY} (deny beats NetworkPolicy allows)`, world: { knps: [networkPolicy('back', 'all', { podSelector: {}, ingress: [{}] })], ccnps: [ccnp('deny-front', { endpointSelector: api, ingressDeny: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'front' } }] }] })] }, expect: { decision: 'deny', layer: 'cilium-ingress', policy: CCNP('deny-front') } },
  {
    name: 'a Volcano svc-plugin NetworkPolicy isolating job pods refuses a caller outside the job',
    cite: `${K_NP}; A§1.3 (Volcano svc plugin); A§3.19`,
    world: { apiLabels: { app: 'api', 'volcano.sh/job-name': 'train' }, knps: [networkPolicy('back', 'train', { podSelector: { matchLabels: { 'volcano.sh/job-name': 'train' } }, ingress: [{ from: [{ podSelector: { matchLabels: { 'volcano.sh/job-name': 'train' } } }] }], policyTypes: ['Ingress'] })] },
    expect: { decision: 'deny', layer: 'cilium-ingress', reason: 'NetworkPolicy back/train' },
  },

  // ---- waypoints ----
  {
    name: 'a waypoint-attached (targetRefs Service) ALLOW for GET answers POST with 403 at the waypoint',
    cite: `${I_WAYPOINT}; ${A12} waypoint policies`,
    world: { ambient: 'both', useWaypoint: 'waypoint', waypoint: {}, aps: [ap('waypoint-get', { targetRefs: [{ kind: 'Service', group: '', name: 'api' }], action: 'ALLOW', rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })] },
    probe: { method: 'POST' },
    expect: { decision: 'deny', layer: 'waypoint', policy: AP('back/waypoint-get'), reason: 'RBAC: access denied' },
  },
  {
    name: 'the same waypoint ALLOW admits GET; the verdict names it',
    cite: I_WAYPOINT,
    world: { ambient: 'both', useWaypoint: 'waypoint', waypoint: {}, aps: [ap('waypoint-get', { targetRefs: [{ kind: 'Service', group: '', name: 'api' }], action: 'ALLOW', rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })] },
    expect: { decision: 'allow', layer: 'none', policy: AP('back/waypoint-get'), reason: 'waypoint allowed by' },
  },
  {
    name: 'a waypoint DENY on a path, attached to the Gateway, refuses that path only',
    cite: I_WAYPOINT,
    world: { ambient: 'both', useWaypoint: 'waypoint', waypoint: {}, aps: [ap('no-admin', { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'waypoint' }], action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] })] },
    probe: { path: '/admin/users' },
    expect: { decision: 'deny', layer: 'waypoint', policy: AP('back/no-admin') },
  },
  {
    name: 'after a waypoint is added, a ztunnel ALLOW listing only client principals blocks the waypoint → pod hop',
    cite: `${I_WAYPOINT}; ${I_L4} (source identity is the waypoint); A§3.7`,
    world: { ambient: 'both', useWaypoint: 'waypoint', waypoint: {}, aps: [ap('allow-web', allowFrom(WEB_PRINCIPAL))] },
    expect: { decision: 'deny', layer: 'ztunnel', policy: AP('back/allow-web'), reason: 'cluster.local/ns/back/sa/waypoint' },
  },
  {
    name: 'a ztunnel ALLOW that also names the waypoint principal lets the relayed request in',
    cite: `${I_WAYPOINT}; A§3.7`,
    world: { ambient: 'both', useWaypoint: 'waypoint', waypoint: {}, aps: [ap('allow-web', allowFrom(WEB_PRINCIPAL, 'cluster.local/ns/back/sa/waypoint'))] },
    expect: { decision: 'allow', layer: 'none', policy: AP('back/allow-web') },
  },
  {
    name: 'the waypoint → pod hop needs HBONE from the waypoint at Cilium: an ingress rule for web only refuses it',
    cite: `${I_NETPOL}; A§3.6`,
    world: { ambient: 'both', useWaypoint: 'waypoint', waypoint: {}, cnps: [fromWebOn('15008')] },
    expect: { decision: 'deny', layer: 'cilium-ingress', reason: 'from back/waypoint-0' },
  },
  {
    name: 'the client → waypoint hop needs HBONE egress at Cilium: egress to api only refuses the waypoint',
    cite: `${I_NETPOL}; A§3.6`,
    world: { ambient: 'both', useWaypoint: 'waypoint', waypoint: {}, cnps: [webOut('web-out', [{ toEndpoints: [apiInBack], toPorts: ports('15008') }])] },
    expect: { decision: 'deny', layer: 'cilium-egress', reason: 'hop to waypoint back/waypoint-0' },
  },
  {
    name: 'a Service enrolled in a waypoint that does not exist is reached directly: its L7 policy silently does not apply',
    cite: `${I_WAYPOINT}; A§3.9`,
    world: { ambient: 'both', useWaypoint: 'waypoint', waypoint: { exists: false }, aps: [ap('waypoint-get', { targetRefs: [{ kind: 'Service', group: '', name: 'api' }], action: 'ALLOW', rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })] },
    probe: { method: 'POST' },
    expect: { decision: 'allow', layer: 'none', reason: 'bypassed' },
  },
  {
    name: 'a waypoint without a ready pod is bypassed',
    cite: `${I_WAYPOINT}; A§3.9`,
    world: { ambient: 'both', useWaypoint: 'waypoint', waypoint: { ready: false }, aps: [ap('waypoint-get', { targetRefs: [{ kind: 'Service', group: '', name: 'api' }], action: 'ALLOW', rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })] },
    probe: { method: 'POST' },
    expect: { decision: 'allow', layer: 'none', reason: 'no ready waypoint pod' },
  },
  {
    name: 'a waypoint for workload traffic does not carry traffic addressed to the Service',
    cite: `${I_WAYPOINT} (istio.io/waypoint-for); A§3.9`,
    world: { ambient: 'both', useWaypoint: 'waypoint', waypoint: { for: 'workload' }, aps: [ap('waypoint-get', { targetRefs: [{ kind: 'Service', group: '', name: 'api' }], action: 'ALLOW', rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })] },
    probe: { method: 'POST' },
    expect: { decision: 'allow', layer: 'none', reason: 'is for workload traffic' },
  },
  {
    name: 'istio.io/use-waypoint: none on the Service opts out of a namespace waypoint',
    cite: I_WAYPOINT,
    world: { ambient: 'both', useWaypoint: 'none', waypoint: {}, aps: [ap('waypoint-get', { targetRefs: [{ kind: 'Service', group: '', name: 'api' }], action: 'ALLOW', rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })] },
    probe: { method: 'POST' },
    expect: { decision: 'allow', layer: 'none' },
  },
];
