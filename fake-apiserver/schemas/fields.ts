/**
 * Decoding of built-in kinds, as kube-apiserver's decoder does it: a built-in object is decoded into
 * its Go struct, so a field the type does not declare is dropped, and reported per the request's
 * `fieldValidation` (Kubernetes API concepts: field validation — `Strict`: 400 `strict decoding
 * error: unknown field "spec.replicass"`; `Warn`, the default: one warning per field; `Ignore`:
 * silently); and a value of the wrong JSON type fails the decode (encoding/json's
 * `UnmarshalTypeError`: `json: cannot unmarshal string into Go struct field
 * DeploymentSpec.spec.replicas of type int32`; `resource.Quantity`'s and `intstr.IntOrString`'s own
 * `UnmarshalJSON` errors, see `../strategies/quantity.ts`). The field tree of each kind is compiled
 * once from its upstream schema ({@link builtinSchemas}), so a check is one walk over the object's
 * own fields.
 */
import { quantityFormatError } from '../strategies/quantity.ts';
import type { BuiltinSchemas, JsonSchema } from './builtin.ts';

/** Go scalar types a JSON value decodes into. */
type Scalar = 'string' | 'bool' | 'int32' | 'int64' | 'quantity' | 'intstr';

/** A compiled node of a kind's field tree; `go` is the Go type as encoding/json names it (`v1.PodSpec`, `[]v1.Container`, `map[string]string`). */
type Shape =
  | { k: 'object'; props: Map<string, Shape>; go: string; struct: string }
  | { k: 'map'; values: Shape; go: string }
  | { k: 'array'; items: Shape; go: string }
  | { k: 'scalar'; t: Scalar; go: string }
  /** Free-form objects (FieldsV1, RawExtension, JSON) and scalars not type-checked (Time): nothing below is checked. */
  | { k: 'any' };

const ANY: Shape = { k: 'any' };

/**
 * The integer fields upstream declares `int64` (`<Go struct>.<json field>`); every other integer of
 * the served kinds is an `int32` (kubernetes-models' declaration files carry no formats; `formats.ts`
 * probes them asynchronously, too late for the write path).
 */
const INT64_FIELDS = new Set([
  'ObjectMeta.generation',
  'ObjectMeta.deletionGracePeriodSeconds',
  'PodSpec.activeDeadlineSeconds',
  'PodSpec.terminationGracePeriodSeconds',
  'Probe.terminationGracePeriodSeconds',
  'SecurityContext.runAsUser',
  'SecurityContext.runAsGroup',
  'PodSecurityContext.runAsUser',
  'PodSecurityContext.runAsGroup',
  'PodSecurityContext.fsGroup',
  'PodSecurityContext.supplementalGroups',
  'SleepAction.seconds',
  'ServiceAccountTokenProjection.expirationSeconds',
  'JobSpec.activeDeadlineSeconds',
  'CronJobSpec.startingDeadlineSeconds',
  'DeploymentStatus.observedGeneration',
  'ReplicaSetStatus.observedGeneration',
  'StatefulSetStatus.observedGeneration',
  'DaemonSetStatus.observedGeneration',
  'PodDisruptionBudgetStatus.observedGeneration',
  'HorizontalPodAutoscalerStatus.observedGeneration',
  'Condition.observedGeneration',
  'PodCondition.observedGeneration',
  'PodStatus.observedGeneration',
  'DeleteOptions.gracePeriodSeconds',
]);

/** Scalar components decoded by their own `UnmarshalJSON`. */
const SCALAR_COMPONENTS: Record<string, Shape> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { k: 'scalar', t: 'quantity', go: 'resource.Quantity' },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { k: 'scalar', t: 'intstr', go: 'intstr.IntOrString' },
};

