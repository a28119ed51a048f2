/**
 * Pod expectations of a kube-controller-manager workload controller (upstream
 * `ControllerExpectations`, re-expressed): the informer cache lags the controller's own writes, so
 * pods it created count as existing until the cache shows them (or has moved past their creation's
 * resourceVersion), and pods it deleted count as gone until the cache drops them or marks them
 * deleting. Keyed by the owner's uid; names are pod names in the owner's namespace.
 */
import type { Informer, KubeObject } from '../../../fake-apiserver/api/index.ts';

/** What the cache does not show yet for one owner. */
export interface Pending {
  /** Pods created but not yet in the cache (as the create returned them). */
  creates: KubeObject[];
  /** Names of pods deleted that the cache still holds alive. */
  deletes: ReadonlySet<string>;
}

/** Per-owner create and delete expectations over one pod informer. */
export class PodExpectations {
  private readonly creates = new Map<string, Map<string, KubeObject>>();
  private readonly deletes = new Map<string, Set<string>>();

  constructor(private readonly pods: Informer) {}

  /** Drops the expectations the cache now satisfies and returns the rest for owner `uid` in `namespace`. */
  pending(uid: string, namespace: string): Pending {
    const cacheRv = Number(this.pods.lastResourceVersion() || '0');
    const creates = this.creates.get(uid);
    for (const [name, pod] of creates ?? []) if (this.pods.getByKey(`${namespace}/${name}`) || cacheRv >= Number(pod.metadata.resourceVersion)) creates!.delete(name);
    const deletes = this.deletes.get(uid);
    for (const name of deletes ?? []) {
      const p = this.pods.getByKey(`${namespace}/${name}`);
      if (!p || p.metadata.deletionTimestamp) deletes!.delete(name);
    }
    if (creates?.size === 0) this.creates.delete(uid);
    if (deletes?.size === 0) this.deletes.delete(uid);
    return { creates: [...(creates?.values() ?? [])], deletes: deletes ?? new Set() };
  }

  /** Records a pod the controller created for owner `uid` (the object the create returned). */
  created(uid: string, pod: KubeObject): void {
    const m = this.creates.get(uid) ?? new Map<string, KubeObject>();
    this.creates.set(uid, m.set(pod.metadata.name, pod));
  }

  /** Records a pod the controller deleted for owner `uid`. */
  deleted(uid: string, name: string): void {
    const s = this.deletes.get(uid) ?? new Set<string>();
    this.deletes.set(uid, s.add(name));
  }

  /** Forgets owner `uid` (deleted). */
  forget(uid: string): void {
    this.creates.delete(uid);
    this.deletes.delete(uid);
  }
}
