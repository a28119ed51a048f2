import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { World } from '../../world.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { podReady } from '../owners.ts';
import { until as untilHolds } from '../testing/world-steps.ts';

const NS: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } };

async function world(): Promise<World> {
  const w = await World.create({ seed: 7 });
  await w.client.create(NS);
  return w;
}

function pod(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', labels: { app: name }, ...(annotations ? { annotations } : {}), ...extra },
    spec: { containers: [{ name: 'main', image: 'busybox' }], ...spec },
  };
}

const get = (w: World, name: string): KubeObject => w.server.get(CoreTypes.Pod, { namespace: 'ns', name });
const main = (p: KubeObject) => p.status?.containerStatuses?.[0];
const events = (w: World, reason: string) => w.server.list({ apiVersion: 'v1', kind: 'Event' }, { namespace: 'ns' }).items.filter((e) => (e as { reason?: string }).reason === reason);

const until = (w: World, cond: () => boolean, maxMs?: number) => untilHolds(w, cond, { maxMs });

const secretRefPod = (name: string) =>
  pod(name, { containers: [{ name: 'main', image: 'busybox', env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }] });

describe('kubelet stages', () => {
  it('runs a plain pod to Running, then Ready, with the default containerStart and readiness delays', async () => {
    const w = await world();
    await w.client.create(pod('web', {}));
    const toRunning = await until(w, () => get(w, 'web').status?.phase === 'Running');
    expect(podReady(get(w, 'web'))).toBe(false);
    expect(main(get(w, 'web'))).toMatchObject({ ready: false, started: true, restartCount: 0, state: { running: {} } });
    const toReady = await until(w, () => podReady(get(w, 'web')));
    // bind 100-500 ms + start 1-3 s (+ watch delivery); ready 0.5-2 s after Running is observed.
    expect(toRunning).toBeGreaterThanOrEqual(1_100);
    expect(toRunning).toBeLessThanOrEqual(3_700);
    expect(toReady).toBeGreaterThanOrEqual(400);
    expect(toReady).toBeLessThanOrEqual(2_200);
    expect(main(get(w, 'web'))).toMatchObject({ ready: true, started: true });
    w.stop();
  });

  it('holds readiness until the readinessProbe has passed successThreshold times after initialDelaySeconds', async () => {
    const w = await world();
    const probe = { httpGet: { path: '/', port: 8080 }, initialDelaySeconds: 20, periodSeconds: 5, successThreshold: 2 };
    await w.client.create(pod('probed', { containers: [{ name: 'main', image: 'busybox', readinessProbe: probe }] }));
    await until(w, () => get(w, 'probed').status?.phase === 'Running');
    const toReady = await until(w, () => podReady(get(w, 'probed')));
    // First counted probe at 20 s, second success at 25 s, plus the 0.5-2 s readiness latency.
    expect(toReady).toBeGreaterThanOrEqual(25_000);
    expect(toReady).toBeLessThanOrEqual(27_200);
    w.stop();
  });

  it('keeps a container in CreateContainerConfigError while its Secret or key is missing, and starts it when they appear', async () => {
    const w = await world();
    await w.client.create(secretRefPod('app'));
    await until(w, () => main(get(w, 'app'))?.state?.waiting?.reason === 'CreateContainerConfigError');
    expect(get(w, 'app').status?.phase).toBe('Pending');
    expect(main(get(w, 'app')).state.waiting.message).toBe('secret "db" not found');
    expect(events(w, 'Failed').map((e) => (e as { message?: string }).message)).toEqual(['Error: secret "db" not found']);
    await w.advance(w.clock.now() + 60_000);
    expect(get(w, 'app').status?.phase).toBe('Pending');
    await w.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'ns' }, data: { user: 'YQ==' } } as KubeObject);
    await until(w, () => main(get(w, 'app'))?.state?.waiting?.message === "couldn't find key password in Secret ns/db", 10_000);
    await w.client.patch(CoreTypes.Secret, { namespace: 'ns', name: 'db' }, 'merge', { data: { password: 'cA==' } });
    const toReady = await until(w, () => podReady(get(w, 'app')), 10_000);
    expect(toReady).toBeLessThanOrEqual(6_000);
    w.stop();
  });

  it('keeps a pod in ContainerCreating with a FailedMount event while a ConfigMap volume is missing', async () => {
    const w = await world();
    await w.client.create(
      pod('vol', { volumes: [{ name: 'conf', configMap: { name: 'settings' } }, { name: 'opt', secret: { secretName: 'nope', optional: true } }] }),
    );
    await until(w, () => events(w, 'FailedMount').length > 0);
    expect((events(w, 'FailedMount')[0] as { message?: string }).message).toBe('MountVolume.SetUp failed for volume "conf" : configmap "settings" not found');
    expect(main(get(w, 'vol')).state.waiting.reason).toBe('ContainerCreating');
    expect(get(w, 'vol').status?.phase).toBe('Pending');
    await w.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'ns' }, data: {} } as KubeObject);
    await until(w, () => podReady(get(w, 'vol')), 10_000);
    w.stop();
  });

  it('exits Never/OnFailure pods after sim.lattice.dev/run-ms with sim.lattice.dev/exit-code', async () => {
    const w = await world();
    await w.client.create(pod('ok', { restartPolicy: 'Never' }, { 'sim.lattice.dev/run-ms': '30000' }));
    await w.client.create(pod('bad', { restartPolicy: 'Never' }, { 'sim.lattice.dev/run-ms': '1000', 'sim.lattice.dev/exit-code': '3' }));
    await until(w, () => get(w, 'ok').status?.phase === 'Running');
    const ran = await until(w, () => get(w, 'ok').status?.phase === 'Succeeded');
    expect(ran).toBeGreaterThanOrEqual(29_900);
    expect(ran).toBeLessThanOrEqual(30_100);
    const t = main(get(w, 'ok')).state.terminated;
    expect(t).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(Date.parse(t.finishedAt) - Date.parse(t.startedAt)).toBe(30_000);
    expect(get(w, 'bad').status?.phase).toBe('Failed');
    expect(main(get(w, 'bad')).state.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(podReady(get(w, 'ok'))).toBe(false);
    w.stop();
  });

  it('runs a batch pod without annotations for the profile batchRun time, then Succeeded', async () => {
    const w = await world();
    await w.client.create(pod('job', { restartPolicy: 'OnFailure' }));
    await until(w, () => get(w, 'job').status?.phase === 'Running');
    const ran = await until(w, () => get(w, 'job').status?.phase === 'Succeeded');
    expect(ran).toBeGreaterThanOrEqual(9_500);
    expect(ran).toBeLessThanOrEqual(30_100);
    w.stop();
  });

  it('restarts an OnFailure container in place under CrashLoopBackOff, doubling the back-off', async () => {
    const w = await world();
    await w.client.create(pod('flaky', { restartPolicy: 'OnFailure' }, { 'sim.lattice.dev/run-ms': '2000', 'sim.lattice.dev/exit-code': '1' }));
    await until(w, () => (main(get(w, 'flaky'))?.restartCount ?? 0) >= 1);
    await until(w, () => main(get(w, 'flaky'))?.state?.waiting?.reason === 'CrashLoopBackOff');
    const s = main(get(w, 'flaky'));
    expect(s.state.waiting.message).toBe(`back-off 10s restarting failed container=main pod=flaky_ns(${get(w, 'flaky').metadata.uid})`);
    expect(s.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(get(w, 'flaky').status.phase).toBe('Running');
    await until(w, () => main(get(w, 'flaky'))?.state?.waiting?.message?.startsWith('back-off 20s') ?? false, 60_000);
    expect(main(get(w, 'flaky')).restartCount).toBe(2);
    // Repeats of one back-off message are one Event whose count rises (client-go's EventCorrelator), as on a cluster.
    expect(events(w, 'BackOff')).toHaveLength(1);
    expect(events(w, 'BackOff')[0]!.count).toBeGreaterThanOrEqual(2);
    w.stop();
  });

  it('crash-loops the pods a fault selects: Ready=False while down, restarts with back-off 0, 10, 20, 40 s, runs on once the fault is lifted', async () => {
    const w = await world();
    await w.client.create(pod('api', {}));
    await until(w, () => podReady(get(w, 'api')));
    const lift = w.injectPodFault({ fault: 'crash-loop', selector: { matchLabels: { app: 'api' } }, exitCode: 137, runMs: 5_000 });
    const restartsAt: number[] = [];
    let last = 0;
    let sawDown = false;
    const t0 = w.clock.now();
    await until(w, () => {
      const p = get(w, 'api');
      const n = main(p)?.restartCount ?? 0;
      if (n > last) restartsAt.push(w.clock.now() - t0);
      last = n;
      if (n >= 1 && !podReady(p)) sawDown = true;
      return n >= 4;
    });
    expect(sawDown).toBe(true);
    const gaps = restartsAt.slice(1).map((t, i) => t - restartsAt[i]);
    // Each gap: 5 s run + ready-independent back-off (10, 20, 40 s) + restart latency (0.5-1 s) + delivery.
    expect(gaps[0]).toBeGreaterThanOrEqual(15_000);
    expect(gaps[0]).toBeLessThan(17_500);
    expect(gaps[1]).toBeGreaterThanOrEqual(25_000);
    expect(gaps[1]).toBeLessThan(27_500);
    expect(gaps[2]).toBeGreaterThanOrEqual(45_000);
    expect(gaps[2]).toBeLessThan(47_500);
    expect(main(get(w, 'api')).lastState.terminated.exitCode).toBe(137);
    lift();
    await until(w, () => podReady(get(w, 'api')), 400_000);
    const restarts = main(get(w, 'api')).restartCount;
    await w.advance(w.clock.now() + 600_000);
    expect(main(get(w, 'api')).restartCount).toBe(restarts);
    expect(podReady(get(w, 'api'))).toBe(true);
    w.stop();
  });

  it('stops the containers of a pod under graceful deletion (kept by a finalizer)', async () => {
    const w = await world();
    await w.client.create(pod('held', { terminationGracePeriodSeconds: 1 }, undefined, { finalizers: ['example.com/hold'] }));
    await until(w, () => podReady(get(w, 'held')));
    await w.client.delete(CoreTypes.Pod, { namespace: 'ns', name: 'held' });
    const took = await until(w, () => 'terminated' in (main(get(w, 'held'))?.state ?? {}));
    expect(took).toBeLessThanOrEqual(1_100);
    expect(get(w, 'held').status.phase).toBe('Succeeded');
    w.stop();
  });
});

