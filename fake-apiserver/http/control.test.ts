/**
 * The control endpoint of the HTTP front (`/lattice-sim/…`) and faults over the wire: rules added and
 * removed at run time, Status answers with their codes, 429 with Retry-After, latency, dropped and
 * server-closed watches, compaction (a resumed watch gets 410 in-band), snapshot and restore; and
 * a client-node informer that lives through a dropped watch plus a forced compaction by relisting.
 */
import { CoreV1Api, KubeConfig, makeInformer } from '@kubernetes/client-node';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../apiserver.ts';
import type { Clock } from '../api/index.ts';
import { FaultInjector } from '../faults.ts';
import { controlRequest } from './control.ts';
import { startHttpServer } from './server.ts';
import type { RunningHttpServer } from './server.ts';
import { wireCall } from './testing/wire.ts';

const wallClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), setTimer: (ms, fn) => ({ cancel: clearTimeout.bind(null, setTimeout(fn, ms)) }) };
const TOKEN = 'control-token';

let api: ApiServer;
let http: RunningHttpServer;
const faults = new FaultInjector();
beforeAll(async () => {
  api = new ApiServer({ clock: wallClock });
  http = await startHttpServer(api, { port: 0, token: TOKEN, faults });
});
afterAll(async () => {
  await http.close();
});

const call = (method: string, path: string, body?: unknown, token = TOKEN) => wireCall(http.url, method, path, body, undefined, { authorization: `Bearer ${token}` });
const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } });

