/**
 * Workload and debugging sessions of kubectl v1.35 against `lattice-sim serve --stubs` (issue 8), as a
 * platform engineer runs them on a real cluster: Job logs through the Job's generated selector,
 * `logs -f` following a container until it exits, an image the registry lacks (ErrImagePull,
 * ImagePullBackOff), `run -i` and `debug -i` (ephemeral containers) feeding a container's shell, `set image` on a pod, a failing livenessProbe, and `kubectl autoscale` without a target scaling on what
 * metrics-server reports. One server, tests in order.
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
  const { k, kr, kin } = session;

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
    await k('run', 'ticker', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo one; sleep 12; echo two; sleep 2; echo three');
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
    // Go's client names the timeout by where it struck (reading the body; on a loaded machine, before the headers).
    expect(timedOut.stderr).toMatch(/^error: (net\/http: request canceled \(Client\.Timeout or context cancellation while reading body\)|context deadline exceeded)\n$/);
    expect(timedOut.stdout).toBe('');
  });

  it('run -i --rm -- sh: the attached stdin feeds the container\'s shell; with --restart=Never kubectl exits with its code', async () => {
    const NOTICE = "All commands and output from this session will be recorded in container logs, including credentials and sensitive information passed through the command prompt.\nIf you don't see a command prompt, try pressing enter.\n";
    expect(await kin('echo hello\nhostname\nexit 3\n', 'run', '-i', '--rm', 'shell', '--image=busybox', '--restart=Never', '--', 'sh')).toEqual({
      code: 3,
      stdout: 'hello\nshell\npod "shell" deleted from default namespace\n',
      stderr: `${NOTICE}pod default/shell terminated (Error)\n`,
    });
    expect(await kin('piped through\n', 'run', '-i', '--rm', 'cat', '--image=busybox', '--', 'cat')).toEqual({ code: 0, stdout: 'piped through\npod "cat" deleted from default namespace\n', stderr: NOTICE });
    // Without --rm and with restartPolicy Always: the container restarts after its process exits and waits for stdin again.
    expect((await kin('exit 0\n', 'run', '-i', 'again', '--image=busybox')).code).toBe(0);
    const restarted = await poll(() => k('get', 'pod', 'again', '--no-headers'), (out) => /\s1\/1\s+Running\s+1 /.test(out), 30_000);
    expect(cells(restarted)[0]!.slice(0, 3)).toEqual(['again', '1/1', 'Running']);
  });

  it('debug -i --target: an ephemeral container through pods/ephemeralcontainers runs a shell on the attached stdin, then terminates alone', async () => {
    const r = await kin('hostname\necho from the debugger\nexit 2\n', 'debug', '-i', 'pod/server', '--image=busybox', '--target=server', '--container=dbg', '--', 'sh');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Targeting container "server". If you don\'t see processes from this container it may be because the container runtime doesn\'t support this feature.\nserver\nfrom the debugger\n');
    const statuses = JSON.parse(await k('get', 'pod', 'server', '-o', 'jsonpath={.status.ephemeralContainerStatuses}'));
    expect(statuses).toMatchObject([{ name: 'dbg', image: 'busybox', state: { terminated: { exitCode: 2, reason: 'Error' } } }]);
    expect(JSON.parse(await k('get', 'pod', 'server', '-o', 'jsonpath={.spec.ephemeralContainers[0]}'))).toMatchObject({ name: 'dbg', image: 'busybox', command: ['sh'], stdin: true, targetContainerName: 'server' });
    // The pod's own container runs on.
    expect(cells(await k('get', 'pod', 'server', '--no-headers'))[0]!.slice(0, 4)).toEqual(['server', '1/1', 'Running', '0']);
    // An existing ephemeral container cannot be changed.
    const changed = await kr('patch', 'pod', 'server', '--subresource=ephemeralcontainers', '--type=json', '-p', '[{"op":"replace","path":"/spec/ephemeralContainers/0/image","value":"alpine"}]');
    expect(changed.code).toBe(1);
    expect(changed.stderr).toBe('The Pod "server" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be changed\n');
  });

  it('an image the registry lacks: ErrImagePull then ImagePullBackOff under back-off, with the kubelet Events; set image fixes it', async () => {
    await k('run', 'typo', '--image=nginx:does-not-exist-999');
    const error = 'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:does-not-exist-999": failed to resolve reference "docker.io/library/nginx:does-not-exist-999": docker.io/library/nginx:does-not-exist-999: not found';
    const waiting = () => k('get', 'pod', 'typo', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting}');
    const backOff = JSON.parse(await poll(waiting, (out) => out.includes('ImagePullBackOff'), 30_000));
    expect(backOff).toEqual({ reason: 'ImagePullBackOff', message: `Back-off pulling image "nginx:does-not-exist-999": ErrImagePull: ${error}` });
    expect(cells(await k('get', 'pod', 'typo', '--no-headers'))[0]!.slice(0, 4)).toEqual(['typo', '0/1', 'ImagePullBackOff', '0']);
    expect(await k('get', 'pod', 'typo', '-o', 'jsonpath={.status.phase}')).toBe('Pending');
    // The second pull comes after the 10 s back-off.
    await poll(waiting, (out) => out.includes('"ErrImagePull"'), 30_000);
    const events = cells(await k('get', 'events', '--field-selector', 'involvedObject.name=typo', '--no-headers')).map((r) => [r[1], r[2], r.slice(4).join('  ')]);
    expect(events).toContainEqual(['Normal', 'Pulling', 'Pulling image "nginx:does-not-exist-999"']);
    expect(events).toContainEqual(['Warning', 'Failed', `Failed to pull image "nginx:does-not-exist-999": ${error}`]);
    expect(events).toContainEqual(['Warning', 'Failed', 'Error: ErrImagePull']);
    expect(events).toContainEqual(['Normal', 'BackOff', 'Back-off pulling image "nginx:does-not-exist-999"']);
    expect(events).toContainEqual(['Warning', 'Failed', 'Error: ImagePullBackOff']);
    await k('set', 'image', 'pod/typo', 'typo=nginx:1.27');
    await k('wait', '--for=condition=Ready', 'pod/typo', '--timeout=60s');
    expect(cells(await k('get', 'pod', 'typo', '--no-headers'))[0]!.slice(0, 4)).toEqual(['typo', '1/1', 'Running', '0']);
  });

  it('set image on a running pod: the kubelet restarts the container with the new image', async () => {
    await k('set', 'image', 'pod/server', 'server=nginx:1.28');
    const status = () => k('get', 'pod', 'server', '-o', 'jsonpath={.status.containerStatuses[0].image} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].ready}');
    expect(await poll(status, (out) => out === 'nginx:1.28 1 true', 30_000)).toBe('nginx:1.28 1 true');
    expect(JSON.parse(await k('get', 'pod', 'server', '-o', 'jsonpath={.status.containerStatuses[0].lastState.terminated}'))).toMatchObject({ exitCode: 0, reason: 'Completed' });
    const events = cells(await k('get', 'events', '--field-selector', 'involvedObject.name=server', '--no-headers')).map((r) => r.slice(4).join('  '));
    expect(events).toContain('Container server definition changed, will be restarted');
  });

  it('a failing livenessProbe: Unhealthy and Killing Events, the container restarted with exit code 137, then CrashLoopBackOff', async () => {
    const pods = `apiVersion: v1
kind: Pod
metadata: {name: probed}
spec:
  containers:
  - name: web
    image: nginx:1.27
    ports: [{containerPort: 80}]
    livenessProbe:
      httpGet: {path: /healthz, port: 8080}
      initialDelaySeconds: 1
      periodSeconds: 2
      failureThreshold: 2
---
apiVersion: v1
kind: Pod
metadata: {name: healthy}
spec:
  containers:
  - name: web
    image: nginx:1.27
    ports: [{containerPort: 80}]
    livenessProbe:
      httpGet: {path: /, port: 80}
      periodSeconds: 2
`;
    writeFileSync(join(session.dir, 'probes.yaml'), pods);
    await k('apply', '-f', join(session.dir, 'probes.yaml'));
    const restarts = () => k('get', 'pod', 'probed', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}');
    await poll(restarts, (out) => Number(out) >= 2, 60_000);
    const terminated = JSON.parse(await k('get', 'pod', 'probed', '-o', 'jsonpath={.status.containerStatuses[0].lastState.terminated}'));
    expect(terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    const events = cells(await k('get', 'events', '--field-selector', 'involvedObject.name=probed', '--no-headers')).map((r) => [r[1], r[2], r.slice(4).join('  ')]);
    const ip = await k('get', 'pod', 'probed', '-o', 'jsonpath={.status.podIP}');
    expect(events).toContainEqual(['Warning', 'Unhealthy', `Liveness probe failed: Get "http://${ip}:8080/healthz": dial tcp ${ip}:8080: connect: connection refused`]);
    expect(events).toContainEqual(['Normal', 'Killing', 'Container web failed liveness probe, will be restarted']);
    expect(events.map((e) => e[1])).toContain('BackOff');
    const crashLoop = await poll(() => k('get', 'pod', 'probed', '--no-headers'), (out) => out.includes('CrashLoopBackOff'), 60_000);
    expect(cells(crashLoop)[0]!.slice(0, 3)).toEqual(['probed', '0/1', 'CrashLoopBackOff']);
    // The probe of a declared port succeeds: no restart.
    expect(cells(await k('get', 'pod', 'healthy', '--no-headers'))[0]!.slice(0, 4)).toEqual(['healthy', '1/1', 'Running', '0']);
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
    expect(described).toMatch(/^\s+Normal\s+SuccessfulRescale\s+\S+\s+horizontal-pod-autoscaler\s+New size: 1; reason: All metrics below target$/m);
    // `other` runs nginx without requests: upstream's replica calculator cannot compute a utilisation.
    const other = await poll(() => k('get', 'hpa', 'other', '-o', 'jsonpath={.status.conditions[?(@.type=="ScalingActive")].message}'), (out) => out.includes('missing request'));
    expect(other).toMatch(/^the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container nginx of Pod other-[a-z0-9]+-[a-z0-9]{5}$/);
    expect(cells(await k('get', 'hpa', 'other', '--no-headers'))[0]!.slice(0, 3)).toEqual(['other', 'Deployment/other', 'cpu: <unknown>/80%']);
    const warnings = cells(await k('get', 'events', '--field-selector', 'involvedObject.name=other,involvedObject.kind=HorizontalPodAutoscaler', '--no-headers')).map((r) => [r[1], r[2], r.slice(4).join('  ')]);
    expect(warnings).toContainEqual(['Warning', 'FailedGetResourceMetric', expect.stringMatching(/^failed to get cpu utilization: missing request for cpu in container nginx of Pod other-/)]);
  });
});
