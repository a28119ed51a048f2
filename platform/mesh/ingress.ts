/**
 * North-south ingress of a mesh member (reference §4.7, crates/lattice-mesh-member/src/ingress.rs):
 * `spec.ingress` ⇒ the namespace's shared Gateway API Gateway `<ns>-ingress` (this member's listeners),
 * one HTTPRoute / GRPCRoute / TCPRoute per route, cert-manager Certificates for auto TLS, the gateway
 * proxy's per-service CiliumNetworkPolicy `cnp-gw-*` and AuthorizationPolicy `allow-gw-*`, the DENY
 * AuthorizationPolicy of a restricted advertise, and the graph node of the gateway proxy
 * (`<ns>-ingress-istio`, dependsAll) that makes the gateway a caller of every member allowing it.
 * Pure: no I/O, no clock (STYLE.md rule 9).
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { LABEL_MANAGED_BY, LABEL_NAME, MANAGED_BY_LATTICE, type LatticeMeshMember } from '../crds/types.ts';
import { derivedName } from './derived-name.ts';
import { GATEWAY_NAME_LABEL, INGRESS_GATEWAY_CLASS, hasIngressRoutes, ingressGatewayName } from './ingress-gateway.ts';
import {
  CILIUM_API_VERSION,
  GATEWAY_API_VERSION,
  ISTIO_SECURITY_API_VERSION,
  MeshCompileError,
  advertisePrincipals,
  dnsRule,
  memberOwnerReference,
  hboneEgressRule,
  hboneIngressRule,
  tcpPorts,
  type Json,
} from './policy-compiler.ts';

/** apiVersion of TCPRoute (still experimental in Gateway API: v1alpha2, reference gateway_api.rs). */
export const TCP_ROUTE_API_VERSION = 'gateway.networking.k8s.io/v1alpha2';
/** apiVersion of cert-manager Certificates. */
export const CERT_MANAGER_API_VERSION = 'cert-manager.io/v1';
/** Issuer of auto-mode TLS without an `issuerRef` (reference tls.rs PLATFORM_CA_ISSUER_NAME). */
export const PLATFORM_CA_ISSUER = 'lattice-ca';
/** ConfigMap of the Lattice CA that an advertised service's Gateway validates client certificates against. */
export const LATTICE_CA_CONFIGMAP = 'lattice-ca-trust';

interface RouteSpec {
  kind?: 'HTTPRoute' | 'GRPCRoute' | 'TCPRoute';
  hosts?: string[];
  port?: string;
  listenPort?: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  rules?: { matches?: any[] }[];
  tls?: { secretName?: string; issuerRef?: { name: string; kind?: string } };
}

interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  tls?: Json;
  allowedRoutes: Json;
}

/**
 * Compiles the ingress objects of one member (reference ingress.rs `IngressCompiler::compile`), in
 * order: Gateway `<ns>-ingress` (class `spec.ingress.gatewayClass` or `istio`; this member's listeners:
 * per HTTP/GRPC route and host `i` a listener `<svc>-<route>-http-<i>` on 80 and, with `tls`,
 * `<svc>-<route>-https-<i>` on 443 terminating with Secret `tls.secretName` or `<svc>-<route>-tls`;
 * per TCP route `<svc>-<route>-tcp` on `listenPort` (else the backend port); with `advertise`, frontend
 * client-certificate validation against ConfigMap `lattice-ca-trust`), the routes `<svc>-<route>-route`
 * (routes in name order; backend = Service `<svc>` at the route's service port), Certificates
 * `<svc>-<route>-cert` (HTTP/GRPC routes with auto TLS: no `secretName`; issuer `issuerRef` or
 * ClusterIssuer `lattice-ca`), CiliumNetworkPolicy `cnp-gw-<h(ns/gw/svc)>` (gateway pods: HBONE and
 * the listener ports in, DNS and HBONE out), AuthorizationPolicy `allow-gw-<h(ns/gw/svc)>` (any source
 * to the listener ports) and, for an advertise without `*`, a DENY AuthorizationPolicy
 * `<svc>-cross-cluster-deny` on the gateway pods with `notPrincipals` = the advertised principals.
 * Objects carry the managed-by / name labels and, all but the shared Gateway, a controller
 * ownerReference to the member, so deleting the member deletes them (the reference stamps it on the
 * AuthorizationPolicies only, controller.rs:424-431, and leaves the routes, Certificates and `cnp-gw-*`
 * of a deleted member behind: platform/README.md "Fidelity"). The controller also tracks them for
 * orphan cleanup. [] when the member has no ingress routes.
 *
 * Throws {@link MeshCompileError} when a route's `port` names no member port, or when it names none
 * and the member does not have exactly one port (reference `RouteSpec::resolve_port`), or when the
 * member has no `metadata.uid`.
 */
