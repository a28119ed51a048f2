import { afterEach, describe, expect, it } from 'vitest';
import { runCase } from '../../harness/verifier/run-case.ts';
import { oracle, renderTopology } from '../../topologies/index.ts';
import type { Topology } from '../../topologies/index.ts';

// A 3-service topology: one bilateral edge, one one-sided edge.
const topology: Topology = {
  name: 'tiny',
  services: [
    { namespace: 'ns1', name: 'client', layer: 0, ports: [], outbound: ['ns1/server', 'ns1/lonely'], inbound: [], wildcardInbound: false },
    { namespace: 'ns1', name: 'server', layer: 1, ports: [{ name: 'http', port: 80, targetPort: 8080 }], outbound: [], inbound: ['ns1/client'], wildcardInbound: false },
    { namespace: 'ns1', name: 'lonely', layer: 1, ports: [{ name: 'http', port: 80, targetPort: 8080 }], outbound: [], inbound: [], wildcardInbound: false },
  ],
  probes: [
    { from: 'ns1/client', to: 'ns1/server' },
    { from: 'ns1/client', to: 'ns1/lonely' },
    { from: 'ns1/server', to: 'ns1/lonely' },
  ],
};

const run = (seed: number) =>
  runCase({ id: 'case', name: 'tiny', kind: 'random', seed, objects: renderTopology(topology), expected: oracle(topology) }).then((o) => o.record);

describe('runCase', () => {
  const saved = { now: Date.now, random: Math.random, setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval };
  afterEach(() => {
    Date.now = saved.now;
    Math.random = saved.random;
    globalThis.setTimeout = saved.setTimeout;
    globalThis.setInterval = saved.setInterval;
  });

  it('judges a bilateral edge allowed and a one-sided edge denied, cycle-based after the platform is Ready', async () => {
    const record = await run(3);
    expect(record.mismatches).toBe(0);
    expect(record.probes.map((p) => `${p.from}->${p.to}=${p.observed}`)).toEqual(['ns1/client->ns1/server=allow', 'ns1/client->ns1/lonely=deny', 'ns1/server->ns1/lonely=deny']);
    expect(record.services.every((s) => s.phase === 'Ready')).toBe(true);
    expect(record.verification.platformReadyAtMs).not.toBeNull();
    expect(record.verification.judgedAtMs).toBeGreaterThan(record.verification.platformReadyAtMs!);
  });

  it('is a pure function of the seed: the same seed twice gives the same record', async () => {
    expect(JSON.stringify(await run(11))).toBe(JSON.stringify(await run(11)));
  });

  it('never touches Date.now, Math.random, setTimeout or setInterval in the simulated path (poisoned globals)', async () => {
    const poison = (name: string) => () => {
      throw new Error(`${name} called inside a simulated run`);
    };
    await run(5); // warm module caches (ajv schema compilation, wasm init) before poisoning
    Date.now = poison('Date.now');
    Math.random = poison('Math.random');
    globalThis.setTimeout = poison('setTimeout') as unknown as typeof setTimeout;
    globalThis.setInterval = poison('setInterval') as unknown as typeof setInterval;
    const record = await run(5);
    expect(record.mismatches).toBe(0);
  });
});
