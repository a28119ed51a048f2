/**
 * LatticeJob controller (reference §2.9; crates/lattice-job controller.rs). Per reconcile, by phase:
 * - Pending: unless the status message already says `Job submitted to Volcano`, check image trust as
 *   the service controller does (controllers/image-trust.ts `checkImageTrust` over every task's images:
 *   an enforcing authority's key missing ⇒ Pending `Waiting for image trust key material: …`, requeue
 *   5 s, nothing compiled), compile the job (Cedar gates through the shared WorkloadCompiler, image trust
 *   / SkipImageVerification last) and apply layer 1 (per-task ServiceAccounts,
 *   ConfigMaps, Secrets, ExternalSecrets, PVCs, LatticeMeshMembers; no wait on mesh readiness) then
 *   layer 2 (the Volcano Job or CronJob); a VCJob that already exists is not re-submitted. A compile
 *   failure sets Failed `Failed to compile job: <JobError text>` (a task over its LatticeQuota budget:
 *   `… compilation failed for task '<t>': quota exceeded: …`, quota-budget.ts). A cron job then turns Running
 *   `Cron job active`; otherwise the VCJob's `status.state.phase` is mapped: Running / Completing (and
 *   unknown phases) ⇒ Running `Job running`; Completed ⇒ Succeeded `All tasks completed successfully`
 *   (completionTime); Failed / Terminated / Aborted, Restarting with maxRetry 0, or Pending / Inqueue
 *   for more than 300 s since the VCJob's creation ⇒ Failed `Job failed` (completionTime).
 * - Running: the same mapping; a cron job stays Running with `Cron active: <n> job(s), last scheduled:
 *   <lastScheduleTime | never>` from its VCCronJob's status.
 * - Failed: back to Pending `Retrying compilation` (requeue 5 s), as the reference does.
 * Requeues (reference): 15 s while Pending / Running, 300 s after Succeeded or Failed, 30 s after a
 * compile failure (the reference returns the error to its runtime's backoff). Status writes are merge
 * patches of the status subresource with every field present (null when empty; startTime and
 * completionTime kept), skipped when nothing changed. A VCJob change re-queues its owner LatticeJob.
 */
import type { KubeClient, KubeObject, ObjectKey } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound, rfc3339 } from '../../fake-apiserver/api/index.ts';
import { compileJob, jobImages, mergedTasks, VolcanoCronJobType, VolcanoJobType } from '../compiler/index.ts';
import type { OutboundServiceWildcard } from '../compiler/index.ts';
import type { ControllerDefinition, ReconcileContext, ReconcileResult } from '../runtime/index.ts';
import { controllerOwnerOfKind, done, requeueAfter } from '../runtime/index.ts';
import { LatticeJobType } from '../crds/types.ts';
import type { LatticeJob, LatticeJobStatus, LatticeService } from '../crds/types.ts';
import { applyAll } from './apply.ts';
import type { CedarLoader } from './cedar-loader.ts';
import { referencedServices } from './service-controller.ts';
import { cosignImageVerifier, type ImageVerifier } from './image-trust.ts';
import { quotasUnchanged } from './quota-budget.ts';
import { servicePortLookup, workloadCompileContext } from './workload-compile-context.ts';

/** Field manager of every write. */
export const JOB_CONTROLLER = 'lattice-job-controller';
/** Status message of a job whose Volcano workload was applied (reference SUBMITTED_MESSAGE). */
export const SUBMITTED_MESSAGE = 'Job submitted to Volcano';

/** Requeue intervals and the pending timeout (reference controller.rs), in simulated ms under a VirtualClock. */
export interface JobControllerTimings {
  runningRequeueMs: number;
  finishedRequeueMs: number;
  retryRequeueMs: number;
  compileFailureRequeueMs: number;
  pendingTimeoutMs: number;
  /** While an enforcing ImageProvider's key Secret is missing (the service controller's 5 s, reference controller.rs:977). */
  trustWaitRequeueMs: number;
}

export const DEFAULT_JOB_TIMINGS: JobControllerTimings = {
  runningRequeueMs: 15_000,
  finishedRequeueMs: 300_000,
  retryRequeueMs: 5_000,
  compileFailureRequeueMs: 30_000,
  pendingTimeoutMs: 300_000,
  trustWaitRequeueMs: 5_000,
};

