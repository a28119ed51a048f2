/**
 * Cluster-wide default policies installed with Cilium and Istio (reference §4.8).
 * Pure: returns fresh objects on every call.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { LABEL_MANAGED_BY, LATTICE_SYSTEM_NAMESPACE, MANAGED_BY_LATTICE } from '../crds/types.ts';
import { CILIUM_API_VERSION, CILIUM_NAMESPACE_LABEL, HBONE_PORT, ISTIO_SECURITY_API_VERSION, KUBE_DNS_SELECTOR } from './policy-compiler.ts';

/**
 * Namespaces excluded from the `default-deny` CCNP (reference §4.8, `system_namespaces.rs`).
 * `lattice-system` is deliberately absent, as in the reference code (the guide lists it; §8.11).
 */
export const SYSTEM_NAMESPACES: readonly string[] = Object.freeze([
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'cilium-system',
  'istio-system',
  'cert-manager',
  'capi-system',
  'capi-kubeadm-bootstrap-system',
  'capi-kubeadm-control-plane-system',
  'rke2-bootstrap-system',
  'rke2-control-plane-system',
  'capd-system',
  'capa-system',
  'capmox-system',
  'capi-basis-system',
  'capi-ipam-in-cluster-system',
  'external-dns',
  'velero',
  'rook-ceph',
]);

/** Istio root namespace where mesh-wide policies live. */
export const ISTIO_ROOT_NAMESPACE = 'istio-system';

const labels = () => ({ [LABEL_MANAGED_BY]: MANAGED_BY_LATTICE });
const dns53 = () => [{ port: '53', protocol: 'UDP' }, { port: '53', protocol: 'TCP' }];
const notSystem = () => ({ key: CILIUM_NAMESPACE_LABEL, operator: 'NotIn', values: [...SYSTEM_NAMESPACES] });

function ccnp(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: CILIUM_API_VERSION, kind: 'CiliumClusterwideNetworkPolicy', metadata: { name, labels: labels() }, spec };
}

function istio(kind: string, name: string, namespace: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: ISTIO_SECURITY_API_VERSION, kind, metadata: { name, namespace, labels: labels() }, spec };
}

/**
 * The §4.8 objects, in this order:
 * CiliumClusterwideNetworkPolicies `default-deny`, `allow-node-ingress`, `allow-ambient-hostprobes`,
 * `mesh-proxy-egress`; Istio PeerAuthentication `default` (istio-system, STRICT), AuthorizationPolicies
 * `mesh-default-deny` (istio-system, empty spec = allow nothing), `waypoint-default-deny` (istio-system,
 * targetRef GatewayClass `istio-waypoint`, empty rules), `lattice-operator-allow` (lattice-system).
 * All carry label managed-by=lattice. Never throws. Source: reference §4.8.
 */
export function clusterDefaultPolicies(): KubeObject[] {
  return [
    // Reference quirk, kept on purpose: this CCNP has NO ingress section. The reference comments it
    // as "deny all ingress", but Cilium enforces a direction only when some selecting rule has an
    // element in it, so this object isolates egress only (anchors-netpol §1.1, pitfall 13). Ingress
    // isolation of a pod then comes from its own cnp-mesh-* ingress rules, if it has any.
    ccnp('default-deny', {
      endpointSelector: { matchExpressions: [notSystem()] },
      egress: [
        {
          toEndpoints: [{ matchLabels: { ...KUBE_DNS_SELECTOR } }],
          toPorts: [{ ports: dns53(), rules: { dns: [{ matchName: 'kubernetes.default.svc.cluster.local' }] } }],
        },
        { toEntities: ['kube-apiserver'] },
      ],
    }),
    ccnp('allow-node-ingress', {
      endpointSelector: {},
      enableDefaultDeny: { ingress: false, egress: false },
      ingress: [{ fromEntities: ['host', 'remote-node', 'kube-apiserver'] }],
    }),
    ccnp('allow-ambient-hostprobes', {
      endpointSelector: {},
      enableDefaultDeny: { ingress: false, egress: false },
      ingress: [{ fromCIDR: ['169.254.7.127/32'] }],
    }),
    ccnp('mesh-proxy-egress', {
      endpointSelector: { matchExpressions: [{ key: 'k8s:gateway.networking.k8s.io/gateway-name', operator: 'Exists' }] },
      egress: [
        { toEndpoints: [{ matchLabels: { ...KUBE_DNS_SELECTOR } }], toPorts: [{ ports: dns53() }] },
        {
          toEndpoints: [{ matchLabels: { [CILIUM_NAMESPACE_LABEL]: ISTIO_ROOT_NAMESPACE, 'k8s:app': 'istiod' } }],
          toPorts: [{ ports: [{ port: '15012', protocol: 'TCP' }] }],
        },
        { toPorts: [{ ports: [{ port: String(HBONE_PORT), protocol: 'TCP' }] }] },
        { toEndpoints: [{ matchExpressions: [notSystem()] }] },
        { toCIDR: ['0.0.0.0/0'] },
      ],
    }),
    istio('PeerAuthentication', 'default', ISTIO_ROOT_NAMESPACE, { mtls: { mode: 'STRICT' } }),
    istio('AuthorizationPolicy', 'mesh-default-deny', ISTIO_ROOT_NAMESPACE, {}),
    istio('AuthorizationPolicy', 'waypoint-default-deny', ISTIO_ROOT_NAMESPACE, {
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'istio-waypoint' }],
      rules: [],
    }),
    istio('AuthorizationPolicy', 'lattice-operator-allow', LATTICE_SYSTEM_NAMESPACE, {
      selector: { matchLabels: { app: 'lattice-operator' } },
      action: 'ALLOW',
      rules: [{ to: [{ operation: { ports: ['8443', '50051', '8081', '8082', '8787'] } }] }],
    }),
  ];
}
