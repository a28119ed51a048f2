import { describe, expect, it } from 'vitest';
import { ApiServer } from './apiserver.ts';
import type { KubeObject, WatchEvent } from './api/index.ts';
import { manualClock, manualDelivery } from './testing/manual-clock.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const cm = (name: string, labels?: Record<string, string>): KubeObject => ({ ...CM, metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) }, data: { a: '1' } });

function setup(historyLimit?: number) {
  const d = manualDelivery();
  const s = new ApiServer({ clock: manualClock(), deliver: d.deliver, historyLimit });
  const events: WatchEvent[] = [];
  let closed = 0;
  const rec = (e: WatchEvent) => events.push(e);
  const onClose = () => void closed++;
  const brief = () => events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}@${e.object.metadata?.resourceVersion ?? ''}`);
  return { s, d, events, rec, onClose, brief, closed: () => closed };
}

describe('watch', () => {
  it('sends synthetic ADDED for current objects, then live events, only after delivery runs', () => {
    const { s, d, rec, brief } = setup();
    s.create(cm('b'));
    s.create(cm('a'));
    s.watch(CM, {}, rec);
    const c = s.create(cm('c'));
    s.update({ ...c, data: { a: '2' } });
    s.delete(CM, { namespace: 'default', name: 'a' });
    expect(brief()).toEqual([]);
    d.drain();
    expect(brief()).toEqual(['ADDED a@6', 'ADDED b@5', 'ADDED c@7', 'MODIFIED c@8', 'DELETED a@9']);
  });

  it('delivers the last state with the deletion resourceVersion on DELETED', () => {
    const { s, d, events, rec } = setup();
    s.create(cm('a'));
    s.watch(CM, { resourceVersion: String(s.revision) }, rec);
    s.delete(CM, { namespace: 'default', name: 'a' });
    d.drain();
    expect(events[0].type).toBe('DELETED');
    expect(events[0].object.data).toEqual({ a: '1' });
    expect(events[0].object.metadata.resourceVersion).toBe(String(s.revision));
  });

  it('replays every event after the given resourceVersion from history', () => {
    const { s, d, rec, brief } = setup();
    const a = s.create(cm('a'));
    const rv = s.revision;
    s.update({ ...a, data: { a: '2' } });
    s.create(cm('b'));
    s.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' } });
    s.watch(CM, { resourceVersion: String(rv) }, rec);
    s.create(cm('c'));
    d.drain();
    expect(brief()).toEqual(['MODIFIED a@6', 'ADDED b@7', 'ADDED c@9']);
  });

  it('skips events up to a resourceVersion that is ahead of the store', () => {
    const { s, d, rec, brief } = setup();
    s.watch(CM, { resourceVersion: String(s.revision + 1) }, rec);
    s.create(cm('a'));
    s.create(cm('b'));
    d.drain();
    expect(brief()).toEqual(['ADDED b@6']);
  });

  it('answers a compacted resourceVersion with an in-band 410 ERROR event, then closes', () => {
    const { s, d, events, rec, onClose, closed } = setup(3);
    for (const n of ['a', 'b', 'c', 'd', 'e']) s.create(cm(n));
    s.watch(CM, { resourceVersion: '2' }, rec, onClose);
    s.create(cm('f'));
    d.drain();
    expect(events).toHaveLength(1);
    expect(events[0].type).toBe('ERROR');
    expect(events[0].object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 2 (6)' });
    expect(closed()).toBe(1);
  });

  it('serves a resourceVersion at the edge of the history window', () => {
    const { s, d, rec, brief } = setup(3);
    for (const n of ['a', 'b', 'c', 'd', 'e']) s.create(cm(n));
    s.watch(CM, { resourceVersion: '6' }, rec);
    d.drain();
    expect(brief()).toEqual(['ADDED c@7', 'ADDED d@8', 'ADDED e@9']);
  });

  it('turns label-selector transitions into ADDED and DELETED', () => {
    const { s, d, events, rec, brief } = setup();
    const a = s.create(cm('a', { app: 'web' }));
    s.watch(CM, { labelSelector: 'app=web' }, rec);
    const off = s.update({ ...a, metadata: { ...a.metadata, labels: { app: 'db' } } });
    s.update({ ...off, data: { a: 'ignored' } });
    const on = s.get(CM, { namespace: 'default', name: 'a' });
    s.update({ ...on, metadata: { ...on.metadata, labels: { app: 'web' } } });
    d.drain();
    expect(brief()).toEqual(['ADDED a@5', 'DELETED a@6', 'ADDED a@8']);
    expect(events[1].object.metadata.labels).toEqual({ app: 'web' });
  });

  it('applies namespace and field selectors to watches', () => {
    const { s, d, rec, brief } = setup();
    s.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    s.watch(CM, { namespace: 'other', fieldSelector: 'metadata.name!=skip' }, rec);
    s.create(cm('x'));
    s.create({ ...cm('y'), metadata: { name: 'y', namespace: 'other' } });
    s.create({ ...cm('skip'), metadata: { name: 'skip', namespace: 'other' } });
    d.drain();
    expect(brief()).toEqual(['ADDED y@7']);
  });

  it('delivers in global resourceVersion order across many writes and stops after stop()', () => {
    const { s, d, events, rec } = setup();
    const h = s.watch(CM, {}, rec);
    for (let i = 0; i < 50; i++) s.create(cm(`c${i}`));
    d.drain();
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
    h.stop();
    s.create(cm('late'));
    d.drain();
    expect(events).toHaveLength(50);
  });

  it('stops delivering queued events when stopped before delivery', () => {
    const { s, d, events, rec } = setup();
    const h = s.watch(CM, {}, rec);
    s.create(cm('a'));
    h.stop();
    d.drain();
    expect(events).toEqual([]);
  });

  it('closes watches on disconnectWatches after delivering what was pending', () => {
    const { s, d, rec, onClose, brief, closed } = setup();
    s.watch(CM, {}, rec, onClose);
    s.create(cm('a'));
    expect(s.disconnectWatches()).toBe(1);
    s.create(cm('b'));
    d.drain();
    expect(brief()).toEqual(['ADDED a@5']);
    expect(closed()).toBe(1);
  });

  it('does not emit events for no-op writes', () => {
    const { s, d, rec, brief } = setup();
    const a = s.create(cm('a'));
    s.watch(CM, { resourceVersion: a.metadata.resourceVersion }, rec);
    s.update({ ...a });
    s.patch(CM, { namespace: 'default', name: 'a' }, 'merge', { data: { a: '1' } });
    d.drain();
    expect(brief()).toEqual([]);
  });

  it('rejects malformed resourceVersions and selectors with 400', () => {
    const { s, rec } = setup();
    expect(() => s.watch(CM, { resourceVersion: 'abc' }, rec)).toThrow(/invalid resource version/);
    expect(() => s.watch(CM, { fieldSelector: 'spec.x=1' }, rec)).toThrow(/field label not supported/);
  });

  it('uses queueMicrotask by default', async () => {
    const s = new ApiServer({ clock: manualClock() });
    const seen: string[] = [];
    s.watch(CM, {}, (e) => seen.push(e.type));
    s.create(cm('a'));
    expect(seen).toEqual([]);
    await Promise.resolve();
    expect(seen).toEqual(['ADDED']);
  });
});
