/**
 * Patch formats (Kubernetes API concepts: patch; anchors-apiserver.md §3.9–3.10): RFC 7386 JSON
 * merge patch, RFC 6902 JSON patch (through fast-json-patch), and an approximation of server-side
 * apply that tracks, per field manager, which top-level fields and which labels, annotations,
 * finalizers and owner references it applied.
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { statusError } from './api/index.ts';
import type { KubeObject, OwnerReference } from './api/index.ts';
import { cloneJson, deepEqual, isPlainObject } from './internal/json.ts';
import type { JsonObject } from './internal/json.ts';

/**
 * RFC 7386 JSON merge patch: a `null` member deletes the key, objects merge recursively, anything
 * else (arrays included) replaces. Pure: neither argument is modified; values taken from `patch`
 * are copied.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return cloneJson(patch);
  const out: JsonObject = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = mergePatch(out[k], v);
  }
  return out;
}

const malformed = new Set([
  'SEQUENCE_NOT_AN_ARRAY',
  'OPERATION_NOT_AN_OBJECT',
  'OPERATION_OP_INVALID',
  'OPERATION_PATH_INVALID',
  'OPERATION_FROM_REQUIRED',
  'OPERATION_VALUE_REQUIRED',
  'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED',
]);

/**
 * Applies an RFC 6902 JSON patch to a copy of `doc` and returns the result.
 * @throws StatusError 400 BadRequest for a malformed patch (not an array, unknown op, missing value);
 *   422 Invalid `the server rejected our request due to an error in our request` (upstream wording)
 *   when an operation cannot apply — a failed `test`, a path that does not exist — with the
 *   detail in `details.causes[0].message`.
 */
export function applyJsonPatch<T>(doc: T, ops: unknown): T {
  if (!Array.isArray(ops)) throw statusError('BadRequest', 'json patch must be an array of operations (RFC 6902)');
  const copy = cloneJson(doc);
  const operations = cloneJson(ops) as Operation[];
  const err = jsonpatch.validate(operations, copy);
  if (err) throw patchFailure(err);
  try {
    return jsonpatch.applyPatch(copy, operations, false, true, true).newDocument;
  } catch (e) {
    throw patchFailure(e);
  }
}

function patchFailure(e: unknown): Error {
  const name = (e as { name?: string }).name ?? '';
  const op = (e as { operation?: Operation }).operation;
  const detail = `${name === 'TEST_OPERATION_FAILED' ? 'test operation failed' : ((e as Error).message ?? String(e)).split('\n')[0]}${op ? ` (op ${op.op} at ${op.path})` : ''}`;
  if (malformed.has(name)) return statusError('BadRequest', `invalid json patch: ${detail}`);
  return statusError('Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'UnexpectedServerResponse', message: detail }],
  });
}

/** A `metadata.managedFields` entry (Kubernetes API concepts: field management). */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  /** RFC 3339. */
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

/** What one apply configuration owns, in the approximation this server models. */
export interface AppliedSet {
  /** Top-level fields other than apiVersion, kind, metadata (e.g. `spec`, `data`). */
  fields: Set<string>;
  labels: Set<string>;
  annotations: Set<string>;
  finalizers: Set<string>;
  /** Owner reference uids. */
  ownerRefs: Set<string>;
}

/** The set an applied object claims (status excluded when the kind has a status subresource). */
export function appliedSetOf(obj: KubeObject, statusSubresource: boolean): AppliedSet {
  const m = obj.metadata ?? {};
  return {
    fields: new Set(Object.keys(obj).filter((k) => k !== 'apiVersion' && k !== 'kind' && k !== 'metadata' && !(statusSubresource && k === 'status') && obj[k] !== undefined)),
    labels: new Set(Object.keys(m.labels ?? {})),
    annotations: new Set(Object.keys(m.annotations ?? {})),
    finalizers: new Set(m.finalizers ?? []),
    ownerRefs: new Set((m.ownerReferences ?? []).map((r) => r.uid)),
  };
}

/** Encodes an AppliedSet as a FieldsV1 document (`f:` fields, `v:` set values, `k:` map keys). */
export function toFieldsV1(s: AppliedSet): JsonObject {
  const out: JsonObject = {};
  const meta: JsonObject = {};
  const enc = (keys: Set<string>, prefix: (k: string) => string): JsonObject => Object.fromEntries([...keys].sort().map((k) => [prefix(k), {}]));
  if (s.labels.size) meta['f:labels'] = enc(s.labels, (k) => `f:${k}`);
  if (s.annotations.size) meta['f:annotations'] = enc(s.annotations, (k) => `f:${k}`);
  if (s.finalizers.size) meta['f:finalizers'] = enc(s.finalizers, (k) => `v:${JSON.stringify(k)}`);
  if (s.ownerRefs.size) meta['f:ownerReferences'] = enc(s.ownerRefs, (k) => `k:${JSON.stringify({ uid: k })}`);
  if (Object.keys(meta).length) out['f:metadata'] = meta;
  for (const f of [...s.fields].sort()) out[`f:${f}`] = {};
  return out;
}

