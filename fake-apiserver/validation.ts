/**
 * Custom resource admission against a CRD version's `openAPIV3Schema` (Kubernetes API concepts:
 * CustomResourceDefinitions — structural schema, pruning, defaulting, validation;
 * anchors-apiserver.md §3.19): unknown fields are pruned, schema `default`s are applied, then the
 * object is validated with ajv and every error becomes a 422 cause with a dotted field path.
 *
 * Only the root's `apiVersion`, `kind` and `metadata` escape pruning and validation (metadata is
 * checked by the generic ObjectMeta rules instead). `x-kubernetes-*` keywords are ignored except
 * `x-kubernetes-preserve-unknown-fields` (pruning), `x-kubernetes-int-or-string` (integer or
 * string), `x-kubernetes-embedded-resource` (keeps apiVersion/kind/metadata of the embedded object)
 * and `x-kubernetes-validations` (CEL rules, evaluated by `./cel/` after the schema checks).
 */
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import type { StatusCause } from './api/index.ts';
import { celAdmissionCauses, compileRules } from './cel/index.ts';
import { isPlainObject } from './internal/json.ts';
import type { JsonObject } from './internal/json.ts';

/** An OpenAPI v3 schema node as written in a CRD (loosely typed: any JSON object). */
export type OpenApiSchema = JsonObject;

/**
 * Prunes, defaults and validates `obj` in place (it must be a mutable copy), then evaluates the
 * schema's `x-kubernetes-validations` (CEL, `./cel/`) with `old` the stored object on update.
 * Returns the validation causes (empty when valid). When `pruned` is given, the path of every field
 * dropped by pruning is appended to it (`spec.replicass`, `spec.ports[1].nmae`), in document order.
 */
export type SchemaValidator = (obj: JsonObject, pruned?: string[], old?: JsonObject) => StatusCause[];

