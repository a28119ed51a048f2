/**
 * core/v1 Events as client-go's `record.EventRecorder` writes them (k8s.io/client-go/tools/record):
 * the object shape and the naming, shared by every layer that records Events (the platform's drift
 * reports, the harness stubs' recorder). Pure: nothing here writes; the caller creates the object
 * through its own client, best effort (client-go drops a failed write). Aggregation of repeats
 * (client-go's EventCorrelator) is the caller's choice and is not here.
 */
import { rfc3339 } from './clock.ts';
import type { KubeObject } from './object.ts';

/** The object an Event is about (its `involvedObject`). */
export interface EventSubject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string };
}

/**
 * Event names as client-go makes them: `<object>.<hex of the instant in ns>`. client-go's instant is
 * the nanosecond clock; simulated instants repeat, so a per-instant sequence (hex, from 1) is appended
 * to every repeat of the same object and instant. Remembers the sequences of the latest instant's
 * `<object>.<instant>` bases only (instants never go back, so an earlier base cannot recur), at most
 * `remembered` of them (oldest forgotten first).
 */
export class EventNamer {
  readonly #remembered: number;
  readonly #sequence = new Map<string, number>();
  #instantMs = Number.NEGATIVE_INFINITY;

  /** `remembered` ≥ 1: how many `<object>.<instant>` bases keep their sequence. */
  constructor(remembered: number) {
    this.#remembered = remembered;
  }

  /** The name of the next Event about object `objectName` at `nowMs` (ms since the epoch; simulated ms under a VirtualClock). */
  next(objectName: string, nowMs: number): string {
    if (nowMs > this.#instantMs) {
      this.#sequence.clear();
      this.#instantMs = nowMs;
    }
    const base = `${objectName}.${(nowMs * 1e6).toString(16)}`;
    const n = this.#sequence.get(base) ?? 0;
    this.#sequence.set(base, n + 1);
    if (this.#sequence.size > this.#remembered) this.#sequence.delete(this.#sequence.keys().next().value!);
    return n === 0 ? base : `${base}${n.toString(16)}`;
  }
}

/** What one new Event says (see {@link coreEvent}). */
export interface EventFields {
  name: string;
  subject: EventSubject;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** The reporting component (`source.component`, `reportingComponent`) and the node it runs on, if any (`source.host`, `reportingInstance`). */
  source: { component: string; host?: string };
  /** The instant (ms since the epoch), stamped as `firstTimestamp` and `lastTimestamp`. */
  nowMs: number;
}

/**
 * A new core/v1 Event (count 1) in the subject's namespace (`default` for a cluster-scoped subject),
 * about `subject`, as client-go's recorder writes it.
 */
export function coreEvent(e: EventFields): KubeObject {
  const now = rfc3339(e.nowMs);
  const { subject, source } = e;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: e.name, namespace: subject.metadata.namespace || 'default' },
    involvedObject: { apiVersion: subject.apiVersion, kind: subject.kind, namespace: subject.metadata.namespace, name: subject.metadata.name, uid: subject.metadata.uid },
    reason: e.reason,
    message: e.message,
    type: e.type,
    source: source.host ? { component: source.component, host: source.host } : { component: source.component },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    reportingComponent: source.component,
    reportingInstance: source.host ?? '',
  } as unknown as KubeObject;
}
