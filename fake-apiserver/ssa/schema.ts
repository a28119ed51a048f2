/**
 * The merge granularity of a kind (structured-merge-diff `schema`): which objects are structs
 * (named fields) or maps (free keys), which are atomic, and how lists merge
 * (`x-kubernetes-list-type` atomic | set | map with `x-kubernetes-list-map-keys`,
 * `x-kubernetes-map-type` granular | atomic). Custom resources take it from their CRD's
 * `openAPIV3Schema` ({@link typeFromCrdSchema}); built-ins from `builtin-types.ts`.
 */
import { isPlainObject } from '../internal/json.ts';
import type { JsonObject } from '../internal/json.ts';

/**
 * How values at one position merge. A JSON object is a struct whose `fields` are named, or a map
 * when `values` is set (keys not in `fields` take that type); a JSON array merges per `list`
 * (default atomic) with `items` as its element type. With neither `fields` nor `values` an
 * object's keys are treated as named fields of an undeclared struct (built-ins this table does not
 * describe), unless `strict`, where undeclared keys are outside the schema (pruned).
 */
export interface TypeNode {
  fields?: Readonly<Record<string, TypeNode>>;
  values?: TypeNode;
  items?: TypeNode;
  /** `x-kubernetes-list-type`; undefined = atomic. */
  list?: 'atomic' | 'set' | 'map';
  /** `x-kubernetes-list-map-keys`. */
  keys?: readonly string[];
  /** Defaults of key fields, used when an item omits one (e.g. container port `protocol: TCP`). */
  keyDefaults?: Readonly<Record<string, unknown>>;
  /** `x-kubernetes-map-type: atomic` / `+structType=atomic`: replaced and owned as a whole. */
  atomic?: boolean;
  /** Undeclared keys are outside the schema (a CRD struct without `x-kubernetes-preserve-unknown-fields`). */
  strict?: boolean;
}

/** An undeclared position of a built-in: objects are structs of undeclared fields, lists atomic. */
export const LENIENT: TypeNode = Object.freeze({});

/** Upstream's deduced type (`__untyped_deduced_`, `x-kubernetes-preserve-unknown-fields`): objects are maps, lists atomic. */
export const DEDUCED: TypeNode = { };
(DEDUCED as { values?: TypeNode }).values = DEDUCED;
Object.freeze(DEDUCED);

/** A scalar (string, number, boolean). */
export const SCALAR: TypeNode = Object.freeze({});

/** The type of key `k` of an object typed `t`; undefined when the key is outside a strict schema. */
export function fieldType(t: TypeNode, k: string): TypeNode | undefined {
  return t.fields?.[k] ?? t.values ?? (t.strict ? undefined : LENIENT);
}

/** True when key `k` is a named (struct) field of `t` rather than a map key. */
export function isNamedField(t: TypeNode, k: string): boolean {
  return t.fields?.[k] !== undefined || t.values === undefined;
}

/** `map[string]string` (labels, annotations, data, nodeSelector …). */
export const STRING_MAP: TypeNode = Object.freeze({ values: SCALAR });

/** ObjectMeta (k8s.io/apimachinery meta/v1 types.go list annotations: finalizers set, ownerReferences map by uid). */
export const OBJECT_META: TypeNode = Object.freeze<TypeNode>({
  fields: {
    labels: STRING_MAP,
    annotations: STRING_MAP,
    finalizers: { list: 'set' },
    ownerReferences: { list: 'map', keys: ['uid'], items: LENIENT },
    managedFields: { list: 'atomic' },
  },
});

/**
 * The type of a custom resource from its CRD version's `openAPIV3Schema` (apiextensions-apiserver
 * converts structural schemas the same way): `properties` → named fields, `additionalProperties` →
 * map values, `x-kubernetes-preserve-unknown-fields` → deduced values, `x-kubernetes-list-type` /
 * `-list-map-keys` (key defaults from the item schema's `default`), `x-kubernetes-map-type`;
 * `metadata` is ObjectMeta, `apiVersion`/`kind` scalars.
 */
export function typeFromCrdSchema(schema: unknown): TypeNode {
  const root = convert(isPlainObject(schema) ? schema : {});
  return { ...root, fields: { apiVersion: SCALAR, kind: SCALAR, ...root.fields, metadata: OBJECT_META } };
}

function convert(s: JsonObject): TypeNode {
  const out: { -readonly [K in keyof TypeNode]: TypeNode[K] } = {};
  const props = isPlainObject(s.properties) ? s.properties : undefined;
  if (props) out.fields = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, convert(isPlainObject(v) ? v : {})]));
  if (isPlainObject(s.additionalProperties)) out.values = convert(s.additionalProperties);
  else if (s['x-kubernetes-preserve-unknown-fields'] === true) out.values = DEDUCED;
  if (s['x-kubernetes-embedded-resource'] === true) out.fields = { apiVersion: SCALAR, kind: SCALAR, ...out.fields, metadata: OBJECT_META };
  if (s['x-kubernetes-map-type'] === 'atomic') out.atomic = true;
  if (isPlainObject(s.items)) out.items = convert(s.items);
  const lt = s['x-kubernetes-list-type'];
  if (lt === 'set' || lt === 'map' || lt === 'atomic') out.list = lt;
  if (Array.isArray(s['x-kubernetes-list-map-keys'])) {
    out.keys = (s['x-kubernetes-list-map-keys'] as unknown[]).filter((k): k is string => typeof k === 'string');
    const itemProps = isPlainObject(s.items) && isPlainObject(s.items.properties) ? s.items.properties : {};
    const defaults: JsonObject = {};
    for (const k of out.keys) {
      const p = itemProps[k];
      if (isPlainObject(p) && p.default !== undefined) defaults[k] = p.default;
    }
    if (Object.keys(defaults).length) out.keyDefaults = defaults;
  }
  if (s.type === 'object' || props || out.values) out.strict = out.values === undefined && !(s['x-kubernetes-preserve-unknown-fields'] === true);
  if (s['x-kubernetes-int-or-string'] === true || (s.type !== 'object' && s.type !== 'array' && !props && !out.values && !out.items)) return SCALAR;
  return out;
}
