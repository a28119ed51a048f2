/**
 * A small model of what a container's program does, for the one-shot commands everyday sessions run
 * (`kubectl run tmp --image=busybox --restart=Never -- echo hi`, `kubectl create job … -- sh -c "…"`):
 * the output the container prints (with when, since its start) and its exit code, so the kubelet
 * stub can end the container as a real one would and `kubectl logs` shows the text.
 *
 * The command line is the container's `command` followed by its `args` (no command and no args: the
 * image's entrypoint, unknown, so not modelled). Modelled programs:
 * - `echo [-n] WORD…` (output the words joined by spaces, newline unless `-n`), `true` / `:` (0),
 *   `false` (1), `exit [N]` (ends the script with N, default the last status), `sleep N[s|m|h|d]`
 *   (fractions allowed; adds N to the run time), `printenv [NAME…]` / `env` (the environment below,
 *   one `NAME=value` line each; `printenv NAME` prints the value, status 1 when a name is unset);
 * - a shell (`sh`, `bash`, `ash`, `dash`, any directory) with `-c SCRIPT`: the script's commands
 *   joined by `;` / newlines (always run the next), `&&` (next only after status 0) and `||` (next
 *   only after a non-zero status), words in single or double quotes (double: `\"`, `\\`, `\$`
 *   escapes), `$NAME` / `${NAME}` expanded from the environment, `#` comments.
 * Anything else (another command, pipes, redirections, `$(…)`, a variable whose value comes from
 * `valueFrom`, `sleep infinity`, `echo -e`) is not modelled: {@link containerProgram} returns
 * undefined and the container keeps running as the kubelet's stage table says.
 *
 * The environment (container-env.ts, without sources): `PATH` (busybox's default), `HOSTNAME` (the
 * pod's `spec.hostname`, else its name), the container's `env` with literal values in order, the
 * variables of the `kubernetes` Service (`KUBERNETES_SERVICE_HOST=10.96.0.1` …, which every
 * container gets), `HOME=/root`, and under a shell `SHLVL=1` and `PWD=/`. The order is this one (a
 * runtime's is its own); the variables of the namespace's other Services (service links) are not
 * modelled here.
 *
 * The same interpreter runs the commands `kubectl exec` starts in a running container
 * ({@link execCommand}, {@link runShellLine}; see exec-runtime.ts), with more of a busybox image: a
 * filesystem (container-fs.ts), stdin, stderr, pipes and redirections, and the commands listed at
 * {@link EXEC_COMMANDS}. The one-shot model keeps to the list above, so runs do not change.
 */
import type { Env } from './container-env.ts';
import { containerEnvironment } from './container-env.ts';
import type { ContainerFs } from './container-fs.ts';
import { FsError, normalizePath } from './container-fs.ts';
import { readTar, writeTar } from './tar.ts';
import type { TarEntry } from './tar.ts';

/** Output written at `atMs` simulated ms after the container started. */
export interface ProgramOutput {
  atMs: number;
  text: string;
}

/** What a modelled container program does in one run. */
export interface ContainerProgram {
  /** Simulated ms from the container's start to its exit. */
  runMs: number;
  exitCode: number;
  output: ProgramOutput[];
}

