/**
 * The streaming subresources of pods — `pods/exec` and `pods/attach` — as kube-apiserver serves them
 * to kubectl v1.35 over WebSocket (RemoteCommand protocol v5, `v5.channel.k8s.io`; v4 and the
 * pre-v4 `channel.k8s.io` / `base64.channel.k8s.io` names as the kubelet's own WebSocket server
 * negotiates them). Facts from k8s.io/apimachinery `util/remotecommand` (channels, protocol names),
 * apiserver `util/proxy/websocket.go` (the v5 server), kubelet `cri/streaming/remotecommand`
 * (ServeExec statuses, pre-v4 error channel) and client-go `tools/remotecommand/websocket.go`.
 *
 * Protocol: every binary message starts with its channel byte — stdin 0, stdout 1, stderr 2,
 * error 3, resize 4 (JSON `{"Width":w,"Height":h}` objects), and in v5 255: a close signal whose
 * second byte names the channel the client is done writing (stdin). base64 protocols send text
 * messages with the channel as an ASCII digit and base64 data. The server first writes an empty
 * message on the lowest channel it writes (stdout, else stderr, else error), then the process's
 * output; at the end one message on the error channel — v4/v5 a metav1.Status: `Success`, or
 * `Failure` with reason `NonZeroExitCode` and a cause `{reason: ExitCode, message: "<code>"}`, or
 * `InternalError` (500) when the process could not run; pre-v4 the error text only — then the
 * WebSocket close frame, waiting for the client's.
 *
 * Checks before the upgrade, in kube-apiserver's order (pod `ExecLocation` / `AttachLocation`):
 * 404 pod not found; 400 `a container name must be specified for pod <p>, choose one of: [a b]`
 * (several containers and none named; kubectl names the defaulted one itself), 400 `container <c>
 * is not valid for pod <p>`, 400 `pod <p> does not have a host assigned`; then the kubelet's
 * refusals ({@link StreamRefused}: plain text with its HTTP code, e.g. 500 `container not found
 * ("c")` for a container that is not running), which kubectl prints as `error: unable to upgrade
 * connection: container not found ("c")`.
 *
 * `pods/portforward` (after the pod's 404 and `does not have a host assigned` checks) is a SPDY
 * session tunnelled in the WebSocket: port-forward.ts.
 *
 * Not modelled: SPDY/3.1 (kubectl 1.35 tries WebSocket first and falls back to SPDY only when the
 * upgrade fails; an SPDY request here gets the same checks, then a 400 saying so); idle timeouts;
 * requests without an upgrade (upstream: 400 `Upgrade request required`).
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { statusError, StatusError, notFound } from '../api/index.ts';
import type { KubeObject } from '../api/index.ts';
import type { ApiServer } from '../apiserver.ts';
import { PORT_FORWARD_PROTOCOL, servePortForward } from './port-forward.ts';
import type { PortForwardSource } from './port-forward.ts';

/** Channel numbers of the RemoteCommand protocols (apimachinery `util/remotecommand`). */
export const STREAM_STDIN = 0;
export const STREAM_STDOUT = 1;
export const STREAM_STDERR = 2;
export const STREAM_ERROR = 3;
export const STREAM_RESIZE = 4;
export const STREAM_CLOSE = 255;

/** Subprotocols accepted, in the order tried when a client offers several with equal preference (the client's order wins). */
export const REMOTE_COMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'] as const;

/** The streams a request asks for (PodExecOptions / PodAttachOptions `stdin`, `stdout`, `stderr`, `tty`). */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** How a stream session ended: the process's exit code (0 = Success), or an error the runtime reports instead (InternalError). */
export type StreamExit = { exitCode: number; message?: string } | { internalError: string };

/** Where the kubelet's side writes: the process's output and its end (called once, last). */
export interface StreamSink {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  exit(result: StreamExit): void;
}

/** What the client sends into a running session. */
export interface StreamInput {
  stdin(data: Buffer): void;
  /** The client is done writing stdin (v5 close signal, or the connection closing). */
  closeStdin(): void;
  /** A terminal size (TTY sessions). */
  resize(width: number, height: number): void;
  /** The client went away: stop, write nothing more. */
  close(): void;
}

/**
 * The kubelet's part of the streaming subresources (a World's kubelet stub through `serve`): runs
 * a command in, or attaches to, a container the API server has checked exists in a scheduled pod.
 * @throws StreamRefused when the kubelet refuses (the container is not running …)
 */