/** `io.k8s.api.apps.v1.DeploymentSpec` → `v1.DeploymentSpec` (Go package name `v1`, type name). */
const goName = (component: string): string => component.split('.').slice(-2).join('.');

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
      const s = SCALAR_COMPONENTS[name] ?? (schema.type === 'object' && schema.additionalProperties ? this.node(schema, name) : ANY);
      this.byName.set(name, s);
      return s;
    }
    const props = new Map<string, Shape>();
    const struct = name.slice(name.lastIndexOf('.') + 1);
    const shape: Shape = { k: 'object', props, go: goName(name), struct };
    this.byName.set(name, shape);
    for (const [field, sub] of Object.entries(schema.properties as Record<string, JsonSchema>)) props.set(field, this.node(sub, `${struct}.${field}`));
    return shape;
  }

  /** The shape of a property; `field` (`<Go struct>.<json field>`) tells int32 from int64. */
  node(s: JsonSchema, field: string): Shape {
    const target = (s.$ref as string | undefined) ?? ((s.allOf as JsonSchema[] | undefined)?.[0]?.$ref as string | undefined);
    if (target) return this.component(target.slice(target.lastIndexOf('/') + 1));
    if (s.type === 'array' && s.items) {
      const items = this.node(s.items as JsonSchema, field);
      return items === ANY ? ANY : { k: 'array', items, go: `[]${goOf(items)}` };
    }
    if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') {
      const values = this.node(s.additionalProperties as JsonSchema, field);
      return values === ANY ? ANY : { k: 'map', values, go: `map[string]${goOf(values)}` };
    }
    if (s['x-kubernetes-int-or-string'] === true) return SCALAR_COMPONENTS['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
    if (s.type === 'string' && s.format === undefined) return STRING;
    if (s.type === 'boolean') return BOOL;
    if (s.type === 'integer') return INT64_FIELDS.has(field) ? INT64 : INT32;
    return ANY;
  }
}

const STRING: Shape = { k: 'scalar', t: 'string', go: 'string' };
const BOOL: Shape = { k: 'scalar', t: 'bool', go: 'bool' };
const INT32: Shape = { k: 'scalar', t: 'int32', go: 'int32' };
const INT64: Shape = { k: 'scalar', t: 'int64', go: 'int64' };
const goOf = (s: Shape): string => (s.k === 'any' ? 'interface {}' : s.go);

const compilers = new WeakMap<BuiltinSchemas, { compiler: ShapeCompiler; kinds: Map<string, Shape> }>();

/**
 * The field checker of one kind: removes, in place, every field `obj` carries that the kind's
 * upstream type does not declare, and returns their paths (`spec.replicass`,
 * `spec.template.spec.containers[0].imagee`), in document order. When `decodeErrors` is given, the
 * first value that would not decode into its Go type is appended to it, worded as the Go decoder
 * words it (`json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type
 * int32`; the quantity and int-or-string decoders' own errors). `undefined` when the kind has no
 * schema in `schemas`.
 */
export function unknownFieldPruner(
  schemas: BuiltinSchemas,
  group: string,
  version: string,
  kind: string,
): ((obj: Record<string, unknown>, decodeErrors?: string[]) => string[]) | undefined {
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
  return (obj, decodeErrors) => {
    const out: string[] = [];
    const ctx: Walk = { out, decodeError: undefined, struct: root.k === 'object' ? root.struct : '', fields: [] };
    prune(obj, root, [], ctx);
    if (ctx.decodeError !== undefined) decodeErrors?.push(ctx.decodeError);
    return out;
  };
}

/** One walk's findings: unknown field paths, the first decode error; the innermost Go struct entered and the struct fields on the way (the decoder's error context: no indices, no map keys). */
interface Walk {
  out: string[];
  decodeError: string | undefined;
  struct: string;
  fields: string[];
}

/** encoding/json's name of a JSON value's kind in an UnmarshalTypeError (`number 1.5` for a number that does not fit an integer). */
function jsonKind(v: unknown, integer: boolean): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return integer ? `number ${String(v)}` : 'number';
  return Array.isArray(v) ? 'array' : 'object';
}