interface ContainerSpec {
  name?: string;
  command?: unknown;
  args?: unknown;
  env?: unknown;
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash']);

/** Thrown inside the model for what it does not cover. */
class Unmodelled extends Error {}

/**
 * What an exec'd process has beyond the one-shot model: the container's filesystem, its stdin (all
 * of it, read when the process starts), the time for files it creates (seconds since the epoch).
 */
export interface ExecContext {
  fs: ContainerFs;
  hostname: string;
  /** @unit seconds since the epoch */
  nowSec: number;
}

/** A running process of the model: where its output goes, what it reads, its shell state. */
interface Proc {
  /** Simulated ms since the start (sleeps add to it). */
  ms: number;
  /** Status of the last command (`$?`). */
  status: number;
  out: (text: string | Buffer) => void;
  err: (text: string) => void;
  stdin: Buffer;
  env: Env;
  cwd: string;
  /** Set for exec'd processes: the filesystem and the commands beyond the one-shot list. */
  exec?: ExecContext;
}

const read = (env: Env, name: string): string => {
  const v = env.get(name);
  if (v === null) throw new Unmodelled(`${name} comes from valueFrom`);
  return v ?? '';
};

type Redirect = { op: '>' | '>>' | '<' | '2>' | '2>>' | '2>&1' | '>&2' };
type Token = { word: string } | { op: ';' | '&&' | '||' | '|' } | Redirect;

/**
 * Splits a `sh -c` script into words, list operators and (with `exec`) pipes and redirections
 * (see the module comment for what is covered).
 */
function tokenize(script: string, env: Env, exec: boolean, status = 0): Token[] {
  const out: Token[] = [];
  let i = 0;
  let word: string | undefined;
  const flush = () => {
    if (word !== undefined) out.push({ word });
    word = undefined;
  };
  const variable = (): string => {
    // At `$`: `${NAME}` or `$NAME` (and `$?` in exec'd shells).
    if (exec && script[i + 1] === '?') {
      i += 2;
      return String(status);
    }
    const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(script.slice(i));
    if (!m) throw new Unmodelled('unsupported $ expansion');
    i += m[0].length;
    return read(env, m[1] ?? m[2]!);
  };
  while (i < script.length) {
    const c = script[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      flush();
      i++;
    } else if (c === '\n' || c === ';') {
      flush();
      out.push({ op: ';' });
      i++;
    } else if (script.startsWith('&&', i) || script.startsWith('||', i)) {
      flush();
      out.push({ op: script.slice(i, i + 2) as '&&' | '||' });
      i += 2;
    } else if (exec && (c === '|' || c === '<' || c === '>' || ((c === '2' || c === '1') && word === undefined && script[i + 1] === '>'))) {
      flush();
      const m = /^(2>&1|1>&2|>&2|2>>|2>|1>>|1>|>>|>|<|\|)/.exec(script.slice(i))!;
      i += m[0].length;
      const op = m[0].replace(/^1/, '');
      out.push(op === '|' ? { op: '|' } : { op: op as Redirect['op'] });
    } else if (c === '#' && word === undefined) {
      while (i < script.length && script[i] !== '\n') i++;
    } else if (c === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) throw new Unmodelled('unterminated quote');
      word = (word ?? '') + script.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      word ??= '';
      i++;
      while (i < script.length && script[i] !== '"') {
        const d = script[i]!;
        if (d === '\\' && '"\\$`'.includes(script[i + 1] ?? '')) {
          word += script[i + 1];
          i += 2;
        } else if (d === '$') word += variable();
        else if (d === '`') throw new Unmodelled('command substitution');
        else {
          word += d;
          i++;
        }
      }
      if (i >= script.length) throw new Unmodelled('unterminated quote');
      i++;
    } else if (c === '$') {
      word = (word ?? '') + variable();
    } else if (c === '\\') {
      word = (word ?? '') + (script[i + 1] ?? '');
      i += 2;
    } else if ((exec ? '&<>()`{}~' : '|&<>()`{}*?[]~').includes(c)) {
      throw new Unmodelled(`unsupported ${c}`);
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  flush();
  return out;
}

/** Seconds of `sleep`'s operand (`1.5`, `10s`, `2m`, `1h`, `1d`), or undefined. */
function sleepSeconds(arg: string): number | undefined {
  const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(arg);
  if (!m) return undefined;
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
}

/** The commands exec'd processes know beyond the one-shot list (busybox applets, and the shell builtins `cd`, `pwd`, `exit`, `test` / `[`). */
export const EXEC_COMMANDS = ['cat', 'ls', 'hostname', 'pwd', 'cd', 'test', '[', 'mkdir', 'touch', 'rm', 'tar', 'grep', 'head', 'wc', 'id', 'whoami', 'uname', 'sh', 'bash', 'ash', 'dash'] as const;

/** busybox's wording of a filesystem error. */
function errnoText(e: unknown): string {
  if (!(e instanceof FsError)) throw e;
  return { EROFS: 'Read-only file system', ENOENT: 'No such file or directory', ENOTDIR: 'Not a directory', EISDIR: 'Is a directory', ENOTEMPTY: 'Directory not empty' }[e.code];
}

const modeString = (dir: boolean, mode: number) => (dir ? 'd' : '-') + [6, 3, 0].map((s) => ['r', 'w', 'x'].map((c, i) => ((mode >> (s + 2 - i)) & 1 ? c : '-')).join('')).join('');

/** Runs one of {@link EXEC_COMMANDS}; undefined when `name` is none of them. */
function runExecCommand(name: string, argv: string[], p: Proc, x: ExecContext): number | { exit: number } | undefined {
  const fs = x.fs;
  const path = (a: string) => normalizePath(a, p.cwd);
  const flags = (args: string[], known: string) => {
    const set = new Set<string>();
    const rest: string[] = [];
    for (const a of args) {
      if (/^-[A-Za-z0-9]+$/.test(a) && rest.length === 0 && [...a.slice(1)].every((c) => known.includes(c))) for (const c of a.slice(1)) set.add(c);
      else rest.push(a);
    }
    return { set, rest };
  };
  switch (name) {
    case 'cat': {
      const files = argv.slice(1);
      let status = 0;
      if (files.length === 0) files.push('-');
      for (const f of files) {
        if (f === '-') {
          p.out(p.stdin);
          p.stdin = Buffer.alloc(0);
          continue;
        }
        const node = fs.stat(path(f));
        if (!node) {
          p.err(`cat: can't open '${f}': No such file or directory\n`);
          status = 1;
        } else if (node.dir) {
          p.err('cat: read error: Is a directory\n');
          status = 1;
        } else p.out(node.data);
      }
      return status;
    }
    case 'ls': {
      const { set, rest } = flags(argv.slice(1), 'laA1hd');
      const targets = rest.length ? rest : ['.'];
      let status = 0;
      const line = (n: string, full: string) => {
        if (!set.has('l')) return `${n}\n`;
        const node = fs.stat(full)!;
        const size = node.dir ? 4096 : node.data.length;
        return `${modeString(node.dir, node.mode)}    1 root     root     ${String(size).padStart(9)} ${new Date(x.nowSec * 1000).toUTCString().slice(8, 11)} ${new Date(x.nowSec * 1000).toUTCString().slice(5, 7)} ${new Date(x.nowSec * 1000).toISOString().slice(11, 16)} ${n}\n`;
      };
      const files: string[] = [];
      const dirs: string[] = [];
      for (const t of targets) {
        const node = fs.stat(path(t));
        if (!node) {
          p.err(`ls: ${t}: No such file or directory\n`);
          status = 1;
        } else if (node.dir && !set.has('d')) dirs.push(t);
        else files.push(t);
      }
      let text = files.map((f) => line(f, path(f))).join('');
      dirs.forEach((d, i) => {
        if (targets.length > 1) text += `${text || i > 0 ? '\n' : ''}${d}:\n`;
        const dir = path(d);
        const names = fs.list(dir).filter((n) => set.has('a') || set.has('A') || !n.startsWith('.'));
        if (set.has('a')) text += line('.', dir) + line('..', normalizePath('..', dir));
        text += names.map((n) => line(n, normalizePath(n, dir))).join('');
      });
      p.out(text);
      return status;
    }
    case 'hostname':
      p.out(`${x.hostname}\n`);
      return 0;
    case 'pwd':
      p.out(`${p.cwd}\n`);
      return 0;
    case 'cd': {
      const to = path(argv[1] ?? read(p.env, 'HOME'));
      const node = fs.stat(to);
      if (!node?.dir) {
        p.err(`sh: cd: can't cd to ${argv[1] ?? to}: ${node ? 'Not a directory' : 'No such file or directory'}\n`);
        return 2;
      }
      p.cwd = to;
      p.env.set('PWD', to);
      return 0;
    }
    case 'test':
    case '[': {
      const args = argv.slice(1);
      if (name === '[') {
        if (args.pop() !== ']') {
          p.err('sh: [: missing ]\n');
          return 2;
        }
      }
      const negate = args[0] === '!';
      if (negate) args.shift();
      let ok: boolean;
      if (args.length === 2 && /^-[defsrwxzn]$/.test(args[0]!)) {
        const node = fs.stat(path(args[1]!));
        const op = args[0]!;
        ok =
          op === '-z' ? args[1] === '' : op === '-n' ? args[1] !== '' : op === '-d' ? node?.dir === true : op === '-f' ? node?.dir === false : op === '-s' ? !!node && (node.dir || node.data.length > 0) : !!node;
      } else if (args.length === 3 && (args[1] === '=' || args[1] === '!=')) ok = (args[0] === args[2]) === (args[1] === '=');
      else if (args.length === 3 && /^-(eq|ne|lt|le|gt|ge)$/.test(args[1]!)) {
        const [a, b] = [Number(args[0]), Number(args[2])];
        ok = { '-eq': a === b, '-ne': a !== b, '-lt': a < b, '-le': a <= b, '-gt': a > b, '-ge': a >= b }[args[1] as '-eq'];
      } else ok = args.length === 1 ? args[0] !== '' : false;
      return ok !== negate ? 0 : 1;
    }
    case 'mkdir': {
      const { set, rest } = flags(argv.slice(1), 'p');
      let status = 0;
      for (const d of rest) {
        try {
          fs.mkdir(path(d), set.has('p'));
        } catch (e) {
          const t = errnoText(e);
          p.err(`mkdir: can't create directory '${d}': ${t === 'Is a directory' || t === 'Not a directory' ? 'File exists' : t}\n`);
          status = 1;
        }
      }
      return status;
    }
    case 'touch': {
      let status = 0;
      for (const f of argv.slice(1)) {
        try {
          if (!fs.stat(path(f))) fs.write(path(f), Buffer.alloc(0));
        } catch (e) {
          p.err(`touch: ${f}: ${errnoText(e)}\n`);
          status = 1;
        }
      }
      return status;
    }
    case 'rm': {
      const { set, rest } = flags(argv.slice(1), 'rRf');
      let status = 0;
      for (const f of rest) {
        try {
          fs.remove(path(f), set.has('r') || set.has('R'));
        } catch (e) {
          if (set.has('f') && e instanceof FsError && e.code === 'ENOENT') continue;
          const t = errnoText(e);
          p.err(t === 'Is a directory' ? `rm: '${f}' is a directory\n` : `rm: can't remove '${f}': ${t}\n`);
          status = 1;
        }
      }
      return status;
    }
    case 'tar':
      return tar(argv.slice(1), p, x);
    case 'grep': {
      const { set, rest } = flags(argv.slice(1), 'ivcqEFnwx');
      const pattern = rest.shift();
      if (pattern === undefined) {
        p.err('BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...\n');
        return 2;
      }
      const source = set.has('F') ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : set.has('E') ? pattern : pattern.replace(/\\([(){}|+?])/g, '$1');
      const re = new RegExp(set.has('x') ? `^(?:${source})$` : set.has('w') ? `\\b(?:${source})\\b` : source, set.has('i') ? 'i' : '');
      const inputs: [string, Buffer | undefined][] = rest.length ? rest.map((f) => [f, (() => { const n = fs.stat(path(f)); return n && !n.dir ? n.data : undefined; })()]) : [['-', p.stdin]];
      let matched = 0;
      let status = 0;
      for (const [f, data] of inputs) {
        if (!data) {
          p.err(`grep: ${f}: No such file or directory\n`);
          status = 2;
          continue;
        }
        const lines = data.toString('utf8').split('\n');
        if (lines[lines.length - 1] === '') lines.pop();
        let count = 0;
        lines.forEach((l, i) => {
          if (re.test(l) === set.has('v')) return;
          count++;
          if (!set.has('q') && !set.has('c')) p.out(`${inputs.length > 1 ? `${f}:` : ''}${set.has('n') ? `${i + 1}:` : ''}${l}\n`);
        });
        if (set.has('c')) p.out(`${inputs.length > 1 ? `${f}:` : ''}${count}\n`);
        matched += count;
      }
      return status === 2 && !matched ? 2 : matched ? 0 : 1;
    }
    case 'head': {
      let n = 10;
      const args = argv.slice(1);
      if (args[0] === '-n' && args[1]) {
        n = Number(args[1]);
        args.splice(0, 2);
      } else if (/^-\d+$/.test(args[0] ?? '')) n = Number(args.shift()!.slice(1));
      const node = args[0] ? fs.stat(path(args[0])) : undefined;
      if (args[0] && (!node || node.dir)) {
        p.err(`head: ${args[0]}: No such file or directory\n`);
        return 1;
      }
      const data = node && !node.dir ? node.data : p.stdin;
      p.out(data.toString('utf8').split(/(?<=\n)/).slice(0, n).join(''));
      return 0;
    }
    case 'wc': {
      const { set, rest } = flags(argv.slice(1), 'lwc');
      const node = rest[0] ? fs.stat(path(rest[0])) : undefined;
      if (rest[0] && (!node || node.dir)) {
        p.err(`wc: ${rest[0]}: No such file or directory\n`);
        return 1;
      }
      const text = (node && !node.dir ? node.data : p.stdin).toString('utf8');
      const counts: number[] = [];
      const all = set.size === 0;
      if (all || set.has('l')) counts.push((text.match(/\n/g) ?? []).length);
      if (all || set.has('w')) counts.push(text.split(/\s+/).filter(Boolean).length);
      if (all || set.has('c')) counts.push(Buffer.byteLength(text));
      p.out(`${counts.map((c) => (counts.length > 1 ? String(c).padStart(7) : String(c))).join(' ')}${rest[0] ? ` ${rest[0]}` : ''}\n`);
      return 0;
    }
    case 'id':
      p.out('uid=0(root) gid=0(root) groups=0(root),10(wheel)\n');
      return 0;
    case 'whoami':
      p.out('root\n');
      return 0;
    case 'uname':
      p.out(argv[1] === '-a' ? `Linux ${x.hostname} 6.8.0 #1 SMP x86_64 GNU/Linux\n` : 'Linux\n');
      return 0;
    case 'sh':
    case 'bash':
    case 'ash':
    case 'dash': {
      if (argv[1] === '-c' && argv[2] !== undefined) {
        const sub: Proc = { ...p, env: new Map(p.env) };
        sub.env.set('SHLVL', String(Number(p.env.get('SHLVL') ?? '0') + 1));
        runScript(argv[2], sub);
        p.ms = sub.ms;
        p.stdin = sub.stdin;
        return sub.status;
      }
      // A shell reading its script from stdin (`echo ls | sh`, `kubectl exec -i … -- sh` fed by a pipe).
      const sub: Proc = { ...p, env: new Map(p.env), stdin: Buffer.alloc(0) };
      runScript(p.stdin.toString('utf8'), sub);
      p.stdin = Buffer.alloc(0);
      p.ms = sub.ms;
      return sub.status;
    }
    default:
      return undefined;
  }
}

/** busybox `tar` with `c` (create), `x` (extract), `t` (list), `f FILE` (`-` stdin/stdout), `-C DIR`, `v`; other letters (`m`, `o`, `p`) accepted. */
function tar(args: string[], p: Proc, x: ExecContext): number {
  let mode: 'c' | 'x' | 't' | undefined;
  let file: string | undefined;
  let dir = p.cwd;
  let verbose = false;
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-C') {
      dir = normalizePath(args[++i] ?? '.', p.cwd);
      continue;
    }
    if ((i === 0 && /^[a-zA-Z]+$/.test(a)) || /^-[a-zA-Z]+$/.test(a)) {
      for (const c of a.replace(/^-/, '')) {
        if (c === 'c' || c === 'x' || c === 't') mode = c;
        else if (c === 'f') file = args[++i];
        else if (c === 'v') verbose = true;
        else if (c === 'z' || c === 'j' || c === 'J') throw new Unmodelled('compressed archives');
      }
      continue;
    }
    operands.push(a);
  }
  if (!mode) {
    p.err('tar: need to specify one of -c, -t, -x\n');
    return 1;
  }
  if (file !== undefined && file !== '-') throw new Unmodelled('tar archives in files');
  const fs = x.fs;
  if (mode === 'c') {
    if (operands.length === 0) {
      p.err('tar: empty archive\n');
      return 1;
    }
    const entries: TarEntry[] = [];
    let status = 0;
    let warned = false;
    for (const o of operands) {
      const abs = normalizePath(o, dir);
      if (!fs.stat(abs)) {
        p.err(`tar: ${o}: No such file or directory\n`);
        status = 1;
        continue;
      }
      if (o.startsWith('/') && !warned) {
        p.err("tar: removing leading '/' from member names\n");
        warned = true;
      }
      const base = o.startsWith('/') ? '/' : dir;
      for (const f of fs.walk(abs)) {
        const node = fs.stat(f)!;
        const name = base === '/' ? f.slice(1) : f.slice(base.length + 1) || '.';
        entries.push({ name, type: node.dir ? 'dir' : 'file', mode: node.mode, data: node.dir ? Buffer.alloc(0) : node.data, mtime: x.nowSec });
        if (verbose) p.err(`${name}${node.dir ? '/' : ''}\n`);
      }
    }
    p.out(writeTar(entries));
    return status;
  }
  let entries: TarEntry[];
  try {
    entries = readTar(p.stdin);
  } catch {
    p.err('tar: invalid tar magic\n');
    return 1;
  }
  p.stdin = Buffer.alloc(0);
  if (mode === 't') {
    p.out(entries.map((e) => `${e.name}\n`).join(''));
    return 0;
  }
  const target = fs.stat(dir);
  if (!target?.dir) {
    p.err(`tar: can't change directory to '${dir}': No such file or directory\n`);
    return 1;
  }
  let status = 0;
  for (const e of entries) {
    const at = normalizePath(e.name, dir);
    try {
      if (e.type === 'dir') fs.mkdir(at, true);
      else if (e.type === 'file') {
        fs.mkdir(normalizePath('..', at), true);
        fs.write(at, e.data, { mode: e.mode });
      }
      if (verbose) p.out(`${e.name}\n`);
    } catch (err) {
      p.err(`tar: can't open '${e.name}': ${errnoText(err)}\n`);
      status = 1;
    }
  }
  return status;
}

