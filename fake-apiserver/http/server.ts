/**
 * The HTTP front's I/O edge: a node:http server on a loopback address that reads each request,
 * hands it to {@link parseRequest} (pure) and {@link executeRequestWithWebhooks} / {@link openWatch}, and writes
 * the answer: JSON bodies, Status errors with their HTTP code, `Warning: 299 - "…"` headers, and
 * watches as a chunked stream of JSON lines. Bearer-token authentication is optional.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { statusError } from '../api/index.ts';
import type { ApiServer } from '../apiserver.ts';
import { DEFAULT_LIMITS } from '../apiserver.ts';
import { DEFAULT_VERSION, errorResponse, executeRequestWithWebhooks, openWatch } from './execute.ts';
import type { ApiResponse, VersionInfo } from './execute.ts';
import { parseRequest } from './request.ts';

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Loopback address to bind: `127.0.0.1` (default) or `::1`. Anything else is refused. */
  host?: '127.0.0.1' | '::1';
  /** When set, every request but /version and the health checks needs `Authorization: Bearer <token>` (else 401). */
  token?: string;
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
}

/** A running server. */
export interface RunningHttpServer {
  /** `http://127.0.0.1:<port>` */
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
  const body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  res.statusCode = r.code;
  res.setHeader('Content-Type', r.contentType);
  res.setHeader('Cache-Control', 'no-cache, private');
  if (r.warnings.length) res.setHeader('Warning', r.warnings.map(warningHeader));
  res.setHeader('Content-Length', Buffer.byteLength(body));
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
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
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
  let address = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const head = req.method === 'HEAD';
    const raw = await readBody(req, maxBytes);
    if (raw === undefined) return send(res, errorResponse(statusError('RequestEntityTooLarge', `Request entity too large: limit is ${maxBytes}`)), head);
    const parsed = parseRequest({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: raw.toString('utf8'), bodyBytes: raw });
    if (opts.token !== undefined && parsed.kind !== 'version' && parsed.kind !== 'health' && req.headers.authorization !== `Bearer ${opts.token}`)
      return send(res, errorResponse(statusError('Unauthorized', 'Unauthorized')), head);
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
    const answer = executeRequestWithWebhooks(api, parsed, { serverAddress: address, now, version });
    if (answer instanceof Promise) void answer.then((r) => send(res, r, head));
    else send(res, answer, head);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, errorResponse(e), false);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  address = host === '::1' ? `[::1]:${port}` : `${host}:${port}`;
  return {
    url: `http://${address}`,
    port,
    openWatches: () => openWatches.size,
    close: async () => {
      for (const stop of [...openWatches]) stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
