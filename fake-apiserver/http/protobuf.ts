/**
 * Decoding of Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`; Kubernetes
 * API concepts: protobuf encoding), for the kinds kubectl's generator subcommands send that way
 * (`kubectl create namespace|configmap|secret|serviceaccount|deployment|service`), and the
 * DeleteOptions client-go's typed clients send with a DELETE. Pure.
 *
 * Wire format: the 4 bytes `k8s\0`, then a `runtime.Unknown` message (typeMeta = 1 {apiVersion = 1,
 * kind = 2}, raw = 2, contentEncoding = 3, contentType = 4) whose `raw` is the typed message. The
 * field numbers below are those of the upstream `generated.proto` files (k8s.io/api core/v1 and
 * apps/v1, k8s.io/apimachinery meta/v1, resource, intstr), for a subset of each message: a field
 * this table does not know makes the decode fail with 415 unless it holds its zero value (Go writes
 * every non-pointer field), never a silent drop of data. Zero scalars are dropped (Go's JSON
 * `omitempty`) except for pointer fields (`keepZero`), where 0 / false is a value.
 */
import { statusError } from '../api/index.ts';
import type { KubeObject, StatusError } from '../api/index.ts';

type Scalar = 'string' | 'bytes' | 'int' | 'bool';
interface Field {
  name: string;
  /** Scalar type, or the message name (`@Name`), or a map (`map:<value type>`). */
  type: Scalar | `@${string}` | `map:${Scalar | `@${string}`}`;
  repeated?: boolean;
  /** A pointer field in Go: 0 / false / '' are kept. */
  keepZero?: boolean;
}
type Message = Record<number, Field>;

const s = (name: string, extra: Partial<Field> = {}): Field => ({ name, type: 'string', ...extra });
const i = (name: string, extra: Partial<Field> = {}): Field => ({ name, type: 'int', ...extra });
const b = (name: string, extra: Partial<Field> = {}): Field => ({ name, type: 'bool', ...extra });
const m = (name: string, msg: string, extra: Partial<Field> = {}): Field => ({ name, type: `@${msg}`, ...extra });
const strs = (name: string): Field => ({ name, type: 'string', repeated: true });
const map = (name: string, value: Field['type'] = 'string'): Field => ({ name, type: `map:${value}` as Field['type'] });

