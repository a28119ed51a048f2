/**
 * Garbage collector stub (kube-controller-manager; Kubernetes docs: garbage collection). Tracks the
 * live uids of every watched kind and the dependents of each owner uid. When an owner is gone,
 * dependents whose owners are all gone are deleted (background propagation). Dependents created
 * with a reference to an owner that no longer exists are collected too. `orphan` and
 * `foregroundDeletion` finalizers on a deleting owner are honoured: orphan strips the owner
 * reference from dependents; foreground deletes dependents with blockOwnerDeletion first.
 * It observes through the World's shared informers (so a closed watch or a 410 recovers: a relist
 * reports what was missed). Before deleting it confirms with a live GET, as the real collector does
 * (a stale cache must never collect a valid dependent); deletes and patches go to the client.
 */
import type { InformerCache, KubeClient, KubeObject, TypeRef } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound, isNotFound } from '../../../fake-apiserver/api/index.ts';
import type { Logger } from '../../../platform/runtime/index.ts';

interface Ref {
  type: TypeRef;
  namespace?: string;
  name: string;
}

/** Watches `kinds` and deletes orphaned dependents. */
export class GarbageCollector {
  private readonly live = new Map<string, Ref>();
  private readonly dependents = new Map<string, Map<string, Ref>>();
  private readonly removeHandlers: (() => void)[] = [];
  private pending = 0;
  /** Objects this collector deleted. */
  collected = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly log: Logger,
    /** Where the collector observes and reads (the World's informer cache). */
    private readonly cache: InformerCache,
  ) {}

  /** Adds an event handler to the shared informer of each kind (waiting for each first list). */
  async start(kinds: readonly TypeRef[]): Promise<void> {
    for (const type of kinds) {
      const informer = this.cache.informerFor(type);
      await informer.synced();
      this.removeHandlers.push(
        informer.addEventHandler({
          onAdd: (obj) => this.observe(type, 'ADDED', obj),
          onUpdate: (_old, obj) => this.observe(type, 'MODIFIED', obj),
          onDelete: (obj) => this.observe(type, 'DELETED', obj),
        }),
      );
    }
  }

  /** True while a collection is in flight. */
  busy(): boolean {
    return this.pending > 0;
  }

  stop(): void {
    for (const remove of this.removeHandlers.splice(0)) remove();
  }

  private observe(type: TypeRef, event: string, obj: KubeObject): void {
    const uid = obj.metadata.uid!;
    const ref: Ref = { type: { apiVersion: obj.apiVersion, kind: obj.kind }, namespace: obj.metadata.namespace, name: obj.metadata.name };
    if (event === 'DELETED') {
      this.live.delete(uid);
      this.forgetDependent(obj);
      const deps = this.dependents.get(uid);
      this.dependents.delete(uid);
      for (const [depUid, dep] of deps ?? []) void this.collect(depUid, dep);
      return;
    }
    const known = this.live.has(uid);
    this.live.set(uid, ref);
    for (const owner of obj.metadata.ownerReferences ?? []) {
      let m = this.dependents.get(owner.uid);
      if (!m) this.dependents.set(owner.uid, (m = new Map()));
      m.set(uid, ref);
    }
    if (!known && (obj.metadata.ownerReferences ?? []).length > 0) void this.verifyOwners(uid, obj);
    if (obj.metadata.deletionTimestamp) void this.finalize(obj, type);
  }

  private forgetDependent(obj: KubeObject): void {
    for (const owner of obj.metadata.ownerReferences ?? []) this.dependents.get(owner.uid)?.delete(obj.metadata.uid!);
  }

  /** A new dependent whose owners all vanished already is collected. */
  private async verifyOwners(uid: string, obj: KubeObject): Promise<void> {
    this.pending++;
    try {
      for (const owner of obj.metadata.ownerReferences ?? []) {
        if (this.live.has(owner.uid)) return;
        try {
          // A live GET, not the cache: deciding to delete on a stale read would collect a valid dependent (the real GC does the same).
          const o = await this.client.get({ apiVersion: owner.apiVersion, kind: owner.kind }, { namespace: obj.metadata.namespace, name: owner.name });
          if (o.metadata.uid === owner.uid) return;
        } catch (err) {
          if (!isNotFound(err)) return;
        }
      }
      await this.collect(uid, { type: { apiVersion: obj.apiVersion, kind: obj.kind }, namespace: obj.metadata.namespace, name: obj.metadata.name });
    } finally {
      this.pending--;
    }
  }

  private async collect(uid: string, ref: Ref): Promise<void> {
    this.pending++;
    try {
      const current = await this.client.get(ref.type, ref).catch(ignoreNotFound); // live GET before deleting, as above
      if (!current || current.metadata.uid !== uid) return;
      if ((current.metadata.ownerReferences ?? []).some((o) => this.live.has(o.uid))) return;
      await this.client.delete(ref.type, ref, { propagationPolicy: 'Background' }).catch(ignoreNotFound);
      this.collected++;
    } catch (err) {
      this.log.warn(`garbage-collector: deleting ${ref.type.kind} ${ref.namespace ?? ''}/${ref.name} failed: ${String(err)}`);
    } finally {
      this.pending--;
    }
  }

  /** Handles the `orphan` and `foregroundDeletion` finalizers of a deleting owner. */
  private async finalize(obj: KubeObject, type: TypeRef): Promise<void> {
    const finalizers = obj.metadata.finalizers ?? [];
    const mine: string[] = finalizers.filter((f) => f === 'orphan' || f === 'foregroundDeletion');
    if (mine.length === 0) return;
    this.pending++;
    try {
      const deps = [...(this.dependents.get(obj.metadata.uid!) ?? new Map()).values()];
      for (const dep of deps) {
        const current = await this.cache.get(dep.type, dep).catch(ignoreNotFound);
        if (!current) continue;
        if (mine.includes('orphan')) {
          const refs = (current.metadata.ownerReferences ?? []).filter((r) => r.uid !== obj.metadata.uid);
          await this.client.patch(dep.type, dep, 'merge', { metadata: { ownerReferences: refs.length ? refs : null } }).catch(ignoreNotFound);
        } else await this.client.delete(dep.type, dep).catch(ignoreNotFound);
      }
      if (mine.includes('foregroundDeletion') && deps.length > 0) return; // removed once the dependents are gone (next event)
      await this.client
        .patch(type, { namespace: obj.metadata.namespace, name: obj.metadata.name }, 'merge', {
          metadata: { finalizers: finalizers.filter((f) => !mine.includes(f)) },
        })
        .catch(ignoreNotFound);
    } finally {
      this.pending--;
    }
  }
}
