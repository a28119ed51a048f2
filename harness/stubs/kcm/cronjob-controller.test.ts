import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { rfc3339 } from '../../../fake-apiserver/api/index.ts';
import { SCHEDULED_TIMESTAMP, cronJobController } from './cronjob-controller.ts';
import { BatchTypes } from './job-controller.ts';
import type { TestCluster } from './test-cluster.ts';
import { testCluster } from './test-cluster.ts';
import { World } from '../../world.ts';

// Job outcomes are driven by the test (patchStatus, as the Job controller would write them); no Job controller runs.
const cronJob = (spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'tick', namespace: 'ns' },
  spec: {
    schedule: '*/1 * * * *',
    jobTemplate: { metadata: { labels: { app: 'tick' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
    ...spec,
  },
});

async function setup(): Promise<TestCluster & { jobs: () => string[]; cj: () => KubeObject; finish: (name: string, as: 'Complete' | 'Failed') => Promise<void>; nextMinute: () => Promise<void> }> {
  const c = await testCluster(['ns']);
  await c.start((client, cache) => [cronJobController(client, cache)]);
  return {
    ...c,
    jobs: () => c.list(BatchTypes.Job, 'ns').filter((j) => !j.metadata.deletionTimestamp).map((j) => j.metadata.name).sort(),
    cj: () => c.server.get(BatchTypes.CronJob, { namespace: 'ns', name: 'tick' }),
    /** Advances to 1 s past the next whole minute (the controller wakes 100 ms after a schedule time). */
    nextMinute: () => c.advance((Math.floor(c.clock.now() / 60_000) + 1) * 60_000 + 1_000 - c.clock.now()),
    finish: async (name, as) => {
      const t = rfc3339(c.clock.now());
      await c.client.patchStatus(BatchTypes.Job, { namespace: 'ns', name }, 'merge', {
        status: { startTime: t, ...(as === 'Complete' ? { completionTime: t } : {}), conditions: [{ type: as, status: 'True', lastTransitionTime: t }] },
      });
    },
  };
}

/** Name of the Job for the schedule time at `ms`. */
const jobAt = (ms: number) => `tick-${Math.floor(ms / 60_000)}`;

describe('CronJob controller (batch/v1)', () => {
  it('creates one Job per schedule time, owned and annotated; active, lastScheduleTime and lastSuccessfulTime follow', async () => {
    const c = await setup();
    await c.client.create(cronJob());
    const start = c.clock.now();
    const first = (Math.floor(start / 60_000) + 1) * 60_000;
    await c.advance(first - start - 1_000);
    expect(c.jobs()).toEqual([]);
    await c.advance(2_000);
    expect(c.jobs()).toEqual([jobAt(first)]);
    const job = c.list(BatchTypes.Job, 'ns')[0];
    expect(job.metadata.labels).toEqual({ app: 'tick' });
    expect(job.metadata.annotations).toEqual({ [SCHEDULED_TIMESTAMP]: rfc3339(first) });
    expect(job.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: 'tick', controller: true })]);
    expect(job.spec.template.spec.containers[0].image).toBe('busybox');
    expect(c.cj().status).toEqual({ active: [expect.objectContaining({ kind: 'Job', name: jobAt(first), namespace: 'ns', uid: job.metadata.uid })], lastScheduleTime: rfc3339(first) });
    const doneAt = c.clock.now();
    await c.finish(jobAt(first), 'Complete');
    await c.advance(1_000);
    expect(c.cj().status.active).toBeUndefined();
    expect(c.cj().status.lastSuccessfulTime).toBe(rfc3339(doneAt));
    await c.advance(60_000);
    expect(c.jobs()).toEqual([jobAt(first), jobAt(first + 60_000)]);
    c.stop();
  });

  it('history limits delete the oldest finished Jobs; unset limits keep them', async () => {
    const c = await setup();
    await c.client.create(cronJob({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }));
    for (let i = 0; i < 3; i++) {
      await c.nextMinute();
      const name = c.jobs().at(-1)!;
      await c.finish(name, i === 1 ? 'Failed' : 'Complete');
      await c.advance(1_000);
    }
    const all = c.list(BatchTypes.Job, 'ns');
    expect(all.map((j) => j.status?.conditions?.[0]?.type).sort()).toEqual(['Complete', 'Failed']);
    expect(c.jobs()).toHaveLength(2);
    c.stop();
  });

  it('concurrencyPolicy Forbid skips a time while a Job runs; Replace deletes the running Job', async () => {
    const c = await setup();
    await c.client.create(cronJob({ concurrencyPolicy: 'Forbid' }));
    await c.nextMinute();
    const [first] = c.jobs();
    expect(first).toBeDefined();
    await c.nextMinute();
    expect(c.jobs()).toEqual([first]);
    await c.client.patch(BatchTypes.CronJob, { namespace: 'ns', name: 'tick' }, 'merge', { spec: { concurrencyPolicy: 'Replace' } });
    await c.nextMinute();
    const now = c.jobs();
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(first);
    expect(c.cj().status.active.map((r: { name: string }) => r.name)).toEqual(now);
    c.stop();
  });

  it('suspend: no Jobs; resumed, only the most recent missed time runs, and not past startingDeadlineSeconds', async () => {
    const c = await setup();
    await c.client.create(cronJob({ suspend: true }));
    const lastMissed = (Math.floor(c.clock.now() / 60_000) + 5) * 60_000;
    const ms = lastMissed + 30_000 - c.clock.now();
    c.clock.setTimer(ms, () => {}); // a suspended CronJob sets no timer: an idle clock would not move
    await c.advance(ms); // five schedule times missed, the last 30 s ago
    expect(c.jobs()).toEqual([]);
    await c.client.patch(BatchTypes.CronJob, { namespace: 'ns', name: 'tick' }, 'merge', { spec: { suspend: false, startingDeadlineSeconds: 10 } });
    await c.advance(1_000);
    expect(c.jobs()).toEqual([]); // 31 s late: past the deadline
    await c.client.patch(BatchTypes.CronJob, { namespace: 'ns', name: 'tick' }, 'merge', { spec: { startingDeadlineSeconds: null } });
    await c.advance(1_000);
    expect(c.jobs()).toEqual([jobAt(lastMissed)]);
    expect(c.cj().status.lastScheduleTime).toBe(rfc3339(lastMissed));
    c.stop();
  });

  it('an unparseable schedule creates nothing', async () => {
    const c = await setup();
    await c.client.create(cronJob({ schedule: 'every minute' }));
    await c.advance(3 * 60_000);
    expect(c.jobs()).toEqual([]);
    c.stop();
  });
});

