import { describe, expect, it } from 'vitest';
import { keyString, notFound } from '../../fake-apiserver/api/index.ts';
import type { KubeClient, KubeObject, ObjectKey } from '../../fake-apiserver/api/index.ts';
import { LatticeMeshMemberType } from '../crds/types.ts';
import type { LatticeMeshMemberSpec } from '../crds/types.ts';
import { CedarLoader } from './cedar-loader.ts';
import { meshMemberController } from './mesh-member-controller.ts';

/** The reads the fan-out needs (get, list) over a map; writes store the object as given. */
function memoryClient() {
  const objects = new Map<string, KubeObject>();
  const k = (o: { namespace?: string; name: string }) => keyString(o);
  const client = {
    get: async (_t: unknown, key: ObjectKey) => {
      const o = objects.get(k(key));
      if (!o) throw notFound('latticemeshmembers', 'lattice.dev', key.name);
      return o;
    },
    list: async () => ({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '1' }, items: [...objects.values()] }),
    create: async (o: KubeObject) => (objects.set(k(o.metadata), o), o),
    update: async (o: KubeObject) => (objects.set(k(o.metadata), o), o),
    delete: async (_t: unknown, key: ObjectKey) => void objects.delete(k(key)),
  };
  return client as unknown as KubeClient;
}

function member(ns: string, name: string, spec: Partial<LatticeMeshMemberSpec> = {}): KubeObject {
  return { ...LatticeMeshMemberType, metadata: { name, namespace: ns }, spec: { target: { selector: { app: name } }, ports: [{ name: 'http', port: 8080 }], ...spec } };
}

async function setup() {
  const client = memoryClient();
  const def = meshMemberController({ client, cedar: new CedarLoader(client), trustDomain: 'lattice.test' });
  const onMemberEvent = (obj: KubeObject) => def.watches![0].map(obj) as Promise<ObjectKey[]>;
  const names = (keys: ObjectKey[]) => keys.map((k) => k.name);
  return { client, onMemberEvent, names };
}

describe('mesh-member controller fan-out', () => {
  it('re-queues only the changed member and its neighbours (callers, callees, both directions), not every member', async () => {
    const { client, onMemberEvent, names } = await setup();
    // a → b → c bilateral; x and y are unrelated members of the same namespace.
    const objs = [
      member('ns', 'a', { dependencies: [{ name: 'b' }] }),
      member('ns', 'b', { allowedCallers: [{ name: 'a' }], dependencies: [{ name: 'c' }] }),
      member('ns', 'c', { allowedCallers: [{ name: 'b' }] }),
      member('ns', 'x'),
      member('ns', 'y', { dependencies: [{ name: 'x' }] }),
    ];
    for (const o of objs) await onMemberEvent(await client.create(o));
    expect(names(await onMemberEvent(await client.get(LatticeMeshMemberType, { namespace: 'ns', name: 'b' })))).toEqual(['a', 'b', 'c']);
    // c stops allowing b: b and c are re-queued (the edge is gone), a is not touched by c.
    const c = await client.get(LatticeMeshMemberType, { namespace: 'ns', name: 'c' });
    const changed = await client.update({ ...c, spec: { ...c.spec, allowedCallers: [] } });
    expect(names(await onMemberEvent(changed))).toEqual(['b', 'c']);
    // Deleting a re-queues a and its old callee b.
    await client.delete(LatticeMeshMemberType, { namespace: 'ns', name: 'a' });
    expect(names(await onMemberEvent(objs[0]))).toEqual(['a', 'b']);
  });

  it('re-queues every member when a dependsAll member changes', async () => {
    const { client, onMemberEvent, names } = await setup();
    for (const o of [member('ns', 'a'), member('ns', 'b'), member('ns', 'gw', { dependsAll: true })]) await onMemberEvent(await client.create(o));
    expect(names(await onMemberEvent(await client.get(LatticeMeshMemberType, { namespace: 'ns', name: 'gw' })))).toEqual(['a', 'b', 'gw']);
  });
});
