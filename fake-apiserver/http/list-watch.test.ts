/**
 * Wire behaviour of chunked lists, list resourceVersion semantics, deletecollection, watch-list
 * (sendInitialEvents) and selector transitions on watches, through fetch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../apiserver.ts';
import type { Clock } from '../api/index.ts';
import { startHttpServer } from './server.ts';
import type { RunningHttpServer } from './server.ts';
import { readWatch, wireCall } from './testing/wire.ts';

const wallClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), setTimer: (ms, fn) => ({ cancel: clearTimeout.bind(null, setTimeout(fn, ms)) }) };

let api: ApiServer;
let http: RunningHttpServer;
beforeAll(async () => {
  api = new ApiServer({ clock: wallClock });
  http = await startHttpServer(api, { port: 0 });
  api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pages' } });
  for (const n of ['a', 'b', 'c', 'd', 'e']) api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: 'pages', labels: { app: n < 'c' ? 'x' : 'y' } } });
});
afterAll(async () => {
  await http.close();
});

const call = (method: string, path: string, body?: unknown, contentType?: string, headers?: Record<string, string>) => wireCall(http.url, method, path, body, contentType, headers);
const cms = '/api/v1/namespaces/pages/configmaps';
const itemNames = (j: Record<string, unknown>) => (j.items as { metadata: { name: string } }[]).map((i) => i.metadata.name);

describe('HTTP front: chunked lists', () => {
  it('pages with limit and continue; metadata carries continue and remainingItemCount', async () => {
    const first = await call('GET', `${cms}?limit=2`);
    expect(first.status).toBe(200);
    expect(itemNames(first.json)).toEqual(['a', 'b']);
    const meta = first.json.metadata as { continue: string; remainingItemCount: number; resourceVersion: string };
    expect(meta.remainingItemCount).toBe(3);
    const second = await call('GET', `${cms}?limit=2&continue=${encodeURIComponent(meta.continue)}`);
    expect(itemNames(second.json)).toEqual(['c', 'd']);
    expect((second.json.metadata as { resourceVersion: string }).resourceVersion).toBe(meta.resourceVersion);
    const filtered = await call('GET', `${cms}?limit=1&labelSelector=app%3Dy`);
    expect(itemNames(filtered.json)).toEqual(['c']);
    expect(filtered.json.metadata).not.toHaveProperty('remainingItemCount');
  });

  it('puts continue on Tables too (kubectl get --chunk-size)', async () => {
    const t = await call('GET', `${cms}?limit=2`, undefined, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    expect(t.json.kind).toBe('Table');
    expect((t.json.rows as unknown[]).length).toBe(2);
    expect(t.json.metadata).toMatchObject({ continue: expect.any(String), remainingItemCount: 3 });
  });

  it('answers a compacted continue token with 410 Expired carrying metadata.continue', async () => {
    const first = await call('GET', `${cms}?limit=2`);
    api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later', namespace: 'default' } });
    api.compact();
    const token = (first.json.metadata as { continue: string }).continue;
    const expired = await call('GET', `${cms}?limit=2&continue=${encodeURIComponent(token)}`);
    expect(expired.status).toBe(410);
    expect(expired.json).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410, metadata: { continue: expect.any(String) } });
    expect(expired.json.message).toMatch(/^The provided continue parameter is too old to display a consistent list result\./);
    const rest = await call('GET', `${cms}?limit=10&continue=${encodeURIComponent((expired.json.metadata as { continue: string }).continue)}`);
    expect(itemNames(rest.json)).toEqual(['c', 'd', 'e']);
  });

  it('refuses a bad limit (400), resourceVersionMatch without resourceVersion (422) and a future resourceVersion (504)', async () => {
    expect((await call('GET', `${cms}?limit=ten`)).status).toBe(400);
    const match = await call('GET', `${cms}?resourceVersionMatch=Exact`);
    expect(match.status).toBe(422);
    expect(match.json).toMatchObject({ reason: 'Invalid', details: { kind: 'ListOptions', group: 'meta.k8s.io' } });
    const future = await call('GET', `${cms}?resourceVersion=${api.revision + 100}&resourceVersionMatch=NotOlderThan`);
    expect(future.status).toBe(504);
    expect(future.json).toMatchObject({ reason: 'Timeout', details: { retryAfterSeconds: 1 } });
  });
});

describe('HTTP front: deletecollection', () => {
  it('deletes what the label selector matches in the namespace and answers the list; 405 without namespace', async () => {
    for (const n of ['dc-1', 'dc-2', 'keep']) await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: n, labels: { dc: n === 'keep' ? 'no' : 'yes' } } });
    const r = await call('DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=dc%3Dyes');
    expect(r.status).toBe(200);
    expect(r.json.kind).toBe('ConfigMapList');
    expect(itemNames(r.json)).toEqual(['dc-1', 'dc-2']);
    const left = await call('GET', '/api/v1/namespaces/default/configmaps?labelSelector=dc');
    expect(itemNames(left.json)).toEqual(['keep']);
    expect((await call('DELETE', '/api/v1/configmaps')).status).toBe(405);
  });
});

describe('HTTP front: watch-list and selector transitions', () => {
  it('streams the current state, then a BOOKMARK annotated k8s.io/initial-events-end, then changes', async () => {
    const rv = String(api.revision);
    const { events } = await readWatch(
      http.url,
      `${cms}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=app%3Dx`,
      (ev) => ev.length >= 4,
      () => void api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'aa', namespace: 'pages', labels: { app: 'x' } } }),
    );
    expect(events.map((e) => `${e.type} ${String(e.object.metadata?.name)}`)).toEqual(['ADDED a', 'ADDED b', 'BOOKMARK ', 'ADDED aa']);
    expect(events[2].object.metadata).toEqual({ name: '', resourceVersion: rv, annotations: { 'k8s.io/initial-events-end': 'true' } });
  });

  it('refuses sendInitialEvents without resourceVersionMatch=NotOlderThan before streaming (422)', async () => {
    const r = await call('GET', `${cms}?watch=1&sendInitialEvents=true`);
    expect(r.status).toBe(422);
    expect(r.json.message).toContain('sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
  });

  it('sends ADDED when an object starts matching a label or field selector and DELETED when it stops', async () => {
    const pods = '/api/v1/namespaces/pages/pods';
    await call('POST', pods, { metadata: { name: 'p', labels: { tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Pending' } });
    const pod = { apiVersion: 'v1', kind: 'Pod' };
    const key = { namespace: 'pages', name: 'p' };
    const byLabel = readWatch(http.url, `${pods}?watch=1&resourceVersion=${api.revision}&labelSelector=tier%3Dapi`, (ev) => ev.length >= 3);
    const byField = readWatch(http.url, `${pods}?watch=1&resourceVersion=${api.revision}&fieldSelector=status.phase%3DRunning`, (ev) => ev.length >= 3);
    while (http.openWatches() < 2) await new Promise((r) => setTimeout(r, 5));
    api.patch(pod, key, 'merge', { metadata: { labels: { tier: 'api' } } });
    api.patchStatus(pod, key, 'merge', { status: { phase: 'Running' } });
    api.patch(pod, key, 'merge', { metadata: { labels: { tier: 'web' } } });
    api.patchStatus(pod, key, 'merge', { status: { phase: 'Succeeded' } });
    const label = (await byLabel).events;
    const field = (await byField).events;
    // Label watch: tier=api (ADDED), phase change while matching (MODIFIED), tier=web (DELETED, last matching state).
    expect(label.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect((label[2].object.metadata as { labels: Record<string, string> }).labels).toEqual({ tier: 'api' });
    // Field watch: phase Running (ADDED), label change while matching (MODIFIED), phase Succeeded (DELETED).
    expect(field.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect((field[2].object as { status: { phase: string } }).status.phase).toBe('Running');
    expect(Number(field[2].object.metadata?.resourceVersion)).toBe(api.revision);
  });
});
