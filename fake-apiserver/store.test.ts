import { describe, expect, it } from 'vitest';
import { StatusError } from './api/index.ts';
import type { KubeObject } from './api/index.ts';
import { VersionedStore } from './store.ts';

const obj = (name: string, ns = 'default'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns } });

describe('VersionedStore', () => {
  it('assigns one strictly increasing decimal revision across kinds', () => {
    const s = new VersionedStore();
    const a = s.put('/ConfigMap', obj('a'));
    const b = s.put('/Secret', { ...obj('b'), kind: 'Secret' });
    const c = s.put('/ConfigMap', obj('a'));
    expect([a, b, c].map((e) => e.object.metadata.resourceVersion)).toEqual(['1', '2', '3']);
    expect(c.type).toBe('MODIFIED');
    expect(c.prev).toBe(a.object);
    expect(s.revision).toBe(3);
  });

  it('freezes stored objects deeply', () => {
    const s = new VersionedStore();
    const o = s.put('/ConfigMap', { ...obj('a'), data: { x: '1' } }).object;
    expect(Object.isFrozen(o) && Object.isFrozen(o.metadata) && Object.isFrozen(o.data)).toBe(true);
  });

  it('lists one kind sorted by namespace then name and caches the snapshot until the next write', () => {
    const s = new VersionedStore();
    for (const [n, ns] of [['b', 'y'], ['a', 'y'], ['z', 'x']]) s.put('/ConfigMap', obj(n, ns));
    const l1 = s.list('/ConfigMap');
    expect(l1.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['x/z', 'y/a', 'y/b']);
    expect(s.list('/ConfigMap')).toBe(l1);
    s.remove('/ConfigMap', obj('a', 'y'));
    expect(s.list('/ConfigMap').map((o) => o.metadata.name)).toEqual(['z', 'b']);
    expect(s.list('/ConfigMap', 'y').map((o) => o.metadata.name)).toEqual(['b']);
    expect(s.count('/ConfigMap')).toBe(2);
  });

  it('records DELETED with the last state at a new revision', () => {
    const s = new VersionedStore();
    s.put('/ConfigMap', obj('a'));
    const ev = s.remove('/ConfigMap', obj('a'));
    expect(ev?.type).toBe('DELETED');
    expect(ev?.object.metadata.resourceVersion).toBe('2');
    expect(s.get('/ConfigMap', 'default', 'a')).toBeUndefined();
    expect(s.remove('/ConfigMap', obj('a'))).toBeUndefined();
  });

  it('keeps historyLimit events and answers older starts with 410 Expired', () => {
    const s = new VersionedStore({ historyLimit: 2 });
    for (const n of ['a', 'b', 'c', 'd']) s.put('/ConfigMap', obj(n));
    expect(s.eventsSince(2).map((e) => e.revision)).toEqual([3, 4]);
    expect(s.eventsSince(4)).toEqual([]);
    let err: unknown;
    try {
      s.eventsSince(1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).status).toMatchObject({ code: 410, reason: 'Expired', message: 'too old resource version: 1 (2)' });
  });

  it('trims long histories without losing the window', () => {
    const s = new VersionedStore({ historyLimit: 10 });
    for (let i = 0; i < 5000; i++) s.put('/ConfigMap', obj(`c${i % 7}`));
    expect(s.eventsSince(4990).map((e) => e.revision)).toEqual([4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999, 5000]);
    expect(s.compactedRevision).toBe(4990);
  });
});
