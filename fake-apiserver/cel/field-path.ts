/**
 * Field paths as k8s.io/apimachinery `field.Path` prints them, and the `fieldPath` of a validation
 * rule (apiextensions-apiserver schema/cel `ValidFieldPath`). A path is a string, or `null` for
 * Go's nil path (the resource root, printed `<nil>`): `child` joins names with dots, `key` appends
 * `[key]` (map keys and list indexes, unquoted).
 */
import type { SchemaNode } from './values.ts';
import { additionalOf, properties } from './values.ts';

/** A field path; `null` is the root (Go's nil `*field.Path`). */
export type FieldPath = string | null;

/** `path.Child(name)`. */
export const child = (path: FieldPath, name: string): string => (path === null ? name : `${path}.${name}`);

/** `path.Key(key)` / `path.Index(i)`. */
export const key = (path: FieldPath, k: string | number): string => `${path ?? ''}[${k}]`;

/** What Go prints for the path (`<nil>` at the root). */
export const pathString = (path: FieldPath): string => path ?? '<nil>';

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', "'": "'", '\\': '\\' };

function tokens(path: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '.' || c === '[' || c === ']') {
      out.push(c);
      i++;
    } else if (c === "'") {
      let j = i + 1;
      while (j < path.length && !(path[j] === "'" && path[j - 1] !== '\\')) j++;
      out.push(path.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < path.length && !'.[]'.includes(path[j])) j++;
      out.push(path.slice(i, j));
      i = j;
    }
  }
  return out;
}

/**
 * Validates a rule's `fieldPath` (`.spec.foo`, `.testMap['x.y']`) against the schema it is scoped
 * to and returns it as Go prints the relative path (`spec.foo`, `testMap[x.y]`).
 * @throws Error with the upstream reason (`does not refer to a valid field`, `expected [ or . but got: …`, …).
 */
export function normalizeRuleFieldPath(fieldPath: string, schema: SchemaNode): string {
  let path: FieldPath = null;
  let node: SchemaNode | undefined = schema;
  const step = (name: string) => {
    const props = properties(node);
    if (node?.properties) {
      if (!props[name]) throw new Error('does not refer to a valid field');
      path = child(path, name);
      node = props[name];
    } else if (additionalOf(node)) {
      path = key(path, name);
      node = additionalOf(node);
    } else throw new Error('does not refer to a valid field');
  };
  const ts = tokens(fieldPath);
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    if (t === '.') {
      if (i + 1 >= ts.length) throw new Error('unexpected end of JSON path');
      step(ts[++i]);
    } else if (t === '[') {
      const q = ts[++i];
      if (q === undefined) throw new Error('unexpected end of JSON path');
      if (q.length < 2 || !q.startsWith("'") || !q.endsWith("'")) throw new Error(`expected single quoted string but got ${q}`);
      const name = q.slice(1, -1).replace(/\\(.)/g, (m, d: string) => {
        if (!(d in ESCAPES)) throw new Error(`invalid string literal: invalid escape char ${m}`);
        return ESCAPES[d];
      });
      step(name);
      if (ts[++i] !== ']') throw new Error(`expected ] but got ${ts[i] ?? ''}`);
    } else throw new Error(`expected [ or . but got: ${t}`);
  }
  return pathString(path);
}
