/**
 * ControllerRevision history of a StatefulSet or DaemonSet (upstream `pkg/controller/history`
 * semantics, re-expressed; Kubernetes API reference: ControllerRevision). Each distinct pod template
 * an owner has had is one ControllerRevision `<owner>-<hash>`, owned by it (controller reference),
 * labelled with the template's labels plus `controller.kubernetes.io/hash`, whose `data` is the
 * patch `{spec: {template: {…, $patch: replace}}}` and whose `revision` orders them (1, 2, …).
 * Pods carry the name-suffix hash in their `controller-revision-hash` label.
 *
 * - A template equal to the newest revision's keeps it; equal to an older one, that revision is
 *   renumbered to the next revision (a rollback, as `kubectl rollout undo` relies on); otherwise a
 *   new revision is created. A name taken by a revision of other data bumps the collision count
 *   (the owner's `status.collisionCount`), which enters the hash.
 * - Truncation: revisions beyond `revisionHistoryLimit` (default 10) that no live pod and neither the
 *   current nor the update revision use are deleted, lowest revision first.
 * The informer cache lags this module's writes, so revisions it wrote are read as the write returned
 * them until the cache catches up.
 */
import type { InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { INDEX_OWNER_UID, ignoreNotFound, isAlreadyExists } from '../../../fake-apiserver/api/index.ts';
import { controllerOf, controllerRef } from '../owners.ts';

/** apps/v1 ControllerRevision. */
export const ControllerRevisionType = { apiVersion: 'apps/v1', kind: 'ControllerRevision' } as const;
/** Pod label naming the revision (hash suffix for DaemonSets, revision name for StatefulSets) a pod was made from. */
export const REVISION_LABEL = 'controller-revision-hash';
/** Label of a ControllerRevision with its hash. */
export const HASH_LABEL = 'controller.kubernetes.io/hash';

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The hash of revision data (and collision count): FNV-1 32-bit over its JSON, printed in decimal
 * and safe-encoded with apimachinery's `rand.SafeEncodeString` alphabet (no vowels, no 0/1/3), as
 * `HashControllerRevision` does over Go's encoding. Content-derived, so stable across runs.
 */
export function revisionHash(data: unknown, collisionCount = 0): string {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(JSON.stringify(data) + (collisionCount ? String(collisionCount) : ''));
  for (const b of bytes) h = (Math.imul(h, 0x01000193) ^ b) >>> 0;
  return [...String(h)].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join('');
}

/** The `data` of a revision for a pod template. */
export function templatePatch(template: unknown): Record<string, unknown> {
  return { spec: { template: { ...(template as object), $patch: 'replace' } } };
}

/** A pod template (`spec.template` of a workload): metadata labels and annotations, and the pod spec. */
export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: KubeObject['spec'];
}

/** The pod template a revision records. */
export function revisionTemplate(rev: KubeObject): PodTemplate {
  const { $patch: _p, ...template } = (rev.data?.spec?.template ?? {}) as PodTemplate & { $patch?: string };
  return template;
}

/** What {@link RevisionHistory.sync} found: revisions (by `revision`), the update and current revision, and the collision count used. */
export interface Revisions {
  revisions: KubeObject[];
  update: KubeObject;
  current: KubeObject;
  collisionCount: number;
}

const revNumber = (r: KubeObject): number => Number(r.revision ?? 0);
const keyOf = (r: KubeObject) => `${r.metadata.namespace}/${r.metadata.name}`;

/** The ControllerRevisions of owners of one kind, read from the cache plus this module's own writes. */
export class RevisionHistory {
  private readonly informer;
  /** Revisions as this module's last write returned them, until the cache catches up. */
  private readonly written = new Map<string, KubeObject>();
  private readonly deleted = new Set<string>();

  constructor(
    private readonly client: KubeClient,
    cache: InformerCache,
    private readonly ownerKind: 'StatefulSet' | 'DaemonSet',
  ) {
    this.informer = cache.informerFor(ControllerRevisionType);
  }

  /** Waits for the first list of revisions. */
  synced(): Promise<void> {
    return this.informer.synced();
  }

