/**
 * A client whose reads come from the informer cache and whose writes and watches go to the API
 * (controller-runtime's default manager client: `client.New` with a cache reader). Hand it to code
 * that takes one `KubeClient` and should read from the cache with no other change.
 */
import type { InformerCache, KubeClient } from '../../fake-apiserver/api/index.ts';

/** `client` with `get` and `list` answered by `cache`. */
export function cacheBackedClient(client: KubeClient, cache: InformerCache): KubeClient {
  return {
    get: (type, key) => cache.get(type, key),
    list: (type, opts) => cache.list(type, opts),
    create: (obj, opts) => client.create(obj, opts),
    update: (obj, opts) => client.update(obj, opts),
    patch: (type, key, patchType, body, opts) => client.patch(type, key, patchType, body, opts),
    apply: (obj, opts) => client.apply(obj, opts),
    delete: (type, key, opts) => client.delete(type, key, opts),
    updateStatus: (obj, opts) => client.updateStatus(obj, opts),
    patchStatus: (type, key, patchType, body, opts) => client.patchStatus(type, key, patchType, body, opts),
    watch: (type, opts, onEvent, onClose) => client.watch(type, opts, onEvent, onClose),
  };
}
