/**
 * Per-kind validation of the built-in kinds, the strategies' `Validate` / `ValidateUpdate` of
 * kube-apiserver (k8s.io/kubernetes pkg/apis/{core,apps,batch,policy,autoscaling,networking,
 * coordination}/validation), the common paths: run on every main-resource write (create, update,
 * patch, apply; never `/status`, whose strategies validate only status), after decoding and
 * defaulting, before validating admission; the causes join the generic ObjectMeta ones in one 422
 * `<Kind> "<name>" is invalid: …`. Fields upstream defaults are checked only when present (the World
 * stores built-ins undefaulted). What each kind checks is in its function below; the shared field
 * validators are in `field-validators.ts`, pod specs in `pod-validation.ts`.
 */
import type { JsonObject } from '../internal/json.ts';
import { cronScheduleError } from './cron.ts';
import {
  dns1123Label,
  dns1123Subdomain,
  duplicate,
  forbidden,
  goLabelSelector,
  goStringMap,
  immutable,
  intOrPercent,
  invalid,
  ipErrors,
  jsonEqual,
  labelSelector,
  list,
  nonNegative,
  notSupported,
  num,
  obj,
  portNumErrors,
  portNumOrName,
  required,
  selectorMatches,
  str,
  tooLong,
} from './field-validators.ts';
import type { Causes } from './field-validators.ts';
import { validatePodSpec, validatePodTemplate, validateWorkloadTemplate } from './pod-validation.ts';
import type { StrategyKind } from './index.ts';

/** core `MaxSecretSize`: the most a ConfigMap's or Secret's data may hold (1 MiB). */
export const MAX_DATA_SIZE = 1024 * 1024;
/** apimachinery `TotalAnnotationSizeLimitB` (256 KiB). */
const MAX_ANNOTATIONS_SIZE = 256 * 1024;

interface KindValidation {
  /** strategy.Validate: the new object. */
  create: (o: JsonObject) => Causes;
  /** strategy.ValidateUpdate: the new and the stored object (the spec rules of `create` run too, as upstream's ValidateXUpdate calls ValidateX). */
  update: (o: JsonObject, old: JsonObject) => Causes;
}

const selectorText = (v: unknown): string => goLabelSelector(v);

/** ValidateDeploymentSpec / ValidateReplicaSetSpec / ValidateStatefulSetSpec: selector required, non-empty, valid; template agreeing with it; replicas ≥ 0. */
function workloadSpec(out: Causes, spec: JsonObject | undefined, kindWord: string, owner = 'ReplicaSet'): void {
  const selector = obj(spec, 'selector');
  if (!selector) out.push(required('spec.selector'));
  else {
    labelSelector(out, 'spec.selector', selector);
    if (Object.keys(obj(selector, 'matchLabels') ?? {}).length + list(selector, 'matchExpressions').length === 0)
      out.push(invalid('spec.selector', selector, `empty selector is invalid for ${kindWord}`, selectorText(selector)));
  }
  nonNegative(out, 'spec.replicas', spec?.replicas);
  nonNegative(out, 'spec.minReadySeconds', spec?.minReadySeconds);
  nonNegative(out, 'spec.revisionHistoryLimit', spec?.revisionHistoryLimit);
  validateWorkloadTemplate(out, 'spec.template', obj(spec, 'template'), selector, owner);
}

/** The `spec.selector` of apps/v1 workloads is immutable (upstream: every group-version but extensions/v1beta1). */
function selectorImmutable(out: Causes, o: JsonObject, old: JsonObject): void {
  immutable(out, 'spec.selector', obj(o, 'spec')?.selector, obj(old, 'spec')?.selector, selectorText);
}