/** Runs one simple command; returns its status, or 'exit' with the status to end the script. */
function runCommand(argv: string[], p: Proc): number | { exit: number } {
  const name = argv[0]!.split('/').pop()!;
  switch (name) {
    case 'echo': {
      let words = argv.slice(1);
      const noNewline = words[0] === '-n';
      if (noNewline) words = words.slice(1);
      if (words[0] === '-e' || words[0] === '-E') throw new Unmodelled('echo -e');
      p.out(words.join(' ') + (noNewline ? '' : '\n'));
      return 0;
    }
    case 'true':
    case ':':
      return 0;
    case 'false':
      return 1;
    case 'exit': {
      if (argv.length === 1) return { exit: p.status };
      if (!/^\d+$/.test(argv[1]!)) throw new Unmodelled('exit with a non-numeric status');
      return { exit: Number(argv[1]) & 255 };
    }
    case 'sleep': {
      const seconds = argv.length === 2 ? sleepSeconds(argv[1]!) : undefined;
      if (seconds === undefined) throw new Unmodelled(`sleep ${argv.slice(1).join(' ')}`);
      p.ms += Math.round(seconds * 1000);
      return 0;
    }
    case 'printenv':
    case 'env': {
      if (argv.length === 1) {
        p.out([...p.env.keys()].map((k) => `${k}=${read(p.env, k)}\n`).join(''));
        return 0;
      }
      if (name === 'env') throw new Unmodelled('env with arguments');
      let status = 0;
      for (const k of argv.slice(1)) {
        if (p.env.has(k)) p.out(`${read(p.env, k)}\n`);
        else status = 1;
      }
      return status;
    }
    default: {
      const r = p.exec ? runExecCommand(name, argv, p, p.exec) : undefined;
      if (r !== undefined) return r;
      if (!p.exec) throw new Unmodelled(`command ${name}`);
      // busybox ash: an unknown command is status 127, `sh: <name>: not found`.
      p.err(`sh: ${argv[0]}: not found\n`);
      return 127;
    }
  }
}

