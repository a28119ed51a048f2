import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { evaluate, evaluateExternalProbe, evaluateIndexed, indexDataplane } from './evaluate.ts';
import { dnsPatternRegex } from './cilium.ts';
import { authorizationPolicy, ccnp, cnp, dataplaneView, endpointSlice, namespace, peerAuthentication, pod, service } from './fixtures.ts';
import type { DataplaneView, ProbeRequest } from './types.ts';

const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };
const SYSTEM_NS = ['kube-system', 'istio-system', 'cilium-system'];

interface WorldOptions {
  cnps?: KubeObject[];
  ccnps?: KubeObject[];
  aps?: KubeObject[];
  pas?: KubeObject[];
  frontAmbient?: boolean;
  backAmbient?: boolean;
  webLabels?: Record<string, string>;
  apiReady?: boolean;
  trustDomain?: string;
  serviceLabels?: Record<string, string>;
  /** Add the permissive DNS CCNP (egress to kube-dns 53/UDP, matchPattern "*"). Default true. */
  dns?: boolean;
}

/** front/web-0 (app=web, sa web) calls back/api (Service port 80 → named targetPort http = 8080 on back/api-0). */
function world(o: WorldOptions = {}): DataplaneView {
  return dataplaneView({
    namespaces: [
      namespace('front', { team: 'frontend', ...(o.frontAmbient === false ? {} : AMBIENT) }),
      namespace('back', o.backAmbient === false ? {} : AMBIENT),
      namespace('istio-system'),
      namespace('kube-system'),
    ],
    pods: [
      pod('front', 'web-0', { labels: o.webLabels ?? { app: 'web', 'pod-template-hash': 'abc123' }, serviceAccount: 'web', ip: '10.1.0.1' }),
      pod('back', 'api-0', { labels: { app: 'api' }, serviceAccount: 'api', ports: [{ name: 'http', containerPort: 8080 }], ready: o.apiReady, ip: '10.2.0.1' }),
    ],
    services: [service('back', 'api', { app: 'api' }, [{ port: 80, targetPort: 'http', name: 'http' }], o.serviceLabels)],
    endpointSlices: [endpointSlice('back', 'api', [{ pod: 'api-0', ready: o.apiReady ?? true }])],
    ciliumNetworkPolicies: o.cnps ?? [],
    ciliumClusterwideNetworkPolicies: [...(o.dns === false ? [] : [dnsCcnp()]), ...(o.ccnps ?? [])],
    authorizationPolicies: o.aps ?? [],
    peerAuthentications: o.pas ?? [],
    trustDomain: o.trustDomain ?? 'cluster.local',
  });
}

const KUBE_DNS = { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' };

function dnsEgress(dnsRules: object[] | null) {
  return {
    toEndpoints: [{ matchLabels: KUBE_DNS }],
    toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }], ...(dnsRules ? { rules: { dns: dnsRules } } : {}) }],
  };
}

function dnsCcnp(rules: object[] = [{ matchPattern: '*' }]): KubeObject {
  return ccnp('allow-dns', {
    endpointSelector: { matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'NotIn', values: SYSTEM_NS }] },
    enableDefaultDeny: { egress: false, ingress: false },
    egress: [dnsEgress(rules)],
  });
}

const probe: ProbeRequest = { fromPod: { namespace: 'front', name: 'web-0' }, toService: { namespace: 'back', name: 'api' }, port: 80 };

const webSelector = { matchLabels: { app: 'web' } };
const apiSelector = { matchLabels: { app: 'api' } };
/** front/web-0 may send anything anywhere (enforced egress with an allow-all element). */
const webEgressAll = cnp('front', 'web-egress-all', { endpointSelector: webSelector, egress: [{}] });
const apiIngress = (name: string, ingress: object[], extra: object = {}) => cnp('back', name, { endpointSelector: apiSelector, ingress, ...extra });

