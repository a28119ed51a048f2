/**
 * The container runtime's side of `kubectl exec`, `kubectl cp` and `kubectl attach` (the kubelet's
 * streaming server and containerd's exec), for the streaming subresources the HTTP front serves
 * (fake-apiserver/http/streaming.ts `PodStreamSource`). Processes run in the program model of
 * container-program.ts over the container's environment (container-env.ts, resolved: ConfigMaps,
 * Secrets, downward API, service links) and filesystem (container-fs.ts, with a writable layer per
 * container instance kept here, so files `kubectl cp` puts in can be read back).
 *
 * - A container that is not running (waiting, terminated, or not yet in the status) is refused as
 *   the kubelet refuses it: 500 `container not found ("<name>")`.
 * - A command that is no executable of the modelled busybox image fails to start as containerd
 *   reports it: an InternalError `error executing command in container: failed to exec in
 *   container: failed to start exec "<id>": OCI runtime exec failed: exec failed: unable to start
 *   container process: exec: "<cmd>": executable file not found in $PATH: unknown` (kubectl prints
 *   it and exits 1). Inside a shell an unknown command is `sh: <cmd>: not found`, status 127.
 * - A command that reads stdin (`cat` without files, `tar x`, `sh` without `-c`, `grep` / `head` /
 *   `wc` without files) with `stdin` requested runs once the client closed stdin, with all of it;
 *   other commands run at once. An interactive shell (`sh` with stdin) runs each line as it comes:
 *   with a TTY it echoes what is typed (CR → CRLF, backspace), prints busybox's prompt `<cwd> # `,
 *   writes `\r\n` line ends, and ends on `exit` or Ctrl-D; without a TTY it prints no prompt and
 *   ends at the end of stdin. Resize events are accepted (the model does not lay out text).
 * - Output is written at once; the exit comes after the process's `sleep`s (wall ms, through `after`).
 * - port-forward: a TCP `containerPort` some container of the pod declares answers as a small HTTP
 *   server: every request (read up to its blank line) gets `200 OK`, `Content-Type: text/plain`,
 *   `Connection: close` and the body `lattice-sim: <ns>/<pod> container <c> port <n>[ (<name>)]:
 *   <method> <path>\n`, then the connection ends. Any other port is refused as containerd reports
 *   it on the error stream: `error forwarding port <n> to pod <sandbox id>, uid : failed to execute
 *   portforward in network namespace "/var/run/netns/cni-<uuid>": failed to connect to
 *   localhost:<n> inside namespace "<sandbox id>", IPv4: dial tcp4 127.0.0.1:<n>: connect:
 *   connection refused IPv6 dial tcp6 [::1]:<n>: connect: connection refused ` (kubectl logs it as
 *   `an error occurred forwarding <local> -> <n>: …`).
 * - attach: what the container prints from now on (its log grows: polled every `pollMs`), until it
 *   stops running (then Success); stdin is accepted and dropped. Attached with stdin to a container
 *   whose spec has `stdin: true` (`kubectl run -i`, `kubectl debug -i`), the session is the
 *   container's main process instead: its command and args (none: busybox's `sh`) run as an exec
 *   session would, reading the attached stdin (an interactive shell for a bare shell); when it ends
 *   the stream ends in Success and the container exits with the process's code (`processExited`).
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import type { ApiServer } from '../../../fake-apiserver/index.ts';
import { SERVICE_ACCOUNT_ISSUER, serviceAccountToken } from '../../../fake-apiserver/virtual/index.ts';
import { StreamRefused } from '../../../fake-apiserver/http/index.ts';
import type { PodStreamSource, PortConnection, StreamInput, StreamOptions, StreamSink } from '../../../fake-apiserver/http/index.ts';
import { containerEnvironment } from './container-env.ts';
import { ContainerFs } from './container-fs.ts';
import type { FsNode } from './container-fs.ts';
import { ExecutableNotFound, execCommand, newShell, runShellLine } from './container-program.ts';
import type { ExecContext, ExecOutput } from './container-program.ts';

/** What the runtime reads from the cluster and how it keeps time. */
export interface RuntimeSources {
  /** The pod as stored now, or undefined once deleted. */
  pod(namespace: string, name: string): KubeObject | undefined;
  /** A ConfigMap, Secret or Service, or undefined. */
  get(kind: 'ConfigMap' | 'Secret' | 'Service', namespace: string, name: string): KubeObject | undefined;
  /** The Services of a namespace. */
  services(namespace: string): KubeObject[];
  /** A bound token of the pod's service account (audiences empty: the API server's). */
  token(pod: KubeObject, audiences: string[], expirationSeconds: number): string | undefined;
  /** What the container has printed so far (the kubelet stub's `containerLog`). */
  containerLog(pod: KubeObject, container: string): string;
  /** The cluster's time (file mtimes). @unit ms since the epoch */
  nowMs(): number;
  /** Runs `fn` after `ms` wall ms (a session's sleeps, attach polling); returns a cancel. */
  after(ms: number, fn: () => void): () => void;
  /** A container's main process, run as an attach session (see `attach`), exited with `exitCode`: the kubelet's container exits with it. */
  processExited?(pod: KubeObject, container: string, exitCode: number): void;
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash']);
const base = (a: string | undefined) => (a ?? '').split('/').pop()!;

/** Whether the process `argv` reads its stdin (see the module comment). */
function readsStdin(argv: string[]): boolean {
  const name = base(argv[0]);
  const operands = argv.slice(1).filter((a) => !a.startsWith('-') || a === '-');
  switch (name) {
    case 'cat':
      return operands.length === 0 || operands.includes('-');
    case 'tar':
      return /^-?[a-zA-Z]*[xt]/.test(argv[1] ?? '');
    case 'grep':
      return operands.length <= 1;
    case 'head':
    case 'wc':
      return operands.length === 0 || (name === 'head' && argv[1] === '-n' && operands.length <= 1);
    default:
      return SHELLS.has(name) && argv[1] !== '-c';
  }
}

interface ContainerStatusView {
  name: string;
  restartCount?: number;
  state?: { running?: unknown };
}

/** The kubelet stub's container runtime for exec / attach sessions (see the module comment). */
export class ContainerRuntime implements PodStreamSource {
  /** Writable layers by `<pod uid>/<container>/<restartCount>`. */
  private readonly layers = new Map<string, Map<string, FsNode | null>>();
  private execs = 0;

