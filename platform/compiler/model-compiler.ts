/**
 * The LatticeModel wrapper (reference §2.10; crates/lattice-model compiler.rs, crates/lattice-volcano-policy
 * model_serving / routing / autoscaling compilers): `defaults` merged into every role (§2.12, the same merge
 * as a LatticeJob task), each role's entry workload compiled by the shared WorkloadCompiler as `<model>-<role>`
 * and its optional worker as `<model>-<role>-worker` (kind `model`, so the same Cedar gates as a service),
 * the model download injected into every pod template, then one Kthena ModelServing
 * (`workload.serving.volcano.sh/v1alpha1`), a ModelServer and ModelRoutes (`networking.serving.volcano.sh/v1alpha1`),
 * AutoscalingPolicy / AutoscalingPolicyBinding per autoscaled role, and the P/D peer Services.
 * Pure: no I/O, no clock.
 */
import type { KubeObject, ObjectMeta, OwnerReference } from '../../fake-apiserver/api/index.ts';
import { LABEL_MANAGED_BY, LABEL_NAME, LATTICE_API_VERSION, MANAGED_BY_LATTICE, type JobTaskSpec, type LatticeMeshMember, type WorkloadSpec } from '../crds/types.ts';
import type { LatticeModel, ModelRoleSpec, ModelRoutingSpec, ModelSourceSpec } from '../crds/model-types.ts';
import { derivedName } from '../mesh/derived-name.ts';
import { mergeTask } from './job-compiler.ts';
import { workloadImages } from '../cedar/images.ts';
import { makeObject } from './objects.ts';
import type { CompileContext, CompileFailure } from './types.ts';
import { compileWorkload } from './workload-compiler.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** Kthena kinds the wrapper emits (upstream volcano-sh/kthena API groups). */
export const KthenaTypes = {
  ModelServing: { apiVersion: 'workload.serving.volcano.sh/v1alpha1', kind: 'ModelServing' },
  AutoscalingPolicy: { apiVersion: 'workload.serving.volcano.sh/v1alpha1', kind: 'AutoscalingPolicy' },
  AutoscalingPolicyBinding: { apiVersion: 'workload.serving.volcano.sh/v1alpha1', kind: 'AutoscalingPolicyBinding' },
  ModelServer: { apiVersion: 'networking.serving.volcano.sh/v1alpha1', kind: 'ModelServer' },
  ModelRoute: { apiVersion: 'networking.serving.volcano.sh/v1alpha1', kind: 'ModelRoute' },
} as const;

/** Pod label grouping every pod of a model (reference `LABEL_MODEL`). */
export const LABEL_MODEL = 'lattice.dev/model';
/** Kthena's pod labels (upstream `workloadv1alpha1` label keys). */
export const KTHENA_LABELS = {
  servingName: 'modelserving.volcano.sh/name',
  groupName: 'modelserving.volcano.sh/group-name',
  role: 'modelserving.volcano.sh/role',
  roleId: 'modelserving.volcano.sh/role-id',
  entry: 'modelserving.volcano.sh/entry',
} as const;
/** Namespace and service accounts of Kthena's router and autoscaler (reference KTHENA_*). */
export const KTHENA_NAMESPACE = 'kthena-system';
export const KTHENA_ROUTER_SA = 'kthena-router';
export const KTHENA_AUTOSCALER_SA = 'kthena-autoscaler';
/** KV-cache side channel port of P/D disaggregation (reference DEFAULT_KV_SIDE_CHANNEL_PORT). */
export const DEFAULT_KV_SIDE_CHANNEL_PORT = 5557;
/** ModelServer `workloadPort.port` when `routing.port` is absent. */
export const DEFAULT_MODEL_SERVER_PORT = 8000;
const DEFAULT_DOWNLOADER_IMAGE = 'ghcr.io/volcano-sh/downloader:latest';
const DEFAULT_MOUNT_PATH = '/models';
const CACHE_VOLUME = 'model-cache';
const SCRATCH_VOLUME = 'model-downloader-scratch';
const DSHM_VOLUME = 'dshm';

