/**
 * Workload and debugging sessions of kubectl v1.35 against `lattice-sim serve --stubs` (issue 8), as a
 * platform engineer runs them on a real cluster: Job logs through the Job's generated selector,
 * `logs -f` following a container until it exits, and `kubectl autoscale` without a target scaling
 * on what metrics-server reports. One server, tests in order.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useServeSession } from './serve-session.ts';

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
const cells = (out: string): string[][] => out.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!linuxX64)('kubectl workloads and debugging against serve --stubs', () => {
  const session = useServeSession('workloads', 5);
  const { k, kr } = session;

  /** Polls `probe` (kubectl output) every second until `done` holds; returns the last output. */
  const poll = async (probe: () => Promise<string>, done: (out: string) => boolean, maxMs = 90_000): Promise<string> => {
    let out = await probe();
    for (let waited = 0; !done(out) && waited < maxMs; waited += 1000) {
      await sleep(1000);
      out = await probe();
    }
    return out;
  };

  it('create job: the API server generates the selector and template labels from the uid; logs job/x reads its pod among others', async () => {
    await k('create', 'deployment', 'other', '--image=nginx:1.27', '--replicas=2');
    await k('create', 'job', 'hello', '--image=busybox', '--', 'sh', '-c', 'echo hello from the job');
    await k('wait', '--for=condition=complete', 'job/hello', '--timeout=60s');
    const uid = await k('get', 'job', 'hello', '-o', 'jsonpath={.metadata.uid}');
    expect(JSON.parse(await k('get', 'job', 'hello', '-o', 'jsonpath={.spec.selector}'))).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'hello', 'controller-uid': uid, 'job-name': 'hello' };
    expect(JSON.parse(await k('get', 'job', 'hello', '-o', 'jsonpath={.spec.template.metadata.labels}'))).toEqual(labels);
    expect(JSON.parse(await k('get', 'job', 'hello', '-o', 'jsonpath={.metadata.labels}'))).toEqual(labels);
    expect(await k('describe', 'job', 'hello')).toMatch(new RegExp(`^Selector:\\s+batch\\.kubernetes\\.io/controller-uid=${uid}$`, 'm'));
    await k('rollout', 'status', 'deployment/other', '--timeout=60s');
    expect(await kr('logs', 'job/hello')).toEqual({ code: 0, stdout: 'hello from the job\n', stderr: '' });
  });

  it('logs -f: what the container printed so far, then each line as it prints it, ending when the container exits', async () => {
    await k('run', 'ticker', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo one; sleep 4; echo two; sleep 2; echo three');
    await k('wait', '--for=condition=Ready', 'pod/ticker', '--timeout=60s');
    // Without -f: only what it printed by now.
    expect(await k('logs', 'ticker')).toBe('one\n');
    expect(await kr('logs', '-f', 'ticker')).toEqual({ code: 0, stdout: 'one\ntwo\nthree\n', stderr: '' });
    expect(cells(await k('get', 'pod', 'ticker', '--no-headers'))[0]!.slice(0, 3)).toEqual(['ticker', '0/1', 'Completed']);
    // A container that keeps running: the stream stays open until the client's timeout ends it.
    await k('run', 'server', '--image=nginx:1.27');
    await k('wait', '--for=condition=Ready', 'pod/server', '--timeout=60s');
    const timedOut = await kr('logs', '-f', 'server', '--request-timeout=2s');
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toBe('error: net/http: request canceled (Client.Timeout or context cancellation while reading body)\n');
  });

  it('autoscale without --cpu: the HPA defaults to 80 % cpu and scales on what metrics-server reports; pods without a cpu request are refused', { timeout: 180_000 }, async () => {
    const hpa = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - {name: main, image: nginx:1.27, resources: {requests: {cpu: 100m, memory: 64Mi}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  maxReplicas: 5
  behavior:
    scaleDown: {stabilizationWindowSeconds: 0}
`;
    writeFileSync(join(session.dir, 'hpa.yaml'), hpa);
    await k('apply', '-f', join(session.dir, 'hpa.yaml'));
    // SetDefaults_HorizontalPodAutoscaler: minReplicas 1, cpu at 80 %, the behavior's absent fields.
    const spec = JSON.parse(await k('get', 'hpa', 'api', '-o', 'jsonpath={.spec}'));
    expect(spec.minReplicas).toBe(1);
    expect(spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    expect(spec.behavior).toEqual({
      scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
    await k('autoscale', 'deployment', 'other', '--max=3');
    // metrics-server's default usage is 10 % of the request: the HPA scales api down to its minimum.
    const row = await poll(() => k('get', 'hpa', 'api', '--no-headers'), (out) => cells(out)[0]![5] === '1');
    expect(cells(row)[0]!.slice(0, 6)).toEqual(['api', 'Deployment/api', 'cpu: 10%/80%', '1', '5', '1']);
    const described = await k('describe', 'hpa', 'api');
    expect(described).toMatch(/^\s+ScalingActive\s+True\s+ValidMetricFound\s+the HPA was able to successfully calculate a replica count from the metrics$/m);
    expect(described).toMatch(/^\s+resource cpu on pods\s+\(as a percentage of request\):\s+10% \(10m\) \/ 80%$/m);
    expect((await k('get', 'deployment', 'api', '-o', 'jsonpath={.spec.replicas}'))).toBe('1');
    // `other` runs nginx without requests: upstream's replica calculator cannot compute a utilisation.
    const other = await poll(() => k('get', 'hpa', 'other', '-o', 'jsonpath={.status.conditions[?(@.type=="ScalingActive")].message}'), (out) => out.includes('missing request'));
    expect(other).toMatch(/^the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container nginx of Pod other-[a-z0-9]+-[a-z0-9]{5}$/);
    expect(cells(await k('get', 'hpa', 'other', '--no-headers'))[0]!.slice(0, 3)).toEqual(['other', 'Deployment/other', 'cpu: <unknown>/80%']);
  });
});
