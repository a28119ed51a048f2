import { describe, expect, it } from 'vitest';
import { ApiServer, InProcessClient, withInterceptors } from '../../fake-apiserver/index.ts';
import type { KubeClient, KubeObject, WatchEvent } from '../../fake-apiserver/api/index.ts';
import { gone } from '../../fake-apiserver/api/index.ts';
import { VirtualClock } from '../clock/index.ts';
import { RandomStream } from '../rng/index.ts';
import { DEFAULT_REFLECTOR_BACKOFF, backoffMs, step } from './reflector.ts';
import type { ReflectorState } from './reflector.ts';
import { SharedInformer } from './informer.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const cm = (name: string, rv = '1'): KubeObject => ({ ...CM, metadata: { name, namespace: 'default', resourceVersion: rv } });
const ev = (type: WatchEvent['type'], object: KubeObject): { type: 'event'; event: WatchEvent } => ({ type: 'event', event: { type, object } });
const commands = (r: ReturnType<typeof step>) => r[0].commands.map((c) => (c.type === 'log' ? `log:${c.level}` : c.type === 'watch' ? `watch:${c.rv}` : c.type === 'sleep' ? `sleep:${c.attempt}` : c.type));
const events = (r: ReturnType<typeof step>) => r[0].events.map((e) => e.type);

describe('reflector step (the transition table, row by row)', () => {
  const watching: ReflectorState = { phase: 'watching', rv: '10', attempt: 0 };

  it('empty + start: lists', () => {
    const r = step({ phase: 'empty' }, { type: 'start' });
    expect(commands(r)).toEqual(['list']);
    expect(r[1]).toEqual({ phase: 'listing', attempt: 0 });
  });

  it('listing + listed: initStart, initApply per item, initDone, then watches from the list resourceVersion', () => {
    const r = step({ phase: 'listing', attempt: 2 }, { type: 'listed', items: [cm('a'), cm('b')], rv: '7' });
    expect(events(r)).toEqual(['initStart', 'initApply', 'initApply', 'initDone']);
    expect(commands(r)).toEqual(['watch:7']);
    expect(r[1]).toEqual({ phase: 'watching', rv: '7', attempt: 0 });
  });

  it('listing + listFailed: backs off, then relists', () => {
    const r = step({ phase: 'listing', attempt: 0 }, { type: 'listFailed', error: new Error('boom') });
    expect(commands(r)).toEqual(['log:warn', 'sleep:1']);
    expect(r[1]).toEqual({ phase: 'backoff', next: 'list', attempt: 1 });
    const w = step(r[1], { type: 'wake' });
    expect(commands(w)).toEqual(['log:info', 'list']);
    expect(w[1]).toEqual({ phase: 'listing', attempt: 1 });
  });

  it('watching + ADDED/MODIFIED: apply and advance the resourceVersion', () => {
    for (const t of ['ADDED', 'MODIFIED'] as const) {
      const r = step({ ...watching, attempt: 3 }, ev(t, cm('a', '11')));
      expect(r[0].events).toEqual([{ type: 'apply', object: cm('a', '11') }]);
      expect(r[1]).toEqual({ phase: 'watching', rv: '11', attempt: 0 });
    }
  });

  it('watching + DELETED: delete with the last state', () => {
    const r = step(watching, ev('DELETED', cm('a', '12')));
    expect(r[0].events).toEqual([{ type: 'delete', object: cm('a', '12') }]);
    expect(r[1]).toEqual({ phase: 'watching', rv: '12', attempt: 0 });
  });

  it('watching + BOOKMARK: only the resourceVersion moves', () => {
    const r = step(watching, ev('BOOKMARK', { ...CM, metadata: { name: '', resourceVersion: '20' } }));
    expect(events(r)).toEqual(['bookmark']);
    expect(r[1]).toEqual({ phase: 'watching', rv: '20', attempt: 0 });
  });

  it('watching + ERROR 410: relists at once and logs why', () => {
    const r = step(watching, ev('ERROR', gone('too old resource version: 10 (15)').status as unknown as KubeObject), 'informer ConfigMap');
    expect(commands(r)).toEqual(['log:warn', 'list']);
    expect(r[0].commands[0]).toMatchObject({ message: expect.stringContaining('410 Gone') });
    expect(r[1]).toEqual({ phase: 'listing', attempt: 0 });
  });

  it('watching + watchFailed 410 (a client that rejects instead of sending ERROR): relists', () => {
    const r = step(watching, { type: 'watchFailed', error: gone('too old resource version: 10 (15)') });
    expect(commands(r)).toEqual(['log:warn', 'list']);
    expect(r[1].phase).toBe('listing');
  });

  it('watching + other ERROR: re-watches from the same resourceVersion after backoff', () => {
    const status = { kind: 'Status', apiVersion: 'v1', metadata: { name: '' }, status: 'Failure', code: 500, message: 'etcd unavailable' } as unknown as KubeObject;
    const r = step(watching, ev('ERROR', status));
    expect(commands(r)).toEqual(['log:warn', 'sleep:1']);
    expect(r[1]).toEqual({ phase: 'backoff', next: 'watch', rv: '10', attempt: 1 });
  });

  it('watching + closed: re-watches after backoff; consecutive failures raise the attempt', () => {
    const r1 = step(watching, { type: 'closed' });
    expect(commands(r1)).toEqual(['log:warn', 'sleep:1']);
    const w1 = step(r1[1], { type: 'wake' });
    expect(commands(w1)).toEqual(['log:info', 'watch:10']);
    expect(w1[1]).toEqual({ phase: 'watching', rv: '10', attempt: 1 });
    const r2 = step(w1[1], { type: 'closed' });
    expect(commands(r2)).toEqual(['log:warn', 'sleep:2']);
  });

  it('watching + watchFailed (other): re-watches after backoff', () => {
    const r = step(watching, { type: 'watchFailed', error: new Error('connection refused') });
    expect(r[1]).toEqual({ phase: 'backoff', next: 'watch', rv: '10', attempt: 1 });
  });

  it('stop from any state, and stopped ignores everything', () => {
    for (const s of [{ phase: 'empty' }, watching, { phase: 'listing', attempt: 0 }, { phase: 'backoff', next: 'list', attempt: 1 }] as ReflectorState[]) {
      expect(step(s, { type: 'stop' })[1]).toEqual({ phase: 'stopped' });
    }
    const r = step({ phase: 'stopped' }, { type: 'start' });
    expect(r[0]).toEqual({ events: [], commands: [] });
    expect(r[1]).toEqual({ phase: 'stopped' });
  });

  it('inputs that do not belong to a state change nothing (a late close while listing)', () => {
    const listing: ReflectorState = { phase: 'listing', attempt: 0 };
    expect(step(listing, { type: 'closed' })[1]).toBe(listing);
    expect(step(watching, { type: 'wake' })[1]).toBe(watching);
  });
});

