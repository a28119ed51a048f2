/** Small write helpers shared by the platform controllers. */
import type { KubeObject, KubeWriter, TypeRef } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound } from '../../fake-apiserver/api/index.ts';

/** Server-side applies every object (force), in order; rejects on the first failure. */
export async function applyAll(client: KubeWriter, objects: readonly KubeObject[], fieldManager: string): Promise<void> {
  for (const obj of objects) await client.apply(obj, { fieldManager, force: true });
}

/** Deletes `name` of `type` in `namespace`, ignoring NotFound. */
export async function deleteIfExists(client: KubeWriter, type: TypeRef, namespace: string, name: string): Promise<void> {
  await client.delete(type, { namespace, name }).catch(ignoreNotFound);
}
