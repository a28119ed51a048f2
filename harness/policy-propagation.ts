/**
 * Policy propagation delay: what the dataplane enforces lags what the API server stores. Cilium
 * regenerates the endpoints a policy selects after it sees the change (policy import, then endpoint
 * regeneration), and istiod pushes AuthorizationPolicy / PeerAuthentication changes to ztunnel over
 * xDS; either way a change takes effect some time after it is committed. This module keeps, for each
 * policy object, the versions a dataplane has been told about and when each takes effect, and answers
 * "which policies are enforced at simulated time t":
 *
 * - a created policy is absent until its delay has passed; a deleted one is still enforced until
 *   then; an update takes effect after its delay and the previous version is enforced meanwhile;
 * - the delay of each change is `delay.delayMs + uniform[0, delay.jitterMs]` simulated ms, counted
 *   from the instant the change reached the dataplane's watch (the API server's watch delivery), drawn
 *   from the seeded stream `dataplane/policy-propagation/<kind>/<ns>/<name>` (one draw per change, so
 *   adding or removing another object shifts no draw);
 * - a later change that becomes effective first wins, and an earlier one becoming effective later
 *   never brings an older version back (the dataplane converges on the latest state it was sent).
 *
 * Pure bookkeeping over a clock and a stream source: no wall time, no Math.random.
 */
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import type { Delay } from './profile.ts';
import type { StreamSource } from './rng/index.ts';

/** One version of a policy object and the simulated instant it takes effect (`object` null = deleted). */
interface PendingVersion {
  atMs: number;
  object: KubeObject | null;
  resourceVersion: string;
}

/** Default propagation delay when a profile sets none (simulated ms): 300 + uniform[0, 700]. */
export const DEFAULT_POLICY_PROPAGATION: Delay = { delayMs: 300, jitterMs: 700 };

/** The policies of one kind as a dataplane enforces them over time. */
export class PolicyPropagation {
  /** Per object key (`ns/name`): the effective version first, then pending ones in arrival order. */
  private readonly versions = new Map<string, PendingVersion[]>();
  /** Earliest pending `atMs` (Infinity when nothing is pending). */
  private nextDueMs = Infinity;
  private epoch = 0;
  private cached: { epoch: number; objects: readonly KubeObject[] } | undefined;

  /**
   * @param kind the policy kind (part of each stream name)
   * @param now the clock (simulated ms)
   * @param streams seeded streams keyed by name
   * @param delay the propagation delay distribution (simulated ms)
   */
  constructor(
    private readonly kind: string,
    private readonly now: () => number,
    private readonly streams: StreamSource,
    private readonly delay: Delay,
  ) {}

  /**
   * Takes objects the dataplane already enforces when tracking starts (effective at once, no draw):
   * a kind tracked only after it became served. Objects already known are left alone.
   */
  seed(objects: readonly KubeObject[]): void {
    for (const o of objects) {
      const key = keyOf(o);
      if (!this.versions.has(key)) this.versions.set(key, [{ atMs: -Infinity, object: o, resourceVersion: o.metadata.resourceVersion ?? '' }]);
    }
    this.epoch++;
  }

  /** A create or update reached the dataplane now: it takes effect after a drawn delay. */
  changed(object: KubeObject): void {
    this.record(keyOf(object), object, object.metadata.resourceVersion ?? '');
  }

  /** A delete reached the dataplane now: the object stays enforced until its drawn delay has passed. */
  deleted(object: KubeObject): void {
    this.record(keyOf(object), null, `deleted:${object.metadata.resourceVersion ?? ''}`);
  }

  private record(key: string, object: KubeObject | null, resourceVersion: string): void {
    const list = this.versions.get(key) ?? [];
    // The same version again (an informer relist, a resync): nothing changed for the dataplane.
    if (list.length > 0 && list[list.length - 1].resourceVersion === resourceVersion) return;
    const atMs = this.now() + this.streams.stream(`dataplane/policy-propagation/${this.kind}/${key}`).delay(this.delay);
    list.push({ atMs, object, resourceVersion });
    this.versions.set(key, list);
    if (atMs < this.nextDueMs) this.nextDueMs = atMs;
  }

  /**
   * A number that changes whenever the enforced set changes (a pending version took effect, or
   * {@link seed} ran): callers rebuild their index only then. Promotes every version due by now.
   */
  version(): number {
    const now = this.now();
    if (now < this.nextDueMs) return this.epoch;
    // At least one version took effect since the last call.
    this.epoch++;
    let next = Infinity;
    for (const [key, list] of this.versions) {
      let last = -1;
      for (let i = 0; i < list.length; i++) if (list[i].atMs <= now) last = i;
      // The last version due by now is enforced; the ones before it are forgotten.
      if (last > 0) list.splice(0, last);
      if (list.length === 1 && list[0].object === null && list[0].atMs <= now) {
        this.versions.delete(key);
        continue;
      }
      for (const v of list) if (v.atMs > now && v.atMs < next) next = v.atMs;
    }
    this.nextDueMs = next;
    return this.epoch;
  }

  /** The objects enforced at the current instant, sorted by namespace and name (a list's order). */
  enforced(): readonly KubeObject[] {
    const epoch = this.version();
    if (this.cached?.epoch === epoch) return this.cached.objects;
    const now = this.now();
    const out: KubeObject[] = [];
    for (const list of this.versions.values()) {
      let current: PendingVersion | undefined;
      for (const v of list) if (v.atMs <= now) current = v;
      if (current?.object) out.push(current.object);
    }
    out.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    this.cached = { epoch, objects: out };
    return out;
  }
}

function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}
