/**
 * CronJob controller stub (kube-controller-manager; Kubernetes docs "CronJob", upstream
 * `pkg/controller/cronjob` (v2) semantics re-expressed), for batch/v1 CronJobs.
 *
 * - Schedule: `spec.schedule` (5-field cron or a macro such as `@hourly`) in `spec.timeZone` (default
 *   UTC: the controller's zone here), through `../cron-schedule.ts`. An invalid schedule or zone
 *   creates nothing and is not retried until the CronJob changes.
 * - At each schedule time after `status.lastScheduleTime` (or the CronJob's creation), only the most
 *   recent missed time is run, and not when it is more than `startingDeadlineSeconds` late (the
 *   earliest time considered is then now − deadline). `suspend`: no new Jobs.
 * - Job: `<cronjob>-<scheduled time in minutes since the epoch>` from `spec.jobTemplate` (labels,
 *   annotations, spec), annotation `batch.kubernetes.io/cronjob-scheduled-timestamp` (RFC 3339), a
 *   controller owner reference (the garbage collector deletes the Jobs of a deleted CronJob); the
 *   Job controller runs it.
 * - concurrencyPolicy: Allow (default); Forbid skips a time while a Job is active (it runs once the Job
 *   finishes, deadline permitting, as lastScheduleTime is not advanced); Replace deletes the active
 *   Jobs (background propagation) first.
 * - Status: `active` (object references of unfinished Jobs it created; a Job finishing, condition
 *   Complete or Failed, or gone leaves the list), `lastScheduleTime`, `lastSuccessfulTime` (latest
 *   completionTime of a Complete Job).
 * - History: finished Jobs beyond `successfulJobsHistoryLimit` / `failedJobsHistoryLimit` are deleted,
 *   earliest start first (unset limits keep everything, as upstream; the API server defaults them to
 *   3 and 1).
 * - Wakes at the next schedule time (+100 ms, as upstream) on the VirtualClock, and on its Jobs' changes.
 *
 * Not modelled: Events (SuccessfulCreate, SawCompletedJob, MissSchedule, JobAlreadyActive …),
 * the more-than-100-missed-times warning, adoption of Jobs another actor created.
 */
import type { InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { INDEX_OWNER_UID, ignoreNotFound, isAlreadyExists, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition, ReconcileResult } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import { controllerOf, controllerRef, ownerKeys } from '../owners.ts';
import { nextTime, scheduleTimes } from '../cron-schedule.ts';
import { BatchTypes } from './job-controller.ts';
import { OwnStatusWrites } from './own-writes.ts';

/** Annotation of a CronJob's Job with the time it was scheduled for. */
export const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
const MANAGER = 'cronjob-controller';
/** Upstream nextScheduleDelta: the controller wakes this long after a schedule time. @unit ms */
const NEXT_SCHEDULE_DELTA_MS = 100;

interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
}

