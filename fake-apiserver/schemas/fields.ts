/**
 * Unknown-field detection for built-in kinds, as kube-apiserver's decoder does it: a built-in object
 * is decoded into its Go struct, so a field the type does not declare is dropped, and reported per
 * the request's `fieldValidation` (Kubernetes API concepts: field validation — `Strict`: 400
 * `strict decoding error: unknown field "spec.replicass"`; `Warn`, the default: one warning per
 * field; `Ignore`: silently). The field tree of each kind is compiled once from its upstream schema
 * ({@link builtinSchemas}), so a check is one walk over the object's own fields.
 */
import type { BuiltinSchemas, JsonSchema } from './builtin.ts';

/** A compiled node of a kind's field tree. */
type Shape =
  | { k: 'object'; props: Map<string, Shape> }
  | { k: 'map'; values: Shape }
  | { k: 'array'; items: Shape }
  /** Scalars and free-form objects (FieldsV1, RawExtension, JSON): nothing below is checked. */
  | { k: 'any' };

const ANY: Shape = { k: 'any' };

/** Compiles component schemas into shapes, sharing one shape per component (recursive types included). */
class ShapeCompiler {
  private readonly byName = new Map<string, Shape>();
  constructor(private readonly components: Record<string, JsonSchema>) {}

  component(name: string): Shape {
    const known = this.byName.get(name);
    if (known) return known;
    const schema = this.components[name];
    if (!schema) return ANY;
    if (schema.type !== 'object' || !schema.properties) {
      const s = schema.type === 'object' && schema.additionalProperties ? this.node(schema) : ANY;
      this.byName.set(name, s);
      return s;
    }
    const props = new Map<string, Shape>();
    const shape: Shape = { k: 'object', props };
    this.byName.set(name, shape);
    for (const [field, sub] of Object.entries(schema.properties as Record<string, JsonSchema>)) props.set(field, this.node(sub));
    return shape;
  }

  node(s: JsonSchema): Shape {
    const target = (s.$ref as string | undefined) ?? ((s.allOf as JsonSchema[] | undefined)?.[0]?.$ref as string | undefined);
    if (target) return this.component(target.slice(target.lastIndexOf('/') + 1));
    if (s.type === 'array' && s.items) {
      const items = this.node(s.items as JsonSchema);
      return items === ANY ? ANY : { k: 'array', items };
    }
    if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') {
      const values = this.node(s.additionalProperties as JsonSchema);
      return values === ANY ? ANY : { k: 'map', values };
    }
    return ANY;
  }
}

const compilers = new WeakMap<BuiltinSchemas, { compiler: ShapeCompiler; kinds: Map<string, Shape> }>();

/**
 * The field checker of one kind: removes, in place, every field `obj` carries that the kind's
 * upstream type does not declare, and returns their paths (`spec.replicass`,
 * `spec.template.spec.containers[0].imagee`), in document order. `undefined` when the kind has no
 * schema in `schemas`.
 */
export function unknownFieldPruner(schemas: BuiltinSchemas, group: string, version: string, kind: string): ((obj: Record<string, unknown>) => string[]) | undefined {
  let c = compilers.get(schemas);
  if (!c) compilers.set(schemas, (c = { compiler: new ShapeCompiler(schemas.components as Record<string, JsonSchema>), kinds: new Map() }));
  const key = `${group}/${version}/${kind}`;
  let shape = c.kinds.get(key);
  if (!shape) {
    const name = schemas.kinds.get(key);
    if (!name) return undefined;
    shape = c.compiler.component(name);
    c.kinds.set(key, shape);
  }
  const root = shape;
  return (obj) => {
    const out: string[] = [];
    prune(obj, root, [], out);
    return out;
  };
}

/** The dotted path of a segment stack (field names and item indices → `spec.containers[0].imagee`). */
const pathOf = (segs: readonly (string | number)[]): string => segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('');

/** Walks `value` against `shape`; `segs` is the path so far as a stack of field names and item indices (joined only when a field is reported). */
function prune(value: unknown, shape: Shape, segs: (string | number)[], out: string[]): void {
  // Frozen values are shared with the stored object, which was checked when it was written.
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  switch (shape.k) {
    case 'any':
      return;
    case 'array':
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          segs.push(i);
          prune(value[i], shape.items, segs, out);
          segs.pop();
        }
      }
      return;
    case 'map':
      if (!Array.isArray(value)) {
        for (const k in value) {
          segs.push(k);
          prune((value as Record<string, unknown>)[k], shape.values, segs, out);
          segs.pop();
        }
      }
      return;
    case 'object': {
      if (Array.isArray(value)) return;
      const rec = value as Record<string, unknown>;
      // Deleting the property being visited is safe in for-in (keys not visited yet are unaffected).
      for (const k in rec) {
        const sub = shape.props.get(k);
        if (!sub) {
          segs.push(k);
          out.push(pathOf(segs));
          segs.pop();
          delete rec[k];
        } else if (sub.k !== 'any') {
          segs.push(k);
          prune(rec[k], sub, segs, out);
          segs.pop();
        }
      }
    }
  }
}
