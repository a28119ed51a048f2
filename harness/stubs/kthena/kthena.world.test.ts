/**
 * A LatticeModel in a World (reference §2.10): the model controller compiles and applies its layers, the
 * Kthena stub turns the ModelServing into gang-scheduled entry / worker pods through Volcano and the
 * kubelet, the model reaches Serving; P/D wiring; KV-cache autoscaling from `world.metrics`; delete.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { LatticeMeshMemberType, LatticeModelType } from '../../../platform/index.ts';
import type { LatticeModel } from '../../../platform/index.ts';
import { World } from '../../world.ts';
import { CoreTypes, StubTypes } from '../third-party-crds.ts';
import { PodGroupType } from '../volcano/vocabulary.ts';
import { desiredReplicas } from './autoscaler.ts';
import { KthenaLabels } from './model-serving-controller.ts';

const NS: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'inference' } };
const engine = { image: 'registry.acme.dev/vllm:0.9.1', command: ['/usr/bin/vllm', 'serve'], resources: { limits: { cpu: '200m', memory: '256Mi' } } };

/** Our own P/D model: prefill 1, decode `decode` replicas with one worker each, decode autoscaled on KV cache. */
function chat(decode = 1): LatticeModel {
  return {
    ...LatticeModelType,
    metadata: { name: 'chat', namespace: 'inference' },
    spec: {
      modelSource: { uri: 'hf://acme/chat-7b' },
      defaults: { entryWorkload: { containers: { engine } } },
      roles: {
        prefill: { replicas: 1 },
        decode: {
          replicas: decode,
          workerReplicas: 1,
          workerWorkload: { containers: { engine } },
          entryWorkload: { service: { ports: { metrics: { port: 9090 } } } },
          autoscaling: { max: 4, metrics: [{ metric: 'gpu_kv_cache_usage', target: 0.8 }], behavior: { scaleUp: { period: '30s' } } },
        },
      },
      routing: { inferenceEngine: 'vLLM', model: 'acme/chat-7b', port: 8000, kvConnector: { type: 'nixl' }, routes: { chat: { rules: [{ name: 'all', targetModels: [{ weight: 100 }] }] } } },
    },
  } as LatticeModel;
}

const list = (world: World, type: { apiVersion: string; kind: string }) => world.server.list(type, { namespace: 'inference' }).items;
const model = (world: World) => list(world, LatticeModelType)[0] as LatticeModel | undefined;

describe('LatticeModel in a World', () => {
  it('reaches Serving: layers applied, one gang per serving group, entry + worker pods Ready, Available mirrored; P/D wiring present', async () => {
    const world = await World.create({ seed: 11 });
    expect(await world.apply([NS, chat()])).toEqual([]);
    // Phases as a status watcher sees them, sampled every 100 simulated ms.
    const phases: string[] = [];
    for (let i = 0; i < 1200 && phases.at(-1) !== 'Serving'; i++) {
      await world.advance(world.clock.now() + 100);
      const p = model(world)?.status?.phase;
      if (p && p !== phases.at(-1)) phases.push(p);
    }
    expect(phases).toEqual(['Loading', 'Serving']);
    await world.advance(world.clock.now() + 60_000);
    const m = model(world)!;
    expect(m.status).toMatchObject({ phase: 'Serving', message: 'Model is serving inference requests', observedGeneration: 1, appliedRoles: ['chat-decode', 'chat-prefill'], autoTopology: { mode: 'Soft', maxTier: 2 } });
    expect(m.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'True' });

    const [ms] = list(world, StubTypes.ModelServing);
    const pods = list(world, CoreTypes.Pod).filter((p) => p.metadata.labels?.[KthenaLabels.name] === ms.metadata.name);
    expect(pods.map((p) => p.metadata.name).sort()).toEqual([`${ms.metadata.name}-0-decode-0-0`, `${ms.metadata.name}-0-decode-0-1`, `${ms.metadata.name}-0-prefill-0-0`]);
    expect(pods.every((p) => p.spec.nodeName && p.status?.phase === 'Running')).toBe(true);
    const worker = pods.find((p) => p.metadata.name.endsWith('decode-0-1'))!;
    expect(worker.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'chat-decode-worker', 'lattice.dev/model': 'chat', [KthenaLabels.entry]: 'false', [KthenaLabels.role]: 'decode' });
    expect(worker.spec.initContainers.map((c: { name: string }) => c.name)).toContain('model-downloader');
    const [pg] = list(world, PodGroupType);
    expect(pg.spec).toMatchObject({ minMember: 3, minTaskMember: { 'prefill-0': 1, 'decode-0': 2 } });

    // P/D: peer Services, ModelServer pdGroup, mesh members with kthena callers and peer traffic.
    expect(list(world, CoreTypes.Service).map((s) => s.metadata.name).sort()).toEqual(['chat-decode', 'chat-prefill']);
    expect(list(world, StubTypes.ModelServer)[0].spec.workloadSelector.pdGroup).toBeDefined();
    const mm = list(world, LatticeMeshMemberType).find((x) => x.metadata.name === 'chat-prefill')!;
    expect(mm.spec).toMatchObject({ allowPeerTraffic: true, ambient: false, allowedCallers: [{ namespace: 'kthena-system', name: 'kthena-router' }] });
    world.stop();
  }, 60_000);

  it('KV-cache utilisation above target scales the decode role up to max; deleting the model removes everything it owns', async () => {
    const world = await World.create({ seed: 12 });
    await world.apply([NS, chat()]);
    await world.advance(world.clock.now() + 120_000);
    expect(model(world)?.status?.phase).toBe('Serving');
    world.metrics.set('inference/chat-decode', 'gpu_kv_cache_usage', 1.6); // 2× the target
    await world.advance(world.clock.now() + 200_000);
    const [ms] = list(world, StubTypes.ModelServing);
    expect(ms.spec.template.roles.find((r: { name: string }) => r.name === 'decode').replicas).toBe(4);
    const decodePods = list(world, CoreTypes.Pod).filter((p) => p.metadata.labels?.[KthenaLabels.role] === 'decode');
    expect(decodePods).toHaveLength(8); // 4 role replicas × (entry + 1 worker)

    await world.client.delete(LatticeModelType, { namespace: 'inference', name: 'chat' });
    await world.advance(world.clock.now() + 60_000);
    expect(list(world, StubTypes.ModelServing)).toEqual([]);
    expect(list(world, StubTypes.AutoscalingPolicyBinding)).toEqual([]);
    expect(list(world, CoreTypes.Pod).filter((p) => p.metadata.labels?.['lattice.dev/model'] === 'chat')).toEqual([]);
    world.stop();
  }, 60_000);
});

describe('desiredReplicas (Kthena autoscaler rule)', () => {
  it('scales by value / target, holds inside the tolerance, clamps to [min, max], ignores unreported metrics', () => {
    expect(desiredReplicas(2, [[1.6, 0.8]], 10, 1, 8)).toBe(4);
    expect(desiredReplicas(2, [[0.85, 0.8]], 10, 1, 8)).toBe(2);
    expect(desiredReplicas(4, [[0.2, 0.8]], 10, 2, 8)).toBe(2);
    expect(desiredReplicas(2, [[8, 0.8]], 10, 1, 5)).toBe(5);
    expect(desiredReplicas(3, [[undefined, 0.8]], 10, 1, 5)).toBe(3);
    expect(desiredReplicas(2, [[0.4, 0.8], [1.2, 0.8]], 10, 1, 8)).toBe(3);
  });
});