  /** @param pollMs attach's polling period of the container's output (wall ms) */
  constructor(
    private readonly sources: RuntimeSources,
    private readonly pollMs = 250,
  ) {}

  /** The running container's status, or the kubelet's refusal. */
  private running(pod: KubeObject, container: string): ContainerStatusView {
    const st = pod.status as { containerStatuses?: ContainerStatusView[]; initContainerStatuses?: ContainerStatusView[]; ephemeralContainerStatuses?: ContainerStatusView[] } | undefined;
    const s = [...(st?.containerStatuses ?? []), ...(st?.initContainerStatuses ?? []), ...(st?.ephemeralContainerStatuses ?? [])].find((c) => c.name === container);
    if (!s?.state?.running) throw new StreamRefused(500, `container not found ("${container}")`);
    return s;
  }

  private spec(pod: KubeObject, container: string): Record<string, unknown> {
    const all = [...((pod.spec?.containers ?? []) as Record<string, unknown>[]), ...((pod.spec?.initContainers ?? []) as Record<string, unknown>[]), ...((pod.spec?.ephemeralContainers ?? []) as Record<string, unknown>[])];
    return all.find((c) => c.name === container) ?? { name: container };
  }

  /** The process context of `container`: environment, filesystem over its instance's writable layer. */
  private context(pod: KubeObject, container: string, status: ContainerStatusView): { env: ReturnType<typeof containerEnvironment>; exec: ExecContext } {
    const spec = this.spec(pod, container);
    const hostname = (pod.spec?.hostname as string | undefined) ?? pod.metadata.name;
    const ns = pod.metadata.namespace ?? 'default';
    const src = this.sources;
    const env = containerEnvironment(spec, hostname, false, { pod, lookup: (kind, n, name) => src.get(kind, n, name), services: (n) => src.services(n) });
    const key = `${pod.metadata.uid ?? ns + '/' + pod.metadata.name}/${container}/${status.restartCount ?? 0}`;
    let layer = this.layers.get(key);
    if (!layer) this.layers.set(key, (layer = new Map()));
    const fs = new ContainerFs({ pod, lookup: (kind, name) => src.get(kind, ns, name), token: (aud, exp) => src.token(pod, aud, exp) }, spec, hostname, layer);
    return { env, exec: { fs, hostname, nowSec: Math.floor(src.nowMs() / 1000) } };
  }

