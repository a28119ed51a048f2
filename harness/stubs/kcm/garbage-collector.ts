/**
 * Garbage collector stub (kube-controller-manager; Kubernetes docs: garbage collection, cascading
 * deletion; upstream pkg/controller/garbagecollector). A graph of owners and dependents built from
 * the World's shared informers (so a closed watch or a 410 recovers: a relist reports what was
 * missed), and one work item per object uid, run again when it changes while in flight.
 *
 * What an item's work does, from a live GET (a stale cache must never collect a valid dependent):
 * - **An object being deleted with the `orphan` finalizer:** every dependent in the graph loses its
 *   owner reference to it (patch with a resourceVersion precondition, retried on 409), then the
 *   finalizer is removed.
 * - **An object being deleted with `foregroundDeletion`:** every dependent not itself being deleted
 *   is worked on (below, which deletes it); once no dependent with `blockOwnerDeletion: true`
 *   remains, the finalizer is removed and the API server removes the object.
 * - **Any other object with owner references** (classified as upstream's `classifyReferences`):
 *   an owner is *dangling* when absent or of another uid, *waiting* when it is being deleted with
 *   `foregroundDeletion`, *solid* otherwise (an owner being deleted in the background or with
 *   `orphan` is still solid). With a solid owner, dangling and waiting references are removed from
 *   the object. With none: deleted — Foreground when a waiting owner exists and the object has
 *   dependents of its own, otherwise with the propagation its own GC finalizer names, Background by
 *   default; preconditions uid and resourceVersion, retried on 409.
 * - Objects being deleted without `foregroundDeletion` are left alone.
 *
 * Triggers: an object added or changing owners with an owner the graph does not know live; an owner
 * deleted (its dependents); a dependent deleted or losing an owner reference (its owners waiting in
 * foreground); an object entering deletion with a GC finalizer.
 */
import type { InformerCache, KubeClient, KubeObject, OwnerReference, TypeRef } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound, isConflict, isNotFound } from '../../../fake-apiserver/api/index.ts';
import type { Logger } from '../../../platform/runtime/index.ts';

interface Node {
  type: TypeRef;
  namespace?: string;
  name: string;
  owners: readonly OwnerReference[];
  /** deletionTimestamp set and the `foregroundDeletion` finalizer present. */
  waiting: boolean;
}

const ORPHAN = 'orphan';
const FOREGROUND = 'foregroundDeletion';
/** Attempts of one write that keeps meeting 409 Conflict (the item is re-run on the next event anyway). */
const CONFLICT_RETRIES = 5;

const deleting = (o: KubeObject, finalizer: string) => o.metadata.deletionTimestamp !== undefined && (o.metadata.finalizers ?? []).includes(finalizer);

