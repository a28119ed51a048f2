/**
 * Evaluation of compiled `x-kubernetes-validations` against an object after pruning and
 * defaulting (apiextensions-apiserver schema/cel validation.go, Kubernetes v1.35 wording):
 * - each rule runs at its schema node with `self` bound to the node's value; `null` and absent
 *   values are not validated;
 * - transition rules (referencing `oldSelf`) run only where an old value correlates (same property,
 *   same map key, same key of an `x-kubernetes-list-type: map` list; never for plain lists or
 *   `x-kubernetes-map-type: atomic` maps), unless `optionalOldSelf` (then `oldSelf` is an optional);
 * - a failure gives one cause at the node's path (`<nil>` for the root) plus the rule's `fieldPath`:
 *   `Invalid value: <message>` for objects and lists, `Invalid value: "abc": <message>` with the
 *   value for scalars; reason `FieldValueForbidden` → `Forbidden: <message>`, `FieldValueRequired`
 *   → `Required value: <message>`, `FieldValueDuplicate` → `Duplicate value`;
 * - the message is `messageExpression`'s (trimmed; on error, empty, multi-line or over 5 KiB, the
 *   fallback), else `message`, else `failed rule: <rule>`;
 * - ratcheting (CRDValidationRatcheting, GA): on update, a rule without `oldSelf` whose value equals
 *   its correlated old value (or, uncorrelated, whose nearest correlated ancestor is unchanged) is
 *   not enforced (upstream turns its failure into a warning; warnings are not surfaced here);
 * - an evaluation error is a cause `Invalid value: "<type>": <error> evaluating rule: <rule>`
 *   (`'no such overload': call arguments did not match …` for overload errors).
 * No cost budget is kept (see README, Not modelled).
 */
import { isCelError } from '@bufbuild/cel';
import type { CelInput, CelResult } from '@bufbuild/cel';
import type { StatusCause } from '../api/index.ts';
import { deepEqual, isPlainObject } from '../internal/json.ts';
import type { CompiledRule, RuleNode } from './compile.ts';
import { child, key, pathString } from './field-path.ts';
import type { FieldPath } from './field-path.ts';
import { celOptional } from './library.ts';
import { toCelValue } from './values.ts';

/** k8s.io/apiserver/pkg/apis/cel MaxEvaluatedMessageExpressionSizeBytes. */
const MAX_MESSAGE_BYTES = 5 * 1024;

const ruleErrorString = (c: CompiledRule) => (c.rule.message ? c.rule.message.trim() : (c.rule.rule ?? '').trim());
const ruleMessageOrDefault = (c: CompiledRule) => (c.rule.message ? c.rule.message.trim() : `failed rule: ${ruleErrorString(c)}`);

// cel-go's wording of the runtime errors @bufbuild/cel words differently.
function celGoError(message: string): string {
  let m: RegExpExecArray | null;
  if ((m = /^field not found: (.*)$/.exec(message))) return `no such key: ${m[1]}`;
  if ((m = /^index (-?\d+) out of bounds \[0, (-?\d+)\)$/.exec(message))) return `index out of bounds: ${m[1]}`;
  if (/divide by zero|modulus by zero/.test(message)) return 'division by zero';
  if (/^int overflow|^uint overflow/.test(message)) return 'integer overflow';
  return message;
}

/** Go's `%v` / `%q` of a scalar bad value (field.Error.ErrorBody). */
function showValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : v === null || v === undefined ? 'null' : String(v);
}

function failureCause(path: FieldPath, value: unknown, type: unknown, detail: string, reason: string | undefined): StatusCause {
  const field = pathString(path);
  const omit = type === 'object' || type === 'array';
  switch (reason) {
    case 'FieldValueForbidden':
      return { reason, message: `Forbidden: ${detail}`, field };
    case 'FieldValueRequired':
      return { reason, message: `Required value: ${detail}`, field };
    case 'FieldValueDuplicate':
      return { reason, message: omit ? 'Duplicate value' : `Duplicate value: ${showValue(value)}`, field };
    default:
      return { reason: 'FieldValueInvalid', message: omit ? `Invalid value: ${detail}` : `Invalid value: ${showValue(value)}: ${detail}`, field };
  }
}

function messageFrom(result: CelResult): string | undefined {
  if (isCelError(result) || typeof result !== 'string') return undefined;
  const s = result.trim();
  if (s.length === 0 || s.length > MAX_MESSAGE_BYTES || /\n/.test(s)) return undefined;
  return s;
}

/** Whether the value at a node equals its old value, computed once and only when asked (ratcheting). */
type Unchanged = () => boolean;