/** One command of a pipeline with its redirections. */
interface Simple {
  argv: string[];
  redirects: { op: Redirect['op']; target?: string }[];
}

/** Runs a pipeline (`a | b`): each command's output is the next one's stdin; redirections as busybox applies them. */
function runPipeline(cmds: Simple[], p: Proc): number | { exit: number } {
  let result: number | { exit: number } = 0;
  let input = p.stdin;
  cmds.forEach((c, i) => {
    const last = i === cmds.length - 1;
    const chunks: Buffer[] = [];
    let toOut = last ? p.out : (t: string | Buffer) => void chunks.push(Buffer.from(t));
    let toErr = p.err;
    let stdin = input;
    for (const r of c.redirects) {
      const target = normalizePath(r.target ?? '', p.cwd);
      if (r.op === '<') {
        const node = p.exec!.fs.stat(target);
        if (!node || node.dir) {
          p.err(`sh: can't open '${r.target}': No such file or directory\n`);
          result = 1;
          return;
        }
        stdin = node.data;
      } else if (r.op === '2>&1') toErr = toOut;
      else if (r.op === '>&2') {
        const e = toErr;
        toOut = (t) => e(String(t));
      }
      else {
        if (r.target === '/dev/null') {
          if (r.op.startsWith('2')) toErr = () => undefined;
          else toOut = () => undefined;
          continue;
        }
        const fs = p.exec!.fs;
        try {
          if (!r.op.endsWith('>>')) fs.write(target, Buffer.alloc(0));
        } catch (e) {
          p.err(`sh: can't create ${r.target}: ${errnoText(e)}\n`);
          result = 1;
          return;
        }
        const sink = (t: string | Buffer) => fs.write(target, Buffer.from(t), { append: true });
        if (r.op.startsWith('2')) toErr = sink;
        else toOut = sink;
      }
    }
    const sub: Proc = { ...p, out: toOut, err: toErr, stdin };
    result = c.argv.length ? runCommand(c.argv, sub) : 0;
    p.ms = sub.ms;
    p.cwd = sub.cwd;
    if (i === 0) p.stdin = cmds.length === 1 && stdin === input ? sub.stdin : Buffer.alloc(0);
    input = Buffer.concat(chunks);
  });
  return result;
}

