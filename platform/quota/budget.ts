/**
 * A workload's quota budget (reference crates/lattice-quota/src/budget.rs, store.rs): from the enabled
 * LatticeQuotas whose principal matches it, the tightest remaining capacity per resource (limit minus
 * the quota's `status.used`, at least 0) and the tightest per-workload cap; then the check of a
 * workload's demand against it. Pure functions over objects the caller read (the informer cache).
 *
 * As in the reference, `status.used` is everything the principal's workloads request, the checked
 * workload included once the quota controller has counted it: its own demand is then subtracted from
 * the remaining capacity it is compared with (platform/README.md "Fidelity").
 */
import type { LatticeQuota } from '../crds/quota-types.ts';
import { parseQuotaPrincipal, principalMatches } from './principal.ts';
import { demandRawMap, formatResourceValue, tryParseResource, type WorkloadResourceDemand } from './resources.ts';

/** A quota's identity when the budget was resolved, to detect a change before applying (reference `QuotaSnapshot`). */
export interface QuotaSnapshot {
  name: string;
  namespace: string;
  resourceVersion: string;
}

/**
 * The effective limits for one workload (reference `QuotaBudget`). `remaining`: per resource key, raw
 * capacity left (cpu millicores, memory bytes, counts); `maxPerWorkload`: per-key caps (Infinity for an
 * unreadable cap); `snapshots`: the matching quotas. Both maps empty = unconstrained (no quota matched).
 */
export interface QuotaBudget {
  remaining: Record<string, number>;
  maxPerWorkload: Record<string, number>;
  snapshots: QuotaSnapshot[];
}

/** The budget no quota constrains. */
export const UNCONSTRAINED_BUDGET: Readonly<QuotaBudget> = Object.freeze({ remaining: {}, maxPerWorkload: {}, snapshots: [] });

/** Whether no quota constrains `b` (reference `is_unconstrained`). */
export const isUnconstrained = (b: QuotaBudget): boolean => Object.keys(b.remaining).length === 0 && Object.keys(b.maxPerWorkload).length === 0;

/**
 * Resolves the budget of workload `namespace/name` (reference `resolve_budget` /
 * `from_matching_quotas`): skips disabled quotas and unparsable principals; for each matching quota and
 * each `limits` key, remaining = max(0, limit − used) (an unreadable limit counts 0, an unreadable or
 * missing `used` 0), the minimum over quotas kept; caps likewise minimised (unreadable = no cap).
 * `namespaceLabels` are the workload namespace's labels, `annotations` the workload's.
 */
export function resolveBudget(quotas: readonly LatticeQuota[], namespace: string, name: string, namespaceLabels: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>>): QuotaBudget {
  const budget: QuotaBudget = { remaining: {}, maxPerWorkload: {}, snapshots: [] };
  let matched = false;
  for (const quota of quotas) {
    if (quota.spec?.enabled === false) continue;
    const parsed = parseQuotaPrincipal(String(quota.spec?.principal ?? ''));
    if ('error' in parsed || !principalMatches(parsed.principal, namespace, name, namespaceLabels, annotations)) continue;
    matched = true;
    if (quota.metadata.resourceVersion) budget.snapshots.push({ name: quota.metadata.name, namespace: quota.metadata.namespace ?? '', resourceVersion: quota.metadata.resourceVersion });
    const used = quota.status?.used ?? {};
    for (const key of Object.keys(quota.spec.limits ?? {}).sort()) {
      const limit = tryParseResource(key, String(quota.spec.limits[key])) ?? 0;
      const current = used[key] !== undefined ? (tryParseResource(key, String(used[key])) ?? 0) : 0;
      budget.remaining[key] = Math.min(budget.remaining[key] ?? Infinity, Math.max(0, limit - current));
    }
    const caps = quota.spec.maxPerWorkload ?? {};
    for (const key of Object.keys(caps).sort()) {
      budget.maxPerWorkload[key] = Math.min(budget.maxPerWorkload[key] ?? Infinity, tryParseResource(key, String(caps[key])) ?? Infinity);
    }
  }
  return matched ? budget : { remaining: {}, maxPerWorkload: {}, snapshots: [] };
}

/**
 * Whether `demand` fits `budget` (reference `QuotaBudget::check`, without cost): every per-workload cap
 * first, then the remaining capacity, keys in sorted order. Output: `undefined` when it fits, else the
 * reason in the reference's words: `<key> (<asked>) exceeds per-workload cap (<cap>)` or
 * `<key>: <asked> requested but only <left> remaining in quota`.
 */
export function checkBudget(budget: QuotaBudget, demand: WorkloadResourceDemand): string | undefined {
  if (isUnconstrained(budget)) return undefined;
  const raw = demandRawMap(demand);
  for (const key of Object.keys(budget.maxPerWorkload).sort()) {
    const actual = raw[key] ?? 0;
    const cap = budget.maxPerWorkload[key];
    if (actual > cap) return `${key} (${formatResourceValue(key, actual)}) exceeds per-workload cap (${formatResourceValue(key, cap)})`;
  }
  for (const key of Object.keys(budget.remaining).sort()) {
    const requested = raw[key] ?? 0;
    const left = budget.remaining[key];
    if (requested > left) return `${key}: ${formatResourceValue(key, requested)} requested but only ${formatResourceValue(key, left)} remaining in quota`;
  }
  return undefined;
}
