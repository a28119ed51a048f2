/**
 * `pods/portforward` as kubectl v1.35 speaks it: a WebSocket with subprotocol
 * `SPDY/3.1+portforward.k8s.io` whose binary messages tunnel a SPDY/3.1 session (client-go
 * `tools/portforward/tunneling_connection.go`: the bytes of the session, split across messages at
 * will). In the session the client opens, per forwarded connection, an `error` stream and a `data`
 * stream (SYN_STREAM headers `streamtype`, `port`, `requestid`; kubelet
 * `cri/streaming/portforward/httpstream.go`); the server answers each with SYN_REPLY, connects
 * to the port in the pod (the kubelet's {@link PortForwardSource}) and copies bytes both ways on
 * the data stream; a failure is written as text on the error stream, which then ends.
 *
 * SPDY/3.1 framing (draft-mbelshe-httpbis-spdy-00): control frames `0x8003 <type>`, flags and a
 * 24-bit length; data frames a 31-bit stream id, flags (FIN 0x01) and a length. Header blocks are
 * zlib streams with the SPDY/3 dictionary, one stream per direction over the whole session: the
 * client's are inflated from everything received so far; the server's are written as stored
 * (uncompressed) deflate blocks, which need no dictionary. PING frames are echoed; SETTINGS,
 * WINDOW_UPDATE and HEADERS are read and ignored (no flow control, as spdystream).
 *
 * Not modelled: plain SPDY/3.1 upgrades (HTTP `Upgrade: SPDY/3.1`, kubectl's fallback), the
 * kubelet's own WebSocket port-forward protocol (`?ports=`), UDP.
 */
import { inflateSync, constants as zconstants } from 'node:zlib';
import type { WebSocket } from 'ws';
import type { KubeObject } from '../api/index.ts';

/** The subprotocol kubectl 1.35 asks for. */
export const PORT_FORWARD_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

/** One byte stream to or from a port in the pod. */
export interface PortConnection {
  /** Bytes from the client. */
  data(bytes: Buffer): void;
  /** The client finished writing (or went away). */
  end(): void;
}

/**
 * The kubelet's side of port forwarding: connect to `port` in the pod's network namespace. The
 * returned connection receives the client's bytes; `toClient` takes the pod's. A refused
 * connection is `{ error }`, the text the kubelet writes on the error stream.
 */
export interface PortForwardSource {
  connectPort(pod: KubeObject, port: number, toClient: PortConnection): PortConnection | { error: string };
}

/** The SPDY/3 header compression dictionary: length-prefixed tokens, then a tail of common values (the spec's table, built from its parts). */
const SPDY_DICTIONARY: Buffer = (() => {
  const tokens = [
    'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language', 'accept-ranges', 'age', 'allow', 'authorization',
    'cache-control', 'connection', 'content-base', 'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type',
    'date', 'etag', 'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified', 'location',
    'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade',
    'user-agent', 'vary', 'via', 'warning', 'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
  ];
  const codes = '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505';
  const tail = `${codes}203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.`;
  const parts: Buffer[] = [];
  for (const t of tokens) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(t.length);
    parts.push(len, Buffer.from(t, 'latin1'));
  }
  parts.push(Buffer.from(tail, 'latin1'));
  return Buffer.concat(parts);
})();

const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const GOAWAY = 7;
const FLAG_FIN = 1;

function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8003, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24) | body.length, 4);
  return Buffer.concat([h, body]);
}

function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(streamId & 0x7fffffff, 0);
  h.writeUInt32BE(((flags & 0xff) << 24) | data.length, 4);
  return Buffer.concat([h, data]);
}

/** Parses an uncompressed SPDY/3 name/value block into lower-case names → first value. */
function headerBlock(block: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 4;
  const n = block.readUInt32BE(0);
  for (let i = 0; i < n; i++) {
    const nl = block.readUInt32BE(at);
    const name = block.subarray(at + 4, at + 4 + nl).toString('latin1');
    at += 4 + nl;
    const vl = block.readUInt32BE(at);
    const value = block.subarray(at + 4, at + 4 + vl).toString('latin1');
    at += 4 + vl;
    out.set(name.toLowerCase(), value.split('\0')[0]!);
  }
  return out;
}

interface PendingRequest {
  port?: number;
  errorStream?: number;
  dataStream?: number;
  connection?: PortConnection;
}

/**
 * Serves one port-forward session on an open WebSocket (subprotocol {@link PORT_FORWARD_PROTOCOL})
 * for `pod`, connecting through `source`. Returns a function that ends the session.
 */