export function compileIngress(member: LatticeMeshMember, opts: { trustDomain: string }): KubeObject[] {
  const ingress = member.spec.ingress;
  if (!hasIngressRoutes(ingress)) return [];
  const namespace = member.metadata.namespace!;
  const svc = member.metadata.name;
  const gateway = ingressGatewayName(namespace);
  const meta = (name: string, owned = false): KubeObject['metadata'] => ({
    name,
    namespace,
    labels: { [LABEL_MANAGED_BY]: MANAGED_BY_LATTICE, [LABEL_NAME]: name },
    ...(owned ? { ownerReferences: [memberOwnerReference(member)] } : {}),
  });
  const listeners: Listener[] = [];
  const routes: KubeObject[] = [];
  const certificates: KubeObject[] = [];
  const sameNamespace = { namespaces: { from: 'Same' } };
  const parentRef = (sectionName: string) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway, namespace, sectionName });

  for (const routeName of Object.keys(ingress!.routes).sort()) {
    const route = ingress!.routes[routeName] as RouteSpec;
    const kind = route.kind ?? 'HTTPRoute';
    const backendPort = resolveRoutePort(member, routeName, route);
    const backendRefs = [{ kind: 'Service', name: svc, port: backendPort }];
    const secretName = route.tls?.secretName ?? `${svc}-${routeName}-tls`;
    const terminate = { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: secretName }] };
    const name = `${svc}-${routeName}-route`;
    if (kind === 'TCPRoute') {
      const listener = `${svc}-${routeName}-tcp`;
      listeners.push({ name: listener, port: route.listenPort ?? backendPort, protocol: 'TCP', ...(route.tls ? { tls: terminate } : {}), allowedRoutes: sameNamespace });
      routes.push({ apiVersion: TCP_ROUTE_API_VERSION, kind, metadata: meta(name, true), spec: { parentRefs: [parentRef(listener)], rules: [{ backendRefs }] } });
      continue;
    }
    const hosts = route.hosts ?? [];
    const parentRefs: Json[] = [];
    hosts.forEach((host, i) => {
      const http = `${svc}-${routeName}-http-${i}`;
      listeners.push({ name: http, hostname: host, port: 80, protocol: 'HTTP', allowedRoutes: sameNamespace });
      parentRefs.push(parentRef(http));
      if (route.tls) {
        const https = `${svc}-${routeName}-https-${i}`;
        listeners.push({ name: https, hostname: host, port: 443, protocol: 'HTTPS', tls: terminate, allowedRoutes: sameNamespace });
        parentRefs.push(parentRef(https));
      }
    });
    const matches = kind === 'GRPCRoute' ? grpcMatches(route) : httpMatches(route);
    routes.push({
      apiVersion: GATEWAY_API_VERSION,
      kind,
      metadata: meta(name, true),
      spec: { parentRefs, ...(hosts.length > 0 ? { hostnames: [...hosts] } : {}), rules: [{ ...(matches.length > 0 ? { matches } : {}), backendRefs }] },
    });
    if (route.tls && route.tls.secretName === undefined && hosts.length > 0) {
      const issuer = route.tls.issuerRef ?? { name: PLATFORM_CA_ISSUER };
      certificates.push({
        apiVersion: CERT_MANAGER_API_VERSION,
        kind: 'Certificate',
        metadata: meta(`${svc}-${routeName}-cert`, true),
        spec: { secretName: `${svc}-${routeName}-tls`, dnsNames: [...hosts], issuerRef: { name: issuer.name, kind: issuer.kind ?? 'ClusterIssuer', group: 'cert-manager.io' } },
      });
    }
  }
  if (listeners.length === 0) return [];

  const listenerPorts = tcpPorts(listeners.map((l) => l.port));
  const gatewayPods = { [GATEWAY_NAME_LABEL]: gateway };
  const h = [namespace, gateway, svc];
  const advertise = member.spec.advertise;
  const out: KubeObject[] = [
    {
      apiVersion: GATEWAY_API_VERSION,
      kind: 'Gateway',
      metadata: meta(gateway),
      spec: {
        gatewayClassName: ingress!.gatewayClass ?? INGRESS_GATEWAY_CLASS,
        listeners,
        ...(advertise ? { tls: { frontend: { default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: LATTICE_CA_CONFIGMAP }] } } } } } : {}),
      },
    },
    ...routes,
    ...certificates,
    {
      apiVersion: CILIUM_API_VERSION,
      kind: 'CiliumNetworkPolicy',
      metadata: meta(derivedName('cnp-gw-', h), true),
      spec: {
        endpointSelector: { matchLabels: { [`k8s:${GATEWAY_NAME_LABEL}`]: gateway } },
        ingress: [hboneIngressRule(), { toPorts: [{ ports: listenerPorts }] }],
        egress: [dnsRule([]), hboneEgressRule()],
      },
    },
    {
      apiVersion: ISTIO_SECURITY_API_VERSION,
      kind: 'AuthorizationPolicy',
      metadata: meta(derivedName('allow-gw-', h), true),
      spec: { selector: { matchLabels: gatewayPods }, action: 'ALLOW', rules: [{ to: [{ operation: { ports: listenerPorts.map((p) => p.port) } }] }] },
    },
  ];
  if (advertise && !advertise.allowedServices.includes('*')) {
    out.push({
      apiVersion: ISTIO_SECURITY_API_VERSION,
      kind: 'AuthorizationPolicy',
      metadata: meta(`${svc}-cross-cluster-deny`, true),
      spec: { selector: { matchLabels: gatewayPods }, action: 'DENY', rules: [{ from: [{ source: { notPrincipals: advertisePrincipals(opts.trustDomain, advertise.allowedServices) } }] }] },
    });
  }
  return out;
}