/** Decodes a FieldsV1 document written by {@link toFieldsV1}. */
export function fromFieldsV1(f: unknown): AppliedSet {
  const s: AppliedSet = { fields: new Set(), labels: new Set(), annotations: new Set(), finalizers: new Set(), ownerRefs: new Set() };
  if (!isPlainObject(f)) return s;
  const keys = (x: unknown): string[] => (isPlainObject(x) ? Object.keys(x) : []);
  for (const k of keys(f)) if (k.startsWith('f:') && k !== 'f:metadata') s.fields.add(k.slice(2));
  const meta = isPlainObject(f['f:metadata']) ? f['f:metadata'] : {};
  for (const k of keys(meta['f:labels'])) s.labels.add(k.slice(2));
  for (const k of keys(meta['f:annotations'])) s.annotations.add(k.slice(2));
  for (const k of keys(meta['f:finalizers'])) s.finalizers.add(JSON.parse(k.slice(2)) as string);
  for (const k of keys(meta['f:ownerReferences'])) s.ownerRefs.add((JSON.parse(k.slice(2)) as { uid: string }).uid);
  return s;
}

/** Inputs of {@link serverSideApply}. */
export interface ApplyInput {
  /** The stored object (not modified). */
  live: KubeObject;
  /** The applied configuration. */
  applied: KubeObject;
  fieldManager: string;
  /** RFC 3339 time recorded in the manager's managedFields entry when its field set changes. */
  time: string;
  statusSubresource: boolean;
  /**
   * Share the live object's fields the apply leaves as they are instead of copying them: the result
   * is then mutable only at its top level and in `metadata` (its other subtrees are the live, frozen
   * ones). For writes that change nothing below those levels, as the server's schema-less kinds.
   */
  shareUnchanged?: boolean;
}

/**
 * Server-side apply, approximated (Kubernetes API concepts: server-side apply): the applied
 * object's top-level fields other than apiVersion/kind/metadata (and status where a status
 * subresource exists) replace the live ones wholesale; labels, annotations, finalizers and owner
 * references are merged in; whatever this manager applied last time but omits now is removed
 * unless another Apply manager still claims it. The manager's `managedFields` entry is replaced
 * (its time kept when its field set is unchanged). Returns a new object, mutable throughout unless `shareUnchanged`.
 */
export function serverSideApply(input: ApplyInput): KubeObject {
  const { live, applied, fieldManager, statusSubresource } = input;
  const out = input.shareUnchanged ? { ...live, metadata: { ...live.metadata } } : cloneJson(live);
  const entries = ((live.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? []) as ManagedFieldsEntry[];
  const mine = entries.find((e) => e.manager === fieldManager && e.operation === 'Apply');
  const prev = fromFieldsV1(mine?.fieldsV1);
  const now = appliedSetOf(applied, statusSubresource);
  const others = entries.filter((e) => e !== mine && e.operation === 'Apply').map((e) => fromFieldsV1(e.fieldsV1));
  const ownedElsewhere = (pick: (s: AppliedSet) => Set<string>, k: string) => others.some((o) => pick(o).has(k));

  for (const f of now.fields) out[f] = cloneJson(applied[f]);
  for (const f of prev.fields) if (!now.fields.has(f) && !ownedElsewhere((s) => s.fields, f)) delete out[f];

  const meta = out.metadata;
  for (const which of ['labels', 'annotations'] as const) {
    const merged: Record<string, string> = { ...(meta[which] ?? {}), ...(applied.metadata?.[which] ?? {}) };
    for (const k of prev[which]) if (!now[which].has(k) && !ownedElsewhere((s) => s[which], k)) delete merged[k];
    if (Object.keys(merged).length) meta[which] = merged;
    else delete meta[which];
  }
  const fins = [...(meta.finalizers ?? [])];
  for (const f of applied.metadata?.finalizers ?? []) if (!fins.includes(f)) fins.push(f);
  const keptFins = fins.filter((f) => !(prev.finalizers.has(f) && !now.finalizers.has(f) && !ownedElsewhere((s) => s.finalizers, f)));
  if (keptFins.length) meta.finalizers = keptFins;
  else delete meta.finalizers;
  const refs: OwnerReference[] = [...(meta.ownerReferences ?? [])];
  for (const r of applied.metadata?.ownerReferences ?? []) {
    const i = refs.findIndex((x) => x.uid === r.uid);
    if (i >= 0) refs[i] = cloneJson(r);
    else refs.push(cloneJson(r));
  }
  const keptRefs = refs.filter((r) => !(prev.ownerRefs.has(r.uid) && !now.ownerRefs.has(r.uid) && !ownedElsewhere((s) => s.ownerRefs, r.uid)));
  if (keptRefs.length) meta.ownerReferences = keptRefs;
  else delete meta.ownerReferences;

  const fieldsV1 = toFieldsV1(now);
  const entry: ManagedFieldsEntry = {
    manager: fieldManager,
    operation: 'Apply',
    apiVersion: applied.apiVersion,
    time: mine && deepEqual(mine.fieldsV1, fieldsV1) && mine.apiVersion === applied.apiVersion ? mine.time : input.time,
    fieldsType: 'FieldsV1',
    fieldsV1,
  };
  const nextEntries = entries.map((e) => (e === mine ? entry : cloneJson(e)));
  if (!mine) nextEntries.push(entry);
  (meta as { managedFields?: ManagedFieldsEntry[] }).managedFields = nextEntries;
  return out;
}

/** The managedFields entry a first apply (create) records. */
export function initialApplyEntry(applied: KubeObject, fieldManager: string, time: string, statusSubresource: boolean): ManagedFieldsEntry {
  return { manager: fieldManager, operation: 'Apply', apiVersion: applied.apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(appliedSetOf(applied, statusSubresource)) };
}
