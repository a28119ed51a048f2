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
 * The environment: `PATH` (busybox's default), `HOSTNAME` (the pod's `spec.hostname`, else its
 * name), the container's `env` with literal values in order, the variables of the `kubernetes`
 * Service (`KUBERNETES_SERVICE_HOST=10.96.0.1` …, which every container gets), `HOME=/root`, and
 * under a shell `SHLVL=1` and `PWD=/`. The order is this one (a runtime's is its own); the
 * variables of the namespace's other Services (service links) are not modelled.
 */

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
const BUSYBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const KUBERNETES_SERVICE_ENV: [string, string][] = [
  ['KUBERNETES_SERVICE_HOST', '10.96.0.1'],
  ['KUBERNETES_SERVICE_PORT', '443'],
  ['KUBERNETES_SERVICE_PORT_HTTPS', '443'],
  ['KUBERNETES_PORT', 'tcp://10.96.0.1:443'],
  ['KUBERNETES_PORT_443_TCP', 'tcp://10.96.0.1:443'],
  ['KUBERNETES_PORT_443_TCP_PROTO', 'tcp'],
  ['KUBERNETES_PORT_443_TCP_PORT', '443'],
  ['KUBERNETES_PORT_443_TCP_ADDR', '10.96.0.1'],
];

/** Thrown inside the model for what it does not cover. */
class Unmodelled extends Error {}

/** The environment: name → value, or null for a value the model does not know (`valueFrom`). */
type Env = Map<string, string | null>;

function environment(container: ContainerSpec, hostname: string, shell: boolean): Env {
  const env: Env = new Map([
    ['PATH', BUSYBOX_PATH],
    ['HOSTNAME', hostname],
  ]);
  for (const e of Array.isArray(container.env) ? (container.env as { name?: unknown; value?: unknown; valueFrom?: unknown }[]) : []) {
    if (typeof e?.name !== 'string') continue;
    env.set(e.name, e.valueFrom !== undefined ? null : typeof e.value === 'string' ? expand(e.value, env) : '');
  }
  for (const [k, v] of KUBERNETES_SERVICE_ENV) if (!env.has(k)) env.set(k, v);
  if (!env.has('HOME')) env.set('HOME', '/root');
  if (shell) {
    env.set('SHLVL', '1');
    env.set('PWD', '/');
  }
  return env;
}

/** `$(VAR)` references of an env value (Kubernetes dependent environment variables), unresolved ones kept. */
function expand(value: string, env: Env): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    const v = env.get(name!);
    return v === undefined || v === null ? m : v;
  });
}

const read = (env: Env, name: string): string => {
  const v = env.get(name);
  if (v === null) throw new Unmodelled(`${name} comes from valueFrom`);
  return v ?? '';
};

type Token = { word: string } | { op: ';' | '&&' | '||' };

