/**
 * The HTTP front's I/O edge: a node:http server on a loopback address that reads each request,
 * hands it to {@link parseRequest} (pure) and {@link executeRequestWithWebhooks} / {@link openWatch}, and writes
 * the answer: JSON bodies, Status errors with their HTTP code, `Warning: 299 - "…"` headers, and
 * watches as a chunked stream of JSON lines. Each request is authenticated and authorized first (auth/http.ts `gate`).
 */
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { statusError } from '../api/index.ts';
import type { ApiServer } from '../apiserver.ts';
import { DEFAULT_LIMITS } from '../apiserver.ts';
import type { FaultInjector } from '../faults.ts';
import { controlRequest } from './control.ts';
import { DEFAULT_VERSION, errorResponse, executeRequestWithWebhooks, openWatch } from './execute.ts';
import type { PodLogSource } from './execute.ts';
import type { ApiResponse, VersionInfo } from './execute.ts';
import { parseRequest } from './request.ts';
import { followPodLog } from './pod-log-follow.ts';
import type { ApiRequest } from './request.ts';
import { ADMIN_USER, gate } from '../auth/index.ts';
import type { HttpAuthOptions } from '../auth/index.ts';
import { streamResource, streamUpgradeHandler } from './streaming.ts';
import { proxyAnswer } from './proxy.ts';
import type { PodStreamSource } from './streaming.ts';

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Loopback address to bind: `127.0.0.1` (default) or `::1`. Anything else is refused. */
  host?: '127.0.0.1' | '::1';
  /**
   * The administrator's static bearer token: when set, every request but /version and the health
   * checks needs credentials (this token, or a service-account token; else 401). Unset: a request
   * without credentials is the administrator's (auth/http.ts).
   */
  token?: string;
  /**
   * The administrator's bearer token, accepted but not required (`serve --tls` writes one into its
   * kubeconfig: kubectl over TLS sends credentials, or prompts for a password without any). Ignored with `token`.
   */
  adminToken?: string;
  /** API audiences service-account tokens must name (default: the issuer, `https://kubernetes.default.svc.cluster.local`). */
  audiences?: readonly string[];
  /** Wall time for Table ages (default Date.now). @unit ms since the epoch */
  now?: () => number;
  /** BOOKMARK period on watches that allow them (default 60 000). @unit ms */
  bookmarkIntervalMs?: number;
  /**
   * Send bookmarks at all (default true). Set false when the ApiServer's `deliver` is not the
   * default microtask (a World's seeded schedule): the current revision is then no safe bookmark.
   */
  bookmarks?: boolean;
  /** Longest watch without `timeoutSeconds` (default 1 800 000, upstream min-request-timeout). @unit ms */
  maxWatchMs?: number;
  /** `/version` answer (default Kubernetes v1.35). */
  version?: VersionInfo;
  /** Largest request body read (default 3 MiB, upstream); larger → 413. @unit bytes */
  maxRequestBytes?: number;
  /**
   * Fault rules consulted before each API request (latency in wall ms, Status answers, 429 with
   * `Retry-After`, watches closed at once); with it, the control endpoint `/lattice-sim/…`
   * (control.ts) is served too, behind the same token. Default: no faults, no control endpoint.
   */
  faults?: FaultInjector;
  /** Serve HTTPS with this certificate and key (PEM; see tls.ts `generateServingCertificate`); default plain HTTP. */
  tls?: { cert: string; key: string };
  /** A request without credentials is system:anonymous, authorized by RBAC (auth/http.ts `anonymous`); default: the administrator's. Ignored with `token`. */
  anonymous?: boolean;
  /** The kubelet's side of `pods/log` (a World's kubelet stub); without it containers print nothing. */
  podLogs?: PodLogSource;
  /** The kubelet's side of `pods/exec` and `pods/attach` (streaming.ts; a World's kubelet stub); without it they answer 500 once the pod and container check out. */
  podStreams?: PodStreamSource;
}

/** A running server. */
export interface RunningHttpServer {
  /** `http://127.0.0.1:<port>`, or `https://…` with `tls`. */
  url: string;
  port: number;
  /** Number of watch streams open now (tests wait on it; clients see no difference). */
  openWatches(): number;
  /** Ends open watches, closes every connection, stops listening. */
  close(): Promise<void>;
}

/** `299 - "<text>"` with `"` and `\` escaped and non-printable or non-ASCII characters replaced (header values are latin1). */
export function warningHeader(text: string): string {
  const safe = text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?');
  return `299 - "${safe}"`;
}