export interface PodStreamSource extends Partial<PortForwardSource> {
  exec(pod: KubeObject, container: string, command: string[], opts: StreamOptions, sink: StreamSink): StreamInput;
  attach(pod: KubeObject, container: string, opts: StreamOptions, sink: StreamSink): StreamInput;
}

/** A kubelet refusal before a session starts: the HTTP code and the plain-text message it answers with (kubelet `streaming.WriteError`). */
export class StreamRefused extends Error {
  constructor(
    readonly httpCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** A streaming request, as parsed from the URL or built in process. */
export interface PodStreamRequest {
  subresource: 'exec' | 'attach';
  namespace: string;
  name: string;
  container?: string;
  /** exec: the command and its arguments (`command` query parameters, in order). */
  command?: string[];
  options: StreamOptions;
}

/**
 * The pod and container a streaming request addresses, checked as kube-apiserver does before it
 * proxies to the kubelet (see the module comment).
 * @throws StatusError 404 / 400 as above
 */
export function streamTarget(api: ApiServer, req: PodStreamRequest): { pod: KubeObject; container: string } {
  if (!api.has({ apiVersion: 'v1', kind: 'Pod' }, { namespace: req.namespace, name: req.name })) throw notFound('pods', '', req.name, 'pods');
  const pod = api.get({ apiVersion: 'v1', kind: 'Pod' }, { namespace: req.namespace, name: req.name });
  const names = (key: string) => ((pod.spec?.[key] ?? []) as { name: string }[]).map((c) => c.name);
  const containers = names('containers');
  const inits = names('initContainers');
  const ephemeral = names('ephemeralContainers');
  let container = req.container ?? '';
  if (!container) {
    if (containers.length !== 1) {
      let msg = `a container name must be specified for pod ${req.name}, choose one of: [${containers.join(' ')}]`;
      if (inits.length) msg += ` or one of the init containers: [${inits.join(' ')}]`;
      if (ephemeral.length) msg += ` or one of the ephemeral containers: [${ephemeral.join(' ')}]`;
      throw statusError('BadRequest', msg);
    }
    container = containers[0]!;
  }
  if (![...containers, ...inits, ...ephemeral].includes(container)) throw statusError('BadRequest', `container ${container} is not valid for pod ${req.name}`);
  if (!pod.spec?.nodeName) throw statusError('BadRequest', `pod ${req.name} does not have a host assigned`);
  if (req.subresource === 'exec' && !req.command?.length) throw statusError('BadRequest', 'you must specify at least 1 command');
  const o = req.options;
  if (!o.stdin && !o.stdout && !o.stderr) throw statusError('BadRequest', 'you must specify at least 1 of stdin, stdout, stderr');
  return { pod, container };
}

/**
 * The in-process equivalent of a `pods/exec` or `pods/attach` connection: checks the request
 * ({@link streamTarget}) and starts the session at the kubelet (`source`).
 * @throws StatusError (API server checks) or StreamRefused (kubelet)
 */
export function openPodStream(api: ApiServer, source: PodStreamSource | undefined, req: PodStreamRequest, sink: StreamSink): StreamInput {
  const { pod, container } = streamTarget(api, req);
  if (!source) throw new StreamRefused(500, 'no kubelet serves streams on this server (serve --stubs runs one)');
  return req.subresource === 'exec' ? source.exec(pod, container, req.command!, req.options, sink) : source.attach(pod, container, req.options, sink);
}

const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)$/;
const truthy = (v: string | null) => v === 'true' || v === '1';

/** The pod and streaming subresource a URL's path addresses, or undefined when it is no pods/exec, pods/attach or pods/portforward. */
export function streamResource(url: string): { namespace: string; name: string; subresource: 'exec' | 'attach' | 'portforward' } | undefined {
  const m = PATH.exec(new URL(url, 'http://x').pathname);
  return m ? { namespace: decodeURIComponent(m[1]!), name: decodeURIComponent(m[2]!), subresource: m[3] as 'exec' | 'attach' | 'portforward' } : undefined;
}

/** The streaming request of a URL, or undefined when the path is no pods/exec or pods/attach. */
export function parseStreamUrl(url: string): PodStreamRequest | 'portforward' | undefined {
  const r = streamResource(url);
  if (!r) return undefined;
  if (r.subresource === 'portforward') return 'portforward';
  const q = new URL(url, 'http://x').searchParams;
  const container = q.get('container') ?? undefined;
  return {
    subresource: r.subresource,
    namespace: r.namespace,
    name: r.name,
    ...(container ? { container } : {}),
    ...(r.subresource === 'exec' ? { command: q.getAll('command') } : {}),
    options: { stdin: truthy(q.get('stdin')), stdout: truthy(q.get('stdout')), stderr: truthy(q.get('stderr')), tty: truthy(q.get('tty')) },
  };
}

/** Writes a plain HTTP answer on a socket that asked for an upgrade, and closes it. */
function answer(socket: Duplex, code: number, body: string, contentType: string): void {
  const bytes = Buffer.from(body);
  socket.end(`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}\r\nContent-Type: ${contentType}\r\nCache-Control: no-cache, private\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n${body}`);
}

function answerError(socket: Duplex, e: unknown): void {
  if (e instanceof StreamRefused) return answer(socket, e.httpCode, e.message, 'text/plain; charset=utf-8');
  const st = e instanceof StatusError ? e.status : statusError('InternalError', `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`).status;
  answer(socket, st.code, JSON.stringify(st), 'application/json');
}

/** The error-channel message of a session's end for `protocol` (v4/v5: Status JSON; pre-v4: error text, nothing on success). */
export function exitMessage(result: StreamExit, command: string[] | undefined, protocol: string): string | undefined {
  const v4 = protocol.startsWith('v4.') || protocol.startsWith('v5.');
  // metav1.Status as Go marshals it: empty TypeMeta omitted, causes without a type have no `reason`.
  let status: Record<string, unknown>;
  if ('internalError' in result) {
    status = { metadata: {}, status: 'Failure', message: `Internal error occurred: ${result.internalError}`, reason: 'InternalError', details: { causes: [{ message: result.internalError }] }, code: 500 };
  } else if (result.exitCode === 0) {
    if (!v4) return undefined;
    status = { metadata: {}, status: 'Success' };
  } else {
    const text = result.message ?? `error executing command ${command ? `[${command.join(' ')}]` : '[]'}, exit code ${result.exitCode}`;
    status = { metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: ${text}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(result.exitCode) }] } };
  }
  return v4 ? JSON.stringify(status) : String(status.message ?? '');
}

