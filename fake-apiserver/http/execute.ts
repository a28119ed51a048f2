/**
 * Executes a parsed {@link ApiRequest} against the in-process {@link ApiServer} and returns the
 * answer as a value (status code, content type, body, warnings): the I/O edge (server.ts) only
 * writes it. Watches are opened by {@link openWatch}, which streams through a sink. Semantics of
 * each verb are the ApiServer's; this module adds what only exists on the wire: URL/body
 * agreement checks, 201 on create, Status Success on immediate deletes of built-ins, Tables,
 * `/scale`, 415 for strategic merge on custom resources, discovery, OpenAPI, /version, health.
 */
import { StatusError, rfc3339, statusError } from '../api/index.ts';
import type { ApplyOptions, DeleteOptions, KubeList, KubeObject, ListOptions, PatchType, TypeRef, WatchEvent, WatchHandle, WriteOptions } from '../api/index.ts';
import type { ApiServer } from '../apiserver.ts';
import { applyJsonPatch, mergePatch } from '../patch.ts';
import { bookmark } from '../list.ts';
import { strategicMergePatch } from '../strategic-merge.ts';
import type { ResourceInfo } from '../registry.ts';
import { defaultFieldManager } from '../ssa/index.ts';
import { answerReview, evictPod, findReviewKind, requestToken } from '../virtual/index.ts';
import type { ReviewKind, VirtualResourceProvider } from '../virtual/index.ts';
import { ADMIN_USER } from '../auth/index.ts';
import type { UserInfo } from '../auth/index.ts';
import { approvalUpdate, prepareCsrForCreate } from '../strategies/certificates.ts';
import { AGGREGATED_DISCOVERY_TYPE, aggregatedDiscovery, apiGroupDoc, apiGroupList, apiResourceList, apiVersions, findResource, hasApproval, hasScale } from './discovery.ts';
import { healthAnswer } from './health.ts';
import { openApiV3Doc, openApiV3Index } from './openapi.ts';
import { OPENAPI_V2_PROTOBUF, openApiV2Json, openApiV2Protobuf } from './openapi-v2.ts';
import { methodNotAllowed, pathNotFound } from './request.ts';
import type { ApiQuery, ApiRequest, ResourceRequest } from './request.ts';
import { columnsFor, toTable } from './table.ts';
import { patchedPod, writeEphemeralContainers } from './ephemeral-containers.ts';

/** An answer, ready to write. */
export interface ApiResponse {
  /** HTTP status code. */
  code: number;
  contentType: string;
  /** JSON value (serialized by the writer) or text. */
  body: unknown;
  /** Warnings of the request, for `Warning: 299 - "…"` headers, in order. */
  warnings: string[];
}

/** What the executor needs besides the server. */
export interface ExecuteContext {
  /** `host:port` the client reached (for APIVersions). */
  serverAddress: string;
  /** Wall time (ms) for Table ages. */
  now: () => number;
  /** `/version` document. */
  version: VersionInfo;
  /** Output of a pod's container (pods/log): the kubelet's part; none = containers print nothing. */
  podLogs?: PodLogSource;
  /** Who makes the request (fake-apiserver/auth `gate`); undefined: the cluster administrator. Reviews answer for it, webhooks are told it. */
  user?: UserInfo;
}

/**
 * What a kubelet answers for `pods/log` once the API server has found the pod and the container:
 * the container's output as text (lines ending in `\n`), `previous` for the last terminated instance.
 */
export type PodLogSource = (pod: KubeObject, container: string, previous: boolean) => string;

