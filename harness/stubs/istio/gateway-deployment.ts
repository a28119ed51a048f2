/**
 * Istio's gateway deployment controller, as far as the mesh sees it (Istio docs "Gateway API: automated
 * deployment"): for every Gateway API `Gateway` of class `istio`, Istio runs the proxy as a ServiceAccount
 * and a Deployment both named `<gateway>-istio`, whose pods carry `gateway.networking.k8s.io/gateway-name:
 * <gateway>` and `service.istio.io/canonical-name: <gateway>-istio`, so the proxy's SPIFFE identity is
 * `<td>/ns/<ns>/sa/<gateway>-istio` (the reference's `<ns>-ingress-istio` graph node). Both are owned by
 * the Gateway (deleted with it). Class `istio-waypoint` Gateways are left alone (no waypoint pods in
 * the simulator: the evaluator bypasses a waypoint without a Ready pod). Not modelled: the LoadBalancer
 * Service, the Gateway's status (addresses, `Programmed`), listener routing itself.
 */
import type { InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done } from '../../../platform/runtime/index.ts';
import { CoreTypes, StubTypes } from '../third-party-crds.ts';
import { controllerRef } from '../owners.ts';

const MANAGER = 'istio-gateway-deployment-controller';
const GatewayType = StubTypes.Gateway;
/** Gateway classes whose Gateways Istio deploys a proxy for. */
export const DEPLOYED_GATEWAY_CLASSES: ReadonlySet<string> = new Set(['istio']);
/** Label of a gateway proxy pod naming its Gateway. */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
/** Label Istio gives a workload's canonical service name (a gateway's = its Deployment name). */
export const CANONICAL_NAME_LABEL = 'service.istio.io/canonical-name';

/** The ServiceAccount and Deployment Istio runs for Gateway `gw` (name `<gw>-istio`, one replica, owned by the Gateway). */
export function gatewayProxyObjects(gw: KubeObject): KubeObject[] {
  const name = `${gw.metadata.name}-istio`;
  const namespace = gw.metadata.namespace;
  const owner = [controllerRef(gw)];
  const podLabels = { [GATEWAY_NAME_LABEL]: gw.metadata.name, [CANONICAL_NAME_LABEL]: name, 'istio.io/gateway-name': gw.metadata.name, 'sidecar.istio.io/inject': 'false' };
  return [
    { ...CoreTypes.ServiceAccount, metadata: { name, namespace, ownerReferences: owner } },
    {
      ...CoreTypes.Deployment,
      metadata: { name, namespace, labels: { [GATEWAY_NAME_LABEL]: gw.metadata.name }, ownerReferences: owner },
      spec: {
        replicas: 1,
        selector: { matchLabels: { [GATEWAY_NAME_LABEL]: gw.metadata.name } },
        template: {
          metadata: { labels: podLabels },
          spec: {
            serviceAccountName: name,
            containers: [{ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.2', args: ['proxy', 'router'], resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } } }],
          },
        },
      },
    },
  ] as KubeObject[];
}

/** The controller as a runner definition: applies {@link gatewayProxyObjects} for every Gateway of a deployed class. */
export function istioGatewayDeploymentController(client: KubeClient, cache: InformerCache): ControllerDefinition {
  const gateways = cache.informerFor(GatewayType);
  return {
    name: MANAGER,
    primary: GatewayType,
    generationChangedOnly: true,
    reconciler: {
      async reconcile(key) {
        const gw = gateways.getByKey(`${key.namespace}/${key.name}`) ?? ((await client.get(GatewayType, key).catch(ignoreNotFound)) as KubeObject | undefined);
        if (!gw || gw.metadata.deletionTimestamp || !DEPLOYED_GATEWAY_CLASSES.has(gw.spec?.gatewayClassName)) return done();
        for (const obj of gatewayProxyObjects(gw)) await client.apply(obj, { fieldManager: MANAGER, force: true });
        return done();
      },
    },
  };
}