  /** Starts `command` in the running `container` of `pod`. @throws StreamRefused when the container is not running */
  exec(pod: KubeObject, container: string, command: string[], opts: StreamOptions, sink: StreamSink): StreamInput {
    const status = this.running(pod, container);
    const { env, exec } = this.context(pod, container, status);
    const execId = createHash('sha256').update(`${pod.metadata.uid ?? pod.metadata.name}/${container}/exec/${++this.execs}`).digest('hex');
    const tty = opts.tty;
    const crlf = (d: Buffer) => (tty ? Buffer.from(d.toString('utf8').replace(/\r?\n/g, '\r\n')) : d);
    const io: ExecOutput = { stdout: (d) => opts.stdout && sink.stdout(crlf(d)), stderr: (d) => (tty ? opts.stdout && sink.stdout(crlf(d)) : opts.stderr && sink.stderr(d)) };
    let done = false;
    let cancel: (() => void) | undefined;
    const finish = (exitCode: number, runMs = 0) => {
      if (done) return;
      done = true;
      if (runMs > 0) cancel = this.sources.after(runMs, () => sink.exit({ exitCode }));
      else sink.exit({ exitCode });
    };
    const run = (stdin: Buffer) => {
      try {
        const r = execCommand(command, env, stdin, exec, io);
        finish(r.exitCode, r.runMs);
      } catch (e) {
        if (!(e instanceof ExecutableNotFound)) throw e;
        done = true;
        sink.exit({ internalError: `error executing command in container: failed to exec in container: failed to start exec "${execId}": OCI runtime exec failed: exec failed: unable to start container process: ${e.message}: unknown` });
      }
    };
    const closed = { stdin: () => undefined, closeStdin: () => undefined, resize: () => undefined, close: () => ((done = true), cancel?.()) };
    if (!opts.stdin || !readsStdin(command)) {
      run(Buffer.alloc(0));
      return closed;
    }
    if (SHELLS.has(base(command[0])) && command[1] !== '-c' && command.length === 1) return this.interactive(env, exec, tty, io, finish, closed.close);
    const chunks: Buffer[] = [];
    return {
      ...closed,
      stdin: (d) => void chunks.push(d),
      closeStdin: () => {
        if (!done) run(Buffer.concat(chunks));
      },
    };
  }

  /** An interactive shell: one line at a time (see the module comment). */
  private interactive(env: ReturnType<typeof containerEnvironment>, exec: ExecContext, tty: boolean, io: ExecOutput, finish: (code: number) => void, close: () => void): StreamInput {
    const shell = newShell(env);
    let line = '';
    let ended = false;
    const prompt = () => tty && io.stdout(Buffer.from(`${shell.cwd} # `));
    const runLine = (text: string) => {
      const code = runShellLine(text, shell, exec, io);
      if (code !== undefined) {
        ended = true;
        finish(code);
      } else prompt();
    };
    prompt();
    return {
      stdin: (d) => {
        if (ended) return;
        for (const ch of d.toString('utf8')) {
          if (ended) return;
          if (tty && ch === '\x04' && line === '') {
            io.stdout(Buffer.from('\n'));
            ended = true;
            finish(shell.status);
          } else if (tty && (ch === '\x7f' || ch === '\b')) {
            if (line) {
              line = line.slice(0, -1);
              io.stdout(Buffer.from('\b \b'));
            }
          } else if (ch === '\r' || ch === '\n') {
            if (tty && ch === '\n') continue;
            if (tty) io.stdout(Buffer.from('\n'));
            const text = line;
            line = '';
            runLine(text);
          } else if (tty && ch === '\x03') {
            line = '';
            io.stdout(Buffer.from('^C\n'));
            prompt();
          } else {
            line += ch;
            if (tty) io.stdout(Buffer.from(ch));
          }
        }
      },
      closeStdin: () => {
        if (ended) return;
        if (line) runLine(line);
        line = '';
        if (!ended) {
          ended = true;
          finish(shell.status);
        }
      },
      resize: () => undefined,
      close,
    };
  }

