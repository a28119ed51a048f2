/**
 * More everyday kubectl v1.35 commands against `lattice-sim serve --stubs` (issue 8): the generator
 * subcommands that send protobuf bodies (`create job|cronjob|pdb|role|rolebinding|quota|
 * priorityclass|ingress`, `autoscale`), access and identity reviews (`auth can-i`, `auth whoami`),
 * `create token`, and `drain`, whose evictions a PodDisruptionBudget holds back as on a cluster; Services
 * (cluster IPs, node ports, `describe svc`, `get endpoints`), node Leases in `describe node`, and
 * `rollout undo` reusing the old revision's ReplicaSet; `kubectl run` of a one-shot command.
 */
import { describe, expect, it } from 'vitest';
import { useServeSession } from './serve-session.ts';

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
const POD = { apiVersion: 'v1', kind: 'Pod' };
const RS = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };
const cells = (out: string): string[][] => out.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));

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

  it('Services get cluster IPs and node ports; describe svc lists the endpoints; get endpoints shows the legacy Endpoints', async () => {
    await k('create', 'deployment', 'shop', '--image=nginx:1.27', '--replicas=2', '--port=8080');
    await k('rollout', 'status', 'deployment/shop', '--timeout=60s');
    expect(await k('expose', 'deployment', 'shop', '--port=80', '--target-port=8080')).toBe('service/shop exposed\n');
    expect(await k('create', 'service', 'nodeport', 'edge', '--tcp=80:8080')).toBe('service/edge created\n');
    expect(cells(await k('get', 'svc', 'kubernetes', '--no-headers'))[0]!.slice(0, 5)).toEqual(['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP']);
    const [shop] = cells(await k('get', 'svc', 'shop', '--no-headers'));
    expect(shop!.slice(0, 5)).toEqual(['shop', 'ClusterIP', expect.stringMatching(/^10\.96\.\d+\.\d+$/), '<none>', '80/TCP']);
    const [edge] = cells(await k('get', 'svc', 'edge', '--no-headers'));
    expect(edge![1]).toBe('NodePort');
    expect(edge![2]).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(edge![2]).not.toBe(shop![2]);
    expect(edge![4]).toMatch(/^80:3\d{4}\/TCP$/);
    await k('wait', '--for=jsonpath={.subsets[0].addresses[1].ip}', 'endpoints/shop', '--timeout=30s');
    const endpoints = cells(await k('get', 'endpoints', 'shop'));
    expect(endpoints[0]).toEqual(['NAME', 'ENDPOINTS', 'AGE']);
    expect(endpoints[1]![1]).toMatch(/^10\.244\.\d+\.\d+:8080,10\.244\.\d+\.\d+:8080$/);
    const describe = await kr('describe', 'svc', 'shop');
    expect(describe.code, describe.stderr).toBe(0);
    expect(describe.stdout).toMatch(new RegExp(`^IP:\\s+${shop![2]!.replaceAll('.', '\\.')}$`, 'm'));
    expect(describe.stdout).toMatch(/^IP Families:\s+IPv4$/m);
    expect(describe.stdout).toMatch(/^Port:\s+<unset>\s+80\/TCP$/m);
    expect(describe.stdout).toMatch(/^Endpoints:\s+10\.244\.\d+\.\d+:8080,10\.244\.\d+\.\d+:8080$/m);
    // A cluster IP may not change once set.
    const change = await kr('patch', 'svc', 'shop', '-p', '{"spec":{"clusterIP":"None","clusterIPs":["None"]}}');
    expect(change.code).toBe(1);
    expect(change.stderr).toContain('The Service "shop" is invalid: spec.clusterIPs[0]: Invalid value: ["None"]: may not change once set');
  });

  it('describe node shows the node Lease the kubelet renews', async () => {
    const node = (await k('get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
    const out = await k('describe', 'node', node);
    expect(out).not.toContain('Failed to get lease');
    expect(out).toMatch(new RegExp(`^Lease:\\n\\s+HolderIdentity:\\s+${node}\\n\\s+AcquireTime:\\s+<unset>\\n\\s+RenewTime:\\s+\\w{3}, \\d`, 'm'));
    expect(cells(await k('get', 'lease', node, '-n', 'kube-node-lease', '--no-headers'))[0]!.slice(0, 2)).toEqual([node, node]);
  });

  it('rollout undo after set image reuses the first ReplicaSet: history shows revisions 2 and 3, two ReplicaSets remain', async () => {
    await k('create', 'deployment', 'undo', '--image=nginx:1.27', '--replicas=2');
    await k('rollout', 'status', 'deployment/undo', '--timeout=60s');
    await k('set', 'image', 'deployment/undo', 'nginx=nginx:1.28');
    await k('rollout', 'status', 'deployment/undo', '--timeout=60s');
    expect(await k('rollout', 'undo', 'deployment/undo')).toBe('deployment.apps/undo rolled back\n');
    await k('rollout', 'status', 'deployment/undo', '--timeout=60s');
    expect(cells(await k('rollout', 'history', 'deployment/undo')).slice(2).map((r) => r[0])).toEqual(['2', '3']);
    const sets = session.s.api.list(RS, { namespace: 'default', labelSelector: 'app=undo' }).items;
    expect(sets).toHaveLength(2);
    expect(sets.map((r) => [r.metadata.annotations?.['deployment.kubernetes.io/revision'], (r.spec as { replicas: number }).replicas]).sort()).toEqual([['2', 0], ['3', 2]]);
  });

  it('run --restart=Never -- echo hi: the pod ends Completed and logs print hi, with the kubelet Events', async () => {
    expect(await k('run', 'tmp', '--image=busybox', '--restart=Never', '--', 'echo', 'hi')).toBe('pod/tmp created\n');
    await k('wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/tmp', '--timeout=30s');
    expect(cells(await k('get', 'pod', 'tmp', '--no-headers'))[0]!.slice(0, 4)).toEqual(['tmp', '0/1', 'Completed', '0']);
    expect(await k('logs', 'tmp')).toBe('hi\n');
    const reasons = cells(await k('get', 'events', '--field-selector', 'involvedObject.name=tmp', '--no-headers')).map((r) => r[2]);
    for (const reason of ['Scheduled', 'Pulled', 'Created', 'Started']) expect(reasons).toContain(reason);
    expect(await k('run', 'fail', '--image=busybox', '--restart=Never', '--command', '--', 'sh', '-c', 'echo oops; exit 3')).toBe('pod/fail created\n');
    await k('wait', '--for=jsonpath={.status.phase}=Failed', 'pod/fail', '--timeout=30s');
    expect(cells(await k('get', 'pod', 'fail', '--no-headers'))[0]!.slice(0, 3)).toEqual(['fail', '0/1', 'Error']);
    expect(await k('logs', 'fail')).toBe('oops\n');
  });
});