  /** Revisions `owner` controls, sorted by revision number then name. */
  owned(owner: KubeObject): KubeObject[] {
    const uid = owner.metadata.uid!;
    const ns = owner.metadata.namespace;
    const out = new Map<string, KubeObject>();
    for (const r of this.informer.byIndex(INDEX_OWNER_UID, uid)) {
      if (r.metadata.namespace !== ns || controllerOf(r, this.ownerKind)?.uid !== uid) continue;
      const k = keyOf(r);
      if (this.deleted.has(k)) continue;
      const w = this.written.get(k);
      if (w && w.metadata.uid === r.metadata.uid && Number(w.metadata.resourceVersion) > Number(r.metadata.resourceVersion)) out.set(k, w);
      else {
        this.written.delete(k);
        out.set(k, r);
      }
    }
    const cacheRv = Number(this.informer.lastResourceVersion() || '0');
    for (const k of this.deleted) if (!this.informer.getByKey(k)) this.deleted.delete(k);
    for (const [k, w] of this.written) {
      if (out.has(k) || w.metadata.namespace !== ns || controllerOf(w, this.ownerKind)?.uid !== uid) continue;
      if (cacheRv >= Number(w.metadata.resourceVersion)) this.written.delete(k);
      else out.set(k, w);
    }
    return [...out.values()].sort((a, b) => revNumber(a) - revNumber(b) || a.metadata.name.localeCompare(b.metadata.name));
  }

  /**
   * Finds or makes the revision of `owner`'s current template (upstream `getStatefulSetRevisions` /
   * `constructHistory`); `currentName` is the revision the owner's status names current (the update
   * revision when none matches).
   */
  async sync(owner: KubeObject, currentName: string | undefined, collisionCount: number): Promise<Revisions> {
    const revisions = this.owned(owner);
    const data = templatePatch(owner.spec?.template ?? {});
    const dataJson = JSON.stringify(data);
    const next = revisions.reduce((m, r) => Math.max(m, revNumber(r)), 0) + 1;
    const equal = revisions.filter((r) => JSON.stringify(r.data) === dataJson);
    let update: KubeObject;
    const last = revisions.at(-1);
    if (equal.length > 0 && last && equal.at(-1) === last) update = last;
    else if (equal.length > 0) {
      const rev = equal.at(-1)!;
      update = this.record(await this.client.patch(ControllerRevisionType, { namespace: rev.metadata.namespace, name: rev.metadata.name }, 'merge', { revision: next }));
    } else {
      for (;;) {
        const hash = revisionHash(data, collisionCount);
        const name = `${owner.metadata.name}-${hash}`;
        try {
          update = this.record(
            await this.client.create<KubeObject>({
              ...ControllerRevisionType,
              metadata: {
                name,
                namespace: owner.metadata.namespace,
                labels: { ...(owner.spec?.template?.metadata?.labels ?? {}), [HASH_LABEL]: hash },
                ownerReferences: [controllerRef(owner)],
              },
              data,
              revision: next,
            }),
          );
          break;
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          const existing = await this.client.get(ControllerRevisionType, { namespace: owner.metadata.namespace, name });
          if (JSON.stringify(existing.data) === dataJson && controllerOf(existing, this.ownerKind)?.uid === owner.metadata.uid) {
            update = this.record(existing);
            break;
          }
          collisionCount++;
        }
      }
    }
    const all = [...revisions.filter((r) => r.metadata.name !== update.metadata.name), update].sort((a, b) => revNumber(a) - revNumber(b));
    const current = all.find((r) => r.metadata.name === currentName) ?? update;
    return { revisions: all, update, current, collisionCount };
  }

  /** Deletes the oldest revisions not in `live` beyond `limit` (upstream `truncateHistory` / `cleanupHistory`). */
  async truncate(revisions: readonly KubeObject[], live: ReadonlySet<string>, limit: number): Promise<void> {
    const idle = revisions.filter((r) => !live.has(r.metadata.name));
    for (const r of idle.slice(0, Math.max(0, idle.length - limit))) {
      await this.client.delete(ControllerRevisionType, { namespace: r.metadata.namespace, name: r.metadata.name }).catch(ignoreNotFound);
      this.deleted.add(keyOf(r));
      this.written.delete(keyOf(r));
    }
  }

  private record(r: KubeObject): KubeObject {
    this.written.set(keyOf(r), r);
    return r;
  }
}
