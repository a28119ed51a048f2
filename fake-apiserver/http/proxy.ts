/**
 * The `proxy` subresources of pods and services (Kubernetes docs "Accessing services running on the
 * cluster", "Manually constructing apiserver proxy URLs"; pkg/registry/core/{pod,service}/strategy.go
 * `ResourceLocation`), what `kubectl proxy` users reach as
 * `/api/v1/namespaces/<ns>/services/[<scheme>:]<name>[:<port>]/proxy/<path>` and
 * `/api/v1/namespaces/<ns>/pods/[<scheme>:]<name>[:<port>]/proxy/<path>`: kube-apiserver resolves
 * the backend and forwards the HTTP request to it, answering with the backend's status, headers and
 * body.
 *
 * - pods: the pod's IP at the given port (80 when none).
 * - services: the service port named or numbered by `<port>` (the only one when none is given; else
 *   503 `no service port "<port>" found for service "<name>"`), then the first ready endpoint of the
 *   service's EndpointSlices carrying that port's name, at the slice's port (503 `no endpoints
 *   available for service "<name>"` when there is none).
 *
 * The connection to the backend is the kubelet's (`PortForwardSource.connectPort`, what the
 * simulated network gives); a refused one is 503 `error trying to reach service: dial tcp
 * <ip>:<port>: connect: connection refused`. Not modelled: `https:` backends (forwarded as plain
 * HTTP), upgrades (WebSocket through the proxy), rewriting of links in HTML bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StatusError, statusError } from '../api/index.ts';
import type { KubeObject } from '../api/index.ts';
import type { ApiServer } from '../apiserver.ts';
import type { PortConnection, PortForwardSource } from './port-forward.ts';

/** What to proxy: from a ResourceRequest with subresource `proxy`. */
export interface ProxyTarget {
  resource: 'pods' | 'services';
  namespace: string;
  /** The path segment naming the backend: `[<scheme>:]<name>[:<port>]`. */
  name: string;
  /** Path on the backend, from `/`. */
  path: string;
  /** Query string without `?` ('' when none). */
  search: string;
}

/** The backend's answer, passed on to the client. */
export interface ProxyAnswer {
  code: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Headers of the client's request not forwarded (hop-by-hop, and the API server's own credentials). */
const DROPPED_REQUEST = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'authorization', 'host', 'content-length', 'impersonate-user', 'impersonate-group', 'impersonate-uid']);
/** Hop-by-hop headers of the backend's answer. */
const DROPPED_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

function splitName(segment: string): { name: string; port: string } {
  const parts = segment.split(':');
  if (parts.length === 3) return { name: parts[1]!, port: parts[2]! };
  if (parts.length === 2) return { name: parts[0]!, port: parts[1]! };
  return { name: segment, port: '' };
}

function unavailable(message: string): StatusError {
  return statusError('ServiceUnavailable', message);
}

