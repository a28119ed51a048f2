import { describe, expect, it } from 'vitest';
import { ApiServer, InProcessClient } from '../../fake-apiserver/index.ts';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { manualClock } from '../../fake-apiserver/testing/manual-clock.ts';
import { eventRecorder } from './events.ts';

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'team', uid: 'u-1' } };

function setup(normal: boolean) {
  const clock = manualClock();
  const server = new ApiServer({ clock });
  const client = new InProcessClient(server);
  server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  const events = () => server.list({ apiVersion: 'v1', kind: 'Event' }, { namespace: 'team' }).items as (KubeObject & { reason: string; count: number; type: string })[];
  return { clock, recorder: eventRecorder(client, clock, { component: 'kubelet' }, { normal }), events };
}

describe('eventRecorder', () => {
  it('writes Warning Events always and Normal Events only when asked', async () => {
    const off = setup(false);
    await off.recorder.event(pod, 'Normal', 'Started', 'Started container web');
    await off.recorder.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container web');
    expect(off.events().map((e) => [e.type, e.reason])).toEqual([['Warning', 'BackOff']]);
    const on = setup(true);
    await on.recorder.event(pod, 'Normal', 'Started', 'Started container web', 'sim-node-3');
    expect(on.events()[0]).toMatchObject({ involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'team', uid: 'u-1' }, source: { component: 'kubelet', host: 'sim-node-3' }, count: 1 });
  });

  it('counts a repeat within 10 minutes on the same Event; a different message at the same instant gets its own name', async () => {
    const { clock, recorder, events } = setup(true);
    await recorder.event(pod, 'Warning', 'BackOff', 'm');
    await recorder.event(pod, 'Warning', 'Other', 'n');
    clock.advance(60_000);
    await recorder.event(pod, 'Warning', 'BackOff', 'm');
    expect(events().map((e) => [e.reason, e.count])).toEqual([
      ['BackOff', 2],
      ['Other', 1],
    ]);
    expect(new Set(events().map((e) => e.metadata.name)).size).toBe(2);
    clock.advance(10 * 60_000);
    await recorder.event(pod, 'Warning', 'BackOff', 'm');
    expect(events().filter((e) => e.reason === 'BackOff')).toHaveLength(2);
  });
});
