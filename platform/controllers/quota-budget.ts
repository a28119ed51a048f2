/**
 * How the workload controllers read their LatticeQuota budget (reference service controller.rs:930-959,
 * job controller.rs:580-607, model controller.rs:395-418, and `verify_quota_freshness`): the quotas in
 * lattice-system (the only namespace the reference's workload caches watch), the workload namespace's
 * labels, the workload's annotations, resolved by platform/quota/ `resolveBudget`. Reads go through
 * the client given (the informer cache in the simulator).
 */
import type { KubeClient, KubeObject } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound, isNotFound } from '../../fake-apiserver/api/index.ts';
import { LATTICE_SYSTEM_NAMESPACE } from '../crds/types.ts';
import { LatticeQuotaType, type LatticeQuota } from '../crds/quota-types.ts';
import { isUnconstrained, resolveBudget, type QuotaBudget, type QuotaSnapshot } from '../quota/budget.ts';
import type { Logger } from '../runtime/index.ts';
import { NamespaceType } from './core-types.ts';

/** The labels of namespace `name`; none when it does not exist. */
export async function namespaceLabels(client: KubeClient, name: string): Promise<Record<string, string>> {
  const ns = await client.get(NamespaceType, { name }).catch(ignoreNotFound);
  return (ns as KubeObject | undefined)?.metadata.labels ?? {};
}

/** The LatticeQuotas of lattice-system; none when the kind is not served. */
async function systemQuotas(client: KubeClient): Promise<LatticeQuota[]> {
  try {
    return (await client.list<LatticeQuota>(LatticeQuotaType, { namespace: LATTICE_SYSTEM_NAMESPACE })).items;
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/**
 * The budget of workload `obj` (a LatticeService, LatticeJob or LatticeModel). When quotas exist but
 * none matches, logs the reference's warning (`no quota matched this <what> — running without resource
 * limits`) and returns the unconstrained budget.
 */
export async function workloadQuotaBudget(client: KubeClient, obj: KubeObject, what: string, log: Logger): Promise<QuotaBudget> {
  const quotas = await systemQuotas(client);
  const ns = obj.metadata.namespace ?? '';
  if (quotas.length === 0) return resolveBudget([], ns, obj.metadata.name, {}, {});
  const budget = resolveBudget(quotas, ns, obj.metadata.name, await namespaceLabels(client, ns), obj.metadata.annotations ?? {});
  if (isUnconstrained(budget)) log.warn(`${obj.kind} ${ns}/${obj.metadata.name}: no quota matched this ${what} — running without resource limits`);
  return budget;
}

/**
 * Whether every quota a budget came from still has the resourceVersion it had (reference
 * `verify_quota_freshness`): false when one changed or is gone, so the caller requeues rather than apply
 * against a stale budget (another compile may have consumed it).
 */
export async function quotasUnchanged(client: KubeClient, snapshots: readonly QuotaSnapshot[]): Promise<boolean> {
  for (const s of snapshots) {
    const q = await client.get(LatticeQuotaType, { namespace: s.namespace, name: s.name }).catch(ignoreNotFound);
    if (!q || q.metadata.resourceVersion !== s.resourceVersion) return false;
  }
  return true;
}
