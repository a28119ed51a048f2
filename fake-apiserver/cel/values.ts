/**
 * JSON values → CEL inputs, typed by the structural schema (apiextensions-apiserver
 * pkg/apiserver/schema/cel/values.go and model/schemas.go):
 * - `type: integer` → CEL int (bigint), `type: number` → double, `x-kubernetes-int-or-string` →
 *   int or string; where no schema types a value (`x-kubernetes-preserve-unknown-fields`), a JSON
 *   number is an int when integral, else a double (what Go's JSON decoding yields).
 * - Objects with `properties` expose only declared properties, named per the CEL escaping rules
 *   (`__` → `__underscores__`, `.` → `__dot__`, `-` → `__dash__`, `/` → `__slash__`, reserved words
 *   → `__word__`; names that stay invalid are not visible). Maps (`additionalProperties`) keep keys.
 * - At a resource root or an `x-kubernetes-embedded-resource`, `apiVersion`, `kind` and
 *   `metadata` (only `name` and `generateName`) are visible too.
 */
import { isPlainObject } from '../internal/json.ts';
import type { JsonObject } from '../internal/json.ts';
import type { CelInput } from '@bufbuild/cel';

/** An OpenAPI v3 schema node (loose JSON object). */
export type SchemaNode = JsonObject;

const RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return']);
const IDENT = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The CEL name of a property, or undefined when it cannot be escaped into an identifier. */
export function escapePropertyName(name: string): string | undefined {
  if (RESERVED.has(name)) return `__${name}__`;
  const escaped = name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
  return IDENT.test(escaped) ? escaped : undefined;
}

/** Declared properties of an object node (empty when none). */
export function properties(schema: SchemaNode | undefined): Record<string, SchemaNode> {
  return schema && isPlainObject(schema.properties) ? (schema.properties as Record<string, SchemaNode>) : {};
}

/** The `items` schema of an array node. */
export function itemsOf(schema: SchemaNode | undefined): SchemaNode | undefined {
  return schema && isPlainObject(schema.items) ? (schema.items as SchemaNode) : undefined;
}

/** The `additionalProperties` schema of a map node. */
export function additionalOf(schema: SchemaNode | undefined): SchemaNode | undefined {
  return schema && isPlainObject(schema.additionalProperties) ? (schema.additionalProperties as SchemaNode) : undefined;
}

/** True when the node is a resource root (`root`) or an embedded resource. */
export const isResourceNode = (schema: SchemaNode | undefined, root: boolean): boolean => root || schema?.['x-kubernetes-embedded-resource'] === true;

function untyped(value: unknown): CelInput {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(untyped);
  if (isPlainObject(value)) {
    const out: Record<string, CelInput> = {};
    for (const [k, v] of Object.entries(value)) out[k] = untyped(v);
    return out;
  }
  return value as CelInput;
}

/**
 * Converts a JSON value to the CEL input a rule sees, typed by `schema` (see the module doc).
 * `root` marks a resource root (apiVersion, kind, metadata.name / generateName visible).
 */
export function toCelValue(value: unknown, schema: SchemaNode | undefined, root = false): CelInput {
  if (value === null || value === undefined) return null;
  if (!schema) return untyped(value);
  if (typeof value === 'number') {
    if (schema.type === 'number') return value;
    return Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) {
    const items = itemsOf(schema);
    return value.map((x) => toCelValue(x, items));
  }
  if (!isPlainObject(value)) return value as CelInput;
  const props = properties(schema);
  const addl = additionalOf(schema);
  const resource = isResourceNode(schema, root);
  if (!schema.properties && !addl) {
    if (schema['x-kubernetes-preserve-unknown-fields'] === true || schema.type === undefined) {
      const all = untyped(value) as Record<string, CelInput>;
      return resource && 'metadata' in value ? { ...all, metadata: objectMeta(value.metadata) } : all;
    }
    if (!resource) return {};
  }
  if (addl) {
    const out = new Map<string, CelInput>();
    for (const [k, v] of Object.entries(value)) out.set(k, toCelValue(v, addl));
    return out;
  }
  const out: Record<string, CelInput> = {};
  for (const [k, v] of Object.entries(value)) {
    if (resource && (k === 'apiVersion' || k === 'kind')) out[k] = typeof v === 'string' ? v : untyped(v);
    else if (resource && k === 'metadata') out.metadata = objectMeta(v);
    else if (props[k]) {
      const name = escapePropertyName(k);
      if (name !== undefined) out[name] = toCelValue(v, props[k]);
    }
  }
  return out;
}

function objectMeta(v: unknown): CelInput {
  const out: Record<string, CelInput> = {};
  if (isPlainObject(v)) {
    if (typeof v.name === 'string') out.name = v.name;
    if (typeof v.generateName === 'string') out.generateName = v.generateName;
  }
  return out;
}