function deployment(o: JsonObject): Causes {
  const out: Causes = [];
  const spec = obj(o, 'spec');
  workloadSpec(out, spec, 'deployment');
  const strategy = obj(spec, 'strategy');
  const type = strategy?.type;
  if (type === 'Recreate') {
    if (strategy?.rollingUpdate !== undefined && strategy.rollingUpdate !== null) out.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  } else if (type !== undefined && type !== 'RollingUpdate') out.push(notSupported('spec.strategy.type', type, ['Recreate', 'RollingUpdate']));
  const ru = obj(strategy, 'rollingUpdate');
  if (ru) {
    intOrPercent(out, 'spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, true);
    intOrPercent(out, 'spec.strategy.rollingUpdate.maxSurge', ru.maxSurge);
    const zero = (v: unknown) => v === 0 || v === '0%';
    if (zero(ru.maxUnavailable) && zero(ru.maxSurge)) out.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  }
  const pds = num(spec, 'progressDeadlineSeconds');
  if (pds !== undefined) {
    nonNegative(out, 'spec.progressDeadlineSeconds', pds);
    if (pds <= (num(spec, 'minReadySeconds') ?? 0)) out.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return out;
}

function replicaSet(o: JsonObject): Causes {
  const out: Causes = [];
  workloadSpec(out, obj(o, 'spec'), 'deployment');
  return out;
}

function statefulSet(o: JsonObject): Causes {
  const out: Causes = [];
  const spec = obj(o, 'spec');
  const policy = spec?.podManagementPolicy;
  if (policy !== undefined && policy !== 'OrderedReady' && policy !== 'Parallel') out.push(notSupported('spec.podManagementPolicy', policy, ['OrderedReady', 'Parallel']));
  const type = obj(spec, 'updateStrategy')?.type;
  if (type !== undefined && type !== 'OnDelete' && type !== 'RollingUpdate') out.push(notSupported('spec.updateStrategy.type', type, ['OnDelete', 'RollingUpdate']));
  workloadSpec(out, spec, 'statefulset', 'StatefulSet');
  return out;
}

/** The StatefulSet spec fields an update may change (ValidateStatefulSetUpdate). */
const STATEFULSET_MUTABLE = new Set(['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']);

function statefulSetUpdate(o: JsonObject, old: JsonObject): Causes {
  const out = statefulSet(o);
  const strip = (spec: JsonObject | undefined) => Object.fromEntries(Object.entries(spec ?? {}).filter(([k]) => !STATEFULSET_MUTABLE.has(k)));
  if (!jsonEqual(strip(obj(o, 'spec')), strip(obj(old, 'spec'))))
    out.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  return out;
}

function daemonSet(o: JsonObject): Causes {
  const out: Causes = [];
  const spec = obj(o, 'spec');
  const selector = obj(spec, 'selector');
  labelSelector(out, 'spec.selector', selector);
  const template = obj(spec, 'template');
  if (selector && Object.keys(obj(selector, 'matchLabels') ?? {}).length + list(selector, 'matchExpressions').length === 0)
    out.push(invalid('spec.selector', selector, 'empty selector is invalid for daemonset', selectorText(selector)));
  // A nil selector matches nothing: only the mismatch is reported (no Required).
  validateWorkloadTemplate(out, 'spec.template', template, selector, 'DaemonSet');
  const type = obj(spec, 'updateStrategy')?.type;
  if (type !== undefined && type !== 'OnDelete' && type !== 'RollingUpdate') out.push(notSupported('spec.updateStrategy.type', type, ['OnDelete', 'RollingUpdate']));
  nonNegative(out, 'spec.minReadySeconds', spec?.minReadySeconds);
  nonNegative(out, 'spec.revisionHistoryLimit', spec?.revisionHistoryLimit);
  return out;
}

/** validateJobSpec at `at` (`spec`, `spec.jobTemplate.spec`); the selector is checked only when given (a new Job gets its generated selector after validation, once it has its uid: strategies/index.ts). */
function jobSpec(out: Causes, at: string, spec: JsonObject | undefined): void {
  for (const f of ['parallelism', 'completions', 'backoffLimit']) nonNegative(out, `${at}.${f}`, spec?.[f]);
  const deadline = num(spec, 'activeDeadlineSeconds');
  if (deadline !== undefined && deadline <= 0) out.push(invalid(`${at}.activeDeadlineSeconds`, deadline, 'must be greater than or equal to 1'));
  const mode = spec?.completionMode;
  if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') out.push(notSupported(`${at}.completionMode`, mode, ['NonIndexed', 'Indexed']));
  const template = obj(spec, 'template');
  const selector = obj(spec, 'selector');
  if (selector) {
    labelSelector(out, `${at}.selector`, selector);
    const templateLabels = obj(obj(template, 'metadata'), 'labels') ?? {};
    if (!selectorMatches(selector, templateLabels))
      out.push(invalid(`${at}.template.metadata.labels`, templateLabels, '`selector` does not match template `labels`', goStringMap(obj(obj(template, 'metadata'), 'labels') ?? null)));
  }
  validatePodTemplate(out, `${at}.template`, template);
  const restart = obj(template, 'spec')?.restartPolicy;
  if (typeof restart === 'string' && restart !== 'OnFailure' && restart !== 'Never') out.push(notSupported(`${at}.template.spec.restartPolicy`, restart, ['OnFailure', 'Never']));
}

function job(o: JsonObject): Causes {
  const out: Causes = [];
  jobSpec(out, 'spec', obj(o, 'spec'));
  return out;
}

/** ValidateJobUpdate: selector and (for a Job that is not suspended) template immutable; the template is printed as JSON, not as Go's `%#v` of a PodTemplateSpec. */
function jobUpdate(o: JsonObject, old: JsonObject): Causes {
  const out = job(o);
  const spec = obj(o, 'spec');
  const oldSpec = obj(old, 'spec');
  immutable(out, 'spec.selector', spec?.selector, oldSpec?.selector, selectorText);
  if (oldSpec?.suspend !== true) immutable(out, 'spec.template', spec?.template, oldSpec?.template);
  return out;
}

function cronJob(o: JsonObject): Causes {
  const out: Causes = [];
  const spec = obj(o, 'spec');
  const schedule = str(spec, 'schedule') ?? '';
  if (schedule === '') out.push(required('spec.schedule'));
  else if (/^(CRON_)?TZ=/.test(schedule) || schedule.includes('TZ')) out.push(invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  else {
    const e = cronScheduleError(schedule);
    if (e) out.push(invalid('spec.schedule', schedule, e));
  }
  const policy = spec?.concurrencyPolicy;
  if (policy !== undefined && policy !== 'Allow' && policy !== 'Forbid' && policy !== 'Replace') out.push(notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']));
  for (const f of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) nonNegative(out, `spec.${f}`, spec?.[f]);
  jobSpec(out, 'spec.jobTemplate.spec', obj(obj(spec, 'jobTemplate'), 'spec'));
  return out;
}

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

/**
 * ValidateService (common paths): type, ports (required unless headless or ExternalName; names;
 * numbers; protocols; targetPort; nodePort only for NodePort/LoadBalancer), externalName. The cluster
 * IPs (format, range, `may not change once set`) are the Service REST allocation's
 * (`service-allocation.ts`, with defaulting).
 */
function service(o: JsonObject): Causes {
  const out: Causes = [];
  const spec = obj(o, 'spec') ?? {};
  const type = spec.type;
  if (type === '') out.push(required('spec.type'));
  else if (type !== undefined && !SERVICE_TYPES.includes(String(type))) out.push(notSupported('spec.type', type, SERVICE_TYPES));
  const headless = spec.clusterIP === 'None';
  const ports = list(spec, 'ports');
  if (ports.length === 0 && !headless && type !== 'ExternalName') out.push(required('spec.ports'));
  if (type === 'ExternalName') {
    const name = str(spec, 'externalName') ?? '';
    if (name === '') out.push(required('spec.externalName'));
    else dns1123Subdomain(out, 'spec.externalName', name.endsWith('.') ? name.slice(0, -1) : name);
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const at = `spec.ports[${i}]`;
    const name = str(p, 'name') ?? '';
    if (ports.length > 1 && name === '') out.push(required(`${at}.name`));
    else if (name !== '') {
      dns1123Label(out, `${at}.name`, name);
      if (names.has(name)) out.push(duplicate(`${at}.name`, name));
    }
    names.add(name);
    const port = num(p, 'port') ?? 0;
    for (const e of portNumErrors(port)) out.push(invalid(`${at}.port`, port, e));
    const proto = p.protocol;
    if (proto === '') out.push(required(`${at}.protocol`));
    else if (typeof proto === 'string' && !PROTOCOLS.includes(proto)) out.push(notSupported(`${at}.protocol`, proto, PROTOCOLS));
    if (p.targetPort !== undefined && p.targetPort !== 0) portNumOrName(out, `${at}.targetPort`, p.targetPort);
    const nodePort = num(p, 'nodePort') ?? 0;
    if (nodePort !== 0) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') out.push(forbidden(`${at}.nodePort`, 'may not be used when `type` is \'ClusterIP\''));
      else for (const e of portNumErrors(nodePort)) out.push(invalid(`${at}.nodePort`, nodePort, e));
    }
  });
  return out;
}

