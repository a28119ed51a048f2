/**
 * Istio's gateway deployment controller, as far as the mesh sees it (Istio docs "Gateway API: automated
 * deployment"): for every Gateway API `Gateway` of class `istio`, Istio runs the proxy as a ServiceAccount
 * and a Deployment both named `<gateway>-istio`, whose pods carry `gateway.networking.k8s.io/gateway-name:
 * <gateway>` and `service.istio.io/canonical-name: <gateway>-istio`, so the proxy's SPIFFE identity is
 * `<td>/ns/<ns>/sa/<gateway>-istio` (the reference's `<ns>-ingress-istio` graph node). Both are owned by
 * the Gateway (deleted with it). Class `istio-waypoint` Gateways get no proxy (no waypoint pods in
 * the simulator: the evaluator bypasses a waypoint without a Ready pod), but istiod's status for them:
 * `Accepted` and `Programmed` True (Gateway API conditions), written when the controller first sees the
 * Gateway's generation, as istiod does once the waypoint is deployed; members needing the waypoint wait
 * for `Programmed` before applying their ServiceEntries (reference lattice-mesh-member controller.rs
 * `is_waypoint_programmed`). Not modelled: the LoadBalancer Service, the `istio` class Gateways' status
 * (addresses, `Programmed`), listener routing itself.
 */
import type { InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done } from '../../../platform/runtime/index.ts';
import { CoreTypes, StubTypes } from '../third-party-crds.ts';
import { controllerRef } from '../owners.ts';

const MANAGER = 'istio-gateway-deployment-controller';
const GatewayType = StubTypes.Gateway;
/** Gateway classes whose Gateways Istio deploys a proxy for. */
export const DEPLOYED_GATEWAY_CLASSES: ReadonlySet<string> = new Set(['istio']);
/** Gateway class of Istio's ambient waypoints. */
export const WAYPOINT_GATEWAY_CLASS = 'istio-waypoint';
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
      async reconcile(key, ctx) {
        const gw = gateways.getByKey(`${key.namespace}/${key.name}`) ?? ((await client.get(GatewayType, key).catch(ignoreNotFound)) as KubeObject | undefined);
        if (!gw || gw.metadata.deletionTimestamp) return done();
        if (gw.spec?.gatewayClassName === WAYPOINT_GATEWAY_CLASS) {
          await programWaypoint(client, gw, rfc3339(ctx.clock.now()));
          return done();
        }
        if (!DEPLOYED_GATEWAY_CLASSES.has(gw.spec?.gatewayClassName)) return done();
        for (const obj of gatewayProxyObjects(gw)) await client.apply(obj, { fieldManager: MANAGER, force: true });
        return done();
      },
    },
  };
}

/**
 * Writes `Accepted` and `Programmed` True for waypoint Gateway `gw` at its generation (status subresource,
 * merge patch; `now`: RFC 3339). No write when `Programmed` is already True for this generation.
 */
async function programWaypoint(client: KubeClient, gw: KubeObject, now: string): Promise<void> {
  const generation = gw.metadata.generation;
  const conditions = ((gw.status as { conditions?: { type: string; status: string; observedGeneration?: number }[] } | undefined)?.conditions ?? []);
  if (conditions.some((c) => c.type === 'Programmed' && c.status === 'True' && c.observedGeneration === generation)) return;
  const condition = (type: string, reason: string, message: string) => ({ type, status: 'True', reason, message, observedGeneration: generation, lastTransitionTime: now });
  await client
    .patchStatus(GatewayType, { namespace: gw.metadata.namespace, name: gw.metadata.name }, 'merge', {
      status: { conditions: [condition('Accepted', 'Accepted', 'Resource accepted'), condition('Programmed', 'Programmed', 'Resource programmed, assigned to service(s)')] },
    })
    .catch(ignoreNotFound);
}
