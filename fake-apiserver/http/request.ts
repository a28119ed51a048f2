/**
 * HTTP request → {@link ApiRequest}: pure parsing, no I/O, no server (STYLE.md rule 9; kube-rs
 * `kube-core/src/request.rs` in reverse). Paths, verbs, query parameters and content types follow
 * anchors-apiserver.md §3.1, 3.7, 3.9, 3.18 and the Kubernetes API concepts page. Anything this
 * server cannot route becomes an `{ kind: 'error' }` value carrying the Status kube-apiserver
 * would answer (404 NotFound, 405 MethodNotAllowed, 415 UnsupportedMediaType, 400 BadRequest).
 */
import { parse as parseYaml } from 'yaml';
import { statusError } from '../api/index.ts';
import type { FieldValidation, StatusError } from '../api/index.ts';
import { PROTOBUF_TYPE, decodeKubeProtobuf } from './protobuf.ts';
import { CREATE_SUBRESOURCES } from '../virtual/index.ts';

/** What the HTTP front hands to {@link parseRequest}: the raw request, already read. */
export interface RawRequest {
  method: string;
  /** Path and query, e.g. `/api/v1/namespaces/default/configmaps?labelSelector=a%3Db`. */
  url: string;
  /** Header names in lower case (node:http convention). */
  headers: Record<string, string | string[] | undefined>;
  /** Request body as text ('' when none). */
  body: string;
  /** The same body as bytes, for binary media types (protobuf); defaults to the UTF-8 of `body`. */
  bodyBytes?: Uint8Array;
}

/** Resource verbs (Kubernetes API concepts: API verbs). `deletecollection` is a DELETE on a collection path. */
export type ResourceVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** PATCH body formats by Content-Type. */
export type HttpPatchType = 'merge' | 'json' | 'strategic' | 'apply';

/** The query parameters this server understands, typed. Unknown parameters are ignored (as upstream does for most). */
export interface ApiQuery {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  /** `NotOlderThan` or `Exact` (checked by the ApiServer, 422 as upstream). */
  resourceVersionMatch?: string;
  /** List chunk size. @unit items */
  limit?: number;
  /** Continue token of the previous list chunk. */
  continue?: string;
  /** Watch-list: synthetic ADDED events for the current state, then an initial-events-end BOOKMARK. */
  sendInitialEvents?: boolean;
  watch?: boolean;
  /** @unit seconds */
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
  /** `dryRun=All` (the only value upstream accepts). */
  dryRun?: boolean;
  fieldManager?: string;
  force?: boolean;
  fieldValidation?: FieldValidation;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /** PodLogOptions (pods/log): `container`, `previous`, `tailLines`, `follow`. */
  container?: string;
  previous?: boolean;
  follow?: boolean;
  tailLines?: number;
  /** Deprecated DeleteOptions `orphanDependents` (query form). */
  orphanDependents?: boolean;
  /** Table `includeObject` (None, Metadata, Object); default Metadata. */
  includeObject?: 'None' | 'Metadata' | 'Object';
}

/** A request on a resource path: `/api/v1/...` or `/apis/<group>/<version>/...`. */
export interface ResourceRequest {
  kind: 'resource';
  verb: ResourceVerb;
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural resource name, e.g. `configmaps`. */
  resource: string;
  subresource?: 'status' | 'scale' | 'log' | 'eviction' | 'token' | 'approval' | 'proxy' | 'ephemeralcontainers';
  /** `proxy` of pods and services: the path after `/proxy` (from `/`) and the query string, forwarded to the backend (proxy.ts). */
  proxy?: { path: string; search: string };
  namespace?: string;
  name?: string;
  query: ApiQuery;
  /** Parsed body (JSON or YAML), undefined when there is none. */
  body?: unknown;
  /** Media type of the body without parameters, e.g. `application/merge-patch+json`. */
  contentType?: string;
  /** Set for PATCH. */
  patchType?: HttpPatchType;
  /** What the client accepts back. */
  accept: AcceptKind;
  /** `User-Agent` of a write: names its field manager when the request gives no `fieldManager`. */
  userAgent?: string;
}

/** Response formats a client may ask for in `Accept`. */
export type AcceptKind = 'json' | 'table' | 'aggregated-discovery';

