/**
 * A controller's own status writes, read back until its informer cache shows them: the cache lags
 * the API server, so a reconcile that runs before the watch event of its previous status write would
 * otherwise act on the older status (a rolled-back currentRevision, a forgotten active Job …).
 * Keyed by object uid; an entry is dropped once the cache holds that resourceVersion or a later one.
 */
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';

/** Status writes of one controller, per object uid. */
export class OwnStatusWrites {
  private readonly byUid = new Map<string, KubeObject>();

  /** `cached`, with the status of this controller's newer write when the cache has not caught up with it. */
  read(cached: KubeObject): KubeObject {
    const uid = cached.metadata.uid!;
    const w = this.byUid.get(uid);
    if (!w) return cached;
    if (Number(w.metadata.resourceVersion) > Number(cached.metadata.resourceVersion)) return { ...cached, status: w.status };
    this.byUid.delete(uid);
    return cached;
  }

  /** Records what a status write returned (undefined: the object was gone). */
  wrote(obj: KubeObject | undefined): void {
    if (obj) this.byUid.set(obj.metadata.uid!, obj);
  }
}
