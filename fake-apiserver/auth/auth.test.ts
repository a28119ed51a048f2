import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/index.ts';
import { StatusError } from '../api/index.ts';
import { ApiServer } from '../apiserver.ts';
import { startHttpServer } from '../http/server.ts';
import { manualClock } from '../testing/manual-clock.ts';
import { requestToken } from '../virtual/index.ts';
import {
  ADMIN_USER,
  authenticateServiceAccountToken,
  authorize,
  checkEscalation,
  compactRules,
  compactString,
  forbiddenMessage,
  impersonate,
  installBootstrapPolicy,
  missingRules,
  reconcileAggregation,
  ruleAllows,
} from './index.ts';
import type { Attributes, PolicyRule, UserInfo } from './index.ts';

const RBAC = 'rbac.authorization.k8s.io/v1';
const sa = (ns: string, name: string): UserInfo => ({ username: `system:serviceaccount:${ns}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] });
const CI = sa('team-a', 'ci');
const res = (verb: string, resource: string, extra: Partial<Attributes> = {}): Attributes => ({ user: CI, verb, resourceRequest: true, apiGroup: '', resource, ...extra });

function server(): ApiServer {
  const s = new ApiServer({ clock: manualClock(Date.parse('2026-01-01T00:00:00Z')) });
  for (const name of ['team-a', 'team-b']) s.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return s;
}

describe('RBAC rule matching (rbac/v1 RuleAllows)', () => {
  it('matches verbs, groups, resources and subresources with the upstream wildcards', () => {
    const rule: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] };
    expect(ruleAllows(res('get', 'pods'), rule)).toBe(true);
    expect(ruleAllows(res('delete', 'pods'), rule)).toBe(false);
    expect(ruleAllows(res('get', 'pods', { subresource: 'log' }), rule)).toBe(true);
    expect(ruleAllows(res('get', 'pods', { subresource: 'exec' }), rule)).toBe(false);
    expect(ruleAllows(res('get', 'pods', { apiGroup: 'apps' }), rule)).toBe(false);
    expect(ruleAllows(res('update', 'deployments', { apiGroup: 'apps', subresource: 'status' }), { verbs: ['*'], apiGroups: ['*'], resources: ['*/status'] })).toBe(true);
    expect(ruleAllows(res('update', 'deployments', { apiGroup: 'apps' }), { verbs: ['*'], apiGroups: ['*'], resources: ['*/status'] })).toBe(false);
    // `*` covers subresources too.
    expect(ruleAllows(res('create', 'pods', { subresource: 'eviction' }), { verbs: ['create'], apiGroups: [''], resources: ['*'] })).toBe(true);
  });

  it('resourceNames restrict to named requests; a list (no name) is not covered', () => {
    const rule: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'] };
    expect(ruleAllows(res('get', 'configmaps', { name: 'settings' }), rule)).toBe(true);
    expect(ruleAllows(res('get', 'configmaps', { name: 'other' }), rule)).toBe(false);
    expect(ruleAllows(res('list', 'configmaps'), rule)).toBe(false);
  });

  it('nonResourceURLs match exactly, by `*`, or by a trailing-* prefix', () => {
    const rule: PolicyRule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
    const path = (p: string, verb = 'get'): Attributes => ({ user: CI, verb, resourceRequest: false, path: p });
    expect(ruleAllows(path('/healthz'), rule)).toBe(true);
    expect(ruleAllows(path('/healthz/ping'), rule)).toBe(false);
    expect(ruleAllows(path('/apis/apps/v1'), rule)).toBe(true);
    expect(ruleAllows(path('/apis'), rule)).toBe(false);
    expect(ruleAllows(path('/healthz', 'post'), rule)).toBe(false);
    // A resource rule never grants a path, nor a path rule a resource.
    expect(ruleAllows(res('get', 'pods'), rule)).toBe(false);
  });
});

describe('RBAC authorizer', () => {
  it('grants through a RoleBinding in its namespace only, and through a RoleBinding to a ClusterRole', () => {
    const s = server();
    s.create({ apiVersion: RBAC, kind: 'Role', metadata: { name: 'pods', namespace: 'team-a' }, rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }] });
    s.create({ apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'ci-pods', namespace: 'team-a' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pods' }, subjects: [{ kind: 'ServiceAccount', name: 'ci' }] });
    expect(authorize(s, res('list', 'pods', { namespace: 'team-a' }))).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "ci-pods/team-a" of Role "pods" to ServiceAccount "ci/team-a"' });
    expect(authorize(s, res('list', 'pods', { namespace: 'team-b' })).allowed).toBe(false);
    expect(authorize(s, res('list', 'pods')).allowed).toBe(false); // all namespaces: ClusterRoleBindings only
    s.create({ apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'secrets' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] });
    s.create({ apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'ci-secrets', namespace: 'team-b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'secrets' }, subjects: [{ kind: 'Group', name: 'system:serviceaccounts:team-a' }] });
    expect(authorize(s, res('get', 'secrets', { namespace: 'team-b', name: 'x' })).allowed).toBe(true);
    expect(authorize(s, res('get', 'secrets', { namespace: 'team-a', name: 'x' })).allowed).toBe(false);
    // system:masters bypasses RBAC.
    expect(authorize(s, { ...res('delete', 'nodes'), user: ADMIN_USER }).allowed).toBe(true);
  });

  it('a binding to a missing role is no grant, and its error becomes the denial reason', () => {
    const s = server();
    s.create({ apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'ci-ghost' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'ghost' }, subjects: [{ kind: 'User', name: CI.username }] });
    const d = authorize(s, res('list', 'pods', { namespace: 'team-a' }));
    expect(d).toEqual({ allowed: false, reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found' });
    expect(forbiddenMessage(res('list', 'pods', { namespace: 'team-a' }), d.reason).message).toBe(
      'pods is forbidden: User "system:serviceaccount:team-a:ci" cannot list resource "pods" in API group "" in the namespace "team-a": RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found',
    );
  });

  it('words the 403 as kube-apiserver: collection, named, cluster scope, subresource, non-resource', () => {
    expect(forbiddenMessage(res('get', 'deployments', { apiGroup: 'apps', namespace: 'ns', name: 'web' }))).toEqual({
      message: 'deployments.apps "web" is forbidden: User "system:serviceaccount:team-a:ci" cannot get resource "deployments" in API group "apps" in the namespace "ns"',
      details: { name: 'web', group: 'apps', kind: 'deployments' },
    });
    expect(forbiddenMessage(res('list', 'nodes')).message).toBe('nodes is forbidden: User "system:serviceaccount:team-a:ci" cannot list resource "nodes" in API group "" at the cluster scope');
    expect(forbiddenMessage(res('get', 'pods', { namespace: 'ns', name: 'p', subresource: 'log' })).message).toBe('pods "p" is forbidden: User "system:serviceaccount:team-a:ci" cannot get resource "pods/log" in API group "" in the namespace "ns"');
    expect(forbiddenMessage({ user: CI, verb: 'get', resourceRequest: false, path: '/metrics' })).toEqual({ message: 'forbidden: User "system:serviceaccount:team-a:ci" cannot get path "/metrics"', details: {} });
  });
});

describe('escalation prevention', () => {
  it('breaks wanted rules down, keeps the ones not held, compacts them per resource', () => {
    const held: PolicyRule[] = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }, { verbs: ['*'], apiGroups: ['apps'], resources: ['*/scale'] }];
    const wanted: PolicyRule[] = [{ verbs: ['get', 'delete', 'patch'], apiGroups: [''], resources: ['pods', 'secrets'] }, { verbs: ['update'], apiGroups: ['apps'], resources: ['deployments/scale'] }];
    const missing = compactRules(missingRules(held, wanted)).map(compactString).sort();
    expect(missing).toEqual(['{APIGroups:[""], Resources:["pods"], Verbs:["delete" "patch"]}', '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete" "patch"]}']);
  });

  it('refuses a Role and a binding granting more than the writer holds; escalate and bind lift it', () => {
    const s = server();
    s.create({ apiVersion: RBAC, kind: 'Role', metadata: { name: 'reader', namespace: 'team-a' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] });
    s.create({ apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'ci', namespace: 'team-a' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'ci' }] });
    const role = (rules: PolicyRule[]): KubeObject => ({ apiVersion: RBAC, kind: 'Role', metadata: { name: 'r', namespace: 'team-a' }, rules });
    expect(checkEscalation(s, CI, 'roles', role([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]), undefined)).toBeUndefined();
    const err = checkEscalation(s, CI, 'roles', role([{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }]), undefined)!;
    expect(err).toBeInstanceOf(StatusError);
    expect(err.status).toMatchObject({ code: 403, reason: 'Forbidden', details: { name: 'r', group: 'rbac.authorization.k8s.io', kind: 'roles' } });
    expect(err.message).toBe(
      'roles.rbac.authorization.k8s.io "r" is forbidden: user "system:serviceaccount:team-a:ci" (groups=["system:serviceaccounts" "system:serviceaccounts:team-a" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
    );
    const binding: KubeObject = { apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'b', namespace: 'team-a' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'x' }] };
    s.create({ apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'cluster-admin' }, rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] });
    expect(checkEscalation(s, CI, 'rolebindings', binding, undefined)?.code).toBe(403);
    expect(checkEscalation(s, CI, 'rolebindings', { ...binding, roleRef: { kind: 'ClusterRole', name: 'missing' } }, undefined)?.message).toBe('clusterrole.rbac.authorization.k8s.io "missing" not found');
    expect(checkEscalation(s, ADMIN_USER, 'rolebindings', binding, undefined)).toBeUndefined();
    // `bind` on that ClusterRole, `escalate` on roles: allowed.
    s.create({ apiVersion: RBAC, kind: 'Role', metadata: { name: 'hatch', namespace: 'team-a' }, rules: [{ verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: ['cluster-admin'] }, { verbs: ['escalate'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] }] });
    s.create({ apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'ci-hatch', namespace: 'team-a' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'hatch' }, subjects: [{ kind: 'ServiceAccount', name: 'ci' }] });
    expect(checkEscalation(s, CI, 'rolebindings', binding, undefined)).toBeUndefined();
    expect(checkEscalation(s, CI, 'roles', role([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]), undefined)).toBeUndefined();
  });
});

describe('bootstrap policy and aggregation', () => {
  it('creates the upstream roles and bindings; admin ⊇ edit ⊇ view follow labelled ClusterRoles as they change', async () => {
    const s = server();
    const stop = installBootstrapPolicy(s);
    const get = (name: string) => s.get({ apiVersion: RBAC, kind: 'ClusterRole' }, { name });
    const resources = (name: string) => ((get(name).rules ?? []) as PolicyRule[]).flatMap((r) => r.resources ?? []);
    expect(resources('view')).toContain('pods/log');
    expect(resources('edit')).toEqual(expect.arrayContaining(['pods/log', 'secrets', 'pods/eviction']));
    expect(resources('admin')).toEqual(expect.arrayContaining(['pods/log', 'secrets', 'rolebindings']));
    expect(resources('view')).not.toContain('secrets');
    // A team's CRD role labelled aggregate-to-view reaches view, edit and admin through the controller's watch.
    s.create({ apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'widgets-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [{ verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] }] });
    await new Promise((r) => setTimeout(r, 0));
    for (const n of ['view', 'edit', 'admin']) expect(resources(n)).toContain('widgets');
    expect(reconcileAggregation(s)).toBe(0);
    expect(s.get({ apiVersion: RBAC, kind: 'ClusterRoleBinding' }, { name: 'system:discovery' }).subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }]);
    stop();
  });
});

describe('service-account tokens', () => {
  it('authenticate as the ServiceAccount until expiry, for the API audience, while the ServiceAccount exists', () => {
    const s = server();
    s.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ci', namespace: 'team-a' } });
    const now = Date.parse('2026-01-01T00:00:00Z');
    const token = (requestToken(s, 'team-a', 'ci', { spec: { expirationSeconds: 600 } }, now).status as { token: string }).token;
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'RS256' });
    const user = authenticateServiceAccountToken(s, token, now + 1000)!;
    expect(user).toMatchObject({ username: 'system:serviceaccount:team-a:ci', groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'] });
    expect(user.uid).toBe(s.get({ apiVersion: 'v1', kind: 'ServiceAccount' }, { namespace: 'team-a', name: 'ci' }).metadata.uid);
    expect(authenticateServiceAccountToken(s, token, now + 600_000)).toBeUndefined(); // expired
    expect(authenticateServiceAccountToken(s, `${token.slice(0, -3)}abc`, now)).toBeUndefined(); // bad signature
    expect(authenticateServiceAccountToken(server(), token, now)).toBeUndefined(); // another server's key
    const vault = (requestToken(s, 'team-a', 'ci', { spec: { audiences: ['vault'] } }, now).status as { token: string }).token;
    expect(authenticateServiceAccountToken(s, vault, now)).toBeUndefined();
    expect(authenticateServiceAccountToken(s, vault, now, ['vault'])).toBeDefined();
    s.delete({ apiVersion: 'v1', kind: 'ServiceAccount' }, { namespace: 'team-a', name: 'ci' });
    expect(authenticateServiceAccountToken(s, token, now)).toBeUndefined();
  });
});

describe('impersonation', () => {
  it('authorizes each part (user, groups, uid, extra) with the impersonate verb; the result is authenticated', () => {
    const s = server();
    const headers = { 'impersonate-user': 'alice', 'impersonate-group': 'devs', 'impersonate-uid': 'u1', 'impersonate-extra-scopes': 'view' };
    const raw = (h: Record<string, string>) => ({ method: 'GET', url: '/api', headers: h });
    expect(impersonate(s, ADMIN_USER, raw(headers))).toEqual({ username: 'alice', groups: ['devs', 'system:authenticated'], uid: 'u1', extra: { scopes: ['view'] } });
    expect(impersonate(s, ADMIN_USER, raw({ 'impersonate-user': 'system:serviceaccount:team-a:ci' }))).toEqual({ username: 'system:serviceaccount:team-a:ci', groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'] });
    expect(impersonate(s, CI, raw({}))).toBe(CI);
    s.create({ apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'as-alice' }, rules: [{ verbs: ['impersonate'], apiGroups: [''], resources: ['users', 'groups'] }] });
    s.create({ apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'ci-as-alice' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'as-alice' }, subjects: [{ kind: 'ServiceAccount', name: 'ci', namespace: 'team-a' }] });
    expect(impersonate(s, CI, raw({ 'impersonate-user': 'alice', 'impersonate-group': 'devs' }))).toEqual({ username: 'alice', groups: ['devs', 'system:authenticated'] });
    const uid = impersonate(s, CI, raw({ 'impersonate-user': 'alice', 'impersonate-uid': 'u1' })) as StatusError;
    expect(uid.message).toBe('uids.authentication.k8s.io "u1" is forbidden: User "system:serviceaccount:team-a:ci" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope');
    const extra = impersonate(s, CI, raw({ 'impersonate-user': 'alice', 'impersonate-extra-scopes': 'view' })) as StatusError;
    expect(extra.message).toBe('userextras.authentication.k8s.io "view" is forbidden: User "system:serviceaccount:team-a:ci" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope');
    expect((impersonate(s, CI, raw({ 'impersonate-group': 'devs' })) as StatusError).code).toBe(500);
  });
});

describe('the HTTP front', () => {
  it('tells admission webhooks the authenticated user; the administrator stays system:admin', async () => {
    const s = new ApiServer({ clock: { now: () => Date.now(), sleep: async () => {}, setTimer: () => ({ cancel: () => {} }) } });
    installBootstrapPolicy(s)();
    s.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ci', namespace: 'default' } });
    s.create({ apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'cm-writer' }, rules: [{ verbs: ['create'], apiGroups: [''], resources: ['configmaps'] }] });
    s.create({ apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'ci', namespace: 'default' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cm-writer' }, subjects: [{ kind: 'ServiceAccount', name: 'ci' }] });
    const seen: unknown[] = [];
    s.registerWebhookService('default', 'hook', (body) => {
      const req = (body as { request: { uid: string; userInfo: unknown } }).request;
      seen.push(req.userInfo);
      return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: req.uid, allowed: true } };
    });
    s.create({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'hook' },
      webhooks: [{ name: 'hook.example.com', clientConfig: { service: { namespace: 'default', name: 'hook' } }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }], sideEffects: 'None', admissionReviewVersions: ['v1'] }],
    });
    const token = (requestToken(s, 'default', 'ci', {}, Date.now()).status as { token: string }).token;
    const http = await startHttpServer(s);
    try {
      const post = (name: string, headers: Record<string, string>) =>
        fetch(`${http.url}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } }) });
      expect((await post('by-ci', { authorization: `Bearer ${token}` })).status).toBe(201);
      expect((await post('by-admin', {})).status).toBe(201);
      const denied = await fetch(`${http.url}/api/v1/namespaces/default/configmaps`, { headers: { authorization: `Bearer ${token}` } });
      expect(denied.status).toBe(403);
      expect(await denied.json()).toMatchObject({ reason: 'Forbidden', message: 'configmaps is forbidden: User "system:serviceaccount:default:ci" cannot list resource "configmaps" in API group "" in the namespace "default"', details: { kind: 'configmaps' } });
      expect((await fetch(`${http.url}/api/v1/namespaces`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    } finally {
      await http.close();
    }
    expect(seen[0]).toMatchObject({ username: 'system:serviceaccount:default:ci', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] });
    expect(seen[1]).toEqual({ username: 'system:admin', groups: ['system:masters', 'system:authenticated'] });
  });
});
