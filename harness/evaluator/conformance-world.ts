/**
 * The fixed world every conformance case starts from, and the shape of a case (see
 * conformance-cases.ts and conformance.test.ts). Two application namespaces:
 *
 * - `front/web-0`: labels `app=web`, service account `web`, IP 10.1.0.1; namespace label `team=frontend`.
 * - `back/api-0`: labels `app=api`, service account `api`, IP 10.2.0.1, container ports `http` 8080/TCP
 *   and `metrics` 9090/TCP; Service `back/api` port 80 → targetPort `http`, port 9090 → `metrics`.
 * - `back/ext-ip`: selector-less Service, port 443, EndpointSlice address 203.0.113.10 (outside the cluster).
 * - `back/ext-name`, `back/ext-deep`: ExternalName Services → `api.example.com`, `a.b.example.com`.
 * - `default/kubernetes`: the API server Service, port 443 → EndpointSlice address 172.18.0.2:6443 (a node).
 * - `kube-system/coredns-0` (`k8s-app=kube-dns`), namespaces `istio-system`, `kube-system`.
 *
 * By default a CCNP `allow-dns` lets every application pod query kube-dns on 53/UDP through the DNS
 * proxy (`matchPattern: "*"`, `enableDefaultDeny` false both ways), as a Lattice-style platform does;
 * `dns: false` removes it, `dns: 'l4'` keeps the allow without the L7 DNS rule.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { ccnp, dataplaneView, endpointSlice, namespace, pod, service } from './fixtures.ts';
import type { DataplaneView, DecidingLayer, Decision, ProbeRequest } from './types.ts';

/** Ambient enrollment of the two application namespaces. */
export type Ambient = 'both' | 'none' | 'src' | 'dst';

/** What a case changes in the base world. Policies are added; labels replace the defaults. */
export interface WorldChanges {
  ambient?: Ambient;
  cnps?: KubeObject[];
  ccnps?: KubeObject[];
  aps?: KubeObject[];
  pas?: KubeObject[];
  /** Kubernetes NetworkPolicies. */
  knps?: KubeObject[];
  /** Label `istio.io/use-waypoint` on Service back/api. */
  useWaypoint?: string;
  /**
   * A waypoint Gateway `back/waypoint` (class istio-waypoint) and its pod `back/waypoint-0` (service
   * account `waypoint`, IP 10.2.0.99): `exists: false` leaves the Gateway out, `ready: false` the pod not ready.
   */
  waypoint?: { exists?: boolean; ready?: boolean; for?: string };
  /** Labels of front/web-0 (default `{app: web}`). */
  webLabels?: Record<string, string>;
  webAnnotations?: Record<string, string>;
  webServiceAccount?: string;
  webReady?: boolean;
  apiLabels?: Record<string, string>;
  apiReady?: boolean;
  /** The permissive DNS CCNP: true (default, with `matchPattern: "*"`), `'l4'` (no L7 DNS rule), false (absent), or the DNS rules to use. */
  dns?: boolean | 'l4' | object[];
  trustDomain?: string;
}

/** The probe of a case: defaults `front/web-0` → `back/api:80`, GET /. */
export interface CaseProbe {
  from?: string;
  to?: string;
  port?: number;
  method?: string;
  path?: string;
}

/** One conformance case. `cite` names the documented rule it checks. */
export interface ConformanceCase {
  name: string;
  cite: string;
  world?: WorldChanges;
  probe?: CaseProbe;
  expect: {
    decision: Decision;
    layer: DecidingLayer;
    /** When present, the deciding policy must be exactly this (`null` = none). */
    policy?: string | null;
    /** When present, the reason must contain this text. */
    reason?: string;
  };
  /** `todo`: not modelled yet (the case documents the expected behaviour); the reason says why. */
  todo?: string;
}

const SYSTEM_NS = ['kube-system', 'istio-system'];
const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };

/** Selector of the kube-dns pods, namespace-qualified (usable in CNPs and CCNPs). */
export const KUBE_DNS = { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' };

/** An egress element to kube-dns on 53/UDP, with the given L7 DNS rules (null = L4 only). */
export function dnsEgress(dnsRules: object[] | null): object {
  return {
    toEndpoints: [{ matchLabels: KUBE_DNS }],
    toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }], ...(dnsRules ? { rules: { dns: dnsRules } } : {}) }],
  };
}

/** Selector of every application pod (not in a system namespace). */
export const APP_PODS = { matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'NotIn', values: SYSTEM_NS }] };

function dnsPolicy(dns: WorldChanges['dns']): KubeObject[] {
  if (dns === false) return [];
  const rules = dns === 'l4' ? null : Array.isArray(dns) ? dns : [{ matchPattern: '*' }];
  return [ccnp('allow-dns', { endpointSelector: APP_PODS, enableDefaultDeny: { egress: false, ingress: false }, egress: [dnsEgress(rules)] })];
}

