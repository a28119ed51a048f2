/**
 * The LatticeJobs of a topology (topology.ts `jobName`; reference §1.3, §2.9): the job services of a
 * namespace with the same `jobName` are the tasks of one LatticeJob, each task the workload a
 * LatticeService of the same service would carry (its outbound resources, secrets and their uses,
 * security overrides; render.ts `renderService`), with `replicas` and a main container that runs
 * `sleep` for {@link JOB_RUN_SECONDS} (simulated) so its workers are up while probed. No `defaults`, no
 * schedule, Volcano's default policies (reference compile_vcjob).
 */
import { LatticeJobType, type LatticeJob } from '../platform/crds/types.ts';
import { renderService } from './render.ts';
import type { TopologyService } from './topology.ts';
import { JOB_RUN_SECONDS, jobTaskOf } from './topology.ts';

/** The main container's command of a job task: a one-shot program the kubelet stub runs for its sleep. */
export const JOB_COMMAND = ['/bin/sh', '-c', `sleep ${JOB_RUN_SECONDS}`];

/** `ns/<jobName>` of a job service. */
export const jobKeyOf = (s: Pick<TopologyService, 'namespace' | 'jobName'>): string => `${s.namespace}/${s.jobName}`;

/**
 * The LatticeJob of each job of `services`, by {@link jobKeyOf}, tasks in the order of `services`.
 * Input: topology services (non-job ones are ignored). Output: new objects. Never throws.
 */
export function renderJobs(services: readonly TopologyService[]): Map<string, LatticeJob> {
  const jobs = new Map<string, LatticeJob>();
  for (const s of services) {
    const task = jobTaskOf(s);
    if (task === undefined) continue;
    const key = jobKeyOf(s);
    let job = jobs.get(key);
    if (!job) jobs.set(key, (job = { ...LatticeJobType, metadata: { name: s.jobName!, namespace: s.namespace }, spec: { tasks: {} } } as LatticeJob));
    const { workload } = renderService({ ...s, kind: 'service' }).spec;
    workload.containers.main.command = [...JOB_COMMAND];
    job.spec.tasks[task] = { replicas: s.replicas ?? 1, workload };
  }
  return jobs;
}