describe('CronJob in a World (Job controller, kubelet, garbage collector)', () => {
  it('runs a Job each minute whose pods complete, records lastSuccessfulTime, and deleting the CronJob collects its Jobs', async () => {
    const world = await World.create({ seed: 7, platform: false });
    await world.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
    const cj = cronJob({ successfulJobsHistoryLimit: 2 });
    cj.spec.jobTemplate.spec.template.metadata = { annotations: { 'sim.lattice.dev/run-ms': '5000' } };
    await world.client.create(cj);
    await world.advance(world.clock.now() + 4 * 60_000 + 30_000);
    const jobs = world.server.list(BatchTypes.Job, { namespace: 'ns' }).items;
    expect(jobs).toHaveLength(2); // four runs, two kept
    expect(jobs.every((j) => (j.status?.conditions ?? []).some((x: { type: string; status: string }) => x.type === 'Complete' && x.status === 'True'))).toBe(true);
    const status = world.server.get(BatchTypes.CronJob, { namespace: 'ns', name: 'tick' }).status;
    expect(status.active).toBeUndefined();
    expect(Date.parse(status.lastSuccessfulTime)).toBeGreaterThan(Date.parse(status.lastScheduleTime));
    await world.client.delete(BatchTypes.CronJob, { namespace: 'ns', name: 'tick' });
    await world.advance(world.clock.now() + 30_000);
    expect(world.server.list(BatchTypes.Job, { namespace: 'ns' }).items).toEqual([]);
    expect(world.server.list({ apiVersion: 'v1', kind: 'Pod' }, { namespace: 'ns' }).items).toEqual([]);
    world.stop();
  });
});