// No optimisation passes over the generated code: the same checks, compiled in about two thirds of the time (each CRD schema compiles once per process, and a run compiles a dozen large ones).
const ajv = new Ajv({ code: { optimize: false }, strict: false, allErrors: true, useDefaults: true, verbose: true, logger: false, validateSchema: false });
// Formats the Kubernetes schema validator checks; any other format name is accepted unchecked.
const formats: Record<string, RegExp | true> = {
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  uuid: /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/,
  ipv4: /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  hostname: /^(?=.{1,253}$)[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/,
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  duration: /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^0$/,
};
for (const [name, re] of Object.entries(formats)) ajv.addFormat(name, re);
for (const name of ['int32', 'int64', 'float', 'double', 'password', 'uri', 'ipv6', 'cidr', 'mac', 'quantity', 'int-or-string', 'binary']) ajv.addFormat(name, true);

const cache = new WeakMap<object, SchemaValidator>();
const bySource = new Map<string, SchemaValidator>();

/**
 * Returns the (cached) validator of a CRD version's `openAPIV3Schema`. Cached by object identity
 * and by the schema's JSON text, so each distinct schema compiles once per process.
 * @throws Error from ajv when the schema cannot compile (e.g. an invalid `pattern`).
 */
export function compileSchema(schema: OpenApiSchema): SchemaValidator {
  let v = cache.get(schema);
  if (v) return v;
  const source = JSON.stringify(schema);
  v = bySource.get(source);
  if (!v) {
    const validate = ajv.compile(toJsonSchema(schema, true));
    const rules = compileRules(schema);
    v = (obj, pruned, old) => {
      pruneUnknownFields(obj, schema, true, pruned);
      const metadata = obj.metadata;
      delete obj.metadata;
      let causes: StatusCause[];
      try {
        causes = validate(obj) ? [] : ajvErrorsToCauses(validate.errors ?? [], obj);
      } finally {
        if (metadata !== undefined) obj.metadata = metadata;
      }
      return rules ? [...causes, ...celAdmissionCauses(rules, causes, obj, old)] : causes;
    };
    bySource.set(source, v);
  }
  cache.set(schema, v);
  return v;
}

/**
 * Converts a Kubernetes OpenAPI v3 schema node into plain JSON Schema for ajv: `nullable` becomes a
 * `null` type (and enum member), `x-kubernetes-int-or-string` becomes `["integer","string"]`, other
 * `x-kubernetes-*` keys are dropped; at the root, `metadata` is taken out of `properties`/`required`.
 */
export function toJsonSchema(node: OpenApiSchema, root = false): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-kubernetes-') || k === 'nullable') continue;
    if (k === 'properties' && isPlainObject(v)) {
      const props: JsonObject = {};
      for (const [pk, pv] of Object.entries(v)) {
        if (root && pk === 'metadata') continue;
        if (isPlainObject(pv)) props[pk] = toJsonSchema(pv);
      }
      out.properties = props;
    } else if ((k === 'additionalProperties' || k === 'not') && isPlainObject(v)) out[k] = toJsonSchema(v);
    else if (k === 'items') out.items = Array.isArray(v) ? v.map((x) => toJsonSchema(x as JsonObject)) : isPlainObject(v) ? toJsonSchema(v) : v;
    else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) out[k] = v.map((x) => toJsonSchema(x as JsonObject));
    else if (k === 'required' && root && Array.isArray(v)) out.required = v.filter((x) => x !== 'metadata');
    else out[k] = v;
  }
  if (node['x-kubernetes-int-or-string'] === true && out.type === undefined) out.type = ['integer', 'string'];
  if (node.nullable === true && out.type !== undefined) {
    const types = Array.isArray(out.type) ? [...(out.type as unknown[])] : [out.type];
    if (!types.includes('null')) types.push('null');
    out.type = types;
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

/**
 * Removes, in place, every field of `value` the schema does not declare (structural pruning).
 * Kept: fields under `x-kubernetes-preserve-unknown-fields: true` nodes (declared properties below
 * them are still pruned recursively), map values under `additionalProperties`, and at the root (or
 * under `x-kubernetes-embedded-resource`) `apiVersion`, `kind`, `metadata`. A `null` in a
 * non-nullable field that has a `default` is removed so the default applies. The path of each
 * dropped field (from the root, dotted, `[i]` for list items) is appended to `pruned` when given.
 */
export function pruneUnknownFields(value: unknown, schema: OpenApiSchema | undefined, root = false, pruned?: string[], path = ''): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = schema.items;
    if (isPlainObject(items)) value.forEach((x, i) => pruneUnknownFields(x, items, false, pruned, `${path}[${i}]`));
    return;
  }
  if (!isPlainObject(value)) return;
  const props = isPlainObject(schema.properties) ? schema.properties : undefined;
  const addl = schema.additionalProperties;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const keepMeta = root || schema['x-kubernetes-embedded-resource'] === true;
  if (!props && !isPlainObject(addl) && preserve) return;
  for (const k of Object.keys(value)) {
    if (keepMeta && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
    const sub = props && isPlainObject(props[k]) ? (props[k] as OpenApiSchema) : isPlainObject(addl) ? (addl as OpenApiSchema) : undefined;
    const at = path ? `${path}.${k}` : k;
    if (sub) {
      if (value[k] === null && sub.nullable !== true && sub.default !== undefined) delete value[k];
      else pruneUnknownFields(value[k], sub, false, pruned, at);
    } else if (!(preserve || addl === true)) {
      delete value[k];
      pruned?.push(at);
    }
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** Dotted field path for a JSON pointer into `data`: map keys as segments, array indexes as `[i]`. */
export function fieldPath(pointer: string, data: unknown): string {
  if (pointer === '') return '';
  let out = '';
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      out += `[${seg}]`;
      cur = cur[Number(seg)];
    } else {
      out += out === '' ? seg : `.${seg}`;
      cur = isPlainObject(cur) ? cur[seg] : undefined;
    }
  }
  return out;
}