/** Runs a list of pipelines joined by `;` / `&&` / `||`; sets `p.status`, returns true when `exit` ended it. */
function runList(tokens: Token[], p: Proc): boolean {
  let pipeline: Simple[] = [{ argv: [], redirects: [] }];
  let skip = false;
  const current = () => pipeline[pipeline.length - 1]!;
  const finish = (): boolean => {
    if (pipeline.length === 1 && current().argv.length === 0 && current().redirects.length === 0) return false;
    if (!skip) {
      const r = runPipeline(pipeline, p);
      if (typeof r === 'object') {
        p.status = r.exit;
        return true;
      }
      p.status = r;
    }
    pipeline = [{ argv: [], redirects: [] }];
    return false;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if ('word' in t) {
      current().argv.push(t.word);
      continue;
    }
    if (t.op === '|') {
      if (current().argv.length === 0) throw new Unmodelled('syntax error near |');
      pipeline.push({ argv: [], redirects: [] });
      continue;
    }
    if (t.op !== ';' && t.op !== '&&' && t.op !== '||') {
      const dup = t.op === '2>&1' || t.op === '>&2';
      const next = dup ? undefined : tokens[i + 1];
      if (!dup) {
        if (!next || !('word' in next)) throw new Unmodelled(`syntax error near ${t.op}`);
        i++;
      }
      current().redirects.push({ op: t.op, ...(next && 'word' in next ? { target: next.word } : {}) });
      continue;
    }
    if (current().argv.length === 0 && t.op !== ';') throw new Unmodelled(`syntax error near ${t.op}`);
    if (finish()) return true;
    skip = t.op === '&&' ? p.status !== 0 : t.op === '||' ? p.status === 0 : false;
  }
  return finish();
}

