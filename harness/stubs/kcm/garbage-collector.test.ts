import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject, OwnerReference, TypeRef } from '../../../fake-apiserver/api/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { deploymentController } from './deployment-controller.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { replicaSetController } from './replicaset-controller.ts';
import { testCluster } from './test-cluster.ts';
import type { TestCluster } from './test-cluster.ts';

const CM: TypeRef = { apiVersion: 'v1', kind: 'ConfigMap' };
const key = (name: string) => ({ namespace: 'ns', name });
const deployment = (name: string, replicas: number): KubeObject => ({
  ...CoreTypes.Deployment,
  metadata: { name, namespace: 'ns' },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});
const ref = (o: KubeObject, block?: boolean): OwnerReference => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid!, ...(block !== undefined ? { blockOwnerDeletion: block } : {}) });
const cm = (name: string, owners: OwnerReference[] = [], finalizers?: string[]): KubeObject => ({
  ...CM,
  metadata: { name, namespace: 'ns', ownerReferences: owners, ...(finalizers ? { finalizers } : {}) },
  data: {},
});

let cluster: TestCluster | undefined;
afterEach(() => cluster?.stop());

/** A cluster running the deployment and ReplicaSet controllers and the collector (no kubelet: pods stay Pending). */
async function gcCluster(): Promise<{ t: TestCluster; gc: GarbageCollector }> {
  const t = (cluster = await testCluster());
  const gc = new GarbageCollector(t.client, { info: () => {}, warn: () => {} }, t.cache);
  await gc.start([CoreTypes.Deployment, CoreTypes.ReplicaSet, CoreTypes.Pod, CM]);
  await t.start((client, cache) => [deploymentController(client, cache), replicaSetController(client, cache)]);
  return { t, gc };
}

const names = (t: TestCluster, type: TypeRef) => t.list(type, 'ns').map((o) => o.metadata.name);
/** Deletion order of every watched kind, as `Kind/name`, recorded from watch events. */
async function deletions(t: TestCluster): Promise<string[]> {
  const seen: string[] = [];
  for (const type of [CoreTypes.Deployment, CoreTypes.ReplicaSet, CoreTypes.Pod, CM]) await t.client.watch(type, { namespace: 'ns', resourceVersion: String(t.server.revision) }, (e) => e.type === 'DELETED' && seen.push(`${e.object.kind}/${e.object.metadata.name}`));
  return seen;
}

describe('garbage collector', () => {
  it('background: the Deployment goes at once, then its ReplicaSet and pods', async () => {
    const { t } = await gcCluster();
    await t.client.create(deployment('web', 2));
    await t.advance(1_000);
    expect(names(t, CoreTypes.Pod)).toHaveLength(2);
    await t.client.delete(CoreTypes.Deployment, key('web'), { propagationPolicy: 'Background' });
    expect(names(t, CoreTypes.Deployment)).toEqual([]);
    await t.advance(1_000);
    expect(names(t, CoreTypes.ReplicaSet)).toEqual([]);
    expect(names(t, CoreTypes.Pod)).toEqual([]);
  });

  it('foreground: pods go first, then the ReplicaSet (itself deleted in foreground), then the Deployment', async () => {
    const { t } = await gcCluster();
    await t.client.create(deployment('web', 2));
    await t.advance(1_000);
    const order = await deletions(t);
    await t.client.delete(CoreTypes.Deployment, key('web'), { propagationPolicy: 'Foreground' });
    expect(t.server.get(CoreTypes.Deployment, key('web')).metadata.finalizers).toEqual(['foregroundDeletion']);
    await t.advance(1_000);
    expect(names(t, CoreTypes.Deployment)).toEqual([]);
    expect(names(t, CoreTypes.ReplicaSet)).toEqual([]);
    expect(names(t, CoreTypes.Pod)).toEqual([]);
    expect(order).toHaveLength(4);
    expect(order.slice(0, 2).every((o) => o.startsWith('Pod/'))).toBe(true);
    expect(order[2]).toMatch(/^ReplicaSet\/web-/);
    expect(order[3]).toBe('Deployment/web');
  });

  it('orphan: the Deployment goes, its ReplicaSet stays without owner references, the pods stay with theirs', async () => {
    const { t } = await gcCluster();
    await t.client.create(deployment('web', 2));
    await t.advance(1_000);
    await t.client.delete(CoreTypes.Deployment, key('web'), { propagationPolicy: 'Orphan' });
    await t.advance(1_000);
    expect(names(t, CoreTypes.Deployment)).toEqual([]);
    const [rs] = t.list(CoreTypes.ReplicaSet, 'ns');
    expect(rs?.metadata.ownerReferences).toBeUndefined();
    const pods = t.list(CoreTypes.Pod, 'ns');
    expect(pods).toHaveLength(2);
    for (const p of pods) expect(p.metadata.ownerReferences?.map((r) => r.uid)).toEqual([rs!.metadata.uid]);
    // The orphaned ReplicaSet, deleted in the background, still takes its pods.
    await t.client.delete(CoreTypes.ReplicaSet, key(rs!.metadata.name));
    await t.advance(1_000);
    expect(names(t, CoreTypes.Pod)).toEqual([]);
  });

  it('keeps a dependent with a remaining owner, dropping the reference to the one deleted', async () => {
    const { t } = await gcCluster();
    const a = await t.client.create(cm('a'));
    const b = await t.client.create(cm('b'));
    await t.client.create(cm('shared', [ref(a), ref(b)]));
    await t.advance(100);
    await t.client.delete(CM, key('a'));
    await t.advance(100);
    expect(t.server.get(CM, key('shared')).metadata.ownerReferences?.map((r) => r.name)).toEqual(['b']);
    await t.client.delete(CM, key('b'));
    await t.advance(100);
    expect(names(t, CM)).toEqual([]);
  });

  it('foreground waits only for blockOwnerDeletion dependents; the others are collected too', async () => {
    const { t } = await gcCluster();
    const owner = await t.client.create(cm('owner'));
    await t.client.create(cm('blocking', [ref(owner, true)], ['example.com/hold']));
    await t.client.create(cm('loose', [ref(owner)], ['example.com/hold']));
    await t.advance(100);
    await t.client.delete(CM, key('owner'), { propagationPolicy: 'Foreground' });
    await t.advance(100);
    // Both dependents are being deleted; their own finalizer holds them, so the owner waits for the blocking one.
    expect(t.server.get(CM, key('loose')).metadata.deletionTimestamp).toBeDefined();
    expect(t.server.get(CM, key('blocking')).metadata.deletionTimestamp).toBeDefined();
    expect(names(t, CM)).toEqual(['blocking', 'loose', 'owner']);
    await t.client.patch(CM, key('loose'), 'merge', { metadata: { finalizers: null } });
    await t.advance(100);
    expect(names(t, CM)).toEqual(['blocking', 'owner']);
    await t.client.patch(CM, key('blocking'), 'merge', { metadata: { finalizers: null } });
    await t.advance(100);
    expect(names(t, CM)).toEqual([]);
  });

  it('collects a dependent created with an owner that no longer exists', async () => {
    const { t, gc } = await gcCluster();
    const gone = await t.client.create(cm('gone'));
    await t.client.delete(CM, key('gone'));
    await t.client.create(cm('late', [ref(gone)]));
    await t.advance(100);
    expect(names(t, CM)).toEqual([]);
    expect(gc.collected).toBe(1);
    expect(gc.busy()).toBe(false);
  });
});
