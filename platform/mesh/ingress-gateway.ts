/**
 * The ingress gateway proxy of a namespace as the mesh sees it (reference mesh.rs, controller.rs:219-242):
 * its Gateway name, its ServiceAccount and its graph node. Pure.
 */
import type { IngressSpec } from '../crds/types.ts';
import type { GraphNode } from './graph.ts';

/** Gateway class of the ingress Gateway when `spec.ingress.gatewayClass` is absent (reference mesh.rs INGRESS_GATEWAY_CLASS). */
export const INGRESS_GATEWAY_CLASS = 'istio';
/** Label Gateway API implementations put on a Gateway's proxy pods: the Gateway's name. */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
/** The namespace's shared ingress Gateway: `<ns>-ingress` (reference mesh.rs `ingress_gateway_name`). */
export function ingressGatewayName(namespace: string): string {
  return `${namespace}-ingress`;
}

/**
 * The ingress gateway proxy's ServiceAccount, hence its graph node name: `<ns>-ingress-istio` (Istio
 * names the ServiceAccount and Deployment it runs for Gateway `G` of class `istio` `G-istio`).
 */
export function ingressGatewayServiceAccount(namespace: string): string {
  return `${ingressGatewayName(namespace)}-istio`;
}

/** True when `ingress` has at least one route (only then is anything compiled or registered). */
export function hasIngressRoutes(ingress: IngressSpec | undefined): boolean {
  return ingress !== undefined && Object.keys(ingress.routes ?? {}).length > 0;
}

/**
 * The graph node of namespace `namespace`'s ingress gateway proxy (reference controller.rs:219-242):
 * key `<ns>/<ns>-ingress-istio`, selector `{gateway.networking.k8s.io/gateway-name: <ns>-ingress}`,
 * no ports, `dependsAll: true` (so an edge forms to every member that allows it), service account
 * `<ns>-ingress-istio`, ambient.
 */
export function ingressGatewayNode(namespace: string): GraphNode {
  const name = ingressGatewayServiceAccount(namespace);
  return {
    key: `${namespace}/${name}`,
    namespace,
    name,
    dependencies: [],
    allowedCallers: [],
    allowsAll: false,
    dependsAll: true,
    ports: [],
    selector: { [GATEWAY_NAME_LABEL]: ingressGatewayName(namespace) },
    allowPeerTraffic: false,
    egress: [],
    serviceAccount: name,
    ambient: true,
  };
}

