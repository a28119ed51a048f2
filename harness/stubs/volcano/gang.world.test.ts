/**
 * Issue #10's must-show, on a whole World: a LatticeJob whose gang needs more GPUs than the pool has
 * stays unscheduled with zero pods bound and the Unschedulable condition for ten simulated minutes;
 * adding a GPU node lets every task pod bind and the VCJob run, then complete.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { LatticeJobType } from '../../../platform/index.ts';
import { World } from '../../world.ts';
import { defaultProfile, type SimulationProfile } from '../../profile.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { nodeObjects } from '../nodes.ts';
import { JOB_NAME_KEY, PodGroupType, QueueType, VolcanoJobType } from './vocabulary.ts';

const base = defaultProfile();
/** The default pool (one 8-GPU node) with batch pods that run two minutes, so Running is observable. */
const profile: SimulationProfile = { ...base, kubelet: { ...base.kubelet, batchRun: { delayMs: 120_000, jitterMs: 0 } } };

/** Two 8-GPU workers in one gang (minAvailable = Σ replicas = 2). */
const JOB: KubeObject = {
  ...LatticeJobType,
  metadata: { name: 'pretrain', namespace: 'ml' },
  spec: {
    tasks: {
      worker: {
        replicas: 2,
        workload: {
          containers: { main: { image: 'registry.example/pretrain:1.0', command: ['/usr/bin/train'], resources: { limits: { cpu: '4', memory: '16Gi' } } } },
          resources: { gpu: { type: 'gpu', params: { count: 8 } } },
        },
      },
    },
  },
};

const MINUTE = 60_000;

describe('gang scheduling of a LatticeJob on the GPU pool (issue #10)', () => {
  it('stays unscheduled with zero pods bound for 10 simulated minutes, then runs once a GPU node is added', async () => {
    const world = await World.create({ seed: 11, profile });
    const gpuNodesBefore = world.server.list(CoreTypes.Node).items.filter((n) => n.metadata.labels?.['nvidia.com/gpu.present'] === 'true');
    expect(gpuNodesBefore.map((n) => n.status?.capacity?.['nvidia.com/gpu'])).toEqual(['8']);
    expect(world.server.list(QueueType).items.map((q) => q.metadata.name)).toEqual(['default']);

    expect(await world.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } }, JOB])).toEqual([]);
    const start = world.clock.now();
    const pods = () => world.server.list(CoreTypes.Pod, { namespace: 'ml' }).items.filter((p) => p.metadata.labels?.[JOB_NAME_KEY] === 'pretrain');
    const group = () => world.server.list(PodGroupType, { namespace: 'ml' }).items[0];
    const vcjob = () => world.server.list(VolcanoJobType, { namespace: 'ml' }).items[0];

    const latticeJob = () => world.server.list(LatticeJobType, { namespace: 'ml' }).items[0];
    const jobStates = new Set<string>();
    // Ten simulated minutes, checked every 30 s: never a pod bound.
    for (let t = 30_000; t <= 10 * MINUTE; t += 30_000) {
      await world.advance(start + t);
      expect(pods().filter((p) => p.spec?.nodeName), `at ${t / 1000}s`).toEqual([]);
      jobStates.add(`${latticeJob().status?.phase}: ${latticeJob().status?.message}`);
    }
    // The reference's LatticeJob controller: submitted, then Failed once the VCJob has been Pending for more than 300 s, then retried.
    expect([...jobStates]).toEqual(expect.arrayContaining(['Pending: Job submitted to Volcano', 'Failed: Job failed']));
    const pg = group();
    expect(pg.spec).toMatchObject({ minMember: 2, queue: 'default' });
    expect(['Inqueue', 'Pending']).toContain(pg.status?.phase);
    const unschedulable = (pg.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Unschedulable');
    expect(unschedulable).toMatchObject({ status: 'True', reason: 'NotEnoughResources' });
    expect(unschedulable.message).toMatch(/^\d+\/\d+ tasks in gang unschedulable: pod group is not ready, .*2 minAvailable/);
    expect(vcjob().status?.state?.phase).toBe('Pending');
    if (pg.status?.phase === 'Inqueue') {
      // Admitted: the pods exist, unbound; the one that fits no node says why in kube-scheduler's words.
      expect(pods()).toHaveLength(2);
      expect(unschedulable.message).toContain('Pending: 1 Schedulable, 1 Unschedulable');
      const messages = pods().map((p) => (p.status?.conditions ?? []).find((c: { type: string }) => c.type === 'PodScheduled')?.message);
      const nodeCount = world.server.list(CoreTypes.Node).items.length;
      const unfit = messages.find((m: string | undefined) => m?.startsWith(`0/${nodeCount} nodes are available: `));
      // Every node lacks eight free GPUs: the GPU node's are held by the gang's tentative placement, the CPU nodes have none.
      expect(unfit, JSON.stringify(messages)).toBe(`0/${nodeCount} nodes are available: ${nodeCount} Insufficient nvidia.com/gpu.`);
      expect(messages.find((m: string | undefined) => m !== unfit)).toMatch(/^Pod ml\/pretrain-worker-\d can possibly be assigned to sim-gpu-node-0, once minAvailable is satisfied$/);
    } else {
      expect(pods()).toEqual([]);
    }

    // A second 8-GPU node joins the pool.
    const extra = nodeObjects({ ...profile, nodes: { ...profile.nodes, gpuNodes: profile.nodes.gpuNodes + 1 } }).find((n) => !gpuNodesBefore.some((g) => g.metadata.name === n.metadata.name) && n.metadata.labels?.['nvidia.com/gpu.present'] === 'true')!;
    // As a kubelet registers: the Node, then its status (capacity, allocatable) through the status subresource.
    await world.client.create(extra);
    await world.client.patchStatus(CoreTypes.Node, { name: extra.metadata.name }, 'merge', { status: extra.status });
    let sawRunning = false;
    const added = world.clock.now();
    for (let t = 1000; t <= 5 * MINUTE && !sawRunning; t += 1000) {
      await world.advance(added + t);
      const bound = pods().filter((p) => p.spec?.nodeName);
      if (bound.length === 2 && vcjob().status?.state?.phase === 'Running') sawRunning = true;
      else expect(bound.length === 0 || bound.length === 2, 'never a partial gang').toBe(true);
    }
    expect(sawRunning).toBe(true);
    expect(new Set(pods().map((p) => p.spec?.nodeName)).size).toBe(2);
    expect(group().status?.phase).toBe('Running');

    // The pods exit 0 after their run: VCJob Completed, LatticeJob Succeeded.
    await world.advance(world.clock.now() + 10 * MINUTE);
    expect(vcjob().status?.state?.phase).toBe('Completed');
    expect(latticeJob().status).toMatchObject({ phase: 'Succeeded', message: 'All tasks completed successfully' });
    world.stop();
  }, 60_000);
});