function send(res: ServerResponse, r: ApiResponse, head: boolean): void {
  const body = typeof r.body === 'string' || Buffer.isBuffer(r.body) ? r.body : JSON.stringify(r.body);
  // One writeHead with every header: cheaper than a setHeader each (no per-call header bookkeeping).
  const headers: OutgoingHttpHeaders = { 'Content-Type': r.contentType, 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(body) };
  const retryAfter = (r.body as { details?: { retryAfterSeconds?: number } } | undefined)?.details?.retryAfterSeconds;
  if (r.code === 429 && retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
  if (r.warnings.length) headers.Warning = r.warnings.map(warningHeader);
  res.writeHead(r.code, headers);
  res.end(head ? undefined : body);
}

/** Reads the body up to `limit` bytes; undefined when it is larger. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Starts the HTTP front of `api` on a loopback address.
 * @example
 * const http = await startHttpServer(new ApiServer({ clock }), { port: 0 });
 * await fetch(`${http.url}/api/v1/namespaces`);
 * await http.close();
 */
export async function startHttpServer(api: ApiServer, opts: HttpServerOptions = {}): Promise<RunningHttpServer> {
  const host = opts.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== '::1') throw new Error(`startHttpServer: host must be a loopback address (127.0.0.1 or ::1), got ${String(host)}`);
  const now = opts.now ?? (() => Date.now());
  const version = opts.version ?? DEFAULT_VERSION;
  const maxBytes = opts.maxRequestBytes ?? DEFAULT_LIMITS.maxRequestBytes;
  const watchOpts = { bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000, maxWatchMs: opts.maxWatchMs ?? 1_800_000, bookmarks: opts.bookmarks ?? true };
  const openWatches = new Set<() => void>();
  const adminToken = opts.token ?? opts.adminToken;
  const authOpts: HttpAuthOptions = { ...(adminToken !== undefined ? { adminToken } : {}), requireCredentials: opts.token !== undefined, ...(opts.anonymous ? { anonymous: true } : {}), ...(opts.audiences ? { audiences: opts.audiences } : {}) };
  let address = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const head = req.method === 'HEAD';
    const raw = await readBody(req, maxBytes);
    if (raw === undefined) return send(res, errorResponse(statusError('RequestEntityTooLarge', `Request entity too large: limit is ${maxBytes}`)), head);
    const text = raw.toString('utf8');
    const parsed = parseRequest({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: text, bodyBytes: raw });
    // Authentication, impersonation, RBAC authorization and escalation checks (fake-apiserver/auth).
    const admitted = gate(api, { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers }, parsed, authOpts, now());
    if (admitted.error) return send(res, errorResponse(admitted.error), head);
    const user = admitted.user === ADMIN_USER ? undefined : admitted.user;
    const faults = opts.faults;
    if (faults) {
      const control = controlRequest(api, faults, req.method ?? 'GET', req.url ?? '/', text);
      if (control) return send(res, control, head);
    }
    let dropWatch = false;
    if (faults && !faults.empty && parsed.kind === 'resource') {
      const d = faults.decide({ verb: parsed.verb, group: parsed.group, resource: parsed.resource, subresource: parsed.subresource, namespace: parsed.namespace, name: parsed.name });
      if (d.latencyMs > 0) await new Promise((r) => setTimeout(r, d.latencyMs));
      if (d.error) return send(res, errorResponse(d.error), head);
      dropWatch = d.dropWatch;
    }
    if (parsed.kind === 'resource' && parsed.verb === 'watch' && dropWatch) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
      return void res.end();
    }
    if (parsed.kind === 'resource' && parsed.verb === 'watch') {
      let started = false;
      const start = () => {
        if (started) return;
        started = true;
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
        res.flushHeaders();
      };
      const entry: { stop?: () => void } = {};
      const w = openWatch(api, parsed, {
        write: (line) => {
          start();
          res.write(line);
        },
        end: () => {
          start();
          res.end();
          if (entry.stop) openWatches.delete(entry.stop);
        },
      }, watchOpts, now);
      if ('code' in w) return send(res, w, head);
      entry.stop = w.stop;
      openWatches.add(w.stop);
      start();
      res.on('close', () => {
        w.stop();
        openWatches.delete(w.stop);
      });
      return;
    }
    if (parsed.kind === 'resource' && parsed.proxy) return proxyAnswer(api, parsed, req, raw, opts.podStreams, res, head);
    const answer = executeRequestWithWebhooks(api, parsed, { serverAddress: address, now, version, ...(opts.podLogs ? { podLogs: opts.podLogs } : {}), ...(user ? { user } : {}) });
    const podLogs = opts.podLogs;
    if (podLogs && parsed.kind === 'resource' && parsed.subresource === 'log' && parsed.query.follow && !head) {
      return void Promise.resolve(answer).then((r) => followPodLog(api, parsed, r, res, podLogs, (whole) => send(res, whole, false)));
    }
    if (answer instanceof Promise) void answer.then((r) => send(res, r, head));
    else send(res, answer, head);
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, errorResponse(e), false);
      else res.destroy();
    });
  };
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  // pods/exec, pods/attach and pods/portforward arrive as WebSocket upgrades (streaming.ts). They pass the
  // same gate as every request, authorized as `create` on the subresource: kube-apiserver asks `create`
  // of a WebSocket GET upgrade too (AuthorizePodWebsocketUpgradeCreatePermission).
  const authorizeUpgrade = (req: IncomingMessage): unknown => {
    const url = req.url ?? '/';
    const target = streamResource(url);
    const podUrl = target ? `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.name)}` : url;
    const pod = parseRequest({ method: 'GET', url: podUrl, headers: req.headers, body: '', bodyBytes: Buffer.alloc(0) });
    const parsed = target && pod.kind === 'resource' ? ({ ...pod, verb: 'create', subresource: target.subresource } as unknown as ApiRequest) : pod;
    return gate(api, { method: 'POST', url, headers: req.headers }, parsed, authOpts, now()).error;
  };
  const streams = streamUpgradeHandler(api, { authorize: authorizeUpgrade, ...(opts.podStreams ? { source: opts.podStreams } : {}) });
  server.on('upgrade', streams.handle);
  const port = (server.address() as AddressInfo).port;
  address = host === '::1' ? `[::1]:${port}` : `${host}:${port}`;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${address}`,
    port,
    openWatches: () => openWatches.size,
    close: async () => {
      for (const stop of [...openWatches]) stop();
      streams.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
