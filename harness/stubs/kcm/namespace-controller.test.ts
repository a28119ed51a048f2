import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { isNotFound } from '../../../fake-apiserver/api/index.ts';
import { LatticeServiceType } from '../../../platform/index.ts';
import { World } from '../../world.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { namespaceController, namespacedKinds } from './namespace-controller.ts';
import { testCluster } from './test-cluster.ts';

const service: KubeObject = {
  ...LatticeServiceType,
  metadata: { name: 'api', namespace: 'gone' },
  spec: {
    replicas: 1,
    workload: {
      containers: { main: { image: 'python:3.12-alpine', command: ['/usr/local/bin/python3', '-m', 'http.server', '8080'], resources: { limits: { cpu: '250m', memory: '128Mi' } } } },
      service: { ports: { http: { port: 8080 } } },
    },
  },
};
const configMap = (name: string, finalizers?: string[]): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'gone', ...(finalizers ? { finalizers } : {}) }, data: { a: '1' } });
const cond = (ns: KubeObject, type: string) => ns.status?.conditions?.find((c: { type: string }) => c.type === type);

describe('namespace controller', () => {
  it('deletes a namespace holding a LatticeService, a Deployment, a pod and ConfigMaps: everything goes and the Namespace 404s within 60 simulated s', async () => {
    const world = await World.create({ seed: 3 });
    await world.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gone' } }, service]);
    await world.client.create(configMap('settings'));
    await world.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'loose', namespace: 'gone' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await world.client.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'raw', namespace: 'gone' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'raw' } }, template: { metadata: { labels: { app: 'raw' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await world.clock.run({ untilMs: world.clock.now() + 30_000 });
    const kinds = namespacedKinds(world.server.registry.all());
    expect(kinds.map((k) => k.type.kind)).toEqual(expect.arrayContaining(['LatticeService', 'Deployment', 'Pod', 'ConfigMap', 'CiliumNetworkPolicy']));
    const count = () => kinds.reduce((n, k) => n + world.server.list(k.type, { namespace: 'gone' }).items.length, 0);
    expect(world.server.list(CoreTypes.Pod, { namespace: 'gone' }).items.length).toBe(4); // the service's, the Deployment's two, the loose one
    expect(count()).toBeGreaterThan(8);
    const start = world.clock.now();
    await world.client.delete(CoreTypes.Namespace, { name: 'gone' });
    let gone = false;
    while (!gone && world.clock.now() - start < 60_000) {
      if ((await world.clock.run({ untilMs: world.clock.now() + 1_000 })).end === 'idle') break;
      gone = (() => {
        try {
          world.server.get(CoreTypes.Namespace, { name: 'gone' });
          return false;
        } catch (err) {
          return isNotFound(err);
        }
      })();
    }
    expect(gone).toBe(true);
    expect(count()).toBe(0);
    world.stop();
  });

  it('keeps a namespace Terminating with NamespaceContentRemaining / NamespaceFinalizersRemaining while an object keeps a custom finalizer, and finishes once it is removed', async () => {
    const c = await testCluster(['gone']);
    await c.start((client, cache) => [namespaceController(client, cache, () => namespacedKinds(c.server.registry.all()))]);
    await c.client.create(configMap('held', ['example.com/hold']));
    await c.client.create(configMap('free'));
    await c.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'gone' } });
    await c.client.delete(CoreTypes.Namespace, { name: 'gone' });
    await c.advance(30_000);
    const ns = c.server.get(CoreTypes.Namespace, { name: 'gone' });
    expect(ns.status.phase).toBe('Terminating');
    expect(ns.spec.finalizers).toEqual(['kubernetes']);
    expect(cond(ns, 'NamespaceContentRemaining')).toMatchObject({ status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: configmaps. has 1 resource instances' });
    expect(cond(ns, 'NamespaceFinalizersRemaining')).toMatchObject({ status: 'True', reason: 'SomeFinalizersRemain', message: 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances' });
    expect(cond(ns, 'NamespaceDeletionContentFailure')).toMatchObject({ status: 'False', reason: 'ContentDeleted' });
    expect(c.list(CoreTypes.ConfigMap, 'gone').map((o) => o.metadata.name)).toEqual(['held']);
    expect(c.list(CoreTypes.Secret, 'gone')).toEqual([]);
    await c.client.patch(CoreTypes.ConfigMap, { namespace: 'gone', name: 'held' }, 'merge', { metadata: { finalizers: null } });
    await c.advance(10_000);
    expect(() => c.server.get(CoreTypes.Namespace, { name: 'gone' })).toThrow(/not found/);
    c.stop();
  });
});
