/**
 * The HTTP front held against @kubernetes/client-node 1.4 (anchors-apiserver.md §3.25): typed
 * CoreV1Api calls, selectors, the raw Watch, and an informer that relists after a forced 410.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, Watch, makeInformer, setHeaderOptions } from '@kubernetes/client-node';
import type { KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../apiserver.ts';
import type { Clock } from '../api/index.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { startHttpServer } from './server.ts';
import type { RunningHttpServer } from './server.ts';

const wallClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), setTimer: (ms, fn) => ({ cancel: clearTimeout.bind(null, setTimeout(fn, ms)) }) };

let api: ApiServer;
let http: RunningHttpServer;
let kc: KubeConfig;
let core: CoreV1Api;
const ns = 'default';

beforeAll(async () => {
  api = new ApiServer({ clock: wallClock });
  http = await startHttpServer(api, { token: 'client-node' });
  const file = join(mkdtempSync(join(tmpdir(), 'lattice-sim-kc-')), 'kubeconfig');
  writeKubeconfig(file, { server: http.url, token: 'client-node' });
  kc = new KubeConfig();
  kc.loadFromFile(file);
  core = kc.makeApiClient(CoreV1Api);
});
afterAll(async () => {
  await http.close();
});

/** Polls `cond` every 10 ms until it holds (5 s at most). */
async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): V1ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data });

