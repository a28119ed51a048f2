import { describe, expect, it } from 'vitest';
import type { Clock, KubeObject, TypeRef } from '../../fake-apiserver/api/index.ts';
import type { Cluster, ObservedCycle, TrafficObservation } from '../cluster.ts';
import { CYCLE_END, CYCLE_START, resultLine } from '../traffic/log-format.ts';
import { judgeCase } from './run-case.ts';

/**
 * A cluster that is not a World: fixed objects, a clock that only `advance` moves, and a "curl loop"
 * whose log says web may call api and api may not call web (layer unknown, as on a real cluster).
 * judgeCase must judge it through the Cluster contract alone.
 */
function scriptedCluster(): Cluster & { stopped: boolean } {
  let now = 1_000;
  const objects: Record<string, KubeObject[]> = {
    LatticeService: ['web', 'api'].map((name) => ({ apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService', metadata: { name, namespace: 'demo' }, status: { phase: 'Ready' } })),
    Deployment: ['web', 'api'].map((name) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'demo' }, spec: { replicas: 1 }, status: { readyReplicas: 1 } })),
  };
  const clock: Clock = {
    now: () => now,
    sleep: () => Promise.reject(new Error('the verifier must wait through Cluster.advance')),
    setTimer: () => {
      throw new Error('the verifier must wait through Cluster.advance');
    },
  };
  const traffic = {
    start: (from: string): TrafficObservation => {
      const startedAt = now;
      const log: string[] = [];
      const cycleAt = (t: number): ObservedCycle => ({ startMs: t, endMs: t + 100 });
      return {
        from,
        get log() {
          log.length = 0;
          for (let t = startedAt; t + 100 <= now; t += 1_000) {
            log.push(CYCLE_START, from === 'demo/web' ? resultLine('demo/web', 'demo/api', 'allow') : resultLine('demo/api', 'demo/web', 'deny'), CYCLE_END);
          }
          return log;
        },
        running: () => true,
        countCyclesSince: (since) => Math.max(0, Math.floor((now - Math.max(since, startedAt) - 100) / 1_000) + 1),
        lastCycleSince: (since) => (now - since >= 100 ? cycleAt(now - ((now - startedAt) % 1_000)) : undefined),
        stop: () => {},
      };
    },
  };
  const cluster = {
    name: 'scripted',
    stopped: false,
    client: undefined as never,
    reader: { list: <T extends KubeObject>(type: TypeRef) => (objects[type.kind] ?? []) as T[], revision: () => 1 },
    restMapper: { resourceFor: () => undefined, kindFor: () => undefined },
    clock,
    advance: async (untilMs: number) => {
      now = Math.max(now, untilMs);
    },
    traffic,
    apply: async () => [],
    notes: () => ['scripted cluster'],
    stop: () => {
      cluster.stopped = true;
    },
  };
  return cluster;
}

describe('judgeCase reads only through the Cluster contract', () => {
  it('judges a cluster that is not a World from its traffic log, with the layer unknown where the log does not say', async () => {
    const cluster = scriptedCluster();
    const record = await judgeCase(
      cluster,
      {
        id: 'fleet:scripted',
        name: 'scripted',
        kind: 'fleet',
        seed: 1,
        objects: [],
        expected: [
          { from: 'demo/web', to: 'demo/api', port: 80, expected: 'allow', reason: 'bilateral' },
          { from: 'demo/api', to: 'demo/web', port: 80, expected: 'allow', reason: 'bilateral (but the cluster blocks it)' },
        ],
      },
      { pollMs: 500, readyTimeoutMs: 60_000, cycles: 2 },
    );
    expect(record.verification.timedOut).toBeUndefined();
    expect(record.services.map((s) => `${s.name}=${s.phase}`)).toEqual(['demo/web=Ready', 'demo/api=Ready']);
    expect(record.probes.map((p) => `${p.from}->${p.to} ${p.observed} [${p.layer}]`)).toEqual(['demo/web->demo/api allow [unknown]', 'demo/api->demo/web deny [unknown]']);
    expect(record.status).toBe('mismatches');
    expect(record.notes).toEqual(['scripted cluster']);
    expect(cluster.stopped).toBe(true);
  });
});
