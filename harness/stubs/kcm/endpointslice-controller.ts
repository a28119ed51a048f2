/**
 * EndpointSlice controller stub (kube-controller-manager): one discovery.k8s.io/v1 EndpointSlice per
 * selector Service, labelled `kubernetes.io/service-name`, owned by the Service, listing every pod
 * that matches the selector, has a podIP and has not finished, with `conditions` ready / serving /
 * terminating as upstream sets them (terminating pods stay listed, never ready). Ports carry
 * the Service port's `name` ("" when unnamed, as upstream), the target port (named target ports
 * resolved against the pod's container ports) and the protocol; a Service no pod backs gets upstream's
 * placeholder slice (no endpoints, no ports). The slice is named
 * `<service>-<5 chars>` (a hash of the Service's uid, stable across syncs) with `generateName`
 * `<service>-` as upstream's, labelled as {@link sliceLabels} says. Updates land after
 * the profile's `endpointSlices.sync` delay, drawn from the Service's own stream
 * `endpointslice/sync/<ns>/<service>`.
 * Reads come from the informer cache. Services are indexed by their selector pairs (index
 * `service-selector`, values `<ns>/<key>=<value>`), so a Pod change enqueues only the Services whose
 * selector matches the pod (before or after the change), never every Service of the namespace.
 */
import { createHash } from 'node:crypto';
import type { Clock, InformerCache, KubeClient, KubeObject, ObjectKey } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound, matchesSelector } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import type { StreamSource } from '../../rng/index.ts';
import type { Delay } from '../../profile.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { DelayGate } from '../delay-gate.ts';
import { controllerRef } from '../owners.ts';

const MANAGER = 'endpointslice-controller.k8s.io';
/** Index of Services by selector pair: `<namespace>/<key>=<value>`. */
export const SERVICE_SELECTOR_INDEX = 'service-selector';

const indexed = new WeakSet<InformerCache>();

/** Adds the {@link SERVICE_SELECTOR_INDEX} to `cache`'s Service informer (once per cache: the EndpointSlice and Endpoints controllers share it). */
export function indexServicesBySelector(cache: InformerCache): void {
  if (indexed.has(cache)) return;
  indexed.add(cache);
  cache.informerFor(CoreTypes.Service).addIndexer(SERVICE_SELECTOR_INDEX, (s) => Object.entries((s.spec?.selector ?? {}) as Record<string, string>).map(([k, v]) => `${s.metadata.namespace}/${k}=${v}`));
}

/** Keys of the selector Services whose selector matches `pod` now or matched `old` (label change). */
export function servicesSelecting(cache: InformerCache, pod: KubeObject, old?: KubeObject): ObjectKey[] {
  const services = cache.informerFor(CoreTypes.Service);
  const out = new Map<string, ObjectKey>();
  for (const p of old ? [pod, old] : [pod]) {
    const labels = p.metadata.labels ?? {};
    for (const [k, v] of Object.entries(labels)) {
      for (const s of services.byIndex(SERVICE_SELECTOR_INDEX, `${p.metadata.namespace}/${k}=${v}`)) {
        if (matchesSelector({ matchLabels: s.spec.selector }, labels)) out.set(`${s.metadata.namespace}/${s.metadata.name}`, { namespace: s.metadata.namespace, name: s.metadata.name });
      }
    }
  }
  return [...out.values()];
}

/**
 * Whether a pod is listed at all (upstream `ShouldPodBeInEndpoints`, terminating pods included): it
 * has a podIP and has not finished for good (restartPolicy Never: not Succeeded or Failed; OnFailure:
 * not Succeeded).
 */
export function belongsInEndpoints(pod: KubeObject): boolean {
  if (!pod.status?.podIP) return false;
  const phase = pod.status?.phase;
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (policy === 'Never') return phase !== 'Failed' && phase !== 'Succeeded';
  if (policy === 'OnFailure') return phase !== 'Succeeded';
  return true;
}

/**
 * EndpointSlice conditions of a listed pod (Kubernetes docs "EndpointSlices", conditions): `serving`
 * = the pod's Ready condition, `terminating` = deletionTimestamp set, `ready` = serving and not
 * terminating; a Service with `publishNotReadyAddresses` marks every endpoint ready and serving.
 */