const CONFIG_KEY_RE = /^[-._a-zA-Z0-9]+$/;

/** validation.IsConfigMapKey. */
function configKeyErrors(key: string): string[] {
  const out: string[] = [];
  if (key.length > 253) out.push('must be no more than 253 characters');
  if (!CONFIG_KEY_RE.test(key))
    out.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  if (key === '.') out.push("must not be '.'");
  else if (key === '..') out.push("must not be '..'");
  else if (key.startsWith('..')) out.push("must not start with '..'");
  return out;
}

/** The keys of `data` (and `binaryData`) checked, their bytes summed (base64 text decoded for Secrets and binaryData). */
function dataKeys(out: Causes, field: string, data: unknown, base64: boolean): number {
  let size = 0;
  const m = obj({ data }, 'data');
  if (!m) return 0;
  for (const [k, v] of Object.entries(m)) {
    for (const e of configKeyErrors(k)) out.push(invalid(`${field}[${k}]`, k, e));
    if (typeof v === 'string') size += base64 ? Buffer.byteLength(v, 'base64') : Buffer.byteLength(v);
  }
  return size;
}

function configMap(o: JsonObject): Causes {
  const out: Causes = [];
  let size = dataKeys(out, 'data', o.data, false);
  size += dataKeys(out, 'binaryData', o.binaryData, true);
  const data = obj(o, 'data');
  for (const k of Object.keys(obj(o, 'binaryData') ?? {})) if (data && Object.hasOwn(data, k)) out.push(invalid(`binaryData[${k}]`, k, 'duplicate of key present in data'));
  if (size > MAX_DATA_SIZE) out.push(tooLong('[]', MAX_DATA_SIZE));
  return out;
}

