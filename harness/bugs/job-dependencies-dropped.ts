/**
 * `job-dependencies-dropped` (area: compiler): the job compiler ignores a task's outbound
 * declarations (reference §2.6: outbound `type: service` resources become the generated mesh member's
 * `dependencies`, for a job task as for a service). Each task's LatticeMeshMember then depends on
 * nothing: the job's workers get no DNS or egress rule to their callees and no callee's allow policy
 * names them, so every call a batch job makes is denied, while the LatticeJob runs as if all were well
 * and its callees warn of a one-sided inbound declaration.
 *
 * Applied from outside: a read interceptor on the platform's KubeClient. When the platform gets or
 * lists LatticeJobs, every outbound `type: service` resource of `defaults` and of each task is gone
 * (a `both` one keeps its inbound half). Stored jobs, and what the oracle reads, keep them.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { LatticeJobType } from '../../platform/index.ts';
import type { JobTaskSpec, LatticeJob, ResourceSpec } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { copyObject, rewriteReads } from './internal/rewrite.ts';

/** `resources` without outbound service declarations (`both` becomes `inbound`); undefined stays undefined. */
function withoutOutbound(resources: Record<string, ResourceSpec> | undefined): Record<string, ResourceSpec> | undefined {
  if (!resources) return resources;
  const out: Record<string, ResourceSpec> = {};
  for (const [key, r] of Object.entries(resources)) {
    // `direction` defaults to outbound (reference §1.1).
    if ((r.type ?? 'service') !== 'service' || r.direction === 'inbound') out[key] = r;
    else if (r.direction === 'both') out[key] = { ...r, direction: 'inbound' };
  }
  return out;
}

/** A task (or `defaults`) without outbound service declarations. */
function taskWithoutOutbound(task: JobTaskSpec): JobTaskSpec {
  return task.workload ? { ...task, workload: { ...task.workload, resources: withoutOutbound(task.workload.resources) } } : task;
}

/** The jobs as the buggy compiler reads them: copies without outbound service declarations. */
export function withoutJobDependencies(jobs: readonly KubeObject[]): KubeObject[] {
  return (jobs as readonly LatticeJob[]).map((j) => {
    if (!j.spec?.tasks) return j;
    const copy = copyObject(j);
    copy.spec.tasks = Object.fromEntries(Object.entries(copy.spec.tasks).map(([name, t]) => [name, taskWithoutOutbound(t)]));
    if (copy.spec.defaults) copy.spec.defaults = taskWithoutOutbound(copy.spec.defaults);
    return copy;
  });
}

/** The `job-dependencies-dropped` catalogue entry. */
export const jobDependenciesDropped: BugDefinition<'job-dependencies-dropped'> = {
  name: 'job-dependencies-dropped',
  description: "the job compiler ignores a task's outbound declarations, so a LatticeJob's workers depend on nothing and every call they make is denied",
  area: 'compiler',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteReads(seams.platformClient, LatticeJobType, withoutJobDependencies),
  }),
};
