import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { World } from '../../world.ts';
import { ControllerRevisionType, REVISION_LABEL } from './controller-history.ts';
import { POD_INDEX_LABEL, POD_NAME_LABEL, StatefulSetType, statefulSetController } from './statefulset-controller.ts';
import type { TestCluster } from './test-cluster.ts';
import { readyStatus, testCluster } from './test-cluster.ts';

// Pod status is driven by the test (what the kubelet would write); the controller never sees who wrote it.
const sts = (replicas: number, extra: Record<string, unknown> = {}, image = 'db:1'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'ns' },
  spec: {
    replicas,
    serviceName: 'db',
    selector: { matchLabels: { app: 'db' } },
    template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image }] } },
    ...extra,
  },
});
const claimTemplate = { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };

async function setup(): Promise<TestCluster & { names: () => string[]; ready: (name: string) => Promise<void>; set: () => KubeObject; pod: (name: string) => KubeObject }> {
  const c = await testCluster(['ns']);
  await c.start((client, cache) => [statefulSetController(client, cache)]);
  return {
    ...c,
    names: () => c.list(CoreTypes.Pod, 'ns').map((p) => p.metadata.name).sort(),
    ready: async (name) => {
      await c.client.patchStatus(CoreTypes.Pod, { namespace: 'ns', name }, 'merge', { status: readyStatus(c.clock.now()) });
      await c.advance(1_000);
    },
    set: () => c.server.get(StatefulSetType, { namespace: 'ns', name: 'db' }),
    pod: (name) => c.server.get(CoreTypes.Pod, { namespace: 'ns', name }),
  };
}

