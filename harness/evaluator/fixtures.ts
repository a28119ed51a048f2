/**
 * Small builders of dataplane objects (Namespace, Pod, Service, EndpointSlice, Cilium and Istio policy
 * objects) for evaluator tests and examples. Shapes follow the Kubernetes / Cilium / Istio APIs; only
 * the fields the evaluator reads are filled. Pure functions, no defaults taken from a clock.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { DataplaneView } from './types.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** A Namespace with labels. */
export function namespace(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}

/** Options of {@link pod}: defaults are Running, Ready, service account `default`, no ports. */
export interface PodOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  serviceAccount?: string;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  phase?: string;
  ready?: boolean;
  deleting?: boolean;
  ip?: string;
}

/** A Pod in `ns` (one container `main`). */
export function pod(ns: string, name: string, o: PodOptions = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      labels: o.labels ?? {},
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { ...(o.serviceAccount ? { serviceAccountName: o.serviceAccount } : {}), containers: [{ name: 'main', ports: o.ports ?? [] }] },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.ip ? { podIP: o.ip } : {}),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

/** A ClusterIP Service in `ns` with a selector and ports (`targetPort` number or port name). */
export function service(
  ns: string,
  name: string,
  selector: Record<string, string>,
  ports: { port: number; targetPort?: number | string; name?: string; protocol?: string }[],
  labels: Record<string, string> = {},
): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, labels }, spec: { selector, ports } };
}

/** An EndpointSlice of Service `ns/svc` listing pods (by name) with their ready condition (default true). */
export function endpointSlice(ns: string, svc: string, endpoints: { pod: string; ready?: boolean }[], name = `${svc}-abcde`): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e, i) => ({
      addresses: [`10.0.0.${i + 1}`],
      conditions: { ready: e.ready ?? true },
      targetRef: { kind: 'Pod', namespace: ns, name: e.pod },
    })),
  };
}

/** A CiliumNetworkPolicy (cilium.io/v2) with the given `spec`. */
export function cnp(ns: string, name: string, spec: Json): KubeObject {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace: ns }, spec };
}

/** A CiliumClusterwideNetworkPolicy (cilium.io/v2) with the given `spec`. */
export function ccnp(name: string, spec: Json): KubeObject {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name }, spec };
}

/** A Kubernetes NetworkPolicy (networking.k8s.io/v1) with the given `spec`. */
export function networkPolicy(ns: string, name: string, spec: Json): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec };
}

/** An AuthorizationPolicy (security.istio.io/v1) with the given `spec`. */
export function authorizationPolicy(ns: string, name: string, spec: Json): KubeObject {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns }, spec };
}

/** A PeerAuthentication (security.istio.io/v1) with the given `spec` and optional creationTimestamp. */
export function peerAuthentication(ns: string, name: string, spec: Json, creationTimestamp?: string): KubeObject {
  return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace: ns, ...(creationTimestamp ? { creationTimestamp } : {}) }, spec };
}

/** A view with empty lists, trust domain `cluster.local` and root namespace `istio-system`, overridden by `parts`. */
export function dataplaneView(parts: Partial<DataplaneView> = {}): DataplaneView {
  return {
    namespaces: [],
    pods: [],
    services: [],
    endpointSlices: [],
    ciliumNetworkPolicies: [],
    ciliumClusterwideNetworkPolicies: [],
    authorizationPolicies: [],
    peerAuthentications: [],
    trustDomain: 'cluster.local',
    rootNamespace: 'istio-system',
    ...parts,
  };
}
