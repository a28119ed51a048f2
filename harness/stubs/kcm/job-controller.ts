/**
 * Job controller stub (kube-controller-manager; Kubernetes docs "Jobs", batch/v1), with the 1.31+
 * terminal-condition order and the TTL-after-finished controller folded in:
 * - Pods: `<job>-<suffix>` (Indexed: `<job>-<index>-<suffix>`), labelled with the template's labels
 *   plus `batch.kubernetes.io/controller-uid`, `controller-uid`, `batch.kubernetes.io/job-name` and
 *   `job-name`; Indexed pods carry `batch.kubernetes.io/job-completion-index` (annotation and label)
 *   and the `JOB_COMPLETION_INDEX` env var. restartPolicy comes from the template.
 * - At most `parallelism` (default 1) pods run, and no more than the completions still missing:
 *   NonIndexed counts succeeded pods up to `completions` (unset: the first success ends the Job once
 *   no pod is running); Indexed runs each missing index in [0, completions), lowest first, and reports
 *   `completedIndexes` ("0-2,4").
 * - Failed pods are replaced after an exponential back-off (10 s doubling, capped at 6 min, from the
 *   last failure's finishedAt); `failed` > `backoffLimit` (default 6), or with restartPolicy OnFailure
 *   container restarts ≥ backoffLimit, is BackoffLimitExceeded; `activeDeadlineSeconds` after
 *   startTime is DeadlineExceeded. Either adds FailureTarget, deletes the running pods, then (no pod
 *   left running) Failed with the same reason; the pods it deleted count as failed. Success adds SuccessCriteriaMet (CompletionsReached),
 *   then Complete with completionTime once no pod runs.
 * - Status: active, ready, terminating, succeeded, failed, startTime, completionTime,
 *   completedIndexes, conditions. `ttlSecondsAfterFinished`: the Job is deleted (background
 *   propagation) that long after its terminal condition.
 * - `suspend`, podFailurePolicy, successPolicy, backoffLimitPerIndex and pod finalizer tracking
 *   (`uncountedTerminatedPods`) are not modelled: finished pods are counted while they exist.
 * Reads come from the informer cache with pod expectations; a Pod change enqueues its Job. Times are
 * simulated ms (timestamps RFC 3339).
 */
