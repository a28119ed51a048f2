/**
 * LatticeModel controller (reference §2.10; crates/lattice-model controller.rs). A state machine on
 * `status.phase`:
 * - Pending: check image trust as the service controller does (controllers/image-trust.ts
 *   `checkImageTrust` over every role's images: an enforcing authority's key missing ⇒ Pending `Waiting
 *   for image trust key material: …`, requeue 5 s, nothing compiled), compile (Cedar gates through the
 *   shared WorkloadCompiler, kind `model`, image trust / SkipImageVerification last) and apply in layers —
 *   1 ServiceAccounts, ConfigMaps, Secrets, ExternalSecrets, PVCs, LatticeMeshMembers, P/D peer Services;
 *   2 the ModelServing; 3 ModelServer + ModelRoutes; 4a AutoscalingPolicies; 4b AutoscalingPolicyBindings —
 *   then Loading `Resources applied, waiting for model serving readiness` (observedGeneration,
 *   autoTopology, appliedRoles), requeue 15 s. A compile failure is Failed `Failed to compile: <message>`
 *   (a role over its LatticeQuota budget: `compilation failed for role '<r>': quota exceeded: …`);
 *   an apply failure stays Pending `Apply failed (will retry): <message>` (requeue 30 s).
 * - Loading: a generation newer than observedGeneration ⇒ Pending `Spec changed, recompiling` (5 s);
 *   otherwise the ModelServing's conditions decide: `Available=True` ⇒ Serving `Model is serving inference
 *   requests` (conditions mirrored, 60 s); `Failed=True` ⇒ Failed `ModelServing failed` (300 s); else 15 s.
 * - Serving: a newer generation ⇒ recompile (a missing trust key keeps it Serving with the wait's message,
 *   5 s); when the role set changed, the removed roles' mesh members
 *   and peer Services and the old ModelServing (by label `app.kubernetes.io/name=<model>`) are deleted first
 *   and appliedRoles is persisted (15 s), else the layers are re-applied and the phase is Loading `Spec
 *   changed, reloading`. Unchanged ⇒ the ModelServing's conditions are mirrored, 60 s.
 * - Failed: a newer generation ⇒ Pending `Retrying after spec change` (5 s); else 30 s.
 * Status writes are merge patches of the status subresource, skipped when nothing changed. A change of
 * an owned ModelServing re-queues its LatticeModel. Requeue times are simulated ms under a VirtualClock.
 */
import type { KubeClient, KubeObject, ObjectKey } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound } from '../../fake-apiserver/api/index.ts';
import { compileModel, KthenaTypes, mergedRoles, modelImages, modelServingName, type CompiledModel, type ModelCompileResult, type OutboundServiceWildcard } from '../compiler/index.ts';
import { LatticeMeshMemberType, LABEL_NAME } from '../crds/types.ts';
import { LatticeModelType, type LatticeModel, type LatticeModelStatus, type ModelCondition } from '../crds/model-types.ts';
import type { ControllerDefinition, ReconcileContext, ReconcileResult } from '../runtime/index.ts';
import { controllerOwnerOfKind, done, requeueAfter } from '../runtime/index.ts';
import { applyAll, deleteIfExists } from './apply.ts';
import type { CedarLoader } from './cedar-loader.ts';
import { cosignImageVerifier, type ImageVerifier } from './image-trust.ts';
import { quotasUnchanged } from './quota-budget.ts';
import { workloadCompileContext } from './workload-compile-context.ts';

/** Field manager of every write. */
export const MODEL_CONTROLLER = 'lattice-model-controller';
export const MODEL_SERVING_MESSAGE = 'Model is serving inference requests';
export const MODEL_LOADING_MESSAGE = 'Resources applied, waiting for model serving readiness';

