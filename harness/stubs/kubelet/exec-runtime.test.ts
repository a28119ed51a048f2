import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import type { StreamExit, StreamOptions, StreamSink } from '../../../fake-apiserver/http/index.ts';
import { ContainerRuntime } from './exec-runtime.ts';
import type { RuntimeSources } from './exec-runtime.ts';
import { readTar, writeTar } from './tar.ts';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'team', uid: 'u1' },
  spec: {
    nodeName: 'n',
    enableServiceLinks: false,
    automountServiceAccountToken: false,
    containers: [{ name: 'c', env: [{ name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }], volumeMounts: [{ name: 's', mountPath: '/secret', readOnly: true }] }],
    volumes: [{ name: 's', secret: { secretName: 'db', items: [{ key: 'pw', path: 'nested/password' }] } }],
  },
  status: { podIP: '10.244.0.7', containerStatuses: [{ name: 'c', restartCount: 0, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }] },
} as unknown as KubeObject;
const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'team' }, data: { pw: Buffer.from('hunter2').toString('base64') } } as unknown as KubeObject;
const kubernetes = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] } } as unknown as KubeObject;
const other = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'team' }, spec: { clusterIP: '10.96.3.4', ports: [{ port: 5432 }] } } as unknown as KubeObject;

const sources: RuntimeSources = {
  pod: () => pod,
  get: (kind, ns, name) => (kind === 'Secret' && name === 'db' ? secret : kind === 'Service' && ns === 'default' && name === 'kubernetes' ? kubernetes : undefined),
  services: () => [other],
  token: () => undefined,
  containerLog: () => '',
  nowMs: () => Date.parse('2026-01-01T00:00:00Z'),
  after: (_ms, fn) => {
    fn();
    return () => undefined;
  },
};
const opts = (o: Partial<StreamOptions> = {}): StreamOptions => ({ stdin: false, stdout: true, stderr: true, tty: false, ...o });

function run(rt: ContainerRuntime, command: string[], o: Partial<StreamOptions> = {}, stdin?: string[]): { out: string; err: string; exit?: StreamExit; raw: Buffer } {
  const r: { out: string; err: string; exit?: StreamExit; raw: Buffer } = { out: '', err: '', raw: Buffer.alloc(0) };
  const sink: StreamSink = {
    stdout: (d) => {
      r.out += d.toString();
      r.raw = Buffer.concat([r.raw, d]);
    },
    stderr: (d) => (r.err += d.toString()),
    exit: (e) => (r.exit = e),
  };
  const input = rt.exec(pod, 'c', command, opts(o), sink);
  for (const s of stdin ?? []) input.stdin(Buffer.from(s));
  if (stdin) input.closeStdin();
  return r;
}

describe('container runtime (exec)', () => {
  it('resolves env from the downward API; service links off leaves only the kubernetes Service', () => {
    const rt = new ContainerRuntime(sources);
    const env = run(rt, ['env']).out.trimEnd().split('\n');
    expect(env).toContain('NS=team');
    expect(env).toContain('KUBERNETES_SERVICE_HOST=10.96.0.1');
    expect(env.some((l) => l.startsWith('DB_'))).toBe(false);
    expect(env.some((l) => l.startsWith('KUBERNETES_PORT_443_TCP_ADDR='))).toBe(true);
  });

  it('secret items at their paths, read-only; no service-account files when automount is off', () => {
    const rt = new ContainerRuntime(sources);
    expect(run(rt, ['cat', '/secret/nested/password'])).toMatchObject({ out: 'hunter2', exit: { exitCode: 0 } });
    expect(run(rt, ['rm', '/secret/nested/password'])).toMatchObject({ err: "rm: can't remove '/secret/nested/password': Read-only file system\n", exit: { exitCode: 1 } });
    expect(run(rt, ['ls', '/var/run/secrets'])).toMatchObject({ err: 'ls: /var/run/secrets: No such file or directory\n', exit: { exitCode: 1 } });
  });

  it('tar round trip through the writable layer (what kubectl cp runs)', () => {
    const rt = new ContainerRuntime(sources);
    const archive = writeTar([
      { name: 'dir/', type: 'dir', mode: 0o755, data: Buffer.alloc(0), mtime: 0 },
      { name: `dir/${'long-name-'.repeat(12)}.txt`, type: 'file', mode: 0o600, data: Buffer.from('payload'), mtime: 0 },
    ]);
    expect(run(rt, ['tar', '-xmf', '-', '-C', '/tmp'], { stdin: true }, [archive.toString('latin1')]).exit).toEqual({ exitCode: 0 });
    const back = run(rt, ['tar', 'cf', '-', '/tmp/dir']);
    expect(back.err).toBe("tar: removing leading '/' from member names\n");
    expect(readTar(back.raw).map((e) => [e.name, e.type, e.data.toString(), e.mode])).toEqual([
      ['tmp/dir/', 'dir', '', 0o755],
      [`tmp/dir/${'long-name-'.repeat(12)}.txt`, 'file', 'payload', 0o600],
    ]);
    // A new instance of the container (a restart) starts without the layer.
    const restarted = { ...pod, status: { containerStatuses: [{ name: 'c', restartCount: 1, state: { running: {} } }] } } as unknown as KubeObject;
    const r: string[] = [];
    rt.exec(restarted, 'c', ['ls', '/tmp'], opts(), { stdout: (d) => r.push(d.toString()), stderr: () => undefined, exit: () => undefined });
    expect(r.join('')).toBe('');
  });

  it('an interactive TTY shell: prompt, echo, CRLF, exit status; unknown executables and stopped containers', () => {
    const rt = new ContainerRuntime(sources);
    const r = run(rt, ['sh'], { stdin: true, tty: true, stderr: false }, ['cd /tmp\r', 'pw\x7fwd\r', 'exit 5\r']);
    expect(r.out).toBe('/ # cd /tmp\r\n/tmp # pw\b \bwd\r\n/tmp\r\n/tmp # exit 5\r\n');
    expect(r.exit).toEqual({ exitCode: 5 });
    const missing = run(rt, ['/usr/bin/python3']);
    expect(missing.exit).toMatchObject({ internalError: expect.stringMatching(/OCI runtime exec failed: exec failed: unable to start container process: exec: "\/usr\/bin\/python3": executable file not found in \$PATH: unknown$/) as unknown });
    const waiting = { ...pod, status: { containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ContainerCreating' } } }] } } as unknown as KubeObject;
    expect(() => rt.exec(waiting, 'c', ['true'], opts(), { stdout: () => undefined, stderr: () => undefined, exit: () => undefined })).toThrow('container not found ("c")');
  });
});
