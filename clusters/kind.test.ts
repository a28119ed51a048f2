import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KindRuntime, kindConfig } from './kind.ts';

describe('kind backend', () => {
  it('writes a kind config without the default CNI and kube-proxy, with a labelled GPU worker', () => {
    const cfg = parse(kindConfig('t', 2, 1));
    expect(cfg.networking).toEqual({ disableDefaultCNI: true, kubeProxyMode: 'none' });
    expect(cfg.nodes.map((n: { role: string }) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
    expect(cfg.nodes[2].labels['nvidia.com/gpu.present']).toBe('true');
    expect(cfg.nodes[1].labels).toBeUndefined();
  });

  it('says why it cannot run instead of failing when no Docker engine exists', async () => {
    const reason = await new KindRuntime().available();
    if (reason) expect(reason).toMatch(/Docker engine|kind binary/);
    else expect(reason).toBeUndefined();
  });
});
