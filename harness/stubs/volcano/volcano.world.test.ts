/**
 * The Volcano stub and the LatticeJob controller in a World: queue admission, the svc and env plugins,
 * lifecycle policies, vGPU pods of a Deployment, and the LatticeJob's compile-failure status.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { LatticeJobType, LatticeServiceType } from '../../../platform/index.ts';
import { World } from '../../world.ts';
import { CoreTypes, StubTypes } from '../third-party-crds.ts';
import { GROUP_NAME_ANNOTATION, JOB_NAME_KEY, PodGroupType, QueueType, TASK_SPEC_KEY, VolcanoJobType } from './vocabulary.ts';
import { VGPU_DEVICES_ANNOTATION } from './deviceshare.ts';

const NS: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'batch' } };

/** A VCJob of `replicas` busybox pods (`cpu` each), with pod annotations and job fields given. */
function vcjob(name: string, opts: { replicas?: number; cpu?: string; annotations?: Record<string, string>; spec?: Record<string, unknown> } = {}): KubeObject {
  return {
    ...VolcanoJobType,
    metadata: { name, namespace: 'batch' },
    spec: {
      schedulerName: 'volcano',
      tasks: [
        {
          name: 'worker',
          replicas: opts.replicas ?? 2,
          template: {
            metadata: { labels: { app: name }, annotations: opts.annotations ?? {} },
            spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.37', command: ['/bin/true'], resources: { limits: { cpu: opts.cpu ?? '100m', memory: '64Mi' } } }] },
          },
        },
      ],
      ...opts.spec,
    },
  };
}

const list = (world: World, type: { apiVersion: string; kind: string }) => world.server.list(type, { namespace: 'batch' }).items;
const jobPods = (world: World, job: string) => list(world, CoreTypes.Pod).filter((p) => p.metadata.labels?.[JOB_NAME_KEY] === job);