/** Watches kinds and collects dependents as kube-controller-manager's garbage collector does. */
export class GarbageCollector {
  private readonly nodes = new Map<string, Node>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly removeHandlers: (() => void)[] = [];
  /** `group/kind` of every kind observed. */
  private readonly tracked = new Set<string>();
  /** uid → true while its work runs; a second request marks it dirty (run again after). */
  private readonly running = new Map<string, { dirty: boolean; node: Node }>();
  private pending = 0;
  /** Objects this collector deleted. */
  collected = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly log: Logger,
    /** Where the collector observes (the World's informer cache). */
    private readonly cache: InformerCache,
  ) {}

  /** Adds an event handler to the shared informer of each kind (waiting for each first list). */
  async start(kinds: readonly TypeRef[]): Promise<void> {
    for (const type of kinds) await this.track(type);
  }

  /**
   * Observes one more kind (idempotent): what upstream's collector does when discovery shows a new
   * resource (a CRD), so custom resources become owners and dependents too.
   */
  async track(type: TypeRef): Promise<void> {
    const group = type.apiVersion.includes('/') ? type.apiVersion.split('/')[0] : '';
    const id = `${group}/${type.kind}`; // one informer per kind, whichever version names it
    if (this.tracked.has(id)) return;
    this.tracked.add(id);
    const informer = this.cache.informerFor(type);
    await informer.synced();
    this.removeHandlers.push(
      informer.addEventHandler({
        onAdd: (obj) => this.observe(obj, false),
        onUpdate: (_old, obj) => this.observe(obj, false),
        onDelete: (obj) => this.observe(obj, true),
      }),
    );
  }

  /** True while work is in flight. */
  busy(): boolean {
    return this.pending > 0;
  }

  stop(): void {
    for (const remove of this.removeHandlers.splice(0)) remove();
  }

  private observe(obj: KubeObject, gone: boolean): void {
    const uid = obj.metadata.uid!;
    const before = this.nodes.get(uid);
    const oldOwners = before?.owners ?? [];
    if (gone) {
      this.nodes.delete(uid);
      for (const o of oldOwners) this.dependents.get(o.uid)?.delete(uid);
      for (const dep of this.dependents.get(uid) ?? []) this.enqueue(dep);
      this.dependents.delete(uid);
      for (const o of oldOwners) if (this.nodes.get(o.uid)?.waiting) this.enqueue(o.uid);
      return;
    }
    const owners = obj.metadata.ownerReferences ?? [];
    const node: Node = {
      type: { apiVersion: obj.apiVersion, kind: obj.kind },
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      owners,
      waiting: deleting(obj, FOREGROUND),
    };
    this.nodes.set(uid, node);
    const removed = oldOwners.filter((o) => !owners.some((n) => n.uid === o.uid && n.blockOwnerDeletion === o.blockOwnerDeletion));
    for (const o of oldOwners) if (!owners.some((n) => n.uid === o.uid)) this.dependents.get(o.uid)?.delete(uid);
    for (const o of owners) {
      let m = this.dependents.get(o.uid);
      if (!m) this.dependents.set(o.uid, (m = new Set()));
      m.add(uid);
    }
    // An owner waiting in foreground re-checks once a blocking reference goes or stops blocking.
    for (const o of removed) if (this.nodes.get(o.uid)?.waiting) this.enqueue(o.uid);
    const addedOwners = owners.filter((o) => !oldOwners.some((p) => p.uid === o.uid));
    const suspect = addedOwners.some((o) => !this.nodes.has(o.uid) || this.nodes.get(o.uid)!.waiting);
    const startsGc = obj.metadata.deletionTimestamp !== undefined && (deleting(obj, ORPHAN) || node.waiting);
    if (suspect || startsGc) this.enqueue(uid);
    // A new owner entering foreground deletion: its dependents are worked on with it.
    if (node.waiting && !before?.waiting) for (const dep of this.dependents.get(uid) ?? []) this.enqueue(dep);
  }

  /** Runs the work of `uid` (now, or again once its current run ends). */
  private enqueue(uid: string): void {
    const node = this.nodes.get(uid);
    if (!node) return;
    const run = this.running.get(uid);
    if (run) {
      run.dirty = true;
      run.node = node;
      return;
    }
    this.running.set(uid, { dirty: false, node });
    this.pending++;
    void this.drain(uid);
  }

  private async drain(uid: string): Promise<void> {
    try {
      for (;;) {
        const run = this.running.get(uid)!;
        run.dirty = false;
        try {
          await this.work(uid, run.node);
        } catch (err) {
          this.log.warn(`garbage-collector: ${run.node.type.kind} ${run.node.namespace ?? ''}/${run.node.name}: ${String(err)}`);
        }
        if (!run.dirty) break;
      }
    } finally {
      this.running.delete(uid);
      this.pending--;
    }
  }

  private async work(uid: string, node: Node): Promise<void> {
    for (let attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
      const latest = await this.client.get(node.type, node).catch(ignoreNotFound);
      if (!latest || latest.metadata.uid !== uid) return;
      try {
        if (latest.metadata.deletionTimestamp) {
          if (deleting(latest, ORPHAN)) await this.orphanDependents(latest, node);
          else if (deleting(latest, FOREGROUND)) await this.deleteDependents(latest, node);
        } else await this.attemptToDelete(latest, node);
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }

  /** `orphan`: strips the owner reference from every dependent, then removes the finalizer. */
  private async orphanDependents(owner: KubeObject, node: Node): Promise<void> {
    const uid = owner.metadata.uid!;
    for (const depUid of [...(this.dependents.get(uid) ?? [])]) {
      const dep = this.nodes.get(depUid);
      if (dep) await this.patchOwners(depUid, dep, (refs) => refs.filter((r) => r.uid !== uid));
    }
    await this.removeFinalizer(owner, node, ORPHAN);
  }

  /** `foregroundDeletion`: dependents deleted; the finalizer goes once no blocking dependent remains. */
  private async deleteDependents(owner: KubeObject, node: Node): Promise<void> {
    const uid = owner.metadata.uid!;
    const blocking = [...(this.dependents.get(uid) ?? [])].filter((d) => this.nodes.get(d)?.owners.some((r) => r.uid === uid && r.blockOwnerDeletion === true));
    if (blocking.length === 0) return this.removeFinalizer(owner, node, FOREGROUND);
    for (const d of blocking) if (!this.nodes.get(d)?.waiting) this.enqueue(d);
  }

  /** Classifies the owner references of a live object and deletes it or trims them. */
  private async attemptToDelete(obj: KubeObject, node: Node): Promise<void> {
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const solid: OwnerReference[] = [];
    const dropped: OwnerReference[] = [];
    let waiting = false;
    for (const ref of refs) {
      let owner: KubeObject | undefined;
      try {
        owner = await this.client.get({ apiVersion: ref.apiVersion, kind: ref.kind }, { namespace: obj.metadata.namespace, name: ref.name });
      } catch (err) {
        if (!isNotFound(err)) {
          solid.push(ref); // an owner we cannot resolve is not treated as gone (upstream keeps it too)
          continue;
        }
      }
      if (!owner || owner.metadata.uid !== ref.uid) dropped.push(ref);
      else if (deleting(owner, FOREGROUND)) {
        waiting = true;
        dropped.push(ref);
      } else solid.push(ref);
    }
    const uid = obj.metadata.uid!;
    if (solid.length > 0) {
      if (dropped.length > 0) await this.patchOwners(uid, node, (rs) => rs.filter((r) => !dropped.some((d) => d.uid === r.uid)), obj);
      return;
    }
    const finalizers = obj.metadata.finalizers ?? [];
    const ownPolicy = finalizers.includes(ORPHAN) ? 'Orphan' : finalizers.includes(FOREGROUND) ? 'Foreground' : 'Background';
    const policy = waiting && (this.dependents.get(uid)?.size ?? 0) > 0 ? 'Foreground' : ownPolicy;
    await this.client
      .delete(node.type, node, { propagationPolicy: policy, preconditions: { uid, resourceVersion: obj.metadata.resourceVersion } })
      .then(() => void this.collected++)
      .catch(ignoreNotFound);
  }

  /** Rewrites the owner references of `uid` from its latest state (resourceVersion precondition). */
  private async patchOwners(uid: string, node: Node, keep: (refs: readonly OwnerReference[]) => OwnerReference[], latest?: KubeObject): Promise<void> {
    const obj = latest ?? (await this.client.get(node.type, node).catch(ignoreNotFound));
    if (!obj || obj.metadata.uid !== uid) return;
    const refs = obj.metadata.ownerReferences ?? [];
    const next = keep(refs);
    if (next.length === refs.length) return;
    await this.client
      .patch(node.type, node, 'merge', { metadata: { resourceVersion: obj.metadata.resourceVersion, ownerReferences: next.length ? next : null } })
      .catch(ignoreNotFound);
  }

  private async removeFinalizer(obj: KubeObject, node: Node, finalizer: string): Promise<void> {
    const finalizers = obj.metadata.finalizers ?? [];
    const next = finalizers.filter((f) => f !== finalizer);
    await this.client
      .patch(node.type, node, 'merge', { metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers: next.length ? next : null } })
      .catch(ignoreNotFound);
  }
}