/** Runs a script in `p`'s shell; true when `exit` ended it. In exec'd shells what the model does not cover is a status-2 error naming it. */
function runScript(script: string, p: Proc): boolean {
  if (!p.exec) return runList(tokenize(script, p.env, false), p);
  try {
    return runList(tokenize(script, p.env, true, p.status), p);
  } catch (e) {
    if (!(e instanceof Unmodelled)) throw e;
    p.err(`sh: ${e.message} (not modelled by lattice-sim)\n`);
    p.status = 2;
    return false;
  }
}

/**
 * The modelled run of `container` (see the module comment) in a pod whose hostname is `hostname`,
 * or undefined when its program is not modelled.
 */
export function containerProgram(container: ContainerSpec, hostname: string): ContainerProgram | undefined {
  const words = [...(Array.isArray(container.command) ? container.command : []), ...(Array.isArray(container.args) ? container.args : [])];
  if (words.length === 0 || !words.every((w): w is string => typeof w === 'string')) return undefined;
  const shell = SHELLS.has(words[0]!.split('/').pop()!) && words[1] === '-c' && words.length >= 3;
  const output: ProgramOutput[] = [];
  try {
    const env = containerEnvironment(container, hostname, shell);
    const p: Proc = { ms: 0, status: 0, stdin: Buffer.alloc(0), env, cwd: '/', out: (t) => void (t.length && output.push({ atMs: p.ms, text: String(t) })), err: () => undefined };
    if (shell) runList(tokenize(words[2]!, env, false), p);
    else {
      // Shell builtins are no executables: run directly, they fail to start (not modelled).
      if (words[0] === 'exit' || words[0] === ':') return undefined;
      const r = runCommand(words, p);
      p.status = typeof r === 'object' ? r.exit : r;
    }
    return { runMs: p.ms, exitCode: p.status, output };
  } catch (e) {
    if (e instanceof Unmodelled) return undefined;
    throw e;
  }
}

