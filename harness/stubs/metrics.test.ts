import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock/index.ts';
import { SimulatedMetrics } from './metrics.ts';

describe('simulated metrics', () => {
  it('applies a load schedule at its simulated times, counted from the start', async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    const m = new SimulatedMetrics(clock, start);
    m.schedule([
      { atMs: 60_000, target: 'ns/web', metric: 'cpu', value: 0.9 },
      { atMs: 0, target: 'ns/web', metric: 'cpu', value: 0.2 },
      { atMs: 120_000, target: 'ns/web', metric: 'cpu', value: 0.1 },
    ]);
    expect(m.get('ns/web', 'cpu')).toBe(0.2);
    await clock.run({ untilMs: start + 59_999 });
    expect(m.get('ns/web', 'cpu')).toBe(0.2);
    await clock.run({ untilMs: start + 60_000 });
    expect(m.get('ns/web', 'cpu')).toBe(0.9);
    await clock.run({ untilMs: start + 200_000 });
    expect(m.get('ns/web', 'cpu')).toBe(0.1);
    expect(() => m.set('ns/web', 'cpu', Number.NaN)).toThrow('value must be a finite number');
  });

  it('serves an external metric from the target metric it is mapped to, until it stops serving it', () => {
    const m = new SimulatedMetrics(new VirtualClock());
    m.serveExternal('ns', 's0-kv-cache', { target: 'ns/llm', metric: 'kv-cache' });
    expect(m.externalValue('ns', 's0-kv-cache')).toBeUndefined();
    m.set('ns/llm', 'kv-cache', 0.7);
    expect(m.externalValue('ns', 's0-kv-cache')).toBe(0.7);
    m.stopServing('ns', 's0-kv-cache');
    expect(m.externalValue('ns', 's0-kv-cache')).toBeUndefined();
  });
});