describe('Volcano stub in a World', () => {
  it('a queue whose capability cannot hold the gang keeps its PodGroup Pending with no pods at all; a closed queue admits nothing', async () => {
    const world = await World.create({ seed: 3 });
    await world.client.create({ ...QueueType, metadata: { name: 'tiny' }, spec: { weight: 1, capability: { cpu: '1' } } });
    await world.client.create({ ...QueueType, metadata: { name: 'shut' }, spec: { weight: 1 } });
    await world.client.patchStatus(QueueType, { name: 'shut' }, 'merge', { status: { state: 'Closed' } });
    await world.apply([NS, vcjob('wide', { cpu: '600m', spec: { queue: 'tiny' } }), vcjob('late', { spec: { queue: 'shut' } })]);
    await world.advance(world.clock.now() + 120_000);
    for (const job of ['wide', 'late']) {
      const pg = list(world, PodGroupType).find((g) => g.metadata.name.startsWith(`${job}-`))!;
      expect(pg.status?.phase, job).toBe('Pending');
      expect(jobPods(world, job), job).toEqual([]);
      expect(pg.status?.conditions?.find((c: { type: string }) => c.type === 'Unschedulable')?.message, job).toBe('0/0 tasks in gang unschedulable: pod group is not ready, 2 minAvailable');
    }
    expect(list(world, PodGroupType).find((g) => g.metadata.name.startsWith('wide-'))!.spec.minResources).toMatchObject({ cpu: '1200m', pods: '2' });
    expect(world.server.list(QueueType).items.find((q) => q.metadata.name === 'tiny')!.status).toMatchObject({ state: 'Open', pending: 1 });
    world.stop();
  }, 30_000);

  it('svc and env plugins: headless Service, NetworkPolicy, host ConfigMap, hostname/subdomain, VC_TASK_INDEX; Pending → Running → Completed', async () => {
    const world = await World.create({ seed: 5 });
    // networking.k8s.io/v1 NetworkPolicy is a built-in kind, so the svc plugin creates its policy.
    await world.apply([NS, vcjob('mpi', { annotations: { 'sim.lattice.dev/run-ms': '30000' }, spec: { plugins: { env: [], svc: ['--publish-not-ready-addresses'] } } })]);
    const seen = new Set<string>();
    for (let t = 1000; t <= 120_000; t += 1000) {
      await world.advance(world.clock.now() + 1000);
      seen.add(list(world, VolcanoJobType)[0].status?.state?.phase);
    }
    expect([...seen]).toEqual(expect.arrayContaining(['Pending', 'Running', 'Completed']));
    const svc = list(world, CoreTypes.Service).find((s) => s.metadata.name === 'mpi')!;
    expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: { 'volcano.sh/job-name': 'mpi', 'volcano.sh/job-namespace': 'batch' } });
    const selector = { 'volcano.sh/job-name': 'mpi', 'volcano.sh/job-namespace': 'batch' };
    expect(list(world, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' }).map((n) => [n.metadata.name, n.spec])).toEqual([
      ['mpi', { podSelector: { matchLabels: selector }, ingress: [{ from: [{ podSelector: { matchLabels: selector } }] }], policyTypes: ['Ingress'] }],
    ]);
    expect(list(world, CoreTypes.ConfigMap).find((c) => c.metadata.name === 'mpi-svc')!.data).toEqual({ 'worker.host': 'mpi-worker-0.mpi\nmpi-worker-1.mpi', VC_WORKER_HOSTS: 'mpi-worker-0.mpi,mpi-worker-1.mpi', VC_WORKER_NUM: '2' });
    const pods = jobPods(world, 'mpi');
    expect(pods.map((p) => [p.metadata.name, p.spec.hostname, p.spec.subdomain, p.metadata.labels?.[TASK_SPEC_KEY], p.metadata.annotations?.[GROUP_NAME_ANNOTATION]?.startsWith('mpi-')])).toEqual([
      ['mpi-worker-0', 'mpi-worker-0', 'mpi', 'worker', true],
      ['mpi-worker-1', 'mpi-worker-1', 'mpi', 'worker', true],
    ]);
    expect(pods[1].spec.containers[0].env).toEqual(expect.arrayContaining([{ name: 'VC_TASK_INDEX', value: '1' }]));
    expect(list(world, PodGroupType)[0].status).toMatchObject({ phase: 'Completed', succeeded: 2 });
    world.stop();
  }, 30_000);

  it('PodFailed → RestartJob restarts the whole gang and fails the job after maxRetry', async () => {
    const world = await World.create({ seed: 9 });
    await world.apply([NS, vcjob('flaky', { annotations: { 'sim.lattice.dev/run-ms': '5000', 'sim.lattice.dev/exit-code': '1' }, spec: { maxRetry: 2, policies: [{ event: 'PodFailed', action: 'RestartJob' }] } })]);
    await world.advance(world.clock.now() + 300_000);
    const status = list(world, VolcanoJobType)[0].status;
    expect(status).toMatchObject({ state: { phase: 'Failed' }, retryCount: 2 });
    world.stop();
  }, 30_000);

  it('a GPU LatticeService: its pods get a PodGroup, bind to the GPU node with vGPU devices and the service turns Ready', async () => {
    const world = await World.create({ seed: 13 });
    const svc: KubeObject = {
      ...LatticeServiceType,
      metadata: { name: 'infer', namespace: 'batch' },
      spec: {
        replicas: 2,
        workload: {
          containers: { main: { image: 'registry.example/infer:1', command: ['/usr/bin/infer'], resources: { limits: { cpu: '1', memory: '1Gi' } } } },
          service: { ports: { http: { port: 8080 } } },
          resources: { gpu: { type: 'gpu', params: { count: 1, memory: '40Gi' } } },
        },
      },
    };
    await world.apply([NS, svc]);
    await world.advance(world.clock.now() + 180_000);
    const pods = list(world, CoreTypes.Pod).filter((p) => p.metadata.labels?.['app.kubernetes.io/name'] === 'infer');
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.spec.schedulerName).toBe('volcano');
      expect(p.spec.nodeName).toBe('sim-gpu-node-0');
      expect(p.metadata.annotations?.[GROUP_NAME_ANNOTATION]).toMatch(/^podgroup-/);
    }
    // 40 GiB each: two per 80 GB device would not fit (81920 > 81559 MiB), so they take devices 0 and 1.
    expect(pods.map((p) => p.metadata.annotations?.[VGPU_DEVICES_ANNOTATION]).sort()).toEqual(['0', '1']);
    expect(world.server.list(LatticeServiceType, { namespace: 'batch' }).items[0].status?.phase).toBe('Ready');
    world.stop();
  }, 30_000);

  it('a cron LatticeJob: the VCCronJob creates a Job every 5 minutes, keeps the history limit, and the LatticeJob reports it', async () => {
    const world = await World.create({ seed: 21 });
    const lj: KubeObject = {
      ...LatticeJobType,
      metadata: { name: 'tick', namespace: 'batch' },
      spec: {
        schedule: '*/5 * * * *',
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 2,
        tasks: { worker: { workload: { containers: { main: { image: 'busybox:1.37', command: ['/bin/true'], resources: { limits: { cpu: '100m', memory: '64Mi' } } } } } } },
      },
    };
    await world.apply([NS, lj]);
    await world.advance(world.clock.now() + 21 * 60_000);
    const cron = list(world, StubTypes.VolcanoCronJob)[0];
    expect(cron.status?.lastScheduleTime).toBe('2026-01-01T00:20:00Z');
    const jobs = list(world, VolcanoJobType).map((j) => [j.metadata.name, j.status?.state?.phase]);
    // Runs at :05, :10, :15, :20; the two oldest Completed ones are pruned to the limit of 2.
    const minute = (m: number) => `tick-${Date.UTC(2026, 0, 1, 0, m) / 60_000}`;
    expect(jobs).toEqual([
      [minute(15), 'Completed'],
      [minute(20), 'Completed'],
    ]);
    const status = world.server.list(LatticeJobType, { namespace: 'batch' }).items[0].status;
    expect(status?.phase).toBe('Running');
    expect(status?.message).toBe('Cron active: 0 job(s), last scheduled: 2026-01-01T00:20:00Z');
    world.stop();
  }, 30_000);

  it('is a function of the seed: two Worlds with one seed end with the same pods, PodGroups, Jobs and logs', async () => {
    const run = async () => {
      const world = await World.create({ seed: 33 });
      await world.apply([NS, vcjob('a', { replicas: 3, annotations: { 'sim.lattice.dev/run-ms': '20000' }, spec: { plugins: { env: [], svc: [] } } }), vcjob('b', { cpu: '900', spec: { queue: 'default' } })]);
      await world.advance(world.clock.now() + 90_000);
      const strip = (o: KubeObject) => ({ name: o.metadata.name, uid: o.metadata.uid, spec: o.spec, status: o.status, annotations: o.metadata.annotations });
      const out = JSON.stringify({ pods: list(world, CoreTypes.Pod).map(strip), groups: list(world, PodGroupType).map(strip), jobs: list(world, VolcanoJobType).map(strip), logs: world.logs });
      world.stop();
      return out;
    };
    const first = await run();
    expect(first).toContain('0/');
    expect(await run()).toBe(first);
  }, 30_000);

  it('a LatticeJob a Cedar gate refuses is Failed with the reference message, produces nothing, and is retried', async () => {
    const world = await World.create({ seed: 17 });
    const lj: KubeObject = {
      ...LatticeJobType,
      metadata: { name: 'broken', namespace: 'batch' },
      // Valid as a spec (the webhook's rules pass), refused by the Cedar OverrideSecurity gate at compile time.
      spec: { tasks: { main: { workload: { containers: { main: { image: 'busybox:1.37', command: ['/bin/true'], resources: { limits: { cpu: '100m', memory: '64Mi' } }, security: { apparmorProfile: 'Unconfined' } } } } } } },
    };
    await world.apply([NS, lj]);
    await world.advance(world.clock.now() + 2_000);
    const status = () => world.server.list(LatticeJobType, { namespace: 'batch' }).items[0].status;
    expect(status()).toMatchObject({
      phase: 'Failed',
      message: "Failed to compile job: compilation failed for task 'main': security override denied: 'apparmor:Unconfined' (container 'main'): no permit policy for this service and resource",
    });
    await world.advance(world.clock.now() + 31_000);
    expect(['Pending', 'Failed']).toContain(status()?.phase);
    expect(list(world, VolcanoJobType)).toEqual([]);
    world.stop();
  }, 30_000);
});
