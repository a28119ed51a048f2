/**
 * Reader of the declaration files kubernetes-models generates from the upstream OpenAPI spec (one
 * `.d.ts` per definition: `export interface IDeploymentSpec { … }` or `export type IQuantity = …;`,
 * upstream descriptions as JSDoc, optional fields marked `?`, enums as string-literal unions,
 * references to other definitions as imported `IIoK8s…` identifiers). Only that generated shape is
 * understood; anything else throws, so an upgrade of kubernetes-models that changes the shape fails
 * loudly at load time instead of serving wrong schemas.
 */

/** A TypeScript type expression as kubernetes-models writes them. */
export type DtsType =
  | { t: 'string' | 'number' | 'boolean' | 'unknown' }
  | { t: 'literal'; value: string }
  | { t: 'union'; of: DtsType[] }
  | { t: 'array'; items: DtsType }
  | { t: 'map'; values: DtsType }
  /** An inline object type (`{ /** doc *\/ "key"?: T; … }`: kubernetes-models inlines some definitions, e.g. StatefulSet's volumeClaimTemplates). */
  | { t: 'object'; members: DtsMember[] }
  | { t: 'ref'; name: string };

/** One property of a generated interface. */
export interface DtsMember {
  name: string;
  optional: boolean;
  /** The upstream description (JSDoc text, lines joined with `\n`), when the property has one. */
  description?: string;
  type: DtsType;
}

/** One generated definition file. */
export interface DtsFile {
  /** Local name of the declaration, e.g. `IDeploymentSpec`. */
  localName: string;
  /** The `IoK8s…` name the file exports its class / type under, e.g. `IoK8sApiAppsV1DeploymentSpec`. */
  exportName: string;
  description?: string;
  /** Imported identifier → module specifier, e.g. `IIoK8sApiCoreV1PodSpec` → `./PodSpec.js`. */
  imports: Map<string, string>;
  /** `interface`: members (an empty list is a free-form object); `alias`: the aliased type. */
  decl: { kind: 'interface'; members: DtsMember[]; typeMeta: boolean } | { kind: 'alias'; type: DtsType };
}

/** Error thrown for a declaration file that is not in the generated shape. */
export class DtsShapeError extends Error {
  constructor(file: string, what: string) {
    super(`${file}: not a kubernetes-models definition file (${what})`);
    this.name = 'DtsShapeError';
  }
}

function jsdoc(lines: string[]): string | undefined {
  const text = lines
    .map((l) => l.replace(/^\s*\/?\*+\/?\s?/, '').replace(/\s*\*\/$/, ''))
    .join('\n')
    .replace(/\*\\\//g, '*/')
    .trim();
  return text === '' ? undefined : text;
}

/** Tokens of a type expression: string literals, identifiers and punctuation. */
function tokenize(src: string, file: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:(\/\*\*[\s\S]*?\*\/|"(?:[^"\\]|\\.)*"|[A-Za-z_$][\w$]*|[<>{}[\]:;|()?])|$)/y;
  for (;;) {
    const m = re.exec(src);
    if (!m) throw new DtsShapeError(file, `cannot read type ${JSON.stringify(src)}`);
    if (m[1] === undefined) return out;
    out.push(m[1]);
  }
}

