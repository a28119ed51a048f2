/**
 * `quota-ignored` (area: gates): LatticeQuotas are never enforced — the workload controllers find no
 * LatticeQuota, so every workload compiles unconstrained and none is refused or scaled to 0 for quota
 * (reference crates/lattice-quota `resolve_budget`, crates/lattice-service/src/controller.rs:930-1033;
 * platform-fidelity.md row "Quota exceeded → scaled to 0"). A service over its quota's per-workload cap
 * runs anyway.
 *
 * Applied from outside: a read interceptor on the platform's KubeClient. Lists of LatticeQuotas read by
 * the platform are empty (a get by name still answers, so the quota controller keeps writing usage);
 * nothing is written. Only topologies whose quota draw caps a service (`quotaProbability`) see it.
 */
import { withInterceptors } from '../../fake-apiserver/index.ts';
import { LatticeQuotaType } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';

const isQuota = (t: { apiVersion: string; kind: string }): boolean => t.apiVersion === LatticeQuotaType.apiVersion && t.kind === LatticeQuotaType.kind;

/** The `quota-ignored` catalogue entry. */
export const quotaIgnored: BugDefinition<'quota-ignored'> = {
  name: 'quota-ignored',
  description: 'LatticeQuotas are never enforced: the workload controllers list none, so a workload over its quota compiles and runs',
  area: 'gates',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: withInterceptors(seams.platformClient, {
      list: async (inner, t, opts) => {
        const page = await inner.list(t, opts);
        return isQuota(t) ? { ...page, items: [] } : page;
      },
    }),
  }),
};