/** The output of a run `elapsedMs` after the container started (all of it once it exited: `elapsedMs` Infinity). */
export function outputUntil(program: ContainerProgram, elapsedMs: number): string {
  return program.output
    .filter((o) => o.atMs <= elapsedMs)
    .map((o) => o.text)
    .join('');
}

/** Where an exec'd process writes. */
export interface ExecOutput {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
}

/** Thrown by {@link execCommand} when the executable does not exist: the container runtime refuses to start the process. */
export class ExecutableNotFound extends Error {
  constructor(readonly executable: string) {
    super(`exec: "${executable}": executable file not found in $PATH`);
  }
}

/** The shell state of an interactive `sh` (its environment, directory and last status), kept across lines. */
export interface ShellState {
  env: Env;
  cwd: string;
  status: number;
}

/** The names a command can be run by directly (not as a shell builtin): the one-shot applets and {@link EXEC_COMMANDS} minus the builtins. */
const EXECUTABLES = new Set(['echo', 'true', 'false', 'sleep', 'printenv', 'env', ...EXEC_COMMANDS.filter((c) => c !== 'cd')]);

/**
 * Runs `argv` as `kubectl exec` starts it in a container: the process's output goes to `io`, it
 * reads `stdin` (all of it), and `exec` gives its filesystem. Returns the exit status and the
 * simulated ms its sleeps took.
 * @throws ExecutableNotFound when `argv[0]` is no executable of the modelled image (`exit`, `cd` are builtins)
 */