import type { InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import type { EventRecorder } from '../events.ts';
import { INDEX_OWNER_UID, ignoreNotFound, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition, ReconcileResult } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { controllerRef, ownerKeys, podReady } from '../owners.ts';
import { PodExpectations } from './expectations.ts';
import { compareForDeletion } from './pods.ts';

/** batch/v1 kinds (built-ins of the API server). */
export const BatchTypes = {
  Job: { apiVersion: 'batch/v1', kind: 'Job' },
  CronJob: { apiVersion: 'batch/v1', kind: 'CronJob' },
} as const;

/** Label and annotation of an Indexed Job pod's completion index. */
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 360_000;

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

const MESSAGES: Record<string, string> = {
  BackoffLimitExceeded: 'Job has reached the specified backoff limit',
  DeadlineExceeded: 'Job was active longer than specified deadline',
  CompletionsReached: 'Reached expected number of succeeded pods',
};

/** `[0,1,2,4]` → `"0-2,4"` (the Job status `completedIndexes` format). */
export function formatIndexes(indexes: readonly number[]): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    out.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

const terminatedAt = (pod: KubeObject): number =>
  ((pod.status?.containerStatuses ?? []) as { state?: { terminated?: { finishedAt?: string } } }[]).reduce((m, c) => Math.max(m, Date.parse(c.state?.terminated?.finishedAt ?? '') || 0), 0);
const restarts = (pod: KubeObject): number =>
  [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].reduce((n: number, c: { restartCount?: number }) => n + (c.restartCount ?? 0), 0);
const indexOf = (pod: KubeObject): number | undefined => {
  const v = pod.metadata.annotations?.[COMPLETION_INDEX] ?? pod.metadata.labels?.[COMPLETION_INDEX];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
};

/** The Job controller as a runner definition. */
export function jobController(client: KubeClient, cache: InformerCache, recorder?: EventRecorder): ControllerDefinition {
  const podInformer = cache.informerFor(CoreTypes.Pod);
  const expectations = new PodExpectations(podInformer);
  /** Per Job uid: running pods deleted because the Job failed; they count as failed (upstream counts them through pod tracking). */
  const killed = new Map<string, Set<string>>();
  /** Per Job uid: the target condition (FailureTarget / SuccessCriteriaMet) this controller decided. */
  const decided = new Map<string, Condition>();
  return {
    name: 'job-controller',
    primary: BatchTypes.Job,
    watches: [{ type: CoreTypes.Pod, map: (pod) => ownerKeys(pod, 'Job') }],
    reconciler: {
      async reconcile(key, ctx): Promise<ReconcileResult> {
        const job = await cache.get(BatchTypes.Job, key).catch(ignoreNotFound);
        if (!job || job.metadata.deletionTimestamp) return done();
        const now = ctx.clock.now();
        const stamp = rfc3339(now);
        const ns = job.metadata.namespace!;
        const uid = job.metadata.uid!;
        const conds = (job.status?.conditions ?? []) as Condition[];
        const has = (type: string) => conds.find((c) => c.type === type && c.status === 'True');
        const finished = has('Complete') ?? has('Failed');
        if (finished) {
          killed.delete(job.metadata.uid!);
          decided.delete(job.metadata.uid!);
          const ttl = job.spec.ttlSecondsAfterFinished;
          if (ttl === undefined) return done();
          const left = Date.parse(finished.lastTransitionTime ?? stamp) + ttl * 1000 - now;
          if (left > 0) return requeueAfter(left);
          await client.delete(BatchTypes.Job, key, { propagationPolicy: 'Background' }).catch(ignoreNotFound);
          return done();
        }
        await podInformer.synced();
        const pending = expectations.pending(uid, ns);
        const owned = podInformer.byIndex(INDEX_OWNER_UID, uid).filter((p) => p.metadata.namespace === ns && !pending.deletes.has(p.metadata.name));
        const running = (p: KubeObject) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
        const active = [...owned.filter((p) => running(p) && !p.metadata.deletionTimestamp), ...pending.creates];
        const terminating = owned.filter((p) => running(p) && p.metadata.deletionTimestamp).length;
        const failedPods = owned.filter((p) => p.status?.phase === 'Failed');
        const succeededPods = owned.filter((p) => p.status?.phase === 'Succeeded');
        const indexed = job.spec.completionMode === 'Indexed';
        const completions: number | undefined = job.spec.completions ?? (indexed ? 1 : undefined);
        const parallelism: number = job.spec.parallelism ?? 1;
        const backoffLimit: number = job.spec.backoffLimit ?? 6;
        const completed = indexed ? [...new Set(succeededPods.map(indexOf).filter((i): i is number => i !== undefined && i < completions!))] : [];
        const succeeded = indexed ? completed.length : succeededPods.length;
        const startTime: string = job.status?.startTime ?? stamp;
        let result: ReconcileResult = done();
        const later = (ms: number) => {
          if (result.outcome === 'done' || ms < result.afterMs) result = requeueAfter(Math.max(1, ms));
        };

        // Which terminal condition is due (1.31+: a target condition first, the terminal one once no pod runs).
        const conditions = new Map(conds.map((c) => [c.type, c]));
        // A target condition this controller wrote counts even before the cache shows it (the pods it deleted may be observed first).
        const decidedBefore = decided.get(uid);
        if (decidedBefore && !conditions.has(decidedBefore.type)) conditions.set(decidedBefore.type, decidedBefore);
        const add = (type: string, reason: string) => {
          if (!conditions.get(type) || conditions.get(type)!.status !== 'True')
            conditions.set(type, { type, status: 'True', reason, message: MESSAGES[reason] ?? reason, lastProbeTime: stamp, lastTransitionTime: stamp });
        };
        let target = conditions.get('FailureTarget')?.status === 'True' ? 'fail' : conditions.get('SuccessCriteriaMet')?.status === 'True' ? 'succeed' : undefined;
        if (!target) {
          const restartsOnFailure = job.spec.template?.spec?.restartPolicy === 'OnFailure' ? active.reduce((n, p) => n + restarts(p), 0) : 0;
          const deadline = job.spec.activeDeadlineSeconds;
          const deadlineLeft = deadline === undefined ? Infinity : Date.parse(startTime) + deadline * 1000 - now;
          const complete = completions === undefined ? succeeded > 0 && active.length === 0 : succeeded >= completions;
          const failure = failedPods.length > backoffLimit || (restartsOnFailure > 0 && restartsOnFailure >= backoffLimit) ? 'BackoffLimitExceeded' : deadlineLeft <= 0 ? 'DeadlineExceeded' : undefined;
          if (complete) {
            add('SuccessCriteriaMet', 'CompletionsReached');
            target = 'succeed';
            decided.set(uid, conditions.get('SuccessCriteriaMet')!);
          } else if (failure) {
            add('FailureTarget', failure);
            target = 'fail';
            decided.set(uid, conditions.get('FailureTarget')!);
          } else if (deadline !== undefined) later(deadlineLeft);
        }

        const deletedNow = new Set<string>();
        if (target) {
          for (const p of active) {
            if (!owned.includes(p)) continue; // a create the cache has not shown yet: deleted on the next pass
            await client.delete(CoreTypes.Pod, { namespace: ns, name: p.metadata.name }).catch(ignoreNotFound);
            expectations.deleted(uid, p.metadata.name);
            deletedNow.add(p.metadata.name);
            if (target === 'fail') killed.set(uid, (killed.get(uid) ?? new Set<string>()).add(p.metadata.name));
          }
          if (pending.creates.length > 0) later(1_000);
          else if (terminating === 0 && deletedNow.size === 0) {
            // (pods deleted in this pass: their delete events bring the next pass, which finishes the Job once none is left)
            const reason = conditions.get(target === 'fail' ? 'FailureTarget' : 'SuccessCriteriaMet')!.reason;
            add(target === 'fail' ? 'Failed' : 'Complete', reason);
            if (target !== 'fail') await recorder?.event(job, 'Normal', 'Completed', 'Job completed');
          }
        } else {
          // Replace failures only after the back-off since the last one.
          const lastFailure = failedPods.reduce((m, p) => Math.max(m, terminatedAt(p)), 0);
          const backoffLeft = failedPods.length && lastFailure ? lastFailure + Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failedPods.length - 1)) - now : 0;
          const wantIndexes: (number | undefined)[] = [];
          if (indexed) {
            const busy = new Set([...completed, ...active.map(indexOf)]);
            for (let i = 0; i < completions! && wantIndexes.length + active.length < parallelism; i++) if (!busy.has(i)) wantIndexes.push(i);
          } else {
            const remaining = completions === undefined ? (succeeded > 0 ? 0 : parallelism) : completions - succeeded;
            for (let n = active.length; n < Math.min(parallelism, remaining); n++) wantIndexes.push(undefined);
          }
          if (wantIndexes.length > 0 && backoffLeft > 0) later(backoffLeft);
          else
            for (const index of wantIndexes) {
              const created = await client.create(jobPod(job, index));
              expectations.created(uid, created);
              await recorder?.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
            }
          const surplus = active.length - parallelism;
          if (surplus > 0) {
            for (const p of active.filter((a) => owned.includes(a)).sort(compareForDeletion).slice(0, surplus)) {
              await client.delete(CoreTypes.Pod, { namespace: ns, name: p.metadata.name }).catch(ignoreNotFound);
              expectations.deleted(uid, p.metadata.name);
              deletedNow.add(p.metadata.name);
            }
          }
        }

        const status: Record<string, unknown> = {
          startTime,
          active: owned.filter((p) => running(p) && !p.metadata.deletionTimestamp && !deletedNow.has(p.metadata.name)).length,
          ready: owned.filter(podReady).length,
          terminating,
          succeeded,
          failed: failedPods.length + [...(killed.get(uid) ?? [])].filter((n) => !failedPods.some((p) => p.metadata.name === n)).length,
          ...(indexed ? { completedIndexes: formatIndexes(completed) } : {}),
          ...(conditions.get('Complete')?.status === 'True' ? { completionTime: stamp } : {}),
          conditions: [...conditions.values()],
        };
        const cur = job.status ?? {};
        if (Object.keys(status).some((k) => JSON.stringify(cur[k]) !== JSON.stringify(status[k]))) {
          await client.patchStatus(BatchTypes.Job, key, 'merge', { status }).catch(ignoreNotFound);
        }
        if (conditions.get('Complete') || conditions.get('Failed')) {
          const ttl = job.spec.ttlSecondsAfterFinished;
          if (ttl !== undefined) later(ttl * 1000);
        }
        return result;
      },
    },
  };
}

/** A pod of `job` (for completion `index` when Indexed). */
function jobPod(job: KubeObject, index: number | undefined): KubeObject {
  const name = job.metadata.name;
  const uid = job.metadata.uid!;
  const tpl = job.spec.template ?? {};
  const idx = index === undefined ? {} : { [COMPLETION_INDEX]: String(index) };
  const spec = { ...(tpl.spec ?? {}) };
  if (index !== undefined) {
    spec.containers = (spec.containers ?? []).map((c: { env?: unknown[] }) => ({ ...c, env: [...(c.env ?? []), { name: 'JOB_COMPLETION_INDEX', value: String(index) }] }));
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: '',
      generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
      namespace: job.metadata.namespace,
      labels: { ...(tpl.metadata?.labels ?? {}), 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name, ...idx },
      annotations: { ...(tpl.metadata?.annotations ?? {}), ...idx },
      ownerReferences: [controllerRef(job)],
    },
    spec,
  };
}