describe('backoffMs', () => {
  it('doubles from initialMs up to maxMs, plus seeded jitter within jitterMs', () => {
    const b = { ...DEFAULT_REFLECTOR_BACKOFF, jitterMs: 0 };
    expect([1, 2, 3, 10].map((a) => backoffMs(a, b))).toEqual([800, 1600, 3200, 30_000]);
    const j = backoffMs(1, DEFAULT_REFLECTOR_BACKOFF, new RandomStream(1));
    expect(j).toBeGreaterThanOrEqual(800);
    expect(j).toBeLessThanOrEqual(1000);
    expect(backoffMs(1, DEFAULT_REFLECTOR_BACKOFF, new RandomStream(1))).toBe(j);
  });
});

/** A World-free rig: API server on a VirtualClock, one informer, recorded handler calls and logs. */
async function rig(wrap: (c: KubeClient, clock: VirtualClock) => KubeClient = (c) => c) {
  const clock = new VirtualClock(0);
  const server = new ApiServer({ clock, deliver: (fn) => clock.setTimer(5, fn) });
  const client = wrap(new InProcessClient(server), clock);
  const logs: string[] = [];
  const log = { info: (m: string) => logs.push(`info ${m}`), warn: (m: string) => logs.push(`warn ${m}`) };
  const inf = new SharedInformer({ type: CM, client, clock, log, jitter: new RandomStream(7), backoff: { jitterMs: 0 } });
  const seen: string[] = [];
  inf.addEventHandler({
    onAdd: (o) => seen.push(`add ${o.metadata.name}`),
    onUpdate: (old, o) => seen.push(`update ${o.metadata.name} ${old.data?.v ?? ''}->${o.data?.v ?? ''}`),
    onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  const create = (name: string, v = '1') => server.create({ ...CM, metadata: { name, namespace: 'default' }, data: { v } });
  const update = (name: string, v: string) => server.patch(CM, { namespace: 'default', name }, 'merge', { data: { v } });
  return { clock, server, inf, logs, seen, create, update };
}

describe('Reflector under the VirtualClock', () => {
  it('lists, then watches from the list resourceVersion without missing writes made in between', async () => {
    const { clock, inf, seen, create } = await rig();
    create('a');
    inf.start();
    create('b'); // after the list was requested, before the watch opened
    await clock.run();
    expect(seen).toEqual(['add a', 'add b']);
    expect(inf.reflector.current().phase).toBe('watching');
    expect(inf.items().map((o) => o.metadata.name)).toEqual(['a', 'b']);
  });

  it('re-watches after a server-side close with backoff, from the last resourceVersion, and logs it', async () => {
    const { clock, server, inf, logs, seen, create, update } = await rig();
    create('a');
    inf.start();
    await clock.run();
    const closedAt = clock.now();
    expect(server.disconnectWatches()).toBe(1);
    update('a', '2'); // written while no watch is open
    let rewatchedAt = -1;
    await clock.run({ stopWhen: () => (inf.reflector.stats.rewatches > 0 && rewatchedAt < 0 ? ((rewatchedAt = clock.now()), true) : false) });
    await clock.run();
    expect(rewatchedAt - closedAt).toBeGreaterThanOrEqual(800);
    expect(seen).toEqual(['add a', 'update a 1->2']);
    expect(logs.some((l) => l.startsWith('warn informer ConfigMap: watch closed'))).toBe(true);
    expect(logs.some((l) => l.startsWith('info informer ConfigMap: re-watching from resourceVersion'))).toBe(true);
    expect(inf.reflector.stats).toMatchObject({ lists: 1, relists: 0, rewatches: 1 });
  });

  it('relists after 410 Gone (history compacted while the watch was down) and reports only the differences', async () => {
    const { clock, server, inf, logs, seen, create, update } = await rig();
    create('a');
    create('b');
    inf.start();
    await clock.run();
    server.disconnectWatches();
    update('a', '2');
    server.delete(CM, { namespace: 'default', name: 'b' });
    create('c');
    server.compact();
    await clock.run();
    expect(seen).toEqual(['add a', 'add b', 'update a 1->2', 'add c', 'delete b']);
    expect(logs.some((l) => l.includes('410 Gone') && l.endsWith('relisting'))).toBe(true);
    expect(inf.reflector.stats).toMatchObject({ lists: 2, relists: 1 });
    expect(inf.reflector.current().phase).toBe('watching');
    create('d');
    await clock.run();
    expect(seen.at(-1)).toBe('add d');
  });

  it('re-watches after an ERROR event that is not 410', async () => {
    let watches = 0;
    // The first watch answers one ERROR 500 event (and stays open); later watches pass through.
    const { clock, inf, logs, seen, create } = await rig((c, clk) =>
      withInterceptors(c, {
        watch: async (inner, type, opts, onEvent, onClose) => {
          if (watches++ > 0) return inner.watch(type, opts, onEvent, onClose);
          clk.setTimer(10, () => onEvent({ type: 'ERROR', object: { kind: 'Status', code: 500, message: 'etcdserver: leader changed' } as unknown as KubeObject }));
          return { stop: () => {} };
        },
      }),
    );
    inf.start();
    await clock.run({ untilMs: 100 });
    expect(inf.reflector.current()).toMatchObject({ phase: 'backoff', next: 'watch', attempt: 1 });
    create('a');
    await clock.run();
    expect(inf.reflector.current().phase).toBe('watching');
    expect(seen).toEqual(['add a']);
    expect(logs.some((l) => l.startsWith('warn informer ConfigMap: watch ERROR event (etcdserver: leader changed)'))).toBe(true);
  });

  it('replays cached objects to a handler added after the first list', async () => {
    const { clock, inf, create } = await rig();
    create('a');
    inf.start();
    await clock.run();
    const late: string[] = [];
    inf.addEventHandler({ onAdd: (o, initial) => late.push(`${o.metadata.name} ${initial}`) });
    expect(late).toEqual(['a true']);
  });
});