/** ConfigMap and Secret `immutable: true`: the data and the flag itself stay as they are. */
function immutableData(out: Causes, o: JsonObject, old: JsonObject, fields: readonly string[]): void {
  if (old.immutable !== true) return;
  if (o.immutable !== true) out.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) if (!jsonEqual(o[f], old[f])) out.push(forbidden(f, 'field is immutable when `immutable` is set'));
}

function configMapUpdate(o: JsonObject, old: JsonObject): Causes {
  const out = configMap(o);
  immutableData(out, o, old, ['data', 'binaryData']);
  return out;
}

/** The data keys each Secret type requires (ValidateSecret). */
const SECRET_TYPE_KEYS: Record<string, readonly string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

function secret(o: JsonObject): Causes {
  const out: Causes = [];
  const size = dataKeys(out, 'data', o.data, true) + dataKeys(out, 'data', o.stringData, false);
  if (size > MAX_DATA_SIZE) out.push(tooLong('data', MAX_DATA_SIZE));
  const keys = new Set([...Object.keys(obj(o, 'data') ?? {}), ...Object.keys(obj(o, 'stringData') ?? {})]);
  const type = str(o, 'type') ?? '';
  for (const k of SECRET_TYPE_KEYS[type] ?? []) if (!keys.has(k)) out.push(required(`data[${k}]`));
  if (type === 'kubernetes.io/basic-auth' && !keys.has('username') && !keys.has('password')) out.push(required('data[username]'), required('data[password]'));
  if (type === 'kubernetes.io/service-account-token' && !str(obj(obj(o, 'metadata'), 'annotations'), 'kubernetes.io/service-account.name'))
    out.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  return out;
}

