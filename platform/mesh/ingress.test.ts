import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { derivedName } from './derived-name.ts';
import { buildServiceGraph } from './graph.ts';
import { compileIngress } from './ingress.ts';
import { ingressGatewayNode } from './ingress-gateway.ts';
import { MeshCompileError, compileMeshPolicies } from './policy-compiler.ts';
import { lmm } from './testing/members.ts';

const TD = 'lattice.test';
const byKind = (objs: KubeObject[], kind: string) => objs.filter((o) => o.kind === kind);
const publicRoute = { routes: { public: { kind: 'HTTPRoute', hosts: ['api.example.com'] } } };

// Shapes from the reference's crates/lattice-mesh-member/src/ingress.rs (IngressCompiler) and its unit tests.
describe('compileIngress', () => {
  test('one HTTP route: the shared Gateway with one listener, the HTTPRoute, cnp-gw and allow-gw', () => {
    const objs = compileIngress(lmm('prod', 'api', { ingress: publicRoute }), { trustDomain: TD });
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Gateway/prod-ingress',
      'HTTPRoute/api-public-route',
      `CiliumNetworkPolicy/${derivedName('cnp-gw-', ['prod', 'prod-ingress', 'api'])}`,
      `AuthorizationPolicy/${derivedName('allow-gw-', ['prod', 'prod-ingress', 'api'])}`,
    ]);
    const [gw, route, cnp, ap] = objs;
    expect(gw.spec).toEqual({
      gatewayClassName: 'istio',
      listeners: [{ name: 'api-public-http-0', hostname: 'api.example.com', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }],
    });
    expect(route.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'prod-ingress', namespace: 'prod', sectionName: 'api-public-http-0' }],
      hostnames: ['api.example.com'],
      // The backend is the Service port (servicePort 80), not the container port 8080 (reference resolve_port).
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ kind: 'Service', name: 'api', port: 80 }] }],
    });
    expect(cnp.spec.endpointSelector).toEqual({ matchLabels: { 'k8s:gateway.networking.k8s.io/gateway-name': 'prod-ingress' } });
    expect(cnp.spec.ingress).toEqual([
      { fromEntities: ['cluster'], toPorts: [{ ports: [{ port: '15008', protocol: 'TCP' }] }] },
      { toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }] },
    ]);
    expect(cnp.spec.egress).toHaveLength(2);
    expect(cnp.spec.egress[0].toPorts[0].rules).toBeUndefined();
    expect(cnp.spec.egress[1]).toEqual({ toEntities: ['cluster', 'world'], toPorts: [{ ports: [{ port: '15008', protocol: 'TCP' }] }] });
    expect(ap.spec).toEqual({ selector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'prod-ingress' } }, action: 'ALLOW', rules: [{ to: [{ operation: { ports: ['80'] } }] }] });
    // Owned by the member (deleted with it), all but the shared Gateway.
    for (const o of [route, cnp, ap]) expect(o.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'LatticeMeshMember', name: 'api', controller: true })]);
    expect(gw.metadata.ownerReferences).toBeUndefined();
  });

  test('TLS adds an HTTPS listener per host and an auto-mode Certificate (issuer lattice-ca by default); secretName means manual mode, no Certificate', () => {
    const auto = compileIngress(lmm('prod', 'api', { ingress: { routes: { public: { hosts: ['a.example.com', 'b.example.com'], tls: {} } } } }), { trustDomain: TD });
    const listeners = byKind(auto, 'Gateway')[0].spec.listeners;
    expect(listeners.map((l: { name: string; port: number }) => `${l.name}:${l.port}`)).toEqual(['api-public-http-0:80', 'api-public-https-0:443', 'api-public-http-1:80', 'api-public-https-1:443']);
    expect(listeners[1].tls).toEqual({ mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'api-public-tls' }] });
    expect(byKind(auto, 'Certificate').map((c) => [c.metadata.name, c.spec])).toEqual([
      ['api-public-cert', { secretName: 'api-public-tls', dnsNames: ['a.example.com', 'b.example.com'], issuerRef: { name: 'lattice-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' } }],
    ]);
    const manual = compileIngress(lmm('prod', 'api', { ingress: { routes: { public: { hosts: ['a.example.com'], tls: { secretName: 'mine' } } } } }), { trustDomain: TD });
    expect(byKind(manual, 'Certificate')).toEqual([]);
    expect(byKind(manual, 'Gateway')[0].spec.listeners[1].tls.certificateRefs).toEqual([{ kind: 'Secret', name: 'mine' }]);
  });

  test('GRPC and TCP routes: GRPCRoute with method matches, TCPRoute (v1alpha2) on its listenPort; routes in name order', () => {
    const member = lmm('prod', 'api', {
      ports: [{ name: 'http', port: 8080, servicePort: 80 }, { name: 'grpc', port: 9090 }],
      ingress: {
        gatewayClass: 'eg',
        routes: {
          rpc: { kind: 'GRPCRoute', hosts: ['rpc.example.com'], port: 'grpc', rules: [{ matches: [{ grpcMethod: { service: 'svc.Api', method: 'Get' } }] }] },
          db: { kind: 'TCPRoute', port: 'grpc', listenPort: 5432 },
        },
      },
    });
    const objs = compileIngress(member, { trustDomain: TD });
    expect(objs[0].spec.gatewayClassName).toBe('eg');
    expect(objs[0].spec.listeners.map((l: { name: string; port: number; protocol: string }) => `${l.name}:${l.port}:${l.protocol}`)).toEqual(['api-db-tcp:5432:TCP', 'api-rpc-http-0:80:HTTP']);
    const tcp = byKind(objs, 'TCPRoute')[0];
    expect(tcp.apiVersion).toBe('gateway.networking.k8s.io/v1alpha2');
    expect(tcp.spec.rules).toEqual([{ backendRefs: [{ kind: 'Service', name: 'api', port: 9090 }] }]);
    expect(byKind(objs, 'GRPCRoute')[0].spec.rules[0].matches).toEqual([{ method: { service: 'svc.Api', method: 'Get' } }]);
    expect(byKind(objs, 'AuthorizationPolicy')[0].spec.rules[0].to[0].operation.ports).toEqual(['80', '5432']);
  });

  test('restricted advertise: frontend mTLS on the Gateway and a DENY AP with notPrincipals', () => {
    const objs = compileIngress(lmm('prod', 'api', { ingress: publicRoute, advertise: { allowedServices: ['edge/fw'] } }), { trustDomain: TD });
    expect(objs[0].spec.tls).toEqual({ frontend: { default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'lattice-ca-trust' }] } } } });
    const deny = objs.find((o) => o.metadata.name === 'api-cross-cluster-deny')!;
    expect(deny.spec).toEqual({ selector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'prod-ingress' } }, action: 'DENY', rules: [{ from: [{ source: { notPrincipals: [`${TD}/ns/edge/sa/fw`] } }] }] });
  });

  test('an unresolvable route port throws MeshCompileError; no routes compiles nothing', () => {
    const twoPorts = [{ name: 'http', port: 8080 }, { name: 'grpc', port: 9090 }];
    expect(() => compileIngress(lmm('prod', 'api', { ports: twoPorts, ingress: publicRoute }), { trustDomain: TD })).toThrow(/cannot infer port: member has 2 ports/);
    expect(() => compileIngress(lmm('prod', 'api', { ingress: { routes: { public: { hosts: ['a.b'], port: 'nope' } } } }), { trustDomain: TD })).toThrow(MeshCompileError);
    expect(compileIngress(lmm('prod', 'api', { ingress: { routes: {} } }), { trustDomain: TD })).toEqual([]);
  });
});

