import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/index.ts';
import { builtinColumns, formatLabels, labelSelectorString, PRINTED_KINDS } from './printers.ts';
import { columnsFor, toTable } from './table.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: 'default', creationTimestamp: ago(300), ...extra });

/** Column name → cell for one object, as the server's Table carries them. */
function row(group: string, kind: string, o: KubeObject): Record<string, unknown> {
  const cols = columnsFor(group, kind, NOW);
  return Object.fromEntries(cols.map((c) => [c.name, c.cell(o)]));
}
const pod = (status: Record<string, unknown>, spec: Record<string, unknown> = {}, extraMeta: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: meta('p', extraMeta), spec: { containers: [{ name: 'a' }, { name: 'b' }], ...spec }, status }) as KubeObject;

describe('selector and label formatting', () => {
  it('formats label selectors as upstream requirements sorted by key', () => {
    expect(labelSelectorString({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }, { key: 'c', operator: 'DoesNotExist' }, { key: 'd', operator: 'Exists' }, { key: 'e', operator: 'NotIn', values: ['x'] }] })).toBe(
      'a=1,b=2,!c,d,e notin (x),env in (dev,prod)',
    );
    expect(labelSelectorString({})).toBe('');
    expect(formatLabels({ tier: 'web', app: 'shop' })).toBe('app=shop,tier=web');
    expect(formatLabels(undefined)).toBe('<none>');
  });
});

describe('Pod columns (printPod)', () => {
  it('has the upstream columns, the last four priority 1', () => {
    expect(builtinColumns('', 'Pod', NOW)!.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Ready', 0],
      ['Status', 0],
      ['Restarts', 0],
      ['Age', 0],
      ['IP', 1],
      ['Node', 1],
      ['Nominated Node', 1],
      ['Readiness Gates', 1],
    ]);
  });

  it('derives READY, STATUS and RESTARTS from container states as kubectl shows them', () => {
    const running = (ready: boolean) => ({ ready, restartCount: 0, state: { running: {} } });
    expect(row('', 'Pod', pod({ phase: 'Pending' }))).toMatchObject({ Ready: '0/2', Status: 'Pending', Restarts: '0', Age: '5m', IP: '<none>', Node: '<none>' });
    expect(row('', 'Pod', pod({ phase: 'Running', podIPs: [{ ip: '10.0.0.1' }], containerStatuses: [running(true), running(true)] }, { nodeName: 'n1' }))).toMatchObject({ Ready: '2/2', Status: 'Running', IP: '10.0.0.1', Node: 'n1' });
    const crash = { ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(42) } } };
    expect(row('', 'Pod', pod({ phase: 'Running', containerStatuses: [running(true), crash] }))).toMatchObject({ Ready: '1/2', Status: 'CrashLoopBackOff', Restarts: '5 (42s ago)' });
    const done = { ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } };
    expect(row('', 'Pod', pod({ phase: 'Succeeded', containerStatuses: [done, done] }))).toMatchObject({ Ready: '0/2', Status: 'Completed' });
    expect(row('', 'Pod', pod({ phase: 'Running', containerStatuses: [done, running(true)], conditions: [{ type: 'Ready', status: 'False' }] }))).toMatchObject({ Status: 'NotReady' });
    expect(row('', 'Pod', pod({ phase: 'Running', containerStatuses: [{ state: { terminated: { exitCode: 137, signal: 9 } } }] }))).toMatchObject({ Status: 'Signal:9' });
    expect(row('', 'Pod', pod({ phase: 'Running' }, {}, { deletionTimestamp: ago(1) }))).toMatchObject({ Status: 'Terminating' });
    expect(row('', 'Pod', pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }))).toMatchObject({ Status: 'SchedulingGated' });
  });

  it('reports init containers (Init:n/m, Init:<reason>) and counts sidecars among the containers', () => {
    const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }, { name: 'side', restartPolicy: 'Always' }] };
    const ok = { state: { terminated: { exitCode: 0 } } };
    expect(row('', 'Pod', pod({ phase: 'Pending', initContainerStatuses: [ok, { name: 'i2', state: { running: {} } }] }, spec))).toMatchObject({ Ready: '0/3', Status: 'Init:1/3' });
    expect(row('', 'Pod', pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { waiting: { reason: 'ImagePullBackOff' } } }] }, spec))).toMatchObject({ Status: 'Init:ImagePullBackOff' });
    expect(row('', 'Pod', pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 2 } } }] }, spec))).toMatchObject({ Status: 'Init:ExitCode:2' });
  });

  it('shows readiness gates as satisfied/total', () => {
    const p = pod({ phase: 'Running', conditions: [{ type: 'x/ready', status: 'True' }, { type: 'y/ready', status: 'False' }] }, { readinessGates: [{ conditionType: 'x/ready' }, { conditionType: 'y/ready' }] });
    expect(row('', 'Pod', p)['Readiness Gates']).toBe('1/2');
  });
});

