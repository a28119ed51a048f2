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
import { PROTOBUF_KINDS, PROTOBUF_MESSAGES } from './protobuf-messages.ts';

type Scalar = 'string' | 'bytes' | 'int' | 'bool' | 'double';
interface Field {
  name: string;
  /** Scalar type, or the message name (`@Name`), or a map (`map:<value type>`). */
  type: Scalar | `@${string}` | `map:${Scalar | `@${string}`}`;
  repeated?: boolean;
  /** A pointer field in Go (or JSON without `omitempty`): 0 / false / '' are kept. */
  keepZero?: boolean;
  /** An embedded struct JSON inlines: its fields go into the enclosing object. */
  inline?: boolean;
}
type Message = Record<number, Field>;

const SCALARS: Record<string, Scalar> = { s: 'string', y: 'bytes', i: 'int', b: 'bool', d: 'double' };

/** The envelope messages of the wire format (runtime.Unknown, TypeMeta), beside the generated table. */
const ENVELOPE: Record<string, Message> = {
  Unknown: { 1: { name: 'typeMeta', type: '@TypeMeta' }, 2: { name: 'raw', type: 'bytes' }, 3: { name: 'contentEncoding', type: 'string' }, 4: { name: 'contentType', type: 'string' } },
  TypeMeta: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } },
  // Wrapper types converted to their JSON forms by messageValue.
  Time: { 1: { name: 'seconds', type: 'int' }, 2: { name: 'nanos', type: 'int' } },
  MicroTime: { 1: { name: 'seconds', type: 'int' }, 2: { name: 'nanos', type: 'int' } },
  Duration: { 1: { name: 'duration', type: 'int' } },
  Quantity: { 1: { name: 'string', type: 'string' } },
  IntOrString: { 1: { name: 'type', type: 'int' }, 2: { name: 'intVal', type: 'int' }, 3: { name: 'strVal', type: 'string' } },
  RawExtension: { 1: { name: 'raw', type: 'bytes' } },
  FieldsV1: { 1: { name: 'raw', type: 'bytes' } },
};

const parsed = new Map<string, Message | null>();

/** The message `name` ({@link PROTOBUF_MESSAGES}' compact rows parsed on first use), or undefined. */
function messageFields(name: string): Message | undefined {
  if (ENVELOPE[name]) return ENVELOPE[name];
  let msg = parsed.get(name);
  if (msg === undefined) {
    const rows = PROTOBUF_MESSAGES[name];
    msg = rows ? {} : null;
    for (const [num, row] of Object.entries(rows ?? {})) {
      const [fieldName, t, flags = ''] = row.split(':');
      const type = (t.startsWith('@') ? t : SCALARS[t]) as Scalar | `@${string}`;
      msg![Number(num)] = {
        name: fieldName,
        type: flags.includes('m') ? `map:${type}` : type,
        repeated: flags.includes('r'),
        keepZero: flags.includes('z'),
        inline: flags.includes('n'),
      };
    }
    parsed.set(name, msg);
  }
  return msg ?? undefined;
}

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
  if (type === 'double') {
    if (wire !== 1) throw new Unsupported(`wire type ${wire} for a double field`);
    if (r.pos + 8 > r.end) throw new Unsupported('truncated double');
    const v = Buffer.from(r.buf.buffer, r.buf.byteOffset + r.pos, 8).readDoubleLE(0);
    r.pos += 8;
    return v;
  }
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
  const fields = messageFields(name);
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
    if (f.repeated && wire === 2 && (f.type === 'int' || f.type === 'bool' || f.type === 'double')) {
      // A packed repeated scalar (proto3 style): a run of values in one length-delimited field.
      const packed = new Reader(r.bytes());
      const list = (out[f.name] ??= []) as unknown[];
      while (packed.pos < packed.end) list.push(scalar(f.type, f.type === 'double' ? 1 : 0, packed));
      continue;
    }
    const value = f.type.startsWith('@') ? messageValue(f.type.slice(1), wire, r) : scalar(f.type as Scalar, wire, r);
    if (f.inline) Object.assign(out, value);
    else if (f.repeated) ((out[f.name] ??= []) as unknown[]).push(value);
    else if (!isZero(value) || f.keepZero) out[f.name] = value;
  }
  return out;
}

function messageValue(name: string, wire: number, r: Reader): unknown {
  if (wire !== 2) throw new Unsupported(`wire type ${wire} for message ${name}`);
  const v = decodeMessage(name, r.bytes());
  switch (name) {
    case 'Time':
      return v.seconds ? new Date(Number(v.seconds) * 1000).toISOString().replace('.000Z', 'Z') : undefined;
    case 'MicroTime':
      return v.seconds || v.nanos ? microTime(Number(v.seconds ?? 0), Number(v.nanos ?? 0)) : undefined;
    case 'Duration':
      return goDuration(Number(v.duration ?? 0));
    case 'Quantity':
      return v.string ?? '';
    case 'IntOrString':
      return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
    case 'RawExtension':
    case 'FieldsV1':
      return v.raw === undefined ? undefined : JSON.parse(Buffer.from(String(v.raw), 'base64').toString('utf8'));
  }
  // `type ExtraValue []string`: a message of `items` on the wire, a plain list in JSON.
  if (name.startsWith('ExtraValue')) return v.items ?? [];
  return v;
}

/** metav1.MicroTime in JSON: RFC 3339 with six fractional digits. */
function microTime(seconds: number, nanos: number): string {
  const micros = String(Math.floor(nanos / 1000)).padStart(6, '0');
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, `.${micros}Z`);
}

/** metav1.Duration in JSON: Go's time.Duration.String() of a count of nanoseconds (`1h2m3.5s`, `150ms`, `0s`). */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let n = Math.abs(ns);
  if (n < 1e9) {
    const [unit, size] = n < 1e3 ? ['ns', 1] : n < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    return `${sign}${trimZeros(n / size)}${unit}`;
  }
  const h = Math.floor(n / 3.6e12);
  n -= h * 3.6e12;
  const m = Math.floor(n / 6e10);
  n -= m * 6e10;
  const sec = `${trimZeros(n / 1e9)}s`;
  return `${sign}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${sec}`;
}

function trimZeros(x: number): string {
  return x.toFixed(9).replace(/\.?0+$/, '');
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
    statusError('UnsupportedMediaType', `the body of the request was in an unknown format - lattice-sim decodes ${PROTOBUF_TYPE} only for ${'the built-in kinds'} and the fields it knows (${why}); send application/json`);
  try {
    if (body.length < 4 || MAGIC.some((x, k) => body[k] !== x)) return refuse('missing the k8s\\0 prefix');
    const envelope = decodeMessage('Unknown', body.subarray(4));
    const tm = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
    const key = `${tm.apiVersion ?? ''}/${tm.kind ?? ''}`;
    const msg = PROTOBUF_KINDS[key];
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