describe('StatefulSet controller (pod status driven by the test)', () => {
  it('OrderedReady: creates db-0, db-1, db-2 one at a time, each with its claim, identity labels and hostname', async () => {
    const c = await setup();
    await c.client.create(sts(3, { volumeClaimTemplates: [claimTemplate] }));
    await c.advance(1_000);
    expect(c.names()).toEqual(['db-0']);
    const p0 = c.pod('db-0');
    const rev = c.set().status.updateRevision as string;
    expect(rev).toMatch(/^db-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(p0.metadata.labels).toEqual({ app: 'db', [POD_NAME_LABEL]: 'db-0', [POD_INDEX_LABEL]: '0', [REVISION_LABEL]: rev });
    expect(p0.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'StatefulSet', name: 'db', controller: true })]);
    expect(p0.spec).toMatchObject({ hostname: 'db-0', subdomain: 'db', volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }] });
    const claim = c.server.get(CoreTypes.PersistentVolumeClaim, { namespace: 'ns', name: 'data-db-0' });
    expect(claim.metadata.labels).toEqual({ app: 'db' });
    expect(claim.metadata.ownerReferences).toBeUndefined(); // Retain / Retain
    expect(claim.spec.resources.requests.storage).toBe('1Gi');
    await c.advance(5_000);
    expect(c.names()).toEqual(['db-0']); // db-0 is not Ready: db-1 waits
    await c.ready('db-0');
    expect(c.names()).toEqual(['db-0', 'db-1']);
    await c.ready('db-1');
    await c.ready('db-2');
    expect(c.list(CoreTypes.PersistentVolumeClaim, 'ns').map((p) => p.metadata.name).sort()).toEqual(['data-db-0', 'data-db-1', 'data-db-2']);
    expect(c.set().status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: rev, updateRevision: rev, observedGeneration: 1 });
    expect(c.list(ControllerRevisionType, 'ns').map((r) => [r.metadata.name, r.revision])).toEqual([[rev, 1]]);
    c.stop();
  });

  it('OrderedReady scale-down: the highest ordinal first, one at a time; claims are retained', async () => {
    const c = await setup();
    await c.client.create(sts(3, { volumeClaimTemplates: [claimTemplate] }));
    for (const n of ['db-0', 'db-1', 'db-2']) {
      await c.advance(1_000);
      await c.ready(n);
    }
    const deletions: string[] = [];
    const w = c.server.watch(CoreTypes.Pod, { namespace: 'ns' }, (e) => void (e.type === 'DELETED' && deletions.push(e.object.metadata.name)));
    await c.client.patch(StatefulSetType, { namespace: 'ns', name: 'db' }, 'merge', { spec: { replicas: 1 } });
    await c.advance(5_000);
    w.stop();
    expect(deletions).toEqual(['db-2', 'db-1']);
    expect(c.names()).toEqual(['db-0']);
    expect(c.list(CoreTypes.PersistentVolumeClaim, 'ns')).toHaveLength(3);
    expect(c.set().status).toMatchObject({ replicas: 1, readyReplicas: 1 });
    c.stop();
  });

  it('OrderedReady scale-down waits while a lower ordinal is not Ready', async () => {
    const c = await setup();
    await c.client.create(sts(3));
    for (const n of ['db-0', 'db-1', 'db-2']) {
      await c.advance(1_000);
      await c.ready(n);
    }
    await c.client.patchStatus(CoreTypes.Pod, { namespace: 'ns', name: 'db-0' }, 'merge', { status: { conditions: [{ type: 'Ready', status: 'False' }] } });
    await c.client.patch(StatefulSetType, { namespace: 'ns', name: 'db' }, 'merge', { spec: { replicas: 2 } });
    await c.advance(5_000);
    expect(c.names()).toEqual(['db-0', 'db-1', 'db-2']);
    await c.ready('db-0');
    expect(c.names()).toEqual(['db-0', 'db-1']);
    c.stop();
  });

  it('Parallel: every pod at once, none waits', async () => {
    const c = await setup();
    await c.client.create(sts(3, { podManagementPolicy: 'Parallel' }));
    await c.advance(1_000);
    expect(c.names()).toEqual(['db-0', 'db-1', 'db-2']);
    await c.client.patch(StatefulSetType, { namespace: 'ns', name: 'db' }, 'merge', { spec: { replicas: 0 } });
    await c.advance(1_000);
    expect(c.names()).toEqual([]);
    c.stop();
  });

  it('RollingUpdate with a partition: from the highest ordinal down to the partition, then the rest once it is lowered', async () => {
    const c = await setup();
    await c.client.create(sts(3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }));
    for (const n of ['db-0', 'db-1', 'db-2']) {
      await c.advance(1_000);
      await c.ready(n);
    }
    const first = c.set().status.currentRevision;
    await c.client.patch(StatefulSetType, { namespace: 'ns', name: 'db' }, 'merge', { spec: { template: { spec: { containers: [{ name: 'db', image: 'db:2' }] } } } });
    await c.advance(1_000);
    const second = c.set().status.updateRevision;
    expect(second).not.toBe(first);
    // db-2 was replaced and waits to be Ready before db-1 goes.
    expect(c.pod('db-2').spec.containers[0].image).toBe('db:2');
    expect(c.pod('db-1').spec.containers[0].image).toBe('db:1');
    await c.ready('db-2');
    await c.ready('db-1');
    expect(c.pod('db-1').spec.containers[0].image).toBe('db:2');
    expect(c.pod('db-0').spec.containers[0].image).toBe('db:1'); // below the partition
    expect(c.set().status).toMatchObject({ currentRevision: first, updateRevision: second, currentReplicas: 1, updatedReplicas: 2 });
    await c.client.patch(StatefulSetType, { namespace: 'ns', name: 'db' }, 'merge', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
    await c.advance(1_000);
    await c.ready('db-0');
    expect(c.pod('db-0').metadata.labels?.[REVISION_LABEL]).toBe(second);
    expect(c.set().status).toMatchObject({ currentRevision: second, updateRevision: second, currentReplicas: 3, updatedReplicas: 3, readyReplicas: 3 });
    expect(c.list(ControllerRevisionType, 'ns').map((r) => [r.metadata.name, r.revision]).sort()).toEqual([[first, 1], [second, 2]].sort());
    c.stop();
  });

  it('OnDelete: nothing is replaced until a pod is deleted; the current revision stays', async () => {
    const c = await setup();
    await c.client.create(sts(2, { updateStrategy: { type: 'OnDelete' } }));
    for (const n of ['db-0', 'db-1']) {
      await c.advance(1_000);
      await c.ready(n);
    }
    await c.client.patch(StatefulSetType, { namespace: 'ns', name: 'db' }, 'merge', { spec: { template: { spec: { containers: [{ name: 'db', image: 'db:2' }] } } } });
    await c.advance(5_000);
    expect([c.pod('db-0'), c.pod('db-1')].map((p) => p.spec.containers[0].image)).toEqual(['db:1', 'db:1']);
    await c.client.delete(CoreTypes.Pod, { namespace: 'ns', name: 'db-1' });
    await c.advance(1_000);
    expect(c.pod('db-1').spec.containers[0].image).toBe('db:2');
    await c.ready('db-1');
    const st = c.set().status;
    expect(st).toMatchObject({ currentReplicas: 1, updatedReplicas: 1 });
    expect(st.currentRevision).not.toBe(st.updateRevision);
    c.stop();
  });

  it('persistentVolumeClaimRetentionPolicy whenScaled Delete: a condemned pod owns its claim; whenDeleted Delete: the set owns the others', async () => {
    const c = await setup();
    await c.client.create(sts(2, { podManagementPolicy: 'Parallel', volumeClaimTemplates: [claimTemplate], persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } }));
    await c.advance(1_000);
    const setUid = c.set().metadata.uid;
    const claimOwners = (name: string) => c.server.get(CoreTypes.PersistentVolumeClaim, { namespace: 'ns', name }).metadata.ownerReferences;
    expect(claimOwners('data-db-1')).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: setUid }]);
    const pod1 = c.pod('db-1').metadata.uid;
    await c.client.patch(StatefulSetType, { namespace: 'ns', name: 'db' }, 'merge', { spec: { replicas: 1 } });
    await c.advance(1_000);
    expect(c.names()).toEqual(['db-0']);
    // No garbage collector in this cluster: the claim stays, owned by the deleted pod only.
    expect(claimOwners('data-db-1')).toEqual([{ apiVersion: 'v1', kind: 'Pod', name: 'db-1', uid: pod1 }]);
    expect(claimOwners('data-db-0')).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: setUid }]);
    c.stop();
  });
});