describe('other kinds', () => {
  it('Deployment: READY ready/desired, UP-TO-DATE, AVAILABLE; wide containers, images, selector', () => {
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('d'), spec: { replicas: 3, selector: { matchLabels: { app: 'd' } }, template: { spec: { containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y' }] } } }, status: { readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1 } } as KubeObject;
    expect(row('apps', 'Deployment', d)).toEqual({ Name: 'd', Ready: '1/3', 'Up-to-date': 2, Available: 1, Age: '5m', Containers: 'a,b', Images: 'x:1,y', Selector: 'app=d' });
  });

  it('Service: cluster IP, external IP by type, ports with node ports', () => {
    const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: meta('s'), spec, status }) as KubeObject;
    expect(row('', 'Service', svc({ type: 'ClusterIP', clusterIPs: ['10.96.0.1'], ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 's' } }))).toEqual({ Name: 's', Type: 'ClusterIP', 'Cluster-IP': '10.96.0.1', 'External-IP': '<none>', 'Port(s)': '80/TCP', Age: '5m', Selector: 'app=s' });
    expect(row('', 'Service', svc({ type: 'LoadBalancer', ports: [{ port: 443, nodePort: 30443, protocol: 'TCP' }] }, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }, { hostname: 'lb.example' }] } }))).toMatchObject({ 'External-IP': '1.2.3.4,lb.example', 'Port(s)': '443:30443/TCP', Selector: '<none>' });
    expect(row('', 'Service', svc({ type: 'ExternalName', externalName: 'db.example' }))).toMatchObject({ 'External-IP': 'db.example', 'Port(s)': '<none>' });
  });

  it('Node, Job, CronJob, EndpointSlice, HPA, PDB, Lease, Secret, ServiceAccount, CRD', () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', creationTimestamp: ago(7200), labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/gpu': '' } }, spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.35.0' }, addresses: [{ type: 'InternalIP', address: '172.18.0.2' }] } } as KubeObject;
    expect(row('', 'Node', node)).toMatchObject({ Status: 'Ready,SchedulingDisabled', Roles: 'control-plane,gpu', Age: '120m', Version: 'v1.35.0', 'Internal-IP': '172.18.0.2', 'External-IP': '<none>', 'OS-Image': '<unknown>' });
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: meta('j'), spec: { completions: 3, selector: { matchLabels: { 'job-name': 'j' } }, template: { spec: { containers: [{ name: 'w', image: 'busybox' }] } } }, status: { succeeded: 3, startTime: ago(100), completionTime: ago(40), conditions: [{ type: 'Complete', status: 'True' }] } } as KubeObject;
    expect(row('batch', 'Job', job)).toEqual({ Name: 'j', Status: 'Complete', Completions: '3/3', Duration: '60s', Age: '5m', Containers: 'w', Images: 'busybox', Selector: 'job-name=j' });
    const cron = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta('c'), spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [] } } } } }, status: { active: [{}], lastScheduleTime: ago(30) } } as KubeObject;
    expect(row('batch', 'CronJob', cron)).toMatchObject({ Schedule: '*/5 * * * *', Timezone: '<none>', Suspend: false, Active: 1, 'Last Schedule': '30s', Selector: '<none>' });
    const slice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta('e'), addressType: 'IPv4', ports: [{ port: 80 }, { name: 'x' }], endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.4'] }] } as unknown as KubeObject;
    expect(row('discovery.k8s.io', 'EndpointSlice', slice)).toMatchObject({ AddressType: 'IPv4', Ports: '80,x', Endpoints: '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...' });
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta('h'), spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, minReplicas: 2, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] }, status: { currentReplicas: 4, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 55 } } }] } } as KubeObject;
    expect(row('autoscaling', 'HorizontalPodAutoscaler', hpa)).toMatchObject({ Reference: 'Deployment/d', Targets: 'cpu: 55%/80%', MinPods: '2', MaxPods: 10, Replicas: 4 });
    expect(row('policy', 'PodDisruptionBudget', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('b'), spec: { minAvailable: '50%' }, status: { disruptionsAllowed: 1 } } as KubeObject)).toMatchObject({ 'Min Available': '50%', 'Max Unavailable': 'N/A', 'Allowed Disruptions': 1 });
    expect(row('coordination.k8s.io', 'Lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta('l'), spec: { holderIdentity: 'node-a' } } as KubeObject)).toMatchObject({ Holder: 'node-a' });
    expect(row('', 'Secret', { apiVersion: 'v1', kind: 'Secret', metadata: meta('s'), type: 'Opaque', data: { a: 'eA==', b: 'eQ==' } } as KubeObject)).toMatchObject({ Type: 'Opaque', Data: 2 });
    expect(row('', 'ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('sa') } as KubeObject)).toMatchObject({ Secrets: 0 });
    expect(row('apiextensions.k8s.io', 'CustomResourceDefinition', { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'w.x.io', creationTimestamp: '2026-01-01T11:00:00Z' } } as KubeObject)).toEqual({ Name: 'w.x.io', 'Created At': '2026-01-01T11:00:00Z' });
  });

  it('every printed kind fills one cell per column, and kinds without a printer get Name and Age', () => {
    expect(PRINTED_KINDS.length).toBeGreaterThanOrEqual(20);
    for (const key of PRINTED_KINDS) {
      const [group, kind] = key.split('/');
      const cols = columnsFor(group, kind, NOW);
      const t = toTable([{ apiVersion: 'v1', kind, metadata: meta('x') } as KubeObject], cols, '1') as { rows: { cells: unknown[] }[]; columnDefinitions: unknown[] };
      expect(t.rows[0].cells, key).toHaveLength(t.columnDefinitions.length);
    }
    expect(columnsFor('x.io', 'Widget', NOW).map((c) => c.name)).toEqual(['Name', 'Age']);
  });
});