/** Splits a `sh -c` script into words and list operators (see the module comment for what is covered). */
function tokenize(script: string, env: Env): Token[] {
  const out: Token[] = [];
  let i = 0;
  let word: string | undefined;
  const flush = () => {
    if (word !== undefined) out.push({ word });
    word = undefined;
  };
  const variable = (): string => {
    // At `$`: `${NAME}` or `$NAME`.
    const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(script.slice(i));
    if (!m) throw new Unmodelled('unsupported $ expansion');
    i += m[0].length;
    return read(env, m[1] ?? m[2]!);
  };
  while (i < script.length) {
    const c = script[i]!;
    if (c === ' ' || c === '\t') {
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
    } else if ('|&<>()`{}*?[]~'.includes(c)) {
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

/** Runs one simple command; returns its status, or 'exit' with the status to end the script. */
function runCommand(argv: string[], env: Env, state: { ms: number; status: number; output: ProgramOutput[] }): number | { exit: number } {
  const name = argv[0]!.split('/').pop()!;
  const out = (text: string) => {
    if (text) state.output.push({ atMs: state.ms, text });
  };
  switch (name) {
    case 'echo': {
      let words = argv.slice(1);
      const noNewline = words[0] === '-n';
      if (noNewline) words = words.slice(1);
      if (words[0] === '-e' || words[0] === '-E') throw new Unmodelled('echo -e');
      out(words.join(' ') + (noNewline ? '' : '\n'));
      return 0;
    }
    case 'true':
    case ':':
      return 0;
    case 'false':
      return 1;
    case 'exit': {
      if (argv.length === 1) return { exit: state.status };
      if (!/^\d+$/.test(argv[1]!)) throw new Unmodelled('exit with a non-numeric status');
      return { exit: Number(argv[1]) & 255 };
    }
    case 'sleep': {
      const seconds = argv.length === 2 ? sleepSeconds(argv[1]!) : undefined;
      if (seconds === undefined) throw new Unmodelled(`sleep ${argv.slice(1).join(' ')}`);
      state.ms += Math.round(seconds * 1000);
      return 0;
    }
    case 'printenv':
    case 'env': {
      if (argv.length === 1) {
        out([...env.keys()].map((k) => `${k}=${read(env, k)}\n`).join(''));
        return 0;
      }
      if (name === 'env') throw new Unmodelled('env with arguments');
      let status = 0;
      for (const k of argv.slice(1)) {
        if (env.has(k)) out(`${read(env, k)}\n`);
        else status = 1;
      }
      return status;
    }
    default:
      throw new Unmodelled(`command ${name}`);
  }
}

/** Runs a list of commands joined by `;` / `&&` / `||`. */
function runList(tokens: Token[], env: Env, state: { ms: number; status: number; output: ProgramOutput[] }): void {
  let argv: string[] = [];
  let skip = false;
  const finish = (): boolean => {
    if (argv.length === 0) return false;
    if (!skip) {
      const r = runCommand(argv, env, state);
      if (typeof r === 'object') {
        state.status = r.exit;
        return true;
      }
      state.status = r;
    }
    argv = [];
    return false;
  };
  for (const t of tokens) {
    if ('word' in t) {
      argv.push(t.word);
      continue;
    }
    if (argv.length === 0 && t.op !== ';') throw new Unmodelled(`syntax error near ${t.op}`);
    if (finish()) return;
    skip = t.op === '&&' ? state.status !== 0 : t.op === '||' ? state.status === 0 : false;
  }
  finish();
}

/**
 * The modelled run of `container` (see the module comment) in a pod whose hostname is `hostname`,
 * or undefined when its program is not modelled.
 */
export function containerProgram(container: ContainerSpec, hostname: string): ContainerProgram | undefined {
  const words = [...(Array.isArray(container.command) ? container.command : []), ...(Array.isArray(container.args) ? container.args : [])];
  if (words.length === 0 || !words.every((w): w is string => typeof w === 'string')) return undefined;
  const shell = SHELLS.has(words[0]!.split('/').pop()!) && words[1] === '-c' && words.length >= 3;
  const state = { ms: 0, status: 0, output: [] as ProgramOutput[] };
  try {
    const env = environment(container, hostname, shell);
    if (shell) runList(tokenize(words[2]!, env), env, state);
    else {
      // Shell builtins are no executables: run directly, they fail to start (not modelled).
      if (words[0] === 'exit' || words[0] === ':') return undefined;
      const r = runCommand(words, env, state);
      state.status = typeof r === 'object' ? r.exit : r;
    }
  } catch (e) {
    if (e instanceof Unmodelled) return undefined;
    throw e;
  }
  return { runMs: state.ms, exitCode: state.status, output: state.output };
}

/** The output of a run `elapsedMs` after the container started (all of it once it exited: `elapsedMs` Infinity). */
export function outputUntil(program: ContainerProgram, elapsedMs: number): string {
  return program.output
    .filter((o) => o.atMs <= elapsedMs)
    .map((o) => o.text)
    .join('');
}
