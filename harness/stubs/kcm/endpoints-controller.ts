/**
 * Legacy Endpoints controller stub (kube-controller-manager `endpoints-controller`, k8s.io/kubernetes
 * pkg/controller/endpoint; Kubernetes docs "Service" → Endpoints): one core/v1 Endpoints per selector
 * Service, named as the Service, with the Service's labels (plus `service.kubernetes.io/headless: ""`
 * for `clusterIP: None`). Each matching pod with a podIP that has not finished for good and is not
 * terminating (terminating ones only with `publishNotReadyAddresses`) becomes an address `{ip,
 * nodeName, targetRef}` (`hostname` when the pod's `hostname` is set and its `subdomain` is the
 * Service), under `addresses` when Ready (or the Service publishes not-ready addresses), else under
 * `notReadyAddresses`. Ports are the Service's, each named as the Service port (unnamed: no name),
 * with the pod's resolved target port; pods whose ports resolve alike share a subset (upstream
 * `RepackSubsets`), addresses sorted by IP. A Service with no port gets one subset of addresses
 * without ports (headless). The annotation `endpoints.kubernetes.io/last-change-trigger-time` carries
 * the latest change the object reflects: the Service's creation or a listed pod's Ready transition
 * (upstream's trigger-time tracker, RFC 3339). Written only when subsets or labels change; a Service
 * without selector is left alone (its Endpoints are the user's).
 * Reads come from the informer cache; Pod changes fan out through the selector index the EndpointSlice
 * controller adds ({@link servicesSelecting}).
 */
import type { InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound, isAlreadyExists } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done } from '../../../platform/runtime/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { belongsInEndpoints, indexServicesBySelector, servicesSelecting } from './endpointslice-controller.ts';

const MANAGER = 'endpoint-controller';
/** Annotation of the last change an Endpoints object reflects. */
export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}
interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}
interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid?: string };
}
/** One subset of an Endpoints object. */
export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/** The container port a Service port targets on `pod` (upstream `podutil.FindPort`), or undefined when a named port is absent. */
function findPort(pod: KubeObject, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) for (const cp of c.ports ?? []) if (cp.name === target && (cp.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return cp.containerPort;
  return undefined;
}

const podReady = (pod: KubeObject): boolean => (pod.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');

/**
 * The subsets of `svc` over `pods` (the pods its selector matches), as upstream's `syncService`
 * builds and repacks them: see the module comment.
 */
export function endpointSubsets(svc: KubeObject, pods: readonly KubeObject[]): EndpointSubset[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const servicePorts = (svc.spec?.ports ?? []) as ServicePort[];
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of pods) {
    if (!belongsInEndpoints(pod) || (pod.metadata.deletionTimestamp && !publishNotReady)) continue;
    const ns = pod.metadata.namespace!;
    const address: EndpointAddress = {
      ip: pod.status.podIP,
      ...(pod.spec?.hostname && pod.spec?.subdomain === svc.metadata.name ? { hostname: pod.spec.hostname } : {}),
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: { kind: 'Pod', namespace: ns, name: pod.metadata.name, ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}) },
    };
    const ports: EndpointPort[] = [];
    for (const sp of servicePorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    if (servicePorts.length > 0 && ports.length === 0) continue;
    const key = JSON.stringify(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, ready: [], notReady: [] }));
    (publishNotReady || podReady(pod) ? g.ready : g.notReady).push(address);
  }
  const byIp = (a: EndpointAddress, b: EndpointAddress) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.targetRef.name.localeCompare(b.targetRef.name));
  return [...groups.values()].map((g) => ({
    ...(g.ready.length ? { addresses: g.ready.sort(byIp) } : {}),
    ...(g.notReady.length ? { notReadyAddresses: g.notReady.sort(byIp) } : {}),
    ...(g.ports.length ? { ports: g.ports } : {}),
  }));
}

/** The latest change `svc`'s Endpoints reflect: its creation, or the newest Ready transition of a listed pod (RFC 3339). */
export function lastChangeTriggerTime(svc: KubeObject, pods: readonly KubeObject[]): string | undefined {
  let latest: string | undefined = svc.metadata.creationTimestamp;
  for (const p of pods) {
    const ready = (p.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready') as { lastTransitionTime?: string } | undefined;
    const t = ready?.lastTransitionTime;
    if (t && (!latest || Date.parse(t) > Date.parse(latest))) latest = t;
  }
  return latest;
}

/** The Endpoints controller as a runner definition. */
export function endpointsController(client: KubeClient, cache: InformerCache): ControllerDefinition {
  indexServicesBySelector(cache);
  return {
    name: MANAGER,
    primary: CoreTypes.Service,
    watches: [{ type: CoreTypes.Pod, map: (pod, old) => servicesSelecting(cache, pod, old) }],
    reconciler: {
      async reconcile(key) {
        const svc = await cache.get(CoreTypes.Service, key).catch(ignoreNotFound);
        // A deleted Service's Endpoints go with it (upstream deletes them; here the garbage collector does not own them, so delete).
        if (!svc) {
          await client.delete(CoreTypes.Endpoints, key).catch(ignoreNotFound);
          return done();
        }
        if (!svc.spec?.selector || svc.metadata.deletionTimestamp) return done();
        const ns = svc.metadata.namespace!;
        const pods = (await cache.list(CoreTypes.Pod, { namespace: ns, labelSelector: { matchLabels: svc.spec.selector } })).items;
        const subsets = endpointSubsets(svc, pods);
        const labels = { ...(svc.metadata.labels ?? {}), ...(svc.spec.clusterIP === 'None' ? { 'service.kubernetes.io/headless': '' } : {}) };
        const current = await cache.get(CoreTypes.Endpoints, key).catch(ignoreNotFound);
        if (current && JSON.stringify(current.subsets ?? []) === JSON.stringify(subsets) && JSON.stringify(current.metadata.labels ?? {}) === JSON.stringify(labels)) return done();
        const trigger = lastChangeTriggerTime(svc, pods);
        const body: KubeObject = {
          apiVersion: 'v1',
          kind: 'Endpoints',
          metadata: { name: svc.metadata.name, namespace: ns, labels, ...(trigger ? { annotations: { [LAST_CHANGE_TRIGGER_TIME]: trigger } } : {}) },
          // No address at all: no subsets field (upstream stores a nil list).
          ...(subsets.length > 0 ? { subsets } : {}),
        };
        if (!current) {
          try {
            await client.create(body, { fieldManager: MANAGER });
            return done();
          } catch (err) {
            if (!isAlreadyExists(err)) throw err;
          }
        }
        await client.patch(CoreTypes.Endpoints, key, 'merge', { metadata: { labels: current ? nullsFor(current.metadata.labels, labels) : labels, annotations: body.metadata.annotations ?? {} }, subsets: subsets.length > 0 ? subsets : null }, { fieldManager: MANAGER }).catch(ignoreNotFound);
        return done();
      },
    },
  };
}

/** A merge-patch map that sets `next` and removes the keys of `prev` it lacks. */
function nullsFor(prev: Record<string, string> | undefined, next: Record<string, string>): Record<string, string | null> {
  const out: Record<string, string | null> = { ...next };
  for (const k of Object.keys(prev ?? {})) if (!(k in next)) out[k] = null;
  return out;
}