/** Discovery documents (anchors §3.2). */
export interface DiscoveryRequest {
  kind: 'discovery';
  /** `/api` (APIVersions), `/apis` (APIGroupList), `/api/v1` or `/apis/<g>/<v>` (APIResourceList), `/apis/<g>` (APIGroup). */
  doc: 'core-versions' | 'group-list' | 'resource-list' | 'group';
  group?: string;
  version?: string;
  accept: AcceptKind;
}

/** Requests outside the resource tree. */
export interface OtherRequest {
  kind: 'version' | 'health' | 'openapi-v2' | 'openapi-v3-index' | 'openapi-v3-doc';
  /** `healthz`, `readyz`, `livez` for health; the group/version path (`api/v1`, `apis/apps/v1`) for openapi-v3-doc. */
  path?: string;
  /** Health: the check named after the endpoint (`/livez/etcd` → `etcd`), when one is. */
  check?: string;
  /** Health: the query string without `?` (`verbose`, `exclude=etcd`), when there is one. */
  search?: string;
  /** openapi-v2: the client asked for gnostic's protobuf (kubectl does), not JSON. */
  protobuf?: boolean;
}

/** A request that cannot be served: the Status to answer with. */
export interface ErrorRequest {
  kind: 'error';
  error: StatusError;
}

/** Everything {@link parseRequest} can produce. */
export type ApiRequest = ResourceRequest | DiscoveryRequest | OtherRequest | ErrorRequest;

const PATCH_TYPES: Record<string, HttpPatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};
/** Upstream wording of the 415 for PATCH (the built-in list; custom resources drop strategic merge). */
export const PATCH_MEDIA_TYPES = 'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json';
const BODY_TYPES = new Set(['application/json', 'application/yaml', PROTOBUF_TYPE, '*/*', '']);

/** The upstream 404 for paths no handler serves. */
export function pathNotFound(): StatusError {
  return statusError('NotFound', 'the server could not find the requested resource', {});
}

