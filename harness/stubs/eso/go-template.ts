/**
 * The subset of Go `text/template` (with sprig functions) that ESO's v2 template engine
 * (`target.template.data`, `templateFrom`; external-secrets.io "Advanced Templating v2") is used
 * with in practice, evaluated over the ExternalSecret's data map. Supported:
 *
 * - text with actions `{{ pipeline }}`, trim markers `{{- ` / ` -}}`, comments `{{/* ... *\/}}`;
 * - operands: `.name` (a key of the data map; ESO runs with `missingkey=error`, so an absent key is an
 *   error), `.` (the whole map), `"quoted"` and `` `raw` `` strings (the platform escapes user braces as
 *   `` {{`{{`}} ``), integers, and `( pipeline )`;
 * - commands `fn arg ...` and pipelines `a | fn x` (the piped value is the last argument, as in Go);
 * - functions: `index`, `printf` (`%s`, `%d`, `%v`, `%q`, `%%`), and the sprig functions `b64enc`,
 *   `b64dec`, `upper`, `lower`, `title`, `trim`, `trimPrefix`, `trimSuffix`, `quote`, `squote`,
 *   `toString`, `toJson`, `fromJson`, `default`, `replace`, `nindent`, `indent`, `get`, `hasKey`.
 *
 * Anything else (`if`, `range`, `with`, `define`, `template`, `block`, variables `$x`, unknown
 * functions, field chains on non-maps) throws {@link TemplateError}: the controller turns it into a
 * SecretSyncedError condition, never into silently wrong output (Go itself refuses unknown functions
 * at parse time: `function "x" not defined`).
 */

/** A template that cannot be parsed or executed by this subset (or that Go would refuse). */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

type Token =
  | { t: 'field'; name: string }
  | { t: 'dot' }
  | { t: 'str'; value: string }
  | { t: 'num'; value: number }
  | { t: 'ident'; name: string }
  | { t: 'pipe' }
  | { t: 'lparen' }
  | { t: 'rparen' };

const UNSUPPORTED_KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'and', 'or', 'not', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'len', 'slice', 'call', 'html', 'js', 'urlquery', 'print', 'println']);

/** Renders `text` over `data` (`name` → string). @throws TemplateError naming the construct. */
export function renderGoTemplate(text: string, data: Readonly<Record<string, string>>): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) {
      out += text.slice(i);
      break;
    }
    let literal = text.slice(i, open);
    let p = open + 2;
    if (text.startsWith('- ', p) || text.startsWith('-\t', p) || text.startsWith('-\n', p)) {
      literal = literal.replace(/\s+$/, '');
      p += 1;
    }
    out += literal;
    if (text.startsWith('/*', skipSpace(text, p))) {
      const endComment = text.indexOf('*/', p);
      const close = endComment < 0 ? -1 : text.indexOf('}}', endComment);
      if (close < 0) throw new TemplateError('unclosed comment');
      i = trimAfter(text, close);
      continue;
    }
    const { tokens, end, trimRight } = lexAction(text, p);
    out += stringify(evalPipeline(tokens, data));
    i = end;
    if (trimRight) while (i < text.length && /\s/.test(text[i]!)) i++;
  }
  return out;
}

function skipSpace(text: string, p: number): number {
  while (p < text.length && /\s/.test(text[p]!)) p++;
  return p;
}

