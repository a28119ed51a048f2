/**
 * More everyday kubectl v1.35 commands against `lattice-sim serve --stubs` (issue 8): the generator
 * subcommands that send protobuf bodies (`create job|cronjob|pdb|role|rolebinding|quota|
 * priorityclass|ingress`, `autoscale`), access and identity reviews (`auth can-i`, `auth whoami`),
 * `create token`, and `drain`, whose evictions a PodDisruptionBudget holds back as on a cluster.
 */
import { describe, expect, it } from 'vitest';
import { useServeSession } from './serve-session.ts';

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
const POD = { apiVersion: 'v1', kind: 'Pod' };

describe.skipIf(!linuxX64)('everyday kubectl commands against serve --stubs', () => {
  const session = useServeSession('everyday', 5);
  const { k, kr } = session;

  it('auth can-i says yes, auth can-i --list lists everything, auth whoami names the served user', async () => {
    expect((await k('auth', 'can-i', 'create', 'pods')).trim()).toBe('yes');
    expect(await k('auth', 'can-i', '--list')).toMatch(/^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
    const who = await k('auth', 'whoami');
    expect(who).toMatch(/Username\s+system:admin/);
    expect(who).toMatch(/Groups\s+\[system:masters system:authenticated\]/);
  });

  it('create job runs to Complete; create cronjob, and a job from it', async () => {
    expect(await k('create', 'job', 'once', '--image=busybox', '--', 'echo', 'done')).toBe('job.batch/once created\n');
    await k('wait', '--for=condition=complete', 'job/once', '--timeout=60s');
    expect(await k('create', 'cronjob', 'nightly', '--image=busybox', '--schedule=0 3 * * *', '--', 'echo', 'x')).toBe('cronjob.batch/nightly created\n');
    expect(await k('create', 'job', 'manual', '--from=cronjob/nightly')).toBe('job.batch/manual created\n');
    const job = session.s.api.get({ apiVersion: 'batch/v1', kind: 'Job' }, { namespace: 'default', name: 'manual' });
    expect(job.metadata.annotations?.['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect((job.spec as { template: { spec: { containers: { command: string[] }[] } } }).template.spec.containers[0]!.command).toEqual(['echo', 'x']);
  });

  it('create role, rolebinding, clusterrole, quota, priorityclass, ingress and autoscale store what kubectl sent', async () => {
    await k('create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2');
    await k('create', 'role', 'reader', '--verb=get,list', '--resource=pods');
    await k('create', 'rolebinding', 'read', '--role=reader', '--user=alice', '--serviceaccount=default:ci');
    await k('create', 'clusterrole', 'nodes', '--verb=get', '--resource=nodes');
    await k('create', 'quota', 'q', '--hard=pods=10');
    await k('create', 'priorityclass', 'high', '--value=1000');
    await k('create', 'ingress', 'web', '--rule=a.com/=web:80');
    await k('autoscale', 'deployment', 'web', '--min=2', '--max=5', '--cpu=70%');
    expect(await k('get', 'rolebinding', 'read', '-o', 'wide')).toMatch(/^read\s+Role\/reader\s+\S+\s+alice\s+default\/ci$/m);
    expect(await k('get', 'pc', 'high', '--no-headers')).toMatch(/^high\s+1000\s+false\s+\S+\s+PreemptLowerPriority$/m);
    expect(await k('get', 'ing', 'web', '--no-headers')).toMatch(/^web\s+<none>\s+a\.com\s+80\s+\S+$/m);
    expect(await k('get', 'hpa', 'web', '-o', 'jsonpath={.spec.metrics[0].resource.target}')).toBe('{"averageUtilization":70,"type":"Utilization"}');
    const role = session.s.api.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' }, { namespace: 'default', name: 'reader' });
    expect(role.rules).toEqual([{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]);
  });

  it('create token: a JWT for the service account', async () => {
    await k('create', 'serviceaccount', 'ci');
    const token = (await k('create', 'token', 'ci', '--duration=20m')).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string; exp: number; iat: number };
    expect(claims.sub).toBe('system:serviceaccount:default:ci');
    expect(claims.exp - claims.iat).toBe(1200);
    const short = await kr('create', 'token', 'ci', '--duration=1m');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('may not specify a duration less than 10 minutes');
  });

  it('drain evicts through the PodDisruptionBudget: one pod at a time while the budget allows one disruption', async () => {
    await k('create', 'deployment', 'api', '--image=nginx:1.27', '--replicas=2');
    await k('rollout', 'status', 'deployment/api', '--timeout=60s');
    await k('create', 'pdb', 'api', '--selector=app=api', '--min-available=1');
    await k('wait', '--for=jsonpath={.status.disruptionsAllowed}=1', 'pdb/api', '--timeout=30s');
    const nodes = new Set(session.s.api.list(POD, { namespace: 'default', labelSelector: 'app=api' }).items.map((p) => (p.spec as { nodeName: string }).nodeName));
    const [node] = [...nodes];
    const r = await kr('drain', node!, '--ignore-daemonsets', '--timeout=90s');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`node/${node} drained`);
    expect(await k('get', 'node', node!, '--no-headers')).toMatch(/Ready,SchedulingDisabled/);
    // Every api pod now runs elsewhere, and the budget held: never both gone at once.
    const after = session.s.api.list(POD, { namespace: 'default', labelSelector: 'app=api' }).items.filter((p) => !p.metadata.deletionTimestamp);
    expect(after.every((p) => (p.spec as { nodeName?: string }).nodeName !== node)).toBe(true);
  });
});