function validateExpressions(node: RuleNode, path: FieldPath, obj: unknown, old: unknown, unchanged: Unchanged, out: StatusCause[]): void {
  if (node.rules.length === 0) return;
  const type = node.schema.type ?? '';
  const invalid = (detail: string) => out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(type)}: ${detail}`, field: pathString(path) });
  let self: CelInput | undefined;
  let oldSelf: CelInput | undefined;
  const hasOld = old !== undefined && old !== null;
  for (const c of node.rules) {
    if (c.error || !c.program) {
      invalid(`rule compile error: ${c.error ?? 'empty rule'}`);
      continue;
    }
    const optional = c.rule.optionalOldSelf === true;
    if (c.usesOldSelf && !hasOld && !optional) continue;
    // Ratcheting: a rule without oldSelf on a value equal to its old one only warns (not surfaced here).
    if (!c.usesOldSelf && unchanged()) continue;
    self ??= toCelValue(obj, node.schema, node.root);
    const bindings: Record<string, CelInput> = { self };
    if (c.usesOldSelf) {
      if (hasOld) oldSelf ??= toCelValue(old, node.schema, node.root);
      bindings.oldSelf = optional ? celOptional(hasOld ? (oldSelf as never) : undefined) : (oldSelf as CelInput);
    }
    const result = c.program(bindings);
    if (isCelError(result)) {
      const msg = result.message;
      if (/no matching overload|no such overload/.test(msg))
        invalid(`'no such overload': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(c)}`);
      else invalid(`${celGoError(msg)} evaluating rule: ${ruleErrorString(c)}`);
      continue;
    }
    if (result === true) continue;
    const at = c.fieldPath !== undefined ? child(path, c.fieldPath) : path;
    const detail = (c.messageProgram && messageFrom(c.messageProgram(bindings))) || ruleMessageOrDefault(c);
    out.push(failureCause(at, obj, type, detail, c.rule.reason));
  }
}

function listMapKeys(node: RuleNode): string[] | undefined {
  const s = node.schema;
  return s['x-kubernetes-list-type'] === 'map' && Array.isArray(s['x-kubernetes-list-map-keys']) ? (s['x-kubernetes-list-map-keys'] as string[]) : undefined;
}

const memo = (f: () => boolean): Unchanged => {
  let v: boolean | undefined;
  return () => (v ??= f());
};

/**
 * `parentUnchanged`: whether the nearest correlated ancestor equals its old value (what an
 * uncorrelated node, such as an item of a plain list, ratchets on); false on create.
 */
function validate(node: RuleNode, path: FieldPath, obj: unknown, old: unknown, parentUnchanged: Unchanged, out: StatusCause[]): void {
  if (obj === null || obj === undefined) return;
  const unchanged = old !== undefined ? memo(() => deepEqual(obj, old)) : parentUnchanged;
  validateExpressions(node, path, obj, old, unchanged, out);
  if (Array.isArray(obj)) {
    if (!node.items) return;
    const keys = listMapKeys(node);
    const oldList = Array.isArray(old) ? old : [];
    obj.forEach((item, i) => {
      const oldItem = keys && isPlainObject(item) ? oldList.find((o) => isPlainObject(o) && keys.every((k) => o[k] === item[k])) : undefined;
      validate(node.items as RuleNode, key(path, i), item, oldItem, unchanged, out);
    });
    return;
  }
  if (!isPlainObject(obj)) return;
  const oldMap = node.schema['x-kubernetes-map-type'] !== 'atomic' && isPlainObject(old) ? old : undefined;
  if (node.additional) for (const [k, v] of Object.entries(obj)) validate(node.additional, key(path, k), v, oldMap?.[k], unchanged, out);
  if (node.properties) for (const [k, v] of Object.entries(obj)) {
    const sub = node.properties.get(k);
    if (sub) validate(sub, child(path, k), v, oldMap?.[k], unchanged, out);
  }
}

/**
 * The causes of every failed `x-kubernetes-validations` rule of `tree` for `obj` (pruned and
 * defaulted), with `old` the stored object on update (undefined on create; then nothing ratchets). Status subresource
 * writes pass the whole object, so rules under `status` run too.
 */
export function celValidationCauses(tree: RuleNode, obj: unknown, old?: unknown): StatusCause[] {
  const out: StatusCause[] = [];
  validate(tree, null, obj, old, () => false, out);
  return out;
}

// apiextensions-apiserver customresource strategy `hasBlockingErr`: these schema errors mean the
// object lacks the shape the rules were written for, so CEL is skipped with one extra cause.
const BLOCKING = new Set(['FieldValueNotSupported', 'FieldValueRequired', 'FieldValueTooLong', 'FieldValueTooMany', 'FieldValueTypeInvalid']);

/**
 * The CEL step of custom resource admission after schema validation produced `schemaCauses`: the
 * rule causes ({@link celValidationCauses}), or, when a schema cause is blocking (type, required,
 * enum, too long, too many), the single upstream cause `<nil>: Invalid value: "null": some
 * validation rules were not checked because the object was invalid; correct the existing errors to
 * complete validation`.
 */
export function celAdmissionCauses(tree: RuleNode, schemaCauses: readonly StatusCause[], obj: unknown, old?: unknown): StatusCause[] {
  if (schemaCauses.some((c) => BLOCKING.has(c.reason ?? '')))
    return [{ reason: 'FieldValueInvalid', message: 'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation', field: '<nil>' }];
  return celValidationCauses(tree, obj, old);
}