/** Options of the job controller. */
export interface JobControllerOptions {
  client: KubeClient;
  cedar: CedarLoader;
  clusterName: string;
  timings?: Partial<JobControllerTimings>;
  /**
   * What an outbound `type: service` resource with `id: "*"` means (compiler {@link OutboundServiceWildcard}):
   * `dependsAll` (default) or `dependency` (the reference operator: an ordinary dependency named `*`).
   */
  outboundServiceWildcard?: OutboundServiceWildcard;
  /** Checks image signatures for ImageProviders that enforce `trust` (default {@link cosignImageVerifier}); not asked when none does. */
  imageVerifier?: ImageVerifier;
}

type VcPhase = 'Running' | 'Completed' | 'Failed' | 'Pending';

/** The LatticeJob controller as a runner definition. */
export function jobController(opts: JobControllerOptions): ControllerDefinition {
  const { client } = opts;
  const t = { ...DEFAULT_JOB_TIMINGS, ...opts.timings };
  const verifier = opts.imageVerifier ?? cosignImageVerifier();

  async function writeStatus(lj: LatticeJob, next: Omit<LatticeJobStatus, 'startTime' | 'completionTime'> & { startTime?: string; completionTime?: string }): Promise<void> {
    const cur = lj.status ?? {};
    const status = {
      phase: next.phase,
      message: next.message ?? null,
      observedGeneration: next.observedGeneration ?? null,
      startTime: next.startTime ?? cur.startTime ?? null,
      completionTime: next.completionTime ?? cur.completionTime ?? null,
      cost: null,
      metrics: null,
    };
    if (
      cur.phase === status.phase &&
      (cur.message ?? null) === status.message &&
      (cur.observedGeneration ?? null) === status.observedGeneration &&
      (cur.startTime ?? null) === status.startTime &&
      (cur.completionTime ?? null) === status.completionTime
    )
      return;
    await client.patchStatus(LatticeJobType, { namespace: lj.metadata.namespace, name: lj.metadata.name }, 'merge', { status }).catch(ignoreNotFound);
  }

  /** The VCJob's phase as the reference reads it (check_vcjob_status_impl); undefined when absent. */
  async function vcjobPhase(key: ObjectKey, now: number): Promise<VcPhase | undefined> {
    const vcjob = (await client.get(VolcanoJobType, key).catch(ignoreNotFound)) as KubeObject | undefined;
    if (!vcjob) return undefined;
    const phase = vcjob.status?.state?.phase as string | undefined;
    switch (phase) {
      case 'Completed':
        return 'Completed';
      case 'Failed':
      case 'Terminated':
      case 'Aborted':
        return 'Failed';
      case 'Restarting':
        return (vcjob.spec?.maxRetry ?? 0) === 0 ? 'Failed' : 'Running';
      case 'Running':
      case 'Completing':
        return 'Running';
      case 'Pending':
      case 'Inqueue':
      case undefined: {
        const created = Date.parse(vcjob.metadata.creationTimestamp ?? '');
        return Number.isFinite(created) && now - created > t.pendingTimeoutMs ? 'Failed' : 'Pending';
      }
      default:
        return 'Running';
    }
  }

  /** `"ns/name"` of the LatticeServices the job's tasks name (each task read as a service would be, {@link referencedServices}), sorted. */
  function servicesNamed(lj: LatticeJob): string[] {
    const ids = new Set<string>();
    for (const [, task] of mergedTasks(lj)) {
      const pseudo = { metadata: { name: lj.metadata.name, namespace: lj.metadata.namespace }, spec: { workload: task.workload ?? {} } } as LatticeService;
      for (const id of referencedServices(pseudo)) ids.add(id);
    }
    return [...ids].sort();
  }

  async function finish(lj: LatticeJob, phase: VcPhase, ctx: ReconcileContext, generation: number | undefined): Promise<ReconcileResult | undefined> {
    const now = rfc3339(ctx.clock.now());
    if (phase === 'Completed') {
      await writeStatus(lj, { phase: 'Succeeded', message: 'All tasks completed successfully', observedGeneration: generation, completionTime: now });
      return requeueAfter(t.finishedRequeueMs);
    }
    if (phase === 'Failed') {
      ctx.log.warn(`LatticeJob ${lj.metadata.namespace}/${lj.metadata.name}: VCJob failed`);
      await writeStatus(lj, { phase: 'Failed', message: 'Job failed', observedGeneration: generation, completionTime: now });
      return requeueAfter(t.finishedRequeueMs);
    }
    return undefined;
  }

  async function reconcile(key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult> {
    const lj = (await client.get<LatticeJob>(LatticeJobType, key).catch(ignoreNotFound)) as LatticeJob | undefined;
    if (!lj || lj.metadata.deletionTimestamp) return done();
    const generation = lj.metadata.generation;
    const status = lj.status ?? {};
    const phase = status.phase ?? 'Pending';
    const cron = lj.spec?.schedule !== undefined;

    if (phase === 'Failed') {
      await writeStatus(lj, { phase: 'Pending', message: 'Retrying compilation' });
      return requeueAfter(t.retryRequeueMs);
    }
    if (phase === 'Succeeded') return requeueAfter(t.finishedRequeueMs);

    if (phase === 'Running') {
      if (cron) {
        const cronJob = (await client.get(VolcanoCronJobType, key).catch(ignoreNotFound)) as KubeObject | undefined;
        if (cronJob) {
          const active = Array.isArray(cronJob.status?.active) ? cronJob.status.active.length : 0;
          await writeStatus(lj, { phase: 'Running', message: `Cron active: ${active} job(s), last scheduled: ${cronJob.status?.lastScheduleTime ?? 'never'}`, observedGeneration: generation });
        }
        return requeueAfter(t.runningRequeueMs);
      }
      const vc = await vcjobPhase(key, ctx.clock.now());
      return (vc && (await finish(lj, vc, ctx, generation))) ?? requeueAfter(t.runningRequeueMs);
    }

    // Pending.
    if (!(status.message ?? '').startsWith(SUBMITTED_MESSAGE)) {
      const existing = await client.get(cron ? VolcanoCronJobType : VolcanoJobType, key).catch(ignoreNotFound);
      if (existing) {
        await writeStatus(lj, { phase: 'Pending', message: SUBMITTED_MESSAGE, observedGeneration: generation });
      } else {
        // Image trust, Cedar, the quota budget every task's demand is checked against (reference
        // controller.rs:580-607) and the graph lookup, as the service controller sets them up.
        const setup = await workloadCompileContext(client, { cedar: opts.cedar, verifier }, { obj: lj, what: 'job', images: jobImages(lj), workloads: mergedTasks(lj).map(([, task]) => task.workload) }, ctx.log);
        if ('waiting' in setup) {
          await writeStatus(lj, { phase: 'Pending', message: setup.waiting, observedGeneration: status.observedGeneration });
          return requeueAfter(t.trustWaitRequeueMs);
        }
        const serviceLookup = await servicePortLookup(client, servicesNamed(lj));
        const result = compileJob(lj, { ...setup.context, clusterName: opts.clusterName, outboundServiceWildcard: opts.outboundServiceWildcard, serviceLookup });
        if (!result.ok) {
          const message = `Failed to compile job: ${result.message}`;
          ctx.log.warn(`LatticeJob ${key.namespace}/${key.name}: ${message}`);
          await writeStatus(lj, { phase: 'Failed', message, observedGeneration: generation });
          return requeueAfter(t.compileFailureRequeueMs);
        }
        // A quota changed since the budget was read (reference `verify_quota_freshness`): retry instead of submitting.
        if (!(await quotasUnchanged(client, setup.context.quotaBudget.snapshots))) {
          ctx.log.info(`LatticeJob ${key.namespace}/${key.name}: quota state changed during job compilation, requeueing`);
          return requeueAfter(t.compileFailureRequeueMs);
        }
        await applyAll(client, result.layers.infrastructure, JOB_CONTROLLER);
        await applyAll(client, result.layers.workload, JOB_CONTROLLER);
        await writeStatus(lj, { phase: 'Pending', message: SUBMITTED_MESSAGE, observedGeneration: generation, ...(lj.spec.training ? { startTime: rfc3339(ctx.clock.now()) } : {}) });
      }
    }
    if (cron) {
      await writeStatus(lj, { phase: 'Running', message: 'Cron job active', observedGeneration: generation });
      return requeueAfter(t.runningRequeueMs);
    }
    const vc = await vcjobPhase(key, ctx.clock.now());
    if (vc === 'Running') {
      await writeStatus(lj, { phase: 'Running', message: 'Job running', observedGeneration: generation });
      return requeueAfter(t.runningRequeueMs);
    }
    return (vc && (await finish(lj, vc, ctx, generation))) ?? requeueAfter(t.runningRequeueMs);
  }

  return {
    name: JOB_CONTROLLER,
    primary: LatticeJobType,
    generationChangedOnly: true,
    watches: [{ type: VolcanoJobType, map: controllerOwnerOfKind('LatticeJob') }],
    reconciler: { reconcile },
  };
}
