/**
 * RBAC authorization as kube-apiserver's RBAC authorizer does it (k8s.io/kubernetes
 * plugin/pkg/auth/authorizer/rbac, pkg/registry/rbac/validation): the rules a user holds come from
 * every ClusterRoleBinding whose subjects name the user (or one of its groups, or its service
 * account), and, for a namespaced request, every RoleBinding of that namespace (a RoleBinding to a
 * ClusterRole grants the ClusterRole's rules in the binding's namespace only). A request is allowed
 * when one rule matches: verbs, apiGroups, resources (`pods/log` for a subresource, `*` and
 * `*\/<subresource>` wildcards), resourceNames (empty: any; otherwise only named requests), or
 * nonResourceURLs (exact, `*`, or a `prefix*`). Nothing denies: no rule is no opinion, a 403.
 * The roles are read from the ApiServer at each decision (no cache: the store is the informer).
 */
import type { KubeObject } from '../api/index.ts';
import type { ApiServer } from '../apiserver.ts';
import type { UserInfo } from './user.ts';
import { isPrivileged, parseServiceAccountUsername } from './user.ts';

/** rbac.authorization.k8s.io/v1 PolicyRule. */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** rbac.authorization.k8s.io/v1 Subject. */
export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

/** rbac.authorization.k8s.io/v1 RoleRef. */
export interface RoleRef {
  apiGroup?: string;
  kind: 'Role' | 'ClusterRole' | string;
  name: string;
}

/** What is asked (k8s.io/apiserver authorizer.Attributes). */
export interface Attributes {
  user: UserInfo;
  verb: string;
  /** False for a non-resource URL (`/version`, `/apis`, `/healthz`). */
  resourceRequest: boolean;
  /** Non-resource requests: the URL path. */
  path?: string;
  /** '' or undefined: cluster scope. */
  namespace?: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

/** A decision and its reason (`RBAC: allowed by …`, or the resolution errors of a denial). */
export interface Decision {
  allowed: boolean;
  reason: string;
}

const RBAC_V1 = 'rbac.authorization.k8s.io/v1';
export const CLUSTER_ROLE = { apiVersion: RBAC_V1, kind: 'ClusterRole' } as const;
export const ROLE = { apiVersion: RBAC_V1, kind: 'Role' } as const;
export const CLUSTER_ROLE_BINDING = { apiVersion: RBAC_V1, kind: 'ClusterRoleBinding' } as const;
export const ROLE_BINDING = { apiVersion: RBAC_V1, kind: 'RoleBinding' } as const;

const has = (list: readonly string[] | undefined, v: string): boolean => list !== undefined && (list.includes('*') || list.includes(v));

/** rbac/v1 `VerbMatches`. */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, verb);
}

/** rbac/v1 `ResourceMatches`: `*`, the exact `resource[/subresource]`, or `*\/<subresource>`. */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string | undefined): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

/** rbac/v1 `NonResourceURLMatches`: `*`, exact, or a trailing-`*` prefix. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** rbac.go `RuleAllows`: whether one rule grants the request. */
export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (!a.resourceRequest) return verbMatches(rule, a.verb) && nonResourceURLMatches(rule, a.path ?? '');
  const combined = a.subresource ? `${a.resource ?? ''}/${a.subresource}` : (a.resource ?? '');
  if (!verbMatches(rule, a.verb) || !has(rule.apiGroups, a.apiGroup ?? '') || !resourceMatches(rule, combined, a.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && a.name !== '' && names.includes(a.name));
}