function trimAfter(text: string, close: number): number {
  let i = close + 2;
  if (text[close - 1] === '-' && /\s/.test(text[close - 2] ?? '')) while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

/** Lexes one action from `p` (just after `{{` and an optional trim marker) to its `}}`. */
function lexAction(text: string, p: number): { tokens: Token[]; end: number; trimRight: boolean } {
  const tokens: Token[] = [];
  while (p < text.length) {
    const c = text[p]!;
    if (/\s/.test(c)) {
      if (text.startsWith('-}}', p + 1)) return { tokens, end: p + 4, trimRight: true };
      p++;
      continue;
    }
    if (text.startsWith('}}', p)) return { tokens, end: p + 2, trimRight: false };
    if (c === '"') {
      let s = '';
      p++;
      for (;;) {
        if (p >= text.length) throw new TemplateError('unterminated quoted string');
        const ch = text[p]!;
        if (ch === '"') break;
        if (ch === '\\') {
          const esc = text[p + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
          if (esc === undefined || !(esc in map)) throw new TemplateError(`unsupported escape \\${esc ?? ''} in quoted string`);
          s += map[esc];
          p += 2;
          continue;
        }
        s += ch;
        p++;
      }
      tokens.push({ t: 'str', value: s });
      p++;
      continue;
    }
    if (c === '`') {
      const close = text.indexOf('`', p + 1);
      if (close < 0) throw new TemplateError('unterminated raw string');
      tokens.push({ t: 'str', value: text.slice(p + 1, close) });
      p = close + 1;
      continue;
    }
    if (c === '|') {
      tokens.push({ t: 'pipe' });
      p++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ t: c === '(' ? 'lparen' : 'rparen' });
      p++;
      continue;
    }
    if (c === '$') throw new TemplateError('template variables ($x) are not supported by the simulated ESO template engine');
    if (c === '.') {
      const m = /^\.([A-Za-z_][A-Za-z0-9_]*)?/.exec(text.slice(p))!;
      if (m[1] === undefined) tokens.push({ t: 'dot' });
      else tokens.push({ t: 'field', name: m[1] });
      p += m[0].length;
      if (text[p] === '.') throw new TemplateError(`field chain after .${m[1] ?? ''} is not supported (values are strings)`);
      continue;
    }
    const num = /^-?[0-9]+/.exec(text.slice(p));
    if (num) {
      tokens.push({ t: 'num', value: Number(num[0]) });
      p += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(p));
    if (id) {
      if (UNSUPPORTED_KEYWORDS.has(id[0])) throw new TemplateError(`'${id[0]}' is not supported by the simulated ESO template engine`);
      tokens.push({ t: 'ident', name: id[0] });
      p += id[0].length;
      continue;
    }
    if (c === ':' || c === '=') throw new TemplateError('assignments are not supported by the simulated ESO template engine');
    throw new TemplateError(`unexpected character '${c}' in action`);
  }
  throw new TemplateError('unclosed action (missing }})');
}

/** Evaluates a whole pipeline token list (`cmd | cmd | ...`). */
function evalPipeline(tokens: readonly Token[], data: Readonly<Record<string, string>>): Value {
  if (tokens.length === 0) throw new TemplateError('missing value for command');
  const commands: Token[][] = [[]];
  let depth = 0;
  for (const tok of tokens) {
    if (tok.t === 'lparen') depth++;
    if (tok.t === 'rparen') depth--;
    if (depth < 0) throw new TemplateError('unexpected )');
    if (tok.t === 'pipe' && depth === 0) commands.push([]);
    else commands[commands.length - 1]!.push(tok);
  }
  if (depth !== 0) throw new TemplateError('unclosed (');
  let piped: Value | undefined;
  for (const cmd of commands) {
    if (cmd.length === 0) throw new TemplateError('missing command in pipeline');
    piped = evalCommand(cmd, data, piped);
  }
  return piped!;
}

/** Splits a command's tokens into its arguments (parenthesised groups kept whole). */
function args(tokens: readonly Token[]): Token[][] {
  const out: Token[][] = [];
  let depth = 0;
  for (const tok of tokens) {
    if (depth === 0) out.push([]);
    out[out.length - 1]!.push(tok);
    if (tok.t === 'lparen') depth++;
    if (tok.t === 'rparen') depth--;
  }
  return out;
}

function evalOperand(arg: readonly Token[], data: Readonly<Record<string, string>>): Value {
  const first = arg[0]!;
  if (first.t === 'lparen') return evalPipeline(arg.slice(1, -1), data);
  if (arg.length !== 1) throw new TemplateError('unexpected tokens in operand');
  switch (first.t) {
    case 'field':
      if (!Object.prototype.hasOwnProperty.call(data, first.name)) throw new TemplateError(`map has no entry for key "${first.name}"`);
      return data[first.name]!;
    case 'dot':
      return { ...data };
    case 'str':
      return first.value;
    case 'num':
      return first.value;
    case 'ident':
      return callFunction(first.name, []);
    default:
      throw new TemplateError(`unexpected '${first.t}' in operand`);
  }
}

function evalCommand(tokens: readonly Token[], data: Readonly<Record<string, string>>, piped: Value | undefined): Value {
  const parts = args(tokens);
  const head = parts[0]![0]!;
  if (head.t === 'ident' && parts[0]!.length === 1) {
    const values = parts.slice(1).map((a) => evalOperand(a, data));
    if (piped !== undefined) values.push(piped);
    return callFunction(head.name, values);
  }
  if (parts.length > 1 || piped !== undefined) throw new TemplateError(`can't give argument to non-function ${describe(head)}`);
  return evalOperand(parts[0]!, data);
}