describe('columns of the workload, RBAC, networking and scheduling kinds kubectl users list', () => {
  it('StatefulSet READY, DaemonSet counts and node selector, ControllerRevision controller', () => {
    const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('db'), spec: { replicas: 3, template: { spec: { containers: [{ name: 'pg', image: 'postgres:16' }] } } }, status: { readyReplicas: 2 } } as KubeObject;
    expect(row('apps', 'StatefulSet', sts)).toEqual({ Name: 'db', Ready: '2/3', Age: '5m', Containers: 'pg', Images: 'postgres:16' });
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta('agent'), spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [] } } }, status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 } } as KubeObject;
    expect(row('apps', 'DaemonSet', ds)).toMatchObject({ Desired: 3, Current: 3, Ready: 2, 'Up-to-date': 3, Available: 2, 'Node Selector': 'kubernetes.io/os=linux', Selector: 'app=agent' });
    const rev = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: meta('db-6d4f', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u', controller: true }] }), revision: 2 } as KubeObject;
    expect(row('apps', 'ControllerRevision', rev)).toMatchObject({ Controller: 'statefulset.apps/db', Revision: 2 });
  });

  it('RoleBinding ROLE and its subjects by kind in -o wide; Role CREATED AT', () => {
    const rb = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta('read'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'ServiceAccount', name: 'ci', namespace: 'build' },
      ],
    } as unknown as KubeObject;
    expect(row('rbac.authorization.k8s.io', 'RoleBinding', rb)).toEqual({ Name: 'read', Role: 'Role/reader', Age: '5m', Users: 'alice', Groups: '', ServiceAccounts: 'build/ci' });
    expect(builtinColumns('rbac.authorization.k8s.io', 'Role', NOW)!.map((c) => c.name)).toEqual(['Name', 'Created At']);
  });

  it('Ingress CLASS HOSTS PORTS, PriorityClass VALUE GLOBAL-DEFAULT … PREEMPTIONPOLICY, ResourceQuota REQUEST from its status', () => {
    const ing = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta('web'), spec: { rules: [{ host: 'a.com' }, {}], tls: [{ hosts: ['a.com'] }] } } as KubeObject;
    expect(row('networking.k8s.io', 'Ingress', ing)).toMatchObject({ Class: '<none>', Hosts: 'a.com,*', Address: '', Ports: '80, 443' });
    const pc = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: meta('high'), value: 1000 } as unknown as KubeObject;
    expect(row('scheduling.k8s.io', 'PriorityClass', pc)).toEqual({ Name: 'high', Value: 1000, 'Global-Default': false, Age: '5m', PreemptionPolicy: 'PreemptLowerPriority' });
    const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta('q'), spec: { hard: { pods: '10' } }, status: { hard: { pods: '10', 'limits.cpu': '4' }, used: { pods: '3', 'limits.cpu': '1' } } } as KubeObject;
    expect(row('', 'ResourceQuota', quota)).toMatchObject({ Request: 'pods: 3/10', Limit: 'limits.cpu: 1/4' });
  });
});
