/**
 * Chunked lists and deletecollection held against @kubernetes/client-node 1.4: `limit` / `_continue`
 * through the typed CoreV1Api, the 410 a compacted continue token gets (with the token to go on
 * inconsistently), and deleteCollectionNamespacedConfigMap with a label selector.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { V1ConfigMapList } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../apiserver.ts';
import type { Clock } from '../api/index.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { startHttpServer } from './server.ts';
import type { RunningHttpServer } from './server.ts';

const wallClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), setTimer: (ms, fn) => ({ cancel: clearTimeout.bind(null, setTimeout(fn, ms)) }) };

let api: ApiServer;
let http: RunningHttpServer;
let core: CoreV1Api;
const namespace = 'paged';

beforeAll(async () => {
  api = new ApiServer({ clock: wallClock });
  http = await startHttpServer(api, { token: 'client-node' });
  const file = join(mkdtempSync(join(tmpdir(), 'lattice-sim-kc-')), 'kubeconfig');
  writeKubeconfig(file, { server: http.url, token: 'client-node' });
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  core = kc.makeApiClient(CoreV1Api);
  api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  for (let i = 0; i < 7; i++) api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace, labels: { parity: i % 2 ? 'odd' : 'even' } } });
});
afterAll(async () => {
  await http.close();
});

describe('@kubernetes/client-node 1.4: chunked lists and deletecollection', () => {
  it('lists in chunks with limit and _continue until no token is left, all at one resourceVersion', async () => {
    const pages: V1ConfigMapList[] = [];
    let token: string | undefined;
    do {
      const page = await core.listNamespacedConfigMap({ namespace, limit: 3, _continue: token });
      pages.push(page);
      token = page.metadata?._continue;
    } while (token);
    expect(pages.map((p) => p.items.map((i) => i.metadata?.name))).toEqual([['cm-0', 'cm-1', 'cm-2'], ['cm-3', 'cm-4', 'cm-5'], ['cm-6']]);
    expect(pages.map((p) => p.metadata?.remainingItemCount)).toEqual([4, 1, undefined]);
    expect(new Set(pages.map((p) => p.metadata?.resourceVersion)).size).toBe(1);
  });

  it('gets 410 Expired for a compacted continue token, whose Status carries the token to go on', async () => {
    const first = await core.listNamespacedConfigMap({ namespace, limit: 2 });
    api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-late', namespace } });
    api.compact();
    const err = await core.listNamespacedConfigMap({ namespace, limit: 2, _continue: first.metadata?._continue }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiException);
    const e = err as ApiException<string>;
    expect(e.code).toBe(410);
    const status = JSON.parse(e.body) as { reason: string; metadata: { continue: string } };
    expect(status.reason).toBe('Expired');
    const rest = await core.listNamespacedConfigMap({ namespace, limit: 100, _continue: status.metadata.continue });
    expect(rest.items.map((i) => i.metadata?.name)).toEqual(['cm-2', 'cm-3', 'cm-4', 'cm-5', 'cm-6', 'cm-late']);
  });

  it('deletes a collection by label selector', async () => {
    await core.deleteCollectionNamespacedConfigMap({ namespace, labelSelector: 'parity=odd' });
    const left = await core.listNamespacedConfigMap({ namespace });
    expect(left.items.map((i) => i.metadata?.name)).toEqual(['cm-0', 'cm-2', 'cm-4', 'cm-6', 'cm-late']);
  });
});