/** A token standing in for {@link PORT_FORWARD_PROTOCOL} while `ws` negotiates (see the port-forward handler). */
const PORT_FORWARD_TOKEN = 'lattice-sim.spdy-3.1-portforward';

/** Options of {@link streamUpgradeHandler}. */
export interface StreamUpgradeOptions {
  /** The HTTP front's authentication and authorization of the upgrade request: the error to answer, or undefined to go on. */
  authorize?: (req: IncomingMessage) => unknown;
  source?: PodStreamSource;
}

/** What the node:http server's `upgrade` event calls, and a close for its open sessions. */
export interface StreamUpgradeHandler {
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Ends every open session (the server is closing). */
  close(): void;
}

/** Serves pods/exec and pods/attach upgrades of `api` (see the module comment). */
export function streamUpgradeHandler(api: ApiServer, opts: StreamUpgradeOptions): StreamUpgradeHandler {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => {
      for (const p of offered) {
        if ((REMOTE_COMMAND_PROTOCOLS as readonly string[]).includes(p)) return p;
        if (p === PORT_FORWARD_TOKEN) return PORT_FORWARD_PROTOCOL;
      }
      return false;
    },
  });
  const open = new Set<WebSocket>();
  /** pods/portforward: the pod's checks, then a SPDY session tunnelled in the WebSocket (port-forward.ts). */
  const portForward = (req: IncomingMessage, socket: Duplex, head: Buffer, target: { namespace: string; name: string }): void => {
    const { namespace, name } = target;
    if (!api.has({ apiVersion: 'v1', kind: 'Pod' }, { namespace, name })) return answerError(socket, notFound('pods', '', name, 'pods'));
    const pod = api.get({ apiVersion: 'v1', kind: 'Pod' }, { namespace, name });
    if (!pod.spec?.nodeName) return answerError(socket, statusError('BadRequest', `pod ${name} does not have a host assigned`));
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || !offered.includes(PORT_FORWARD_PROTOCOL))
      return answerError(socket, statusError('BadRequest', `lattice-sim serves pods/portforward as SPDY tunnelled over WebSocket (${PORT_FORWARD_PROTOCOL}) only; plain SPDY/3.1 is not modelled`));
    const source = opts.source?.connectPort ? (opts.source as PortForwardSource) : undefined;
    // `ws` accepts only RFC 7230 tokens as subprotocols and `/` is none: offer it a stand-in; the answer names the real one.
    req.headers['sec-websocket-protocol'] = PORT_FORWARD_TOKEN;
    wss.handleUpgrade(req, socket, head, (conn) => {
      open.add(conn);
      conn.on('close', () => open.delete(conn));
      conn.on('error', () => conn.terminate());
      servePortForward(conn, pod, source);
    });
  };
  const handle = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const refused = opts.authorize?.(req);
    if (refused) return answerError(socket, refused);
    const parsed = parseStreamUrl(req.url ?? '/');
    if (parsed === undefined) return answerError(socket, statusError('NotFound', 'the server could not find the requested resource', {}));
    if (parsed === 'portforward') return portForward(req, socket, head, streamResource(req.url ?? '/')!);
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') return answerError(socket, statusError('MethodNotAllowed', `the server does not allow this method on the requested resource`));
    try {
      streamTarget(api, parsed);
    } catch (e) {
      return answerError(socket, e);
    }
    const websocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    if (!websocket) return answerError(socket, statusError('BadRequest', `lattice-sim serves pods/${parsed.subresource} over WebSocket (v5.channel.k8s.io) only; SPDY/3.1 is not modelled`));
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (offered.length && !offered.some((p) => (REMOTE_COMMAND_PROTOCOLS as readonly string[]).includes(p)))
      return answerError(socket, statusError('BadRequest', `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${REMOTE_COMMAND_PROTOCOLS.join(' ')}]`));
    // The kubelet's refusals come before the upgrade too: start the session first, buffering what it writes until the socket is open.
    const pending: (() => void)[] = [];
    let ws: WebSocket | undefined;
    let protocol = 'v5.channel.k8s.io';
    const base64 = () => protocol.includes('base64');
    const frame = (channel: number, data: Buffer) => {
      if (!ws || ws.readyState !== ws.OPEN) return;
      if (base64()) ws.send(`${channel}${data.toString('base64')}`);
      else ws.send(Buffer.concat([Buffer.of(channel), data]), { binary: true });
    };
    const later = (fn: () => void) => (ws ? fn() : pending.push(fn));
    let ended = false;
    const sink: StreamSink = {
      stdout: (d) => later(() => frame(STREAM_STDOUT, d)),
      stderr: (d) => later(() => frame(STREAM_STDERR, d)),
      exit: (result) =>
        later(() => {
          if (ended) return;
          ended = true;
          const msg = exitMessage(result, parsed.command, protocol);
          if (msg !== undefined) frame(STREAM_ERROR, Buffer.from(msg));
          ws?.close(1000);
        }),
    };
    let input: StreamInput;
    try {
      input = openPodStream(api, opts.source, parsed, sink);
    } catch (e) {
      return answerError(socket, e);
    }
    wss.handleUpgrade(req, socket, head, (conn) => {
      ws = conn;
      protocol = conn.protocol || '';
      open.add(conn);
      const o = parsed.options;
      frame(o.stdout ? STREAM_STDOUT : o.stderr ? STREAM_STDERR : STREAM_ERROR, Buffer.alloc(0));
      let resizeText = '';
      conn.on('message', (raw, isBinary) => {
        if (ended) return;
        const msg = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer);
        if (msg.length === 0) return;
        let channel = msg[0]!;
        let data = msg.subarray(1);
        if (!isBinary || base64()) {
          channel -= 48;
          data = Buffer.from(data.toString('ascii'), 'base64');
        }
        if (channel === STREAM_STDIN && o.stdin) input.stdin(data);
        else if (channel === STREAM_RESIZE) {
          resizeText += data.toString('utf8');
          // A stream of JSON objects: take every complete one.
          for (let m = /^\s*(\{[^}]*\})/.exec(resizeText); m; m = /^\s*(\{[^}]*\})/.exec(resizeText)) {
            resizeText = resizeText.slice(m[0].length);
            try {
              const size = JSON.parse(m[1]!) as { Width?: number; Height?: number };
              input.resize(size.Width ?? 0, size.Height ?? 0);
            } catch {
              // not a TerminalSize: ignored, as upstream's decoder stops on it
            }
          }
        } else if (channel === STREAM_CLOSE && protocol.startsWith('v5.') && data[0] === STREAM_STDIN) input.closeStdin();
      });
      conn.on('close', () => {
        open.delete(conn);
        if (!ended) {
          ended = true;
          input.close();
        }
      });
      conn.on('error', () => conn.terminate());
      for (const fn of pending.splice(0)) fn();
    });
  };
  return {
    handle: (req, socket, head) => {
      try {
        handle(req, socket, head);
      } catch (e) {
        answerError(socket, e);
      }
    },
    close: () => {
      for (const ws of open) ws.terminate();
      open.clear();
      wss.close();
    },
  };
}
