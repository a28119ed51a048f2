/**
 * LatticeJob → Volcano (reference §2.9): behaviour tests, golden pairs over our own example jobs
 * (`testdata/jobs/<name>.yaml` → `__golden__/jobs/<name>.yaml`; `UPDATE_GOLDEN=1 npx vitest run
 * platform/compiler/job-compiler.test.ts` rewrites them, review the diff), and a sweep of the reference
 * LatticeJob fixtures (skipped, by name, when ../shared is absent).
 */
import { describe, expect, test } from 'vitest';
import { goldenPairs, loadExample } from './golden-pairs.ts';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { LatticeJob } from '../crds/types.ts';
import { compileJob, jobImages, mergeTask } from './index.ts';
import { allowAll, denyWhere, loadReferenceObjects, REFERENCE_DIR, expectOk } from './testing.ts';
import { resolveBudget } from '../quota/index.ts';

const ctx = { authorizer: allowAll(), clusterName: 'sim' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const example = (name: string): LatticeJob => loadExample<LatticeJob>('jobs', name);

const ok = expectOk;

const byKind = (objs: KubeObject[], kind: string) => objs.filter((o) => o.kind === kind);

describe('golden: our example LatticeJobs', () => {
  goldenPairs<LatticeJob>('jobs', (x) => compileJob(x, ctx), false);
});

describe('VCJob shape', () => {
  test('render-farm: owned by the LatticeJob, minAvailable from spec, queue, maxRetry, user policies with Any as *, raw replicas/restartPolicy/policies per task', () => {
    const r = ok(compileJob(example('render-farm'), ctx));
    const [vcjob] = r.layers.workload;
    expect(vcjob).toMatchObject({ apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job', metadata: { name: 'render-farm', namespace: 'studio' } });
    expect(vcjob.metadata.ownerReferences).toEqual([{ apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeJob', name: 'render-farm', uid: '<uid>', controller: true, blockOwnerDeletion: true }]);
    expect(vcjob.spec).toMatchObject({ schedulerName: 'volcano', minAvailable: 3, maxRetry: 2, queue: 'media', plugins: { env: [] } });
    expect(vcjob.spec.policies).toEqual([
      { event: 'PodEvicted', action: 'RestartTask' },
      { event: '*', action: 'AbortJob' },
    ]);
    const tasks = vcjob.spec.tasks as Json[];
    expect(tasks.map((t) => [t.name, t.replicas, t.template.spec.restartPolicy, t.policies])).toEqual([
      ['coordinator', 1, 'Never', undefined],
      ['renderer', 4, 'OnFailure', [{ event: 'TaskCompleted', action: 'CompleteJob' }]],
    ]);
    // The task template carries labels only and no schedulerName (the VCJob's applies).
    expect(Object.keys(tasks[1].template.metadata)).toEqual(['labels']);
    expect(tasks[1].template.spec.schedulerName).toBeUndefined();
    expect(tasks[1].template.spec.containers[0].resources.limits).toMatchObject({ 'volcano.sh/vgpu-number': '2', 'volcano.sh/vgpu-memory': '40960' });
    expect(tasks[1].template.spec.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-L40S' });
    expect(tasks[0].template.spec.runtimeClassName).toBeUndefined();
  });

  test('without minAvailable or policies: Σ raw replicas and the two default RestartJob policies', () => {
    const lj = example('render-farm');
    delete lj.spec.minAvailable;
    delete lj.spec.policies;
    const [vcjob] = ok(compileJob(lj, ctx)).layers.workload;
    expect(vcjob.spec.minAvailable).toBe(5);
    expect(vcjob.spec.policies).toEqual([
      { event: 'PodEvicted', action: 'RestartJob' },
      { event: 'PodFailed', action: 'RestartJob' },
    ]);
  });

  test('ownership: children carry the LatticeJob’s own ownerReferences, ServiceAccounts and mesh members none', () => {
    const lj = example('render-farm');
    const parent = { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticePackage', name: 'p', uid: 'up' };
    lj.metadata.ownerReferences = [parent];
    const r = ok(compileJob(lj, ctx));
    const infra = r.layers.infrastructure;
    expect(byKind(infra, 'ServiceAccount').map((s) => s.metadata.name)).toEqual(['render-farm-coordinator', 'render-farm-renderer']);
    for (const o of infra) {
      if (o.kind === 'ServiceAccount' || o.kind === 'LatticeMeshMember') expect(o.metadata.ownerReferences, `${o.kind} ${o.metadata.name}`).toBeUndefined();
      else expect(o.metadata.ownerReferences, `${o.kind} ${o.metadata.name}`).toEqual([parent]);
    }
    expect(byKind(infra, 'ExternalSecret').length).toBeGreaterThanOrEqual(2);
    expect(r.meshMembers.map((m) => [m.metadata.name, m.spec.dependencies])).toEqual([
      ['render-farm-coordinator', [{ name: 'catalog', namespace: 'studio' }]],
      ['render-farm-renderer', [{ name: 'catalog', namespace: 'studio' }]],
    ]);
  });

  test('schedule wraps the VCJob spec in a Volcano CronJob with the cron fields', () => {
    const [cron] = ok(compileJob(example('nightly-report'), ctx)).layers.workload;
    expect(cron).toMatchObject({ apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'CronJob', metadata: { name: 'nightly-report' } });
    expect(cron.spec).toMatchObject({ schedule: '30 2 * * *', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, startingDeadlineSeconds: 600 });
    expect(cron.spec.jobTemplate.spec.tasks.map((t: Json) => t.name)).toEqual(['report']);
  });
});

describe('distributed training', () => {
  const r = ok(compileJob(example('fine-tune'), ctx));
  const [vcjob] = r.layers.workload;
  const tasks = vcjob.spec.tasks as Json[];
  const env = (task: string) => r.layers.infrastructure.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `fine-tune-${task}-trainer-env`)!.data;

  test('svc plugin, framework env without overwriting, NCCL env by model and config', () => {
    expect(vcjob.spec.plugins).toEqual({ env: [], svc: ['--publish-not-ready-addresses'] });
    expect(env('worker')).toMatchObject({
      MASTER_ADDR: 'fine-tune-master-0.fine-tune',
      MASTER_PORT: '29500',
      WORLD_SIZE: '32',
      NNODES: '4',
      NPROC_PER_NODE: '8',
      NCCL_DEBUG: 'INFO',
      NCCL_SOCKET_IFNAME: 'ib0',
      NCCL_NET_GDR_LEVEL: '5',
      NCCL_ALGO: 'Ring,Tree',
      NCCL_IB_DISABLE: '0',
      NCCL_P2P_LEVEL: 'NVL',
    });
  });

  test('rank wiring: lattice-rank init container with the cumulative offset, wrapped command, training labels, master port', () => {
    const offsets = tasks.map((t) => [t.name, t.template.spec.initContainers.find((c: Json) => c.name === 'lattice-rank').env[0].value]);
    expect(offsets).toEqual([
      ['master', '0'],
      ['worker', '1'],
    ]);
    const main = tasks[1].template.spec.containers[0];
    expect(main.command).toEqual(['/bin/sh', '-c', '. /lattice-env/rank.sh; exec "$@"', 'sh']);
    expect(main.args).toEqual(['/usr/bin/python3', '/app/train.py', '--epochs', '3']);
    expect(main.volumeMounts).toEqual(expect.arrayContaining([{ name: 'lattice-env', mountPath: '/lattice-env' }, { name: 'lattice-tmp', mountPath: '/tmp' }]));
    expect(main.ports).toEqual([{ name: 'master', containerPort: 29500 }]);
    expect(tasks[1].template.metadata.labels).toMatchObject({ 'lattice.dev/training-job': 'fine-tune', 'istio.io/dataplane-mode': 'none' });
  });

  test('mesh members: peer traffic, not ambient, selected by the training-job label', () => {
    for (const mm of r.meshMembers) expect(mm.spec).toMatchObject({ allowPeerTraffic: true, ambient: false, target: { selector: { 'lattice.dev/training-job': 'fine-tune' } } });
  });

  test('restartPolicy and policies of the VCJob tasks come from the raw tasks (reference compile_tasks)', () => {
    expect(tasks.map((t) => [t.name, t.template.spec.restartPolicy, t.policies])).toEqual([
      ['master', 'Never', undefined],
      ['worker', 'Never', undefined],
    ]);
  });
});

describe('errors (reference JobError texts)', () => {
  test('a denied gate fails the whole job, naming the task', () => {
    const r = compileJob(example('render-farm'), { authorizer: denyWhere((q) => q.action === 'AccessSecret'), clusterName: 'sim' });
    expect(r).toMatchObject({ ok: false, reason: 'denied', gate: 'AccessSecret' });
    expect(!r.ok && r.message).toMatch(/^compilation failed for task 'coordinator': /);
  });

  test('a task over the LatticeQuota budget fails the job, each task checked with its own replicas (reference compile_job with_quota_budget)', () => {
    const quota = { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeQuota', metadata: { name: 'gpus', namespace: 'lattice-system' }, spec: { principal: 'Lattice::Service::"studio/render-farm"', limits: { 'nvidia.com/gpu': '6', cpu: '2' } } };
    const quotaBudget = resolveBudget([quota], 'studio', 'render-farm', {}, {});
    expect(compileJob(example('render-farm'), { ...ctx, quotaBudget })).toEqual({
      ok: false,
      reason: 'quota-exceeded',
      message: "compilation failed for task 'renderer': quota exceeded: nvidia.com/gpu: 8 requested but only 6 remaining in quota",
    });
    // 4 renderers × 500m = 2 cores, within the 2-core limit on their own (tasks are not summed).
    expect(compileJob(example('render-farm'), { ...ctx, quotaBudget: resolveBudget([{ ...quota, spec: { ...quota.spec, limits: { 'nvidia.com/gpu': '8', cpu: '2' } } }], 'studio', 'render-farm', {}, {}) }).ok).toBe(true);
  });

  test.each([
    ['no tasks', (lj: Json) => (lj.spec.tasks = {}), 'job has no tasks'],
    ['missing coordinator', (lj: Json) => (lj.spec.training.coordinatorTask = 'chief'), "training coordinator task 'chief' not found in job tasks"],
    ['no command', (lj: Json) => delete lj.spec.defaults.workload.containers.trainer.command, "training task 'master' container 'trainer' must specify a command"],
    ['bad gpu', (lj: Json) => (lj.spec.defaults.workload.resources.gpu.params.count = 0), "compilation failed for task 'master': resource 'gpu': gpu count must be greater than 0"],
  ])('%s', (_name, edit, message) => {
    const lj = example('fine-tune') as Json;
    edit(lj);
    expect(compileJob(lj as LatticeJob, ctx)).toEqual({ ok: false, reason: 'invalid', message });
  });
});

describe('defaults merge (reference §2.12)', () => {
  test('task wins on scalars and map keys, containers deep-merge, image fills only when empty, lists are atomic', () => {
    const merged = mergeTask(
      { replicas: 3, imagePullSecrets: [], workload: { containers: { main: { image: '', resources: { limits: { memory: '8Gi' } }, variables: { B: 't' } } } } },
      {
        replicas: 1,
        restartPolicy: 'Never',
        imagePullSecrets: ['default'],
        workload: { containers: { main: { image: 'train:1', command: ['/a'], resources: { limits: { cpu: '2', memory: '1Gi' } }, variables: { A: 'd', B: 'd' } } } },
      },
    );
    expect(merged).toMatchObject({ replicas: 3, restartPolicy: 'Never', imagePullSecrets: ['default'] });
    expect(merged.workload!.containers!.main).toEqual({ image: 'train:1', command: ['/a'], resources: { limits: { cpu: '2', memory: '8Gi' } }, variables: { A: 'd', B: 't' } });
  });
});

const references = loadReferenceObjects().filter((o) => o.object.kind === 'LatticeJob');
test.skipIf(references.length === 0)(
  `every LatticeJob under the reference fixtures compiles to a Volcano Job or CronJob (${REFERENCE_DIR})${references.length === 0 ? ': reference fixtures not present, skipped' : ''}`,
  () => {
    expect(references.map((r) => r.file)).toEqual(['e2e-services/batch-job.yaml', 'e2e-services/cron-job.yaml', 'e2e-services/training-pytorch-distributed.yaml']);
    for (const { file, object } of references) {
      const lj = { ...object, metadata: { ...object.metadata, uid: 'uid-fixture' } } as LatticeJob;
      const r = ok(compileJob(lj, ctx));
      const [w] = r.layers.workload;
      expect(w.kind, file).toBe(lj.spec.schedule ? 'CronJob' : 'Job');
      const spec = w.kind === 'CronJob' ? w.spec.jobTemplate.spec : w.spec;
      expect(spec.tasks.map((t: Json) => t.name), file).toEqual(Object.keys(lj.spec.tasks).sort());
      expect(spec.minAvailable, file).toBe(Object.values(lj.spec.tasks).reduce((n, t) => n + (t.replicas ?? 1), 0));
      expect(r.meshMembers.length, file).toBe(Object.keys(lj.spec.tasks).length);
    }
  },
);
if (references.length === 0) test.skip('reference fixtures not present (../shared/fixtures/reference): the LatticeJob fixture sweep is skipped', () => {});

describe('image trust for jobs (the shared WorkloadCompiler gate; controllers/image-trust.ts checks what jobImages lists)', () => {
  const c = (image: string) => ({ image, command: ['/run'], resources: { limits: { cpu: '1', memory: '1Gi' } } });
  const lj = {
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'LatticeJob',
    metadata: { name: 'train', namespace: 'ml', uid: 'u' },
    spec: {
      defaults: { sidecars: { log: c('r/log:1') } },
      tasks: { worker: { workload: { containers: { main: c('r/train:1') } } }, master: { workload: { containers: { main: c('r/train:1'), probe: c('r/probe:1') } } } },
    },
  } as unknown as LatticeJob;

  test('jobImages: per task in name order (defaults merged) containers then sidecars', () => {
    expect(jobImages(lj)).toEqual(['r/train:1', 'r/probe:1', 'r/log:1', 'r/train:1', 'r/log:1']);
  });

  test('an unsigned image is asked of SkipImageVerification on its task principal; a denial fails the whole job', () => {
    const authorizer = denyWhere((r) => r.action === 'SkipImageVerification' && r.principal.name === 'train-worker');
    const imageVerification = (image: string) => (image === 'r/train:1' ? { status: 'unsigned' as const, reasons: ['k: no matching signatures'] } : { status: 'verified' as const, authority: 'k' });
    const r = compileJob(lj, { authorizer, clusterName: 'sim', imageVerification });
    expect(authorizer.asked.filter((q) => q.action === 'SkipImageVerification').map((q) => `${q.principal.name} ${q.subject}`)).toEqual(['train-master r/train:1', 'train-worker r/train:1']);
    expect(r).toMatchObject({ ok: false, reason: 'denied', gate: 'SkipImageVerification' });
    expect(!r.ok && r.message).toMatch(/^compilation failed for task 'worker': image verification denied: image signature verification failed: r\/train:1 \[verify: k: no matching signatures\] \[cedar: /);
  });
});
