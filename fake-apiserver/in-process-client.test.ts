import { describe, expect, it } from 'vitest';
import { ApiServer } from './apiserver.ts';
import { InProcessClient, withInterceptors } from './in-process-client.ts';
import { conflict, isConflict, isNotFound } from './api/index.ts';
import type { KubeClient, KubeObject, WatchEvent } from './api/index.ts';
import { manualClock } from './testing/manual-clock.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const cm = (name: string): KubeObject => ({ ...CM, metadata: { name, namespace: 'default' }, data: { a: '1' } });

describe('InProcessClient', () => {
  it('runs every verb against the server and rejects with StatusErrors', async () => {
    const c: KubeClient = new InProcessClient(new ApiServer({ clock: manualClock() }));
    const created = await c.create(cm('a'));
    expect((await c.get(CM, { namespace: 'default', name: 'a' })).metadata.uid).toBe(created.metadata.uid);
    await c.update({ ...created, data: { a: '2' } });
    await c.patch(CM, { namespace: 'default', name: 'a' }, 'merge', { data: { b: '3' } });
    await c.apply(cm('b'), { fieldManager: 'test' });
    expect((await c.list(CM)).items.map((o) => o.metadata.name)).toEqual(['a', 'b']);
    await c.delete(CM, { namespace: 'default', name: 'a' });
    await expect(c.get(CM, { namespace: 'default', name: 'a' })).rejects.toSatisfy(isNotFound);
    await expect(c.updateStatus(cm('b'))).rejects.toMatchObject({ code: 404 });
  });

  it('streams watch events asynchronously', async () => {
    const c = new InProcessClient(new ApiServer({ clock: manualClock() }));
    const seen: WatchEvent[] = [];
    const h = await c.watch(CM, {}, (e) => seen.push(e));
    await c.create(cm('a'));
    await Promise.resolve();
    expect(seen.map((e) => e.type)).toEqual(['ADDED']);
    h.stop();
  });
});

describe('withInterceptors', () => {
  it('calls the override with the inner client and passes other verbs through', async () => {
    const inner = new InProcessClient(new ApiServer({ clock: manualClock() }));
    let updates = 0;
    const c = withInterceptors(inner, {
      update: async (_inner, obj) => {
        updates++;
        throw conflict('configmaps', '', obj.metadata.name);
      },
      create: (i, obj, opts) => i.create({ ...obj, metadata: { ...obj.metadata, labels: { injected: 'yes' } } }, opts),
    });
    const a = await c.create(cm('a'));
    expect(a.metadata.labels).toEqual({ injected: 'yes' });
    await expect(c.update(a)).rejects.toSatisfy(isConflict);
    expect(updates).toBe(1);
    expect((await c.get(CM, { namespace: 'default', name: 'a' })).metadata.resourceVersion).toBe(a.metadata.resourceVersion);
  });
});
