/**
 * Volcano's CronJob controller (`batch.volcano.sh/v1alpha1` CronJob, modelled on Kubernetes' CronJob
 * controller): at each time of `spec.schedule` (5-field cron, `spec.timeZone` or UTC) after the last
 * scheduled time (or the CronJob's creation) it creates the Job `<cronjob>-<scheduled minute since
 * epoch>` from `spec.jobTemplate`, owned by the CronJob, and records `status.lastScheduleTime`;
 * `status.active` lists the Jobs not yet finished (Completed, Failed, Aborted, Terminated),
 * `status.lastSuccessfulTime` the last Completed one's. Only the most recent missed time is run, and
 * not when more than `startingDeadlineSeconds` late. `suspend` stops new runs. `concurrencyPolicy`:
 * Allow (default); Forbid leaves the time unmet while a Job is active (run when it finishes, deadline
 * permitting); Replace deletes the active Jobs first. Finished Jobs beyond
 * `successfulJobsHistoryLimit` (default 3) / `failedJobsHistoryLimit` (default 1) are deleted, oldest
 * first. The controller wakes at the next schedule time (requeue-after on the VirtualClock) and on
 * its Jobs' changes: no polling.
 */
import type { Clock, InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { INDEX_OWNER_UID, ignoreNotFound, isAlreadyExists, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import { StubTypes } from '../third-party-crds.ts';
import { controllerRef, ownerKeys } from '../owners.ts';
import { VolcanoJobType } from './vocabulary.ts';
import { nextTime, scheduleTimes } from '../cron-schedule.ts';

const CronJobType = StubTypes.VolcanoCronJob;
const FINISHED = new Set(['Completed', 'Failed', 'Aborted', 'Terminated']);

/** The Volcano CronJob controller as a runner definition. */
export function volcanoCronJobController(client: KubeClient, clock: Clock, cache: InformerCache): ControllerDefinition {
  const jobInformer = cache.informerFor(VolcanoJobType);
  /** Jobs created per CronJob uid that the cache may not show yet. */
  const created = new Map<string, Set<string>>();
  /** lastScheduleTime written per CronJob uid (the cache lags our status writes). */
  const scheduled = new Map<string, string>();
  return {
    name: 'volcano-cronjob-controller',
    primary: CronJobType,
    watches: [{ type: VolcanoJobType, map: (job) => ownerKeys(job, 'CronJob') }],
    reconciler: {
      async reconcile(key, ctx) {
        const cj = await cache.get(CronJobType, key).catch(ignoreNotFound);
        if (!cj || cj.metadata.deletionTimestamp) return done();
        const uid = cj.metadata.uid!;
        const ns = cj.metadata.namespace!;
        const now = clock.now();
        const tz: string = cj.spec?.timeZone ?? 'UTC';
        await jobInformer.synced();
        const jobs = jobInformer.byIndex(INDEX_OWNER_UID, uid).filter((j) => j.metadata.namespace === ns && !j.metadata.deletionTimestamp);
        const made = created.get(uid) ?? created.set(uid, new Set()).get(uid)!;
        for (const n of [...made]) if (jobs.some((j) => j.metadata.name === n)) made.delete(n);
        const phase = (j: KubeObject): string | undefined => j.status?.state?.phase;
        let active = jobs.filter((j) => !FINISHED.has(phase(j) ?? ''));

        // History limits.
        const byAge = (a: KubeObject, b: KubeObject) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name);
        const prune = async (list: KubeObject[], keep: number) => {
          for (const j of list.sort(byAge).slice(0, Math.max(0, list.length - keep))) await client.delete(VolcanoJobType, { namespace: ns, name: j.metadata.name }).catch(ignoreNotFound);
        };
        await prune(jobs.filter((j) => phase(j) === 'Completed'), cj.spec?.successfulJobsHistoryLimit ?? 3);
        await prune(jobs.filter((j) => FINISHED.has(phase(j) ?? '') && phase(j) !== 'Completed'), cj.spec?.failedJobsHistoryLimit ?? 1);

        let lastSchedule: string | undefined = scheduled.get(uid) ?? cj.status?.lastScheduleTime;
        const since = Date.parse(lastSchedule ?? cj.metadata.creationTimestamp ?? rfc3339(now));
        let times: number[];
        try {
          times = scheduleTimes(cj.spec?.schedule ?? '', tz, since, now);
        } catch (err) {
          ctx.log.warn(`volcano cronjob ${ns}/${cj.metadata.name}: invalid schedule '${cj.spec?.schedule}': ${(err as Error).message}`);
          return done();
        }
        const due = times.at(-1);
        const deadlineMs = cj.spec?.startingDeadlineSeconds !== undefined ? cj.spec.startingDeadlineSeconds * 1000 : undefined;
        if (due !== undefined && !cj.spec?.suspend && (deadlineMs === undefined || now - due <= deadlineMs)) {
          const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
          const blocked = policy === 'Forbid' && (active.length > 0 || made.size > 0);
          if (!blocked) {
            if (policy === 'Replace') {
              for (const j of active) await client.delete(VolcanoJobType, { namespace: ns, name: j.metadata.name }).catch(ignoreNotFound);
              active = [];
            }
            const name = `${cj.metadata.name}-${Math.floor(due / 60_000)}`;
            const template = cj.spec?.jobTemplate ?? {};
            await client
              .create({
                ...VolcanoJobType,
                metadata: { name, namespace: ns, labels: { ...(template.metadata?.labels ?? {}) }, annotations: { ...(template.metadata?.annotations ?? {}) }, ownerReferences: [controllerRef(cj)] },
                spec: structuredClone(template.spec ?? {}),
              })
              .catch((err) => {
                if (!isAlreadyExists(err)) throw err;
              });
            made.add(name);
            lastSchedule = rfc3339(due);
            scheduled.set(uid, lastSchedule);
          }
        } else if (due !== undefined && !cj.spec?.suspend) {
          // Too late for the deadline: the time is skipped.
          lastSchedule = rfc3339(due);
          scheduled.set(uid, lastSchedule);
        }

        const activeRefs = [...active.map((j) => j.metadata.name), ...[...made].filter((n) => !active.some((j) => j.metadata.name === n))]
          .sort()
          .map((name) => ({ apiVersion: VolcanoJobType.apiVersion, kind: VolcanoJobType.kind, name, namespace: ns }));
        const succeeded = jobs.filter((j) => phase(j) === 'Completed').sort(byAge).at(-1);
        const status: Record<string, unknown> = { active: activeRefs, lastScheduleTime: lastSchedule ?? null };
        if (succeeded) status.lastSuccessfulTime = succeeded.status?.state?.lastTransitionTime ?? null;
        const cur = cj.status ?? {};
        if (JSON.stringify(cur.active ?? []) !== JSON.stringify(activeRefs) || (cur.lastScheduleTime ?? null) !== (lastSchedule ?? null) || (succeeded && cur.lastSuccessfulTime !== status.lastSuccessfulTime)) {
          await client.patchStatus(CronJobType, key, 'merge', { status }).catch(ignoreNotFound);
        }
        if (cj.spec?.suspend) return done();
        return requeueAfter(Math.max(1, nextTime(cj.spec.schedule, tz, now) - now));
      },
    },
  };
}