/** The pod and port a service proxy request reaches. */
function serviceBackend(api: ApiServer, namespace: string, name: string, portSpec: string): { pod: KubeObject; ip: string; port: number } {
  const svc = api.get({ apiVersion: 'v1', kind: 'Service' }, { namespace, name });
  const ports = (svc.spec?.ports ?? []) as { name?: string; port: number }[];
  const svcPort = portSpec === '' ? (ports.length === 1 ? ports[0] : undefined) : ports.find((p) => p.name === portSpec || String(p.port) === portSpec);
  if (!svcPort) throw unavailable(`no service port ${JSON.stringify(portSpec)} found for service ${JSON.stringify(name)}`);
  const slices = api.list({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' }, { namespace, labelSelector: `kubernetes.io/service-name=${name}` }).items;
  for (const slice of slices) {
    const port = ((slice.ports ?? []) as { name?: string; port?: number }[]).find((p) => (p.name ?? '') === (svcPort.name ?? ''));
    if (port?.port === undefined) continue;
    for (const ep of (slice.endpoints ?? []) as { addresses: string[]; conditions?: { ready?: boolean }; targetRef?: { kind?: string; name?: string } }[]) {
      if (ep.conditions?.ready === false || ep.targetRef?.kind !== 'Pod' || !ep.targetRef.name) continue;
      const pod = api.get({ apiVersion: 'v1', kind: 'Pod' }, { namespace, name: ep.targetRef.name });
      return { pod, ip: ep.addresses[0] ?? '', port: port.port };
    }
  }
  throw unavailable(`no endpoints available for service ${JSON.stringify(name)}`);
}

/** The pod and port a pod proxy request reaches. */
function podBackend(api: ApiServer, namespace: string, name: string, portSpec: string): { pod: KubeObject; ip: string; port: number } {
  const pod = api.get({ apiVersion: 'v1', kind: 'Pod' }, { namespace, name });
  const ip = (pod.status?.podIP as string | undefined) ?? '';
  if (ip === '') throw statusError('BadRequest', 'address not allowed');
  const port = portSpec === '' ? 80 : Number(portSpec);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw statusError('BadRequest', `invalid port ${JSON.stringify(portSpec)}`);
  return { pod, ip, port };
}

/** Splits an HTTP/1.1 answer into status, headers and body (Content-Length or to the end). */
function parseAnswer(bytes: Buffer): ProxyAnswer {
  const end = bytes.indexOf('\r\n\r\n');
  const head = bytes.subarray(0, end < 0 ? bytes.length : end).toString('latin1').split('\r\n');
  const code = Number(head[0]?.split(' ')[1] ?? 502) || 502;
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0 && !DROPPED_RESPONSE.has(line.slice(0, i).trim().toLowerCase())) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return { code, headers, body: end < 0 ? Buffer.alloc(0) : bytes.subarray(end + 4) };
}

/**
 * Forwards one request to the backend `target` names.
 * @throws StatusError 404 for a missing pod or service, 503 for no port, no endpoint or a refused connection, 400 for a pod without IP or a bad port.
 */
export async function proxyRequest(api: ApiServer, target: ProxyTarget, method: string, headers: Record<string, string | string[] | undefined>, body: Buffer, source: PortForwardSource | undefined): Promise<ProxyAnswer> {
  const { name, port: portSpec } = splitName(target.name);
  const backend = target.resource === 'services' ? serviceBackend(api, target.namespace, name, portSpec) : podBackend(api, target.namespace, name, portSpec);
  const refused = () => unavailable(`error trying to reach service: dial tcp ${backend.ip}:${backend.port}: connect: connection refused`);
  if (!source) throw refused();
  const chunks: Buffer[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const toClient: PortConnection = { data: (b) => void chunks.push(Buffer.from(b)), end: () => done() };
  const conn = source.connectPort(backend.pod, backend.port, toClient);
  if ('error' in conn) throw refused();
  const lines = [`${method} ${target.path}${target.search ? `?${target.search}` : ''} HTTP/1.1`, `Host: ${backend.ip}:${backend.port}`];
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !DROPPED_REQUEST.has(k.toLowerCase())) for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${x}`);
  lines.push(`Content-Length: ${body.length}`, 'Connection: close', '', '');
  conn.data(Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), body]));
  conn.end();
  await finished;
  return parseAnswer(Buffer.concat(chunks));
}

/** Answers a pods|services `proxy` request on `res` (the HTTP front's part): the backend's answer, or the Status of a failure. */
export async function proxyAnswer(
  api: ApiServer,
  req: { resource: string; namespace?: string; name?: string; proxy?: { path: string; search: string } },
  incoming: IncomingMessage,
  body: Buffer,
  source: Partial<PortForwardSource> | undefined,
  res: ServerResponse,
  head: boolean,
): Promise<void> {
  try {
    const target: ProxyTarget = { resource: req.resource as ProxyTarget['resource'], namespace: req.namespace ?? '', name: req.name ?? '', path: req.proxy?.path ?? '/', search: req.proxy?.search ?? '' };
    const a = await proxyRequest(api, target, incoming.method ?? 'GET', incoming.headers, body, source?.connectPort ? (source as PortForwardSource) : undefined);
    res.writeHead(a.code, { ...a.headers, 'Content-Length': a.body.length });
    res.end(head ? undefined : a.body);
  } catch (e) {
    const st = e instanceof StatusError ? e.status : statusError('InternalError', `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`).status;
    const text = JSON.stringify(st);
    res.writeHead(st.code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(text) });
    res.end(head ? undefined : text);
  }
}
