/**
 * The part of cel-go's type check that CRD authors meet at CRD create / update time, done over the
 * parsed expression (@bufbuild/cel parses and evaluates but exports no checker): references to
 * identifiers and functions the environment does not declare (`undeclared reference to 'x'
 * (in container '')`) and selection of fields a structural object does not declare
 * (`undefined field 'x'`). Types follow the schema from `self` / `oldSelf` through field
 * selection, indexing and macro iteration variables; anything the schema leaves open is `dyn`
 * and unchecked. Overload resolution and result types are not checked (see README, Not modelled).
 */
import type { parse } from '@bufbuild/cel';
import { escapePropertyName, additionalOf, isResourceNode, itemsOf, properties } from './values.ts';
import type { SchemaNode } from './values.ts';

/** A parsed CEL expression node (the protobuf `cel.expr.Expr` @bufbuild/cel's parser yields). */
export type Expr = ReturnType<typeof parse>['expr'];

/** One check error: message and 0-based offset into the expression text. */
export interface CheckIssue {
  message: string;
  offset: number;
}

/** What the checker knows about an expression's value: a schema node (with resource-root flag) or nothing. */
type Known = { schema: SchemaNode; root: boolean } | undefined;

const TYPE_IDENTS = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn']);
const OBJECT_META: SchemaNode = { type: 'object', properties: { name: { type: 'string' }, generateName: { type: 'string' } } };

/** The variables a rule sees and the functions the environment declares. */
export interface CheckEnv {
  /** Variables by name (`self`, `oldSelf`) and what their values are. */
  variables: Record<string, Known>;
  /** Function and method names the environment declares (std + Kubernetes libraries). */
  functions: ReadonlySet<string>;
}

const isOperator = (fn: string) => /^[_@!]/.test(fn);

function qualifiedName(e: Expr | undefined): string | undefined {
  if (!e) return undefined;
  if (e.exprKind.case === 'identExpr') return e.exprKind.value.name;
  if (e.exprKind.case === 'selectExpr' && !e.exprKind.value.testOnly) {
    const q = qualifiedName(e.exprKind.value.operand);
    return q === undefined ? undefined : `${q}.${e.exprKind.value.field}`;
  }
  return undefined;
}

function selectField(k: Known, field: string): { known: Known; undefinedField: boolean } {
  if (!k) return { known: undefined, undefinedField: false };
  const { schema, root } = k;
  const addl = additionalOf(schema);
  if (addl) return { known: { schema: addl, root: addl['x-kubernetes-embedded-resource'] === true }, undefinedField: false };
  const resource = isResourceNode(schema, root);
  if (resource && (field === 'apiVersion' || field === 'kind')) return { known: { schema: { type: 'string' }, root: false }, undefinedField: false };
  if (resource && field === 'metadata') return { known: { schema: OBJECT_META, root: false }, undefinedField: false };
  if (!schema.properties) return { known: undefined, undefinedField: false };
  for (const [name, sub] of Object.entries(properties(schema))) {
    if (escapePropertyName(name) === field) return { known: { schema: sub, root: sub['x-kubernetes-embedded-resource'] === true }, undefinedField: false };
  }
  return { known: undefined, undefinedField: true };
}

/**
 * Checks a parsed expression; returns the issues in source order of discovery (empty when fine).
 * `positions` maps expression ids to 0-based offsets (the parse's source info); `source` is the
 * expression text (to place call issues at their `(` as cel-go does).
 */
export function checkExpr(root: Expr, env: CheckEnv, positions: Record<string, number>, source = ''): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const at = (e: Expr) => positions[String(e.id)] ?? 0;
  // cel-go locates a call at its opening parenthesis.
  const callAt = (e: Expr, fn: string) => {
    const i = source.indexOf(`${fn}(`, at(e));
    return i < 0 ? at(e) : i + fn.length;
  };

  const visit = (e: Expr | undefined, scope: Map<string, Known>): Known => {
    if (!e) return undefined;
    const kind = e.exprKind;
    switch (kind.case) {
      case 'identExpr': {
        const name = kind.value.name;
        if (scope.has(name)) return scope.get(name);
        if (!TYPE_IDENTS.has(name)) issues.push({ message: `undeclared reference to '${name}' (in container '')`, offset: at(e) });
        return undefined;
      }
      case 'selectExpr': {
        const q = qualifiedName(e);
        if (q !== undefined && env.functions.has(q)) return undefined;
        const operand = visit(kind.value.operand, scope);
        const r = selectField(operand, kind.value.field);
        if (r.undefinedField) issues.push({ message: `undefined field '${kind.value.field}'`, offset: at(e) });
        return r.known;
      }
      case 'callExpr': {
        const { function: fn, target, args } = kind.value;
        const qualified = target ? qualifiedName(target) : undefined;
        const knownFn = isOperator(fn) || env.functions.has(fn) || (qualified !== undefined && env.functions.has(`${qualified}.${fn}`));
        if (!knownFn) issues.push({ message: `undeclared reference to '${fn}' (in container '')`, offset: callAt(e, fn) });
        if (target && !(qualified !== undefined && env.functions.has(`${qualified}.${fn}`))) visit(target, scope);
        const argTypes = args.map((a) => visit(a, scope));
        if (fn === '_[_]' && argTypes[0]) {
          const { schema } = argTypes[0];
          const sub = itemsOf(schema) ?? additionalOf(schema);
          return sub ? { schema: sub, root: sub['x-kubernetes-embedded-resource'] === true } : undefined;
        }
        return undefined;
      }
      case 'listExpr':
        for (const x of kind.value.elements) visit(x, scope);
        return undefined;
      case 'structExpr':
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === 'mapKey') visit(entry.keyKind.value, scope);
          visit(entry.value, scope);
        }
        return undefined;
      case 'comprehensionExpr': {
        const c = kind.value;
        const range = visit(c.iterRange, scope);
        visit(c.accuInit, scope);
        const inner = new Map(scope);
        const items = range ? itemsOf(range.schema) : undefined;
        inner.set(c.iterVar, items ? { schema: items, root: items['x-kubernetes-embedded-resource'] === true } : undefined);
        if (c.iterVar2) inner.set(c.iterVar2, undefined);
        inner.set(c.accuVar, undefined);
        visit(c.loopCondition, inner);
        visit(c.loopStep, inner);
        const resultScope = new Map(scope);
        resultScope.set(c.accuVar, undefined);
        visit(c.result, resultScope);
        return undefined;
      }
      default:
        return undefined;
    }
  };
  visit(root, new Map(Object.entries(env.variables)));
  return issues;
}

/** True when the expression references the identifier `name` anywhere (e.g. `oldSelf`: a transition rule). */
export function referencesIdent(root: Expr, name: string): boolean {
  let found = false;
  const visit = (e: Expr | undefined): void => {
    if (!e || found) return;
    const k = e.exprKind;
    switch (k.case) {
      case 'identExpr':
        if (k.value.name === name) found = true;
        return;
      case 'selectExpr':
        return visit(k.value.operand);
      case 'callExpr':
        visit(k.value.target);
        return k.value.args.forEach(visit);
      case 'listExpr':
        return k.value.elements.forEach(visit);
      case 'structExpr':
        return k.value.entries.forEach((en) => {
          if (en.keyKind.case === 'mapKey') visit(en.keyKind.value);
          visit(en.value);
        });
      case 'comprehensionExpr':
        [k.value.iterRange, k.value.accuInit, k.value.loopCondition, k.value.loopStep, k.value.result].forEach(visit);
        return;
      default:
        return;
    }
  };
  visit(root);
  return found;
}
