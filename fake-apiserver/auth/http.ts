/**
 * What the HTTP front does before serving a request (k8s.io/apiserver filters, in their order):
 * authentication (a bearer token: the static admin token, or a service-account token of this server;
 * no credentials: the kubeconfig's default user, the cluster administrator — or, when the server
 * requires a token, 401 except on /version and the health checks), impersonation (`Impersonate-User`,
 * `-Group`, `-Uid`, `-Extra-*`, each authorized with the `impersonate` verb), authorization (RBAC,
 * rbac.ts) with upstream's 403, and the RBAC registry's escalation check on writes of roles and
 * bindings (escalation.ts). Pure apart from reading the ApiServer.
 */
import { statusError } from '../api/index.ts';
import type { KubeObject, StatusError } from '../api/index.ts';
import type { ApiServer } from '../apiserver.ts';
import { applyJsonPatch, mergePatch } from '../patch.ts';
import { strategicMergePatch } from '../strategic-merge.ts';
import type { ApiRequest } from '../http/request.ts';
import { checkEscalation } from './escalation.ts';
import { authorize, forbiddenMessage } from './rbac.ts';
import type { Attributes } from './rbac.ts';
import { authenticateServiceAccountToken } from './tokens.ts';
import type { UserInfo } from './user.ts';
import { ADMIN_USER, SYSTEM_AUTHENTICATED, SYSTEM_UNAUTHENTICATED, isPrivileged, parseServiceAccountUsername, serviceAccountGroups } from './user.ts';

/** How the front authenticates. */
export interface HttpAuthOptions {
  /** Static bearer token of the administrator. */
  adminToken?: string;
  /** Refuse a request without credentials (401) but on /version and health; otherwise it is the administrator's (or, with `anonymous`, system:anonymous's). */
  requireCredentials?: boolean;
  /**
   * A request without credentials is `system:anonymous` in group `system:unauthenticated`, authorized
   * by RBAC like any user (kube-apiserver's `--anonymous-auth`, on by default: the bootstrap binding
   * `system:public-info-viewer` lets it read /version and the health checks, nothing else). Default
   * false: such a request is the administrator's (plain-HTTP serving, where kubectl sends no credentials).
   */
  anonymous?: boolean;
  /** The API server's audiences for service-account tokens (default: the issuer). */
  audiences?: readonly string[];
}

/** The raw parts of the request authentication reads. */
export interface RawAuthRequest {
  method: string;
  /** Path and query. */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string | string[] | undefined>;
}

const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: [SYSTEM_UNAUTHENTICATED] };

const unauthorized = (): StatusError => statusError('Unauthorized', 'Unauthorized');