describe('StatefulSet in a World (kubelet, scheduler, garbage collector)', () => {
  it('rolls out, scales down to db-0, and deleting the set collects its pods but keeps the claims', async () => {
    const world = await World.create({ seed: 5, platform: false });
    await world.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
    await world.client.create(sts(3, { volumeClaimTemplates: [claimTemplate] }));
    await world.advance(world.clock.now() + 120_000);
    const get = () => world.server.get(StatefulSetType, { namespace: 'ns', name: 'db' });
    expect(get().status).toMatchObject({ replicas: 3, readyReplicas: 3, updatedReplicas: 3 });
    const pods = () => world.server.list(CoreTypes.Pod, { namespace: 'ns' }).items.map((p) => p.metadata.name).sort();
    expect(pods()).toEqual(['db-0', 'db-1', 'db-2']);
    await world.client.patch(StatefulSetType, { namespace: 'ns', name: 'db' }, 'merge', { spec: { replicas: 1 } });
    await world.advance(world.clock.now() + 60_000);
    expect(pods()).toEqual(['db-0']);
    await world.client.delete(StatefulSetType, { namespace: 'ns', name: 'db' });
    await world.advance(world.clock.now() + 30_000);
    expect(pods()).toEqual([]);
    expect(world.server.list(ControllerRevisionType, { namespace: 'ns' }).items).toEqual([]);
    expect(world.server.list(CoreTypes.PersistentVolumeClaim, { namespace: 'ns' }).items.map((p) => p.metadata.name).sort()).toEqual(['data-db-0', 'data-db-1', 'data-db-2']);
    world.stop();
  });
});