function secretUpdate(o: JsonObject, old: JsonObject): Causes {
  const out = secret(o);
  immutable(out, 'type', o.type, old.type);
  immutableData(out, o, old, ['data']);
  return out;
}

function persistentVolumeClaim(o: JsonObject): Causes {
  const out: Causes = [];
  const spec = obj(o, 'spec');
  const modes = spec?.accessModes;
  if (!Array.isArray(modes) || modes.length === 0) out.push(required('spec.accessModes', 'at least 1 access mode is required'));
  if (!obj(obj(spec, 'resources'), 'requests')?.storage) out.push(required('spec.resources[storage]'));
  return out;
}

/** ValidatePersistentVolumeClaimUpdate: the spec is immutable but for `resources.requests` and `volumeAttributesClassName` (the binding's `volumeName` may be set once). Upstream appends a diff of the specs, not reproduced here. */
function persistentVolumeClaimUpdate(o: JsonObject, old: JsonObject): Causes {
  const out = persistentVolumeClaim(o);
  const strip = (spec: JsonObject | undefined, oldName: unknown) => {
    const copy: JsonObject = { ...(spec ?? {}) };
    delete copy.volumeAttributesClassName;
    if (copy.volumeName && !oldName) delete copy.volumeName;
    const resources = obj(copy, 'resources');
    if (resources) copy.resources = { ...resources, requests: undefined };
    return copy;
  };
  const oldSpec = obj(old, 'spec');
  if (!jsonEqual(strip(obj(o, 'spec'), oldSpec?.volumeName), strip(oldSpec, oldSpec?.volumeName)))
    out.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  return out;
}

function pod(o: JsonObject): Causes {
  const out: Causes = [];
  validatePodSpec(out, 'spec', obj(o, 'spec'));
  return out;
}

function podTemplate(o: JsonObject): Causes {
  const out: Causes = [];
  validatePodTemplate(out, 'template', obj(o, 'template'));
  return out;
}

/** ValidatePodDisruptionBudgetSpec: minAvailable xor maxUnavailable, each a non-negative int or a percent ≤ 100%; the selector. */
function podDisruptionBudget(o: JsonObject): Causes {
  const out: Causes = [];
  const spec = obj(o, 'spec') ?? {};
  const min = spec.minAvailable;
  const max = spec.maxUnavailable;
  if (min !== undefined && min !== null && max !== undefined && max !== null) out.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  if (min !== undefined && min !== null) intOrPercent(out, 'spec.minAvailable', min, true);
  if (max !== undefined && max !== null) intOrPercent(out, 'spec.maxUnavailable', max, true);
  labelSelector(out, 'spec.selector', spec.selector);
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== null && policy !== 'IfHealthyBudget' && policy !== 'AlwaysAllow') out.push(notSupported('spec.unhealthyPodEvictionPolicy', policy, ['AlwaysAllow', 'IfHealthyBudget']));
  return out;
}

