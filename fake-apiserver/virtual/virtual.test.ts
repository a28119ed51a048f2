import { describe, expect, it } from 'vitest';
import { StatusError } from '../api/index.ts';
import type { KubeObject } from '../api/index.ts';
import { ApiServer } from '../apiserver.ts';
import { manualClock } from '../testing/manual-clock.ts';
import { answerReview, EVICTION_REFUSED, evictPod, REVIEW_KINDS, requestToken, SERVED_USER } from './index.ts';

const POD = { apiVersion: 'v1', kind: 'Pod' };
const PDB = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' };
const NOW = '2026-01-01T00:00:00Z';

function cluster(): ApiServer {
  const s = new ApiServer({ clock: manualClock() });
  for (const name of ['a', 'b']) {
    const pod = s.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    s.updateStatus({ ...pod, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
  }
  return s;
}

function budget(s: ApiServer, name: string, status: Record<string, unknown>, selector: unknown = { matchLabels: { app: 'web' } }): void {
  const pdb = s.create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' }, spec: { minAvailable: 1, selector } });
  s.updateStatus({ ...pdb, status: { observedGeneration: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, ...status } });
}

const caught = (fn: () => unknown): StatusError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('no error');
};
const exists = (s: ApiServer, name: string) => s.list(POD, { namespace: 'default' }).items.some((p) => p.metadata.name === name);

describe('pods/eviction', () => {
  it('takes one disruption from the budget, records the pod, then deletes it; the next eviction is refused with 429', () => {
    const s = cluster();
    budget(s, 'web', { disruptionsAllowed: 1 });
    expect(evictPod(s, 'default', 'a', {}, NOW, false)).toMatchObject({ kind: 'Status', status: 'Success' });
    expect(exists(s, 'a')).toBe(false);
    expect(s.get(PDB, { namespace: 'default', name: 'web' }).status).toMatchObject({ disruptionsAllowed: 0, disruptedPods: { a: NOW } });
    const e = caught(() => evictPod(s, 'default', 'b', {}, NOW, false));
    expect([e.code, e.message]).toEqual([429, EVICTION_REFUSED]);
    expect(e.status.details?.causes).toEqual([{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 1 healthy pods and has 2 currently' }]);
    expect(exists(s, 'b')).toBe(true);
  });

  it('deletes without a budget, refuses under two budgets (500) and under a budget not yet observed (429); dryRun changes nothing', () => {
    const s = cluster();
    evictPod(s, 'default', 'a', {}, NOW, false);
    expect(exists(s, 'a')).toBe(false);
    budget(s, 'one', { disruptionsAllowed: 1 });
    expect(evictPod(s, 'default', 'b', { deleteOptions: { dryRun: ['All'] } }, NOW, false)).toMatchObject({ status: 'Success' });
    expect(exists(s, 'b')).toBe(true);
    expect(s.get(PDB, { namespace: 'default', name: 'one' }).status).toMatchObject({ disruptionsAllowed: 1 });
    budget(s, 'two', { disruptionsAllowed: 1 });
    expect(caught(() => evictPod(s, 'default', 'b', {}, NOW, false)).code).toBe(500);

    const t = cluster();
    budget(t, 'stale', { disruptionsAllowed: 1, observedGeneration: 0 });
    expect(caught(() => evictPod(t, 'default', 'a', {}, NOW, false)).status.details?.causes?.[0]?.message).toBe('The disruption budget stale is still being processed by the server.');
    expect(caught(() => evictPod(t, 'default', 'gone', {}, NOW, false)).code).toBe(404);
  });

  it('a null selector selects no pod; an unready pod goes while the budget is met (IfHealthyBudget)', () => {
    const s = cluster();
    budget(s, 'none', { disruptionsAllowed: 0 }, null);
    expect(evictPod(s, 'default', 'a', {}, NOW, false)).toMatchObject({ status: 'Success' });
    const t = cluster();
    budget(t, 'web', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1 });
    const b = t.get(POD, { namespace: 'default', name: 'b' });
    t.updateStatus({ ...b, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } });
    expect(evictPod(t, 'default', 'b', {}, NOW, false)).toMatchObject({ status: 'Success' });
    expect(t.get(PDB, { namespace: 'default', name: 'web' }).status).toMatchObject({ disruptionsAllowed: 0 });
  });
});

describe('serviceaccounts/token', () => {
  it('defaults the expiration to an hour and the audience to the issuer; refuses under 10 minutes and unsupported bound kinds', () => {
    const s = cluster();
    s.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ci', namespace: 'default' } });
    const tr = requestToken(s, 'default', 'ci', {}, Date.parse(NOW));
    expect(tr.spec).toEqual({ expirationSeconds: 3600, audiences: ['https://kubernetes.default.svc.cluster.local'] });
    expect((tr.status as { expirationTimestamp: string }).expirationTimestamp).toBe('2026-01-01T01:00:00Z');
    const claims = JSON.parse(Buffer.from((tr.status as { token: string }).token.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ sub: 'system:serviceaccount:default:ci', iss: 'https://kubernetes.default.svc.cluster.local', 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'ci' } } });
    expect(caught(() => requestToken(s, 'default', 'ci', { spec: { expirationSeconds: 60 } }, 0)).message).toContain('spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
    expect(caught(() => requestToken(s, 'default', 'ci', { spec: { boundObjectRef: { kind: 'ConfigMap', name: 'x' } } }, 0)).code).toBe(422);
    expect(caught(() => requestToken(s, 'default', 'nobody', {}, 0)).code).toBe(404);
  });
});

describe('serviceaccounts/token bound to an object', () => {
  it('names the bound pod with its uid and its node; refuses a missing object, another service account\'s pod and a stale uid', () => {
    const s = cluster();
    s.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } });
    s.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ci', namespace: 'default' } });
    const node = s.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    const pod = s.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'runner', namespace: 'default' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } });
    const claims = (tr: KubeObject) => JSON.parse(Buffer.from((tr.status as { token: string }).token.split('.')[1]!, 'base64url').toString('utf8'))['kubernetes.io'];
    expect(claims(requestToken(s, 'default', 'default', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'runner' } } }, 0))).toMatchObject({ pod: { name: 'runner', uid: pod.metadata.uid }, node: { name: 'n1', uid: node.metadata.uid } });
    expect(caught(() => requestToken(s, 'default', 'default', { spec: { boundObjectRef: { kind: 'Secret', name: 'nosuch' } } }, 0)).message).toBe('secrets "nosuch" not found');
    expect(caught(() => requestToken(s, 'default', 'ci', { spec: { boundObjectRef: { kind: 'Pod', name: 'runner' } } }, 0)).message).toBe('cannot bind token for serviceaccount "ci" to pod running with different serviceaccount name.');
    expect(caught(() => requestToken(s, 'default', 'default', { spec: { boundObjectRef: { kind: 'Pod', name: 'runner', uid: 'old' } } }, 0)).code).toBe(409);
  });
});

describe('reviews', () => {
  const kind = (k: string) => REVIEW_KINDS.find((r) => r.kind === k)!;
  const admin = { api: new ApiServer({ clock: manualClock() }), user: SERVED_USER, nowMs: 0 };
  it('allows the administrator an access review with exactly one of resourceAttributes and nonResourceAttributes, 422 otherwise', () => {
    const review = (spec: Record<string, unknown>) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: { name: '' }, spec }) as KubeObject;
    expect(answerReview(kind('SelfSubjectAccessReview'), review({ resourceAttributes: { verb: 'get', resource: 'pods' } }), admin).status).toMatchObject({ allowed: true });
    expect(caught(() => answerReview(kind('SelfSubjectAccessReview'), review({}), admin)).message).toContain('spec.resourceAttributes: Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified');
    expect(caught(() => answerReview(kind('SelfSubjectAccessReview'), review({ resourceAttributes: {}, nonResourceAttributes: { path: '/x' } }), admin)).code).toBe(422);
  });
  it('SelfSubjectReview names the request\'s user (the administrator when nobody authenticated)', () => {
    const r = answerReview(kind('SelfSubjectReview'), { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: { name: '' } } as KubeObject, admin);
    expect(r.status).toEqual({ userInfo: { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] } });
  });
});
