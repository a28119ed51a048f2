/**
 * Drift detection on server-side applies, and the Warning Event reporting it (issue 9: "drift on owned
 * resources overwritten on the next derivation and reported as an Event").
 *
 * An object is drifted-and-restored when this controller applies the same desired object it applied
 * last time and the apply recreated it (the returned `metadata.uid` differs from the one the previous
 * apply returned: someone deleted it) or finds it changed since (same uid, but another
 * `resourceVersion` than the previous apply returned: someone wrote the object in between, and this
 * apply re-asserts the controller's fields). A first apply, an apply of a changed desired object (a new
 * derivation) and a no-op re-apply of an untouched object (server-side apply leaves `resourceVersion`
 * as is) are not drift. No read before the apply: a write in between that touched only fields this
 * controller does not own also counts (nobody but the controller writes the policies it tracks).
 *
 * The Event is a core/v1 Event as client-go's `record.EventRecorder` writes it (fake-apiserver/api
 * `coreEvent`, `EventNamer`): named `<object>.<hex of the instant in ns>` (a sequence appended when the
 * instant repeats), about the involved object, `source.component` = the controller, type Warning, reason
 * {@link DRIFT_CORRECTED}; each report is a new Event (no aggregation of repeats). Written through the
 * controller's own client, best effort (a failed write is dropped, as client-go).
 */
import type { EventSubject, KubeClient, KubeObject } from '../../fake-apiserver/api/index.ts';
import { coreEvent, EventNamer } from '../../fake-apiserver/api/index.ts';

/** Reason of the Event reporting restored objects. */
export const DRIFT_CORRECTED = 'DriftCorrected';

/** What the last apply of one object wrote and got back. */
interface Applied {
  desired: string;
  uid: string | undefined;
  resourceVersion: string | undefined;
}

/**
 * Applies objects (server-side apply, force) as one field manager and remembers, per object, what it
 * applied and the uid it got back, to tell restored objects from first and no-op applies (module doc).
 */
export class DriftTracker {
  readonly #client: KubeClient;
  readonly #fieldManager: string;
  /** `kind|namespace|name` → apiVersion → the last apply of that object ({@link DriftTracker.forget} drops every apiVersion of one object). */
  readonly #applied = new Map<string, Map<string, Applied>>();
  /** Event names: every owner reported at the latest instant keeps its sequence (client-go's recorder LRU holds 4096). */
  readonly #names = new EventNamer(4096);

  constructor(client: KubeClient, fieldManager: string) {
    this.#client = client;
    this.#fieldManager = fieldManager;
  }

  /**
   * Server-side applies `obj` (force; rejects as the client does). Output: whether the apply restored a
   * drifted object (recreated or changed back an object this tracker applied with the same content).
   */
  async apply(obj: KubeObject): Promise<boolean> {
    const key = objectKey(obj.kind, obj.metadata.namespace, obj.metadata.name);
    const desired = JSON.stringify(obj);
    const prior = this.#applied.get(key)?.get(obj.apiVersion);
    const candidate = prior !== undefined && prior.desired === desired;
    const out = await this.#client.apply(obj, { fieldManager: this.#fieldManager, force: true });
    const versions = this.#applied.get(key) ?? this.#applied.set(key, new Map()).get(key)!;
    versions.set(obj.apiVersion, { desired, uid: out.metadata.uid, resourceVersion: out.metadata.resourceVersion });
    if (!candidate) return false;
    return out.metadata.uid !== prior.uid || out.metadata.resourceVersion !== prior.resourceVersion;
  }

  /** Applies every object in order ({@link DriftTracker.apply}). Output: the restored ones, as `Kind/name`. */
  async applyAll(objects: readonly KubeObject[]): Promise<string[]> {
    const restored: string[] = [];
    for (const obj of objects) if (await this.apply(obj)) restored.push(`${obj.kind}/${obj.metadata.name}`);
    return restored;
  }

  /** Forgets object `kind` `namespace`/`name`, of any apiVersion (deleted on purpose: its next apply is a first apply). */
  forget(kind: string, namespace: string | undefined, name: string): void {
    this.#applied.delete(objectKey(kind, namespace, name));
  }

  /**
   * Writes a Warning {@link DRIFT_CORRECTED} Event about `owner` naming `restored` (`Kind/name`), at
   * `nowMs` (simulated ms since the epoch). No-op when `restored` is empty; never rejects.
   */
  async report(owner: EventSubject, restored: readonly string[], nowMs: number): Promise<void> {
    if (restored.length === 0) return;
    const name = this.#names.next(owner.metadata.name, nowMs);
    const event = coreEvent({ name, subject: owner, type: 'Warning', reason: DRIFT_CORRECTED, message: `restored drifted ${restored.join(', ')}`, source: { component: this.#fieldManager }, nowMs });
    await this.#client.create(event).catch(() => undefined);
  }
}

const objectKey = (kind: string, namespace: string | undefined, name: string): string => `${kind}|${namespace ?? ''}|${name}`;