function header(raw: RawAuthRequest, name: string): string | undefined {
  const v = raw.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Every value of a header sent once or several times (node:http joins repeated unknown headers with `, `). */
function headerValues(raw: RawAuthRequest, name: string): string[] {
  const v = raw.headers[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * The request's user before impersonation.
 * @returns the user, or a 401 Unauthorized (a bad or expired token, or no token where one is required).
 */
export function authenticate(api: ApiServer, raw: RawAuthRequest, parsed: ApiRequest, opts: HttpAuthOptions, nowMs: number): UserInfo | StatusError {
  const auth = header(raw, 'authorization');
  if (auth === undefined || auth === '') {
    if (!opts.requireCredentials) return opts.anonymous ? ANONYMOUS : ADMIN_USER;
    return parsed.kind === 'version' || parsed.kind === 'health' ? ANONYMOUS : unauthorized();
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  if (!m) return unauthorized();
  const token = m[1]!;
  if (opts.adminToken !== undefined && token === opts.adminToken) return ADMIN_USER;
  return authenticateServiceAccountToken(api, token, nowMs, opts.audiences) ?? unauthorized();
}

/**
 * Applies the impersonation headers (k8s.io/apiserver filters/impersonation.go): each asked identity
 * part is authorized for `user` with verb `impersonate` (users, groups, serviceaccounts in their
 * namespace, uids and userextras/<key> in authentication.k8s.io). The impersonated user gets
 * `system:authenticated` (a service account also its two groups).
 * @returns the user to serve the request as, or the 403 (or 400 for groups without a user).
 */
export function impersonate(api: ApiServer, user: UserInfo, raw: RawAuthRequest): UserInfo | StatusError {
  const asUser = header(raw, 'impersonate-user');
  const groups = headerValues(raw, 'impersonate-group');
  const uid = header(raw, 'impersonate-uid');
  const extra: Record<string, string[]> = {};
  for (const name of Object.keys(raw.headers)) {
    if (!name.startsWith('impersonate-extra-')) continue;
    extra[decodeURIComponent(name.slice('impersonate-extra-'.length)).toLowerCase()] = headerValues(raw, name);
  }
  if (asUser === undefined) {
    if (groups.length || uid !== undefined || Object.keys(extra).length) return statusError('InternalError', `Internal error occurred: requested ${[...groups.map((g) => `{Group ${g}}`), ...(uid !== undefined ? [`{UID ${uid}}`] : [])].join(' ')} without impersonating a user`);
    return user;
  }
  const checks: Attributes[] = [];
  const sa = parseServiceAccountUsername(asUser);
  if (sa) checks.push({ user, verb: 'impersonate', resourceRequest: true, apiGroup: '', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name });
  else checks.push({ user, verb: 'impersonate', resourceRequest: true, apiGroup: '', resource: 'users', name: asUser });
  for (const g of groups) checks.push({ user, verb: 'impersonate', resourceRequest: true, apiGroup: '', resource: 'groups', name: g });
  if (uid !== undefined) checks.push({ user, verb: 'impersonate', resourceRequest: true, apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
  for (const [key, values] of Object.entries(extra)) for (const v of values) checks.push({ user, verb: 'impersonate', resourceRequest: true, apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: v });
  for (const a of checks) {
    const d = authorize(api, a);
    if (!d.allowed) return forbidden(a, d.reason);
  }
  const out: UserInfo = { username: asUser, groups: sa ? [...serviceAccountGroups(sa.namespace), ...groups] : [...groups] };
  if (asUser !== ANONYMOUS.username && !out.groups.includes(SYSTEM_AUTHENTICATED)) out.groups.push(SYSTEM_AUTHENTICATED);
  if (uid !== undefined) out.uid = uid;
  if (Object.keys(extra).length) out.extra = extra;
  return out;
}

/** The 403 of a denied request, worded and detailed as kube-apiserver's. */
export function forbidden(a: Attributes, reason = ''): StatusError {
  const { message, details } = forbiddenMessage(a, reason);
  return statusError('Forbidden', message, details);
}

/** `metadata.name=<x>` of a list/watch field selector: upstream authorizes such a request with that name. */
function nameFromFieldSelector(fieldSelector: string | undefined): string | undefined {
  if (!fieldSelector) return undefined;
  const parts = fieldSelector.split(',').filter((p) => /^metadata\.name==?/.test(p));
  return parts.length === 1 ? parts[0]!.replace(/^metadata\.name==?/, '') : undefined;
}

/**
 * The authorizer attributes of a parsed request (k8s.io/apiserver RequestInfoFactory): resource
 * requests by verb, group, resource, subresource, namespace, name; everything else a non-resource
 * URL with the lower-case HTTP method (HEAD and GET: `get`). Unroutable requests: undefined (their
 * error answer is served as it is).
 */
export function requestAttributes(user: UserInfo, parsed: ApiRequest, raw: RawAuthRequest): Attributes | undefined {
  if (parsed.kind === 'error') return undefined;
  if (parsed.kind === 'resource') {
    const name = parsed.name ?? (parsed.verb === 'list' || parsed.verb === 'watch' ? nameFromFieldSelector(parsed.query.fieldSelector) : undefined);
    return {
      user,
      verb: parsed.verb,
      resourceRequest: true,
      apiGroup: parsed.group,
      apiVersion: parsed.version,
      resource: parsed.resource,
      ...(parsed.subresource ? { subresource: parsed.subresource } : {}),
      ...(parsed.namespace !== undefined ? { namespace: parsed.namespace } : {}),
      ...(name !== undefined ? { name } : {}),
    };
  }
  const q = raw.url.indexOf('?');
  const path = q < 0 ? raw.url : raw.url.slice(0, q);
  const method = raw.method.toLowerCase();
  return { user, verb: method === 'head' ? 'get' : method, resourceRequest: false, path };
}

const RBAC_RESOURCES = new Set(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);

/** The object a write of a role or binding would store (create/update: the body; patch: the patched live object). */
function writtenObject(api: ApiServer, req: Extract<ApiRequest, { kind: 'resource' }>): KubeObject | undefined {
  const body = req.body as KubeObject | undefined;
  if (req.verb === 'create' || req.verb === 'update') return body ? { ...body, metadata: { ...(body.metadata ?? {}), ...(req.namespace ? { namespace: req.namespace } : {}) } as KubeObject['metadata'] } : undefined;
  if (req.verb !== 'patch' || req.name === undefined) return undefined;
  const kind = { roles: 'Role', clusterroles: 'ClusterRole', rolebindings: 'RoleBinding', clusterrolebindings: 'ClusterRoleBinding' }[req.resource]!;
  const type = { apiVersion: `rbac.authorization.k8s.io/${req.version}`, kind };
  const key = { namespace: req.namespace, name: req.name };
  const live = api.has(type, key) ? api.get(type, key) : undefined;
  if (req.patchType === 'apply') return { ...(live ?? {}), ...(body ?? {}), metadata: { ...(live?.metadata ?? {}), ...(body?.metadata ?? {}), ...(req.namespace ? { namespace: req.namespace } : {}) } } as KubeObject;
  if (!live) return undefined;
  try {
    if (req.patchType === 'json') return applyJsonPatch(live, req.body) as KubeObject;
    if (req.patchType === 'strategic') return strategicMergePatch(live, req.body, 'rbac.authorization.k8s.io', kind) as KubeObject;
    return mergePatch(live, req.body) as KubeObject;
  } catch {
    return undefined; // the request itself fails with the patch error
  }
}

/** The outcome of {@link gate}: serve the request as `user`, or answer `error`. */
export type GateResult = { user: UserInfo; error?: undefined } | { error: StatusError; user?: undefined };

/**
 * Authenticates, impersonates and authorizes one HTTP request, and runs the RBAC escalation check of
 * role and binding writes. `system:masters` skips authorization (the administrator's requests cost
 * one header read more than before).
 */
export function gate(api: ApiServer, raw: RawAuthRequest, parsed: ApiRequest, opts: HttpAuthOptions, nowMs: number): GateResult {
  const authenticated = authenticate(api, raw, parsed, opts, nowMs);
  if (!('username' in authenticated)) return { error: authenticated };
  const user = impersonate(api, authenticated, raw);
  if (!('username' in user)) return { error: user };
  if (isPrivileged(user)) return { user };
  if (raw.url.startsWith('/lattice-sim/')) return { error: forbidden({ user, verb: raw.method.toLowerCase(), resourceRequest: false, path: raw.url.split('?')[0] }) };
  const a = requestAttributes(user, parsed, raw);
  if (!a) return { user };
  if (user === ANONYMOUS && (parsed.kind === 'version' || parsed.kind === 'health')) return { user };
  const d = authorize(api, a);
  if (!d.allowed) return { error: forbidden(a, d.reason) };
  if (parsed.kind === 'resource' && parsed.group === 'rbac.authorization.k8s.io' && RBAC_RESOURCES.has(parsed.resource)) {
    const obj = writtenObject(api, parsed);
    const refused = obj && checkEscalation(api, user, parsed.resource, obj, parsed.name);
    if (refused) return { error: refused };
  }
  return { user };
}
