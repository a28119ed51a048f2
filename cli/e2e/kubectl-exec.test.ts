/**
 * kubectl v1.35's streaming commands against `lattice-sim serve --stubs` (issue 8): `exec` (over
 * WebSocket, RemoteCommand v5) into the kubelet stub's modelled containers — their environment,
 * mounted ConfigMap files, exit codes, container choice, stdin — `cp` both ways (tar over exec,
 * through a container's writable layer), `attach`, and `port-forward` (SPDY tunnelled in a WebSocket).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useServeSession } from './serve-session.ts';

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

const manifest = `apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data:
  app.conf: |
    mode=production
    level=info
  other: "x"
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Service
metadata: {name: backend-api}
spec:
  selector: {app: backend}
  ports: [{name: http, port: 8080, targetPort: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - name: app
    image: busybox
    command: [sleep, infinity]
    ports: [{name: http, containerPort: 80}]
    env:
    - {name: GREETING, value: hello}
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: creds, key: password}}
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    envFrom:
    - configMapRef: {name: app-config}
      prefix: CFG_
    volumeMounts:
    - {name: config, mountPath: /etc/app}
    - {name: config, mountPath: /etc/single.conf, subPath: app.conf}
  - name: sidecar
    image: busybox
    command: [sleep, infinity]
  volumes:
  - name: config
    configMap: {name: app-config}
`;

describe.skipIf(!linuxX64)('kubectl exec, cp and attach against serve --stubs', () => {
  const session = useServeSession('exec', 11);
  const { k, kr } = session;

  it('exec -- env: the container environment with resolved references and service links', async () => {
    writeFileSync(join(session.dir, 'm.yaml'), manifest);
    await k('apply', '-f', join(session.dir, 'm.yaml'));
    await k('wait', '--for=condition=Ready', 'pod/web', '--timeout=60s');
    const env = await k('exec', 'web', '-c', 'app', '--', 'env');
    const lines = env.trimEnd().split('\n');
    expect(lines).toContain('GREETING=hello');
    expect(lines).toContain('PASSWORD=s3cret');
    expect(lines).toContain('POD_NAME=web');
    expect(lines).toContain('CFG_other=x');
    expect(lines).toContain('HOSTNAME=web');
    expect(lines).toContain('KUBERNETES_SERVICE_HOST=10.96.0.1');
    expect(lines.find((l) => l.startsWith('BACKEND_API_SERVICE_HOST='))).toMatch(/^BACKEND_API_SERVICE_HOST=10\.96\.\d+\.\d+$/);
    expect(lines).toContain('BACKEND_API_SERVICE_PORT_HTTP=8080');
    expect((await k('exec', 'web', '-c', 'app', '--', 'printenv', 'GREETING'))).toBe('hello\n');
  });

  it('exec -- cat of mounted ConfigMap files (directory, items, subPath) and of the kubelet files', async () => {
    expect(await k('exec', 'web', '-c', 'app', '--', 'cat', '/etc/app/app.conf')).toBe('mode=production\nlevel=info\n');
    expect(await k('exec', 'web', '-c', 'app', '--', 'cat', '/etc/single.conf')).toBe('mode=production\nlevel=info\n');
    expect(await k('exec', 'web', '-c', 'app', '--', 'ls', '/etc/app')).toBe('app.conf\nother\n');
    expect(await k('exec', 'web', '-c', 'app', '--', 'cat', '/etc/resolv.conf')).toBe('search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    expect(await k('exec', 'web', '-c', 'app', '--', 'hostname')).toBe('web\n');
    expect(await k('exec', 'web', '-c', 'app', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace')).toBe('default');
    const token = await k('exec', 'web', '-c', 'app', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/token');
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))).toMatchObject({ sub: 'system:serviceaccount:default:default', 'kubernetes.io': { pod: { name: 'web' } } });
    const hosts = await k('exec', 'web', '-c', 'app', '--', 'cat', '/etc/hosts');
    expect(hosts).toMatch(/^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
    expect(hosts).toMatch(/\n\d+\.\d+\.\d+\.\d+\tweb\n$/);
    // A read-only mount.
    const ro = await kr('exec', 'web', '-c', 'app', '--', 'sh', '-c', 'echo x > /etc/app/new');
    expect(ro).toMatchObject({ code: 1, stderr: 'sh: can\'t create /etc/app/new: Read-only file system\ncommand terminated with exit code 1\n' });
  });

  it('a failing command: kubectl exec exits with its code; an unknown executable is the runtime error', async () => {
    expect(await kr('exec', 'web', '-c', 'app', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3')).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\ncommand terminated with exit code 3\n' });
    expect(await kr('exec', 'web', '-c', 'app', '--', 'cat', '/nope')).toEqual({ code: 1, stdout: '', stderr: "cat: can't open '/nope': No such file or directory\ncommand terminated with exit code 1\n" });
    expect(await kr('exec', 'web', '-c', 'app', '--', 'sh', '-c', 'curl localhost')).toMatchObject({ code: 127, stderr: 'sh: curl: not found\ncommand terminated with exit code 127\n' });
    const unknown = await kr('exec', 'web', '-c', 'app', '--', 'curl', 'localhost');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "curl": executable file not found in \$PATH: unknown\n$/);
  });

  it('-c picks the container; without it kubectl defaults to the first; a missing one and a missing pod fail as upstream', async () => {
    expect(await kr('exec', 'web', '-c', 'sidecar', '--', 'printenv', 'GREETING')).toEqual({ code: 1, stdout: '', stderr: 'command terminated with exit code 1\n' });
    const dflt = await kr('exec', 'web', '--', 'printenv', 'GREETING');
    expect(dflt).toEqual({ code: 0, stdout: 'hello\n', stderr: 'Defaulted container "app" out of: app, sidecar\n' });
    const nope = await kr('exec', 'web', '-c', 'nope', '--', 'true');
    expect(nope.code).toBe(1);
    expect(nope.stderr).toBe('Error from server (BadRequest): container nope is not valid for pod web\n');
    expect(await kr('exec', 'ghost', '--', 'true')).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): pods "ghost" not found\n' });
  });

  it('exec -i: stdin piped into cat, sh and grep', async () => {
    expect(await session.kin('line one\nline two\n', 'exec', '-i', 'web', '-c', 'app', '--', 'cat')).toEqual({ code: 0, stdout: 'line one\nline two\n', stderr: '' });
    expect(await session.kin('cd /etc/app\nls\nprintenv GREETING\nexit 4\necho never\n', 'exec', '-i', 'web', '-c', 'app', '--', 'sh')).toEqual({ code: 4, stdout: 'app.conf\nother\nhello\n', stderr: 'command terminated with exit code 4\n' });
    expect(await session.kin('a\nb\nc\n', 'exec', '-i', 'web', '-c', 'app', '--', 'grep', '-v', 'b')).toMatchObject({ code: 0, stdout: 'a\nc\n' });
  });

  it('cp into the pod and back: files land in the writable layer; a mounted file copies out', async () => {
    const local = join(session.dir, 'upload');
    mkdirSync(join(local, 'sub'), { recursive: true });
    writeFileSync(join(local, 'a.txt'), 'alpha\n');
    writeFileSync(join(local, 'sub', 'b.txt'), 'beta\n');
    await k('cp', local, 'web:/tmp/upload', '-c', 'app');
    expect(await k('exec', 'web', '-c', 'app', '--', 'cat', '/tmp/upload/a.txt', '/tmp/upload/sub/b.txt')).toBe('alpha\nbeta\n');
    expect(await k('exec', 'web', '-c', 'app', '--', 'ls', '/tmp/upload')).toBe('a.txt\nsub\n');
    await k('cp', join(local, 'a.txt'), 'web:/tmp/single.txt', '-c', 'app');
    expect(await k('exec', 'web', '-c', 'app', '--', 'cat', '/tmp/single.txt')).toBe('alpha\n');
    // Back out: a directory and a mounted ConfigMap file.
    await k('cp', 'web:/tmp/upload', join(session.dir, 'download'), '-c', 'app');
    expect(readFileSync(join(session.dir, 'download', 'sub', 'b.txt'), 'utf8')).toBe('beta\n');
    await k('cp', 'web:/etc/app/app.conf', join(session.dir, 'app.conf'), '-c', 'app');
    expect(readFileSync(join(session.dir, 'app.conf'), 'utf8')).toBe('mode=production\nlevel=info\n');
    // Another container has its own filesystem.
    expect((await kr('exec', 'web', '-c', 'sidecar', '--', 'ls', '/tmp/upload')).stderr).toBe('ls: /tmp/upload: No such file or directory\ncommand terminated with exit code 1\n');
  });

  it('attach streams what the container prints from now on and ends when it exits', async () => {
    const pod = `apiVersion: v1
kind: Pod
metadata: {name: talker}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    command: [sh, -c, 'echo start; sleep 8; echo later; sleep 2; exit 0']
`;
    writeFileSync(join(session.dir, 'talker.yaml'), pod);
    await k('apply', '-f', join(session.dir, 'talker.yaml'));
    await k('wait', '--for=condition=Ready', 'pod/talker', '--timeout=60s');
    const r = await kr('attach', 'talker');
    // kubectl's own notice on stderr; the container's output from the attach on (not `start`), then the end at its exit.
    expect(r).toEqual({ code: 0, stdout: 'later\n', stderr: "All commands and output from this session will be recorded in container logs, including credentials and sensitive information passed through the command prompt.\nIf you don't see a command prompt, try pressing enter.\n" });
  });

  it('port-forward: a declared containerPort answers HTTP; an undeclared one is refused as the kubelet reports it', async () => {
    const forward = async (remote: number, path: string) => {
      const child = spawn(session.kubectl.bin, ['port-forward', 'pod/web', `:${remote}`], { env: session.kubectl.env });
      const closed = new Promise((r) => child.on('close', r));
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const local = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(stdout);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', () => reject(new Error(`kubectl port-forward exited: ${stderr}`)));
      });
      const answer = await fetch(`http://127.0.0.1:${local}${path}`).then(
        async (r) => ({ status: r.status, body: await r.text() }),
        (e: unknown) => ({ error: String((e as { cause?: unknown }).cause ?? e) }),
      );
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGTERM');
      await closed;
      return { answer, stdout, stderr };
    };
    const ok = await forward(80, '/healthz');
    expect(ok.answer).toEqual({ status: 200, body: 'lattice-sim: default/web container app port 80 (http): GET /healthz\n' });
    expect(ok.stdout).toMatch(/^Forwarding from 127\.0\.0\.1:\d+ -> 80\n/);
    expect(ok.stdout).toContain('Handling connection for');
    const refused = await forward(81, '/');
    expect(refused.answer).toHaveProperty('error');
    expect(refused.stderr).toMatch(/an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod [0-9a-f]{64}, uid : failed to execute portforward in network namespace \\"\/var\/run\/netns\/cni-[0-9a-f-]{36}\\": failed to connect to localhost:81 inside namespace \\"[0-9a-f]{64}\\", IPv4: dial tcp4 127\.0\.0\.1:81: connect: connection refused IPv6 dial tcp6 \[::1\]:81: connect: connection refused /);
    // kubectl ends the session after a forwarding error, as against a cluster.
    expect(refused.stderr).toMatch(/\nerror: lost connection to pod\n$/);
  });
});