describe('source and Service resolution', () => {
  it.each([
    ['a missing source pod', dataplaneView(), 'source pod front/web-0 not found'],
    ['a source pod that is not Ready', { ...world(), pods: [pod('front', 'web-0', { ready: false }), ...world().pods.slice(1)] }, 'is not Ready'],
    ['a Pending source pod', { ...world(), pods: [pod('front', 'web-0', { phase: 'Pending' }), ...world().pods.slice(1)] }, 'phase Pending'],
    ['a terminating source pod', { ...world(), pods: [pod('front', 'web-0', { deleting: true }), ...world().pods.slice(1)] }, 'terminating'],
  ])('denies at layer none for %s', (_name, view, reason) => {
    const v = evaluate(view, probe);
    expect(v).toMatchObject({ decision: 'deny', layer: 'none', policy: null });
    expect(v.reason).toContain(reason);
  });

  it('answers NXDOMAIN when the target Service does not exist', () => {
    const v = evaluate(world(), { ...probe, toService: { namespace: 'back', name: 'nope' } });
    expect(v).toMatchObject({ decision: 'deny', layer: 'none' });
    expect(v.reason).toMatch(/^DNS: NXDOMAIN nope\.back\.svc\.cluster\.local/);
  });

  it('refuses the connection when the Service has no such port', () => {
    const v = evaluate(world(), { ...probe, port: 8080 });
    expect(v).toMatchObject({ decision: 'deny', layer: 'none' });
    expect(v.reason).toContain('connection refused');
  });

  it('reports no ready endpoints when the only backend is not ready', () => {
    const v = evaluate(world({ apiReady: false }), probe);
    expect(v).toMatchObject({ decision: 'deny', layer: 'none' });
    expect(v.reason).toContain('no ready endpoints');
  });

  it('reports no ready endpoints when the Service has no EndpointSlice', () => {
    const v = evaluate({ ...world(), endpointSlices: [] }, probe);
    expect(v.reason).toContain('no ready endpoints');
  });

  it('allows a probe when no policy exists at all', () => {
    const v = evaluate(world(), probe);
    expect(v.decision).toBe('allow');
    expect(v.layer).toBe('none');
    expect(v.reason).toMatch(/^allowed: /);
  });
});

