/**
 * LatticeQuota controller (reference crates/lattice-quota/src/controller.rs). Per reconcile of a quota
 * (any namespace):
 * 1. Spec invalid (platform/validation/quota.ts) → phase Invalid, message the first problem, `used`
 *    emptied, workloadCount 0; requeue 60 s (REQUEUE_ERROR_SECS).
 * 2. `enabled: false` → nothing written; requeue 300 s.
 * 3. Usage of the principal over every LatticeService, LatticeJob and LatticeModel it covers, whatever
 *    their phase (platform/quota/ `quotaUsage`), written as `used` (zero resources left out),
 *    `workloadCount`, phase `Exceeded` when above a limit else `Active`, message cleared; requeue 30 s.
 * Status writes (field manager `lattice-quota-controller`) are merge patches of the status subresource,
 * skipped when nothing changed. No secondary watches, as the reference's: usage follows workload
 * changes within one 30 s period. Reads go through the client given (the informer cache in the simulator).
 */
import type { KubeClient, ObjectKey } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound } from '../../fake-apiserver/api/index.ts';
import type { ControllerDefinition, ReconcileResult } from '../runtime/index.ts';
import { done, requeueAfter } from '../runtime/index.ts';
import { LatticeJobType, LatticeServiceType, type LatticeJob, type LatticeService } from '../crds/types.ts';
import { LatticeModelType, type LatticeModel } from '../crds/model-types.ts';
import { LatticeQuotaType, type LatticeQuota, type LatticeQuotaStatus } from '../crds/quota-types.ts';
import { formatProblem, latticeQuotaProblems } from '../validation/index.ts';
import { formatDemandMap, parseQuotaPrincipal, quotaExceeded, quotaUsage } from '../quota/index.ts';
import { namespaceLabels } from './quota-budget.ts';

/** Field manager of every write. */
export const QUOTA_CONTROLLER = 'lattice-quota-controller';

/** Requeue intervals in simulated ms (reference REQUEUE_SECS 30, REQUEUE_ERROR_SECS 60, disabled 10 × 30 s). */
export const QUOTA_TIMINGS = { activeRequeueMs: 30_000, invalidRequeueMs: 60_000, disabledRequeueMs: 300_000 } as const;

/** Every object of `type` the client lists; none when the kind is not served. */
async function listAll<T extends LatticeService | LatticeJob | LatticeModel>(client: KubeClient, type: { apiVersion: string; kind: string }): Promise<T[]> {
  return ((await client.list<T>(type).catch(ignoreNotFound)) as { items: T[] } | undefined)?.items ?? [];
}

/** The LatticeQuota controller as a runner definition. */
export function quotaController(client: KubeClient): ControllerDefinition {
  /** Writes `next` (with `used` replaced, not merged) unless the stored status already equals it. */
  async function writeStatus(q: LatticeQuota, next: Required<Pick<LatticeQuotaStatus, 'phase' | 'used' | 'workloadCount'>> & LatticeQuotaStatus): Promise<void> {
    const cur = q.status ?? {};
    if (
      cur.phase === next.phase &&
      JSON.stringify(cur.used ?? {}) === JSON.stringify(next.used) &&
      (cur.workloadCount ?? 0) === next.workloadCount &&
      (cur.message ?? null) === (next.message ?? null) &&
      (cur.observedGeneration ?? null) === (next.observedGeneration ?? null)
    )
      return;
    const used: Record<string, string | null> = { ...next.used };
    for (const k of Object.keys(cur.used ?? {})) if (!(k in used)) used[k] = null;
    await client
      .patchStatus(LatticeQuotaType, { namespace: q.metadata.namespace, name: q.metadata.name }, 'merge', {
        status: { phase: next.phase, used, workloadCount: next.workloadCount, message: next.message ?? null, observedGeneration: next.observedGeneration ?? null },
      }, { fieldManager: QUOTA_CONTROLLER })
      .catch(ignoreNotFound);
  }

  async function reconcile(key: ObjectKey): Promise<ReconcileResult> {
    const q = (await client.get<LatticeQuota>(LatticeQuotaType, key).catch(ignoreNotFound)) as LatticeQuota | undefined;
    if (!q || q.metadata.deletionTimestamp) return done();
    const generation = q.metadata.generation ?? 0;
    const problems = latticeQuotaProblems(q.spec);
    if (problems.length > 0) {
      await writeStatus(q, { phase: 'Invalid', used: {}, workloadCount: 0, message: formatProblem(problems[0]), observedGeneration: generation });
      return requeueAfter(QUOTA_TIMINGS.invalidRequeueMs);
    }
    if (q.spec.enabled === false) return requeueAfter(QUOTA_TIMINGS.disabledRequeueMs);
    const parsed = parseQuotaPrincipal(q.spec.principal);
    if ('error' in parsed) throw new Error(`unreachable: validated principal did not parse: ${parsed.error}`);
    const services = await listAll<LatticeService>(client, LatticeServiceType);
    const jobs = await listAll<LatticeJob>(client, LatticeJobType);
    const models = await listAll<LatticeModel>(client, LatticeModelType);
    const labels = new Map<string, Record<string, string>>();
    for (const o of [...services, ...jobs, ...models]) {
      const ns = o.metadata.namespace ?? '';
      if (!labels.has(ns)) labels.set(ns, await namespaceLabels(client, ns));
    }
    const { used, workloadCount } = quotaUsage(parsed.principal, { services, jobs, models, namespaceLabels: (ns) => labels.get(ns) ?? {} });
    await writeStatus(q, { phase: quotaExceeded(used, q.spec.limits ?? {}) ? 'Exceeded' : 'Active', used: formatDemandMap(used), workloadCount, message: null, observedGeneration: generation });
    return requeueAfter(QUOTA_TIMINGS.activeRequeueMs);
  }

  return { name: QUOTA_CONTROLLER, primary: LatticeQuotaType, generationChangedOnly: true, reconciler: { reconcile } };
}