describe('kubelet readiness gates', () => {
  it('keeps Ready False until every readinessGate condition is True, and keeps that condition in its writes', async () => {
    const w = await world();
    await w.client.create(pod('gated', { readinessGates: [{ conditionType: 'example.com/lb' }] }));
    await until(w, () => main(get(w, 'gated'))?.ready === true);
    await w.advance(w.clock.now() + 5_000);
    expect(podReady(get(w, 'gated'))).toBe(false);
    const conds = get(w, 'gated').status.conditions;
    await w.client.patchStatus(CoreTypes.Pod, { namespace: 'ns', name: 'gated' }, 'merge', {
      status: { conditions: [...conds, { type: 'example.com/lb', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
    });
    await until(w, () => podReady(get(w, 'gated')), 1_000);
    expect(get(w, 'gated').status.conditions.map((c: { type: string }) => c.type)).toContain('example.com/lb');
    w.stop();
  });
});

describe('kubelet: modelled one-shot programs', () => {
  it('a Never pod running `echo hi` ends Succeeded / Completed at once and logs hi; `sh -c "sleep 3; exit 2"` ends Failed / Error after 3 s', async () => {
    const w = await world();
    await w.client.create(pod('tmp', { restartPolicy: 'Never', containers: [{ name: 'tmp', image: 'busybox', args: ['echo', 'hi'] }] }));
    await w.client.create(pod('bad', { restartPolicy: 'Never', containers: [{ name: 'bad', image: 'busybox', command: ['sh', '-c', 'echo start; sleep 3; exit 2'] }] }));
    await until(w, () => get(w, 'tmp').status?.phase === 'Succeeded');
    expect(main(get(w, 'tmp'))?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(w.containerLog(get(w, 'tmp'), 'tmp', false)).toBe('hi\n');
    await until(w, () => main(get(w, 'bad'))?.state?.running !== undefined);
    expect(w.containerLog(get(w, 'bad'), 'bad', false)).toBe('start\n');
    await until(w, () => get(w, 'bad').status?.phase === 'Failed');
    const done = main(get(w, 'bad'))?.state?.terminated;
    expect(done).toMatchObject({ exitCode: 2, reason: 'Error' });
    expect(Date.parse(done.finishedAt) - Date.parse(done.startedAt)).toBe(3_000);
    expect(w.containerLog(get(w, 'bad'), 'bad', false)).toBe('start\n');
    w.stop();
  });

  it('restartPolicy Always restarts a one-shot program under the back-off; annotations still decide when set', async () => {
    const w = await world();
    await w.client.create(pod('loop', { containers: [{ name: 'main', image: 'busybox', command: ['true'] }] }));
    await w.client.create(pod('held', { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', args: ['echo', 'hi'] }] }, { 'sim.lattice.dev/run-ms': '60000' }));
    await until(w, () => (main(get(w, 'loop'))?.restartCount ?? 0) >= 2, 120_000);
    expect(main(get(w, 'loop'))?.lastState?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(get(w, 'held').status?.phase).toBe('Running');
    w.stop();
  });
});
