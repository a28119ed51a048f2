/**
 * Resource quota controller stub (kube-controller-manager `resourcequota-controller`; Kubernetes docs
 * "Resource Quotas"): keeps each ResourceQuota's `status.hard` equal to `spec.hard` and `status.used`
 * to what its namespace holds, for the resources it knows how to count:
 *
 * - `pods` / `count/pods`: pods not Succeeded or Failed; `requests.cpu` (`cpu`), `requests.memory`
 *   (`memory`), `requests.ephemeral-storage`, `requests.<extended>` and `limits.*`: their effective
 *   requests and limits (sum of containers, or the largest init container when larger);
 * - `services`, `services.nodeports` (ports of NodePort and LoadBalancer services),
 *   `services.loadbalancers`, `configmaps`, `secrets`, `persistentvolumeclaims`, `requests.storage`,
 *   `replicationcontrollers`, `resourcequotas`;
 * - `count/<resource>[.<group>]` of any served kind (`count/deployments.apps`).
 *
 * Other names stay out of `used`, as upstream leaves what no evaluator covers. Quantities print as
 * canonical quantities (cpu in milli-units or cores, bytes as BinarySI). Recomputed on every change
 * of the counted kinds in the namespace (upstream also resyncs every 5 min). Not modelled: the
 * admission side (a create beyond a quota is not refused).
 */
import type { InformerCache, KubeClient, KubeObject, TypeRef } from '../../../fake-apiserver/api/index.ts';
import { INDEX_NAMESPACE, ignoreNotFound } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done } from '../../../platform/runtime/index.ts';
import { cpuQuantity, memoryQuantity } from '../metrics-server/usage.ts';
import { parseResourceList, podRequests, podTerminated, quantityScalar } from '../scheduler/fit.ts';
import { CoreTypes } from '../third-party-crds.ts';

const QUOTA: TypeRef = { apiVersion: 'v1', kind: 'ResourceQuota' };
const RC: TypeRef = { apiVersion: 'v1', kind: 'ReplicationController' };

/** Resource names counted as objects of one core kind. */
const CORE_COUNTS: Record<string, TypeRef> = {
  services: CoreTypes.Service,
  configmaps: CoreTypes.ConfigMap,
  secrets: CoreTypes.Secret,
  persistentvolumeclaims: CoreTypes.PersistentVolumeClaim,
  replicationcontrollers: RC,
  resourcequotas: QUOTA,
};

/** The kinds whose changes can move a quota's usage (besides those `count/…` names). */
const WATCHED: TypeRef[] = [CoreTypes.Pod, ...Object.values(CORE_COUNTS)];

type Container = { resources?: { limits?: Record<string, string> } };

/** A pod's effective limits (sum over containers, the largest init container when larger). */
function podLimits(pod: KubeObject): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const c of (pod.spec?.containers ?? []) as Container[]) for (const [k, v] of Object.entries(parseResourceList(c.resources?.limits))) sum[k] = (sum[k] ?? 0) + v;
  for (const c of (pod.spec?.initContainers ?? []) as Container[]) for (const [k, v] of Object.entries(parseResourceList(c.resources?.limits))) sum[k] = Math.max(sum[k] ?? 0, v);
  return sum;
}

/** A canonical quantity of `resource` in its canonical unit (millicores for cpu, else units). */
function quantity(resource: string, value: number): string {
  if (resource === 'cpu') return cpuQuantity(value * 1_000_000);
  if (resource === 'memory' || resource === 'ephemeral-storage' || resource === 'storage') return memoryQuantity(value);
  return String(value);
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b).length && ka.every((k) => a![k] === b[k]);
}

/**
 * The controller as a runner definition (keyed by ResourceQuota).
 * @param kindOf the served kind named by `<resource>[.<group>]` of a `count/` name, or undefined.
 */
export function resourceQuotaController(client: KubeClient, cache: InformerCache, kindOf: (resource: string, group: string) => TypeRef | undefined): ControllerDefinition {
  const quotas = cache.informerFor(QUOTA);
  const inNamespace = (o: KubeObject) => (o.metadata.namespace ? quotas.byIndex(INDEX_NAMESPACE, o.metadata.namespace).map((q) => ({ namespace: q.metadata.namespace, name: q.metadata.name })) : []);
  const list = async (type: TypeRef, namespace: string) => (await client.list(type, { namespace }).catch(ignoreNotFound))?.items ?? [];
  return {
    name: 'resourcequota-controller',
    primary: QUOTA,
    watches: WATCHED.map((type) => ({ type, map: inNamespace })),
    reconciler: {
      async reconcile(key) {
        const quota = await cache.get(QUOTA, key).catch(ignoreNotFound);
        if (!quota || quota.metadata.deletionTimestamp) return done();
        const namespace = quota.metadata.namespace!;
        const hard = (quota.spec?.hard ?? {}) as Record<string, string>;
        const used: Record<string, string> = {};
        let pods: KubeObject[] | undefined;
        const livePods = async () => (pods ??= (await list(CoreTypes.Pod, namespace)).filter((p) => !podTerminated(p)));
        for (const name of Object.keys(hard)) {
          if (name === 'pods' || name === 'count/pods') {
            used[name] = String((await livePods()).length);
            continue;
          }
          const m = /^(requests|limits)\.(.+)$/.exec(name) ?? (name === 'cpu' || name === 'memory' ? ['', 'requests', name] : null);
          if (m && m[2] !== 'storage') {
            const [, which, resource] = m as [string, string, string];
            let total = 0;
            for (const p of await livePods()) total += (which === 'requests' ? podRequests(p) : podLimits(p))[resource] ?? 0;
            used[name] = quantity(resource, total);
            continue;
          }
          if (name === 'requests.storage') {
            const claims = await list(CoreTypes.PersistentVolumeClaim, namespace);
            used[name] = quantity('storage', claims.reduce((s, c) => s + Math.ceil(quantityScalar((c.spec?.resources?.requests?.storage as string | undefined) ?? '0')), 0));
            continue;
          }
          if (name === 'services.nodeports' || name === 'services.loadbalancers') {
            const svcs = await list(CoreTypes.Service, namespace);
            used[name] =
              name === 'services.loadbalancers'
                ? String(svcs.filter((s) => s.spec?.type === 'LoadBalancer').length)
                : String(svcs.filter((s) => s.spec?.type === 'NodePort' || s.spec?.type === 'LoadBalancer').reduce((n, s) => n + ((s.spec?.ports ?? []) as unknown[]).length, 0));
            continue;
          }
          const counted = name.startsWith('count/') ? name.slice('count/'.length) : name;
          const dot = counted.indexOf('.');
          const type = CORE_COUNTS[counted] ?? (name.startsWith('count/') ? kindOf(dot < 0 ? counted : counted.slice(0, dot), dot < 0 ? '' : counted.slice(dot + 1)) : undefined);
          if (type) used[name] = String((await list(type, namespace)).length);
        }
        const status = { hard, used };
        const current = (quota.status ?? {}) as { hard?: Record<string, string>; used?: Record<string, string> };
        if (sameMap(current.hard, hard) && sameMap(current.used, used)) return done();
        await client.patchStatus(QUOTA, key, 'json', [{ op: 'add', path: '/status', value: status }], { fieldManager: 'kube-controller-manager' }).catch(ignoreNotFound);
        return done();
      },
    },
  };
}
