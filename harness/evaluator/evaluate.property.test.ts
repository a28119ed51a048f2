import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { evaluate, evaluateIndexed, indexDataplane } from './evaluate.ts';
import { authorizationPolicy, ccnp, cnp, dataplaneView, endpointSlice, namespace, peerAuthentication, pod, service } from './fixtures.ts';
import type { DataplaneView, ProbeRequest } from './types.ts';

const NAMESPACES = ['n1', 'n2'];
const APPS = ['a', 'b'];

const appArb = fc.constantFrom(...APPS);
const nsArb = fc.constantFrom(...NAMESPACES);

const peerArb = fc.oneof(
  fc.constant({}),
  appArb.map((app) => ({ fromEndpoints: [{ matchLabels: { app } }] })),
  fc.tuple(appArb, nsArb).map(([app, ns]) => ({ fromEndpoints: [{ matchLabels: { app, 'k8s:io.kubernetes.pod.namespace': ns } }] })),
  fc.constantFrom(['cluster'], ['world'], ['host'], []).map((e) => ({ fromEntities: e })),
);
const portsArb = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('8080', '15008', 'http', '9999').map((port) => [{ ports: [{ port, protocol: 'TCP' }] }]),
  fc.constantFrom<object[]>([{ matchPattern: '*' }], [{ matchName: 'svc.n1.svc.cluster.local' }], [{ matchPattern: '**.svc.cluster.local' }]).map((dns) => [
    { ports: [{ port: '53', protocol: 'UDP' }], rules: { dns } },
  ]),
);
/** An element usable in either direction: `from*` keys are renamed to `to*` for egress. */
const elementArb = fc.tuple(peerArb, portsArb).map(([peer, toPorts]) => ({ ...peer, ...(toPorts ? { toPorts } : {}) }));
const toEgress = (el: Record<string, unknown>) => Object.fromEntries(Object.entries(el).map(([k, v]) => [k.replace(/^from/, 'to'), v]));
const kubeDnsEgress = { toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } }], toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }] }] };

const ruleSpecArb = fc.record({
  endpointSelector: fc.oneof(fc.constant({}), appArb.map((app) => ({ matchLabels: { app } }))),
  ingress: fc.option(fc.array(elementArb, { maxLength: 2 }), { nil: undefined }),
  egress: fc.option(fc.array(fc.oneof(elementArb.map(toEgress), fc.constant(kubeDnsEgress)), { maxLength: 2 }), { nil: undefined }),
  enableDefaultDeny: fc.option(fc.record({ ingress: fc.boolean(), egress: fc.boolean() }), { nil: undefined }),
});
const specClean = (s: Record<string, unknown>) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined));

const authzArb = fc.oneof(
  fc.constant(authorizationPolicy('istio-system', 'mesh-default-deny', {})),
  fc.tuple(nsArb, nsArb, appArb).map(([ns, from, app]) =>
    authorizationPolicy(ns, `allow-${from}-${app}`, { selector: { matchLabels: { app } }, rules: [{ from: [{ source: { principals: [`cluster.local/ns/${from}/*`] } }] }] }),
  ),
  nsArb.map((ns) => authorizationPolicy(ns, 'allow-8080', { rules: [{ to: [{ operation: { ports: ['8080'] } }] }] })),
  nsArb.map((ns) => authorizationPolicy(ns, 'deny-get', { action: 'DENY', rules: [{ from: [{ source: { namespaces: ['n2'] } }], to: [{ operation: { methods: ['GET'] } }] }] })),
);

const podArb = fc.record({ ns: nsArb, app: appArb, sa: fc.constantFrom('s1', 's2'), mode: fc.constantFrom(undefined, 'ambient', 'none') });