/** Parses a type expression (`Array<X>`, `{ [key: string]: X; }`, `"a" | "b"`, primitives, identifiers). */
export function parseType(src: string, file = '<type>'): DtsType {
  const toks = tokenize(src, file);
  let p = 0;
  const expect = (tok: string) => {
    if (toks[p] !== tok) throw new DtsShapeError(file, `expected ${tok} in ${JSON.stringify(src)}`);
    p++;
  };
  const primary = (): DtsType => {
    const tok = toks[p++];
    if (tok === undefined) throw new DtsShapeError(file, `unexpected end of ${JSON.stringify(src)}`);
    if (tok.startsWith('"')) return { t: 'literal', value: JSON.parse(tok) as string };
    if (tok === 'string' || tok === 'number' || tok === 'boolean') return { t: tok };
    if (tok === 'any' || tok === 'unknown' || tok === 'object') return { t: 'unknown' };
    if (tok === 'Array') {
      expect('<');
      const items = union();
      expect('>');
      return { t: 'array', items };
    }
    if (tok === '{' && toks[p] !== '[') return objectLiteral();
    if (tok === '{') {
      expect('[');
      p++; // key
      expect(':');
      expect('string');
      expect(']');
      expect(':');
      const values = union();
      if (toks[p] === ';') p++;
      expect('}');
      return { t: 'map', values };
    }
    if (tok === '(') {
      const inner = union();
      expect(')');
      return inner;
    }
    if (/^[A-Za-z_$][\w$]*$/.test(tok)) return { t: 'ref', name: tok };
    throw new DtsShapeError(file, `unexpected ${tok} in ${JSON.stringify(src)}`);
  };
  const objectLiteral = (): DtsType => {
    const members: DtsMember[] = [];
    while (toks[p] !== '}') {
      let description: string | undefined;
      if (toks[p]?.startsWith('/**')) description = jsdoc(toks[p++].split('\n'));
      const key = toks[p++];
      if (key === undefined) throw new DtsShapeError(file, `unterminated object type in ${JSON.stringify(src)}`);
      const optional = toks[p] === '?';
      if (optional) p++;
      expect(':');
      members.push({ name: key.startsWith('"') ? (JSON.parse(key) as string) : key, optional, description, type: union() });
      if (toks[p] === ';') p++;
    }
    expect('}');
    return { t: 'object', members };
  };
  const union = (): DtsType => {
    const of = [primary()];
    while (toks[p] === '|') {
      p++;
      of.push(primary());
    }
    return of.length === 1 ? of[0] : { t: 'union', of };
  };
  const out = union();
  if (p !== toks.length) throw new DtsShapeError(file, `trailing tokens in ${JSON.stringify(src)}`);
  return out;
}

/**
 * Parses one generated declaration file.
 * @param text the `.d.ts` source; `file` names it in errors.
 * @throws DtsShapeError when the text is not in the generated shape.
 */
export function parseDts(text: string, file: string): DtsFile {
  const lines = text.split('\n');
  const imports = new Map<string, string>();
  for (const l of lines) {
    const m = /^import \{ ([^}]+) \} from "([^"]+)";$/.exec(l);
    if (m) for (const id of m[1].split(',')) imports.set(id.trim(), m[2]);
  }
  const exp = /^export type \{ (\w+) as (\w+), (\w+) as (\w+) \};$/m.exec(text);
  if (!exp) throw new DtsShapeError(file, 'no `export type { I… as II…, … as IoK8s… }` line');
  const localName = exp[1];
  const exportName = exp[4];

  let i = 0;
  let doc: string[] = [];
  for (; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('/**')) {
      doc = [];
      for (; i < lines.length; i++) {
        doc.push(lines[i]);
        if (lines[i].trimEnd().endsWith('*/')) break;
      }
      continue;
    }
    if (l.startsWith(`export interface ${localName} `) || l.startsWith(`export type ${localName} =`)) break;
    if (!l.startsWith('import ')) doc = [];
  }
  if (i >= lines.length) throw new DtsShapeError(file, `no declaration of ${localName}`);
  const description = jsdoc(doc);
  const head = lines[i];
  if (head.startsWith('export type ')) {
    const src = head.slice(`export type ${localName} =`.length).replace(/;\s*$/, '');
    return { localName, exportName, description, imports, decl: { kind: 'alias', type: parseType(src, file) } };
  }
  const typeMeta = / extends TypeMeta \{$/.test(head);
  if (!/\{$/.test(head)) throw new DtsShapeError(file, `unexpected interface head ${JSON.stringify(head)}`);
  const members: DtsMember[] = [];
  doc = [];
  for (i++; i < lines.length && lines[i] !== '}'; i++) {
    const l = lines[i];
    const t = l.trim();
    if (t.startsWith('/**')) {
      doc = [];
      for (; i < lines.length; i++) {
        doc.push(lines[i]);
        if (lines[i].trimEnd().endsWith('*/')) break;
      }
      continue;
    }
    const m = /^ {4}"([^"]+)"(\?)?: (.*)$/.exec(l);
    if (!m) throw new DtsShapeError(file, `unexpected member line ${JSON.stringify(l)}`);
    let src = m[3];
    let depth = (src.match(/\{/g) ?? []).length - (src.match(/\}/g) ?? []).length;
    while (depth > 0 || !src.trimEnd().endsWith(';')) {
      i++;
      if (i >= lines.length) throw new DtsShapeError(file, `unterminated member ${m[1]}`);
      src += ` ${lines[i].trim()}`;
      depth = (src.match(/\{/g) ?? []).length - (src.match(/\}/g) ?? []).length;
    }
    members.push({ name: m[1], optional: m[2] === '?', description: jsdoc(doc), type: parseType(src.trimEnd().replace(/;$/, ''), file) });
    doc = [];
  }
  return { localName, exportName, description, imports, decl: { kind: 'interface', members, typeMeta } };
}