export function endpointConditions(pod: KubeObject, publishNotReadyAddresses = false): { ready: boolean; serving: boolean; terminating: boolean } {
  const terminating = Boolean(pod.metadata.deletionTimestamp);
  const serving = (pod.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
  if (publishNotReadyAddresses) return { ready: true, serving: true, terminating };
  return { ready: serving && !terminating, serving, terminating };
}

/**
 * Labels of a Service's EndpointSlice (upstream endpointslice reconciler `setEndpointSliceLabels`): the
 * Service's own labels, then `kubernetes.io/service-name`, `endpointslice.kubernetes.io/managed-by`
 * and, for a headless Service (`clusterIP: None`), `service.kubernetes.io/headless: ""`.
 */
export function sliceLabels(svc: KubeObject): Record<string, string> {
  return {
    ...(svc.metadata.labels ?? {}),
    'kubernetes.io/service-name': svc.metadata.name,
    'endpointslice.kubernetes.io/managed-by': MANAGER,
    ...(svc.spec?.clusterIP === 'None' ? { 'service.kubernetes.io/headless': '' } : {}),
  };
}

/** The EndpointSlice controller as a runner definition. */
export function endpointSliceController(client: KubeClient, clock: Clock, rng: StreamSource, sync: Delay, cache: InformerCache): ControllerDefinition {
  const gate = new DelayGate(clock, rng, 'endpointslice/sync', sync);
  indexServicesBySelector(cache);
  return {
    name: 'endpointslice-controller',
    primary: CoreTypes.Service,
    watches: [
      {
        type: CoreTypes.Pod,
        map: (pod, old) => servicesSelecting(cache, pod, old),
      },
    ],
    reconciler: {
      async reconcile(key) {
        const svc = await cache.get(CoreTypes.Service, key).catch(ignoreNotFound);
        if (!svc) {
          gate.forget(`${key.namespace}/${key.name}`);
          return done();
        }
        if (!svc.spec?.selector || svc.metadata.deletionTimestamp) return done();
        const ns = svc.metadata.namespace!;
        const pods = (await cache.list(CoreTypes.Pod, { namespace: ns, labelSelector: { matchLabels: svc.spec.selector } })).items.filter(belongsInEndpoints);
        const publishNotReady = svc.spec.publishNotReadyAddresses === true;
        const endpoints = pods.map((p) => ({
          addresses: [p.status.podIP],
          conditions: endpointConditions(p, publishNotReady),
          nodeName: p.spec?.nodeName,
          targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name, uid: p.metadata.uid },
        }));
        const ports = (svc.spec.ports ?? []).map((sp: { name?: string; port: number; targetPort?: number | string; protocol?: string }) => {
          let port: number | undefined = typeof sp.targetPort === 'number' ? sp.targetPort : sp.targetPort === undefined ? sp.port : undefined;
          if (port === undefined) {
            for (const p of pods)
              for (const c of p.spec?.containers ?? [])
                for (const cp of c.ports ?? []) if (cp.name === sp.targetPort && port === undefined) port = cp.containerPort;
          }
          // Upstream always sets `name` ("" for an unnamed Service port): kubectl's describers dereference it.
          return { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
        });
        const labels = sliceLabels(svc);
        const desired = JSON.stringify({ endpoints, ports, labels });
        const wait = gate.remainingMs(`${ns}/${svc.metadata.name}`, `${svc.metadata.uid}\u0000${desired}`);
        if (wait > 0) return requeueAfter(wait);
        const suffix = createHash('sha256').update(svc.metadata.uid!).digest('hex').slice(0, 5);
        await client.apply(
          {
            apiVersion: 'discovery.k8s.io/v1',
            kind: 'EndpointSlice',
            metadata: {
              name: `${svc.metadata.name}-${suffix}`,
              generateName: `${svc.metadata.name}-`,
              namespace: ns,
              labels,
              ownerReferences: [controllerRef(svc)],
            },
            addressType: 'IPv4',
            endpoints,
            // A slice without endpoints is upstream's placeholder: no ports.
            ...(endpoints.length > 0 ? { ports } : {}),
          },
          { fieldManager: MANAGER, force: true },
        );
        return done();
      },
    },
  };
}
