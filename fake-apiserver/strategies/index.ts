/**
 * Per-kind strategies of the built-in kinds, the part of kube-apiserver's registry strategies and
 * scheme defaulting this server models: on every write of the main resource (create, update,
 * patch, apply; never `/status`), the decoded object is checked for fields its upstream type does
 * not declare (dropped; reported per `fieldValidation`), then defaulted (upstream
 * `SetDefaults_<Kind>` of pkg/apis/{core,apps,batch,…}/v1/defaults.go and declarative `+default`s).
 * The table below is the list of what is defaulted; anything not in it is stored as written.
 */
import { statusError } from '../api/index.ts';
import type { WriteOptions } from '../api/index.ts';
import type { JsonObject } from '../internal/json.ts';
import { builtinKinds } from '../registry.ts';
import { builtinSchemas } from '../schemas/builtin.ts';
import { unknownFieldPruner } from '../schemas/fields.ts';
import { child, defaultPod, defaultTemplate, items, setDefault } from './pod-spec.ts';

/** What a strategy needs to know of the kind being written. */
export interface StrategyKind {
  group: string;
  version: string;
  kind: string;
}

/**
 * `spec[field]` of a workload (Deployment `strategy`, StatefulSet / DaemonSet `updateStrategy`): type
 * RollingUpdate by default, and then `rollingUpdate` with `rolling`'s defaults for the fields not set.
 */
function defaultRollingUpdate(spec: JsonObject, field: string, rolling: Record<string, string | number>): void {
  setDefault(spec, field, {});
  const strategy = child(spec, field);
  if (!strategy) return;
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type !== 'RollingUpdate') return;
  setDefault(strategy, 'rollingUpdate', {});
  const ru = child(strategy, 'rollingUpdate');
  if (ru) for (const [k, v] of Object.entries(rolling)) setDefault(ru, k, v);
}

function defaultDeployment(o: JsonObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'replicas', 1);
  defaultRollingUpdate(spec, 'strategy', { maxUnavailable: '25%', maxSurge: '25%' });
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultTemplate(child(spec, 'template'));
}

function defaultReplicaSet(o: JsonObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'replicas', 1);
  defaultTemplate(child(spec, 'template'));
}

/** SetDefaults_StatefulSet (apps/v1): OrderedReady, RollingUpdate from partition 0, 1 replica, 10 revisions, claims retained. */
function defaultStatefulSet(o: JsonObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  defaultRollingUpdate(spec, 'updateStrategy', { partition: 0 });
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'persistentVolumeClaimRetentionPolicy', {});
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  if (retention) {
    setDefault(retention, 'whenDeleted', 'Retain');
    setDefault(retention, 'whenScaled', 'Retain');
  }
  for (const claim of items(spec, 'volumeClaimTemplates')) {
    // The claim templates get PersistentVolumeClaim's own defaults.
    setDefault(claim, 'apiVersion', 'v1');
    setDefault(claim, 'kind', 'PersistentVolumeClaim');
    defaultPersistentVolumeClaim(claim);
  }
  defaultTemplate(child(spec, 'template'));
}

/** SetDefaults_DaemonSet (apps/v1): RollingUpdate with maxUnavailable 1 and maxSurge 0, 10 revisions. */
function defaultDaemonSet(o: JsonObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  defaultRollingUpdate(spec, 'updateStrategy', { maxUnavailable: 1, maxSurge: 0 });
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultTemplate(child(spec, 'template'));
}

function defaultJobSpec(spec: JsonObject | undefined): void {
  if (!spec) return;
  if ((spec.completions === undefined || spec.completions === null) && (spec.parallelism === undefined || spec.parallelism === null)) setDefault(spec, 'completions', 1);
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? 2147483647 : 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  defaultTemplate(child(spec, 'template'));
}

