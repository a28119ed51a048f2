/** Small write helpers shared by the platform controllers. */
import type { KubeObject, KubeWriter, TypeRef } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound, isNotFound } from '../../fake-apiserver/api/index.ts';

/** Server-side applies every object (force), in order; rejects on the first failure. */
export async function applyAll(client: KubeWriter, objects: readonly KubeObject[], fieldManager: string): Promise<void> {
  for (const obj of objects) await client.apply(obj, { fieldManager, force: true });
}

/** Deletes `name` of `type` in `namespace`, ignoring NotFound. */
export async function deleteIfExists(client: KubeWriter, type: TypeRef, namespace: string, name: string): Promise<void> {
  await client.delete(type, { namespace, name }).catch(ignoreNotFound);
}

/**
 * Server-side applies every object (force), in order, like {@link applyAll}, except that an object of
 * one of `optionalKinds` whose kind the API server does not serve (404 NotFound on apply: its CRD is not
 * installed) is skipped (reference §2.8 step 9: extension kinds without a CRD are skipped with a warning).
 * Output: the skipped objects, for the caller to log. Rejects on any other failure.
 */
export async function applyServed(client: KubeWriter, objects: readonly KubeObject[], fieldManager: string, optionalKinds: ReadonlySet<string>): Promise<KubeObject[]> {
  const skipped: KubeObject[] = [];
  for (const obj of objects) {
    try {
      await client.apply(obj, { fieldManager, force: true });
    } catch (err) {
      if (!optionalKinds.has(obj.kind) || !isNotFound(err)) throw err;
      skipped.push(obj);
    }
  }
  return skipped;
}
