import { describe, expect, it } from 'vitest';
import { ApiServer, InProcessClient } from '../../fake-apiserver/index.ts';
import { INDEX_OWNER_UID, isNotFound } from '../../fake-apiserver/api/index.ts';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { VirtualClock } from '../clock/index.ts';
import { InformerFactory } from './cache.ts';
import { createStore } from './store.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const silent = { info: () => {}, warn: () => {} };

async function setup() {
  const clock = new VirtualClock(0);
  const server = new ApiServer({ clock, deliver: (fn) => clock.setTimer(1, fn) });
  const client = new InProcessClient(server);
  for (const ns of ['a', 'a-b']) await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const mk = (namespace: string, name: string, labels: Record<string, string> = {}) => client.create({ ...CM, metadata: { name, namespace, labels } });
  await mk('a', 'x', { app: 'web', tier: 'front' });
  await mk('a', 'y', { app: 'db' });
  await mk('a-b', 'x', { app: 'web' });
  const cache = new InformerFactory({ client, clock, log: silent });
  return { clock, server, client, cache, mk };
}

const names = (items: KubeObject[]) => items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);

describe('InformerFactory as a KubeReader', () => {
  it('lists like the API server: sorted by namespace then name, with namespace, label and field selectors', async () => {
    const { server, cache } = await setup();
    const all = await cache.list(CM);
    expect(names(all.items)).toEqual(names(server.list(CM).items));
    expect(names((await cache.list(CM, { namespace: 'a' })).items)).toEqual(['a/x', 'a/y']);
    expect(names((await cache.list(CM, { labelSelector: 'app=web' })).items)).toEqual(['a/x', 'a-b/x']);
    expect(names((await cache.list(CM, { namespace: 'a', labelSelector: { matchLabels: { app: 'web', tier: 'front' } } })).items)).toEqual(['a/x']);
    expect(names((await cache.list(CM, { labelSelector: 'app notin (web)' })).items)).toEqual(['a/y']);
    expect(names((await cache.list(CM, { fieldSelector: 'metadata.name=x' })).items)).toEqual(['a/x', 'a-b/x']);
    expect(names((await cache.list(CM, { namespace: 'a', fieldSelector: 'metadata.name!=x' })).items)).toEqual(['a/y']);
    expect(all.metadata.resourceVersion).toBe(String(server.revision));
  });

  it('gets cached objects and answers 404 NotFound for absent ones', async () => {
    const { cache } = await setup();
    expect((await cache.get(CM, { namespace: 'a', name: 'y' })).metadata.labels).toEqual({ app: 'db' });
    const err = await cache.get(CM, { namespace: 'a', name: 'nope' }).catch((e) => e);
    expect(isNotFound(err)).toBe(true);
  });

  it('shares one informer per kind and follows changes once they are delivered', async () => {
    const { clock, cache, mk } = await setup();
    expect(cache.informerFor(CM)).toBe(cache.informerFor({ ...CM }));
    await cache.list(CM);
    await mk('a', 'z', { app: 'web' });
    expect(names((await cache.list(CM, { namespace: 'a', labelSelector: 'app=web' })).items)).toEqual(['a/x']); // not delivered yet
    await clock.run();
    expect(names((await cache.list(CM, { namespace: 'a', labelSelector: 'app=web' })).items)).toEqual(['a/x', 'a/z']);
  });
});

describe('createStore', () => {
  const obj = (name: string, rv: string, owner?: string, labels?: Record<string, string>): KubeObject => ({
    ...CM,
    metadata: { name, namespace: 'n', resourceVersion: rv, uid: `u-${name}`, labels, ...(owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: owner }] } : {}) },
  });

  it('keeps the owner-uid, label and custom indexes in step with updates and deletes', () => {
    const [reader, writer] = createStore();
    writer.addIndexer('first-letter', (o) => [o.metadata.name[0]]);
    writer.apply(obj('ab', '1', 'o1', { k: 'v' }));
    writer.apply(obj('ac', '2', 'o1'));
    expect(names(reader.byIndex(INDEX_OWNER_UID, 'o1'))).toEqual(['n/ab', 'n/ac']);
    expect(names(reader.byIndex('first-letter', 'a'))).toEqual(['n/ab', 'n/ac']);
    writer.apply(obj('ab', '3', 'o2'));
    expect(names(reader.byIndex(INDEX_OWNER_UID, 'o1'))).toEqual(['n/ac']);
    expect(reader.byIndex('label', 'n/k=v')).toEqual([]);
    writer.delete(obj('ac', '4'));
    expect(reader.byIndex(INDEX_OWNER_UID, 'o1')).toEqual([]);
    expect(() => reader.byIndex('nope', 'x')).toThrow(/unknown index/);
  });

  it('replace reports adds, updates with a new resourceVersion, and deletions; unchanged objects are silent', () => {
    const [reader, writer] = createStore();
    writer.replace([obj('a', '1'), obj('b', '1'), obj('c', '1')], '1');
    const changes = writer.replace([obj('a', '1'), obj('b', '5'), obj('d', '6')], '6');
    expect(changes.map((c) => `${c.type} ${c.object.metadata.name}`)).toEqual(['update b', 'add d', 'delete c']);
    expect(reader.lastResourceVersion()).toBe('6');
    expect(reader.hasSynced()).toBe(true);
  });
});

describe('periodic resync', () => {
  it('calls onUpdate(obj, obj) for every cached object each resyncMs of simulated time', async () => {
    const clock = new VirtualClock(0);
    const server = new ApiServer({ clock, deliver: (fn) => clock.setTimer(1, fn) });
    const client = new InProcessClient(server);
    await client.create({ ...CM, metadata: { name: 'a', namespace: 'default' } });
    const cache = new InformerFactory({ client, clock, log: silent, resyncMs: 10_000 });
    const seen: string[] = [];
    const inf = cache.informerFor(CM);
    await inf.synced();
    inf.addEventHandler({ onUpdate: (old, obj) => seen.push(`${clock.now()} ${obj.metadata.name} ${old === obj}`) });
    await clock.run({ untilMs: 25_000 });
    cache.stop();
    expect(seen).toEqual(['10000 a true', '20000 a true']);
  });
});

describe('reads of a kind the server does not serve', () => {
  it('reject with the list error (404) instead of waiting, while the reflector keeps retrying', async () => {
    const clock = new VirtualClock(0);
    const server = new ApiServer({ clock });
    const logs: string[] = [];
    const cache = new InformerFactory({ client: new InProcessClient(server), clock, log: { info: () => {}, warn: (m) => logs.push(m) } });
    const err = await cache.get({ apiVersion: 'example.com/v1', kind: 'Widget' }, { namespace: 'default', name: 'w' }).catch((e) => e);
    expect(isNotFound(err)).toBe(true);
    await clock.run({ untilMs: 2_000 });
    expect(logs.filter((l) => l.startsWith('informer Widget: list failed')).length).toBeGreaterThanOrEqual(2);
    cache.stop();
  });
});