function defaultJob(o: JsonObject): void {
  const spec = child(o, 'spec');
  defaultJobSpec(spec);
  // SetDefaults_Job: an unlabelled Job takes its template's labels.
  const templateLabels = child(child(child(spec, 'template'), 'metadata'), 'labels');
  const meta = child(o, 'metadata');
  if (meta && templateLabels && Object.keys(child(meta, 'labels') ?? {}).length === 0 && !Object.isFrozen(meta)) meta.labels = { ...templateLabels };
}

function defaultCronJob(o: JsonObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  defaultJobSpec(child(child(spec, 'jobTemplate'), 'spec'));
}

/** One direction of an HPA's `spec.behavior`: each absent field of `rules` from `defaults` (upstream copyHPAScalingRules). */
function defaultScalingRules(behavior: JsonObject, direction: string, defaults: JsonObject): void {
  setDefault(behavior, direction, {});
  const rules = child(behavior, direction);
  if (rules) for (const [k, v] of Object.entries(defaults)) setDefault(rules, k, v);
}

/**
 * SetDefaults_HorizontalPodAutoscaler (autoscaling/v2): minReplicas 1; no metrics → cpu at 80 %
 * average utilisation (`autoscaling.DefaultCPUUtilization`); a `behavior` that is set gets its
 * absent fields from GenerateHPAScaleUpRules (no stabilization, Max of +4 pods and +100 % per 15 s)
 * and GenerateHPAScaleDownRules (Max of −100 % per 15 s; the window is left to the controller's 300 s).
 */
