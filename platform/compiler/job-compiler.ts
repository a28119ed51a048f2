/**
 * The LatticeJob wrapper (reference §2.9; crates/lattice-job compiler.rs, crates/lattice-volcano-policy
 * compiler.rs): `defaults` merged into every task (§2.12), each task compiled by the shared
 * WorkloadCompiler as workload `<job>-<task>` (kind `job`, so the same Cedar gate requests as a
 * service), distributed-training wiring, then one Volcano `batch.volcano.sh/v1alpha1` Job (or
 * CronJob when `spec.schedule` is set) owned by the LatticeJob. Pure: no I/O, no clock.
 *
 * Ownership (reference §2.9): ConfigMaps, Secrets, ExternalSecrets and PVCs carry the LatticeJob's own
 * `metadata.ownerReferences` (normally none), not the LatticeJob; per-task ServiceAccounts and
 * LatticeMeshMembers carry none; only the VCJob / VCCronJob is owned by the LatticeJob.
 */
import type { KubeObject, OwnerReference } from '../../fake-apiserver/api/index.ts';
import {
  LABEL_MANAGED_BY,
  LABEL_NAME,
  LATTICE_API_VERSION,
  MANAGED_BY_LATTICE,
  type ContainerSpec,
  type JobTaskSpec,
  type LatticeJob,
  type LatticeMeshMember,
  type TrainingConfig,
  type VolcanoPolicy,
  type WorkloadSpec,
} from '../crds/types.ts';
import { workloadImages } from '../cedar/images.ts';
import { makeObject } from './objects.ts';
import type { CompileContext, CompileFailure } from './types.ts';
import { compileWorkload } from './workload-compiler.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** Volcano kinds the wrapper emits (`batch.volcano.sh/v1alpha1`). */
export const VolcanoJobType = { apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job' } as const;
export const VolcanoCronJobType = { apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'CronJob' } as const;
/** Pod label grouping every pod of a training job (reference `LABEL_TRAINING_JOB`). */
export const LABEL_TRAINING_JOB = 'lattice.dev/training-job';
/** Coordinator port of distributed training (PyTorch / DeepSpeed `MASTER_PORT`, Jax coordinator). */
export const DEFAULT_MASTER_PORT = 29500;
const DEFAULT_NCCL_DEBUG = 'WARN';
const RANK_INIT_IMAGE = 'busybox:latest';

/** Objects of a LatticeJob compile, by apply layer (reference §2.9 controller). */
export interface JobLayers {
  /** Per-task ServiceAccounts, ConfigMaps, Secrets, ExternalSecrets, PVCs, LatticeMeshMembers. */
  infrastructure: KubeObject[];
  /** The VCJob or VCCronJob. */
  workload: KubeObject[];
}

/** Output of a successful {@link compileJob}. */
export interface CompiledJob {
  ok: true;
  layers: JobLayers;
  /** The generated mesh members (also in `layers.infrastructure`), one per task, without ownerReferences. */
  meshMembers: LatticeMeshMember[];
  /** Features of this spec the platform does not produce, in words. */
  notModelled: string[];
}

/** Result of {@link compileJob}: the objects, or a failure whose `message` is the reference's JobError text. */
export type JobCompileResult = CompiledJob | CompileFailure;

/** Volcano's wire name of a policy event (`Any` → `*`). */
function wirePolicy(p: VolcanoPolicy): { event: string; action: string } {
  return { event: p.event === 'Any' ? '*' : p.event, action: p.action };
}

const isSet = (v: unknown): boolean => v !== undefined && v !== null;

function mergeContainer(task: ContainerSpec, defaults: ContainerSpec): ContainerSpec {
  const out: Json = { ...defaults };
  for (const [k, v] of Object.entries(task)) if (isSet(v)) out[k] = v;
  out.image = task.image || defaults.image;
  if (defaults.variables || task.variables) out.variables = { ...defaults.variables, ...task.variables };
  if (defaults.files || task.files) out.files = { ...defaults.files, ...task.files };
  if (defaults.volumes || task.volumes) out.volumes = { ...defaults.volumes, ...task.volumes };
  if (defaults.security || task.security) out.security = { ...defaults.security, ...task.security };
  if (defaults.resources || task.resources) {
    const r: Json = {};
    const req = { ...defaults.resources?.requests, ...task.resources?.requests };
    const lim = { ...defaults.resources?.limits, ...task.resources?.limits };
    if (Object.keys(req).length > 0) r.requests = req;
    if (Object.keys(lim).length > 0) r.limits = lim;
    out.resources = r;
  }
  return out as ContainerSpec;
}

/**
 * `defaults` merged into one task (reference §2.12): maps merge by key with the task winning
 * (containers deep-merged; resources, sidecars, sysctls shallow), scalars take the task's value when
 * set, lists are atomic (the task's list when non-empty), a container's image fills only when empty,
 * container resources and security deep-merge. Inputs are not modified.
 */
export function mergeTask(task: JobTaskSpec, defaults: JobTaskSpec | undefined): JobTaskSpec {
  if (!defaults) return task;
  const out: Json = { ...defaults };
  for (const [k, v] of Object.entries(task)) if (isSet(v)) out[k] = v;
  if ((task.imagePullSecrets ?? []).length === 0 && defaults.imagePullSecrets) out.imagePullSecrets = defaults.imagePullSecrets;
  if (defaults.sidecars || task.sidecars) out.sidecars = { ...defaults.sidecars, ...task.sidecars };
  if (defaults.sysctls || task.sysctls) out.sysctls = { ...defaults.sysctls, ...task.sysctls };
  const dw = defaults.workload ?? {};
  const tw = task.workload ?? {};
  const containers: Record<string, ContainerSpec> = { ...dw.containers };
  for (const [name, c] of Object.entries(tw.containers ?? {})) containers[name] = dw.containers?.[name] ? mergeContainer(c, dw.containers[name]) : c;
  const workload: Json = { ...dw, ...Object.fromEntries(Object.entries(tw).filter(([, v]) => isSet(v))), containers };
  if (dw.resources || tw.resources) workload.resources = { ...dw.resources, ...tw.resources };
  out.workload = workload;
  return out as JobTaskSpec;
}

/** Every task with `defaults` merged in, in task-name order (the reference's BTreeMap order). */
export function mergedTasks(lj: LatticeJob): [string, JobTaskSpec][] {
  return Object.keys(lj.spec.tasks ?? {})
    .sort()
    .map((t) => [t, mergeTask(lj.spec.tasks[t], lj.spec.defaults)]);
}

/**
 * Every image the job's compile asks image trust about: per task (name order, defaults merged) its
 * containers then sidecars ({@link workloadImages}); the rank init container the training wrapper adds
 * is not a workload image (the WorkloadCompiler never sees it). Duplicates kept. Never throws.
 */
export function jobImages(lj: LatticeJob): string[] {
  return mergedTasks(lj).flatMap(([, t]) => workloadImages({ containers: t.workload?.containers ?? {} }, t.sidecars));
}

const replicasOf = (t: JobTaskSpec): number => t.replicas ?? 1;

function gpuParam(w: Partial<WorkloadSpec>): { count?: number; model?: string } | undefined {
  const resources = w.resources ?? {};
  const key = Object.keys(resources)
    .sort()
    .find((k) => resources[k].type === 'gpu');
  return key === undefined ? undefined : (resources[key].params ?? {});
}

/** Adds `vars` to every container's variables without overwriting a declared one (reference `inject_env_all`). */
function injectEnvAll(w: Json, vars: [string, string][]): void {
  for (const c of Object.values(w.containers ?? {}) as Json[]) {
    c.variables = { ...c.variables };
    for (const [k, v] of vars) if (!(k in c.variables)) c.variables[k] = v;
  }
}

/** NCCL tuning the reference applies by GPU model. */
function ncclDefaultsForGpu(model: string): [string, string][] {
  const m = model.toUpperCase();
  if (m.includes('H100') && m.includes('SXM')) return [['NCCL_ALGO', 'Ring,Tree'], ['NCCL_IB_DISABLE', '0']];
  if (m.includes('H100')) return [['NCCL_ALGO', 'Ring'], ['NCCL_IB_DISABLE', '0']];
  if (m.includes('A100')) return [['NCCL_ALGO', 'Ring,Tree']];
  if (m.includes('L4') || m.includes('L40') || m.includes('T4')) return [['NCCL_ALGO', 'Ring'], ['NCCL_IB_DISABLE', '1']];
  return [];
}

class JobError extends Error {}

/**
 * Training preparation (reference `prepare_training_tasks`): restartPolicy forced to Never, the
 * coordinator gets `TaskCompleted → CompleteJob` when it has no policies, a `master: 29500` service
 * port, framework env (world size = Σ replicas × GPUs per pod) and NCCL env, never overwriting a
 * declared variable. @throws JobError when a container has no command.
 */
function prepareTraining(job: string, tasks: [string, JobTaskSpec][], training: TrainingConfig): [string, JobTaskSpec][] {
  const nnodes = tasks.reduce((n, [, t]) => n + replicasOf(t), 0);
  const coordinator = training.coordinatorTask ?? 'master';
  const addr = `${job}-${coordinator}-0.${job}`;
  for (const [name, t] of tasks) {
    for (const c of Object.keys(t.workload?.containers ?? {}).sort()) {
      if (!t.workload!.containers![c].command) throw new JobError(`training task '${name}' container '${c}' must specify a command`);
    }
  }
  return tasks.map(([name, spec]) => {
    const t: Json = structuredClone(spec);
    t.restartPolicy = 'Never';
    if (name === coordinator && !t.policies) t.policies = [{ event: 'TaskCompleted', action: 'CompleteJob' }];
    t.workload ??= {};
    t.workload.service ??= { ports: {} };
    t.workload.service.ports ??= {};
    t.workload.service.ports.master ??= { port: DEFAULT_MASTER_PORT };
    const gpu = gpuParam(t.workload);
    const gpuCount = gpu?.count;
    const worldSize = nnodes * (gpuCount ?? 1);
    const framework = training.framework ?? 'PyTorch';
    const vars: [string, string][] =
      framework === 'Jax'
        ? [
            ['JAX_COORDINATOR_ADDRESS', `${addr}:${DEFAULT_MASTER_PORT}`],
            ['JAX_NUM_PROCESSES', String(worldSize)],
            ...(gpuCount !== undefined ? ([['JAX_LOCAL_DEVICE_COUNT', String(gpuCount)]] as [string, string][]) : []),
          ]
        : [
            ['MASTER_ADDR', addr],
            ['MASTER_PORT', String(DEFAULT_MASTER_PORT)],
            ['WORLD_SIZE', String(worldSize)],
            ['NNODES', String(nnodes)],
            ...(gpuCount !== undefined ? ([['NPROC_PER_NODE', String(gpuCount)]] as [string, string][]) : []),
          ];
    injectEnvAll(t.workload, vars);
    const nccl = training.nccl ?? {};
    const ncclVars: [string, string][] = [['NCCL_DEBUG', nccl.debug ?? DEFAULT_NCCL_DEBUG]];
    if (nccl.netIf !== undefined) ncclVars.push(['NCCL_SOCKET_IFNAME', nccl.netIf]);
    if (nccl.ibHca !== undefined) ncclVars.push(['NCCL_IB_HCA', nccl.ibHca]);
    if (nccl.gdr !== undefined) ncclVars.push(['NCCL_NET_GDR_LEVEL', nccl.gdr ? '5' : '0']);
    if (gpu?.model !== undefined) ncclVars.push(...ncclDefaultsForGpu(String(gpu.model)));
    for (const [k, v] of Object.entries(nccl.extraEnv ?? {})) ncclVars.push([k, v]);
    injectEnvAll(t.workload, ncclVars);
    return [name, t as JobTaskSpec];
  });
}

/**
 * Rank wiring of a training pod template (reference `inject_rank_env`): emptyDirs `lattice-env` and
 * `lattice-tmp`, an init container `lattice-rank` writing `RANK` / `NODE_RANK` = offset + `VC_TASK_INDEX`
 * (Volcano's env plugin) into `/lattice-env/rank.sh`, and every container's command wrapped to source it.
 */
function injectRank(template: Json, offset: number): void {
  const spec = template.spec;
  spec.volumes = [...(spec.volumes ?? []), { name: 'lattice-env', emptyDir: {} }, { name: 'lattice-tmp', emptyDir: {} }];
  spec.initContainers = [
    ...(spec.initContainers ?? []),
    {
      name: 'lattice-rank',
      image: RANK_INIT_IMAGE,
      env: [{ name: 'LATTICE_RANK_OFFSET', value: String(offset) }],
      command: ['/bin/sh', '-c', 'RANK=$((LATTICE_RANK_OFFSET + VC_TASK_INDEX)); echo "export RANK=$RANK NODE_RANK=$RANK" > /lattice-env/rank.sh'],
      volumeMounts: [{ name: 'lattice-env', mountPath: '/lattice-env' }],
      securityContext: {
        runAsNonRoot: false,
        runAsUser: 0,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
    },
  ];
  spec.containers = spec.containers.map((c: Json) => ({
    ...c,
    command: ['/bin/sh', '-c', '. /lattice-env/rank.sh; exec "$@"', 'sh'],
    args: [...(c.command ?? []), ...(c.args ?? [])],
    volumeMounts: [...(c.volumeMounts ?? []), { name: 'lattice-env', mountPath: '/lattice-env' }, { name: 'lattice-tmp', mountPath: '/tmp' }],
  }));
}

/** The owner reference of the VCJob / VCCronJob (reference compile_vcjob). */
export function jobOwnerReference(lj: LatticeJob): OwnerReference {
  return { apiVersion: LATTICE_API_VERSION, kind: 'LatticeJob', name: lj.metadata.name, uid: lj.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/**
 * Compiles a LatticeJob (reference §2.9).
 * Input: the LatticeJob as read from the API server (`metadata.uid` goes into the VCJob's
 * ownerReference) and a {@link CompileContext}.
 * Output: `{ok: true, layers: {infrastructure, workload}, meshMembers, notModelled}`; or a failure
 * with the reference's JobError text as `message`: `job has no tasks`, `training coordinator task '<t>'
 * not found in job tasks`, `training task '<t>' container '<c>' must specify a command`, `compilation
 * failed for task '<t>': <WorkloadCompiler message>` (a Cedar denial keeps `reason: 'denied'`, its gate
 * and denials). Never throws for bad specs.
 */
export function compileJob(lj: LatticeJob, ctx: CompileContext): JobCompileResult {
  const { name } = lj.metadata;
  const namespace = lj.metadata.namespace;
  if (!namespace) return { ok: false, reason: 'invalid', message: 'missing namespace on LatticeJob' };
  const spec = lj.spec ?? ({} as LatticeJob['spec']);
  const rawTasks = spec.tasks ?? {};
  if (Object.keys(rawTasks).length === 0) return { ok: false, reason: 'invalid', message: 'job has no tasks' };
  let tasks = mergedTasks(lj);
  if (spec.training) {
    const coordinator = spec.training.coordinatorTask ?? 'master';
    if (!(coordinator in rawTasks)) return { ok: false, reason: 'invalid', message: `training coordinator task '${coordinator}' not found in job tasks` };
    try {
      tasks = prepareTraining(name, tasks, spec.training);
    } catch (e) {
      if (e instanceof JobError) return { ok: false, reason: 'invalid', message: e.message };
      throw e;
    }
  }

  const ownerReferences = lj.metadata.ownerReferences;
  const templates = new Map<string, Json>();
  const infrastructure: KubeObject[] = [];
  const configMaps: KubeObject[] = [];
  const secrets: KubeObject[] = [];
  const externalSecrets: KubeObject[] = [];
  const pvcs: KubeObject[] = [];
  const meshMembers: LatticeMeshMember[] = [];
  const notModelled: string[] = [];
  for (const [task, t] of tasks) {
    const result = compileWorkload(
      {
        name: `${name}-${task}`,
        namespace,
        kind: 'job',
        workload: { containers: {}, ...t.workload } as WorkloadSpec,
        runtime: {
          sidecars: t.sidecars,
          sysctls: t.sysctls,
          hostNetwork: t.hostNetwork,
          shareProcessNamespace: t.shareProcessNamespace,
          automountServiceAccountToken: t.automountServiceAccountToken,
          imagePullSecrets: t.imagePullSecrets,
        },
        annotations: lj.metadata.annotations,
        ownerReferences,
        replicas: replicasOf(t),
      },
      ctx,
    );
    if (!result.ok) return { ...result, message: `compilation failed for task '${task}': ${result.message}` };
    // A job's task template carries labels only, and its scheduler is the VCJob's (reference pod_template_to_json).
    const { schedulerName: _scheduler, ...podSpec } = result.podTemplate.spec;
    templates.set(task, { metadata: { labels: { ...result.podTemplate.metadata.labels } }, spec: podSpec });
    configMaps.push(...result.configMaps);
    secrets.push(...result.secrets);
    externalSecrets.push(...result.externalSecrets);
    pvcs.push(...result.persistentVolumeClaims);
    meshMembers.push(result.meshMember);
    notModelled.push(...result.notModelled.map((n) => `task '${task}': ${n}`));
  }

  if (spec.training) {
    for (const mm of meshMembers) {
      mm.spec = { ...mm.spec, allowPeerTraffic: true, ambient: false, target: { selector: { [LABEL_TRAINING_JOB]: name } } };
    }
    for (const pvc of pvcs) pvc.metadata.labels = { ...pvc.metadata.labels, [LABEL_TRAINING_JOB]: name };
    let offset = 0;
    for (const [task, t] of tasks) {
      const template = templates.get(task)!;
      injectRank(template, offset);
      template.metadata.labels = { ...template.metadata.labels, [LABEL_TRAINING_JOB]: name, 'istio.io/dataplane-mode': 'none' };
      offset += replicasOf(t);
    }
  }
  if (spec.topology) notModelled.push('spec.topology: Volcano network-topology-aware placement (networkTopology is passed through)');
  if (spec.observability) notModelled.push('spec.observability: metrics scraping');

  // Layer 1 (reference apply_layers): ServiceAccounts of the task templates, ConfigMaps, Secrets, ExternalSecrets, PVCs, mesh members.
  for (const task of Object.keys(rawTasks).sort()) {
    const sa = templates.get(task)?.spec.serviceAccountName;
    if (typeof sa === 'string') infrastructure.push(makeObject('v1', 'ServiceAccount', { name: sa, namespace }, { automountServiceAccountToken: false }));
  }
  infrastructure.push(...configMaps, ...secrets, ...externalSecrets, ...pvcs, ...meshMembers);

  const vcjob = compileVcJob(lj, templates);
  const workload = spec.schedule !== undefined ? compileVcCronJob(lj, vcjob) : vcjob;
  return { ok: true, layers: { infrastructure, workload: [workload] }, meshMembers, notModelled };
}

/**
 * The Volcano Job of a LatticeJob (reference compile_vcjob): `minAvailable` = spec value or Σ replicas
 * of the **raw** tasks; tasks in name order with the raw task's replicas, restartPolicy (default Never)
 * and policies; job policies = the user's or PodEvicted/PodFailed → RestartJob; plugins `env` always and
 * `svc: [--publish-not-ready-addresses]` for training.
 */
function compileVcJob(lj: LatticeJob, templates: Map<string, Json>): KubeObject {
  const { name } = lj.metadata;
  const spec = lj.spec;
  const raw = spec.tasks;
  const tasks = Object.keys(raw)
    .sort()
    .filter((t) => templates.has(t))
    .map((t) => {
      const template = structuredClone(templates.get(t)!);
      template.spec.restartPolicy = raw[t].restartPolicy ?? 'Never';
      const out: Json = { name: t, replicas: replicasOf(raw[t]), template };
      if ((raw[t].policies ?? []).length > 0) out.policies = raw[t].policies!.map(wirePolicy);
      return out;
    });
  const body: Json = { schedulerName: spec.schedulerName ?? 'volcano' };
  body.minAvailable = spec.minAvailable ?? Object.values(raw).reduce((n, t) => n + replicasOf(t), 0);
  if (spec.maxRetry !== undefined) body.maxRetry = spec.maxRetry;
  if (spec.queue !== undefined) body.queue = spec.queue;
  if (spec.priorityClassName !== undefined) body.priorityClassName = spec.priorityClassName;
  body.tasks = tasks;
  body.policies = spec.policies
    ? spec.policies.map(wirePolicy)
    : [
        { event: 'PodEvicted', action: 'RestartJob' },
        { event: 'PodFailed', action: 'RestartJob' },
      ];
  if (body.policies.length === 0) delete body.policies;
  body.plugins = spec.training ? { env: [], svc: ['--publish-not-ready-addresses'] } : { env: [] };
  if (spec.topology) body.networkTopology = { mode: spec.topology.mode === 'Hard' ? 'hard' : 'soft', ...(spec.topology.maxTier !== undefined ? { highestTierAllowed: spec.topology.maxTier } : {}) };
  return makeObject(
    VolcanoJobType.apiVersion,
    VolcanoJobType.kind,
    {
      name,
      namespace: lj.metadata.namespace,
      labels: { [LABEL_MANAGED_BY]: MANAGED_BY_LATTICE, [LABEL_NAME]: name },
      ownerReferences: [jobOwnerReference(lj)],
    },
    { spec: body },
  );
}

/** The Volcano CronJob wrapping the VCJob's spec (reference compile_vccronjob). */
function compileVcCronJob(lj: LatticeJob, vcjob: KubeObject): KubeObject {
  const s = lj.spec;
  const body: Json = { schedule: s.schedule };
  if (s.concurrencyPolicy !== undefined) body.concurrencyPolicy = s.concurrencyPolicy;
  if (s.suspend !== undefined) body.suspend = s.suspend;
  if (s.successfulJobsHistoryLimit !== undefined) body.successfulJobsHistoryLimit = s.successfulJobsHistoryLimit;
  if (s.failedJobsHistoryLimit !== undefined) body.failedJobsHistoryLimit = s.failedJobsHistoryLimit;
  if (s.startingDeadlineSeconds !== undefined) body.startingDeadlineSeconds = s.startingDeadlineSeconds;
  body.jobTemplate = { spec: vcjob.spec };
  return makeObject(VolcanoCronJobType.apiVersion, VolcanoCronJobType.kind, vcjob.metadata, { spec: body });
}