/** The Go decoder's error for `v` in a field of `shape`, or undefined when it decodes (null always does). */
/** encoding/json's UnmarshalTypeError text for `v` in a field of `shape` (`integer`: the value is a number that does not fit). */
function typeErrorText(v: unknown, shape: Shape & { go: string }, ctx: Walk, integer = false): string {
  return `json: cannot unmarshal ${jsonKind(v, integer)} into Go struct field ${ctx.struct}.${ctx.fields.join('.')} of type ${shape.go}`;
}

function decodeError(v: unknown, shape: Shape, ctx: Walk): string | undefined {
  if (v === null || shape.k === 'any') return undefined;
  switch (shape.k) {
    case 'object':
    case 'map':
      return typeof v === 'object' && !Array.isArray(v) ? undefined : typeErrorText(v, shape, ctx);
    case 'array':
      return Array.isArray(v) ? undefined : typeErrorText(v, shape, ctx);
    case 'scalar':
      switch (shape.t) {
        case 'string':
          return typeof v === 'string' ? undefined : typeErrorText(v, shape, ctx);
        case 'bool':
          return typeof v === 'boolean' ? undefined : typeErrorText(v, shape, ctx);
        case 'int32':
        case 'int64': {
          if (typeof v !== 'number') return typeErrorText(v, shape, ctx);
          const bound = shape.t === 'int32' ? 2 ** 31 : 2 ** 63;
          return Number.isInteger(v) && v >= -bound && v < bound ? undefined : typeErrorText(v, shape, ctx, true);
        }
        case 'quantity':
          return quantityFormatError(v);
        case 'intstr':
          // IntOrString.UnmarshalJSON: a JSON string is the string form, anything else decodes (with the
          // standard library, so without field context) into the int32.
          if (typeof v === 'string') return undefined;
          if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return undefined;
          return `json: cannot unmarshal ${jsonKind(v, true)} into Go value of type int32`;
      }
  }
}

/** The dotted path of a segment stack (field names and item indices → `spec.containers[0].imagee`). */
const pathOf = (segs: readonly (string | number)[]): string => segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('');

/**
 * Checks one value against `shape` (its type, unless a decode error was already found), then walks
 * into it; `segs` is the path so far as a stack of field names, item indices and map keys.
 */
function visit(v: unknown, shape: Shape, segs: (string | number)[], ctx: Walk): void {
  // The common case, a string where a string belongs, decides without a call.
  if (shape === STRING && typeof v === 'string') return;
  if (ctx.decodeError === undefined && shape.k !== 'any') ctx.decodeError = decodeError(v, shape, ctx);
  if (shape.k === 'object' || shape.k === 'array' || shape.k === 'map') prune(v, shape, segs, ctx);
}

/** Walks `value` against `shape`; `segs` is the path so far as a stack of field names and item indices (joined only when a field is reported). */
function prune(value: unknown, shape: Shape, segs: (string | number)[], ctx: Walk): void {
  // Frozen values are shared with the stored object, which was checked when it was written.
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  switch (shape.k) {
    case 'array':
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          segs.push(i);
          visit(value[i], shape.items, segs, ctx);
          segs.pop();
        }
      }
      return;
    case 'map':
      if (!Array.isArray(value)) {
        for (const k in value) {
          segs.push(k);
          visit((value as Record<string, unknown>)[k], shape.values, segs, ctx);
          segs.pop();
        }
      }
      return;
    case 'object': {
      if (Array.isArray(value)) return;
      const rec = value as Record<string, unknown>;
      const outer = ctx.struct;
      ctx.struct = shape.struct;
      // Deleting the property being visited is safe in for-in (keys not visited yet are unaffected).
      for (const k in rec) {
        const sub = shape.props.get(k);
        if (!sub) {
          segs.push(k);
          ctx.out.push(pathOf(segs));
          segs.pop();
          delete rec[k];
        } else if (sub.k !== 'any') {
          segs.push(k);
          ctx.fields.push(k);
          visit(rec[k], sub, segs, ctx);
          ctx.fields.pop();
          segs.pop();
        }
      }
      ctx.struct = outer;
      return;
    }
    default:
  }
}