/** Objects of a LatticeModel compile, by the reference controller's apply layer. */
export interface ModelLayers {
  /** Layer 1: per-workload ServiceAccounts, ConfigMaps, Secrets, ExternalSecrets, PVCs, LatticeMeshMembers, P/D peer Services. */
  infrastructure: KubeObject[];
  /** Layer 2: the ModelServing. */
  serving: KubeObject[];
  /** Layer 3: ModelServer and ModelRoutes (empty without `routing`). */
  routing: KubeObject[];
  /** Layer 4a: AutoscalingPolicies. */
  autoscalingPolicies: KubeObject[];
  /** Layer 4b: AutoscalingPolicyBindings. */
  autoscalingBindings: KubeObject[];
}

/** Output of a successful {@link compileModel}. */
export interface CompiledModel {
  ok: true;
  layers: ModelLayers;
  /** Name of the ModelServing (`<model>-<8 hex of the sorted role names>`). */
  servingName: string;
  /** The generated mesh members (also in `layers.infrastructure`), one per compiled workload. */
  meshMembers: LatticeMeshMember[];
  /** Topology injected because of the KV connector (reported as `status.autoTopology`), if any. */
  autoTopology?: { mode: 'Soft'; maxTier: number };
  /** Role names, sorted (reported as `status.appliedRoles`). */
  roles: string[];
  notModelled: string[];
}

/** Result of {@link compileModel}. */
export type ModelCompileResult = CompiledModel | CompileFailure;

/** A role as a LatticeJob task (entry part), so the one §2.12 merge serves both wrappers. */
function entryAsTask(r: ModelRoleSpec | undefined): JobTaskSpec {
  return { ...r?.entryRuntime, replicas: r?.replicas, workload: r?.entryWorkload };
}
function workerAsTask(r: ModelRoleSpec | undefined): JobTaskSpec {
  return { ...r?.workerRuntime, replicas: r?.workerReplicas, workload: r?.workerWorkload };
}
function runtimeOf(t: JobTaskSpec): ModelRoleSpec['entryRuntime'] {
  const { replicas: _r, workload: _w, restartPolicy: _p, policies: _q, ...runtime } = t;
  return runtime;
}

/**
 * `defaults` merged into one role (reference §2.12 via `merged_roles`): the entry part and the worker
 * part merge like a LatticeJob task ({@link mergeTask}); `autoscaling` is the role's when set. Inputs are
 * not modified.
 */
export function mergeRole(role: ModelRoleSpec, defaults: ModelRoleSpec | undefined): ModelRoleSpec {
  if (!defaults) return role;
  const entry = mergeTask(entryAsTask(role), entryAsTask(defaults));
  const out: ModelRoleSpec = { replicas: entry.replicas, entryWorkload: entry.workload, entryRuntime: runtimeOf(entry) };
  if (role.workerWorkload || defaults.workerWorkload || role.workerReplicas !== undefined || defaults.workerReplicas !== undefined) {
    const worker = mergeTask(workerAsTask(role), workerAsTask(defaults));
    if (worker.replicas !== undefined) out.workerReplicas = worker.replicas;
    if (worker.workload) out.workerWorkload = worker.workload;
    if (role.workerRuntime || defaults.workerRuntime) out.workerRuntime = runtimeOf(worker);
  }
  const autoscaling = role.autoscaling ?? defaults.autoscaling;
  if (autoscaling) out.autoscaling = autoscaling;
  return out;
}

/** Every role with `defaults` merged in and, with `routing.port`, an `inference` service port on its entry workload; in name order. */
export function mergedRoles(model: LatticeModel): [string, ModelRoleSpec][] {
  const port = model.spec.routing?.port;
  return Object.keys(model.spec.roles ?? {})
    .sort()
    .map((name) => {
      const role = structuredClone(mergeRole(model.spec.roles[name], model.spec.defaults));
      if (port !== undefined) {
        const w = (role.entryWorkload ??= {});
        w.service ??= { ports: {} };
        w.service.ports ??= {};
        w.service.ports.inference ??= { port };
      }
      return [name, role];
    });
}