/**
 * Converts ajv errors into Kubernetes causes (upstream wording of the CRD validator):
 * `required` → FieldValueRequired `Required value`; `type` → FieldValueTypeInvalid;
 * `enum` → FieldValueNotSupported `Unsupported value: "x": supported values: "a", "b"`;
 * `maxLength` → FieldValueTooLong; `maxItems` → FieldValueTooMany; everything else → FieldValueInvalid.
 * Errors inside `anyOf`/`oneOf` branches are folded into the combinator's own error.
 */
export function ajvErrorsToCauses(errors: readonly ErrorObject[], data: unknown): StatusCause[] {
  const out: StatusCause[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (/\/(anyOf|oneOf)\/\d+\//.test(e.schemaPath)) continue;
    let field = fieldPath(e.instancePath, data);
    const at = field || '<root>';
    const v = e.data;
    const p = e.params as Record<string, unknown>;
    let reason = 'FieldValueInvalid';
    let message: string;
    switch (e.keyword) {
      case 'required':
        field = field ? `${field}.${String(p.missingProperty)}` : String(p.missingProperty);
        reason = 'FieldValueRequired';
        message = 'Required value';
        break;
      case 'type': {
        const t = Array.isArray(p.type) ? (p.type as string[]).filter((x) => x !== 'null').join(' or ') : String(p.type).split(',').filter((x) => x !== 'null').join(' or ');
        reason = 'FieldValueTypeInvalid';
        message = `Invalid value: "${typeName(v)}": ${at} in body must be of type ${t}: "${typeName(v)}"`;
        break;
      }
      case 'enum':
        reason = 'FieldValueNotSupported';
        message = `Unsupported value: ${show(v)}: supported values: ${((p.allowedValues as unknown[]) ?? []).map(show).join(', ')}`;
        break;
      case 'pattern':
        message = `Invalid value: ${show(v)}: ${at} in body should match '${String(p.pattern)}'`;
        break;
      case 'format':
        message = `Invalid value: ${show(v)}: ${at} in body must be of type ${String(p.format)}: ${show(v)}`;
        break;
      case 'minimum':
      case 'exclusiveMinimum':
        message = `Invalid value: ${show(v)}: ${at} in body should be greater than ${e.keyword === 'minimum' ? 'or equal to ' : ''}${String(p.limit)}`;
        break;
      case 'maximum':
      case 'exclusiveMaximum':
        message = `Invalid value: ${show(v)}: ${at} in body should be less than ${e.keyword === 'maximum' ? 'or equal to ' : ''}${String(p.limit)}`;
        break;
      case 'minLength':
        message = `Invalid value: ${show(v)}: ${at} in body should be at least ${String(p.limit)} chars long`;
        break;
      case 'maxLength':
        reason = 'FieldValueTooLong';
        message = `Too long: may not be more than ${String(p.limit)} bytes`;
        break;
      case 'minItems':
        message = `Invalid value: ${Array.isArray(v) ? v.length : show(v)}: ${at} in body should have at least ${String(p.limit)} items`;
        break;
      case 'maxItems':
        reason = 'FieldValueTooMany';
        message = `Too many: ${Array.isArray(v) ? v.length : show(v)}: must have at most ${String(p.limit)} items`;
        break;
      case 'uniqueItems':
        reason = 'FieldValueDuplicate';
        message = `Duplicate value: ${show(Array.isArray(v) ? v[Number(p.i)] : v)}`;
        break;
      case 'minProperties':
        message = `Invalid value: ${show(v)}: ${at} in body should have at least ${String(p.limit)} properties`;
        break;
      case 'maxProperties':
        reason = 'FieldValueTooMany';
        message = `Too many: ${isPlainObject(v) ? Object.keys(v).length : show(v)}: must have at most ${String(p.limit)} items`;
        break;
      case 'multipleOf':
        message = `Invalid value: ${show(v)}: ${at} in body should be a multiple of ${String(p.multipleOf)}`;
        break;
      default:
        message = `Invalid value: ${show(v)}: ${at} in body ${e.message ?? 'is invalid'}`;
    }
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(field ? { reason, message, field } : { reason, message });
  }
  return out;
}