describe('control endpoint /lattice-sim/', () => {
  it('is reached by the normalized path, as the URL parser gives it, and by nothing else', () => {
    const items = (url: string) => (controlRequest(api, faults, 'GET', url, '')?.body as { items?: unknown[] } | undefined)?.items;
    expect(items('/lattice-sim/faults')).toEqual([]);
    expect(items('/api/v1/../../lattice-sim/faults')).toEqual([]);
    expect(items('/api/%2e%2e/lattice-sim/faults')).toEqual([]);
    expect(items('\\lattice-sim\\faults')).toEqual([]);
    expect(items('/lattice-si\tm/faults')).toEqual([]);
    expect(controlRequest(api, faults, 'GET', '/api/v1/namespaces/default/configmaps', '')).toBeUndefined();
    expect(controlRequest(api, faults, 'GET', '/lattice-%73im/faults', '')).toBeUndefined();
    expect(controlRequest(api, faults, 'GET', '/api/v1/namespaces/lattice-sim/configmaps', '')).toBeUndefined();
  });

  it('needs the token like the API does', async () => {
    expect((await call('GET', '/lattice-sim/faults', undefined, 'wrong')).status).toBe(401);
  });

  it('adds, lists and removes fault rules; a rule fails matching requests with its Status and nothing else', async () => {
    const added = await call('POST', '/lattice-sim/faults', { verbs: ['create'], resource: 'configmaps', namespace: 'default', error: { code: 500, message: 'etcdserver: request timed out' } });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ id: expect.stringMatching(/^fault-\d+$/), hits: 0, verbs: ['create'] });
    const failed = await call('POST', '/api/v1/namespaces/default/configmaps', cm('x'));
    expect(failed.status).toBe(500);
    expect(failed.json).toMatchObject({ kind: 'Status', code: 500, reason: 'InternalError', message: 'etcdserver: request timed out' });
    expect((await call('POST', '/api/v1/namespaces/kube-system/configmaps', cm('x'))).status).toBe(201);
    expect(((await call('GET', '/lattice-sim/faults')).json.items as { hits: number }[])[0].hits).toBe(1);
    expect((await call('DELETE', `/lattice-sim/faults/${String(added.json.id)}`)).json).toEqual({ removed: 1 });
    expect((await call('DELETE', `/lattice-sim/faults/${String(added.json.id)}`)).status).toBe(404);
    expect((await call('POST', '/api/v1/namespaces/default/configmaps', cm('x'))).status).toBe(201);
  });

  it('refuses a bad rule with 400 and one cause per field (YAML bodies too)', async () => {
    const r = await call('POST', '/lattice-sim/faults', 'verbs: [poke]\nerror: {code: 200}\n');
    expect(r.status).toBe(400);
    expect((r.json.details as { causes: { field: string }[] }).causes.map((c) => c.field)).toEqual(['verbs', 'error.code']);
  });

  it('429 carries Retry-After and details.retryAfterSeconds; `times` expires the rule', async () => {
    await call('POST', '/lattice-sim/faults', { verbs: ['list'], resource: 'pods', retryAfterSeconds: 2, times: 1 });
    const r = await call('GET', '/api/v1/pods');
    expect([r.status, r.headers.get('retry-after'), (r.json.details as { retryAfterSeconds: number }).retryAfterSeconds]).toEqual([429, '2', 2]);
    expect((await call('GET', '/api/v1/pods')).status).toBe(200);
  });

  it('latency holds the answer back at least that long (wall ms)', async () => {
    await call('POST', '/lattice-sim/faults', { verbs: ['get'], resource: 'namespaces', name: 'default', latencyMs: 120, times: 1 });
    const t = performance.now();
    expect((await call('GET', '/api/v1/namespaces/default')).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(115);
  });

  it('dropWatch ends a watch stream at once; DELETE /lattice-sim/watches closes open ones', async () => {
    await call('POST', '/lattice-sim/faults', { resource: 'configmaps', dropWatch: true, times: 1 });
    const dropped = await call('GET', '/api/v1/configmaps?watch=true');
    expect([dropped.status, dropped.text]).toEqual([200, '']);
    const res = await fetch(`${http.url}/api/v1/configmaps?watch=true`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = res.text();
    await expect.poll(() => http.openWatches()).toBe(1);
    expect((await call('DELETE', '/lattice-sim/watches?resource=configmaps')).json).toEqual({ closed: 1 });
    expect((await body).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { type: string }).type)).toContain('ADDED');
    expect((await call('DELETE', '/lattice-sim/watches?group=example.com&resource=widgets')).status).toBe(404);
  });

  it('compaction makes a watch from an old resourceVersion get 410 Expired in-band', async () => {
    const created = await call('POST', '/api/v1/namespaces/default/configmaps', cm('before-compact'));
    const rv = (created.json.metadata as { resourceVersion: string }).resourceVersion;
    await call('POST', '/api/v1/namespaces/default/configmaps', cm('after-compact'));
    expect((await call('POST', '/lattice-sim/compact')).json).toEqual({ compactedRevision: api.revision });
    const w = await call('GET', `/api/v1/configmaps?watch=true&resourceVersion=${rv}`);
    expect(JSON.parse(w.text.trim())).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('snapshot GET and PUT round-trip the store', async () => {
    const snap = await call('GET', '/lattice-sim/snapshot');
    expect(snap.json).toMatchObject({ kind: 'ApiServerSnapshot', revision: api.revision });
    await call('POST', '/api/v1/namespaces/default/configmaps', cm('after-snapshot'));
    const restored = await call('PUT', '/lattice-sim/snapshot', snap.text);
    expect(restored.json).toEqual({ revision: api.revision, objects: (snap.json.objects as unknown[]).length });
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/after-snapshot')).status).toBe(404);
    expect((await call('PUT', '/lattice-sim/snapshot', { kind: 'Nope' })).status).toBe(400);
    expect((await call('PATCH', '/lattice-sim/snapshot', {})).status).toBe(405);
    expect((await call('GET', '/lattice-sim/nothing')).status).toBe(404);
  });

  it('a client-node informer lives through a dropped watch and a forced compaction by relisting', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: http.url, skipTLSVerify: true }],
      users: [{ name: 'u', token: TOKEN }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const core = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/informer/configmaps', () => core.listNamespacedConfigMap({ namespace: 'informer' }));
    await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'informer' } });
    await call('POST', '/api/v1/namespaces/informer/configmaps', cm('one'));
    const errors: unknown[] = [];
    informer.on('error', (e) => {
      errors.push(e);
      setTimeout(() => void informer.start(), 50);
    });
    await informer.start();
    await expect.poll(() => informer.list().map((o) => o.metadata?.name)).toEqual(['one']);
    await call('POST', '/lattice-sim/faults', { resource: 'configmaps', namespace: 'informer', dropWatch: true, times: 1 });
    await call('DELETE', '/lattice-sim/watches?resource=configmaps');
    await call('POST', '/api/v1/namespaces/informer/configmaps', cm('two'));
    await call('POST', '/lattice-sim/compact');
    await call('POST', '/api/v1/namespaces/informer/configmaps', cm('three'));
    await expect.poll(() => informer.list().map((o) => o.metadata?.name).sort(), { timeout: 10_000 }).toEqual(['one', 'three', 'two']);
    await informer.stop();
  });
});
