/**
 * LatticeJobs in a judged case (reference §2.9, crates/lattice-job controller.rs): when a job has
 * settled, and whether it did what the admission oracle expects (topologies/admission.ts
 * `jobAdmissions`). Reads only through the Cluster reader.
 *
 * - Settled: Failed, or Pending `Retrying compilation` (the controller moves a Failed job back to Pending
 *   5 s later and compiles it again, Failed again 30 s after that: both are the failed state), or
 *   Succeeded; or Running with, for every task, its generated LatticeMeshMember (`<job>-<task>`) Ready or
 *   Failed and as many Ready pods (label `app.kubernetes.io/name: <job>-<task>`) as the task's replicas,
 *   so its workers are up and their policies exist before any probe is judged.
 * - Judged: the phase; `status.observedGeneration` equal to the job's generation (the controller wrote
 *   its status for this spec); a Running job has its Volcano Job; a job Failed by a compile gate has the
 *   status message `Failed to compile job: compilation failed for task '<t>': …` naming every expected
 *   denial, and nothing compiled (reference: compile before any apply): no Volcano Job, and for no task a
 *   LatticeMeshMember, ServiceAccount or pod.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { LatticeJob } from '../../platform/index.ts';
import { LatticeJobType, LatticeMeshMemberType } from '../../platform/index.ts';
import type { ClusterReader } from '../cluster.ts';
import { podReady } from '../stubs/owners.ts';
import { CoreTypes } from '../stubs/third-party-crds.ts';
import type { ExpectedAdmission } from './expected-admission.ts';

/** The Volcano Job a LatticeJob compiles to (`batch.volcano.sh/v1alpha1`, same name). */
const VolcanoJob = { apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job' } as const;
/** The status message of a Failed job moved back to Pending for another compile (reference controller.rs). */
export const RETRYING_MESSAGE = 'Retrying compilation';

const NAME_LABEL = 'app.kubernetes.io/name';

/** The task names of a LatticeJob's spec, sorted, with their replicas (default 1). */
function tasksOf(job: LatticeJob): [string, number][] {
  return Object.keys(job.spec?.tasks ?? {})
    .sort()
    .map((t) => [t, job.spec.tasks[t].replicas ?? 1]);
}

/** True when the job is in its failed state: Failed, or Pending between two compile attempts. */
const failedState = (job: LatticeJob): boolean => job.status?.phase === 'Failed' || (job.status?.phase === 'Pending' && job.status?.message === RETRYING_MESSAGE);

/** Keys `ns/<job>` of LatticeJobs not yet settled (see the module comment), in store order. */
export function unsettledJobs(reader: ClusterReader): string[] {
  const jobs = reader.list<LatticeJob>(LatticeJobType);
  if (jobs.length === 0) return [];
  const ready = new Map<string, number>();
  for (const p of reader.list(CoreTypes.Pod)) {
    const name = p.metadata.labels?.[NAME_LABEL];
    if (name !== undefined && podReady(p)) ready.set(`${p.metadata.namespace}/${name}`, (ready.get(`${p.metadata.namespace}/${name}`) ?? 0) + 1);
  }
  const members = new Map(reader.list(LatticeMeshMemberType).map((m) => [`${m.metadata.namespace}/${m.metadata.name}`, m]));
  const out: string[] = [];
  for (const job of jobs) {
    const key = `${job.metadata.namespace}/${job.metadata.name}`;
    if (failedState(job) || job.status?.phase === 'Succeeded') continue;
    const up = (task: string, replicas: number): boolean => {
      const workload = `${key}-${task}`;
      const phase = members.get(workload)?.status?.phase;
      return (phase === 'Ready' || phase === 'Failed') && (ready.get(workload) ?? 0) >= replicas;
    };
    if (job.status?.phase !== 'Running' || !tasksOf(job).every(([t, n]) => up(t, n))) out.push(key);
  }
  return out;
}

/**
 * Judges one LatticeJob expectation (see the module comment). Output: the observed phase as recorded
 * (`Failed` for the retrying Pending state) and the problems (empty = as expected). Never throws.
 */
export function judgeJob(reader: ClusterReader, want: ExpectedAdmission): { observed: string; message?: string; problems: string[] } {
  const slash = want.service.indexOf('/');
  const namespace = want.service.slice(0, slash);
  const name = want.service.slice(slash + 1);
  const job = reader.list<LatticeJob>(LatticeJobType, { namespace }).find((j) => j.metadata.name === name);
  const observed = !job ? 'absent' : failedState(job) ? 'Failed' : (job.status?.phase ?? 'Pending');
  const message = job?.status?.message ?? undefined;
  const problems: string[] = [];
  if (observed !== want.expected) problems.push(`expected ${want.expected}, observed ${observed}${message ? ` (${message})` : ''}`);
  if (!job) return { observed, problems };
  const generation = job.metadata.generation;
  // The retrying Pending state writes no observedGeneration (reference controller.rs); every other status does.
  if (job.status?.message !== RETRYING_MESSAGE && observed === want.expected && job.status?.observedGeneration !== generation)
    problems.push(`status.observedGeneration is ${job.status?.observedGeneration ?? 'unset'}, the job's generation is ${generation}: its status does not describe its spec`);
  const vcjob = reader.list(VolcanoJob, { namespace }).find((j) => j.metadata.name === name);
  if (want.expected === 'Running' && observed === 'Running' && !vcjob) problems.push('Running, yet no Volcano Job of its name exists');
  // The retrying state's message says nothing of the cause; only the Failed one is compared.
  if (want.expected === 'Failed' && want.jobMessage && job.status?.phase === 'Failed') {
    const text = message ?? '';
    const missing = want.jobMessage.includes.filter((part) => !text.includes(part));
    if (!text.startsWith(want.jobMessage.prefix) || missing.length > 0)
      problems.push(`expected a message starting '${want.jobMessage.prefix}' naming ${want.jobMessage.includes.map((p) => JSON.stringify(p)).join(', ')}, the platform says: ${text}`);
  }
  // Whatever its phase, a job a compile gate denies must have produced nothing.
  if (want.expected === 'Failed') {
    const left: string[] = vcjob ? [`Volcano Job ${namespace}/${name}`] : [];
    const byName = (objects: readonly KubeObject[], workload: string): KubeObject[] => objects.filter((o) => o.metadata.name === workload);
    const pods = reader.list(CoreTypes.Pod, { namespace });
    for (const task of want.tasks ?? []) {
      const workload = task.slice(task.indexOf('/') + 1);
      for (const o of [...byName(reader.list(LatticeMeshMemberType, { namespace }), workload), ...byName(reader.list(CoreTypes.ServiceAccount, { namespace }), workload)]) left.push(`${o.kind} ${namespace}/${o.metadata.name}`);
      for (const p of pods) if (p.metadata.labels?.[NAME_LABEL] === workload) left.push(`Pod ${namespace}/${p.metadata.name}`);
    }
    if (left.length > 0) problems.push(`denied by ${want.gate}, yet has outputs: ${left.join(', ')}`);
  }
  return { observed, ...(message ? { message } : {}), problems };
}