describe('Cilium enforcement per direction', () => {
  const lattice = ccnp('default-deny', {
    endpointSelector: { matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'NotIn', values: SYSTEM_NS }] },
    egress: [dnsEgress([{ matchName: 'kubernetes.default.svc.cluster.local' }]), { toEntities: ['kube-apiserver'] }],
  });
  const webToBack = cnp('front', 'web-out', {
    endpointSelector: webSelector,
    egress: [dnsEgress([{ matchName: 'api.back.svc.cluster.local' }]), { toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'back' } }], toPorts: [{ ports: [{ port: '15008', protocol: 'TCP' }] }] }],
  });

  it('a default-deny CCNP with egress rules only isolates egress, not ingress', () => {
    expect(evaluate(world({ dns: false, ccnps: [lattice], cnps: [webToBack] }), probe)).toMatchObject({ decision: 'allow' });
    const isolated = evaluate(world({ dns: false, ccnps: [lattice], cnps: [webToBack, apiIngress('api-in', [{ fromEndpoints: [{ matchLabels: { app: 'nobody' } }] }])] }), probe);
    expect(isolated).toMatchObject({ decision: 'deny', layer: 'cilium-ingress', policy: null });
    expect(isolated.reason).toContain('default deny: no ingress rule of CiliumNetworkPolicy back/api-in allows TCP 15008 from front/web-0');
  });

  it('the default-deny CCNP alone refuses DNS for names other than its matchName', () => {
    const v = evaluate(world({ dns: false, ccnps: [lattice] }), probe);
    expect(v).toMatchObject({ decision: 'deny', layer: 'cilium-egress', policy: 'CiliumClusterwideNetworkPolicy default-deny' });
    expect(v.reason).toContain('DNS lookup of api.back.svc.cluster.local refused by Cilium DNS proxy');
  });

  it.each([
    ['an absent ingress section', 'allow', { endpointSelector: apiSelector }],
    ['an empty ingress list', 'allow', { endpointSelector: apiSelector, ingress: [] }],
    ['an element with an explicitly empty fromEntities', 'deny', { endpointSelector: apiSelector, ingress: [{ fromEntities: [] }] }],
    ['an element with an explicitly empty fromEndpoints', 'deny', { endpointSelector: apiSelector, ingress: [{ fromEndpoints: [] }] }],
    ['ingress: [{}] (L3 wildcard)', 'allow', { endpointSelector: apiSelector, ingress: [{}] }],
    ['a toPorts-only element on the wire port', 'allow', { endpointSelector: apiSelector, ingress: [{ toPorts: [{ ports: [{ port: '15008' }] }] }] }],
    ['fromEntities cluster', 'allow', { endpointSelector: apiSelector, ingress: [{ fromEntities: ['cluster'] }] }],
    ['fromEntities world only', 'deny', { endpointSelector: apiSelector, ingress: [{ fromEntities: ['world', 'host', 'remote-node', 'kube-apiserver'] }] }],
    ['fromCIDR covering every address', 'deny', { endpointSelector: apiSelector, ingress: [{ fromCIDR: ['0.0.0.0/0'] }] }],
    ['a non-matching element with enableDefaultDeny.ingress false', 'allow', { endpointSelector: apiSelector, enableDefaultDeny: { ingress: false }, ingress: [{ fromEntities: ['world'] }] }],
    ['a deny-only policy (it still flips the endpoint to default deny)', 'deny', { endpointSelector: apiSelector, ingressDeny: [{ fromEntities: ['world'] }] }],
    ['a policy that selects another pod', 'allow', { endpointSelector: { matchLabels: { app: 'other' } }, ingress: [{ fromEntities: ['world'] }] }],
  ])('ingress with %s gives %s', (_name, decision, spec) => {
    const v = evaluate(world({ cnps: [cnp('back', 'p', spec)] }), probe);
    expect(v.decision).toBe(decision);
    if (decision === 'deny') expect(v.layer).toBe('cilium-ingress');
  });

  it('enableDefaultDeny false on one policy does not help when another selecting policy keeps default deny', () => {
    const relaxed = apiIngress('relaxed', [{ fromEntities: ['world'] }], { enableDefaultDeny: { ingress: false } });
    const strict = apiIngress('strict', [{ fromEntities: ['host'] }]);
    const v = evaluate(world({ cnps: [relaxed, strict] }), probe);
    expect(v).toMatchObject({ decision: 'deny', layer: 'cilium-ingress' });
    expect(v.reason).toContain('CiliumNetworkPolicy back/relaxed, CiliumNetworkPolicy back/strict');
  });

  it('an ingressDeny rule beats an allow-all ingress rule and names its policy', () => {
    const allowAll = apiIngress('allow-all', [{}]);
    const denyWeb = cnp('back', 'deny-web', {
      endpointSelector: apiSelector,
      enableDefaultDeny: { ingress: false },
      ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: 'web', 'k8s:io.kubernetes.pod.namespace': 'front' } }] }],
    });
    expect(evaluate(world({ cnps: [allowAll, denyWeb] }), probe)).toMatchObject({ decision: 'deny', layer: 'cilium-ingress', policy: 'CiliumNetworkPolicy back/deny-web' });
    expect(evaluate(world({ cnps: [allowAll] }), probe)).toMatchObject({ decision: 'allow', policy: 'CiliumNetworkPolicy back/allow-all' });
  });

  it('an egressDeny rule on the source denies at cilium-egress', () => {
    const denyOut = cnp('front', 'deny-out', { endpointSelector: webSelector, enableDefaultDeny: { egress: false }, egressDeny: [{ toPorts: [{ ports: [{ port: '15008' }] }] }] });
    expect(evaluate(world({ cnps: [denyOut] }), probe)).toMatchObject({ decision: 'deny', layer: 'cilium-egress', policy: 'CiliumNetworkPolicy front/deny-out' });
  });

  it.each([
    ['a CNP peer selector without a namespace key is pinned to the policy namespace', cnp('back', 'p', { endpointSelector: apiSelector, ingress: [{ fromEndpoints: [webSelector] }] }), 'deny'],
    ['a CNP empty peer selector means all pods of the policy namespace only', cnp('back', 'p', { endpointSelector: apiSelector, ingress: [{ fromEndpoints: [{}] }] }), 'deny'],
    ['a CNP peer selector with the namespace label reaches another namespace', cnp('back', 'p', { endpointSelector: apiSelector, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web', 'k8s:io.kubernetes.pod.namespace': 'front' } }] }] }), 'allow'],
    ['a CNP peer selector on namespace labels is not pinned', cnp('back', 'p', { endpointSelector: apiSelector, ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.team': 'frontend' } }] }] }), 'allow'],
    ['a k8s:-prefixed peer selector matches k8s labels', cnp('back', 'p', { endpointSelector: apiSelector, ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:app': 'web', 'any:io.kubernetes.pod.namespace': 'front' } }] }] }), 'allow'],
    ['a service-account selector matches the Cilium-derived SA label', cnp('back', 'p', { endpointSelector: apiSelector, ingress: [{ fromEndpoints: [{ matchLabels: { 'io.cilium.k8s.policy.serviceaccount': 'web', 'io.kubernetes.pod.namespace': 'front' } }] }] }), 'allow'],
    ['a selector on an identity-irrelevant label (pod-template-hash) matches nothing', cnp('back', 'p', { endpointSelector: apiSelector, ingress: [{ fromEndpoints: [{ matchLabels: { 'pod-template-hash': 'abc123', 'k8s:io.kubernetes.pod.namespace': 'front' } }] }] }), 'deny'],
    ['a reserved:host peer selector never matches a pod', cnp('back', 'p', { endpointSelector: apiSelector, ingress: [{ fromEndpoints: [{ matchLabels: { 'reserved:host': '' } }] }] }), 'deny'],
    ['a CCNP peer selector without a namespace key matches pods of any namespace', ccnp('p', { endpointSelector: apiSelector, ingress: [{ fromEndpoints: [webSelector] }] }), 'allow'],
  ])('%s', (_name, policy, decision) => {
    const v = evaluate(world(policy.kind === 'CiliumNetworkPolicy' ? { cnps: [policy] } : { ccnps: [policy] }), probe);
    expect(v.decision).toBe(decision);
  });

  it('a pod-template-hash endpointSelector selects nothing, so it does not isolate the pod', () => {
    const p = cnp('front', 'by-hash', { endpointSelector: { matchLabels: { 'pod-template-hash': 'abc123' } }, egress: [{ toEntities: ['world'] }] });
    expect(evaluate(world({ cnps: [p] }), probe).decision).toBe('allow');
  });
});

describe('HBONE wire port and named ports', () => {
  const appPortOnly = apiIngress('app-port', [{ fromEntities: ['cluster'], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] }]);
  const namedPort = apiIngress('named', [{ fromEntities: ['cluster'], toPorts: [{ ports: [{ port: 'http', protocol: 'TCP' }] }] }]);
  const hbone = apiIngress('hbone', [{ fromEntities: ['cluster'], toPorts: [{ ports: [{ port: '15008', protocol: 'TCP' }] }] }]);

  it('sees TCP 15008 when both pods are captured, so an app-port-only rule does not allow it', () => {
    const v = evaluate(world({ cnps: [appPortOnly] }), probe);
    expect(v).toMatchObject({ decision: 'deny', layer: 'cilium-ingress' });
    expect(v.reason).toContain('TCP 15008');
    expect(evaluate(world({ cnps: [hbone] }), probe).decision).toBe('allow');
  });

  it.each([
    ['source namespace not ambient', { frontAmbient: false }],
    ['destination namespace not ambient', { backAmbient: false }],
    ['source pod opted out with dataplane-mode=none', { webLabels: { app: 'web', 'istio.io/dataplane-mode': 'none' } }],
  ])('sees the targetPort when only one side is captured (%s)', (_name, o) => {
    expect(evaluate(world({ ...o, cnps: [appPortOnly] }), probe).decision).toBe('allow');
    expect(evaluate(world({ ...o, cnps: [hbone] }), probe)).toMatchObject({ decision: 'deny', layer: 'cilium-ingress' });
  });

  it('a pod labelled ambient is captured even in a namespace that is not', () => {
    expect(evaluate(world({ frontAmbient: false, webLabels: { app: 'web', ...AMBIENT }, cnps: [hbone] }), probe).decision).toBe('allow');
  });

  it('resolves a named port in a rule against the destination pod container ports', () => {
    expect(evaluate(world({ frontAmbient: false, cnps: [namedPort] }), probe).decision).toBe('allow');
    expect(evaluate(world({ cnps: [namedPort] }), probe).decision).toBe('deny');
  });
});

describe('DNS through the Cilium DNS proxy', () => {
  const HBONE_TO_CLUSTER = { toEntities: ['cluster'], toPorts: [{ ports: [{ port: '15008', protocol: 'TCP' }] }] };
  const dnsOnly = (rules: object[] | null) => cnp('front', 'dns', { endpointSelector: webSelector, egress: [dnsEgress(rules), HBONE_TO_CLUSTER] });

  it.each([
    [[{ matchName: 'api.back.svc.cluster.local' }], 'allow'],
    [[{ matchName: 'API.back.svc.cluster.local.' }], 'allow'],
    [[{ matchName: 'kubernetes.default.svc.cluster.local' }], 'deny'],
    [[{ matchPattern: '*' }], 'allow'],
    [[{ matchPattern: '*.back.svc.cluster.local' }], 'allow'],
    [[{ matchPattern: '*.svc.cluster.local' }], 'deny'],
    [[{ matchPattern: '**.svc.cluster.local' }], 'allow'],
    [[{ matchPattern: '**.api.back.svc.cluster.local' }], 'deny'],
    [[{ matchPattern: 'a*.back.svc.cluster.local' }], 'allow'],
    [[{ matchPattern: 'b*.back.svc.cluster.local' }], 'deny'],
  ])('DNS rules %j give %s', (rules, decision) => {
    const v = evaluate(world({ dns: false, cnps: [dnsOnly(rules)] }), probe);
    expect(v.decision).toBe(decision);
    if (decision === 'deny') {
      expect(v).toMatchObject({ layer: 'cilium-egress', policy: 'CiliumNetworkPolicy front/dns' });
      expect(v.reason).toContain('DNS lookup of api.back.svc.cluster.local refused by Cilium DNS proxy');
    }
  });

  it('an L3-only allow that covers kube-dns (toEntities cluster, no toPorts) also lets every name through', () => {
    const l3Only = cnp('front', 'l3', { endpointSelector: webSelector, egress: [{ toEntities: ['cluster'] }] });
    expect(evaluate(world({ dns: false, cnps: [dnsOnly([{ matchName: 'x.y.svc.cluster.local' }]), l3Only] }), probe).decision).toBe('allow');
  });

  it('an L4-only allow to kube-dns on 53 lets every name through', () => {
    expect(evaluate(world({ dns: false, cnps: [dnsOnly(null)] }), probe).decision).toBe('allow');
  });

  it('an L4-only allow beside a restrictive DNS rule wins (the L7 part has no effect)', () => {
    const extra = cnp('front', 'dns-l4', { endpointSelector: webSelector, egress: [dnsEgress(null)] });
    expect(evaluate(world({ dns: false, cnps: [dnsOnly([{ matchName: 'x.y.svc.cluster.local' }]), extra] }), probe).decision).toBe('allow');
  });

  it('enforced egress without any rule to kube-dns fails the lookup at cilium-egress', () => {
    const v = evaluate(world({ dns: false, cnps: [cnp('front', 'only-back', { endpointSelector: webSelector, egress: [{ toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'back' } }] }] })] }), probe);
    expect(v).toMatchObject({ decision: 'deny', layer: 'cilium-egress', policy: null });
    expect(v.reason).toContain('DNS lookup of api.back.svc.cluster.local failed: default deny: no egress rule of CiliumNetworkPolicy front/only-back allows UDP 53 to kube-system/kube-dns');
  });

  it('a DNS rule on TCP only does not cover the UDP query', () => {
    const tcpOnly = cnp('front', 'tcp-dns', { endpointSelector: webSelector, egress: [{ toEndpoints: [{ matchLabels: KUBE_DNS }], toPorts: [{ ports: [{ port: '53', protocol: 'TCP' }] }] }, HBONE_TO_CLUSTER] });
    expect(evaluate(world({ dns: false, cnps: [tcpOnly] }), probe).layer).toBe('cilium-egress');
  });

  it.each([
    ['*', 'anything.at.all.', true],
    ['*.cluster.local', 'svc.cluster.local.', true],
    ['*.cluster.local', 'a.svc.cluster.local.', false],
    ['**.cluster.local', 'a.b.svc.cluster.local.', true],
    ['**.cluster.local', 'cluster.local.', false],
    ['sub*.cilium.io', 'sub-1.cilium.io.', true],
    ['sub*.cilium.io', 'sub.x.cilium.io.', false],
  ])('dnsPatternRegex(%s) on %s is %s', (pattern, name, expected) => {
    expect(dnsPatternRegex(pattern).test(name)).toBe(expected);
  });
});

describe('ztunnel AuthorizationPolicy and PeerAuthentication', () => {
  const meshDeny = authorizationPolicy('istio-system', 'mesh-default-deny', {});
  const allowFrom = (principals: string[], extra: object = {}) =>
    authorizationPolicy('back', 'allow-web', { selector: { matchLabels: { app: 'api' } }, action: 'ALLOW', rules: [{ from: [{ source: { principals } }], ...extra }] });

  it('a mesh-wide ALLOW policy with an empty spec allows nothing', () => {
    const v = evaluate(world({ aps: [meshDeny] }), probe);
    expect(v).toMatchObject({ decision: 'deny', layer: 'ztunnel', policy: 'AuthorizationPolicy istio-system/mesh-default-deny' });
    expect(v.reason).toContain('allow policies exist, but none allowed');
  });

  it.each([
    ['cluster.local/ns/front/sa/web', 'cluster.local', 'allow'],
    ['cluster.local/ns/front/*', 'cluster.local', 'allow'],
    ['*/sa/web', 'cluster.local', 'allow'],
    ['*', 'cluster.local', 'allow'],
    ['cluster.local/ns/front/sa/other', 'cluster.local', 'deny'],
    ['cluster.local/ns/back/*', 'cluster.local', 'deny'],
    ['spiffe://cluster.local/ns/front/sa/web', 'cluster.local', 'deny'],
    ['cluster.local/ns/front/sa/web', 'example.org', 'allow'],
    ['example.org/ns/front/sa/web', 'example.org', 'allow'],
    ['other.org/ns/front/sa/web', 'example.org', 'deny'],
  ])('principal %s with trust domain %s gives %s', (principal, trustDomain, decision) => {
    const v = evaluate(world({ trustDomain, aps: [meshDeny, allowFrom([principal])] }), probe);
    expect(v.decision).toBe(decision);
    if (decision === 'allow') expect(v.policy).toBe('AuthorizationPolicy back/allow-web');
    else expect(v).toMatchObject({ layer: 'ztunnel', policy: null });
  });

  it.each([
    [['8080'], 'allow'],
    [['80'], 'deny'],
    [['15008'], 'deny'],
  ])('operation ports %j are compared with the target (container) port: %s', (ports, decision) => {
    const v = evaluate(world({ aps: [meshDeny, allowFrom(['*'], { to: [{ operation: { ports } }] })] }), probe);
    expect(v.decision).toBe(decision);
  });

  it('notPrincipals and namespaces are matched against the mTLS peer identity', () => {
    const ap = (source: object) => authorizationPolicy('back', 'a', { rules: [{ from: [{ source }] }] });
    expect(evaluate(world({ aps: [ap({ namespaces: ['front'] })] }), probe).decision).toBe('allow');
    expect(evaluate(world({ aps: [ap({ namespaces: ['fr*'] })] }), probe).decision).toBe('allow');
    expect(evaluate(world({ aps: [ap({ notNamespaces: ['front'] })] }), probe).decision).toBe('deny');
    expect(evaluate(world({ aps: [ap({ notPrincipals: ['cluster.local/ns/front/sa/web'] })] }), probe).decision).toBe('deny');
    expect(evaluate(world({ aps: [ap({ serviceAccounts: ['front/web'] })] }), probe).decision).toBe('allow');
  });

  it('an ALLOW rule that uses an HTTP attribute is dropped by ztunnel', () => {
    const http = authorizationPolicy('back', 'http-only', { rules: [{ from: [{ source: { principals: ['*'] } }], to: [{ operation: { methods: ['GET'] } }] }] });
    const v = evaluate(world({ aps: [http] }), probe);
    expect(v).toMatchObject({ decision: 'deny', layer: 'ztunnel', policy: 'AuthorizationPolicy back/http-only' });
    const l4 = authorizationPolicy('back', 'l4', { rules: [{ to: [{ operation: { ports: ['8080'] } }] }] });
    expect(evaluate(world({ aps: [http, l4] }), probe)).toMatchObject({ decision: 'allow', policy: 'AuthorizationPolicy back/l4' });
  });

  it('a DENY rule keeps matching with its HTTP parts ignored ("deny POST" denies GET)', () => {
    const denyPost = authorizationPolicy('back', 'deny-post', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'], ports: ['8080'] } }] }] });
    const allowAll = authorizationPolicy('back', 'allow-all', { rules: [{}] });
    const v = evaluate(world({ aps: [allowAll, denyPost] }), { ...probe, method: 'GET' });
    expect(v).toMatchObject({ decision: 'deny', layer: 'ztunnel', policy: 'AuthorizationPolicy back/deny-post' });
    expect(evaluate(world({ aps: [allowAll] }), probe).decision).toBe('allow');
  });

  it('a DENY policy without rules matches nothing', () => {
    expect(evaluate(world({ aps: [authorizationPolicy('back', 'd', { action: 'DENY' })] }), probe).decision).toBe('allow');
  });

  it('ztunnel ignores targetRefs, CUSTOM and AUDIT policies', () => {
    const waypointOnly = authorizationPolicy('back', 'wp', { targetRefs: [{ kind: 'Service', group: '', name: 'api' }] });
    const custom = authorizationPolicy('back', 'c', { action: 'CUSTOM', provider: { name: 'x' }, rules: [{}] });
    const audit = authorizationPolicy('back', 'au', { action: 'AUDIT', rules: [{}] });
    expect(evaluate(world({ aps: [waypointOnly, custom, audit] }), probe).decision).toBe('allow');
  });

  it('a selector policy in another namespace does not apply; a root-namespace selector applies in every namespace', () => {
    const elsewhere = authorizationPolicy('front', 'x', { selector: { matchLabels: { app: 'api' } } });
    expect(evaluate(world({ aps: [elsewhere] }), probe).decision).toBe('allow');
    const rootSel = authorizationPolicy('istio-system', 'x', { selector: { matchLabels: { app: 'api' } } });
    expect(evaluate(world({ aps: [rootSel] }), probe)).toMatchObject({ decision: 'deny', layer: 'ztunnel' });
  });

  it('a plaintext source has no principal, so principal-based ALLOW rules do not match it', () => {
    const v = evaluate(world({ frontAmbient: false, aps: [allowFrom(['*'])] }), probe);
    expect(v).toMatchObject({ decision: 'deny', layer: 'ztunnel' });
    expect(v.reason).toContain('plaintext source');
  });

  it('STRICT PeerAuthentication rejects plaintext from a pod that is not captured', () => {
    const strict = peerAuthentication('istio-system', 'default', { mtls: { mode: 'STRICT' } });
    const v = evaluate(world({ frontAmbient: false, pas: [strict] }), probe);
    expect(v).toMatchObject({ decision: 'deny', layer: 'ztunnel', policy: 'PeerAuthentication istio-system/default' });
    expect(v.reason).toContain('plaintext rejected by PeerAuthentication STRICT');
    expect(evaluate(world({ pas: [strict] }), probe).decision).toBe('allow');
  });

  it.each([
    ['namespace PERMISSIVE overrides mesh STRICT', [peerAuthentication('back', 'ns', { mtls: { mode: 'PERMISSIVE' } })], 'allow'],
    ['namespace UNSET inherits mesh STRICT', [peerAuthentication('back', 'ns', { mtls: { mode: 'UNSET' } })], 'deny'],
    ['workload portLevelMtls PERMISSIVE on the target port', [peerAuthentication('back', 'w', { selector: { matchLabels: { app: 'api' } }, portLevelMtls: { '8080': { mode: 'PERMISSIVE' } } })], 'allow'],
    ['workload portLevelMtls on the Service port does not apply', [peerAuthentication('back', 'w', { selector: { matchLabels: { app: 'api' } }, portLevelMtls: { '80': { mode: 'PERMISSIVE' } } })], 'deny'],
    ['portLevelMtls without a selector is ignored', [peerAuthentication('back', 'n', { portLevelMtls: { '8080': { mode: 'PERMISSIVE' } } })], 'deny'],
  ])('%s', (_name, pas, decision) => {
    const strict = peerAuthentication('istio-system', 'default', { mtls: { mode: 'STRICT' } });
    expect(evaluate(world({ frontAmbient: false, pas: [strict, ...pas] }), probe).decision).toBe(decision);
  });

  it('a Service labelled istio.io/use-waypoint is evaluated without a waypoint hop', () => {
    const withWp = evaluate(world({ serviceLabels: { 'istio.io/use-waypoint': 'waypoint' }, aps: [meshDeny, allowFrom(['cluster.local/ns/front/sa/web'])] }), probe);
    expect(withWp).toMatchObject({ decision: 'allow', policy: 'AuthorizationPolicy back/allow-web' });
  });
});

describe('index and determinism', () => {
  it('evaluateIndexed over one index gives the same verdicts as evaluate, in any probe order', () => {
    const view = world({ aps: [authorizationPolicy('istio-system', 'mesh-default-deny', {})], cnps: [webEgressAll] });
    const probes: ProbeRequest[] = [probe, { ...probe, port: 81 }, { ...probe, fromPod: { namespace: 'back', name: 'api-0' } }];
    const index = indexDataplane(view);
    const forward = probes.map((p) => evaluateIndexed(index, p));
    const backward = [...probes].reverse().map((p) => evaluateIndexed(indexDataplane(view), p)).reverse();
    expect(forward).toEqual(backward);
    expect(forward).toEqual(probes.map((p) => evaluate(view, p)));
  });

  it('lists a policy with an invalid selector operator as rejected instead of throwing', () => {
    const bad = cnp('back', 'bad', { endpointSelector: { matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, ingress: [{}] });
    const index = indexDataplane(world({ cnps: [bad] }));
    expect(index.rejected.map((r) => r.policy)).toEqual(['CiliumNetworkPolicy back/bad']);
    expect(evaluateIndexed(index, probe).decision).toBe('allow');
  });
});

describe('memoised verdicts', () => {
  it('a repeated probe gives an equal verdict that the caller may change without affecting the next answer', () => {
    const index = indexDataplane(world({ cnps: [apiIngress('api-in', [{ fromEndpoints: [{ matchLabels: { app: 'nobody' } }] }])] }));
    const first = evaluateIndexed(index, probe);
    first.reason = 'changed by the caller';
    const second = evaluateIndexed(index, probe);
    expect(second.reason).toContain('default deny');
    expect(evaluateIndexed(index, { ...probe, method: 'POST' })).toEqual(second);
  });
});

describe('probes to hosts outside the cluster (evaluateExternalProbe)', () => {
  const external = (host: string, port: number) => ({ fromPod: { namespace: 'front', name: 'web-0' }, host, port });
  const egress = (dnsRules: object[] | null, rules: object[]) => cnp('front', 'egress', { endpointSelector: webSelector, egress: [dnsEgress(dnsRules), ...rules] });
  const toFqdn = { toFQDNs: [{ matchName: 'api.partner.example' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] };
  const toCidr = { toCIDR: ['203.0.113.0/24'], toPorts: [{ ports: [{ port: '8443', protocol: 'TCP' }] }] };
  const judge = (cnps: KubeObject[], host: string, port: number) => evaluateExternalProbe(indexDataplane(world({ dns: false, cnps })), external(host, port));

  it('toFQDNs matchName reaches the name on its port when the DNS rule proxies the lookup', () => {
    const cnps = [egress([{ matchName: 'api.partner.example' }], [toFqdn])];
    expect(judge(cnps, 'api.partner.example', 443)).toMatchObject({ decision: 'allow', policy: 'CiliumNetworkPolicy front/egress' });
    expect(judge(cnps, 'api.partner.example', 444)).toMatchObject({ decision: 'deny', layer: 'cilium-egress' });
  });

  it('a DNS rule not naming the host refuses its lookup; a DNS rule without names leaves toFQDNs nothing to match', () => {
    expect(judge([egress([{ matchName: 'api.back.svc.cluster.local' }], [toFqdn])], 'api.partner.example', 443)).toMatchObject({ decision: 'deny', layer: 'cilium-egress', reason: expect.stringContaining('DNS lookup of api.partner.example refused by Cilium DNS proxy') });
    expect(judge([egress(null, [toFqdn])], 'api.partner.example', 443)).toMatchObject({ decision: 'deny', layer: 'cilium-egress', reason: expect.stringContaining("did not go through Cilium's DNS proxy") });
  });

  it('toCIDR reaches addresses inside on its port, no DNS involved', () => {
    const cnps = [egress([{ matchName: 'api.back.svc.cluster.local' }], [toCidr])];
    expect(judge(cnps, '203.0.113.10', 8443).decision).toBe('allow');
    expect(judge(cnps, '203.0.114.0', 8443).decision).toBe('deny');
    expect(judge(cnps, '203.0.113.10', 443).decision).toBe('deny');
  });

  it('a source pod that is not ready sends nothing', () => {
    const v = evaluateExternalProbe(indexDataplane(world()), { fromPod: { namespace: 'front', name: 'nope' }, host: '203.0.113.10', port: 8443 });
    expect(v).toMatchObject({ decision: 'deny', layer: 'none' });
  });
});