// Reference crates/lattice-mesh-member/src/controller.rs:219-242: the gateway proxy is registered as a dependsAll member.
describe('the ingress gateway as a caller', () => {
  test('a member with ingress registers <ns>-ingress-istio; a service allowing it gets its principal, one not allowing it does not', () => {
    const members = [
      lmm('prod', 'api', { ingress: publicRoute, allowedCallers: [{ name: 'prod-ingress-istio' }] }),
      lmm('prod', 'db'),
      lmm('prod', 'open', { allowedCallers: [{ name: '*' }] }),
    ];
    const graph = buildServiceGraph(members);
    expect(graph.node('prod/prod-ingress-istio')).toEqual(ingressGatewayNode('prod'));
    expect(graph.activeOutbound('prod/prod-ingress-istio').map((n) => n.key)).toEqual(['prod/api', 'prod/open']);
    const apOf = (key: string) =>
      compileMeshPolicies(members.find((m) => `prod/${m.metadata.name}` === key)!, graph, { trustDomain: TD }).find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name.startsWith('allow-to-'));
    expect(apOf('prod/api')!.spec.rules[0].from[0].source.principals).toEqual([`${TD}/ns/prod/sa/prod-ingress-istio`]);
    expect(apOf('prod/db')).toBeUndefined();
  });

  test('no member with ingress routes: no gateway node', () => {
    const graph = buildServiceGraph([lmm('prod', 'api', { allowedCallers: [{ name: 'prod-ingress-istio' }] })]);
    expect(graph.node('prod/prod-ingress-istio')).toBeUndefined();
    expect(graph.edges()).toEqual([]);
  });
});
