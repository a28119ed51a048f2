import { describe, expect, it } from 'vitest';
import { DEFAULT_UTILISATION, NODE_SYSTEM_USAGE, UNREQUESTED_USAGE, containerUsage, containerWindow, cpuQuantity, goDuration, lastScrape, memoryQuantity, nodeUsage } from './usage.ts';

const MiB = 1024 * 1024;
/** kubectl top's cells: cpu rounded up to millicores, memory rounded down to MiB. */
const topCpu = (nanocores: number) => Math.ceil(nanocores / 1e6);
const topMiB = (bytes: number) => Math.floor(bytes / MiB);

describe('quantities as apimachinery prints them', () => {
  it('cpu: nanocores with trailing zeros taken off in groups of three', () => {
    expect(cpuQuantity(12_345_678)).toBe('12345678n');
    expect(cpuQuantity(30_000_000)).toBe('30m');
    expect(cpuQuantity(1_500_000_000)).toBe('1500m');
    expect(cpuQuantity(2_000_000_000)).toBe('2');
    expect(cpuQuantity(1_230_000)).toBe('1230u');
    expect(cpuQuantity(0)).toBe('0');
    expect(() => cpuQuantity(-1)).toThrow(/non-negative/);
  });

  it('memory: the largest power of 1024 dividing the bytes, plain bytes otherwise', () => {
    expect(memoryQuantity(52_436 * 1024)).toBe('52436Ki');
    expect(memoryQuantity(64 * MiB)).toBe('64Mi');
    expect(memoryQuantity(2 * 1024 * MiB)).toBe('2Gi');
    expect(memoryQuantity(12_345)).toBe('12345');
    expect(memoryQuantity(0)).toBe('0');
  });

  it('windows as Go durations', () => {
    expect(goDuration(15_000)).toBe('15s');
    expect(goDuration(12_345)).toBe('12.345s');
    expect(goDuration(10_500)).toBe('10.5s');
    expect(goDuration(500)).toBe('500ms');
    expect(goDuration(60_000)).toBe('1m0s');
    expect(goDuration(3_723_000)).toBe('1h2m3s');
  });
});

describe('container and node usage', () => {
  it('a set utilisation times the request: kubectl top shows exactly the product, the API a measured-looking quantity', () => {
    const u = containerUsage({ cpu: 0.2, memory: 256 * MiB }, { cpu: 0.9, memory: 0.5 }, 'ns/web-1/main');
    expect(topCpu(u.nanocores)).toBe(180);
    expect(u.nanocores).toBeLessThan(180_000_000);
    expect(topMiB(u.bytes)).toBe(128);
    expect(u.bytes % 4096).toBe(0);
    expect(memoryQuantity(u.bytes)).toMatch(/^\d+Ki$/);
    // Fixed per container: the same call gives the same answer, another container other offsets.
    expect(containerUsage({ cpu: 0.2, memory: 256 * MiB }, { cpu: 0.9, memory: 0.5 }, 'ns/web-1/main')).toEqual(u);
    expect(containerUsage({ cpu: 0.2, memory: 256 * MiB }, { cpu: 0.9, memory: 0.5 }, 'ns/web-2/main')).not.toEqual(u);
  });

  it('a pod of 16 containers still shows the exact sum (kubectl top pod sums the containers, then rounds)', () => {
    const cs = Array.from({ length: 16 }, (_, i) => containerUsage({ cpu: 0.25, memory: 100 * MiB }, { cpu: 0.5, memory: 0.5 }, `ns/p/c${i}`));
    expect(cs.some((c) => c.nanocores !== 125_000_000)).toBe(true);
    expect(topCpu(cs.reduce((n, c) => n + c.nanocores, 0))).toBe(16 * 125);
    expect(topMiB(cs.reduce((n, c) => n + c.bytes, 0))).toBe(16 * 50);
  });

  it('without a set value: the default fraction of the request; without a request: the small baseline', () => {
    const d = containerUsage({ cpu: 0.5, memory: 100 * MiB }, {}, 'ns/a/c');
    expect(topCpu(d.nanocores)).toBe(0.5 * DEFAULT_UTILISATION.cpu * 1000);
    expect(topMiB(d.bytes)).toBe(Math.floor(100 * DEFAULT_UTILISATION.memory));
    const none = containerUsage({}, { cpu: 0.9 }, 'ns/a/sidecar');
    expect(topCpu(none.nanocores)).toBe(UNREQUESTED_USAGE.cpu * 1000);
    expect(topMiB(none.bytes)).toBe(UNREQUESTED_USAGE.memory / MiB);
    // Only memory set: cpu keeps its default.
    const mem = containerUsage({ cpu: 0.5, memory: 100 * MiB }, { memory: 0.8 }, 'ns/a/c');
    expect(topCpu(mem.nanocores)).toBe(50);
    expect(topMiB(mem.bytes)).toBe(80);
  });

  it('a node: the sum of its containers plus the system baseline', () => {
    const a = containerUsage({ cpu: 0.1, memory: 128 * MiB }, { cpu: 0.5 }, 'ns/p/a');
    const b = containerUsage({ cpu: 0.2, memory: 64 * MiB }, {}, 'ns/q/b');
    const idle = nodeUsage([], 'n1');
    expect(topCpu(idle.nanocores)).toBe(NODE_SYSTEM_USAGE.cpu * 1000);
    expect(topMiB(idle.bytes)).toBe(NODE_SYSTEM_USAGE.memory / MiB);
    const busy = nodeUsage([a, b], 'n1');
    expect(busy.nanocores).toBe(idle.nanocores + a.nanocores + b.nanocores);
    expect(busy.bytes).toBe(idle.bytes + a.bytes + b.bytes);
  });
});

describe('scrapes and windows (metrics-server storage)', () => {
  const R = 15_000;
  it('scrapes on multiples of the resolution', () => {
    expect(lastScrape(1_000_029_999, R)).toBe(1_000_020_000);
  });

  it('a rate needs a point at the scrape before, or a start 10 s to one resolution before the last scrape', () => {
    const scrape = 1_000_020_000;
    expect(containerWindow(scrape - 5_000, scrape, R)).toBeUndefined();
    expect(containerWindow(scrape - 10_000, scrape, R)).toBe(10_000);
    expect(containerWindow(scrape - 14_999, scrape, R)).toBe(14_999);
    expect(containerWindow(scrape - 15_000, scrape, R)).toBeUndefined();
    expect(containerWindow(scrape - 15_001, scrape, R)).toBe(R);
    expect(containerWindow(scrape - 3_600_000, scrape, R)).toBe(R);
  });
});