export function servePortForward(ws: WebSocket, pod: KubeObject, source: PortForwardSource | undefined): () => void {
  let inbound = Buffer.alloc(0);
  /** Every compressed header byte the client sent, and how much of its inflated form was consumed. */
  let compressed = Buffer.alloc(0);
  let inflatedUsed = 0;
  let outboundHeaderStarted = false;
  const requests = new Map<string, PendingRequest>();
  const byStream = new Map<number, PendingRequest>();
  const send = (frame: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(frame, { binary: true });
  };
  /** An empty name/value block as a continuation of the server's zlib stream: stored deflate blocks (no compression, no dictionary reference). */
  const emptyHeaders = (): Buffer => {
    const plain = Buffer.alloc(4); // zero pairs
    // A stored block with the data, then an empty one: the sync-flush marker, after which an inflater hands out what it has without reading on.
    const stored = Buffer.concat([Buffer.from([0x00, plain.length & 0xff, plain.length >> 8, ~plain.length & 0xff, (~plain.length >> 8) & 0xff]), plain, Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff])]);
    if (outboundHeaderStarted) return stored;
    outboundHeaderStarted = true;
    return Buffer.concat([Buffer.from([0x78, 0x01]), stored]);
  };
  const inflateHeaders = (chunk: Buffer): Buffer => {
    compressed = Buffer.concat([compressed, chunk]);
    const all = inflateSync(compressed, { dictionary: SPDY_DICTIONARY, finishFlush: zconstants.Z_SYNC_FLUSH });
    const fresh = all.subarray(inflatedUsed);
    inflatedUsed = all.length;
    return fresh;
  };
  const finish = (req: PendingRequest) => {
    if (req.errorStream !== undefined) send(dataFrame(req.errorStream, FLAG_FIN, Buffer.alloc(0)));
    if (req.dataStream !== undefined) send(dataFrame(req.dataStream, FLAG_FIN, Buffer.alloc(0)));
  };
  const start = (req: PendingRequest) => {
    if (req.errorStream === undefined || req.dataStream === undefined || req.connection || req.port === undefined) return;
    const dataStream = req.dataStream;
    const conn = source?.connectPort(pod, req.port, {
      data: (bytes) => send(dataFrame(dataStream, 0, bytes)),
      end: () => finish(req),
    }) ?? { error: `error forwarding port ${req.port} to pod ${pod.metadata.uid ?? ''}, uid : no kubelet serves port forwarding on this server` };
    if ('error' in conn) {
      send(dataFrame(req.errorStream, 0, Buffer.from(conn.error)));
      finish(req);
      req.connection = { data: () => undefined, end: () => undefined };
      return;
    }
    req.connection = conn;
  };
  const onControl = (type: number, flags: number, body: Buffer) => {
    if (type === SYN_STREAM) {
      const streamId = body.readUInt32BE(0) & 0x7fffffff;
      const headers = headerBlock(inflateHeaders(body.subarray(10)));
      send(controlFrame(SYN_REPLY, 0, Buffer.concat([body.subarray(0, 4), emptyHeaders()])));
      const requestId = headers.get('requestid') ?? String(streamId);
      const req = requests.get(requestId) ?? {};
      requests.set(requestId, req);
      byStream.set(streamId, req);
      const port = Number(headers.get('port'));
      if (Number.isInteger(port)) req.port = port;
      if (headers.get('streamtype') === 'error') req.errorStream = streamId;
      else if (headers.get('streamtype') === 'data') req.dataStream = streamId;
      else send(controlFrame(RST_STREAM, 0, Buffer.concat([body.subarray(0, 4), Buffer.from([0, 0, 0, 1])])));
      start(req);
      if (flags & FLAG_FIN && byStream.get(streamId)?.dataStream === streamId) byStream.get(streamId)?.connection?.end();
    } else if (type === PING) send(controlFrame(PING, 0, body));
    else if (type === GOAWAY) ws.close(1000);
    else if (type === RST_STREAM) {
      const req = byStream.get(body.readUInt32BE(0) & 0x7fffffff);
      req?.connection?.end();
    }
    // SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do (no flow control).
  };
  const onData = (streamId: number, flags: number, data: Buffer) => {
    const req = byStream.get(streamId);
    if (!req || req.dataStream !== streamId) return; // the error stream carries nothing from the client
    if (data.length) req.connection?.data(data);
    if (flags & FLAG_FIN) req.connection?.end();
  };
  ws.on('message', (raw: Buffer) => {
    inbound = Buffer.concat([inbound, raw]);
    while (inbound.length >= 8) {
      const len = inbound.readUInt32BE(4) & 0xffffff;
      if (inbound.length < 8 + len) break;
      const flags = inbound[4]!;
      const body = inbound.subarray(8, 8 + len);
      if (inbound[0]! & 0x80) onControl(inbound.readUInt16BE(2), flags, Buffer.from(body));
      else onData(inbound.readUInt32BE(0) & 0x7fffffff, flags, Buffer.from(body));
      inbound = inbound.subarray(8 + len);
    }
  });
  const stop = () => {
    for (const req of requests.values()) req.connection?.end();
    requests.clear();
  };
  ws.on('close', stop);
  return () => {
    stop();
    ws.close(1000);
  };
}
