/**
 * Everyday kubectl v1.35 sessions against `lattice-sim serve --stubs` (issue 8): the simulated
 * cluster without the Lattice platform, its virtual clock pumped in real time, driven by the real
 * kubectl binary. Each step checks what a real cluster shows: objects left behind or gone, output
 * columns, exit codes. Steps share one server and run in order.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { useServeSession } from './serve-session.ts';

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
const RS = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };
const POD = { apiVersion: 'v1', kind: 'Pod' };

describe.skipIf(!linuxX64)('kubectl sessions against serve --stubs', () => {
  const session = useServeSession('sessions', 3);
  const { k, kr } = session;
  /** Objects of a kind in `default` whose labels include `app=<app>`. */
  const stored = (type: { apiVersion: string; kind: string }, app: string, ns = 'default'): readonly KubeObject[] =>
    session.s.api.list(type, { namespace: ns, labelSelector: `app=${app}` }).items;
  const rows = (out: string) => out.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));

  it('serves the simulated cluster without the platform: nodes, no Lattice kinds', async () => {
    expect(session.s.world).toBeDefined();
    expect(await k('get', 'nodes', '-o', 'name')).toContain('node/sim-node-0');
    const nodes = rows(await k('get', 'nodes', 'sim-node-0'));
    expect(nodes[0]).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect([nodes[1]![0], nodes[1]![1], nodes[1]![2], nodes[1]![4]]).toEqual(['sim-node-0', 'Ready', '<none>', 'v1.35.0-lattice-sim']);
    const kinds = await k('api-resources', '-o', 'name');
    expect(kinds).toContain('deployments.apps');
    expect(kinds).not.toContain('lattice.dev');
  });

  it('create deployment → rollout status → scale → get pods -o wide → wait --for=condition=Available', async () => {
    expect(await k('create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2')).toContain('deployment.apps/web created');
    expect(await k('rollout', 'status', 'deployment/web', '--timeout=40s')).toContain('deployment "web" successfully rolled out');
    expect(await k('scale', 'deployment', 'web', '--replicas=3')).toContain('deployment.apps/web scaled');
    await k('rollout', 'status', 'deployment/web', '--timeout=40s');
    const wide = rows(await k('get', 'pods', '-l', 'app=web', '-o', 'wide'));
    expect(wide[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect(wide).toHaveLength(4);
    for (const row of wide.slice(1)) {
      expect(row.slice(1, 4)).toEqual(['1/1', 'Running', '0']);
      expect(row[5]).toMatch(/^10\.244\.\d+\.\d+$/);
      expect(row[6]).toMatch(/^sim-(gpu-)?node-\d+$/);
    }
    expect(await k('wait', '--for=condition=Available', 'deployment/web', '--timeout=30s')).toContain('deployment.apps/web condition met');
    const deploy = rows(await k('get', 'deployment', 'web', '-o', 'wide'));
    expect(deploy[0]).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(deploy[1]).toEqual(['web', '3/3', '3', '3', expect.any(String), 'nginx', 'nginx:1.27', 'app=web']);
  });

  it('set image → rollout history → rollout undo brings the first template back', async () => {
    await k('set', 'image', 'deployment/web', 'nginx=nginx:1.28');
    await k('rollout', 'status', 'deployment/web', '--timeout=40s');
    expect(stored(RS, 'web')).toHaveLength(2);
    const history = rows(await k('rollout', 'history', 'deployment/web'));
    expect(history.slice(-2).map((r) => r[0])).toEqual(['1', '2']);
    expect(await k('rollout', 'undo', 'deployment/web')).toContain('deployment.apps/web rolled back');
    await k('rollout', 'status', 'deployment/web', '--timeout=40s');
    expect(await k('get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).toBe('nginx:1.27');
    // The undone revision is renumbered: 1 becomes 3 (upstream keeps one revision per template).
    expect(rows(await k('rollout', 'history', 'deployment/web')).slice(-2).map((r) => r[0])).toEqual(['2', '3']);
    const pods = stored(POD, 'web');
    expect(pods.filter((p) => !p.metadata.deletionTimestamp).every((p) => p.spec?.containers[0].image === 'nginx:1.27')).toBe(true);
  });

  it('expose: a Service whose EndpointSlice lists the pods', async () => {
    expect(await k('expose', 'deployment', 'web', '--port=80', '--target-port=8080')).toContain('service/web exposed');
    const svc = rows(await k('get', 'service', 'web', '-o', 'wide'));
    expect(svc[0]).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    expect([svc[1]![1], svc[1]![4], svc[1]![6]]).toEqual(['ClusterIP', '80/TCP', 'app=web']);
    let endpoints = '';
    for (let i = 0; i < 40 && endpoints.split(',').length < 3; i++) {
      endpoints = await k('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={.items[*].endpoints[*].addresses[0]}');
      endpoints = endpoints.trim().split(' ').filter(Boolean).join(',');
    }
    expect(endpoints.split(',')).toHaveLength(3);
  });

  it('delete --cascade=background: the Deployment, its ReplicaSets and pods all go', async () => {
    await k('create', 'deployment', 'bg', '--image=nginx', '--replicas=2');
    await k('rollout', 'status', 'deployment/bg', '--timeout=40s');
    expect(await k('delete', 'deployment', 'bg', '--cascade=background')).toContain('deployment.apps "bg" deleted');
    await k('wait', '--for=delete', 'pods', '-l', 'app=bg', '--timeout=30s');
    expect(stored(RS, 'bg')).toEqual([]);
    expect(stored(POD, 'bg')).toEqual([]);
  });

  it('delete --cascade=foreground: kubectl returns once the pods and the ReplicaSet are gone, the Deployment last', async () => {
    await k('create', 'deployment', 'fg', '--image=nginx', '--replicas=2');
    await k('rollout', 'status', 'deployment/fg', '--timeout=40s');
    const order: string[] = [];
    const watches = [RS, POD, { apiVersion: 'apps/v1', kind: 'Deployment' }].map((type) =>
      session.s.api.watch(type, { namespace: 'default', resourceVersion: String(session.s.api.revision) }, (e) => {
        if (e.type === 'DELETED' && e.object.metadata.name.startsWith('fg')) order.push(e.object.kind);
      }),
    );
    try {
      expect(await k('delete', 'deployment', 'fg', '--cascade=foreground')).toContain('deployment.apps "fg" deleted');
    } finally {
      for (const w of watches) w.stop();
    }
    // kubectl waited for the Deployment itself, which the garbage collector let go only after its dependents.
    expect(stored(RS, 'fg')).toEqual([]);
    expect(stored(POD, 'fg')).toEqual([]);
    expect(order).toEqual(['Pod', 'Pod', 'ReplicaSet', 'Deployment']);
  });

  it('delete --cascade=orphan: the ReplicaSet and pods stay, the ReplicaSet without an owner', async () => {
    await k('create', 'deployment', 'orph', '--image=nginx', '--replicas=2');
    await k('rollout', 'status', 'deployment/orph', '--timeout=40s');
    expect(await k('delete', 'deployment', 'orph', '--cascade=orphan')).toContain('deployment.apps "orph" deleted');
    const left = rows(await k('get', 'rs', '-l', 'app=orph', '-o', 'jsonpath={range .items[*]}{.metadata.name}{" "}{.metadata.ownerReferences}{"\\n"}{end}'));
    expect(left).toHaveLength(1);
    expect(left[0]![0]).toMatch(/^orph-[0-9a-f]+ ?$/); // no ownerReferences printed after the name
    expect(stored(POD, 'orph')).toHaveLength(2);
    expect(stored(POD, 'orph').every((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet')).toBe(true);
  });

  it('a custom resource of a team\'s own CRD owns a ConfigMap: deleting it collects the ConfigMap', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: apps.team.example.com}
spec:
  group: team.example.com
  scope: Namespaced
  names: {plural: apps, singular: app, kind: App}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`;
    writeFileSync(join(session.dir, 'crd.yaml'), crd);
    await k('apply', '-f', join(session.dir, 'crd.yaml'));
    await k('wait', '--for=condition=Established', 'crd/apps.team.example.com', '--timeout=20s');
    writeFileSync(join(session.dir, 'app.yaml'), 'apiVersion: team.example.com/v1\nkind: App\nmetadata: {name: shop}\nspec: {size: 1}\n');
    await k('apply', '-f', join(session.dir, 'app.yaml'));
    const uid = await k('get', 'app', 'shop', '-o', 'jsonpath={.metadata.uid}');
    const owned = `apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-settings
  ownerReferences: [{apiVersion: team.example.com/v1, kind: App, name: shop, uid: ${uid}, controller: true, blockOwnerDeletion: true}]
data: {a: "1"}
`;
    writeFileSync(join(session.dir, 'owned.yaml'), owned);
    await k('apply', '-f', join(session.dir, 'owned.yaml'));
    await k('delete', 'app', 'shop');
    await k('wait', '--for=delete', 'configmap/shop-settings', '--timeout=20s');
    expect(session.s.api.list({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace: 'default' }).items.map((c) => c.metadata.name)).not.toContain('shop-settings');
  });

  it('namespace create → delete: its objects go and then the namespace', async () => {
    await k('create', 'namespace', 'team');
    await k('-n', 'team', 'create', 'deployment', 'api', '--image=nginx', '--replicas=2');
    await k('-n', 'team', 'create', 'configmap', 'settings', '--from-literal=a=1');
    await k('-n', 'team', 'rollout', 'status', 'deployment/api', '--timeout=40s');
    expect(await k('delete', 'namespace', 'team')).toContain('namespace "team" deleted');
    const gone = await kr('get', 'namespace', 'team');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('namespaces "team" not found');
    for (const kind of ['Pod', 'ConfigMap']) expect(session.s.api.list({ apiVersion: 'v1', kind }, { namespace: 'team' }).items).toEqual([]);
  });

  it('diff: the change a server-side dry run would make, nothing written', async () => {
    const rv = session.s.api.get({ apiVersion: 'apps/v1', kind: 'Deployment' }, { namespace: 'default', name: 'web' }).metadata.resourceVersion;
    const live = await k('get', 'deployment', 'web', '-o', 'yaml');
    const file = join(session.dir, 'web.yaml');
    writeFileSync(file, live.replace(/replicas: 3\n/, 'replicas: 4\n'));
    const d = await kr('diff', '-f', file);
    expect(d.code, d.stderr).toBe(1); // 1: differences found
    expect(d.stdout).toMatch(/^- {2}replicas: 3$/m);
    expect(d.stdout).toMatch(/^\+ {2}replicas: 4$/m);
    expect(session.s.api.get({ apiVersion: 'apps/v1', kind: 'Deployment' }, { namespace: 'default', name: 'web' }).metadata.resourceVersion).toBe(rv);
    writeFileSync(file, live);
    expect((await kr('diff', '-f', file)).code).toBe(0);
  });

  it('logs: a container prints what its pod declares; a second container must be named', async () => {
    const pod = `apiVersion: v1
kind: Pod
metadata:
  name: talker
  annotations:
    sim.lattice.dev/log: |-
      starting
      listening on :8080
spec:
  containers:
  - {name: app, image: busybox}
  - {name: side, image: busybox}
`;
    writeFileSync(join(session.dir, 'talker.yaml'), pod);
    await k('apply', '-f', join(session.dir, 'talker.yaml'));
    await k('wait', '--for=condition=Ready', 'pod/talker', '--timeout=30s');
    expect(await k('logs', 'talker', '-c', 'app')).toBe('starting\nlistening on :8080\n');
    expect(await k('logs', 'talker', '-c', 'side', '--tail=1')).toBe('listening on :8080\n');
    const unnamed = await kr('logs', 'pod/talker');
    // kubectl picks the default container itself when it can (annotation kubectl.kubernetes.io/default-container); without it, the first.
    expect(unnamed.stderr).toContain('Defaulted container "app" out of: app, side');
    const wrong = await kr('logs', 'talker', '-c', 'nope');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('container nope is not valid for pod talker');
    expect(await k('logs', 'deployment/web')).toBe(''); // nginx pods declare no output
  });

  it('get events: the scheduler’s warning about a pod no node fits', async () => {
    await k('run', 'nowhere', '--image=nginx', '--overrides={"spec":{"nodeSelector":{"disk":"none"}}}');
    let ev: string[][] = [];
    for (let i = 0; i < 40 && ev.length < 2; i++) ev = rows(await k('get', 'events', '--field-selector', 'involvedObject.name=nowhere'));
    expect(ev[0]).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(ev[1]!.slice(1, 4)).toEqual(['Warning', 'FailedScheduling', 'pod/nowhere']);
    expect(rows(await k('get', 'pods', 'nowhere'))[1]!.slice(1, 3)).toEqual(['0/1', 'Pending']);
  });
  it('apply a StatefulSet with a volumeClaimTemplate → rollout status → pods and claims by ordinal → scale to 1 leaves x-0', async () => {
    const sts = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: x}
spec:
  serviceName: x
  replicas: 3
  # No updateStrategy: the API server defaults it (SetDefaults_StatefulSet: RollingUpdate, partition 0),
  # without which kubectl rollout status refuses a StatefulSet.
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers:
      - {name: db, image: postgres:17, volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;
    writeFileSync(join(session.dir, 'sts.yaml'), sts);
    expect(await k('apply', '-f', join(session.dir, 'sts.yaml'))).toContain('statefulset.apps/x created');
    expect(await k('rollout', 'status', 'statefulset/x', '--timeout=60s')).toContain('partitioned roll out complete: 3 new pods have been updated...');
    const pods = rows(await k('get', 'pods', '-l', 'app=x', '-o', 'custom-columns=NAME:.metadata.name,READY:.status.containerStatuses[0].ready,HOST:.spec.hostname,INDEX:.metadata.labels.apps\\.kubernetes\\.io/pod-index'));
    expect(pods).toEqual([['NAME', 'READY', 'HOST', 'INDEX'], ['x-0', 'true', 'x-0', '0'], ['x-1', 'true', 'x-1', '1'], ['x-2', 'true', 'x-2', '2']]);
    expect((await k('get', 'pvc', '-o', 'name')).trim().split('\n').filter((n) => n.includes('-x-'))).toEqual(['persistentvolumeclaim/data-x-0', 'persistentvolumeclaim/data-x-1', 'persistentvolumeclaim/data-x-2']);
    expect(await k('scale', 'statefulset', 'x', '--replicas=1')).toContain('statefulset.apps/x scaled');
    await k('wait', '--for=delete', 'pod/x-2', 'pod/x-1', '--timeout=30s');
    expect(await k('get', 'pods', '-l', 'app=x', '-o', 'name')).toBe('pod/x-0\n');
    expect(await k('get', 'statefulset', 'x', '-o', 'jsonpath={.status.replicas}/{.status.readyReplicas}')).toBe('1/1');
    // Claims are retained on scale-down (persistentVolumeClaimRetentionPolicy defaults to Retain).
    expect((await k('get', 'pvc', '-o', 'name')).split('\n').filter((n) => n.includes('-x-'))).toHaveLength(3);
  });

  it('StatefulSet set image → rollout status → rollout history → rollout undo brings the first template back', async () => {
    await k('scale', 'statefulset', 'x', '--replicas=2');
    await k('rollout', 'status', 'statefulset/x', '--timeout=60s');
    await k('set', 'image', 'statefulset/x', 'db=postgres:18');
    // A real cluster defaults partition 0, so kubectl reports the rollout as a partitioned one.
    expect(await k('rollout', 'status', 'statefulset/x', '--timeout=60s')).toContain('partitioned roll out complete: 2 new pods have been updated...');
    expect(await k('get', 'pods', '-l', 'app=x', '-o', 'jsonpath={.items[*].spec.containers[0].image}')).toBe('postgres:18 postgres:18');
    const history = rows(await k('rollout', 'history', 'statefulset/x'));
    expect(history.slice(-2).map((r) => r[0])).toEqual(['1', '2']);
    expect(await k('rollout', 'undo', 'statefulset/x')).toContain('statefulset.apps/x rolled back');
    await k('rollout', 'status', 'statefulset/x', '--timeout=60s');
    expect(await k('get', 'pods', '-l', 'app=x', '-o', 'jsonpath={.items[*].spec.containers[0].image}')).toBe('postgres:17 postgres:17');
    // The first template comes back as revision 3 (one ControllerRevision per template, renumbered).
    expect(rows(await k('rollout', 'history', 'statefulset/x')).slice(-2).map((r) => r[0])).toEqual(['2', '3']);
  });

  it('apply a DaemonSet → rollout status → one pod on each schedulable node (the GPU nodes are tainted)', async () => {
    const ds = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  # No updateStrategy: the API server defaults it (SetDefaults_DaemonSet: RollingUpdate, maxUnavailable 1).
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: fluent/fluent-bit:3.2}]
`;
    writeFileSync(join(session.dir, 'ds.yaml'), ds);
    expect(await k('apply', '-f', join(session.dir, 'ds.yaml'))).toContain('daemonset.apps/agent created');
    expect(await k('rollout', 'status', 'daemonset/agent', '--timeout=60s')).toContain('daemon set "agent" successfully rolled out');
    const nodes = session.s.api.list({ apiVersion: 'v1', kind: 'Node' }).items;
    const schedulable = nodes
      .filter((n) => !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t: { effect: string }) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'))
      .map((n) => n.metadata.name)
      .sort();
    expect(schedulable.length).toBeGreaterThan(0);
    expect(schedulable.length).toBeLessThan(nodes.length); // the profile's GPU node carries nvidia.com/gpu:NoSchedule
    const onNodes = (await k('get', 'pods', '-l', 'app=agent', '-o', 'jsonpath={range .items[*]}{.spec.nodeName}{"\\n"}{end}')).trim().split('\n').sort();
    expect(onNodes).toEqual(schedulable);
    expect(await k('get', 'daemonset', 'agent', '-o', 'jsonpath={.status.desiredNumberScheduled} {.status.numberReady} {.status.updatedNumberScheduled}')).toBe(`${schedulable.length} ${schedulable.length} ${schedulable.length}`);
  });
});