/** The finished condition of a Job: Complete or Failed with status True (upstream IsJobFinished). */
function finishedAs(job: KubeObject): 'Complete' | 'Failed' | undefined {
  const c = ((job.status?.conditions ?? []) as { type: string; status: string }[]).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

/** Earliest start first, Jobs not started last, then by name (upstream byJobStartTime). */
function byStartTime(a: KubeObject, b: KubeObject): number {
  const sa = a.status?.startTime as string | undefined;
  const sb = b.status?.startTime as string | undefined;
  if (!sa !== !sb) return sa ? -1 : 1;
  if (sa && sb && sa !== sb) return Date.parse(sa) - Date.parse(sb);
  return a.metadata.name.localeCompare(b.metadata.name);
}

/** The CronJob controller as a runner definition. */
export function cronJobController(client: KubeClient, cache: InformerCache): ControllerDefinition {
  const jobs = cache.informerFor(BatchTypes.Job);
  const statusWrites = new OwnStatusWrites();
  /** Jobs created per CronJob uid (name → object) until the cache shows them. */
  const created = new Map<string, Map<string, KubeObject>>();

  return {
    name: MANAGER,
    primary: BatchTypes.CronJob,
    watches: [{ type: BatchTypes.Job, map: (job) => ownerKeys(job, 'CronJob') }],
    reconciler: {
      async reconcile(key, ctx): Promise<ReconcileResult> {
        const cached = await cache.get(BatchTypes.CronJob, key).catch(ignoreNotFound);
        if (!cached) return done();
        const cj = statusWrites.read(cached);
        const uid = cj.metadata.uid!;
        const ns = cj.metadata.namespace!;
        const now = ctx.clock.now();
        await jobs.synced();
        const mine = created.get(uid) ?? new Map<string, KubeObject>();
        created.set(uid, mine);
        const cacheRv = Number(jobs.lastResourceVersion() || '0');
        const owned = new Map<string, KubeObject>();
        for (const j of jobs.byIndex(INDEX_OWNER_UID, uid)) if (j.metadata.namespace === ns && controllerOf(j, 'CronJob')?.uid === uid) owned.set(j.metadata.name, j);
        for (const [name, j] of mine) {
          if (owned.has(name) || cacheRv >= Number(j.metadata.resourceVersion)) mine.delete(name);
          else owned.set(name, j);
        }

        // Active list: drop Jobs that finished or are gone; lastSuccessfulTime from Complete Jobs.
        let active = ((cj.status?.active ?? []) as ObjectReference[]).filter((ref) => {
          const j = owned.get(ref.name);
          return j !== undefined && j.metadata.uid === (ref.uid ?? j.metadata.uid) && !j.metadata.deletionTimestamp && finishedAs(j) === undefined;
        });
        let lastSuccessfulTime: string | undefined = cj.status?.lastSuccessfulTime;
        for (const j of owned.values()) {
          const t = j.status?.completionTime as string | undefined;
          if (finishedAs(j) === 'Complete' && t && (!lastSuccessfulTime || Date.parse(t) > Date.parse(lastSuccessfulTime))) lastSuccessfulTime = t;
        }
        let lastScheduleTime: string | undefined = cj.status?.lastScheduleTime;
        let result = done();

        if (!cj.metadata.deletionTimestamp) {
          // History limits (unset: unlimited).
          const prune = async (list: KubeObject[], limit: number | undefined) => {
            if (limit === undefined) return;
            for (const j of list.sort(byStartTime).slice(0, Math.max(0, list.length - limit))) {
              await client.delete(BatchTypes.Job, { namespace: ns, name: j.metadata.name }, { propagationPolicy: 'Background' }).catch(ignoreNotFound);
              owned.delete(j.metadata.name);
            }
          };
          const live = [...owned.values()].filter((j) => !j.metadata.deletionTimestamp);
          await prune(live.filter((j) => finishedAs(j) === 'Complete'), cj.spec?.successfulJobsHistoryLimit ?? undefined);
          await prune(live.filter((j) => finishedAs(j) === 'Failed'), cj.spec?.failedJobsHistoryLimit ?? undefined);

          const schedule: string = cj.spec?.schedule ?? '';
          const tz: string = cj.spec?.timeZone ?? 'UTC';
          let next: number | undefined;
          try {
            next = nextTime(schedule, tz, now);
          } catch (err) {
            ctx.log.warn(`cronjob ${ns}/${cj.metadata.name}: unparseable schedule ${JSON.stringify(schedule)} or time zone ${JSON.stringify(tz)}: ${(err as Error).message}`);
          }
          if (next !== undefined && !cj.spec?.suspend) {
            result = requeueAfter(next - now + NEXT_SCHEDULE_DELTA_MS);
            const deadlineMs = typeof cj.spec?.startingDeadlineSeconds === 'number' ? cj.spec.startingDeadlineSeconds * 1000 : undefined;
            let earliest = Date.parse(lastScheduleTime ?? cj.metadata.creationTimestamp ?? rfc3339(now));
            if (deadlineMs !== undefined) earliest = Math.max(earliest, now - deadlineMs);
            const due = scheduleTimes(schedule, tz, earliest, now).at(-1);
            const name = due === undefined ? '' : `${cj.metadata.name}-${Math.floor(due / 60_000)}`;
            const already = due === undefined || active.some((r) => r.name === name) || (lastScheduleTime !== undefined && Date.parse(lastScheduleTime) === due);
            const tooLate = due !== undefined && deadlineMs !== undefined && due + deadlineMs < now;
            const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
            if (!already && !tooLate && !(policy === 'Forbid' && active.length > 0)) {
              if (policy === 'Replace') {
                for (const ref of active) await client.delete(BatchTypes.Job, { namespace: ns, name: ref.name }, { propagationPolicy: 'Background' }).catch(ignoreNotFound);
                active = [];
              }
              const template = cj.spec?.jobTemplate ?? {};
              let job: KubeObject | undefined;
              try {
                job = await client.create<KubeObject>({
                  ...BatchTypes.Job,
                  metadata: {
                    name,
                    namespace: ns,
                    labels: { ...(template.metadata?.labels ?? {}) },
                    annotations: { ...(template.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP]: rfc3339(due!) },
                    ownerReferences: [controllerRef(cj)],
                  },
                  spec: structuredClone(template.spec ?? {}),
                });
                mine.set(name, job);
              } catch (err) {
                if (!isAlreadyExists(err)) throw err;
                job = owned.get(name); // created before (the cache lags the status that lists it)
              }
              if (job && controllerOf(job, 'CronJob')?.uid === uid && finishedAs(job) === undefined) {
                active = [...active, { apiVersion: 'batch/v1', kind: 'Job', name, namespace: ns, uid: job.metadata.uid, resourceVersion: job.metadata.resourceVersion }];
              }
              lastScheduleTime = rfc3339(due!);
            }
          }
        }

        if (mine.size === 0) created.delete(uid);
        const status: Record<string, unknown> = { active: active.length > 0 ? active : null, lastScheduleTime: lastScheduleTime ?? null, lastSuccessfulTime: lastSuccessfulTime ?? null };
        const same = (k: string) => JSON.stringify(cj.status?.[k] ?? null) === JSON.stringify(status[k]);
        if (!['active', 'lastScheduleTime', 'lastSuccessfulTime'].every(same)) {
          statusWrites.wrote(await client.patchStatus(BatchTypes.CronJob, key, 'merge', { status }).catch(ignoreNotFound));
        }
        return result;
      },
    },
  };
}
