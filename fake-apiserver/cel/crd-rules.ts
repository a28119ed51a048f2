/**
 * CRD create / update admission of `x-kubernetes-validations` (apiextensions-apiserver
 * pkg/apis/apiextensions/validation: `validateSchemaStuffWithXPrefixedName` and its CEL compile
 * step): the static rules on each entry (rule present, message shape, reason, fieldPath) and the
 * compilation of `rule` and `messageExpression`. Paths are those of the internal CRD type: when
 * every version has the same schema (always with one version) it is `spec.validation.openAPIV3Schema`,
 * otherwise `spec.versions[i].schema.openAPIV3Schema`; below it `properties[name]`, `items`,
 * `additionalProperties`, `allOf[i]`, then `x-kubernetes-validations[i].rule` (…`.message`,
 * `.messageExpression`, `.reason`, `.fieldPath`, `.optionalOldSelf`).
 */
import type { StatusCause } from '../api/index.ts';
import { deepEqual, isPlainObject } from '../internal/json.ts';
import { compileRule, rulesOf } from './compile.ts';
import type { ValidationRule } from './compile.ts';
import { additionalOf, itemsOf, properties } from './values.ts';
import type { SchemaNode } from './values.ts';

const SUPPORTED_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
const NEWLINE = /[\n\r]/;

/** Go's `%#v` of the internal apiextensions.ValidationRule (pointer fields show a placeholder address). */
export function goValidationRule(r: ValidationRule): string {
  const q = (s: string | undefined) => JSON.stringify(s ?? '');
  const reason = r.reason === undefined ? '(*apiextensions.FieldValueErrorReason)(nil)' : '(*apiextensions.FieldValueErrorReason)(0xc000000000)';
  const optional = r.optionalOldSelf === undefined ? '(*bool)(nil)' : '(*bool)(0xc000000001)';
  return `apiextensions.ValidationRule{Rule:${q(r.rule)}, Message:${q(r.message)}, MessageExpression:${q(r.messageExpression)}, Reason:${reason}, FieldPath:${q(r.fieldPath)}, OptionalOldSelf:${optional}}`;
}

/** Causes of the rules listed at `path` (a schema node or one of its allOf entries), typed by `schema`. */
function ruleCauses(rules: ValidationRule[], schema: SchemaNode, root: boolean, path: string, out: StatusCause[]): void {
  rules.forEach((r, i) => {
    const at = `${path}.x-kubernetes-validations[${i}]`;
    const rule = typeof r.rule === 'string' ? r.rule : '';
    const msg = typeof r.message === 'string' ? r.message : '';
    const before = out.length;
    if (rule.trim() === '') out.push({ reason: 'FieldValueRequired', message: 'Required value: rule is not specified', field: `${at}.rule` });
    else if (msg.length > 0 && msg.trim() === '') out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(msg)}: message must be non-empty if specified`, field: `${at}.message` });
    else if (msg.length > 2048) out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(msg.slice(0, 10) + '...')}: message must have a maximum length of 2048 characters`, field: `${at}.message` });
    else if (NEWLINE.test(msg.trim())) out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(msg)}: message must not contain line breaks`, field: `${at}.message` });
    else if (NEWLINE.test(rule.trim()) && msg.trim() === '') out.push({ reason: 'FieldValueRequired', message: 'Required value: message must be specified if rule contains line breaks', field: `${at}.message` });
    if (typeof r.messageExpression === 'string' && r.messageExpression.length > 0 && r.messageExpression.trim() === '')
      out.push({ reason: 'FieldValueRequired', message: 'Required value: messageExpression must be non-empty if specified', field: `${at}.messageExpression` });
    if (r.reason !== undefined && !SUPPORTED_REASONS.includes(r.reason))
      out.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(r.reason)}: supported values: ${SUPPORTED_REASONS.map((x) => JSON.stringify(x)).join(', ')}`, field: `${at}.reason` });
    const compiled = rule.trim() === '' ? undefined : compileRule(r, schema, root);
    if (typeof r.fieldPath === 'string' && r.fieldPath.length > 0) {
      const fp = JSON.stringify(r.fieldPath);
      if (r.fieldPath.trim() === '') out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${fp}: fieldPath must be non-empty if specified`, field: `${at}.fieldPath` });
      if (NEWLINE.test(r.fieldPath)) out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${fp}: fieldPath must not contain line breaks`, field: `${at}.fieldPath` });
      if (compiled?.fieldPathError) out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${fp}: fieldPath must be a valid path`, field: `${at}.fieldPath` });
    }
    if (!compiled || out.length > before) return;
    if (compiled.error) out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${goValidationRule(r)}: ${compiled.error}`, field: `${at}.rule` });
    if (compiled.messageError) out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${goValidationRule(r)}: ${compiled.messageError}`, field: `${at}.messageExpression` });
    if (!compiled.error && !compiled.usesOldSelf && r.optionalOldSelf !== undefined)
      out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${String(r.optionalOldSelf)}: may not be set if oldSelf is not used in rule`, field: `${at}.optionalOldSelf` });
  });
}

function nodeCauses(schema: SchemaNode, root: boolean, path: string, out: StatusCause[]): void {
  ruleCauses(rulesOf(schema), schema, root, path, out);
  if (Array.isArray(schema.allOf)) schema.allOf.forEach((s, i) => isPlainObject(s) && ruleCauses(rulesOf(s), schema, root, `${path}.allOf[${i}]`, out));
  for (const [name, sub] of Object.entries(properties(schema))) {
    if (isPlainObject(sub)) nodeCauses(sub, sub['x-kubernetes-embedded-resource'] === true, `${path}.properties[${name}]`, out);
  }
  const items = itemsOf(schema);
  if (items) nodeCauses(items, items['x-kubernetes-embedded-resource'] === true, `${path}.items`, out);
  const addl = additionalOf(schema);
  if (addl) nodeCauses(addl, addl['x-kubernetes-embedded-resource'] === true, `${path}.additionalProperties`, out);
}

/**
 * 422 causes for the `x-kubernetes-validations` of a CRD's versions (`spec.versions[*].schema.openAPIV3Schema`):
 * static rule checks and compile errors, each at its upstream field path. Empty when all compile.
 */
export function crdValidationRuleCauses(versions: readonly { schema?: { openAPIV3Schema?: SchemaNode } }[]): StatusCause[] {
  const schemas = versions.map((v) => v.schema?.openAPIV3Schema);
  if (!schemas.some((s) => s !== undefined && JSON.stringify(s).includes('"x-kubernetes-validations"'))) return [];
  const out: StatusCause[] = [];
  if (schemas.every((s) => deepEqual(s, schemas[0]))) {
    if (schemas[0]) nodeCauses(schemas[0], true, 'spec.validation.openAPIV3Schema', out);
  } else schemas.forEach((s, i) => s && nodeCauses(s, true, `spec.versions[${i}].schema.openAPIV3Schema`, out));
  return out;
}
