import { describe, expect, it } from 'vitest';
import type { KubeReader } from '../../fake-apiserver/api/index.ts';
import { CedarLoader } from './cedar-loader.ts';

/** A reader whose CedarPolicy list is `items` (changed by the test). */
function reader(items: { metadata: { name: string; resourceVersion: string } }[]) {
  return { list: async () => ({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '1' }, items }) } as unknown as KubeReader;
}

describe('CedarLoader reload epoch (fidelity row "Drift repair"; reference main.rs:712-760)', () => {
  it('moves the epoch on a change and once per reload interval when callers pass the time, never in between', async () => {
    const items: { metadata: { name: string; resourceVersion: string } }[] = [];
    const loader = new CedarLoader(reader(items), { reloadIntervalMs: 60_000 });
    await loader.load(0);
    expect(loader.epoch).toBe(1);
    await loader.load(59_999);
    await loader.load();
    expect(loader.epoch).toBe(1);
    await loader.load(60_000);
    expect(loader.epoch).toBe(2);
    items.push({ metadata: { name: 'p', resourceVersion: '7' } });
    await loader.load(60_001);
    expect(loader.epoch).toBe(3);
    await loader.load(100_000);
    expect(loader.epoch).toBe(3);
    await loader.load(120_001);
    expect(loader.epoch).toBe(4);
  });

  it('reloads only on change with reloadIntervalMs 0', async () => {
    const items = [{ metadata: { name: 'p', resourceVersion: '1' } }];
    const loader = new CedarLoader(reader(items), { reloadIntervalMs: 0 });
    await loader.load(0);
    await loader.load(10 * 60_000);
    expect(loader.epoch).toBe(1);
    items[0] = { metadata: { name: 'p', resourceVersion: '2' } };
    await loader.load(10 * 60_000 + 1);
    expect(loader.epoch).toBe(2);
  });
});