/** The subset of messages understood, by name. */
const MESSAGES: Record<string, Message> = {
  Unknown: { 1: m('typeMeta', 'TypeMeta'), 2: { name: 'raw', type: 'bytes' }, 3: s('contentEncoding'), 4: s('contentType') },
  TypeMeta: { 1: s('apiVersion'), 2: s('kind') },
  ObjectMeta: {
    1: s('name'),
    2: s('generateName'),
    3: s('namespace'),
    4: s('selfLink'),
    5: s('uid'),
    6: s('resourceVersion'),
    7: i('generation'),
    8: m('creationTimestamp', 'Time'),
    9: m('deletionTimestamp', 'Time'),
    10: i('deletionGracePeriodSeconds', { keepZero: true }),
    11: map('labels'),
    12: map('annotations'),
    13: m('ownerReferences', 'OwnerReference', { repeated: true }),
    14: strs('finalizers'),
  },
  Time: { 1: i('seconds'), 2: i('nanos') },
  OwnerReference: { 1: s('kind'), 3: s('name'), 4: s('uid'), 5: s('apiVersion'), 6: b('controller', { keepZero: true }), 7: b('blockOwnerDeletion', { keepZero: true }) },
  LabelSelector: { 1: map('matchLabels'), 2: m('matchExpressions', 'LabelSelectorRequirement', { repeated: true }) },
  LabelSelectorRequirement: { 1: s('key'), 2: s('operator'), 3: strs('values') },
  Quantity: { 1: s('string') },
  IntOrString: { 1: i('type'), 2: i('intVal'), 3: s('strVal') },
  Namespace: { 1: m('metadata', 'ObjectMeta'), 2: m('spec', 'NamespaceSpec'), 3: m('status', 'NamespaceStatus') },
  NamespaceSpec: { 1: strs('finalizers') },
  NamespaceStatus: { 1: s('phase') },
  ConfigMap: { 1: m('metadata', 'ObjectMeta'), 2: map('data'), 3: map('binaryData', 'bytes'), 4: b('immutable', { keepZero: true }) },
  Secret: { 1: m('metadata', 'ObjectMeta'), 2: map('data', 'bytes'), 3: s('type'), 4: map('stringData'), 5: b('immutable', { keepZero: true }) },
  ServiceAccount: {
    1: m('metadata', 'ObjectMeta'),
    2: m('secrets', 'ObjectReference', { repeated: true }),
    3: m('imagePullSecrets', 'LocalObjectReference', { repeated: true }),
    4: b('automountServiceAccountToken', { keepZero: true }),
  },
  ObjectReference: { 1: s('kind'), 2: s('namespace'), 3: s('name'), 4: s('uid'), 5: s('apiVersion'), 6: s('resourceVersion'), 7: s('fieldPath') },
  LocalObjectReference: { 1: s('name') },
  Service: { 1: m('metadata', 'ObjectMeta'), 2: m('spec', 'ServiceSpec'), 3: m('status', 'ServiceStatus') },
  ServiceStatus: {},
  ServiceSpec: {
    1: m('ports', 'ServicePort', { repeated: true }),
    2: map('selector'),
    3: s('clusterIP'),
    4: s('type'),
    5: strs('externalIPs'),
    7: s('sessionAffinity'),
    10: s('externalName'),
    11: s('externalTrafficPolicy'),
    17: s('ipFamilyPolicy'),
    18: strs('clusterIPs'),
    19: strs('ipFamilies'),
    22: s('internalTrafficPolicy'),
  },
  ServicePort: { 1: s('name'), 2: s('protocol'), 3: i('port'), 4: m('targetPort', 'IntOrString'), 5: i('nodePort'), 6: s('appProtocol', { keepZero: false }) },
  Deployment: { 1: m('metadata', 'ObjectMeta'), 2: m('spec', 'DeploymentSpec'), 3: m('status', 'DeploymentStatus') },
  DeploymentStatus: {},
  DeploymentSpec: {
    1: i('replicas', { keepZero: true }),
    2: m('selector', 'LabelSelector'),
    3: m('template', 'PodTemplateSpec'),
    4: m('strategy', 'DeploymentStrategy'),
    5: i('minReadySeconds'),
    6: i('revisionHistoryLimit', { keepZero: true }),
    7: b('paused'),
    9: i('progressDeadlineSeconds', { keepZero: true }),
  },
  DeploymentStrategy: { 1: s('type'), 2: m('rollingUpdate', 'RollingUpdateDeployment') },
  RollingUpdateDeployment: { 1: m('maxUnavailable', 'IntOrString'), 2: m('maxSurge', 'IntOrString') },
  PodTemplateSpec: { 1: m('metadata', 'ObjectMeta'), 2: m('spec', 'PodSpec') },
  PodSpec: {
    2: m('containers', 'Container', { repeated: true }),
    3: s('restartPolicy'),
    4: i('terminationGracePeriodSeconds', { keepZero: true }),
    5: i('activeDeadlineSeconds', { keepZero: true }),
    6: s('dnsPolicy'),
    7: map('nodeSelector'),
    8: s('serviceAccountName'),
    10: s('nodeName'),
    15: m('imagePullSecrets', 'LocalObjectReference', { repeated: true }),
    20: m('initContainers', 'Container', { repeated: true }),
    21: b('automountServiceAccountToken', { keepZero: true }),
  },
  Container: {
    1: s('name'),
    2: s('image'),
    3: strs('command'),
    4: strs('args'),
    5: s('workingDir'),
    6: m('ports', 'ContainerPort', { repeated: true }),
    7: m('env', 'EnvVar', { repeated: true }),
    8: m('resources', 'ResourceRequirements'),
    13: s('terminationMessagePath'),
    14: s('imagePullPolicy'),
    16: b('stdin'),
    17: b('stdinOnce'),
    18: b('tty'),
    20: s('terminationMessagePolicy'),
  },
  ContainerPort: { 1: s('name'), 2: i('hostPort'), 3: i('containerPort'), 4: s('protocol'), 5: s('hostIP') },
  EnvVar: { 1: s('name'), 2: s('value') },
  ResourceRequirements: { 1: map('limits', '@Quantity'), 2: map('requests', '@Quantity') },
  // meta/v1 DeleteOptions: what client-go's typed clients send with a DELETE (helm's release Secrets).
  DeleteOptions: {
    1: i('gracePeriodSeconds', { keepZero: true }),
    2: m('preconditions', 'Preconditions'),
    3: b('orphanDependents', { keepZero: true }),
    4: s('propagationPolicy', { keepZero: true }),
    5: strs('dryRun'),
    6: b('ignoreStoreReadErrorWithClusterBreakingPotential', { keepZero: true }),
  },
  Preconditions: { 1: s('uid', { keepZero: true }), 2: s('resourceVersion', { keepZero: true }) },
};

/** Top-level kinds decodable, by `apiVersion/kind`. */
const KINDS: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/Service': 'Service',
  'apps/v1/Deployment': 'Deployment',
  'v1/DeleteOptions': 'DeleteOptions',
  'meta.k8s.io/v1/DeleteOptions': 'DeleteOptions',
};

/** The media type. */
export const PROTOBUF_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = [0x6b, 0x38, 0x73, 0x00];

