import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { LatticeServiceType } from '../platform/index.ts';
import type { LatticeService } from '../platform/index.ts';
import { World } from './world.ts';
import { platformSettled } from './verifier/run-case.ts';
import { evaluateIndexed } from './evaluator/index.ts';

/** A LatticeService `ns/name` with one http port and `resources` (service → direction). */
function service(name: string, resources: Record<string, 'inbound' | 'outbound'> = {}): KubeObject {
  return {
    ...LatticeServiceType,
    metadata: { name, namespace: 'ns' },
    spec: {
      replicas: 1,
      workload: {
        containers: { main: { image: 'python:3.12-alpine', command: ['/usr/local/bin/python3', '-m', 'http.server', '8080'], resources: { limits: { cpu: '250m', memory: '128Mi' } } } },
        service: { ports: { http: { port: 8080 } } },
        resources: Object.fromEntries(Object.entries(resources).map(([k, direction]) => [k, { type: 'service', direction }])),
      },
    },
  };
}

// a → b bilateral; c → b one-sided (b does not name c); d is created after the faults.
const FLEET: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } },
  service('a', { b: 'outbound' }),
  service('b', { a: 'inbound' }),
  service('c', { b: 'outbound' }),
];

/** Verdict of every ordered pair among `names` (port 8080), as `from->to=decision/layer`. */
function verdicts(world: World, names: readonly string[]): string[] {
  const out: string[] = [];
  for (const from of names) {
    for (const to of names) {
      if (from === to) continue;
      const pod = world.readyPodOf('ns', from);
      const v = pod ? evaluateIndexed(world.dataplane(), { fromPod: { namespace: 'ns', name: pod.metadata.name }, toService: { namespace: 'ns', name: to }, port: 8080 }) : undefined;
      out.push(`${from}->${to}=${v ? `${v.decision}/${v.layer}` : 'no pod'}`);
    }
  }
  return out;
}

async function settle(world: World, timeoutMs = 300_000): Promise<boolean> {
  const deadline = world.clock.now() + timeoutMs;
  while (!platformSettled(world.reader)) {
    if (world.clock.now() >= deadline) return false;
    await world.clock.run({ untilMs: world.clock.now() + 1_000 });
  }
  return true;
}

const phase = (world: World, name: string) => (world.server.list(LatticeServiceType, { namespace: 'ns' }).items as LatticeService[]).find((s) => s.metadata.name === name)?.status?.phase;

/** The recovery scenario below, reduced to what must repeat exactly for one seed. */
async function faultedRun(seed: number): Promise<string> {
  const world = await World.create({ seed });
  await world.apply(FLEET);
  await settle(world);
  world.server.disconnectWatches();
  world.server.compact();
  await world.apply([service('d')]);
  await settle(world);
  const out = JSON.stringify({ now: world.clock.now(), logs: world.logs, verdicts: verdicts(world, ['a', 'b', 'c', 'd']) });
  world.stop();
  return out;
}

describe('World recovery from closed watches and a compacted store', () => {
  it('recovers identically for the same seed (backoff jitter comes from seeded streams)', async () => {
    expect(await faultedRun(9)).toBe(await faultedRun(9));
  }, 120_000);

  it('relists (logged), reconciles a LatticeService created after every watch closed, and changes no verdict', async () => {
    const world = await World.create({ seed: 4 });
    expect(await world.apply(FLEET)).toEqual([]);
    expect(await settle(world)).toBe(true);
    const before = verdicts(world, ['a', 'b', 'c']);
    expect(before).toContain('a->b=allow/none');
    expect(before.filter((v) => v.includes('=allow'))).toEqual(['a->b=allow/none']);

    // Faults: the server closes every watch, then compacts its history; the new service is written in the gap.
    const closed = world.server.disconnectWatches();
    expect(closed).toBeGreaterThan(10);
    world.server.compact();
    expect(await world.apply([service('d')])).toEqual([]);
    expect(await settle(world)).toBe(true);

    expect(phase(world, 'd')).toBe('Ready');
    expect(world.readyPodOf('ns', 'd')).toBeDefined();
    const messages = world.logs.map((l) => l.message);
    expect(messages.some((m) => /^informer \w+: watch closed; re-watching from resourceVersion \d+ after backoff/.test(m))).toBe(true);
    expect(messages.some((m) => /^informer LatticeService: watch from resourceVersion \d+ answered 410 Gone .*; relisting$/.test(m))).toBe(true);
    expect([...world.cache.all().values()].every((i) => i.reflector.current().phase === 'watching')).toBe(true);
    expect(verdicts(world, ['a', 'b', 'c'])).toEqual(before);
    world.stop();
  }, 120_000);
});
