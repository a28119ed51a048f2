/**
 * Compilation of a structural schema's `x-kubernetes-validations` into a tree of CEL programs
 * (apiextensions-apiserver schema/cel compilation.go and `NewValidator`): each rule is parsed,
 * checked ({@link checkExpr}) and planned once; the tree keeps only the schema nodes that carry
 * rules or lead to one, and is `undefined` when the schema has none, so a CRD without rules costs
 * nothing at admission. Trees are cached by schema object identity and by the schema's JSON text
 * (one compilation per CRD version per process, however often the schema object is rebuilt).
 */
import { celEnv, parse, plan } from '@bufbuild/cel';
import type { CelInput, CelResult } from '@bufbuild/cel';
import { isPlainObject } from '../internal/json.ts';
import { checkExpr, referencesIdent } from './check.ts';
import type { CheckIssue, Expr } from './check.ts';
import { normalizeRuleFieldPath } from './field-path.ts';
import { kubernetesLibrary, unimplementedFunctionNames } from './library.ts';
import { additionalOf, itemsOf, properties } from './values.ts';
import type { SchemaNode } from './values.ts';

/** One entry of `x-kubernetes-validations` (apiextensions.k8s.io/v1 ValidationRule). */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/** A CEL program: variables → result or CelError. */
export type CelProgram = (bindings: Record<string, CelInput>) => CelResult;

/** A compiled rule. `error` / `messageError` hold the upstream compile detail when compilation failed. */
export interface CompiledRule {
  readonly rule: ValidationRule;
  readonly program?: CelProgram;
  readonly messageProgram?: CelProgram;
  /** The rule references `oldSelf` (a transition rule). */
  readonly usesOldSelf: boolean;
  /** `fieldPath` as Go prints it relative to the node (`spec.foo`), when set and valid. */
  readonly fieldPath?: string;
  readonly error?: string;
  readonly messageError?: string;
  readonly fieldPathError?: string;
}

/** A schema node with its compiled rules and the children that lead to more rules. */
export interface RuleNode {
  readonly schema: SchemaNode;
  /** A resource root or embedded resource (apiVersion, kind, metadata visible to rules). */
  readonly root: boolean;
  readonly rules: readonly CompiledRule[];
  readonly properties?: ReadonlyMap<string, RuleNode>;
  readonly items?: RuleNode;
  readonly additional?: RuleNode;
}

const env = celEnv({ funcs: [...kubernetesLibrary] });
const functionNames: ReadonlySet<string> = new Set([...[...env.funcs].map((f) => f.name), ...unimplementedFunctionNames]);

function snippet(source: string, offset: number): { line: number; column: number; text: string } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = source.indexOf('\n', offset);
  return { line, column: offset - lineStart, text: source.slice(lineStart, lineEnd < 0 ? undefined : lineEnd) };
}

/** cel-go's issue text: `ERROR: <input>:L:C: msg` then the source line and a caret under the column. */
export function formatIssue(source: string, issue: CheckIssue): string {
  const { line, column, text } = snippet(source, issue.offset);
  return `ERROR: <input>:${line}:${column + 1}: ${issue.message}\n | ${text}\n | ${'.'.repeat(column)}^`;
}

function offsetOf(source: string, line: number, column: number): number {
  const lines = source.split('\n');
  return lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, column - 1);
}

/**
 * Parses, checks and plans one expression whose variables are described by `schema`.
 * @returns the program, whether it references `oldSelf`, or the compile error detail
 *   (`compilation failed: ERROR: <input>:1:6: …`, as cel-go words it).
 */
export function compileExpression(source: string, schema: SchemaNode, root: boolean, oldSelf: 'plain' | 'optional'): { program?: CelProgram; usesOldSelf: boolean; error?: string } {
  const p = parsed(source);
  if ('error' in p) return { usesOldSelf: false, error: p.error };
  const known = { schema, root };
  const issues = checkExpr(p.expr, { variables: { self: known, oldSelf: oldSelf === 'plain' ? known : undefined }, functions: functionNames }, p.positions, source);
  if (issues.length) return { usesOldSelf: p.usesOldSelf, error: `compilation failed: ${issues.map((i) => formatIssue(source, i)).join('\n')}` };
  return { program: p.program, usesOldSelf: p.usesOldSelf };
}

interface Parsed {
  expr: Expr;
  positions: Record<string, number>;
  usesOldSelf: boolean;
  program: CelProgram;
}

// Parsing (the generated PEG parser, ~7 ms a rule) and planning depend on the text alone: once per
// distinct expression per process, whichever CRD or World compiles it.
const parseCache = new Map<string, Parsed | { error: string }>();