class Unsupported extends Error {}

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly end = buf.length,
  ) {}
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Unsupported('truncated varint');
      const byte = this.buf[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Unsupported('varint too long');
    }
  }
  bytes(): Uint8Array {
    const len = Number(this.varint());
    if (this.pos + len > this.end) throw new Unsupported('truncated length-delimited field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function scalar(type: Scalar, wire: number, r: Reader): unknown {
  if (type === 'int' || type === 'bool') {
    if (wire !== 0) throw new Unsupported(`wire type ${wire} for a varint field`);
    const v = BigInt.asIntN(64, r.varint());
    return type === 'bool' ? v !== 0n : Number(v);
  }
  if (wire !== 2) throw new Unsupported(`wire type ${wire} for a length-delimited field`);
  const raw = r.bytes();
  return type === 'string' ? utf8.decode(raw) : Buffer.from(raw).toString('base64');
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

/** Decodes one message of `name` from `buf`. */
function decodeMessage(name: string, buf: Uint8Array): Record<string, unknown> {
  const fields = MESSAGES[name];
  if (!fields) throw new Unsupported(`message ${name}`);
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (r.pos < r.end) {
    const tag = Number(r.varint());
    const num = tag >>> 3;
    const wire = tag & 7;
    const f = fields[num];
    if (!f) {
      // Go writes every non-pointer field, set or not: an unknown field holding its zero value
      // (varint 0, empty string or message) carries nothing and is skipped; anything else is refused.
      if (wire === 0 && r.varint() === 0n) continue;
      if (wire === 2 && r.bytes().length === 0) continue;
      throw new Unsupported(`field ${num} of ${name}`);
    }
    if (f.type.startsWith('map:')) {
      if (wire !== 2) throw new Unsupported(`wire type ${wire} for map ${name}.${f.name}`);
      const valueType = f.type.slice(4) as Field['type'];
      const entry = new Reader(r.bytes());
      let key = '';
      let val: unknown = valueType === 'string' || valueType === 'bytes' ? '' : {};
      while (entry.pos < entry.end) {
        const t = Number(entry.varint());
        if (t >>> 3 === 1) key = scalar('string', t & 7, entry) as string;
        else if (t >>> 3 === 2) val = valueType.startsWith('@') ? messageValue(valueType.slice(1), t & 7, entry) : scalar(valueType as Scalar, t & 7, entry);
        else throw new Unsupported(`map entry field ${t >>> 3}`);
      }
      const obj = (out[f.name] ??= {}) as Record<string, unknown>;
      obj[key] = val;
      continue;
    }
    const value = f.type.startsWith('@') ? messageValue(f.type.slice(1), wire, r) : scalar(f.type as Scalar, wire, r);
    if (f.repeated) ((out[f.name] ??= []) as unknown[]).push(value);
    else if (!isZero(value) || f.keepZero) out[f.name] = value;
  }
  return out;
}

function messageValue(name: string, wire: number, r: Reader): unknown {
  if (wire !== 2) throw new Unsupported(`wire type ${wire} for message ${name}`);
  const v = decodeMessage(name, r.bytes());
  if (name === 'Time') return v.seconds ? new Date(Number(v.seconds) * 1000).toISOString().replace('.000Z', 'Z') : undefined;
  if (name === 'Quantity') return v.string ?? '';
  if (name === 'IntOrString') return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
  return v;
}

function dropUndefined(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropUndefined);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = dropUndefined(x);
  return out;
}

/**
 * Decodes a Kubernetes protobuf body into the JSON object it stands for.
 * @returns the object, or a 415 UnsupportedMediaType Status naming what is not understood (another
 *   kind, a field outside the table, a malformed message).
 */
export function decodeKubeProtobuf(body: Uint8Array): { value: KubeObject } | StatusError {
  const refuse = (why: string) =>
    statusError('UnsupportedMediaType', `the body of the request was in an unknown format - lattice-sim decodes ${PROTOBUF_TYPE} only for ${Object.keys(KINDS).join(', ')} and the fields it knows (${why}); send application/json`);
  try {
    if (body.length < 4 || MAGIC.some((x, k) => body[k] !== x)) return refuse('missing the k8s\\0 prefix');
    const envelope = decodeMessage('Unknown', body.subarray(4));
    const tm = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
    const key = `${tm.apiVersion ?? ''}/${tm.kind ?? ''}`;
    const msg = KINDS[key];
    if (!msg) return refuse(`kind ${key}`);
    if (envelope.contentEncoding) return refuse(`contentEncoding ${String(envelope.contentEncoding)}`);
    const raw = Buffer.from(String(envelope.raw ?? ''), 'base64');
    const obj = dropUndefined(decodeMessage(msg, raw)) as Record<string, unknown>;
    return { value: { apiVersion: tm.apiVersion!, kind: tm.kind!, ...obj } as KubeObject };
  } catch (e) {
    if (e instanceof Unsupported || e instanceof TypeError) return refuse(e.message);
    throw e;
  }
}