/** ValidateHorizontalPodAutoscalerSpec (common paths): minReplicas ≥ 1, maxReplicas > 0 and ≥ minReplicas, scaleTargetRef kind and name. */
function horizontalPodAutoscaler(o: JsonObject): Causes {
  const out: Causes = [];
  const spec = obj(o, 'spec');
  const min = num(spec, 'minReplicas');
  const max = num(spec, 'maxReplicas') ?? 0;
  if (min !== undefined && min < 1) out.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < 1) out.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) out.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  const ref = obj(spec, 'scaleTargetRef');
  if (!str(ref, 'kind')) out.push(required('spec.scaleTargetRef.kind'));
  const name = str(ref, 'name') ?? '';
  if (name === '') out.push(required('spec.scaleTargetRef.name'));
  else if (name.includes('/') || name.includes('%') || name === '.' || name === '..')
    out.push(invalid('spec.scaleTargetRef.name', name, name.includes('/') ? "may not contain '/'" : name.includes('%') ? "may not contain '%'" : `may not be '${name}'`));
  return out;
}

/** ValidateNetworkPolicySpec (common paths): podSelector, rule ports (protocol, port, endPort), ipBlock CIDRs, policyTypes. */
function networkPolicy(o: JsonObject): Causes {
  const out: Causes = [];
  const spec = obj(o, 'spec');
  labelSelector(out, 'spec.podSelector', spec?.podSelector);
  for (const dir of ['ingress', 'egress'] as const) {
    const peersField = dir === 'ingress' ? 'from' : 'to';
    list(spec, dir).forEach((rule, i) => {
      list(rule, 'ports').forEach((p, j) => {
        const at = `spec.${dir}[${i}].ports[${j}]`;
        const proto = p.protocol;
        if (typeof proto === 'string' && !PROTOCOLS.includes(proto)) out.push(notSupported(`${at}.protocol`, proto, PROTOCOLS));
        if (p.port !== undefined && p.port !== null) portNumOrName(out, `${at}.port`, p.port);
        const end = num(p, 'endPort');
        if (end !== undefined) {
          if (typeof p.port !== 'number') out.push(required(`${at}.port`, 'must be specified when endPort is specified'));
          else if (end < p.port) out.push(invalid(`${at}.endPort`, end, 'must be greater than or equal to `port`'));
          else for (const e of portNumErrors(end)) out.push(invalid(`${at}.endPort`, end, e));
        }
      });
      list(rule, peersField).forEach((peer, j) => {
        const at = `spec.${dir}[${i}].${peersField}[${j}]`;
        labelSelector(out, `${at}.podSelector`, peer.podSelector);
        labelSelector(out, `${at}.namespaceSelector`, peer.namespaceSelector);
        const block = obj(peer, 'ipBlock');
        if (block) {
          const cidr = str(block, 'cidr') ?? '';
          if (cidr === '') out.push(required(`${at}.ipBlock.cidr`));
          else if (!/^[0-9a-fA-F:.]+\/[0-9]{1,3}$/.test(cidr) || ipErrors(cidr.split('/')[0]).length > 0) out.push(invalid(`${at}.ipBlock.cidr`, cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
        }
      });
    });
  }
  const types = Array.isArray(spec?.policyTypes) ? (spec.policyTypes as unknown[]) : [];
  if (types.length > 2) out.push(invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') out.push(notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
  });
  return out;
}

/** ValidateLeaseSpec: durations positive, transitions non-negative. */
function lease(o: JsonObject): Causes {
  const out: Causes = [];
  const spec = obj(o, 'spec');
  const d = num(spec, 'leaseDurationSeconds');
  if (d !== undefined && d <= 0) out.push(invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  nonNegative(out, 'spec.leaseTransitions', spec?.leaseTransitions);
  return out;
}

function serviceAccount(o: JsonObject): Causes {
  const out: Causes = [];
  list(o, 'secrets').forEach((s, i) => {
    const name = str(s, 'name');
    if (name) dns1123Subdomain(out, `secrets[${i}].name`, name);
  });
  return out;
}

const withUpdate = (create: (o: JsonObject) => Causes, extra?: (out: Causes, o: JsonObject, old: JsonObject) => void): KindValidation => ({
  create,
  update: (o, old) => {
    const out = create(o);
    extra?.(out, o, old);
    return out;
  },
});

/** Validations by `group/Kind`. */
const VALIDATIONS: Record<string, KindValidation> = {
  '/Pod': { create: pod, update: pod },
  '/PodTemplate': withUpdate(podTemplate),
  '/Service': withUpdate(service),
  '/ConfigMap': { create: configMap, update: configMapUpdate },
  '/Secret': { create: secret, update: secretUpdate },
  '/ServiceAccount': withUpdate(serviceAccount),
  '/PersistentVolumeClaim': { create: persistentVolumeClaim, update: persistentVolumeClaimUpdate },
  'apps/Deployment': withUpdate(deployment, selectorImmutable),
  'apps/ReplicaSet': withUpdate(replicaSet, selectorImmutable),
  'apps/StatefulSet': { create: statefulSet, update: statefulSetUpdate },
  'apps/DaemonSet': withUpdate(daemonSet, selectorImmutable),
  'batch/Job': { create: job, update: jobUpdate },
  'batch/CronJob': withUpdate(cronJob),
  'policy/PodDisruptionBudget': withUpdate(podDisruptionBudget),
  'autoscaling/HorizontalPodAutoscaler': withUpdate(horizontalPodAutoscaler),
  'networking.k8s.io/NetworkPolicy': withUpdate(networkPolicy),
  'coordination.k8s.io/Lease': withUpdate(lease),
};

/** The kinds {@link validateBuiltin} validates beyond ObjectMeta, as `group/Kind`. */
export const VALIDATED_KINDS: readonly string[] = Object.keys(VALIDATIONS);

const byKind = new WeakMap<StrategyKind, KindValidation | null>();

/** Namespaces already found valid (the same few recur on every write); bounded: cleared when full. */
const validNamespaces = new Set<string>();

/** ObjectMeta checks the generic ones (names, label and annotation syntax) leave out: the namespace's syntax, the annotations' total size. */
function metaCauses(o: JsonObject): Causes {
  const out: Causes = [];
  const meta = obj(o, 'metadata');
  const ns = str(meta, 'namespace');
  if (ns && !validNamespaces.has(ns)) {
    dns1123Label(out, 'metadata.namespace', ns);
    if (out.length === 0) {
      if (validNamespaces.size >= 10_000) validNamespaces.clear();
      validNamespaces.add(ns);
    }
  }
  const annotations = obj(meta, 'annotations');
  if (annotations) {
    let size = 0;
    for (const [k, v] of Object.entries(annotations)) size += k.length + (typeof v === 'string' ? v.length : 0);
    if (size > MAX_ANNOTATIONS_SIZE) out.push(tooLong('metadata.annotations', MAX_ANNOTATIONS_SIZE));
  }
  return out;
}

/**
 * The 422 causes of a built-in main-resource write (empty when valid): `old` is the stored object on
 * update (then the kind's ValidateUpdate runs: its create rules and the immutable fields), absent on
 * create. `obj` is the decoded, defaulted object; it is not changed. Kinds without a validation get
 * only the ObjectMeta checks here.
 */
export function validateBuiltin(kind: StrategyKind, o: JsonObject, old?: JsonObject): Causes {
  let v = byKind.get(kind);
  if (v === undefined) {
    const key = `${kind.group}/${kind.kind}`;
    v = Object.hasOwn(VALIDATIONS, key) ? VALIDATIONS[key] : null;
    byKind.set(kind, v);
  }
  const out = metaCauses(o);
  if (!v || (old && sameContent(o, old))) return out;
  out.push(...(old ? v.update(o, old) : v.create(o)));
  return out;
}

/**
 * Whether an update leaves every top-level field but metadata and status the very value the stored
 * object holds (the write path shares untouched subtrees with the stored object): then the kind's
 * rules, which read only those fields, answer as they did when the stored object was admitted, and
 * are not run again.
 */
function sameContent(o: JsonObject, old: JsonObject): boolean {
  for (const k in o) if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind' && o[k] !== old[k]) return false;
  for (const k in old) if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind' && !(k in o)) return false;
  return true;
}