describe('@kubernetes/client-node against the HTTP front', () => {
  it('creates, lists, reads, patches (merge, JSON, strategic, apply) and deletes a ConfigMap', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: ns, body: cm('cn', { app: 'cn' }, { a: '1' }) });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.namespace).toBe(ns);
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    expect(list.items.map((i) => i.metadata?.name)).toContain('cn');
    const read = await core.readNamespacedConfigMap({ name: 'cn', namespace: ns });
    expect(read.data).toEqual({ a: '1' });

    const merged = await core.patchNamespacedConfigMap({ name: 'cn', namespace: ns, body: { data: { b: '2' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(merged.data).toEqual({ a: '1', b: '2' });
    const jsonPatched = await core.patchNamespacedConfigMap({ name: 'cn', namespace: ns, body: [{ op: 'remove', path: '/data/a' }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
    expect(jsonPatched.data).toEqual({ b: '2' });
    const smp = await core.patchNamespacedConfigMap({ name: 'cn', namespace: ns, body: { metadata: { labels: { tier: 'x' } } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    expect(smp.metadata?.labels).toEqual({ app: 'cn', tier: 'x' });
    const applied = await core.patchNamespacedConfigMap(
      { name: 'cn', namespace: ns, fieldManager: 'client-node', force: true, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cn', namespace: ns }, data: { c: '3' } } },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    expect(applied.data).toEqual({ b: '2', c: '3' }); // apply merges into data: `b` stays, owned by the merge patch's manager
    expect(applied.metadata?.managedFields?.[0]).toMatchObject({ manager: 'client-node', operation: 'Apply' });

    await core.deleteNamespacedConfigMap({ name: 'cn', namespace: ns });
    const err = await core.readNamespacedConfigMap({ name: 'cn', namespace: ns }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    const ex = err as ApiException<string>;
    expect(ex.code).toBe(404);
    expect(JSON.parse(ex.body)).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'configmaps "cn" not found' });
  });

  it('surfaces 409 and 422 as ApiException with the Status body', async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('dup') });
    const dup = (await core.createNamespacedConfigMap({ namespace: ns, body: cm('dup') }).catch((e: unknown) => e)) as ApiException<string>;
    expect(dup.code).toBe(409);
    expect(JSON.parse(dup.body)).toMatchObject({ reason: 'AlreadyExists', details: { name: 'dup', kind: 'configmaps' } });
    const bad = (await core.createNamespacedConfigMap({ namespace: ns, body: cm('Bad_Name') }).catch((e: unknown) => e)) as ApiException<string>;
    expect(bad.code).toBe(422);
    expect(JSON.parse(bad.body).details.causes[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'metadata.name' });
    await core.deleteNamespacedConfigMap({ name: 'dup', namespace: ns });
  });

  it('lists by label selector, in one namespace and across namespaces', async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('l1', { team: 'a' }) });
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('l2', { team: 'b' }) });
    await core.createNamespacedConfigMap({ namespace: 'kube-system', body: cm('l3', { team: 'a' }) });
    const inNs = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'team=a' });
    expect(inNs.items.map((i) => i.metadata?.name)).toEqual(['l1']);
    const all = await core.listConfigMapForAllNamespaces({ labelSelector: 'team in (a)' });
    expect(all.items.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`)).toEqual(['default/l1', 'kube-system/l3']);
    const notA = await core.listConfigMapForAllNamespaces({ labelSelector: 'team,team!=a' });
    expect(notA.items.map((i) => i.metadata?.name)).toEqual(['l2']);
  });

  it('finds plural and scope through discovery (KubernetesObjectApi)', async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } } } } };
    const created: KubernetesObject = await objects.create<KubernetesObject>(deployment);
    expect((created.metadata as { generation?: number }).generation).toBe(1);
    const read: KubernetesObject = await objects.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns } });
    expect(read.metadata?.uid).toBe(created.metadata?.uid);
  });

  it('watches ADDED, MODIFIED and DELETED through Watch', async () => {
    const events: string[] = [];
    const watch = new Watch(kc);
    let ended: unknown = 'open';
    const rv = String(api.revision);
    const ctl = await watch.watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      { resourceVersion: rv, labelSelector: 'w=1' },
      (type, obj: V1ConfigMap) => events.push(`${type} ${obj.metadata?.name}`),
      (err) => (ended = err),
    );
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('w', { w: '1' }) });
    await core.patchNamespacedConfigMap({ name: 'w', namespace: ns, body: { data: { x: 'y' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('not-watched') });
    await core.deleteNamespacedConfigMap({ name: 'w', namespace: ns });
    await until(() => events.length >= 3, 'three watch events');
    expect(events).toEqual(['ADDED w', 'MODIFIED w', 'DELETED w']);
    ctl.abort();
    await until(() => ended !== 'open', 'the watch to end');
  });

  it('runs an informer that relists after a forced 410 (disconnect, write, compact)', async () => {
    let lists = 0;
    const errors: unknown[] = [];
    const informer = makeInformer(kc, `/api/v1/namespaces/${ns}/configmaps`, () => {
      lists++;
      return core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'inf=1' });
    }, 'inf=1');
    const added: string[] = [];
    const deleted: string[] = [];
    informer.on('add', (o) => added.push(o.metadata!.name!));
    informer.on('delete', (o) => deleted.push(o.metadata!.name!));
    informer.on('error', (e) => errors.push(e));
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('inf-0', { inf: '1' }) });
    await informer.start();
    await until(() => added.includes('inf-0'), 'the initial list');
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('inf-1', { inf: '1' }) });
    await until(() => added.includes('inf-1'), 'a watch event');
    expect(lists).toBe(1);

    // The server drops the watch; a write lands while the informer is away; history is compacted past
    // the informer's last resourceVersion: its re-watch gets an in-band 410 and it must relist.
    api.disconnectWatches();
    api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inf-2', namespace: ns, labels: { inf: '1' } } });
    api.delete({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace: ns, name: 'inf-0' });
    api.compact();
    await until(() => lists === 2 && added.includes('inf-2') && deleted.includes('inf-0'), 'the relist after 410');
    expect(informer.list().map((o) => o.metadata?.name).sort()).toEqual(['inf-1', 'inf-2']);

    // and it keeps watching from the relisted resourceVersion
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('inf-3', { inf: '1' }) });
    await until(() => added.includes('inf-3'), 'a watch event after the relist');
    expect(errors).toEqual([]);
    await informer.stop();
  });
});
