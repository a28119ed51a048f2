/**
 * The stubs' Event recorder, as client-go's `record.EventRecorder` writes core/v1 Events for the
 * controllers, the scheduler and the kubelet: an Event named `<object>.<hex of the instant>` about
 * an involved object, with `source.component` (and `host` for the kubelet), first and last timestamp
 * and a count; a repeat of the same reason and message about the same object (client-go's
 * EventCorrelator, within its 10-minute window) raises the count and `lastTimestamp` of the Event
 * already written instead of writing another. Events are best effort: a failed write is dropped.
 *
 * `Normal` Events (Scheduled, ScalingReplicaSet, SuccessfulCreate, Pulled, Started, Killing …) are
 * written only when the profile asks for them (`events.normal`): they change no verdict of a
 * simulated run and cost writes, so runs leave them out and `lattice-sim serve` writes them, as a
 * cluster does for `kubectl get events` and `kubectl describe`. `Warning` Events are always written.
 */
import type { Clock, EventSubject, KubeClient } from '../../fake-apiserver/api/index.ts';
import { coreEvent, EventNamer, rfc3339 } from '../../fake-apiserver/api/index.ts';

export type { EventSubject };

/** Records Events about objects (best effort; resolves once written or dropped). */
export interface EventRecorder {
  /** `host`: the node the reporting component runs on (the kubelet's), over the recorder's own. */
  event(subject: EventSubject, type: 'Normal' | 'Warning', reason: string, message: string, host?: string): Promise<void>;
}

/** client-go's EventCorrelator window: a repeat within it is counted on the same Event (simulated ms). */
const CORRELATION_WINDOW_MS = 10 * 60_000;
/** Repeats remembered per recorder (client-go's LRU is 4096 entries too). */
const REMEMBERED = 4096;

/**
 * A recorder writing as `component` (`host`: the node, for the kubelet) through `client`, stamped
 * with `clock`. `normal`: whether Normal Events are written at all.
 */
export function eventRecorder(client: KubeClient, clock: Clock, source: { component: string; host?: string }, opts: { normal: boolean }): EventRecorder {
  const seen = new Map<string, { name: string; namespace: string; count: number; firstMs: number }>();
  const names = new EventNamer(REMEMBERED);
  return {
    async event(subject, type, reason, message, hostOverride) {
      const host = hostOverride ?? source.host;
      if (type === 'Normal' && !opts.normal) return;
      const nowMs = clock.now();
      const namespace = subject.metadata.namespace || 'default';
      const key = `${subject.kind}/${namespace}/${subject.metadata.name}/${subject.metadata.uid ?? ''}/${type}/${reason}/${message}`;
      const prior = seen.get(key);
      const now = rfc3339(nowMs);
      if (prior && nowMs - prior.firstMs < CORRELATION_WINDOW_MS) {
        prior.count++;
        await client
          .patch({ apiVersion: 'v1', kind: 'Event' }, { namespace: prior.namespace, name: prior.name }, 'merge', { count: prior.count, lastTimestamp: now })
          .catch(() => undefined);
        return;
      }
      const name = names.next(subject.metadata.name, nowMs);
      seen.set(key, { name, namespace, count: 1, firstMs: nowMs });
      if (seen.size > REMEMBERED) seen.delete(seen.keys().next().value!);
      const event = coreEvent({ name, subject, type, reason, message, source: { component: source.component, host }, nowMs });
      await client.create(event).catch(() => undefined);
    },
  };
}

/** An owner reference as an Event subject (Events about the object that owns `namespace`'s dependent). */
export function ownerSubject(owner: { apiVersion: string; kind: string; name: string; uid: string }, namespace: string | undefined): EventSubject {
  return { apiVersion: owner.apiVersion, kind: owner.kind, metadata: { name: owner.name, namespace, uid: owner.uid } };
}
