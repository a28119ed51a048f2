/**
 * Numeric types and formats of the built-in schemas (`integer` int32 / int64, `number` double),
 * which kubernetes-models' declaration files flatten to `number`. They are read from the package's
 * compiled validators (`kubernetes-models/_schemas/<Kind>`, generated from the same upstream
 * spec) by probing: each kind's validator is run once on an instance carrying `0.5` in every
 * numeric field; an integer field answers with a `type: integer` error and, for int32 / int64, a
 * `format` error naming the format; a field without error is a `number` (float64 in Go, which
 * upstream publishes as `format: double`). Asynchronous (the validators are ES modules); the HTTP
 * front awaits it before it serves (`../http/openapi.ts`).
 */
import type { BuiltinSchemas, JsonSchema } from './builtin.ts';

/** What a numeric property (or its list items, `field[]`) turned out to be. */
export interface NumericType {
  type: 'integer' | 'number';
  format: 'int32' | 'int64' | 'double' | undefined;
}

/** Component name → property (`field`, or `field[]` for list items) → numeric type. */
export type NumericTypes = Map<string, Map<string, NumericType>>;

type Validator = ((data: unknown) => boolean) & { errors?: { instancePath: string; keyword: string; params: Record<string, unknown> }[] | null };

const refOf = (s: JsonSchema): string | undefined => {
  const r = (s.$ref as string | undefined) ?? ((s.allOf as JsonSchema[] | undefined)?.[0]?.$ref as string | undefined);
  return r?.slice(r.lastIndexOf('/') + 1);
};

/**
 * Probes every component reachable from the served kinds, each once.
 * @throws Error when a kind's compiled validator cannot be imported (kubernetes-models missing or reshaped).
 */
export async function probeNumericTypes(schemas: BuiltinSchemas): Promise<NumericTypes> {
  const out: NumericTypes = new Map();
  const done = new Set<string>();
  for (const root of new Set(schemas.kinds.values())) {
    const exportName = schemas.exportNames.get(root);
    if (!exportName) continue;
    const { validate } = (await import(`kubernetes-models/_schemas/${exportName}`)) as { validate: Validator };
    // instancePath → the (component, property) whose numeric value sits there.
    const probes = new Map<string, [string, string]>();
    const onStack = new Set<string>();
    const build = (component: string, path: string): Record<string, unknown> => {
      onStack.add(component);
      const inst: Record<string, unknown> = {};
      for (const [field, prop] of Object.entries((schemas.components[component]?.properties ?? {}) as Record<string, JsonSchema>)) {
        const v = value(prop, `${path}/${field}`, component, field);
        if (v !== undefined) inst[field] = v;
      }
      onStack.delete(component);
      done.add(component);
      return inst;
    };
    const value = (prop: JsonSchema, path: string, component: string, field: string): unknown => {
      const ref = refOf(prop);
      if (ref) return done.has(ref) || onStack.has(ref) || !schemas.components[ref]?.properties ? undefined : build(ref, path);
      if (prop.type === 'integer') {
        probes.set(path, [component, field]);
        return 0.5;
      }
      if (prop.type === 'array' && prop.items) {
        const item = value(prop.items as JsonSchema, `${path}/0`, component, `${field}[]`);
        return item === undefined ? undefined : [item];
      }
      if (prop.type === 'object' && prop.additionalProperties && typeof prop.additionalProperties === 'object') {
        const item = value(prop.additionalProperties as JsonSchema, `${path}/k`, component, `${field}{}`);
        return item === undefined ? undefined : { k: item };
      }
      return undefined;
    };
    const instance = build(root, '');
    validate(instance);
    const found = new Map<string, NumericType>();
    for (const path of probes.keys()) found.set(path, { type: 'number', format: 'double' });
    for (const e of validate.errors ?? []) {
      const t = found.get(e.instancePath);
      if (!t) continue;
      if (e.keyword === 'type' && e.params.type === 'integer') t.type = 'integer';
      if (e.keyword === 'format' && (e.params.format === 'int32' || e.params.format === 'int64')) t.format = e.params.format;
    }
    for (const [path, [component, field]] of probes) {
      const t = found.get(path)!;
      if (t.type === 'integer' && t.format === 'double') t.format = undefined;
      if (!out.has(component)) out.set(component, new Map());
      out.get(component)!.set(field, t);
    }
  }
  return out;
}

/** A copy of `components` whose numeric properties carry the probed type and format (frozen, as the input is). */
export function withNumericTypes(components: Record<string, JsonSchema>, types: NumericTypes): Record<string, JsonSchema> {
  const apply = (s: JsonSchema, t: NumericType | undefined): JsonSchema => (t ? { ...s, type: t.type, ...(t.format ? { format: t.format } : {}) } : s);
  const out: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(components)) {
    const fields = types.get(name);
    if (!fields) {
      out[name] = schema;
      continue;
    }
    const properties: Record<string, JsonSchema> = {};
    for (const [field, prop] of Object.entries(schema.properties as Record<string, JsonSchema>)) {
      let p = apply(prop, fields.get(field));
      if (p.items && fields.has(`${field}[]`)) p = { ...p, items: apply(p.items as JsonSchema, fields.get(`${field}[]`)) };
      if (p.additionalProperties && fields.has(`${field}{}`)) p = { ...p, additionalProperties: apply(p.additionalProperties as JsonSchema, fields.get(`${field}{}`)) };
      properties[field] = p;
    }
    out[name] = Object.freeze({ ...schema, properties: Object.freeze(properties) });
  }
  return Object.freeze(out);
}