  /** Connects to `port` in the pod's network namespace (see the module comment). */
  connectPort(pod: KubeObject, port: number, toClient: PortConnection): PortConnection | { error: string } {
    const id = (what: string) => createHash('sha256').update(`${pod.metadata.uid ?? pod.metadata.name}/${what}`).digest('hex');
    const containers = [...((pod.spec?.containers ?? []) as { name: string; ports?: { containerPort: number; name?: string; protocol?: string }[] }[])];
    const owner = containers.find((c) => (c.ports ?? []).some((p) => p.containerPort === port && (p.protocol ?? 'TCP') === 'TCP'));
    if (!owner) {
      const sandbox = id('sandbox');
      const n = id('netns');
      const netns = `/var/run/netns/cni-${n.slice(0, 8)}-${n.slice(8, 12)}-${n.slice(12, 16)}-${n.slice(16, 20)}-${n.slice(20, 32)}`;
      return {
        error: `error forwarding port ${port} to pod ${sandbox}, uid : failed to execute portforward in network namespace "${netns}": failed to connect to localhost:${port} inside namespace "${sandbox}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `,
      };
    }
    const portName = owner.ports!.find((p) => p.containerPort === port)!.name;
    let request = '';
    let answered = false;
    return {
      data: (bytes) => {
        if (answered) return;
        request += bytes.toString('latin1');
        const end = request.indexOf('\r\n\r\n');
        if (end < 0) return;
        answered = true;
        const [method = 'GET', path = '/'] = request.slice(0, request.indexOf('\r\n')).split(' ');
        const body = `lattice-sim: ${pod.metadata.namespace ?? 'default'}/${pod.metadata.name} container ${owner.name} port ${port}${portName ? ` (${portName})` : ''}: ${method} ${path}\n`;
        toClient.data(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`));
        toClient.end();
      },
      end: () => {
        if (!answered) toClient.end();
        answered = true;
      },
    };
  }

  /**
   * Attaches to the running `container` of `pod`: its output from now on, until it stops; with stdin,
   * to a container whose spec keeps stdin open (`stdin: true`, as `kubectl run -i` / `kubectl debug -i`
   * create it), the session is its main process reading that stdin (see the module comment).
   * @throws StreamRefused when it is not running
   */
  attach(pod: KubeObject, container: string, opts: StreamOptions, sink: StreamSink): StreamInput {
    this.running(pod, container);
    const spec = this.spec(pod, container);
    if (opts.stdin && spec.stdin === true) {
      const argv = [...(Array.isArray(spec.command) ? spec.command : []), ...(Array.isArray(spec.args) ? spec.args : [])].map(String);
      // Every image is modelled as busybox, whose default command is `sh`. The attach stream itself ends in Success (the CRI
      // attach reports no exit status); the container exits with the process's code.
      const ended: StreamSink = {
        stdout: (d) => sink.stdout(d),
        stderr: (d) => sink.stderr(d),
        exit: (r) => {
          if ('exitCode' in r) this.sources.processExited?.(pod, container, r.exitCode);
          sink.exit('exitCode' in r ? { exitCode: 0 } : r);
        },
      };
      return this.exec(pod, container, argv.length ? argv : ['sh'], opts, ended);
    }
    const ns = pod.metadata.namespace ?? 'default';
    let seen = this.sources.containerLog(pod, container).length;
    let cancel: (() => void) | undefined;
    let stopped = false;
    const poll = () => {
      if (stopped) return;
      const now = this.sources.pod(ns, pod.metadata.name);
      const text = now && now.metadata.uid === pod.metadata.uid ? this.sources.containerLog(now, container) : '';
      if (text.length > seen) {
        const more = Buffer.from(text.slice(seen));
        if (opts.stdout) sink.stdout(opts.tty ? Buffer.from(more.toString('utf8').replace(/\r?\n/g, '\r\n')) : more);
        seen = text.length;
      }
      try {
        if (!now || now.metadata.uid !== pod.metadata.uid) throw new StreamRefused(500, 'gone');
        this.running(now, container);
      } catch {
        stopped = true;
        sink.exit({ exitCode: 0 });
        return;
      }
      cancel = this.sources.after(this.pollMs, poll);
    };
    cancel = this.sources.after(this.pollMs, poll);
    return {
      stdin: () => undefined,
      closeStdin: () => undefined,
      resize: () => undefined,
      close: () => {
        stopped = true;
        cancel?.();
      },
    };
  }
}

/**
 * The runtime's sources over an API server read directly (the kubelet's view is the stored state):
 * objects by kind, tokens of the pod's service account issued at its start (so a pod's token stays
 * the same), the kubelet stub's `containerLog`, the cluster clock, and wall-clock timers.
 */
export function apiRuntimeSources(api: ApiServer, containerLog: (pod: KubeObject, container: string) => string, nowMs: () => number, processExited?: RuntimeSources['processExited']): RuntimeSources {
  const read = (kind: string, namespace: string, name: string) => (api.has({ apiVersion: 'v1', kind }, { namespace, name }) ? api.get({ apiVersion: 'v1', kind }, { namespace, name }) : undefined);
  return {
    pod: (namespace, name) => read('Pod', namespace, name),
    get: (kind, namespace, name) => read(kind, namespace, name),
    services: (namespace) => api.list({ apiVersion: 'v1', kind: 'Service' }, { namespace }).items,
    token: (pod, audiences, expirationSeconds) => {
      const ns = pod.metadata.namespace ?? 'default';
      const sa = (pod.spec?.serviceAccountName as string | undefined) ?? 'default';
      const started = Date.parse((pod.status?.startTime as string | undefined) ?? pod.metadata.creationTimestamp ?? '') || nowMs();
      const spec = { audiences: audiences.length ? audiences : [SERVICE_ACCOUNT_ISSUER], expirationSeconds, boundObjectRef: { kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid ?? '' } };
      return serviceAccountToken(api, ns, sa, read('ServiceAccount', ns, sa)?.metadata.uid, spec, started).token;
    },
    containerLog,
    nowMs,
    ...(processExited ? { processExited } : {}),
    after: (ms, fn) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
  };
}