function defaultHorizontalPodAutoscaler(o: JsonObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'minReplicas', 1);
  if ((!Array.isArray(spec.metrics) || spec.metrics.length === 0) && !Object.isFrozen(spec)) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  const behavior = child(spec, 'behavior');
  if (!behavior) return;
  defaultScalingRules(behavior, 'scaleUp', { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] });
  defaultScalingRules(behavior, 'scaleDown', { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
}

/** SetDefaults_Service (ClusterIP allocation is not defaulting and is not done here). */
function defaultService(o: JsonObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None' && !Object.isFrozen(spec)) delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    setDefault(spec, 'sessionAffinityConfig', {});
    const cfg = child(spec, 'sessionAffinityConfig');
    if (cfg) setDefault(cfg, 'clientIP', {});
    const ip = child(cfg, 'clientIP');
    if (ip) setDefault(ip, 'timeoutSeconds', 10800);
  }
  setDefault(spec, 'type', 'ClusterIP');
  for (const port of items(spec, 'ports')) {
    setDefault(port, 'protocol', 'TCP');
    if ((port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') && !Object.isFrozen(port)) port.targetPort = port.port;
  }
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
  if (external) setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
}

function defaultSecret(o: JsonObject): void {
  setDefault(o, 'type', 'Opaque');
}

function defaultEndpoints(o: JsonObject): void {
  for (const subset of items(o, 'subsets')) for (const port of items(subset, 'ports')) setDefault(port, 'protocol', 'TCP');
}

function defaultEndpointSlice(o: JsonObject): void {
  for (const port of items(o, 'ports')) setDefault(port, 'protocol', 'TCP');
}

function defaultPersistentVolumeClaim(o: JsonObject): void {
  const spec = child(o, 'spec');
  if (spec) setDefault(spec, 'volumeMode', 'Filesystem');
}

/** SetDefaults_NetworkPolicy: policyTypes from the rules present; port protocol TCP. */
function defaultNetworkPolicy(o: JsonObject): void {
  const spec = child(o, 'spec');
  if (!spec) return;
  for (const dir of ['ingress', 'egress']) for (const rule of items(spec, dir)) for (const port of items(rule, 'ports')) setDefault(port, 'protocol', 'TCP');
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    const types = ['Ingress'];
    if (Array.isArray(spec.egress) && spec.egress.length > 0) types.push('Egress');
    if (!Object.isFrozen(spec)) spec.policyTypes = types;
  }
}

/**
 * Job `generateSelector` (pkg/registry/batch/job/strategy.go), run once the new Job has its uid and
 * unless `spec.manualSelector` is true: the pod template gets the labels
 * `batch.kubernetes.io/controller-uid` and `controller-uid` (the uid), `batch.kubernetes.io/job-name`
 * and `job-name` (the name), each unless already set, and `spec.selector.matchLabels` gets
 * `batch.kubernetes.io/controller-uid: <uid>` unless present. (Upstream then rejects a hand-written
 * selector without `manualSelector` as ``selector` not auto-generated`; not checked here.) An
 * unlabelled Job then takes the template's labels, as SetDefaults_Job does when it is read back.
 */
function generateJobSelector(o: JsonObject): void {
  const meta = child(o, 'metadata');
  const uid = meta?.uid;
  const name = meta?.name;
  if (!child(o, 'spec') || typeof uid !== 'string' || typeof name !== 'string' || child(o, 'spec')?.manualSelector === true || Object.isFrozen(o)) return;
  // Shallow copies down to what changes: parts of the body may be shared, frozen values.
  const spec = (o.spec = { ...child(o, 'spec') });
  const template = (spec.template = { ...(child(spec, 'template') ?? {}) });
  const tmeta = (template.metadata = { ...(child(template, 'metadata') ?? {}) });
  const labels = (tmeta.labels = { ...(child(tmeta, 'labels') ?? {}) });
  for (const [k, v] of [['batch.kubernetes.io/controller-uid', uid], ['batch.kubernetes.io/job-name', name], ['controller-uid', uid], ['job-name', name]] as const) setDefault(labels, k, v);
  const selector = (spec.selector = { ...(child(spec, 'selector') ?? {}) });
  const matchLabels = (selector.matchLabels = { ...(child(selector, 'matchLabels') ?? {}) });
  setDefault(matchLabels, 'batch.kubernetes.io/controller-uid', uid);
  // The stored Job is read back through SetDefaults_Job: an unlabelled Job takes these template labels.
  defaultJob(o);
}

/** What upstream strategies do at create once the object has its uid (BeforeCreate's system fields are set before Validate), by `group/Kind`. */
const CREATE_WITH_UID: Record<string, (o: JsonObject) => void> = {
  'batch/Job': generateJobSelector,
};

/** Applies the create-time step of the kind that needs the new object's `metadata.uid` (a Job's generated selector), in place. */
export function prepareCreatedWithUid(kind: StrategyKind, obj: JsonObject): void {
  const key = `${kind.group}/${kind.kind}`;
  if (Object.hasOwn(CREATE_WITH_UID, key)) CREATE_WITH_UID[key]!(obj);
}

/** Defaulters by `group/Kind`. */
const DEFAULTERS: Record<string, (o: JsonObject) => void> = {
  '/Pod': defaultPod,
  '/Service': defaultService,
  '/Secret': defaultSecret,
  '/Endpoints': defaultEndpoints,
  '/PersistentVolumeClaim': defaultPersistentVolumeClaim,
  'apps/Deployment': defaultDeployment,
  'apps/ReplicaSet': defaultReplicaSet,
  'apps/StatefulSet': defaultStatefulSet,
  'apps/DaemonSet': defaultDaemonSet,
  'batch/Job': defaultJob,
  'batch/CronJob': defaultCronJob,
  'autoscaling/HorizontalPodAutoscaler': defaultHorizontalPodAutoscaler,
  'discovery.k8s.io/EndpointSlice': defaultEndpointSlice,
  'networking.k8s.io/NetworkPolicy': defaultNetworkPolicy,
};

/** The kinds {@link defaultBuiltin} defaults, as `group/Kind` (`/Pod` for the core group). */
export const DEFAULTED_KINDS: readonly string[] = Object.keys(DEFAULTERS);

/** Create-time status set by upstream strategies' PrepareForCreate (the request's status is dropped before). */
const CREATE_STATUS: Record<string, () => JsonObject> = {
  // podStrategy.PrepareForCreate: a new Pod is Pending until the kubelet reports on it.
  '/Pod': () => ({ phase: 'Pending' }),
};

/**
 * Applies the upstream defaults of the kind to `obj` in place (a mutable copy); on `create`, also
 * the create-time status of kinds whose strategy sets one (Pod `phase: Pending`, when the object has
 * none). Kinds without defaulter are left as they are.
 */
export function defaultBuiltin(kind: StrategyKind, obj: JsonObject, create = false): void {
  const strategy = strategyOf(kind);
  strategy.defaulter?.(obj);
  if (create && strategy.createStatus && obj.status === undefined) obj.status = strategy.createStatus();
}

/** A kind's defaulter and create-time status, looked up once per StrategyKind object (the server passes the same ResourceInfo on every write). */
interface KindStrategy {
  defaulter: ((o: JsonObject) => void) | undefined;
  createStatus: (() => JsonObject) | undefined;
}
const strategies = new WeakMap<StrategyKind, KindStrategy>();
function strategyOf(kind: StrategyKind): KindStrategy {
  let s = strategies.get(kind);
  if (!s) {
    const key = `${kind.group}/${kind.kind}`;
    s = { defaulter: Object.hasOwn(DEFAULTERS, key) ? DEFAULTERS[key] : undefined, createStatus: Object.hasOwn(CREATE_STATUS, key) ? CREATE_STATUS[key] : undefined };
    strategies.set(kind, s);
  }
  return s;
}

type Pruner = (obj: JsonObject, decodeErrors?: string[]) => string[];
/** The field checker of each built-in `group/version/Kind`, compiled on first use (null: no schema). */
const pruners = new Map<string, Pruner | null>();
/** The same per StrategyKind object (no key built per write). */
const prunersByKind = new WeakMap<StrategyKind, Pruner | null>();

/**
 * Decoding of a built-in write (Kubernetes API concepts: field validation): a value of the wrong
 * JSON type fails the request as kube-apiserver's decoder does; every field the kind's upstream
 * type does not declare is removed from `obj` (the decoder drops it); with `fieldValidation: Strict`
 * the request fails instead, with `Warn` (the default) each field becomes a warning `unknown field
 * "<path>"` through `request.onWarning`. Only the parts of `obj` that are not frozen (not shared with
 * the stored object) are walked.
 * @throws StatusError 400 BadRequest `<Kind> in version "<v>" cannot be handled as a <Kind>: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32` (the first value that does not decode; quantity texts: `quantities must match the regular expression …`).
 * @throws StatusError 400 BadRequest `<Kind> in version "<v>" cannot be handled as a <Kind>: strict decoding error: unknown field "spec.replicass", …` under Strict.
 */
export function checkBuiltinFields(kind: StrategyKind, obj: JsonObject, request: WriteOptions = {}): void {
  let pruner = prunersByKind.get(kind);
  if (pruner === undefined) {
    const key = `${kind.group}/${kind.version}/${kind.kind}`;
    pruner = pruners.get(key);
    if (pruner === undefined) pruners.set(key, (pruner = unknownFieldPruner(builtinSchemas(builtinKinds), kind.group, kind.version, kind.kind) ?? null));
    prunersByKind.set(kind, pruner);
  }
  if (!pruner) return;
  const decodeErrors: string[] = [];
  const unknown = pruner(obj, decodeErrors);
  const cannotHandle = `${kind.kind} in version ${JSON.stringify(kind.version)} cannot be handled as a ${kind.kind}`;
  if (decodeErrors.length > 0) throw statusError('BadRequest', `${cannotHandle}: ${decodeErrors[0]}`);
  if (unknown.length === 0) return;
  const mode = request.fieldValidation ?? 'Warn';
  const messages = unknown.map((f) => `unknown field ${JSON.stringify(f)}`);
  if (mode === 'Strict') throw statusError('BadRequest', `${cannotHandle}: strict decoding error: ${messages.join(', ')}`);
  if (mode === 'Warn') for (const m of messages) request.onWarning?.(m);
}