function describe(tok: Token): string {
  return tok.t === 'field' ? `.${tok.name}` : tok.t;
}

function str(v: Value, fn: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TemplateError(`${fn}: expected a string argument`);
}

function arity(fn: string, values: readonly Value[], n: number): void {
  if (values.length !== n) throw new TemplateError(`wrong number of args for ${fn}: want ${n} got ${values.length}`);
}

function callFunction(fn: string, v: Value[]): Value {
  const unary = (f: (s: string) => Value): Value => {
    arity(fn, v, 1);
    return f(str(v[0]!, fn));
  };
  switch (fn) {
    case 'b64enc':
      return unary((s) => Buffer.from(s, 'utf8').toString('base64'));
    case 'b64dec':
      return unary((s) => {
        // sprig returns the decoder's error text as the value; keep that visible rather than guess.
        const bad = s.search(/[^A-Za-z0-9+/=]/);
        if (bad >= 0 || s.length % 4 !== 0) return `illegal base64 data at input byte ${bad >= 0 ? bad : s.length - (s.length % 4)}`;
        return Buffer.from(s, 'base64').toString('utf8');
      });
    case 'upper':
      return unary((s) => s.toUpperCase());
    case 'lower':
      return unary((s) => s.toLowerCase());
    case 'title':
      return unary((s) => s.replace(/\b[a-z]/g, (c) => c.toUpperCase()));
    case 'trim':
      return unary((s) => s.trim());
    case 'quote':
      return unary((s) => JSON.stringify(s));
    case 'squote':
      return unary((s) => `'${s}'`);
    case 'toString':
      return unary((s) => s);
    case 'toJson':
      arity(fn, v, 1);
      return JSON.stringify(v[0]);
    case 'fromJson':
      return unary((s) => {
        try {
          return JSON.parse(s) as Value;
        } catch {
          return {}; // sprig fromJson yields an empty value on invalid JSON (mustFromJson errors)
        }
      });
    case 'trimPrefix':
      arity(fn, v, 2);
      return str(v[1]!, fn).startsWith(str(v[0]!, fn)) ? str(v[1]!, fn).slice(str(v[0]!, fn).length) : str(v[1]!, fn);
    case 'trimSuffix':
      arity(fn, v, 2);
      return str(v[1]!, fn).endsWith(str(v[0]!, fn)) && str(v[0]!, fn) !== '' ? str(v[1]!, fn).slice(0, -str(v[0]!, fn).length) : str(v[1]!, fn);
    case 'replace':
      arity(fn, v, 3);
      return str(v[2]!, fn).split(str(v[0]!, fn)).join(str(v[1]!, fn));
    case 'default':
      arity(fn, v, 2);
      return v[1] === '' || v[1] === null || v[1] === undefined ? v[0]! : v[1]!;
    case 'indent':
    case 'nindent': {
      arity(fn, v, 2);
      const pad = ' '.repeat(Number(v[0]));
      const body = str(v[1]!, fn)
        .split('\n')
        .map((l) => pad + l)
        .join('\n');
      return fn === 'nindent' ? `\n${body}` : body;
    }
    case 'index':
    case 'get': {
      arity(fn, v, 2);
      const [m, k] = v;
      if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new TemplateError(`${fn}: first argument must be a map`);
      const key = str(k!, fn);
      if (!Object.prototype.hasOwnProperty.call(m, key)) {
        if (fn === 'get') return '';
        throw new TemplateError(`map has no entry for key "${key}"`);
      }
      return m[key]!;
    }
    case 'hasKey': {
      arity(fn, v, 2);
      const [m, k] = v;
      return m !== null && typeof m === 'object' && !Array.isArray(m) && Object.prototype.hasOwnProperty.call(m, str(k!, fn));
    }
    case 'printf': {
      if (v.length === 0) throw new TemplateError('wrong number of args for printf: want at least 1 got 0');
      const [format, ...rest] = v;
      let n = 0;
      return str(format!, fn).replace(/%([sdvq%])/g, (_, verb: string) => {
        if (verb === '%') return '%';
        if (n >= rest.length) return `%!${verb}(MISSING)`;
        const a = rest[n++]!;
        return verb === 'q' ? JSON.stringify(stringify(a)) : stringify(a);
      });
    }
    default:
      throw new TemplateError(`function "${fn}" not defined`);
  }
}

/** Go prints strings, numbers and booleans as they are; a map or list in output is refused here. */
function stringify(v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return '<no value>';
  throw new TemplateError('a map or list value cannot be written as text by the simulated template engine (pipe it through toJson)');
}