/** P/D disaggregation (reference `has_pd_disaggregation`): a KV connector and roles named exactly `prefill` and `decode`. */
export function isPrefillDecode(model: LatticeModel): boolean {
  const roles = Object.keys(model.spec.roles ?? {}).sort();
  return model.spec.routing?.kvConnector !== undefined && roles.length === 2 && roles[0] === 'decode' && roles[1] === 'prefill';
}

/** The owner reference every Kthena object and peer Service carries. */
export function modelOwnerReference(model: LatticeModel): OwnerReference {
  return { apiVersion: LATTICE_API_VERSION, kind: 'LatticeModel', name: model.metadata.name, uid: model.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** Name of the model's ModelServing: changes only when the role set changes (reference `role_key_suffix`). */
export function modelServingName(model: LatticeModel): string {
  return `${model.metadata.name}-${derivedName('', Object.keys(model.spec.roles ?? {}).sort())}`;
}

/** FQDNs the downloader reaches on 443 (reference `download_egress_fqdns`); explicit `egress` wins. */
export function downloadEgressFqdns(source: ModelSourceSpec): string[] {
  if ((source.egress ?? []).length > 0) return [...source.egress!];
  if (source.uri.startsWith('hf://')) return ['huggingface.co', 'cdn-lfs-us-1.hf.co', 'cdn-lfs.hf.co', 'cas-server.xethub.hf.co', 'transfer.xethub.hf.co'];
  if (source.uri.startsWith('s3://')) return ['*.amazonaws.com'];
  if (source.uri.startsWith('gs://')) return ['storage.googleapis.com'];
  return [];
}

function cacheVolume(source: ModelSourceSpec): Json {
  const uri = source.cacheUri;
  if (uri?.startsWith('pvc://')) return { name: CACHE_VOLUME, persistentVolumeClaim: { claimName: uri.slice('pvc://'.length) } };
  if (uri?.startsWith('hostpath://')) return { name: CACHE_VOLUME, hostPath: { path: uri.slice('hostpath://'.length), type: 'DirectoryOrCreate' } };
  return { name: CACHE_VOLUME, emptyDir: source.cacheSize !== undefined ? { sizeLimit: source.cacheSize } : {} };
}

/**
 * Model download injected into one pod template (reference `inject_into_template`): volumes `model-cache`,
 * `model-downloader-scratch`, `dshm` (when missing); init container `model-downloader` writing to
 * `<mount>/<8 hex of the uri>`; every main container mounts the cache read-only and `/dev/shm`, and gets
 * `HF_HUB_OFFLINE=1` for `hf://` sources.
 */
function injectDownload(template: Json, source: ModelSourceSpec): void {
  const mount = source.mountPath ?? DEFAULT_MOUNT_PATH;
  const spec = template.spec;
  const volumes: Json[] = (spec.volumes ??= []);
  volumes.push(cacheVolume(source), { name: SCRATCH_VOLUME, emptyDir: {} });
  const hasDshm = volumes.some((v) => v.name === DSHM_VOLUME);
  if (!hasDshm) volumes.push({ name: DSHM_VOLUME, emptyDir: { medium: 'Memory' } });
  const init: Json = {
    name: 'model-downloader',
    image: source.downloaderImage ?? DEFAULT_DOWNLOADER_IMAGE,
    args: ['--source', source.uri, '--output-dir', `${mount}/${derivedName('', [source.uri])}`],
    env: [{ name: 'HOME', value: '/home/downloader' }],
    volumeMounts: [
      { name: CACHE_VOLUME, mountPath: mount },
      { name: SCRATCH_VOLUME, mountPath: '/home/downloader' },
    ],
    securityContext: { runAsUser: 65534, runAsNonRoot: true, allowPrivilegeEscalation: false },
  };
  if (source.tokenSecret) init.envFrom = [{ secretRef: { name: source.tokenSecret.name } }];
  spec.initContainers = [...(spec.initContainers ?? []), init];
  spec.containers = (spec.containers as Json[]).map((c) => {
    const mounts = [...(c.volumeMounts ?? []), { name: CACHE_VOLUME, mountPath: mount, readOnly: true }];
    if (!hasDshm) mounts.push({ name: DSHM_VOLUME, mountPath: '/dev/shm' });
    const out: Json = { ...c, volumeMounts: mounts };
    if (source.uri.startsWith('hf://')) out.env = [...(c.env ?? []), { name: 'HF_HUB_OFFLINE', value: '1' }];
    return out;
  });
}


/**
 * Every image the model's compile asks image trust about: per role (name order, defaults merged) the
 * entry workload's containers then its sidecars, then the worker's (worker runtime, else the entry's)
 * ({@link workloadImages}); the model-download init container is not a workload image (the
 * WorkloadCompiler never sees it). Duplicates kept. Never throws.
 */
export function modelImages(model: LatticeModel): string[] {
  return mergedRoles(model).flatMap(([, r]) => [
    ...workloadImages({ containers: r.entryWorkload?.containers ?? {} }, r.entryRuntime?.sidecars),
    ...(r.workerWorkload ? workloadImages({ containers: r.workerWorkload.containers ?? {} }, (r.workerRuntime ?? r.entryRuntime)?.sidecars) : []),
  ]);
}

function labelsOf(model: LatticeModel): Record<string, string> {
  return { [LABEL_MANAGED_BY]: MANAGED_BY_LATTICE, [LABEL_NAME]: model.metadata.name };
}

/**
 * Compiles a LatticeModel (reference §2.10).
 * Input: the LatticeModel as read from the API server (`metadata.uid` goes into ownerReferences) and a
 * {@link CompileContext}. Output: `{ok: true, layers, servingName, meshMembers, autoTopology?, roles,
 * notModelled}`, or a failure: `model has no roles`, `role '<r>' replicas (<n>) exceeds autoscaling max
 * (<m>)`, `routing.port is required for prefill/decode disaggregation`, `unsupported model URI scheme
 * (expected hf://, s3://, or gs://): <uri>`, or `compilation failed for role '<r>': <WorkloadCompiler
 * message>` (a Cedar denial keeps `reason: 'denied'`, its gate and denials; all-or-nothing). Never throws
 * for bad specs.
 */
export function compileModel(model: LatticeModel, ctx: CompileContext): ModelCompileResult {
  const { name } = model.metadata;
  const namespace = model.metadata.namespace;
  if (!namespace) return { ok: false, reason: 'invalid', message: 'missing namespace on LatticeModel' };
  const spec = model.spec ?? ({} as LatticeModel['spec']);
  if (Object.keys(spec.roles ?? {}).length === 0) return { ok: false, reason: 'invalid', message: 'model has no roles' };
  const source = spec.modelSource;
  if (source && !/^(hf|s3|gs):\/\/.+/.test(source.uri)) return { ok: false, reason: 'invalid', message: `unsupported model URI scheme (expected hf://, s3://, or gs://): ${source.uri}` };
  const pd = isPrefillDecode(model);
  if (pd && spec.routing!.port === undefined) return { ok: false, reason: 'invalid', message: 'routing.port is required for prefill/decode disaggregation' };
  const roles = mergedRoles(model);
  for (const [role, r] of roles) {
    if (r.autoscaling && (r.replicas ?? 1) > r.autoscaling.max) return { ok: false, reason: 'invalid', message: `role '${role}' replicas (${r.replicas ?? 1}) exceeds autoscaling max (${r.autoscaling.max})` };
  }

  const ownerReferences = model.metadata.ownerReferences;
  const infrastructure: KubeObject[] = [];
  const meshMembers: LatticeMeshMember[] = [];
  const notModelled: string[] = [];
  const templates = new Map<string, { entry: Json; worker?: Json }>();
  const compileOne = (workload: string, label: string, w: Partial<WorkloadSpec> | undefined, runtime: ModelRoleSpec['entryRuntime']): Json | CompileFailure => {
    const result = compileWorkload({ name: workload, namespace, kind: 'model', workload: { containers: {}, ...w } as WorkloadSpec, runtime, annotations: model.metadata.annotations, ownerReferences }, ctx);
    if (!result.ok) return { ...result, message: `compilation failed for role '${label}': ${result.message}` };
    for (const sa of [result.podTemplate.spec.serviceAccountName].filter((s): s is string => typeof s === 'string')) {
      infrastructure.push(makeObject('v1', 'ServiceAccount', { name: sa, namespace }, { automountServiceAccountToken: false }));
    }
    infrastructure.push(...result.configMaps, ...result.secrets, ...result.externalSecrets, ...result.persistentVolumeClaims);
    meshMembers.push(result.meshMember);
    notModelled.push(...result.notModelled.map((n) => `role '${label}': ${n}`));
    const { schedulerName: _scheduler, ...podSpec } = result.podTemplate.spec;
    return { metadata: { labels: { ...result.podTemplate.metadata.labels, [LABEL_MODEL]: name, 'istio.io/dataplane-mode': 'none' } }, spec: podSpec };
  };
  const failed = (t: Json | CompileFailure): t is CompileFailure => t.ok === false;
  for (const [role, r] of roles) {
    const entry = compileOne(`${name}-${role}`, role, r.entryWorkload, r.entryRuntime);
    if (failed(entry)) return entry;
    let worker: Json | undefined;
    if (r.workerWorkload) {
      const w = compileOne(`${name}-${role}-worker`, `${role}-worker`, r.workerWorkload, r.workerRuntime ?? r.entryRuntime);
      if (failed(w)) return w;
      worker = w;
    }
    if (source) {
      injectDownload(entry, source);
      if (worker) injectDownload(worker, source);
    }
    templates.set(role, { entry, worker });
  }

  const servingName = modelServingName(model);
  const owner = [modelOwnerReference(model)];
  const meta = (n: string): ObjectMeta => ({ name: n, namespace, labels: labelsOf(model), ownerReferences: owner });

  // ModelServing (reference compile_model_serving).
  const kv = spec.routing?.kvConnector;
  const autoTopology = kv && !spec.topology ? ({ mode: 'Soft', maxTier: kv.type === 'mooncake' ? 3 : 2 } as const) : undefined;
  const topology = spec.topology ?? autoTopology;
  const template: Json = {
    roles: roles.map(([role, r]) => {
      const t = templates.get(role)!;
      const out: Json = { name: role, replicas: r.replicas ?? 1, entryTemplate: t.entry, workerReplicas: r.workerReplicas ?? 0 };
      if (t.worker) out.workerTemplate = t.worker;
      return out;
    }),
    gangPolicy: { minRoleReplicas: Object.fromEntries(roles.map(([role]) => [role, 1])) },
  };
  if (spec.restartGracePeriodSeconds !== undefined) template.restartGracePeriodSeconds = spec.restartGracePeriodSeconds;
  if (topology) template.networkTopology = { groupPolicy: { mode: topology.mode === 'Hard' ? 'hard' : 'soft', ...(topology.maxTier !== undefined ? { highestTierAllowed: topology.maxTier } : {}) } };
  const servingSpec: Json = { schedulerName: spec.schedulerName ?? 'volcano', replicas: 1, template };
  if (spec.recoveryPolicy !== undefined) servingSpec.recoveryPolicy = spec.recoveryPolicy;
  const serving = makeObject(KthenaTypes.ModelServing.apiVersion, KthenaTypes.ModelServing.kind, meta(servingName), { spec: servingSpec });

  // P/D peer Services and mesh finalisation (reference compile_peer_services, finalize_mesh).
  const routing = spec.routing;
  if (pd) {
    const side = kv?.port ?? DEFAULT_KV_SIDE_CHANNEL_PORT;
    for (const role of ['prefill', 'decode']) {
      const svc = `${name}-${role}`;
      infrastructure.push(
        makeObject('v1', 'Service', { name: svc, namespace, ownerReferences: owner }, {
          spec: {
            selector: { [LABEL_NAME]: svc },
            ports: [
              { name: 'inference', port: routing!.port!, targetPort: routing!.port!, protocol: 'TCP' },
              { name: 'kv-side-channel', port: side, targetPort: side, protocol: 'TCP' },
            ],
          },
        }),
      );
    }
  }
  const autoscaled = roles.some(([, r]) => r.autoscaling);
  for (const [role, r] of roles) {
    for (const mmName of [`${name}-${role}`, `${name}-${role}-worker`]) {
      const mm = meshMembers.find((m) => m.metadata.name === mmName);
      if (!mm) continue;
      const s = { ...mm.spec, ports: [...mm.spec.ports], allowedCallers: [...(mm.spec.allowedCallers ?? [])], egress: [...(mm.spec.egress ?? [])] };
      const addCaller = (sa: string, port: number | undefined, portName: string) => {
        if (!s.allowedCallers.some((c) => c.namespace === KTHENA_NAMESPACE && c.name === sa)) s.allowedCallers.push({ namespace: KTHENA_NAMESPACE, name: sa });
        s.allowedCallers.sort((a, b) => `${a.namespace ?? ''}/${a.name}`.localeCompare(`${b.namespace ?? ''}/${b.name}`));
        if (port !== undefined && !s.ports.some((p) => p.port === port)) s.ports.push({ port, name: portName, peerAuth: 'Strict' });
      };
      if (routing) addCaller(KTHENA_ROUTER_SA, routing.port, 'inference');
      if (autoscaled && r.autoscaling) addCaller(KTHENA_AUTOSCALER_SA, r.entryWorkload?.service?.ports?.metrics?.port, 'metrics');
      if (pd && (role === 'prefill' || role === 'decode')) s.allowPeerTraffic = true;
      s.ambient = false;
      s.target = { selector: { [LABEL_MODEL]: name } };
      if (source) for (const fqdn of downloadEgressFqdns(source)) s.egress.push({ target: { fqdn }, ports: [443] });
      if (s.egress.length === 0) delete (s as Json).egress;
      if (s.allowedCallers.length === 0) delete (s as Json).allowedCallers;
      mm.spec = s;
    }
  }
  infrastructure.push(...meshMembers);

  return {
    ok: true,
    layers: {
      infrastructure,
      serving: [serving],
      routing: routing ? compileRouting(model, routing, servingName, pd, meta) : [],
      ...compileAutoscaling(model, roles, servingName, meta),
    },
    servingName,
    meshMembers,
    ...(autoTopology ? { autoTopology } : {}),
    roles: roles.map(([r]) => r),
    notModelled: [
      ...notModelled,
      ...(spec.ingress ? ['spec.ingress: Gateway listeners for the model'] : []),
      ...(spec.observability ? ['spec.observability: metrics scraping'] : []),
    ],
  };
}

type Meta = (name: string) => ObjectMeta;

/** ModelServer `<model>` and one ModelRoute `<model>-<route>` per route (reference routing_compiler). */
function compileRouting(model: LatticeModel, routing: ModelRoutingSpec, servingName: string, pd: boolean, meta: Meta): KubeObject[] {
  const { name } = model.metadata;
  const selector: Json = { matchLabels: { [KTHENA_LABELS.servingName]: servingName } };
  if (pd) selector.pdGroup = { groupKey: KTHENA_LABELS.groupName, prefillLabels: { [KTHENA_LABELS.role]: 'prefill' }, decodeLabels: { [KTHENA_LABELS.role]: 'decode' } };
  const server: Json = {
    model: routing.model,
    inferenceEngine: routing.inferenceEngine,
    workloadSelector: selector,
    workloadPort: { port: routing.port ?? DEFAULT_MODEL_SERVER_PORT, ...(routing.protocol !== undefined ? { protocol: routing.protocol } : {}) },
  };
  if (routing.trafficPolicy) server.trafficPolicy = routing.trafficPolicy;
  if (routing.kvConnector) server.kvConnector = { type: routing.kvConnector.type };
  const out = [makeObject(KthenaTypes.ModelServer.apiVersion, KthenaTypes.ModelServer.kind, meta(name), { spec: server })];
  for (const route of Object.keys(routing.routes ?? {}).sort()) {
    const r = routing.routes![route];
    const body: Json = {
      modelName: r.modelName ?? routing.model,
      rules: r.rules.map((rule) => ({
        name: rule.name,
        ...(rule.modelMatch ? { modelMatch: rule.modelMatch } : {}),
        targetModels: rule.targetModels.map((t) => ({ modelServerName: t.modelServerName ?? name, ...(t.weight !== undefined ? { weight: t.weight } : {}) })),
      })),
    };
    if (r.loraAdapters) body.loraAdapters = r.loraAdapters;
    if (r.parentRefs) body.parentRefs = r.parentRefs;
    if (r.rateLimit) body.rateLimit = r.rateLimit;
    out.push(makeObject(KthenaTypes.ModelRoute.apiVersion, KthenaTypes.ModelRoute.kind, meta(`${name}-${route}`), { spec: body }));
  }
  return out;
}

/**
 * AutoscalingPolicy + AutoscalingPolicyBinding `<model>-<role>-scaling` per autoscaled role (reference
 * autoscaling_compiler). The binding targets the ModelServing by its actual name with subTarget
 * `Role/<role>`, `minReplicas` = role replicas, `maxReplicas` = `autoscaling.max`, metric endpoint
 * `/metrics` on the role's `metrics` port when declared.
 */
function compileAutoscaling(model: LatticeModel, roles: [string, ModelRoleSpec][], servingName: string, meta: Meta): Pick<ModelLayers, 'autoscalingPolicies' | 'autoscalingBindings'> {
  const policies: KubeObject[] = [];
  const bindings: KubeObject[] = [];
  for (const [role, r] of roles) {
    const a = r.autoscaling;
    if (!a) continue;
    const n = `${model.metadata.name}-${role}-scaling`;
    const spec: Json = { metrics: a.metrics.map((m) => ({ metricName: m.metric, targetValue: String(m.target) /* a Quantity: 5 → "5", 0.8 → "0.8" (reference format_quantity) */ })) };
    if (a.tolerancePercent !== undefined) spec.tolerancePercent = a.tolerancePercent;
    if (a.behavior) {
      const b: Json = {};
      const up = a.behavior.scaleUp;
      if (up) {
        b.scaleUp = {};
        if (up.panicThresholdPercent !== undefined || up.panicModeHold !== undefined) {
          b.scaleUp.panicPolicy = { period: up.period ?? '30s', ...(up.panicThresholdPercent !== undefined ? { panicThresholdPercent: up.panicThresholdPercent } : {}), ...(up.panicModeHold !== undefined ? { panicModeHold: up.panicModeHold } : {}) };
        }
        if (up.stabilizationWindow !== undefined || up.period !== undefined) {
          b.scaleUp.stablePolicy = { ...(up.stabilizationWindow !== undefined ? { stabilizationWindow: up.stabilizationWindow } : {}), ...(up.period !== undefined ? { period: up.period } : {}) };
        }
      }
      if (a.behavior.scaleDown) b.scaleDown = { ...a.behavior.scaleDown };
      spec.behavior = b;
    }
    policies.push(makeObject(KthenaTypes.AutoscalingPolicy.apiVersion, KthenaTypes.AutoscalingPolicy.kind, meta(n), { spec }));
    const metricsPort = r.entryWorkload?.service?.ports?.metrics?.port;
    const target: Json = { targetRef: { kind: 'ModelServing', name: servingName }, subTargets: { kind: 'Role', name: role } };
    if (metricsPort !== undefined) target.metricEndpoint = { uri: '/metrics', port: metricsPort };
    bindings.push(
      makeObject(KthenaTypes.AutoscalingPolicyBinding.apiVersion, KthenaTypes.AutoscalingPolicyBinding.kind, meta(n), {
        spec: { policyRef: { name: n }, homogeneousTarget: { target, minReplicas: r.replicas ?? 1, maxReplicas: a.max } },
      }),
    );
  }
  return { autoscalingPolicies: policies, autoscalingBindings: bindings };
}
