import { describe, expect, test } from 'vitest';
import type { KubeClient, KubeObject, TypeRef } from '../../fake-apiserver/api/index.ts';
import { LatticeMeshMemberType } from '../../platform/index.ts';
import { GarbageCollector } from '../stubs/kcm/garbage-collector.ts';
import { CoreTypes, StubTypes } from '../stubs/third-party-crds.ts';
import { gcIgnoresCustomOwners, ownedOnlyByCustomResources } from './gc-ignores-custom-owners.ts';
import { bugTestCluster, eventually, member, stubInformers, storedIn } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

const SliceType: TypeRef = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' };
const ownedBy = (owner: KubeObject) => [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid!, controller: true }];

/**
 * The real garbage collector, deleting through `stubsClient(cluster)`, sees a mesh member owning an
 * AuthorizationPolicy and a Service owning an EndpointSlice; both owners are deleted. Returns the
 * names of the dependents left once the collector is idle.
 */
async function deleteOwners(stubsClient: (c: BugTestCluster) => KubeClient): Promise<string[]> {
  const c = await bugTestCluster();
  const cache = stubInformers(c);
  const gc = new GarbageCollector(stubsClient(c), { info: () => {}, warn: () => {} }, cache);
  await gc.start([LatticeMeshMemberType, StubTypes.AuthorizationPolicy, CoreTypes.Service, SliceType]);
  const lmm = await c.client.create(member('ns', 'api'));
  const svc = await c.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'ns' }, spec: { ports: [{ port: 80 }] } });
  await c.client.create({ ...StubTypes.AuthorizationPolicy, metadata: { name: 'allow-to-api', namespace: 'ns', ownerReferences: ownedBy(lmm) }, spec: {} });
  await c.client.create({ ...SliceType, metadata: { name: 'api-x', namespace: 'ns', ownerReferences: ownedBy(svc) }, addressType: 'IPv4', endpoints: [] });
  await eventually(async () => (await cache.list(SliceType, { namespace: 'ns' })).items.length === 1 && (await cache.list(StubTypes.AuthorizationPolicy, { namespace: 'ns' })).items.length === 1);
  await c.client.delete(LatticeMeshMemberType, { namespace: 'ns', name: 'api' });
  await c.client.delete(CoreTypes.Service, { namespace: 'ns', name: 'api' });
  await eventually(async () => (await storedIn(c.client, SliceType, 'ns')).length === 0 && !gc.busy());
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve)); // let a late collection of the policy run, if any
  gc.stop();
  cache.stop();
  return (await storedIn(c.client, StubTypes.AuthorizationPolicy, 'ns')).map((o) => o.metadata.name);
}

describe('gc-ignores-custom-owners', () => {
  test('without the bug the collector deletes the dependents of both owners', async () => {
    expect(await deleteOwners((c) => c.client)).toEqual([]);
  });

  test('with the bug the policy of the deleted mesh member stays; the built-in owner\'s slice is still collected', async () => {
    expect(await deleteOwners((c) => gcIgnoresCustomOwners.apply(c.seams, { clock: c.clock }).stubsClient)).toEqual(['allow-to-api']);
  });

  test('ownedOnlyByCustomResources: unowned objects and objects with a built-in owner are collectable', () => {
    const obj = (owners: { apiVersion: string; kind: string }[]): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', ownerReferences: owners.map((o) => ({ ...o, name: 'o', uid: 'u' })) } });
    expect(ownedOnlyByCustomResources(obj([LatticeMeshMemberType]))).toBe(true);
    expect(ownedOnlyByCustomResources(obj([]))).toBe(false);
    expect(ownedOnlyByCustomResources(obj([{ apiVersion: 'apps/v1', kind: 'Deployment' }]))).toBe(false);
    expect(ownedOnlyByCustomResources(obj([LatticeMeshMemberType, { apiVersion: 'apps/v1', kind: 'Deployment' }]))).toBe(false);
  });
});