/** Whether `subject` names the user (default service-account namespace: the binding's). */
export function appliesTo(user: UserInfo, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      if (!ns) return false;
      const sa = parseServiceAccountUsername(user.username);
      return sa !== undefined && sa.namespace === ns && sa.name === subject.name;
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

function readOrUndefined(api: ApiServer, type: typeof CLUSTER_ROLE | typeof ROLE, namespace: string | undefined, name: string): KubeObject | undefined {
  const key = { namespace, name };
  return api.has(type, key) ? api.get(type, key) : undefined;
}

/**
 * The rules a role reference grants (`GetRoleReferenceRules`): a ClusterRole's, or a Role's of
 * `namespace`. @returns the rules, or the lister's NotFound text (`clusterrole.rbac.authorization.k8s.io "x" not found`).
 */
export function roleReferenceRules(api: ApiServer, ref: RoleRef, namespace: string): PolicyRule[] | string {
  if (ref.kind === 'ClusterRole') {
    const r = readOrUndefined(api, CLUSTER_ROLE, undefined, ref.name);
    return r ? ((r.rules ?? []) as PolicyRule[]) : `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`;
  }
  if (ref.kind === 'Role') {
    const r = readOrUndefined(api, ROLE, namespace, ref.name);
    return r ? ((r.rules ?? []) as PolicyRule[]) : `role.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`;
  }
  return `unsupported role reference kind: ${JSON.stringify(ref.kind)}`;
}

/**
 * Calls `visit` with each rule the user holds in `namespace` ('' = cluster scope: ClusterRoleBindings
 * only) and where it comes from, or with an error (a binding to a missing role); `visit` returns
 * false to stop (rule_resolver `VisitRulesFor`).
 */
export function visitRulesFor(api: ApiServer, user: UserInfo, namespace: string, visit: (source: string, rule: PolicyRule | undefined, error?: string) => boolean): void {
  for (const b of api.list(CLUSTER_ROLE_BINDING).items) {
    const subjects = (b.subjects ?? []) as Subject[];
    const subject = subjects.find((s) => appliesTo(user, s, ''));
    if (!subject) continue;
    const ref = b.roleRef as RoleRef;
    const rules = roleReferenceRules(api, ref, '');
    const source = `ClusterRoleBinding ${JSON.stringify(b.metadata.name)} of ${ref.kind} ${JSON.stringify(ref.name)} to ${describeSubject(subject, '')}`;
    if (typeof rules === 'string') {
      if (!visit(source, undefined, rules)) return;
      continue;
    }
    for (const rule of rules) if (!visit(source, rule)) return;
  }
  if (!namespace) return;
  for (const b of api.list(ROLE_BINDING, { namespace }).items) {
    const subjects = (b.subjects ?? []) as Subject[];
    const subject = subjects.find((s) => appliesTo(user, s, namespace));
    if (!subject) continue;
    const ref = b.roleRef as RoleRef;
    const rules = roleReferenceRules(api, ref, namespace);
    const source = `RoleBinding ${JSON.stringify(`${b.metadata.name}/${namespace}`)} of ${ref.kind} ${JSON.stringify(ref.name)} to ${describeSubject(subject, namespace)}`;
    if (typeof rules === 'string') {
      if (!visit(source, undefined, rules)) return;
      continue;
    }
    for (const rule of rules) if (!visit(source, rule)) return;
  }
}

/**
 * Authorizes a request: `system:masters` always (the privileged-group authorizer before RBAC), else
 * RBAC. Allowed: reason `RBAC: allowed by <binding> …`; denied: reason '' or `RBAC: <errors>`
 * when bindings refer to missing roles (upstream appends it to the 403 message).
 */
export function authorize(api: ApiServer, a: Attributes): Decision {
  if (isPrivileged(a.user)) return { allowed: true, reason: '' };
  let reason = '';
  const errors: string[] = [];
  visitRulesFor(api, a.user, a.namespace ?? '', (source, rule, error) => {
    if (error !== undefined) errors.push(error);
    if (rule && ruleAllows(a, rule)) {
      reason = `RBAC: allowed by ${source}`;
      return false;
    }
    return true;
  });
  if (reason) return { allowed: true, reason };
  return { allowed: false, reason: errors.length === 0 ? '' : `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` };
}

/** Every rule the user holds in `namespace` (`RulesFor`), with the resolution errors met. */
export function rulesFor(api: ApiServer, user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  visitRulesFor(api, user, namespace, (_source, rule, error) => {
    if (rule) rules.push(rule);
    if (error !== undefined) errors.push(error);
    return true;
  });
  return { rules, errors };
}

/**
 * kube-apiserver's 403 message (responsewriters `forbiddenMessage` + `NewForbidden`):
 * `pods is forbidden: User "u" cannot list resource "pods" in API group "" in the namespace "default"`,
 * `<resource>.<group> "<name>" is forbidden: …`, `… at the cluster scope`, or for a non-resource URL
 * `forbidden: User "u" cannot get path "/x"`; `reason` (RBAC resolution errors) is appended after `: `.
 */
export function forbiddenMessage(a: Attributes, reason = ''): { message: string; details: { name?: string; group?: string; kind?: string } } {
  const user = JSON.stringify(a.user.username);
  let what: string;
  if (!a.resourceRequest) what = `User ${user} cannot ${a.verb} path ${JSON.stringify(a.path ?? '')}`;
  else {
    const resource = a.subresource ? `${a.resource ?? ''}/${a.subresource}` : (a.resource ?? '');
    const scope = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : 'at the cluster scope';
    what = `User ${user} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup ?? '')} ${scope}`;
  }
  const err = reason ? `${what}: ${reason}` : what;
  if (!a.resourceRequest || !a.resource) return { message: `forbidden: ${err}`, details: {} };
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const details = { ...(a.name ? { name: a.name } : {}), ...(a.apiGroup ? { group: a.apiGroup } : {}), kind: a.resource };
  return { message: a.name ? `${qualified} ${JSON.stringify(a.name)} is forbidden: ${err}` : `${qualified} is forbidden: ${err}`, details };
}