/** Builds the base world with a case's changes. */
export function conformanceWorld(c: WorldChanges = {}): DataplaneView {
  const ambient = c.ambient ?? 'none';
  const srcAmbient = ambient === 'both' || ambient === 'src';
  const dstAmbient = ambient === 'both' || ambient === 'dst';
  const externalSlice: KubeObject = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'ext-ip-1', namespace: 'back', labels: { 'kubernetes.io/service-name': 'ext-ip' } },
    addressType: 'IPv4',
    ports: [{ name: 'https', port: 443, protocol: 'TCP' }],
    endpoints: [{ addresses: ['203.0.113.10'], conditions: { ready: true } }],
  };
  const apiServerSlice: KubeObject = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
    endpoints: [{ addresses: ['172.18.0.2'], conditions: { ready: true } }],
  };
  const externalName = (name: string, target: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'back' },
    spec: { type: 'ExternalName', externalName: target },
  });
  return dataplaneView({
    namespaces: [
      namespace('front', { team: 'frontend', ...(srcAmbient ? AMBIENT : {}) }),
      namespace('back', dstAmbient ? AMBIENT : {}),
      namespace('istio-system'),
      namespace('kube-system'),
    ],
    pods: [
      pod('front', 'web-0', { labels: c.webLabels ?? { app: 'web' }, annotations: c.webAnnotations, serviceAccount: c.webServiceAccount ?? 'web', ip: '10.1.0.1', ready: c.webReady }),
      pod('back', 'api-0', {
        labels: c.apiLabels ?? { app: 'api' },
        serviceAccount: 'api',
        ip: '10.2.0.1',
        ready: c.apiReady,
        ports: [
          { name: 'http', containerPort: 8080 },
          { name: 'metrics', containerPort: 9090 },
        ],
      }),
      ...(c.waypoint
        ? [pod('back', 'waypoint-0', { labels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' }, serviceAccount: 'waypoint', ip: '10.2.0.99', ready: c.waypoint.ready, ports: [{ name: 'mesh', containerPort: 15008 }] })]
        : []),
      pod('kube-system', 'coredns-0', {
        labels: { 'k8s-app': 'kube-dns' },
        serviceAccount: 'coredns',
        ip: '10.0.0.10',
        ports: [
          { name: 'dns', containerPort: 53, protocol: 'UDP' },
          { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
        ],
      }),
    ],
    services: [
      service(
        'back',
        'api',
        { app: 'api' },
        [
          { port: 80, targetPort: 'http', name: 'http' },
          { port: 9090, targetPort: 'metrics', name: 'metrics' },
        ],
        c.useWaypoint ? { 'istio.io/use-waypoint': c.useWaypoint } : {},
      ),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext-ip', namespace: 'back' }, spec: { ports: [{ name: 'https', port: 443 }] } },
      externalName('ext-name', 'api.example.com'),
      externalName('ext-deep', 'a.b.example.com'),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default' }, spec: { ports: [{ name: 'https', port: 443, targetPort: 6443 }] } },
    ],
    endpointSlices: [endpointSlice('back', 'api', [{ pod: 'api-0', ready: c.apiReady ?? true }]), externalSlice, apiServerSlice],
    ciliumNetworkPolicies: c.cnps ?? [],
    ciliumClusterwideNetworkPolicies: [...dnsPolicy(c.dns), ...(c.ccnps ?? [])],
    authorizationPolicies: c.aps ?? [],
    peerAuthentications: c.pas ?? [],
    networkPolicies: c.knps ?? [],
    gateways:
      c.waypoint && c.waypoint.exists !== false
        ? [
            {
              apiVersion: 'gateway.networking.k8s.io/v1',
              kind: 'Gateway',
              metadata: { name: 'waypoint', namespace: 'back', labels: { 'istio.io/waypoint-for': c.waypoint.for ?? 'service' } },
              spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
            },
          ]
        : [],
    trustDomain: c.trustDomain ?? 'cluster.local',
  });
}

/** The probe request of a case. */
export function conformanceProbe(p: CaseProbe = {}): ProbeRequest {
  const [fromNs, fromName] = (p.from ?? 'front/web-0').split('/');
  const [toNs, toName] = (p.to ?? 'back/api').split('/');
  return {
    fromPod: { namespace: fromNs, name: fromName },
    toService: { namespace: toNs, name: toName },
    port: p.port ?? 80,
    ...(p.method ? { method: p.method } : {}),
    ...(p.path ? { path: p.path } : {}),
  };
}
