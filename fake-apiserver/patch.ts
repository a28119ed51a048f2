/**
 * Patch formats (Kubernetes API concepts: patch; anchors-apiserver.md §3.9): RFC 7386 JSON merge
 * patch and RFC 6902 JSON patch (through fast-json-patch). Server-side apply lives in `ssa/`.
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { statusError } from './api/index.ts';
import { cloneJson, isPlainObject } from './internal/json.ts';
import type { JsonObject } from './internal/json.ts';

/**
 * RFC 7386 JSON merge patch: a `null` member deletes the key, objects merge recursively, anything
 * else (arrays included) replaces. Pure: neither argument is modified; values taken from `patch`
 * are copied.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return cloneJson(patch);
  const out: JsonObject = isPlainObject(target) ? { ...target } : {};
  for (const k in patch) {
    const v = patch[k];
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