/** Requeue intervals (reference controller.rs), in simulated ms under a VirtualClock. */
export interface ModelControllerTimings {
  loadingRequeueMs: number;
  servingRequeueMs: number;
  retryRequeueMs: number;
  failedRequeueMs: number;
  servingFailedRequeueMs: number;
  applyFailureRequeueMs: number;
  /** While an enforcing ImageProvider's key Secret is missing (the service controller's 5 s, reference controller.rs:977). */
  trustWaitRequeueMs: number;
}

export const DEFAULT_MODEL_TIMINGS: ModelControllerTimings = {
  loadingRequeueMs: 15_000,
  servingRequeueMs: 60_000,
  retryRequeueMs: 5_000,
  failedRequeueMs: 30_000,
  servingFailedRequeueMs: 300_000,
  applyFailureRequeueMs: 30_000,
  trustWaitRequeueMs: 5_000,
};

/** Options of the model controller. */
export interface ModelControllerOptions {
  client: KubeClient;
  cedar: CedarLoader;
  clusterName: string;
  timings?: Partial<ModelControllerTimings>;
  /**
   * What an outbound `type: service` resource with `id: "*"` means (compiler {@link OutboundServiceWildcard}):
   * `dependsAll` (default) or `dependency` (the reference operator: an ordinary dependency named `*`).
   */
  outboundServiceWildcard?: OutboundServiceWildcard;
  /** Checks image signatures for ImageProviders that enforce `trust` (default {@link cosignImageVerifier}); not asked when none does. */
  imageVerifier?: ImageVerifier;
}

type StatusUpdate = Omit<LatticeModelStatus, 'autoTopology' | 'appliedRoles'> & Partial<Pick<LatticeModelStatus, 'autoTopology' | 'appliedRoles'>>;

/** `<model>-<role>` of every role in the spec (the reference's role graph keys), sorted. */
const roleKeys = (m: LatticeModel): string[] => Object.keys(m.spec?.roles ?? {}).map((r) => `${m.metadata.name}-${r}`).sort();