/** The Service port a route's backendRef uses (reference ingress.rs `RouteSpec::resolve_port`). */
function resolveRoutePort(member: LatticeMeshMember, routeName: string, route: RouteSpec): number {
  const ports = member.spec.ports ?? [];
  const where = `LatticeMeshMember ${member.metadata.namespace}/${member.metadata.name}: ingress route '${routeName}'`;
  if (route.port !== undefined) {
    const p = ports.find((x) => x.name === route.port);
    if (!p) throw new MeshCompileError(`${where}: port '${route.port}' not found in member ports`);
    return p.servicePort || p.port;
  }
  if (ports.length !== 1) throw new MeshCompileError(`${where}: cannot infer port: member has ${ports.length} ports, specify route.port explicitly`);
  return ports[0].servicePort || ports[0].port;
}

/** HTTPRoute matches (reference `build_http_matches`): the rules' matches, else one `PathPrefix /`. */
function httpMatches(route: RouteSpec): Json[] {
  if (!route.rules) return [{ path: { type: 'PathPrefix', value: '/' } }];
  return route.rules.flatMap((r) =>
    (r.matches ?? []).map((m) => ({
      ...(m.path ? { path: { type: m.path.type === 'Exact' ? 'Exact' : 'PathPrefix', value: m.path.value } } : {}),
      ...(m.headers?.length ? { headers: m.headers.map((x: { name: string; value: string; type?: string }) => ({ name: x.name, value: x.value, ...(x.type ? { type: x.type } : {}) })) } : {}),
      ...(m.method ? { method: m.method } : {}),
    })),
  );
}

/** GRPCRoute matches (reference `build_grpc_matches`): the rules' `grpcMethod`s, else none. */
function grpcMatches(route: RouteSpec): Json[] {
  if (!route.rules) return [];
  return route.rules.flatMap((r) => (r.matches ?? []).map((m) => (m.grpcMethod ? { method: { ...m.grpcMethod } } : {})));
}