/** kube-apiserver's `version.Info`. */
export interface VersionInfo {
  major: string;
  minor: string;
  /** The emulated version (KEP-4330; `--emulation-version`, the binary's by default). */
  emulationMajor?: string;
  emulationMinor?: string;
  /** The minimum compatibility version (the binary's minor minus one by default). */
  minCompatibilityMajor?: string;
  minCompatibilityMinor?: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** The version this server claims: Kubernetes 1.35 (the kubectl it is tested against). */
export const DEFAULT_VERSION: VersionInfo = {
  major: '1',
  minor: '35',
  emulationMajor: '1',
  emulationMinor: '35',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '34',
  gitVersion: 'v1.35.0-lattice-sim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.25.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const JSON_TYPE = 'application/json';

const ok = (body: unknown, code = 200, warnings: string[] = [], contentType = JSON_TYPE): ApiResponse => ({ code, contentType, body, warnings });

/** The Status answer of an error; anything not a StatusError becomes a 500 InternalError. */
export function errorResponse(err: unknown, warnings: string[] = []): ApiResponse {
  const st = err instanceof StatusError ? err : statusError('InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
  return { code: st.status.code, contentType: JSON_TYPE, body: st.status, warnings };
}

/** Executes a non-watch request. Never throws: failures are Status answers. */
export function executeRequest(server: ApiServer, req: ApiRequest, ctx: ExecuteContext): ApiResponse {
  const warnings: string[] = [];
  try {
    switch (req.kind) {
      case 'error':
        return errorResponse(req.error);
      case 'version':
        return ok(ctx.version);
      case 'health': {
        const h = healthAnswer(req.path ?? '', req.check ?? '', req.search ?? '');
        return ok(h.text, h.code, [], 'text/plain; charset=utf-8');
      }
      case 'openapi-v2':
        return req.protobuf ? ok(openApiV2Protobuf(), 200, [], OPENAPI_V2_PROTOBUF) : ok(openApiV2Json(server));
      case 'openapi-v3-index':
        return ok(openApiV3Index(server));
      case 'openapi-v3-doc': {
        const doc = openApiV3Doc(server, req.path ?? '');
        return doc ? ok(doc) : errorResponse(pathNotFound());
      }
      case 'discovery': {
        if (req.doc === 'core-versions') return req.accept === 'aggregated-discovery' ? ok(aggregatedDiscovery(server, true), 200, [], AGGREGATED_DISCOVERY_TYPE) : ok(apiVersions(ctx.serverAddress));
        if (req.doc === 'group-list') return req.accept === 'aggregated-discovery' ? ok(aggregatedDiscovery(server, false), 200, [], AGGREGATED_DISCOVERY_TYPE) : ok(apiGroupList(server));
        const doc = req.doc === 'group' ? apiGroupDoc(server, req.group ?? '') : apiResourceList(server, req.group ?? '', req.version ?? '');
        return doc ? ok(doc) : errorResponse(pathNotFound());
      }
      case 'resource':
        return executeResource(server, req, ctx, warnings);
    }
  } catch (e) {
    return errorResponse(e, warnings);
  }
}

/**
 * {@link executeRequest} for a server that may call webhooks by URL (admission, CRD conversion): the
 * request runs through `ApiServer.runWithWebhooks`, so it is answered at once when no URL webhook is met
 * and after awaiting them otherwise (the verb is rerun with their answers; warnings of earlier runs are
 * dropped). Never rejects: failures are Status answers.
 */
export function executeRequestWithWebhooks(server: ApiServer, req: ApiRequest, ctx: ExecuteContext): ApiResponse | Promise<ApiResponse> {
  if (req.kind !== 'resource') return executeRequest(server, req, ctx);
  const warnings: string[] = [];
  try {
    const out = server.runWithWebhooks(rerunResource.bind(undefined, server, req, ctx, warnings));
    return out instanceof Promise ? out.catch((e: unknown) => errorResponse(e, warnings)) : out;
  } catch (e) {
    return errorResponse(e, warnings);
  }
}

/** One run of a resource request under `runWithWebhooks`: the warnings of an earlier run are dropped. */
function rerunResource(server: ApiServer, req: ResourceRequest, ctx: ExecuteContext, warnings: string[]): ApiResponse {
  warnings.length = 0;
  if (ctx.user === undefined) return executeResource(server, req, ctx, warnings);
  // Each run is synchronous: the user is the server's requestUser for exactly that run (admission webhooks' userInfo).
  const before = server.requestUser;
  server.requestUser = ctx.user;
  try {
    return executeResource(server, req, ctx, warnings);
  } finally {
    server.requestUser = before;
  }
}

/**
 * The served kind of a resource request, checking scope against the path.
 * @throws 404 (unknown resource, namespace on a cluster-scoped kind, `/scale` where none exists,
 *   a named path without namespace for a namespaced kind); 405 for a create without namespace.
 */
export function resolveResource(server: ApiServer, req: ResourceRequest): ResourceInfo {
  const info = findResource(server, req.group, req.version, req.resource);
  if (!info) throw pathNotFound();
  if (!info.namespaced && req.namespace !== undefined) throw pathNotFound();
  if (req.subresource === 'scale' && !hasScale(info)) throw pathNotFound();
  if (req.subresource === 'status' && !info.statusSubresource) throw pathNotFound();
  if (req.subresource === 'approval' && !hasApproval(info)) throw pathNotFound();
  if (info.namespaced && req.namespace === undefined) {
    if (req.name !== undefined) throw pathNotFound();
    if (req.verb !== 'list' && req.verb !== 'watch') throw methodNotAllowed();
  }
  return info;
}

const typeOf = (info: ResourceInfo): TypeRef => ({ apiVersion: info.apiVersion, kind: info.kind });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `{ ...o }` for a JSON object about to get new properties. V8 (Node 20) gives a spread copy a map
 * outside the transition tree, so each property added to it afterwards builds a new map (about 2 µs
 * each); `Object.assign` onto `{}` does not. A JSON `"__proto__"` key (an own property after
 * JSON.parse) would hit the prototype setter through Object.assign: such objects are spread.
 */
function shallowCopy(o: Record<string, unknown>): Record<string, unknown> {
  return Object.hasOwn(o, '__proto__') ? { ...o } : Object.assign({}, o);
}

/** The body of a create/update/apply, with apiVersion/kind defaulted from the URL and checked against it, namespace from the URL. */
function bodyObject(req: ResourceRequest, info: ResourceInfo, expectKind = info.kind, expectApiVersion = info.apiVersion): KubeObject {
  if (!isObject(req.body)) throw statusError('BadRequest', 'the body of the request must be a JSON object');
  const obj = shallowCopy(req.body);
  const meta = isObject(obj.metadata) ? shallowCopy(obj.metadata) : {};
  obj.metadata = meta;
  if (obj.apiVersion === undefined) obj.apiVersion = expectApiVersion;
  if (obj.kind === undefined) obj.kind = expectKind;
  if (obj.apiVersion !== expectApiVersion || obj.kind !== expectKind)
    throw statusError('BadRequest', `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expectApiVersion})`);
  if (info.namespaced) {
    if (meta.namespace === undefined || meta.namespace === '') meta.namespace = req.namespace;
    else if (meta.namespace !== req.namespace) throw statusError('BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
  }
  if (req.name !== undefined) {
    if (meta.name === undefined || meta.name === '') meta.name = req.name;
    else if (meta.name !== req.name) throw statusError('BadRequest', `the name of the object (${String(meta.name)}) does not match the name on the URL (${req.name})`);
  }
  return obj as unknown as KubeObject;
}

/** `autoscaling/v1` Scale view of a Deployment or ReplicaSet. */
export function toScale(obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (obj.status ?? {}) as { replicas?: number };
  const selector = Object.entries(spec.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const m = obj.metadata;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, ...(selector ? { selector } : {}) },
  };
}

function printerColumns(server: ApiServer, info: ResourceInfo): Record<string, unknown>[] | undefined {
  if (!info.custom || !info.crdName) return undefined;
  try {
    const crd = server.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' }, { name: info.crdName });
    const versions = ((crd.spec as { versions?: { name: string; additionalPrinterColumns?: Record<string, unknown>[] }[] }).versions ?? []);
    return versions.find((v) => v.name === info.version)?.additionalPrinterColumns;
  } catch {
    return undefined;
  }
}

/** Field managers by User-Agent (a client sends the same one on every request); cleared at 256 entries. */
const USER_AGENT_MANAGERS = new Map<string, string>();

/** {@link defaultFieldManager} of a write without `fieldManager`, remembered per User-Agent. */
function userAgentManager(userAgent: string | undefined): string {
  if (userAgent === undefined) return defaultFieldManager(undefined, undefined);
  let manager = USER_AGENT_MANAGERS.get(userAgent);
  if (manager === undefined) {
    manager = defaultFieldManager(undefined, userAgent);
    if (USER_AGENT_MANAGERS.size >= 256) USER_AGENT_MANAGERS.clear();
    USER_AGENT_MANAGERS.set(userAgent, manager);
  }
  return manager;
}

/**
 * `onWarning` of a request, bound to its warning list (a bound module function rather than a fresh
 * arrow per request: tsx's keepNames gives every named arrow a `name` property at each creation).
 */
function pushWarning(this: string[], warning: string): void {
  this.push(warning);
}

function executeResource(server: ApiServer, req: ResourceRequest, ctx: ExecuteContext, warnings: string[]): ApiResponse {
  const review = findReviewKind(req.group, req.version, req.resource);
  if (review) return executeReview(server, review, req, ctx, warnings);
  const info = resolveResource(server, req);
  if (info.provider) return executeProvided(server, info, info.provider, req, ctx, warnings);
  const type = typeOf(info);
  const q = req.query;
  const key = { namespace: info.namespaced ? req.namespace : undefined, name: req.name ?? '' };
  const write: WriteOptions = { onWarning: pushWarning.bind(warnings) };
  if (q.dryRun) write.dryRun = true;
  // Non-apply writes without fieldManager are managed under the User-Agent's prefix (kube-apiserver `managerOrUserAgent`).
  const manager = req.patchType === 'apply' ? q.fieldManager : q.fieldManager || userAgentManager(req.userAgent);
  if (manager) write.fieldManager = manager;
  if (q.fieldValidation !== undefined) write.fieldValidation = q.fieldValidation;
  // A deprecated CRD version warns on every request (writes get it from the ApiServer through onWarning).
  if (info.deprecationWarning !== undefined && (req.verb === 'get' || req.verb === 'list' || req.verb === 'delete')) warnings.push(info.deprecationWarning);

  switch (req.verb) {
    case 'get': {
      const obj = server.get(type, key);
      if (req.subresource === 'scale') return ok(toScale(obj), 200, warnings);
      if (req.subresource === 'log') return ok(podLog(obj, q, ctx.podLogs), 200, warnings, 'text/plain');
      return req.accept === 'table' ? tableAnswer(server, info, req, ctx, [obj], obj.metadata.resourceVersion ?? '', warnings) : ok(obj, 200, warnings);
    }
    case 'list': {
      const list = server.list(type, listOptions(req));
      if (req.accept !== 'table') return ok(list, 200, warnings);
      const t = tableAnswer(server, info, req, ctx, list.items, list.metadata.resourceVersion, warnings);
      (t.body as { metadata: KubeList['metadata'] }).metadata = list.metadata;
      return t;
    }
    case 'create': {
      if (req.subresource === 'eviction') {
        const eviction = bodyObject(req, info, 'Eviction', 'policy/v1');
        return ok(evictPod(server, key.namespace!, key.name, eviction as unknown as Record<string, unknown>, new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'), q.dryRun === true), 201, warnings);
      }
      if (req.subresource === 'token') {
        const tokenRequest = bodyObject(req, info, 'TokenRequest', 'authentication.k8s.io/v1');
        return ok(requestToken(server, key.namespace!, key.name, tokenRequest as unknown as Record<string, unknown>, ctx.now()), 201, warnings);
      }
      const obj = bodyObject(req, info);
      return ok(server.create(hasApproval(info) ? prepareCsrForCreate(obj, ctx.user ?? ADMIN_USER) : obj, write), 201, warnings);
    }
    case 'update': {
      if (req.subresource === 'scale') return ok(writeScale(server, info, req, isObject(req.body) ? req.body : {}, write), 200, warnings);
      if (req.subresource === 'ephemeralcontainers') return ok(writeEphemeralContainers(server, key, bodyObject(req, info), write), 200, warnings);
      const obj = bodyObject(req, info);
      if (req.subresource === 'approval') return ok(server.updateStatus(approvalUpdate(server.get(type, key), obj, rfc3339(ctx.now())), write), 200, warnings);
      return ok(req.subresource === 'status' ? server.updateStatus(obj, write) : server.update(obj, write), 200, warnings);
    }
    case 'patch':
      return patchResource(server, info, req, key, write, warnings);
    case 'delete': {
      const opts: DeleteOptions = { ...deleteOptions(req), onWarning: write.onWarning };
      const last = server.delete(type, key, opts);
      const pending = !opts.dryRun && stillThere(server, type, key);
      // 202 only where upstream gives it: still there after an explicit orphanDependents=false.
      if (pending || info.custom || opts.dryRun) return ok(last, pending && opts.orphanDependents === false ? 202 : 200, warnings);
      return ok(
        { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: last.metadata.name, group: info.group || undefined, kind: info.plural, uid: last.metadata.uid } },
        200,
        warnings,
      );
    }
    case 'deletecollection':
      if (req.subresource) throw methodNotAllowed();
      return ok(server.deleteCollection(type, listOptions(req), deleteOptions(req)), 200, warnings);
    case 'watch':
      throw methodNotAllowed();
  }
}

/** A review (fake-apiserver/virtual): create only, answered and not stored. */
function executeReview(server: ApiServer, kind: ReviewKind, req: ResourceRequest, ctx: ExecuteContext, warnings: string[]): ApiResponse {
  if (req.verb !== 'create') throw methodNotAllowed();
  if (kind.namespaced !== (req.namespace !== undefined)) throw pathNotFound();
  const apiVersion = `${kind.group}/${kind.version}`;
  const info = { namespaced: kind.namespaced, kind: kind.kind, apiVersion } as ResourceInfo;
  return ok(answerReview(kind, bodyObject(req, info), { api: server, user: ctx.user ?? ADMIN_USER, nowMs: ctx.now() }), 201, warnings);
}

/**
 * A resource of an aggregated API server (`ApiServer.serveVirtualResource`): get and list only (other
 * verbs are refused as for a route that does not exist, 405; subresources 404), as JSON or as the
 * provider's Table. Lists are encoded as upstream encodes typed lists: no resourceVersion, items
 * without apiVersion and kind.
 */
function executeProvided(server: ApiServer, info: ResourceInfo, provider: VirtualResourceProvider, req: ResourceRequest, ctx: ExecuteContext, warnings: string[]): ApiResponse {
  if (req.subresource) throw pathNotFound();
  if (req.verb !== 'get' && req.verb !== 'list') throw methodNotAllowed();
  if (provider.warning !== undefined) warnings.push(provider.warning);
  const type = typeOf(info);
  const objs =
    req.verb === 'get'
      ? [server.get(type, { namespace: req.namespace, name: req.name ?? '' })]
      : server.list(type, { namespace: req.namespace, labelSelector: req.query.labelSelector, fieldSelector: req.query.fieldSelector }).items;
  if (req.accept === 'table') {
    const columns = provider.tableColumns ? provider.tableColumns(objs).map((c) => ({ ...c, priority: 0 })) : columnsFor(info.group, info.kind, ctx.now());
    const table = toTable(objs, columns, '', req.query.includeObject) as { metadata: Record<string, unknown> };
    table.metadata = {};
    return ok(table, 200, warnings);
  }
  if (req.verb === 'get') return ok(objs[0], 200, warnings);
  const items = objs.map(({ apiVersion: _apiVersion, kind: _kind, ...rest }) => rest);
  return ok({ kind: info.listKind, apiVersion: info.apiVersion, metadata: {}, items }, 200, warnings);
}

/** A get or list answered as a `meta.k8s.io/v1` Table (`Accept: …;as=Table`). */
function tableAnswer(server: ApiServer, info: ResourceInfo, req: ResourceRequest, ctx: ExecuteContext, objs: readonly KubeObject[], rv: string, warnings: string[]): ApiResponse {
  return ok(toTable(objs, columnsFor(info.group, info.kind, ctx.now(), printerColumns(server, info)), rv, req.query.includeObject), 200, warnings);
}

/** List options of a list, deletecollection or watch request: namespace, selectors, chunking, resourceVersion. */
function listOptions(req: ResourceRequest): ListOptions {
  const q = req.query;
  const opts: ListOptions = { namespace: req.namespace, labelSelector: q.labelSelector, fieldSelector: q.fieldSelector };
  if (q.limit !== undefined) opts.limit = q.limit;
  if (q.continue !== undefined) opts.continue = q.continue;
  if (q.resourceVersion !== undefined) opts.resourceVersion = q.resourceVersion;
  if (q.resourceVersionMatch !== undefined) opts.resourceVersionMatch = q.resourceVersionMatch as ListOptions['resourceVersionMatch'];
  return opts;
}

/** DeleteOptions of a delete or deletecollection: query parameters, then the body (propagationPolicy, preconditions, dryRun). */
function deleteOptions(req: ResourceRequest): DeleteOptions {
  const q = req.query;
  const body = isObject(req.body) ? req.body : {};
  const opts: DeleteOptions = {};
  const pp = q.propagationPolicy ?? body.propagationPolicy;
  if (pp === 'Background' || pp === 'Foreground' || pp === 'Orphan') opts.propagationPolicy = pp;
  const orphan = q.orphanDependents ?? body.orphanDependents;
  if (typeof orphan === 'boolean') opts.orphanDependents = orphan;
  if (isObject(body.preconditions)) opts.preconditions = body.preconditions as DeleteOptions['preconditions'];
  if (q.dryRun || (Array.isArray(body.dryRun) && body.dryRun.includes('All'))) opts.dryRun = true;
  return opts;
}

/**
 * pods/log (upstream pod LogLocation and the kubelet's GetContainerLogs): the container is the one
 * named or the pod's only one (400 otherwise, naming the choices); an unscheduled pod has no output
 * yet; a waiting container is a 400 with its reason; `previous` needs a restart; `tailLines` keeps
 * the last N lines.
 * @throws 400 BadRequest as above.
 */
function podLog(pod: KubeObject, q: ApiQuery, source: PodLogSource | undefined): string {
  const name = pod.metadata.name;
  const names = ((pod.spec?.containers ?? []) as { name: string }[]).map((c) => c.name);
  const inits = ((pod.spec?.initContainers ?? []) as { name: string }[]).map((c) => c.name);
  let container = q.container;
  if (container === undefined) {
    if (names.length !== 1)
      throw statusError('BadRequest', `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]${inits.length ? ` or one of the init containers: [${inits.join(' ')}]` : ''}`);
    container = names[0]!;
  }
  if (!names.includes(container) && !inits.includes(container)) throw statusError('BadRequest', `container ${container} is not valid for pod ${name}`);
  if (!pod.spec?.nodeName) return '';
  const statuses = [...((pod.status?.containerStatuses ?? []) as Record<string, unknown>[]), ...((pod.status?.initContainerStatuses ?? []) as Record<string, unknown>[])];
  const st = statuses.find((c) => c.name === container);
  const waiting = (st?.state as { waiting?: { reason?: string } } | undefined)?.waiting;
  if (q.previous) {
    if (!(st?.lastState as { terminated?: unknown } | undefined)?.terminated) throw statusError('BadRequest', `previous terminated container "${container}" in pod "${name}" not found`);
  } else if (!st || waiting) throw statusError('BadRequest', `container "${container}" in pod "${name}" is waiting to start: ${waiting?.reason ?? 'ContainerCreating'}`);
  const text = source?.(pod, container, q.previous === true) ?? '';
  if (q.tailLines === undefined || q.tailLines < 0) return text;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.length && q.tailLines > 0 ? `${lines.slice(-q.tailLines).join('\n')}\n` : '';
}

function stillThere(server: ApiServer, type: TypeRef, key: { namespace?: string; name: string }): boolean {
  return server.has(type, key);
}

function patchResource(server: ApiServer, info: ResourceInfo, req: ResourceRequest, key: { namespace?: string; name: string }, write: WriteOptions, warnings: string[]): ApiResponse {
  const type = typeOf(info);
  const q = req.query;
  if (req.subresource === 'approval') throw methodNotAllowed();
  if (req.patchType === 'apply' && req.subresource === 'ephemeralcontainers') throw statusError('UnsupportedMediaType', 'apply is not supported on the ephemeralcontainers subresource here');
  if (req.patchType === 'apply') {
    if (!q.fieldManager) throw statusError('BadRequest', 'PATCH, application/apply-patch+yaml requests require the fieldManager parameter');
    const opts: ApplyOptions = { ...write, fieldManager: q.fieldManager, ...(q.force ? { force: true } : {}) };
    if (req.subresource === 'scale') throw statusError('UnsupportedMediaType', 'apply is not supported on the scale subresource here');
    const obj = bodyObject(req, info);
    if (req.subresource === 'status') return ok(server.applyStatus(obj, opts), 200, warnings);
    const existed = stillThere(server, type, key);
    return ok(server.apply(obj, opts), existed ? 200 : 201, warnings);
  }
  const patchType: PatchType = req.patchType === 'json' ? 'json' : req.patchType === 'strategic' ? 'strategic' : 'merge';
  const body = req.body;
  if (req.subresource === 'scale') {
    const scale = toScale(server.get(type, key));
    const patched = patchType === 'json' ? applyJsonPatch(scale, body) : patchType === 'strategic' ? strategicMergePatch(scale, body, 'autoscaling', 'Scale') : mergePatch(scale, body);
    return ok(writeScale(server, info, req, isObject(patched) ? patched : {}, write), 200, warnings);
  }
  if (req.subresource === 'ephemeralcontainers') {
    return ok(writeEphemeralContainers(server, key, patchedPod(server, key, patchType, body), write), 200, warnings);
  }
  const out = req.subresource === 'status' ? server.patchStatus(type, key, patchType, body, write) : server.patch(type, key, patchType, body, write);
  return ok(out, 200, warnings);
}

/** Writes `spec.replicas` from a Scale (its resourceVersion, when set, is a precondition); answers the new Scale. */
function writeScale(server: ApiServer, info: ResourceInfo, req: ResourceRequest, scale: Record<string, unknown>, write: WriteOptions): KubeObject {
  const spec = isObject(scale.spec) ? scale.spec : {};
  const meta = isObject(scale.metadata) ? scale.metadata : {};
  const replicas = spec.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
    throw statusError('Invalid', `Scale.autoscaling "${req.name ?? ''}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, {
      name: req.name,
      group: 'autoscaling',
      kind: 'Scale',
      causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' }],
    });
  const patch: Record<string, unknown> = { spec: { replicas } };
  if (typeof meta.resourceVersion === 'string' && meta.resourceVersion) patch.metadata = { resourceVersion: meta.resourceVersion };
  const out = server.patch(typeOf(info), { namespace: req.namespace, name: req.name ?? '' }, 'merge', patch, write);
  return toScale(out);
}

/** Where a watch writes. */
export interface WatchSink {
  /** One event, already a JSON line (`{"type":…,"object":…}\n`). */
  write(line: string): void;
  /** The watch ended (timeout, 410, server-side disconnect). */
  end(): void;
}

/** Options of {@link openWatch}. */
export interface OpenWatchOptions {
  /** Period of BOOKMARK events when the client allows them. @unit ms */
  bookmarkIntervalMs: number;
  /** Longest watch when the client gives no `timeoutSeconds` (upstream min-request-timeout 1800 s). @unit ms */
  maxWatchMs: number;
  /** False: ignore `allowWatchBookmarks` (default true). */
  bookmarks?: boolean;
}

/** One watch event as a line of the chunked stream. */
export function watchLine(e: WatchEvent): string {
  return `${JSON.stringify({ type: e.type, object: e.object })}\n`;
}

/**
 * Opens a watch for a `watch` request (Kubernetes API concepts: efficient detection of changes):
 * events as JSON lines (one-row Tables when the client asks for Tables, as `kubectl get -w` does), an in-band ERROR (410 Expired) when the resourceVersion is compacted,
 * BOOKMARK events (`metadata.resourceVersion` only) every `bookmarkIntervalMs` when
 * `allowWatchBookmarks=true`, and the end of the stream after `timeoutSeconds`.
 * Bookmarks carry the server's current revision: every event up to it has been written by then,
 * because the ApiServer delivers events on microtasks and the bookmark runs on a timer.
 * @returns a handle to stop it (client went away), or an error answer (unknown resource, bad selector).
 */
export function openWatch(server: ApiServer, req: ResourceRequest, sink: WatchSink, opts: OpenWatchOptions, now: () => number = Date.now): { stop: () => void } | ApiResponse {
  let handle: WatchHandle | undefined;
  let done = false;
  let timeoutTimer: ReturnType<typeof setTimeout> | undefined;
  let bookmarkTimer: ReturnType<typeof setTimeout> | undefined;
  let lastRv = 0;
  const clearTimers = () => {
    clearTimeout(timeoutTimer);
    clearTimeout(bookmarkTimer);
  };
  const finish = () => {
    if (done) return;
    done = true;
    clearTimers();
    handle?.stop();
    sink.end();
  };
  try {
    const info = resolveResource(server, req);
    const q = req.query;
    const asTable = req.accept === 'table';
    let sentColumns = false;
    // A conversion webhook reached by URL cannot answer inside the server's synchronous fan-out: watch at
    // the storage version and convert each event here, awaited in order (a failure ends the watch with an ERROR event).
    const convertHere = info.conversion?.webhook?.clientConfig?.url !== undefined && info.apiVersion !== info.storageApiVersion;
    let queue: Promise<void> = Promise.resolve();
    const send = (e: WatchEvent) => {
      if (done) return;
      const rv = Number(e.object?.metadata?.resourceVersion);
      if (e.type !== 'ERROR' && Number.isFinite(rv)) lastRv = Math.max(lastRv, rv);
      if (asTable && (e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED')) {
        // `kubectl get -w`: each event carries a one-row Table; column definitions on the first only.
        const t = toTable([e.object], columnsFor(info.group, info.kind, now(), printerColumns(server, info)), e.object.metadata.resourceVersion ?? '', q.includeObject) as { columnDefinitions?: unknown };
        if (sentColumns) t.columnDefinitions = [];
        sentColumns = true;
        sink.write(watchLine({ type: e.type, object: t as KubeObject }));
        return;
      }
      sink.write(watchLine(e));
    };
    handle = server.watch(
      convertHere ? { apiVersion: info.storageApiVersion, kind: info.kind } : typeOf(info),
      { ...listOptions(req), ...(q.sendInitialEvents !== undefined ? { sendInitialEvents: q.sendInitialEvents } : {}), ...(q.allowWatchBookmarks ? { allowWatchBookmarks: true } : {}) },
      (e) => {
        if (!convertHere || e.type === 'ERROR' || e.type === 'BOOKMARK') {
          if (convertHere) queue = queue.then(() => send(e));
          else send(e);
          return;
        }
        queue = queue.then(async () => {
          if (done) return;
          try {
            send({ ...e, object: await server.runWithWebhooks(() => server.convert(e.object, info.apiVersion)) });
          } catch (err) {
            send({ type: 'ERROR', object: errorResponse(err).body as KubeObject });
            finish();
          }
        });
      },
      () => {
        queue = queue.then(() => finish());
      },
    );
    const limitMs = q.timeoutSeconds !== undefined ? q.timeoutSeconds * 1000 : opts.maxWatchMs;
    timeoutTimer = setTimeout(finish, limitMs);
    if (q.allowWatchBookmarks && opts.bookmarks !== false) {
      const tick = () => {
        if (done) return;
        sink.write(watchLine({ type: 'BOOKMARK', object: bookmark(info.apiVersion, info.kind, Math.max(lastRv, server.revision)) }));
        bookmarkTimer = setTimeout(tick, opts.bookmarkIntervalMs);
      };
      bookmarkTimer = setTimeout(tick, opts.bookmarkIntervalMs);
    }
  } catch (e) {
    done = true;
    clearTimers();
    handle?.stop();
    return errorResponse(e);
  }
  return { stop: finish };
}
