import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { rfc3339 } from '../../../fake-apiserver/api/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { BatchTypes, COMPLETION_INDEX, formatIndexes, jobController } from './job-controller.ts';
import type { TestCluster } from './test-cluster.ts';
import { testCluster } from './test-cluster.ts';
import { World } from '../../world.ts';

// Pod exits are driven by the test (client.patchStatus), as the kubelet's batch contract would write them:
// the controller under test never sees who wrote the status.
const job = (name: string, spec: Record<string, unknown>, restartPolicy = 'Never'): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'ns' },
  spec: { template: { metadata: { labels: { app: name } }, spec: { restartPolicy, containers: [{ name: 'main', image: 'busybox' }] } }, ...spec },
});

async function setup(): Promise<TestCluster & { pods: () => readonly KubeObject[]; exit: (pod: KubeObject, code: number) => Promise<void>; job: (name: string) => KubeObject; reasons: Map<string, string[]> }> {
  const c = await testCluster(['ns']);
  await c.start((client, cache) => [jobController(client, cache)]);
  const reasons = new Map<string, string[]>();
  c.server.watch(BatchTypes.Job, { namespace: 'ns' }, (ev) => {
    const seen = reasons.get(ev.object.metadata.name) ?? [];
    for (const cond of ev.object.status?.conditions ?? []) if (!seen.includes(cond.type)) seen.push(cond.type);
    reasons.set(ev.object.metadata.name, seen);
  });
  return {
    ...c,
    reasons,
    pods: () => c.list(CoreTypes.Pod, 'ns').filter((p) => !p.metadata.deletionTimestamp),
    job: (name) => c.server.get(BatchTypes.Job, { namespace: 'ns', name }),
    exit: async (pod, code) => {
      const t = rfc3339(c.clock.now());
      await c.client.patchStatus(CoreTypes.Pod, { namespace: 'ns', name: pod.metadata.name }, 'merge', {
        status: { phase: code === 0 ? 'Succeeded' : 'Failed', containerStatuses: [{ name: 'main', restartCount: 0, state: { terminated: { exitCode: code, finishedAt: t } } }] },
      });
    },
  };
}
const running = (pods: readonly KubeObject[]) => pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');