/** The LatticeModel controller as a runner definition. Kthena's CRDs must be installed (it watches ModelServings). */
export function modelController(opts: ModelControllerOptions): ControllerDefinition {
  const { client } = opts;
  const t = { ...DEFAULT_MODEL_TIMINGS, ...opts.timings };
  const verifier = opts.imageVerifier ?? cosignImageVerifier();

  /** Writes the status; autoTopology, appliedRoles are kept unless given (reference StatusUpdate). */
  async function writeStatus(m: LatticeModel, next: StatusUpdate): Promise<void> {
    const cur = m.status ?? {};
    const status: LatticeModelStatus = {
      phase: next.phase,
      message: next.message ?? null,
      observedGeneration: next.observedGeneration ?? null,
      conditions: next.conditions ?? null,
      autoTopology: next.autoTopology !== undefined ? next.autoTopology : (cur.autoTopology ?? null),
      appliedRoles: next.appliedRoles !== undefined ? next.appliedRoles : (cur.appliedRoles ?? null),
    };
    const same = (Object.keys(status) as (keyof LatticeModelStatus)[]).every((k) => JSON.stringify(cur[k] ?? null) === JSON.stringify(status[k] ?? null));
    if (same) return;
    await client.patchStatus(LatticeModelType, { namespace: m.metadata.namespace, name: m.metadata.name }, 'merge', { status }).catch(ignoreNotFound);
  }

  /**
   * Image trust (`{waiting}` while a key is missing), then the compile with its verifications against
   * `m`'s LatticeQuota budget (reference controller.rs:395-418: each role's workloads checked with
   * replicas 1). `stale`: a quota changed before the caller could apply (reference
   * `verify_quota_freshness`); the caller retries without writing anything.
   */
  async function compile(m: LatticeModel, ctx: ReconcileContext): Promise<ModelCompileResult | { waiting: string } | { stale: true }> {
    const workloads = mergedRoles(m).flatMap(([, r]) => [r.entryWorkload, r.workerWorkload]);
    const setup = await workloadCompileContext(client, { cedar: opts.cedar, verifier }, { obj: m, what: 'model', images: modelImages(m), workloads }, ctx.log);
    if ('waiting' in setup) return { waiting: setup.waiting };
    const c = compileModel(m, { ...setup.context, clusterName: opts.clusterName, outboundServiceWildcard: opts.outboundServiceWildcard });
    if (c.ok && !(await quotasUnchanged(client, setup.context.quotaBudget.snapshots))) {
      ctx.log.info(`LatticeModel ${m.metadata.namespace}/${m.metadata.name}: quota state changed during model compilation, requeueing`);
      return { stale: true };
    }
    return c;
  }

  async function applyLayers(c: CompiledModel): Promise<void> {
    const l = c.layers;
    for (const layer of [l.infrastructure, l.serving, l.routing, l.autoscalingPolicies, l.autoscalingBindings]) await applyAll(client, layer, MODEL_CONTROLLER);
  }

  /** The ModelServing's conditions (reference read_model_serving_conditions); undefined when absent or empty. */
  async function servingConditions(m: LatticeModel): Promise<ModelCondition[] | undefined> {
    const ms = (await client.get(KthenaTypes.ModelServing, { namespace: m.metadata.namespace, name: modelServingName(m) }).catch(ignoreNotFound)) as KubeObject | undefined;
    const raw = ms?.status?.conditions;
    if (!Array.isArray(raw)) return undefined;
    const out = raw
      .filter((c) => typeof c?.type === 'string' && typeof c?.status === 'string')
      .map((c) => ({ type: c.type, status: c.status, ...(c.reason !== undefined ? { reason: c.reason } : {}), ...(c.message !== undefined ? { message: c.message } : {}), ...(c.lastTransitionTime !== undefined ? { lastTransitionTime: c.lastTransitionTime } : {}) }));
    return out.length > 0 ? out : undefined;
  }

  const servingState = (conditions: ModelCondition[] | undefined): 'Available' | 'Failed' | 'Progressing' => {
    for (const c of conditions ?? []) {
      if (c.type === 'Available' && c.status === 'True') return 'Available';
      if (c.type === 'Failed' && c.status === 'True') return 'Failed';
    }
    return 'Progressing';
  };

  async function failCompile(m: LatticeModel, message: string, ctx: ReconcileContext, generation: number | undefined, prefix: string): Promise<ReconcileResult> {
    ctx.log.warn(`LatticeModel ${m.metadata.namespace}/${m.metadata.name}: ${prefix}${message}`);
    await writeStatus(m, { phase: 'Failed', message: `${prefix}${message}`, observedGeneration: generation });
    return requeueAfter(t.failedRequeueMs);
  }

  async function reconcile(key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult> {
    const m = (await client.get<LatticeModel>(LatticeModelType, key).catch(ignoreNotFound)) as LatticeModel | undefined;
    if (!m || m.metadata.deletionTimestamp) return done();
    const generation = m.metadata.generation;
    const status = m.status ?? {};
    const phase = status.phase ?? 'Pending';
    const observed = status.observedGeneration ?? undefined;

    if (phase === 'Pending') {
      const c = await compile(m, ctx);
      if ('waiting' in c) {
        await writeStatus(m, { phase: 'Pending', message: c.waiting, observedGeneration: observed });
        return requeueAfter(t.trustWaitRequeueMs);
      }
      if ('stale' in c) return requeueAfter(t.applyFailureRequeueMs);
      if (!c.ok) return failCompile(m, c.message, ctx, generation, 'Failed to compile: ');
      try {
        await applyLayers(c);
      } catch (err) {
        await writeStatus(m, { phase: 'Pending', message: `Apply failed (will retry): ${(err as Error).message}` });
        return requeueAfter(t.applyFailureRequeueMs);
      }
      await writeStatus(m, { phase: 'Loading', message: MODEL_LOADING_MESSAGE, observedGeneration: generation, autoTopology: c.autoTopology ?? null, appliedRoles: roleKeys(m) });
      return requeueAfter(t.loadingRequeueMs);
    }

    if (phase === 'Loading') {
      if (observed !== generation) {
        await writeStatus(m, { phase: 'Pending', message: 'Spec changed, recompiling' });
        return requeueAfter(t.retryRequeueMs);
      }
      const conditions = await servingConditions(m);
      const state = servingState(conditions);
      if (state === 'Available') {
        await writeStatus(m, { phase: 'Serving', message: MODEL_SERVING_MESSAGE, observedGeneration: generation, conditions });
        return requeueAfter(t.servingRequeueMs);
      }
      if (state === 'Failed') {
        ctx.log.warn(`LatticeModel ${key.namespace}/${key.name}: ModelServing failed`);
        await writeStatus(m, { phase: 'Failed', message: 'ModelServing failed', observedGeneration: generation, conditions });
        return requeueAfter(t.servingFailedRequeueMs);
      }
      return requeueAfter(t.loadingRequeueMs);
    }

    if (phase === 'Serving') {
      if (observed !== generation) {
        const c = await compile(m, ctx);
        if ('waiting' in c) {
          await writeStatus(m, { phase: 'Serving', message: c.waiting, observedGeneration: observed, conditions: status.conditions });
          return requeueAfter(t.trustWaitRequeueMs);
        }
        if ('stale' in c) return requeueAfter(t.applyFailureRequeueMs);
        if (!c.ok) return failCompile(m, c.message, ctx, generation, 'Failed to recompile after spec change: ');
        const oldKeys = status.appliedRoles ?? roleKeys(m);
        const newKeys = roleKeys(m);
        const removed = oldKeys.filter((k) => !newKeys.includes(k));
        for (const k of removed) {
          await deleteIfExists(client, LatticeMeshMemberType, key.namespace!, k);
          await deleteIfExists(client, { apiVersion: 'v1', kind: 'Service' }, key.namespace!, k);
        }
        if (JSON.stringify(oldKeys) !== JSON.stringify(newKeys)) {
          // gangPolicy.minRoleReplicas is immutable: delete the old ModelServing, recreate on the next pass.
          const old = await client.list(KthenaTypes.ModelServing, { namespace: key.namespace, labelSelector: `${LABEL_NAME}=${key.name}` });
          for (const ms of old.items) await deleteIfExists(client, KthenaTypes.ModelServing, key.namespace!, ms.metadata.name);
          await writeStatus(m, { phase: 'Serving', message: status.message, observedGeneration: observed, conditions: status.conditions, appliedRoles: newKeys });
          return requeueAfter(t.loadingRequeueMs);
        }
        try {
          await applyLayers(c);
        } catch (err) {
          await writeStatus(m, { phase: 'Serving', message: `Apply failed after spec change (will retry): ${(err as Error).message}`, observedGeneration: observed });
          return requeueAfter(t.applyFailureRequeueMs);
        }
        await writeStatus(m, { phase: 'Loading', message: 'Spec changed, reloading', observedGeneration: generation, autoTopology: c.autoTopology ?? null, appliedRoles: newKeys });
        return requeueAfter(t.loadingRequeueMs);
      }
      await writeStatus(m, { phase: 'Serving', message: MODEL_SERVING_MESSAGE, observedGeneration: generation, conditions: await servingConditions(m) });
      return requeueAfter(t.servingRequeueMs);
    }

    // Failed.
    if (observed !== generation) {
      await writeStatus(m, { phase: 'Pending', message: 'Retrying after spec change' });
      return requeueAfter(t.retryRequeueMs);
    }
    return requeueAfter(t.failedRequeueMs);
  }

  return {
    name: MODEL_CONTROLLER,
    primary: LatticeModelType,
    generationChangedOnly: true,
    watches: [{ type: KthenaTypes.ModelServing, map: controllerOwnerOfKind('LatticeModel') }],
    reconciler: { reconcile },
  };
}
