/**
 * What a quota's principal uses (reference crates/lattice-quota/src/controller.rs `compute_usage`,
 * `is_exceeded`): the demand of every LatticeService, LatticeJob and LatticeModel it covers, whatever
 * their phase. Pure functions over objects the caller read.
 */
import type { LatticeJob, LatticeService } from '../crds/types.ts';
import type { LatticeModel } from '../crds/model-types.ts';
import { principalMatches, type QuotaPrincipal } from './principal.ts';
import { addDemand, demandRawMap, QuantityParseError, tryParseResource, workloadDemand, ZERO_DEMAND, type WorkloadResourceDemand } from './resources.ts';

/** The workloads a usage is computed over, and the labels of their namespaces (absent namespace = no labels). */
export interface QuotaWorkloads {
  services: readonly LatticeService[];
  jobs: readonly LatticeJob[];
  models: readonly LatticeModel[];
  namespaceLabels: (namespace: string) => Readonly<Record<string, string>>;
}

/** `f()`, or `undefined` when it throws a {@link QuantityParseError} (the reference skips such a demand). */
function demandOrSkip(f: () => WorkloadResourceDemand): WorkloadResourceDemand | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof QuantityParseError) return undefined;
    throw e;
  }
}

/**
 * Total demand of `principal`'s workloads and how many contributed: a service counts when its demand
 * (`spec.replicas`, default 1) reads; a job adds each task's demand (`spec.tasks` as written, replicas
 * default 1; `defaults` not merged, as the reference) and counts once; a model adds each role's entry
 * workload × `replicas` (default 1) and, when both are set, its worker workload × `workerReplicas`, and
 * counts once.
 */
export function quotaUsage(principal: QuotaPrincipal, w: QuotaWorkloads): { used: WorkloadResourceDemand; workloadCount: number } {
  let used: WorkloadResourceDemand = { ...ZERO_DEMAND };
  let workloadCount = 0;
  const covers = (o: LatticeService | LatticeJob | LatticeModel): boolean => {
    const ns = o.metadata.namespace ?? '';
    return principalMatches(principal, ns, o.metadata.name, w.namespaceLabels(ns), o.metadata.annotations ?? {});
  };
  for (const svc of w.services) {
    if (!covers(svc)) continue;
    const d = demandOrSkip(() => workloadDemand(svc.spec?.workload, svc.spec?.replicas ?? 1));
    if (!d) continue;
    used = addDemand(used, d);
    workloadCount += 1;
  }
  for (const job of w.jobs) {
    if (!covers(job)) continue;
    for (const task of Object.values(job.spec?.tasks ?? {})) {
      const d = demandOrSkip(() => workloadDemand(task?.workload, task?.replicas ?? 1));
      if (d) used = addDemand(used, d);
    }
    workloadCount += 1;
  }
  for (const model of w.models) {
    if (!covers(model)) continue;
    for (const role of Object.values(model.spec?.roles ?? {})) {
      const entry = demandOrSkip(() => workloadDemand(role?.entryWorkload, role?.replicas ?? 1));
      if (entry) used = addDemand(used, entry);
      if (role?.workerWorkload && role.workerReplicas !== undefined) {
        const worker = demandOrSkip(() => workloadDemand(role.workerWorkload, role.workerReplicas!));
        if (worker) used = addDemand(used, worker);
      }
    }
    workloadCount += 1;
  }
  return { used, workloadCount };
}

/** Whether `used` is above any readable limit (reference `is_exceeded`; unreadable limits are ignored). */
export function quotaExceeded(used: WorkloadResourceDemand, limits: Readonly<Record<string, string>>): boolean {
  const raw = demandRawMap(used);
  return Object.keys(limits).some((key) => {
    const limit = tryParseResource(key, String(limits[key]));
    return limit !== undefined && (raw[key] ?? 0) > limit;
  });
}