/** The upstream 405. */
export function methodNotAllowed(): StatusError {
  return statusError('MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

function header(raw: RawRequest, name: string): string {
  const v = raw.headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

/** Answers of {@link acceptKind} by Accept value; cleared when it reaches {@link ACCEPT_KINDS_MAX} entries. */
const ACCEPT_KINDS = new Map<string, AcceptKind>();
const ACCEPT_KINDS_MAX = 256;

/** Which response format `Accept` asks for first (Table and aggregated discovery are opt-in media type parameters). */
export function acceptKind(accept: string): AcceptKind {
  // A client sends the same few Accept values over and over: remember the answers (bounded).
  const known = ACCEPT_KINDS.get(accept);
  if (known !== undefined) return known;
  const kind = acceptKindOf(accept);
  if (ACCEPT_KINDS.size >= ACCEPT_KINDS_MAX) ACCEPT_KINDS.clear();
  ACCEPT_KINDS.set(accept, kind);
  return kind;
}

function acceptKindOf(accept: string): AcceptKind {
  for (const part of accept.split(',')) {
    const [type, ...params] = part.replace(/\s+/g, '').split(';');
    if (params.includes('as=Table') && params.includes('g=meta.k8s.io') && (params.includes('v=v1') || params.includes('v=v1beta1'))) return 'table';
    if (params.includes('as=APIGroupDiscoveryList') && params.includes('g=apidiscovery.k8s.io') && params.includes('v=v2')) return 'aggregated-discovery';
    if (params.length === 0 && (type === 'application/json' || type === '*/*' || type === '')) return 'json';
  }
  return 'json';
}

/** Media type without parameters, lower-cased. */
function mediaType(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

function bool(v: string | null): boolean | undefined {
  return v === null ? undefined : v === 'true' || v === '1';
}

/** Parses the query string into {@link ApiQuery}; a bad value is a 400 (upstream wording where known). Only parameters present are set. */
export function parseQuery(params: URLSearchParams): ApiQuery | StatusError {
  const q: ApiQuery = {};
  const labelSelector = params.get('labelSelector');
  if (labelSelector !== null) q.labelSelector = labelSelector;
  const fieldSelector = params.get('fieldSelector');
  if (fieldSelector !== null) q.fieldSelector = fieldSelector;
  const resourceVersion = params.get('resourceVersion');
  if (resourceVersion !== null) q.resourceVersion = resourceVersion;
  const resourceVersionMatch = params.get('resourceVersionMatch');
  if (resourceVersionMatch !== null) q.resourceVersionMatch = resourceVersionMatch;
  const cont = params.get('continue');
  if (cont !== null) q.continue = cont;
  const sendInitialEvents = bool(params.get('sendInitialEvents'));
  if (sendInitialEvents !== undefined) q.sendInitialEvents = sendInitialEvents;
  const watch = bool(params.get('watch'));
  if (watch !== undefined) q.watch = watch;
  const limit = params.get('limit');
  if (limit !== null && limit !== '') {
    if (!/^-?\d+$/.test(limit)) return statusError('BadRequest', `invalid limit: ${JSON.stringify(limit)}`);
    q.limit = Number(limit);
  }
  const allowWatchBookmarks = bool(params.get('allowWatchBookmarks'));
  if (allowWatchBookmarks !== undefined) q.allowWatchBookmarks = allowWatchBookmarks;
  const force = bool(params.get('force'));
  if (force !== undefined) q.force = force;
  const fieldManager = params.get('fieldManager');
  if (fieldManager !== null) q.fieldManager = fieldManager;
  const timeout = params.get('timeoutSeconds');
  if (timeout !== null) {
    if (!/^\d+$/.test(timeout)) return statusError('BadRequest', `invalid timeoutSeconds: ${JSON.stringify(timeout)}`);
    q.timeoutSeconds = Number(timeout);
  }
  const dryRun = params.getAll('dryRun');
  if (dryRun.length) {
    const bad = dryRun.filter((d) => d !== 'All');
    if (bad.length) return statusError('BadRequest', `Invalid dryRun value: ${bad.map((b) => JSON.stringify(b)).join(', ')}: Unsupported value: ${JSON.stringify(bad[0])}: supported values: "All"`);
    q.dryRun = true;
  }
  const fv = params.get('fieldValidation');
  if (fv !== null) {
    if (fv !== 'Ignore' && fv !== 'Warn' && fv !== 'Strict') return statusError('BadRequest', `fieldValidation must be one of "Ignore", "Warn", or "Strict", got ${JSON.stringify(fv)}`);
    q.fieldValidation = fv;
  }
  const pp = params.get('propagationPolicy');
  if (pp !== null) {
    if (pp !== 'Background' && pp !== 'Foreground' && pp !== 'Orphan') return statusError('BadRequest', `propagationPolicy: Unsupported value: ${JSON.stringify(pp)}: supported values: "Foreground", "Background", "Orphan"`);
    q.propagationPolicy = pp;
  }
  const orphanDependents = bool(params.get('orphanDependents'));
  if (orphanDependents !== undefined) q.orphanDependents = orphanDependents;
  const container = params.get('container');
  if (container !== null) q.container = container;
  const previous = bool(params.get('previous'));
  if (previous !== undefined) q.previous = previous;
  const follow = bool(params.get('follow'));
  if (follow !== undefined) q.follow = follow;
  const tail = params.get('tailLines');
  if (tail !== null) {
    if (!/^-?\d+$/.test(tail)) return statusError('BadRequest', `tailLines: Invalid value: ${JSON.stringify(tail)}: must be an integer`);
    q.tailLines = Number(tail);
  }
  const io = params.get('includeObject');
  if (io !== null) {
    if (io !== 'None' && io !== 'Metadata' && io !== 'Object') return statusError('BadRequest', `includeObject: Unsupported value: ${JSON.stringify(io)}`);
    q.includeObject = io;
  }
  return q;
}

/** Parses a body by media type: JSON, YAML for apply patches and `application/yaml`, Kubernetes protobuf for a few kinds (protobuf.ts). */
export function parseBody(body: string, media: string, bytes?: Uint8Array): { value: unknown } | StatusError {
  if (media === PROTOBUF_TYPE) return bytes?.length || body ? decodeKubeProtobuf(bytes ?? Buffer.from(body, 'utf8')) : { value: undefined };
  if (body.trim() === '') return { value: undefined };
  try {
    if (media === 'application/apply-patch+yaml' || media === 'application/yaml') return { value: parseYaml(body) };
    return { value: JSON.parse(body) };
  } catch (e) {
    const what = media.includes('yaml') ? 'yaml' : 'json';
    return statusError('BadRequest', `error decoding ${what} body: ${(e as Error).message.split('\n')[0]}`);
  }
}

function err(error: StatusError): ErrorRequest {
  return { kind: 'error', error };
}

/**
 * Whether the WHATWG URL parser would rewrite this path: not starting with `/`, a control, space or
 * non-ASCII character, `#`, `%` (a `%2e` is a dot), `\`, or a `.` / `..` segment.
 */
function urlParserNeeded(path: string): boolean {
  if (path.charCodeAt(0) !== 0x2f) return true;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x23 || c === 0x25 || c === 0x5c) return true;
    if (c === 0x2e && path.charCodeAt(i - 1) === 0x2f) {
      const next = i + 1 < path.length ? path.charCodeAt(i + 1) : 0x2f;
      const after = i + 2 < path.length ? path.charCodeAt(i + 2) : 0x2f;
      if (next === 0x2f || (next === 0x2e && after === 0x2f)) return true;
    }
  }
  return false;
}

/**
 * Request target → decoded non-empty path segments and the query string (without `?`; '' when none),
 * as `new URL(target, 'http://localhost')` gives them. Plain paths (the common case) skip the URL parser.
 */
function splitUrl(target: string): { segs: string[]; search: string } {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  if (urlParserNeeded(path) || (q >= 0 && target.includes('#', q))) {
    const url = new URL(target, 'http://localhost');
    const segs = url.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    return { segs, search: url.search.slice(1) };
  }
  const segs: string[] = [];
  for (const s of path.split('/')) if (s !== '') segs.push(s);
  return { segs, search: q < 0 ? '' : target.slice(q + 1) };
}

/** The authorization verb of a proxied request by HTTP method (upstream's RequestInfo mapping). */
const PROXY_VERBS: Record<string, ResourceVerb> = { GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/**
 * Parses one HTTP request into an {@link ApiRequest} (pure). Routes:
 * `/version`, `/healthz|readyz|livez`, `/openapi/v2`, `/openapi/v3[/<gv>]`, `/api`, `/apis`,
 * `/apis/<group>`, `/api/v1` and `/apis/<group>/<version>` (discovery), and resource paths
 * `<prefix>[/watch][/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]` (and
 * `/api/v1/namespaces/<name>[/status]` for Namespace objects themselves).
 */
export function parseRequest(raw: RawRequest): ApiRequest {
  const { segs, search } = splitUrl(raw.url);
  const method = raw.method.toUpperCase();
  const accept = acceptKind(header(raw, 'accept'));
  const isRead = method === 'GET' || method === 'HEAD';

  if (segs.length === 1 && segs[0] === 'version') return isRead ? { kind: 'version' } : err(methodNotAllowed());
  if (segs.length >= 1 && ['healthz', 'readyz', 'livez'].includes(segs[0])) {
    if (!isRead) return err(methodNotAllowed());
    return { kind: 'health', path: segs[0], ...(segs.length > 1 ? { check: segs.slice(1).join('/') } : {}), ...(search !== '' ? { search } : {}) };
  }
  if (segs[0] === 'openapi') {
    if (!isRead) return err(methodNotAllowed());
    if (segs[1] === 'v2' && segs.length === 2) return header(raw, 'accept').includes('proto-openapi.spec.v2') ? { kind: 'openapi-v2', protobuf: true } : { kind: 'openapi-v2' };
    if (segs[1] === 'v3' && segs.length === 2) return { kind: 'openapi-v3-index' };
    if (segs[1] === 'v3') return { kind: 'openapi-v3-doc', path: segs.slice(2).join('/') };
    return err(pathNotFound());
  }

  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api') {
    if (segs.length === 1) return isRead ? { kind: 'discovery', doc: 'core-versions', accept } : err(methodNotAllowed());
    if (segs[1] !== 'v1') return err(pathNotFound());
    group = '';
    version = 'v1';
    rest = segs.slice(2);
  } else if (segs[0] === 'apis') {
    if (segs.length === 1) return isRead ? { kind: 'discovery', doc: 'group-list', accept } : err(methodNotAllowed());
    if (segs.length === 2) return isRead ? { kind: 'discovery', doc: 'group', group: segs[1], accept } : err(methodNotAllowed());
    group = segs[1];
    version = segs[2];
    rest = segs.slice(3);
  } else {
    return err(pathNotFound());
  }
  if (rest.length === 0) return isRead ? { kind: 'discovery', doc: 'resource-list', group, version, accept } : err(methodNotAllowed());

  // `namespaces/<ns>/pods|services/<name>/proxy[/<path>]`: forwarded to the backend as it is (proxy.ts), any method, query and body untouched.
  if (group === '' && rest[0] === 'namespaces' && rest[4] === 'proxy' && (rest[2] === 'pods' || rest[2] === 'services') && rest[3] !== undefined) {
    const verb: ResourceVerb = PROXY_VERBS[method] ?? 'get';
    return { kind: 'resource', verb, group, version, resource: rest[2], namespace: rest[1], name: rest[3], subresource: 'proxy', query: {}, accept, proxy: { path: `/${rest.slice(5).join('/')}`, search } };
  }
  const queryOrErr = search === '' ? {} : parseQuery(new URLSearchParams(search));
  if (queryOrErr instanceof Error) return err(queryOrErr);
  const query = queryOrErr;
  if (rest[0] === 'watch') {
    query.watch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  // `/namespaces/<ns>/<resource>...`; but `/namespaces` and `/namespaces/<name>[/status]` address Namespace objects.
  const namespaceItself = group === '' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize');
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceItself) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) return err(pathNotFound());
  const [resource, name, sub] = rest;
  // Create-only subresources answered without storing (fake-apiserver/virtual): POST pods/<name>/eviction, serviceaccounts/<name>/token.
  const createSub = sub !== undefined && group === '' && `${resource}/${sub}` in CREATE_SUBRESOURCES;
  if (createSub && method !== 'POST') return err(methodNotAllowed());
  if (sub !== undefined && sub !== 'status' && sub !== 'scale' && sub !== 'log' && sub !== 'approval' && sub !== 'ephemeralcontainers' && !createSub) return err(pathNotFound());
  if (sub === 'ephemeralcontainers' && (group !== '' || resource !== 'pods')) return err(pathNotFound());
  if (sub === 'ephemeralcontainers' && method !== 'GET' && method !== 'HEAD' && method !== 'PUT' && method !== 'PATCH') return err(methodNotAllowed());
  if (sub === 'log' && (group !== '' || resource !== 'pods')) return err(pathNotFound());
  if (sub === 'log' && method !== 'GET' && method !== 'HEAD') return err(methodNotAllowed());
  const subresource = sub as ResourceRequest['subresource'];

  let verb: ResourceVerb;
  const collection = name === undefined;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = collection ? (query.watch ? 'watch' : 'list') : query.watch ? 'watch' : 'get';
      break;
    case 'POST':
      if (!collection && !createSub) return err(methodNotAllowed());
      verb = 'create';
      break;
    case 'PUT':
      if (collection) return err(methodNotAllowed());
      verb = 'update';
      break;
    case 'PATCH':
      if (collection) return err(methodNotAllowed());
      verb = 'patch';
      break;
    case 'DELETE':
      verb = collection ? 'deletecollection' : 'delete';
      break;
    default:
      return err(methodNotAllowed());
  }
  if (verb === 'watch' && !collection) {
    // `/watch/.../<name>`: a watch of one object, as a field selector on the collection.
    query.fieldSelector = [query.fieldSelector, `metadata.name=${name}`].filter(Boolean).join(',');
  }

  const req: ResourceRequest = { kind: 'resource', verb, group, version, resource, query, accept };
  if (namespace !== undefined) req.namespace = namespace;
  if (name !== undefined && verb !== 'watch') req.name = name;
  if (subresource) req.subresource = subresource;

  if (verb === 'create' || verb === 'update' || verb === 'patch' || verb === 'delete' || verb === 'deletecollection') {
    const media = mediaType(header(raw, 'content-type'));
    if (verb === 'patch') {
      const pt = PATCH_TYPES[media];
      if (!pt) return err(statusError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_MEDIA_TYPES}`));
      req.patchType = pt;
    } else if (!BODY_TYPES.has(media)) {
      return err(statusError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`));
    }
    const body = parseBody(raw.body, media, raw.bodyBytes);
    if (body instanceof Error) return err(body);
    if (media) req.contentType = media;
    const ua = header(raw, 'user-agent');
    if (ua) req.userAgent = ua;
    if (body.value !== undefined) req.body = body.value;
    if ((verb === 'create' || verb === 'update' || verb === 'patch') && req.body === undefined) return err(statusError('BadRequest', 'the request body is empty'));
  }
  return req;
}