describe('Job controller (pod exits driven by the test through patchStatus)', () => {
  it('NonIndexed: runs parallelism pods up to completions, labels them, then SuccessCriteriaMet and Complete with completionTime', async () => {
    const c = await setup();
    await c.client.create(job('batch', { completions: 3, parallelism: 2 }));
    await c.advance(1_000);
    const first = running(c.pods());
    expect(first).toHaveLength(2);
    const uid = c.job('batch').metadata.uid;
    expect(first[0].metadata.labels).toMatchObject({ app: 'batch', 'job-name': 'batch', 'batch.kubernetes.io/job-name': 'batch', 'controller-uid': uid, 'batch.kubernetes.io/controller-uid': uid });
    expect(first[0].spec.restartPolicy).toBe('Never');
    expect(c.job('batch').status).toMatchObject({ active: 2, succeeded: 0, failed: 0, startTime: expect.any(String) });
    for (const p of first) await c.exit(p, 0);
    await c.advance(1_000);
    expect(running(c.pods())).toHaveLength(1); // only one completion left
    await c.exit(running(c.pods())[0], 0);
    await c.advance(1_000);
    const s = c.job('batch').status;
    expect(s).toMatchObject({ active: 0, succeeded: 3, failed: 0, completionTime: expect.any(String) });
    expect(s.conditions.map((x: { type: string; reason: string }) => `${x.type}/${x.reason}`)).toEqual(['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
    expect(c.reasons.get('batch')).toEqual(['SuccessCriteriaMet', 'Complete']);
    c.stop();
  });

  it('Indexed: one pod per index with the completion-index annotation, label and env; a failed index is retried after the 10 s back-off; completedIndexes', async () => {
    const c = await setup();
    await c.client.create(job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    await c.advance(1_000);
    const pods = running(c.pods());
    expect(pods.map((p) => p.metadata.annotations?.[COMPLETION_INDEX]).sort()).toEqual(['0', '1', '2']);
    const byIndex = (i: string) => running(c.pods()).find((p) => p.metadata.labels?.[COMPLETION_INDEX] === i)!;
    expect(byIndex('1').metadata.name).toMatch(/^idx-1-/);
    expect(byIndex('1').spec.containers[0].env).toEqual([{ name: 'JOB_COMPLETION_INDEX', value: '1' }]);
    await c.exit(byIndex('0'), 0);
    await c.exit(byIndex('2'), 0);
    await c.exit(byIndex('1'), 3);
    await c.advance(2_000);
    expect(c.job('idx').status).toMatchObject({ completedIndexes: '0,2', succeeded: 2, failed: 1, active: 0 });
    await c.advance(9_000);
    expect(running(c.pods()).map((p) => p.metadata.labels?.[COMPLETION_INDEX])).toEqual(['1']);
    await c.exit(byIndex('1'), 0);
    await c.advance(1_000);
    expect(c.job('idx').status).toMatchObject({ completedIndexes: '0-2', succeeded: 3, failed: 1 });
    expect(c.reasons.get('idx')).toEqual(['SuccessCriteriaMet', 'Complete']);
    c.stop();
  });

  it('backoffLimit: failures beyond the limit give FailureTarget then Failed, reason BackoffLimitExceeded', async () => {
    const c = await setup();
    await c.client.create(job('flaky', { backoffLimit: 1 }));
    await c.advance(1_000);
    await c.exit(running(c.pods())[0], 1);
    await c.advance(5_000);
    expect(running(c.pods())).toHaveLength(0); // back-off: 10 s after the failure
    await c.advance(6_000);
    expect(running(c.pods())).toHaveLength(1);
    await c.exit(running(c.pods())[0], 1);
    await c.advance(1_000);
    const s = c.job('flaky').status;
    expect(s).toMatchObject({ failed: 2, active: 0 });
    expect(s.conditions.find((x: { type: string }) => x.type === 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(c.reasons.get('flaky')).toEqual(['FailureTarget', 'Failed']);
    expect(s.completionTime).toBeUndefined();
    c.stop();
  });

  it('restartPolicy OnFailure: container restarts count against backoffLimit', async () => {
    const c = await setup();
    await c.client.create(job('crashy', { backoffLimit: 2 }, 'OnFailure'));
    await c.advance(1_000);
    const pod = running(c.pods())[0];
    await c.client.patchStatus(CoreTypes.Pod, { namespace: 'ns', name: pod.metadata.name }, 'merge', { status: { phase: 'Running', containerStatuses: [{ name: 'main', restartCount: 1 }] } });
    await c.advance(1_000);
    expect(c.job('crashy').status.conditions ?? []).toEqual([]);
    await c.client.patchStatus(CoreTypes.Pod, { namespace: 'ns', name: pod.metadata.name }, 'merge', { status: { containerStatuses: [{ name: 'main', restartCount: 2 }] } });
    await c.advance(1_000);
    expect(c.job('crashy').status.conditions.map((x: { type: string; reason: string }) => `${x.type}/${x.reason}`)).toEqual(['FailureTarget/BackoffLimitExceeded', 'Failed/BackoffLimitExceeded']);
    expect(c.pods()).toHaveLength(0); // the running pod was deleted
    expect(c.job('crashy').status.failed).toBe(1);
    c.stop();
  });

  it('activeDeadlineSeconds: a Job still running at the deadline fails with DeadlineExceeded and its pods are deleted; ttlSecondsAfterFinished deletes it later', async () => {
    const c = await setup();
    await c.client.create(job('slow', { activeDeadlineSeconds: 30, parallelism: 2, completions: 2, ttlSecondsAfterFinished: 60 }));
    await c.advance(29_000);
    expect(running(c.pods())).toHaveLength(2);
    expect(c.job('slow').status.conditions ?? []).toEqual([]);
    await c.advance(2_000);
    const failed = c.job('slow').status.conditions.find((x: { type: string }) => x.type === 'Failed');
    expect(failed).toMatchObject({ status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    expect(c.pods()).toHaveLength(0);
    expect(c.job('slow').status).toMatchObject({ active: 0, failed: 2, succeeded: 0 }); // the two deleted pods count as failed
    await c.advance(55_000);
    expect(c.list(BatchTypes.Job, 'ns')).toHaveLength(1);
    await c.advance(10_000);
    expect(c.list(BatchTypes.Job, 'ns')).toHaveLength(0);
    c.stop();
  });

  it('formats completed indexes as intervals', () => {
    expect(formatIndexes([4, 0, 1, 2, 7, 8])).toBe('0-2,4,7-8');
    expect(formatIndexes([])).toBe('');
  });
});

describe('Job controller in a World (the kubelet runs and exits the pods: sim.lattice.dev/run-ms, sim.lattice.dev/exit-code)', () => {
  const annotated = (name: string, spec: Record<string, unknown>, annotations: Record<string, string>, restartPolicy = 'Never'): KubeObject => {
    const j = job(name, spec, restartPolicy);
    j.spec.template.metadata.annotations = annotations;
    return j;
  };
  const conditionsOf = (world: World, name: string) =>
    ((world.server.get(BatchTypes.Job, { namespace: 'ns', name }).status?.conditions ?? []) as { type: string; reason: string }[]).map((x) => `${x.type}/${x.reason}`);

  it('completes an Indexed Job, fails a Never Job past backoffLimit and an OnFailure Job on container restarts, and the GC collects pods of a deleted Job', async () => {
    const world = await World.create({ seed: 11 });
    await world.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
    await world.client.create(annotated('ok', { completions: 3, parallelism: 2, completionMode: 'Indexed' }, { 'sim.lattice.dev/run-ms': '5000' }));
    await world.client.create(annotated('bad', { backoffLimit: 1 }, { 'sim.lattice.dev/run-ms': '1000', 'sim.lattice.dev/exit-code': '2' }));
    await world.client.create(annotated('crash', { backoffLimit: 2 }, { 'sim.lattice.dev/run-ms': '1000', 'sim.lattice.dev/exit-code': '1' }, 'OnFailure'));
    let maxActive = 0;
    const w = world.server.watch(BatchTypes.Job, { namespace: 'ns' }, (ev) => {
      if (ev.object.metadata.name === 'ok') maxActive = Math.max(maxActive, ev.object.status?.active ?? 0);
    });
    await world.clock.run({ untilMs: world.clock.now() + 120_000 });
    w.stop();
    expect(conditionsOf(world, 'ok')).toEqual(['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
    expect(world.server.get(BatchTypes.Job, { namespace: 'ns', name: 'ok' }).status).toMatchObject({ succeeded: 3, completedIndexes: '0-2', active: 0 });
    expect(maxActive).toBe(2);
    expect(conditionsOf(world, 'bad')).toEqual(['FailureTarget/BackoffLimitExceeded', 'Failed/BackoffLimitExceeded']);
    expect(world.server.get(BatchTypes.Job, { namespace: 'ns', name: 'bad' }).status.failed).toBe(2);
    expect(conditionsOf(world, 'crash')).toEqual(['FailureTarget/BackoffLimitExceeded', 'Failed/BackoffLimitExceeded']);
    const podsOf = (name: string) => world.server.list(CoreTypes.Pod, { namespace: 'ns' }).items.filter((p) => p.metadata.labels?.['job-name'] === name);
    expect(podsOf('ok')).toHaveLength(3);
    // batch/v1 orphans by default (upstream), so the pods go only with Background, as kubectl asks for.
    await world.client.delete(BatchTypes.Job, { namespace: 'ns', name: 'bad' });
    await world.client.delete(BatchTypes.Job, { namespace: 'ns', name: 'ok' }, { propagationPolicy: 'Background' });
    await world.clock.run({ untilMs: world.clock.now() + 10_000 });
    expect(podsOf('ok')).toHaveLength(0);
    expect(podsOf('bad')).toHaveLength(2);
    expect(podsOf('bad').every((p) => p.metadata.ownerReferences === undefined)).toBe(true);
    world.stop();
  });
});