function parsed(source: string): Parsed | { error: string } {
  let p = parseCache.get(source);
  if (p) return p;
  try {
    const ast = parse(source);
    const positions = Object.fromEntries(Object.entries(ast.sourceInfo?.positions ?? {}).map(([k, v]) => [k, Number(v)]));
    p = { expr: ast.expr, positions, usesOldSelf: referencesIdent(ast.expr, 'oldSelf'), program: plan(env, ast) as CelProgram };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /^<input>:(\d+):(\d+): (.*)$/s.exec(msg);
    const issue = m ? { message: `Syntax error: ${m[3]}`, offset: offsetOf(source, Number(m[1]), Number(m[2])) } : { message: `Syntax error: ${msg}`, offset: 0 };
    p = { error: `compilation failed: ${formatIssue(source, issue)}` };
  }
  parseCache.set(source, p);
  return p;
}

/** Compiles one rule scoped to `schema` (the node that carries it). */
export function compileRule(rule: ValidationRule, schema: SchemaNode, root: boolean): CompiledRule {
  const main = compileExpression(rule.rule ?? '', schema, root, rule.optionalOldSelf === true ? 'optional' : 'plain');
  let fieldPath: string | undefined;
  let fieldPathError: string | undefined;
  if (rule.fieldPath) {
    try {
      fieldPath = normalizeRuleFieldPath(rule.fieldPath, schema);
    } catch (e) {
      fieldPathError = e instanceof Error ? e.message : String(e);
    }
  }
  let messageProgram: CelProgram | undefined;
  let messageError: string | undefined;
  if (rule.messageExpression && rule.messageExpression.trim()) {
    const msg = compileExpression(rule.messageExpression, schema, root, rule.optionalOldSelf === true ? 'optional' : 'plain');
    messageProgram = msg.program;
    if (msg.error) messageError = `messageExpression ${msg.error}`;
  }
  return {
    rule,
    usesOldSelf: main.usesOldSelf,
    ...(main.program ? { program: main.program } : {}),
    ...(main.error ? { error: main.error } : {}),
    ...(messageProgram ? { messageProgram } : {}),
    ...(messageError ? { messageError } : {}),
    ...(fieldPath !== undefined ? { fieldPath } : {}),
    ...(fieldPathError ? { fieldPathError } : {}),
  };
}

/** The `x-kubernetes-validations` entries of a node (non-objects dropped). */
export function rulesOf(schema: SchemaNode): ValidationRule[] {
  const list = schema['x-kubernetes-validations'];
  return Array.isArray(list) ? (list.filter(isPlainObject) as unknown as ValidationRule[]) : [];
}

function build(schema: SchemaNode, root: boolean): RuleNode | undefined {
  const own = [schema, ...(Array.isArray(schema.allOf) ? (schema.allOf.filter(isPlainObject) as SchemaNode[]) : [])].flatMap(rulesOf);
  const rules = own.map((r) => compileRule(r, schema, root));
  const props = new Map<string, RuleNode>();
  for (const [name, sub] of Object.entries(properties(schema))) {
    if (root && name === 'metadata') continue;
    if (!isPlainObject(sub)) continue;
    const n = build(sub, sub['x-kubernetes-embedded-resource'] === true);
    if (n) props.set(name, n);
  }
  const itemSchema = itemsOf(schema);
  const items = itemSchema ? build(itemSchema, itemSchema['x-kubernetes-embedded-resource'] === true) : undefined;
  const addlSchema = additionalOf(schema);
  const additional = addlSchema ? build(addlSchema, addlSchema['x-kubernetes-embedded-resource'] === true) : undefined;
  if (rules.length === 0 && props.size === 0 && !items && !additional) return undefined;
  return { schema, root, rules, ...(props.size ? { properties: props } : {}), ...(items ? { items } : {}), ...(additional ? { additional } : {}) };
}

const NONE = Symbol('no rules');
const byIdentity = new WeakMap<object, RuleNode | typeof NONE>();
const bySource = new Map<string, RuleNode | typeof NONE>();

/**
 * The compiled rule tree of a CRD version's `openAPIV3Schema` (cached), or `undefined` when the
 * schema has no `x-kubernetes-validations` anywhere. Compile errors are kept on the rules (the
 * CRD's own admission reports them, see {@link crdRuleCauses}); never throws.
 */
export function compileRules(schema: SchemaNode): RuleNode | undefined {
  let t = byIdentity.get(schema);
  if (t === undefined) {
    const source = JSON.stringify(schema);
    if (!source.includes('"x-kubernetes-validations"')) t = NONE;
    else {
      t = bySource.get(source);
      if (t === undefined) {
        t = build(schema, true) ?? NONE;
        bySource.set(source, t);
      }
    }
    byIdentity.set(schema, t);
  }
  return t === NONE ? undefined : t;
}