export function execCommand(argv: string[], env: Env, stdin: Buffer, exec: ExecContext, io: ExecOutput): { exitCode: number; runMs: number } {
  const name = argv[0] ?? '';
  if (!EXECUTABLES.has(name.split('/').pop()!) || (name.includes('/') && !/^\/(usr\/)?s?bin\/[^/]+$/.test(name))) throw new ExecutableNotFound(name);
  const p: Proc = { ms: 0, status: 0, stdin, env, cwd: '/', exec, out: (t) => io.stdout(Buffer.from(t)), err: (t) => io.stderr(Buffer.from(t)) };
  if (SHELLS.has(name.split('/').pop()!)) {
    p.env.set('SHLVL', '1');
    p.env.set('PWD', '/');
  }
  try {
    const r = runCommand(argv, p);
    return { exitCode: typeof r === 'object' ? r.exit : r, runMs: p.ms };
  } catch (e) {
    if (!(e instanceof Unmodelled)) throw e;
    io.stderr(Buffer.from(`${name}: ${e.message} (not modelled by lattice-sim)\n`));
    return { exitCode: 2, runMs: p.ms };
  }
}

/** A new interactive shell's state over the container's environment. */
export function newShell(env: Env): ShellState {
  const shellEnv = new Map(env);
  shellEnv.set('SHLVL', '1');
  shellEnv.set('PWD', '/');
  return { env: shellEnv, cwd: '/', status: 0 };
}

/** Runs one line typed into an interactive shell; returns the exit status when the line ran `exit`. */
export function runShellLine(line: string, shell: ShellState, exec: ExecContext, io: ExecOutput): number | undefined {
  const p: Proc = { ms: 0, status: shell.status, stdin: Buffer.alloc(0), env: shell.env, cwd: shell.cwd, exec, out: (t) => io.stdout(Buffer.from(t)), err: (t) => io.stderr(Buffer.from(t)) };
  const exited = runScript(line, p);
  shell.status = p.status;
  shell.cwd = p.cwd;
  return exited ? p.status : undefined;
}
