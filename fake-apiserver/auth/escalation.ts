/**
 * RBAC escalation prevention (k8s.io/kubernetes pkg/registry/rbac and its validation package): a user
 * may write a Role or ClusterRole only with rules it already holds (in the role's namespace, or
 * cluster-wide for a ClusterRole) unless it may `escalate` roles/clusterroles; an aggregationRule
 * needs full authority; a RoleBinding or ClusterRoleBinding only to a role whose rules it holds
 * unless it may `bind` that role. `system:masters` is exempt. Refusals are upstream's 403:
 * `roles.rbac.authorization.k8s.io "r" is forbidden: user "u" (groups=["a" "b"]) is attempting to
 * grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}`.
 */
import { notFound, statusError } from '../api/index.ts';
import type { KubeObject, StatusError } from '../api/index.ts';
import type { ApiServer } from '../apiserver.ts';
import { authorize, roleReferenceRules, rulesFor } from './rbac.ts';
import type { PolicyRule, RoleRef } from './rbac.ts';
import type { UserInfo } from './user.ts';
import { isPrivileged } from './user.ts';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

const hasAll = (set: readonly string[] | undefined, want: readonly string[] | undefined): boolean => (want ?? []).every((w) => (set ?? []).includes(w));
const hasStar = (set: readonly string[] | undefined): boolean => (set ?? []).includes('*');

/** One rule per (group, resource, verb[, resourceName]) and per (URL, verb) (validation `BreakdownRule`). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? [])
    for (const resource of rule.resources ?? [])
      for (const verb of rule.verbs) {
        if (rule.resourceNames?.length) for (const n of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [n] });
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

function resourceCoversAll(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (hasStar(owner) || hasAll(owner, wanted)) return true;
  return (wanted ?? []).every((path) => {
    if ((owner ?? []).includes(path)) return true;
    const slash = path.indexOf('/');
    return slash >= 0 && (owner ?? []).includes(`*/${path.slice(slash + 1)}`);
  });
}

function urlsCoverAll(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return (wanted ?? []).every((u) => (owner ?? []).some((o) => o === '*' || o === u || (o.endsWith('*') && u.startsWith(o.slice(0, -1)))));
}

/** Whether `owner` covers the broken-down `sub` (validation `ruleCovers`). */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = hasStar(owner.verbs) || hasAll(owner.verbs, sub.verbs);
  const groups = hasStar(owner.apiGroups) || hasAll(owner.apiGroups, sub.apiGroups);
  const names = !owner.resourceNames?.length || (sub.resourceNames?.length ? hasAll(owner.resourceNames, sub.resourceNames) : false);
  return verbs && groups && resourceCoversAll(owner.resources, sub.resources) && urlsCoverAll(owner.nonResourceURLs, sub.nonResourceURLs) && names;
}

/** The broken-down rules of `wanted` that no rule of `owner` covers (validation `Covers`). */
export function missingRules(owner: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of wanted) for (const sub of breakdownRule(rule)) if (!owner.some((o) => ruleCovers(o, sub))) missing.push(sub);
  return missing;
}

/** Merges rules on one group, one resource and at most one name into one rule with their verbs (validation `CompactRules`). */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple = !r.nonResourceURLs?.length && r.apiGroups?.length === 1 && r.resources?.length === 1 && (r.resourceNames?.length ?? 0) <= 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups, r.resources, r.resourceNames ?? []]);
    const seen = simple.get(key);
    if (seen) seen.verbs = [...seen.verbs, ...r.verbs];
    else simple.set(key, { ...r, verbs: [...r.verbs] });
  }
  return [...out, ...simple.values()];
}

const goStrings = (l: readonly string[]): string => `[${l.map((s) => JSON.stringify(s)).join(' ')}]`;

/** rbac/v1 helpers `CompactString`: `{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goStrings(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goStrings(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goStrings(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goStrings(r.resourceNames)}`);
  if (r.verbs.length) parts.push(`Verbs:${goStrings(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/**
 * `ConfirmNoEscalation`: undefined when the user holds every rule of `wanted` in `namespace`
 * ('' = cluster-wide), else the error text naming the missing rules.
 */
export function confirmNoEscalation(api: ApiServer, user: UserInfo, namespace: string, wanted: readonly PolicyRule[]): string | undefined {
  const { rules, errors } = rulesFor(api, user, namespace);
  const missing = missingRules(rules, wanted);
  if (missing.length === 0) return undefined;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.username)} (groups=${goStrings(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (errors.length) msg += `; resolution errors: [${errors.join(' ')}]`;
  return msg;
}

const forbidden = (resource: string, name: string, message: string): StatusError =>
  statusError('Forbidden', `${resource}.${RBAC_GROUP} ${JSON.stringify(name)} is forbidden: ${message}`, { ...(name ? { name } : {}), group: RBAC_GROUP, kind: resource });

/**
 * The escalation check of a write of `obj` (the object as it will be stored) to `resource`
 * (roles, clusterroles, rolebindings, clusterrolebindings) by `user`.
 * @returns undefined when allowed; the 403 (or the 404 of a binding's missing role) otherwise.
 */
export function checkEscalation(api: ApiServer, user: UserInfo, resource: string, obj: KubeObject, requestName: string | undefined): StatusError | undefined {
  if (isPrivileged(user)) return undefined;
  const name = obj.metadata?.name ?? '';
  const namespace = resource === 'roles' || resource === 'rolebindings' ? (obj.metadata?.namespace ?? '') : '';
  if (resource === 'roles' || resource === 'clusterroles') {
    const escalate = authorize(api, { user, verb: 'escalate', resourceRequest: true, apiGroup: RBAC_GROUP, apiVersion: '*', resource, namespace, name: requestName ?? '' });
    if (escalate.allowed) return undefined;
    if (resource === 'clusterroles' && obj.aggregationRule !== undefined && obj.aggregationRule !== null) {
      if (confirmNoEscalation(api, user, '', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }]) !== undefined)
        return forbidden(resource, name, 'must have cluster-admin privileges to use the aggregationRule');
    }
    const err = confirmNoEscalation(api, user, namespace, (obj.rules ?? []) as PolicyRule[]);
    return err === undefined ? undefined : forbidden(resource, name, err);
  }
  if (resource === 'rolebindings' || resource === 'clusterrolebindings') {
    const ref = (obj.roleRef ?? {}) as RoleRef;
    const bind = authorize(api, { user, verb: 'bind', resourceRequest: true, apiGroup: RBAC_GROUP, apiVersion: '*', resource: ref.kind === 'Role' ? 'roles' : 'clusterroles', namespace, name: ref.name });
    if (bind.allowed) return undefined;
    const rules = roleReferenceRules(api, ref, namespace);
    if (typeof rules === 'string') return notFound(ref.kind === 'Role' ? 'role' : 'clusterrole', RBAC_GROUP, ref.name);
    const err = confirmNoEscalation(api, user, namespace, rules);
    return err === undefined ? undefined : forbidden(resource, name, err);
  }
  return undefined;
}
