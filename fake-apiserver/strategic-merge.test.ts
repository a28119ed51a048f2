import { describe, expect, it } from 'vitest';
import { StatusError } from './api/index.ts';
import { ApiServer } from './apiserver.ts';
import { deepFreeze } from './internal/json.ts';
import type { JsonObject } from './internal/json.ts';
import { strategicMergePatch } from './strategic-merge.ts';
import { manualClock } from './testing/manual-clock.ts';

const deployment = (containers: unknown[], extra: JsonObject = {}): JsonObject =>
  deepFreeze({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', finalizers: ['a', 'b'] },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers, ...extra } } },
  });
const smp = (original: JsonObject, patch: unknown, kind = 'Deployment', group = 'apps') => strategicMergePatch(original, patch, group, kind);
const containersOf = (o: JsonObject) => (o.spec as { template: { spec: { containers: JsonObject[] } } }).template.spec.containers;
const statusOf = (f: () => unknown): { code: number; message: string } => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StatusError);
    return (e as StatusError).status;
  }
  throw new Error('expected a StatusError');
};

describe('strategicMergePatch (apimachinery strategicpatch, server options)', () => {
  const live = deployment([
    { name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80 }] },
    { name: 'sidecar', image: 'side:1' },
  ]);

  it('merges containers by name, env by name and ports by containerPort, keeping entries the patch does not mention', () => {
    const out = smp(live, { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2', env: [{ name: 'B', value: '2' }], ports: [{ containerPort: 80, name: 'http' }] }] } } } });
    expect(containersOf(out)).toEqual([
      { name: 'app', image: 'app:2', env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }], ports: [{ containerPort: 80, name: 'http' }] },
      { name: 'sidecar', image: 'side:1' },
    ]);
    expect(containersOf(live)[0].image).toBe('app:1');
  });

  it('adds new entries (before the live ones, as upstream orders entries without $setElementOrder) and deletes by merge key with $patch: delete', () => {
    const out = smp(live, { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }, { name: 'extra', image: 'x' }] } } } });
    expect(containersOf(out).map((c) => c.name)).toEqual(['extra', 'app']);
  });

  it('replaces a list with a $patch: replace element, and a map with $patch: replace', () => {
    const out = smp(live, { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'o' }] } } } });
    expect(containersOf(out)).toEqual([{ name: 'only', image: 'o' }]);
    const sel = smp(live, { spec: { selector: { $patch: 'replace', matchLabels: { tier: 'x' } } } });
    expect((sel.spec as JsonObject).selector).toEqual({ matchLabels: { tier: 'x' } });
    const gone = smp(live, { spec: { selector: { $patch: 'delete' } } });
    expect((gone.spec as JsonObject).selector).toEqual({});
  });

  it('orders the result by $setElementOrder, keeping server-only entries in place (kubectl apply)', () => {
    const out = smp(live, {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }], containers: [{ name: 'app', image: 'app:3' }] } } },
    });
    expect(containersOf(out).map((c) => [c.name, c.image])).toEqual([
      ['sidecar', 'side:1'],
      ['app', 'app:3'],
    ]);
  });

  it('orders a rename (delete + add under $setElementOrder) as upstream: the new entry lands where the deletion freed room', () => {
    const env = (names: string[]) => names.map((name) => ({ name, value: name.toLowerCase() }));
    const live2 = deployment([{ name: 'app', env: env(['X', 'Y', 'Z']) }]);
    const out = smp(live2, {
      spec: { template: { spec: { containers: [{ name: 'app', '$setElementOrder/env': [{ name: 'Y' }, { name: 'W' }], env: [{ name: 'W', value: 'w' }, { name: 'X', $patch: 'delete' }] }] } } },
    });
    expect(containersOf(out)[0].env).toEqual(env(['Y', 'Z', 'W']));
  });

  it('unions finalizers, deletes with $deleteFromPrimitiveList, and null deletes keys', () => {
    const out = smp(live, { metadata: { finalizers: ['c', 'a'], '$deleteFromPrimitiveList/finalizers': ['b'], labels: null } });
    expect((out.metadata as JsonObject).finalizers).toEqual(['c', 'a']);
    const added = smp(live, { metadata: { finalizers: ['c'] } });
    expect((added.metadata as JsonObject).finalizers).toEqual(['c', 'a', 'b']);
  });

  it('applies $retainKeys: live keys not listed are dropped (Deployment strategy type switch)', () => {
    const rolling = deepFreeze({ ...live, spec: { ...(live.spec as JsonObject), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } });
    const out = smp(rolling, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
    expect((out.spec as JsonObject).strategy).toEqual({ type: 'Recreate' });
    expect(statusOf(() => smp(rolling, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }))).toMatchObject({ code: 400, message: 'invalid patch format of retainKeys' });
  });

  it('replaces lists without a merge strategy (tolerations, ConfigMap-free fields) and lists of custom fields', () => {
    const t = deployment([{ name: 'app' }], { tolerations: [{ key: 'a' }] });
    const out = smp(t, { spec: { template: { spec: { tolerations: [{ key: 'b' }] } } } });
    expect((out.spec as { template: { spec: JsonObject } }).template.spec.tolerations).toEqual([{ key: 'b' }]);
  });

  it('merges Service ports by port and ownerReferences by uid', () => {
    const svc = deepFreeze({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', ownerReferences: [{ uid: 'u1', name: 'a' }] }, spec: { ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }] } });
    const out = smp(svc, { metadata: { ownerReferences: [{ uid: 'u2', name: 'b' }] }, spec: { ports: [{ port: 443, targetPort: 8443 }] } }, 'Service', '');
    expect((out.spec as JsonObject).ports).toEqual([{ port: 80, name: 'http' }, { port: 443, name: 'https', targetPort: 8443 }]);
    expect((out.metadata as { ownerReferences: JsonObject[] }).ownerReferences.map((o) => o.uid)).toEqual(['u2', 'u1']);
  });

  it('fails as upstream: missing merge key (500), unknown directive (500), malformed directive keys (400), lists of lists (422)', () => {
    expect(statusOf(() => smp(live, { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }))).toMatchObject({ code: 500, message: 'map: map[image:x] does not contain declared merge key: name' });
    expect(statusOf(() => smp(live, { spec: { $patch: 'merge' } }))).toMatchObject({ code: 500, message: 'unknown patch type: merge in map: map[$patch:merge]' });
    expect(statusOf(() => smp(live, { $setElementOrder: [] })).code).toBe(400);
    expect(statusOf(() => smp(live, { $deleteFromPrimitiveList: [] })).code).toBe(400);
    expect(statusOf(() => smp(live, { metadata: { finalizers: [['x']] } }))).toMatchObject({ code: 500, message: 'list element types are not identical: [[a b] [[x]]]' });
    const noFinalizers = deepFreeze({ ...live, metadata: { name: 'web', finalizers: [] } });
    expect(statusOf(() => smp(noFinalizers, { metadata: { finalizers: [['x']] } }))).toMatchObject({ code: 422, message: 'lists of lists are not supported' });
  });
});

