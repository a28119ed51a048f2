import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock/index.ts';
import { WorkQueue } from './work-queue.ts';
import { ControllerRunner } from './runner.ts';
import { TerminalError } from '../../platform/runtime/index.ts';
import type { ReconcileResult } from '../../platform/runtime/index.ts';
import type { KubeObject, KubeReader, KubeWatcher, WatchEvent } from '../../fake-apiserver/api/index.ts';

const silent = { info: () => {}, warn: () => {} };

/** A watcher that lists nothing and lets the test push events by hand (through the runner's informers). */
function manualWatcher() {
  const subs: ((e: WatchEvent) => void)[] = [];
  const watcher: KubeReader & KubeWatcher = {
    get: async () => {
      throw new Error('not used');
    },
    list: async (t) => ({ apiVersion: t.apiVersion, kind: `${t.kind}List`, metadata: { resourceVersion: '0' }, items: [] }),
    watch: async (_t, _o, onEvent) => {
      subs.push(onEvent as (e: WatchEvent) => void);
      return { stop: () => {} };
    },
  };
  const emit = (name: string, type: WatchEvent['type'] = 'ADDED', generation = 1) =>
    subs[0]({ type, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ns', name, generation } } as KubeObject });
  return { watcher, emit };
}

async function runOnce(outcomes: (() => ReconcileResult)[], untilMs: number) {
  const clock = new VirtualClock(0);
  const { watcher, emit } = manualWatcher();
  const calls: number[] = [];
  const runner = new ControllerRunner({ clock, watcher, log: silent });
  await runner.start([
    {
      name: 'test',
      primary: { apiVersion: 'v1', kind: 'ConfigMap' },
      reconciler: {
        reconcile: async () => {
          calls.push(clock.now());
          const next = outcomes[Math.min(calls.length - 1, outcomes.length - 1)];
          return next();
        },
      },
    },
  ]);
  emit('a');
  await clock.run({ untilMs });
  runner.stop();
  return { calls, metrics: runner.metrics.get('test')! };
}

describe('ControllerRunner requeue table', () => {
  it('reconciles once and waits for the next event when the result is done', async () => {
    const { calls } = await runOnce([() => ({ outcome: 'done' })], 10_000);
    expect(calls).toEqual([0]);
  });

  it('requeues after the requested delay', async () => {
    const { calls } = await runOnce([() => ({ outcome: 'requeue', afterMs: 5000 }), () => ({ outcome: 'done' })], 60_000);
    expect(calls).toEqual([0, 5000]);
  });

  it('requeues after backoff when reconcile throws, doubling each time', async () => {
    const boom = () => {
      throw new Error('boom');
    };
    const { calls, metrics } = await runOnce([boom, boom, boom, () => ({ outcome: 'done' })], 60_000);
    expect(calls).toEqual([0, 5, 15, 35]);
    expect(metrics.errors).toBe(3);
  });

  it('does not retry a terminal error but counts it', async () => {
    const { calls, metrics } = await runOnce(
      [
        () => {
          throw new TerminalError('bad spec');
        },
      ],
      60_000,
    );
    expect(calls).toEqual([0]);
    expect(metrics.terminalErrors).toBe(1);
  });

  it('skips primary status-only updates when generationChangedOnly is set', async () => {
    const clock = new VirtualClock(0);
    const { watcher, emit } = manualWatcher();
    let calls = 0;
    const runner = new ControllerRunner({ clock, watcher, log: silent });
    await runner.start([
      { name: 'g', primary: { apiVersion: 'v1', kind: 'ConfigMap' }, generationChangedOnly: true, reconciler: { reconcile: async () => (calls++, { outcome: 'done' }) } },
    ]);
    emit('a', 'ADDED', 1);
    await clock.run();
    emit('a', 'MODIFIED', 1);
    await clock.run();
    emit('a', 'MODIFIED', 2);
    await clock.run();
    expect(calls).toBe(2);
  });
});

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const q = new WorkQueue(new VirtualClock(0));
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).toBe(2);
  });

  it('re-queues a key added while it was being processed', async () => {
    const q = new WorkQueue(new VirtualClock(0));
    q.add('a');
    const k = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    q.done(k!);
    expect(q.length).toBe(1);
  });

  it('keeps the earliest delay for a key', async () => {
    const clock = new VirtualClock(0);
    const q = new WorkQueue(clock);
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 200);
    await clock.run({ untilMs: 60 });
    expect(q.length).toBe(1);
  });
});