const worldArb = fc
  .record({
    ambient: fc.tuple(fc.boolean(), fc.boolean()),
    pods: fc.array(podArb, { minLength: 1, maxLength: 4 }),
    cnps: fc.array(fc.tuple(nsArb, ruleSpecArb), { maxLength: 4 }),
    ccnps: fc.array(ruleSpecArb, { maxLength: 2 }),
    aps: fc.uniqueArray(authzArb, { maxLength: 3, selector: (p) => `${p.metadata.namespace}/${p.metadata.name}` }),
    strict: fc.boolean(),
  })
  .map((w): DataplaneView => {
    const pods = w.pods.map((p, i) =>
      pod(p.ns, `${p.app}-${i}`, { labels: { app: p.app, ...(p.mode ? { 'istio.io/dataplane-mode': p.mode } : {}) }, serviceAccount: p.sa, ports: [{ name: 'http', containerPort: 8080 }] }),
    );
    return dataplaneView({
      namespaces: NAMESPACES.map((n, i) => namespace(n, w.ambient[i] ? { 'istio.io/dataplane-mode': 'ambient' } : {})),
      pods,
      services: NAMESPACES.map((n) => service(n, 'svc', { app: 'a' }, [{ port: 80, targetPort: 'http' }])),
      endpointSlices: NAMESPACES.map((n) =>
        endpointSlice(
          n,
          'svc',
          pods.filter((p) => p.metadata.namespace === n && p.metadata.labels?.app === 'a').map((p) => ({ pod: p.metadata.name })),
        ),
      ),
      ciliumNetworkPolicies: w.cnps.map(([ns, spec], i) => cnp(ns, `cnp-${i}`, specClean(spec))),
      ciliumClusterwideNetworkPolicies: w.ccnps.map((spec, i) => ccnp(`ccnp-${i}`, specClean(spec))),
      authorizationPolicies: w.aps,
      peerAuthentications: w.strict ? [peerAuthentication('istio-system', 'default', { mtls: { mode: 'STRICT' } })] : [],
    });
  });

function probesOf(view: DataplaneView): ProbeRequest[] {
  return view.pods.flatMap((p) =>
    NAMESPACES.map((n) => ({ fromPod: { namespace: p.metadata.namespace, name: p.metadata.name }, toService: { namespace: n, name: 'svc' }, port: 80 })),
  );
}

const allowEverything = (ns: string): KubeObject => cnp(ns, 'allow-everything', { endpointSelector: {}, ingress: [{}], egress: [{}] });

describe('evaluator properties', () => {
  test.prop([worldArb], { numRuns: 300 })('adding allow-everything CNPs around both pods never turns an allow into a deny (no deny rules)', (view) => {
    const before = indexDataplane(view);
    const after = indexDataplane({ ...view, ciliumNetworkPolicies: [...view.ciliumNetworkPolicies, ...NAMESPACES.map(allowEverything)] });
    for (const probe of probesOf(view)) {
      const b = evaluateIndexed(before, probe);
      const a = evaluateIndexed(after, probe);
      if (b.decision === 'allow') expect(a.decision).toBe('allow');
      // With allow-everything on both sides and no Cilium deny rules, no Cilium layer can deny.
      expect(a.layer === 'cilium-egress' || a.layer === 'cilium-ingress').toBe(false);
    }
  });

  test('the generated worlds exercise every layer (the properties above are not vacuous)', () => {
    const seen = new Map<string, number>();
    for (const view of fc.sample(worldArb, { numRuns: 300, seed: 42 })) {
      for (const probe of probesOf(view)) {
        const v = evaluate(view, probe);
        const k = `${v.decision}:${v.layer}`;
        seen.set(k, (seen.get(k) ?? 0) + 1);
      }
    }
    for (const k of ['allow:none', 'deny:none', 'deny:cilium-egress', 'deny:cilium-ingress', 'deny:ztunnel']) expect(seen.get(k) ?? 0).toBeGreaterThan(10);
  });

  test.prop([worldArb], { numRuns: 100 })('the same view and probe always give the same verdict object', (view) => {
    const copy: DataplaneView = structuredClone(view);
    const shared = indexDataplane(view);
    for (const probe of probesOf(view)) {
      const first = evaluate(view, probe);
      expect(evaluate(copy, probe)).toEqual(first);
      expect(evaluateIndexed(shared, probe)).toEqual(first);
    }
  });
});