describe('ApiServer.patch with the strategic type', () => {
  it('merges Pod status conditions by type through patchStatus (as a kubelet status patch does)', () => {
    const api = new ApiServer({ clock: manualClock() });
    const pod = { apiVersion: 'v1', kind: 'Pod' };
    const key = { namespace: 'default', name: 'q' };
    api.create({ ...pod, metadata: key, spec: { containers: [{ name: 'a', image: 'a:1' }] } });
    api.patchStatus(pod, key, 'merge', { status: { conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False' }] } });
    const out = api.patchStatus(pod, key, 'strategic', { status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    expect(out.status.conditions).toEqual([
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'True' },
    ]);
  });

  it('merges a built-in by merge key and refuses custom resources with 415', () => {
    const api = new ApiServer({ clock: manualClock() });
    api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } });
    const out = api.patch({ apiVersion: 'v1', kind: 'Pod' }, { namespace: 'default', name: 'p' }, 'strategic', { spec: { containers: [{ name: 'b', image: 'b:2' }] } });
    // The server defaults containers (imagePullPolicy, terminationMessagePath …): compare what the patch is about.
    expect((out.spec.containers as { name: string; image: string }[]).map(({ name, image }) => ({ name, image }))).toEqual([
      { name: 'a', image: 'a:1' },
      { name: 'b', image: 'b:2' },
    ]);
    api.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
    api.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { a: 1 } });
    expect(statusOf(() => api.patch({ apiVersion: 'example.com/v1', kind: 'Widget' }, { namespace: 'default', name: 'w' }, 'strategic', { spec: { a: 2 } })).code).toBe(415);
  });
});
