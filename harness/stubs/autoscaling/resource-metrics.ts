/**
 * The HPA's read of a Resource metric from the resource metrics API (kube-controller-manager
 * pkg/controller/podautoscaler: the REST metrics client's `GetResourceMetric`, `calculatePodRequests`
 * and `GetResourceUtilizationRatio`): for each ready pod of the target that metrics-server reports, the
 * sum of its containers' usage and of their requests, in milli-units (`Quantity.MilliValue`, which
 * rounds up); utilisation = ⌊Σ usage × 100 / Σ requests⌋ %, the raw average = Σ usage / pods.
 * Pods without metrics are left out (upstream's missing-pod correction is not modelled).
 * Errors (the texts upstream wraps into `failed to get <resource> utilization: …`):
 * `missing request for <resource> in container <c> of Pod <pod>`, `did not receive metrics for
 * targeted pods (pods might be unready)`.
 */
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import type { ResourceMetricsApi } from '../metrics.ts';
import { quantityScalar } from '../scheduler/fit.ts';

/** Utilisation (whole percent of the requests) and the raw average usage per pod (milli-units: millicores, millibytes). */
export type ResourceReading = { utilization: number; rawAverageMilli: number; pods: number } | { error: string };

interface Container {
  name: string;
  resources?: { requests?: Record<string, string | number> };
}

/** A quantity in milli-units, rounded up as `Quantity.MilliValue` does; 0 when unreadable (validation rejects such requests). */
function milli(q: unknown): number {
  if (typeof q !== 'number' && typeof q !== 'string') return 0;
  try {
    return Math.ceil(quantityScalar(q) * 1000 - 1e-6);
  } catch {
    return 0;
  }
}

/** The reading of `resource` (`cpu` / `memory`) over `readyPods` from `api`. */
export function readResourceMetric(api: ResourceMetricsApi, readyPods: readonly KubeObject[], resource: string): ResourceReading {
  let usageTotal = 0;
  let requestTotal = 0;
  let pods = 0;
  for (const pod of readyPods) {
    const pm = api.podMetrics(pod);
    if (!pm) continue;
    let request = 0;
    for (const c of (pod.spec?.containers ?? []) as Container[]) {
      const r = c.resources?.requests?.[resource];
      if (r === undefined) return { error: `missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}` };
      request += milli(r);
    }
    let usage = 0;
    for (const c of (pm.containers ?? []) as { usage?: Record<string, string> }[]) usage += milli(c.usage?.[resource] ?? 0);
    usageTotal += usage;
    requestTotal += request;
    pods++;
  }
  if (pods === 0) return { error: 'did not receive metrics for targeted pods (pods might be unready)' };
  if (requestTotal === 0) return { error: 'no metrics returned matched known pods' };
  return { utilization: Math.floor((usageTotal * 100) / requestTotal), rawAverageMilli: Math.floor(usageTotal / pods), pods };
}
