import { describe, expect, it } from 'vitest';
import { VirtualClock, DEFAULT_EPOCH_MS } from './virtual-clock.ts';

describe('VirtualClock', () => {
  it('advances simulated time to each timer without waiting wall time', async () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    void (async () => {
      await clock.sleep(3_600_000);
      seen.push(clock.now() - DEFAULT_EPOCH_MS);
    })();
    const wallStart = performance.now();
    const r = await clock.run();
    expect(seen).toEqual([3_600_000]);
    expect(r.end).toBe('idle');
    expect(performance.now() - wallStart).toBeLessThan(1000);
  });

  it('fires timers with the same due time in the order they were set', async () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    clock.setTimer(10, () => order.push('a'));
    clock.setTimer(5, () => order.push('b'));
    clock.setTimer(10, () => order.push('c'));
    await clock.run();
    expect(order).toEqual(['b', 'a', 'c']);
  });

  it('lets promise chains run to quiescence before advancing time', async () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    void (async () => {
      await clock.sleep(1);
      await Promise.resolve();
      await Promise.resolve();
      log.push(`chain@${clock.now() - DEFAULT_EPOCH_MS}`);
    })();
    clock.setTimer(2, () => log.push(`timer@${clock.now() - DEFAULT_EPOCH_MS}`));
    await clock.run();
    expect(log).toEqual(['chain@1', 'timer@2']);
  });

  it('stops at untilMs and leaves later timers pending', async () => {
    const clock = new VirtualClock(0);
    let fired = 0;
    clock.setTimer(100, () => fired++);
    clock.setTimer(300, () => fired++);
    const r = await clock.run({ untilMs: 200 });
    expect(r.end).toBe('until');
    expect(fired).toBe(1);
    expect(clock.now()).toBe(200);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('does not fire cancelled timers', async () => {
    const clock = new VirtualClock(0);
    let fired = false;
    clock.setTimer(10, () => (fired = true)).cancel();
    await clock.run();
    expect(fired).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('stops when stopWhen holds', async () => {
    const clock = new VirtualClock(0);
    let n = 0;
    const tick = () => {
      n++;
      clock.setTimer(1000, tick);
    };
    clock.setTimer(1000, tick);
    const r = await clock.run({ stopWhen: () => n >= 5 });
    expect(r.end).toBe('stopped');
    expect(clock.now()).toBe(5000);
  });

  it('hold: time does not move while wall-time work runs, and results come back in hold order', async () => {
    const clock = new VirtualClock(0);
    const order: string[] = [];
    const wall = (ms: number, v: string) => new Promise<string>((r) => setTimeout(() => r(v), ms));
    clock.setTimer(1, () => order.push('timer@1'));
    void clock.hold(wall(30, 'slow')).then((v) => order.push(`${v}@${clock.now()}`));
    void clock.hold(wall(1, 'fast')).then((v) => order.push(`${v}@${clock.now()}`));
    await clock.run();
    expect(order).toEqual(['slow@0', 'fast@0', 'timer@1']);
  });
});
