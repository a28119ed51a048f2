/**
 * Taint eviction controller stub (kube-controller-manager `taint-eviction-controller`; Kubernetes
 * docs "Taints and Tolerations", NoExecute): a pod on a node with a NoExecute taint it does not
 * tolerate is deleted at once; one tolerating every such taint stays `tolerationSeconds` (the
 * smallest among the tolerations used, counted from when the controller first saw it under the
 * taint) and then goes, or forever when a used toleration has no `tolerationSeconds`. Before the
 * delete the pod gets the condition DisruptionTarget=True (reason DeletionByTaintManager) and a
 * Normal Event `TaintManagerEviction` "Marking for deletion Pod <ns>/<name>". Removing the taint
 * before then cancels the eviction. Tolerations are the pod's own plus the DefaultTolerationSeconds
 * plugin's (`../node-faults.ts` `evictionDelaySeconds`). The node lifecycle controller's
 * `node.kubernetes.io/not-ready` and `unreachable` taints are left to `../node-faults.ts`, which
 * plans those evictions when it adds the taint. Times are simulated ms.
 */
import type { Clock, InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { StatusError } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import type { EventRecorder } from '../events.ts';
import { TAINT_NOT_READY, TAINT_UNREACHABLE, evictionDelaySeconds, taintManagerDisruption } from '../node-faults.ts';
import { podTerminated } from '../scheduler/fit.ts';
import type { Taint } from '../scheduler/fit.ts';
import { CoreTypes } from '../third-party-crds.ts';

/** A pod deleted meanwhile (404) or replaced by one of the same name (409 on the uid precondition) is no error. */
function goneOrReplaced(err: unknown): undefined {
  if (err instanceof StatusError && (err.status.reason === 'NotFound' || err.status.reason === 'Conflict')) return undefined;
  throw err;
}

/** The NoExecute taints of `node` this controller acts on (not the node lifecycle controller's). */
function noExecuteTaints(node: KubeObject | undefined): Taint[] {
  return ((node?.spec?.taints ?? []) as Taint[]).filter((t) => t.effect === 'NoExecute' && t.key !== TAINT_UNREACHABLE && t.key !== TAINT_NOT_READY);
}

/**
 * Seconds `pod` may stay under `taints` (0: evict now), or undefined (never): any taint not tolerated
 * is 0, else the smallest finite `tolerationSeconds` of the tolerations used.
 */
function allowedSeconds(pod: KubeObject, taints: readonly Taint[]): number | undefined {
  let out: number | undefined;
  for (const t of taints) {
    const s = evictionDelaySeconds(pod, t);
    if (s !== undefined) out = out === undefined ? s : Math.min(out, s);
  }
  return out;
}

/** The controller as a runner definition (keyed by Node; a pod's changes enqueue its node while that node has NoExecute taints). */
export function taintEvictionController(client: KubeClient, clock: Clock, cache: InformerCache, events: EventRecorder): ControllerDefinition {
  const nodes = cache.informerFor(CoreTypes.Node);
  const pods = cache.informerFor(CoreTypes.Pod);
  /** Pod uid → when its toleration window started (simulated ms). */
  const since = new Map<string, number>();
  return {
    name: 'taint-eviction-controller',
    primary: CoreTypes.Node,
    watches: [{ type: CoreTypes.Pod, map: (pod) => (pod.spec?.nodeName && noExecuteTaints(nodes.getByKey(pod.spec.nodeName)).length ? [{ name: pod.spec.nodeName as string }] : []) }],
    reconciler: {
      async reconcile(key) {
        const node = nodes.getByKey(key.name);
        const taints = noExecuteTaints(node);
        const on = pods.items().filter((p) => p.spec?.nodeName === key.name);
        if (taints.length === 0) {
          for (const p of on) since.delete(p.metadata.uid!);
          return done();
        }
        const now = clock.now();
        let next = Infinity;
        for (const pod of on) {
          if (pod.metadata.deletionTimestamp || podTerminated(pod)) continue;
          const uid = pod.metadata.uid!;
          const seconds = allowedSeconds(pod, taints);
          if (seconds === undefined) {
            since.delete(uid);
            continue;
          }
          const start = since.get(uid) ?? now;
          since.set(uid, start);
          const due = start + seconds * 1000;
          if (due > now) {
            next = Math.min(next, due);
            continue;
          }
          since.delete(uid);
          const podKey = { namespace: pod.metadata.namespace, name: pod.metadata.name };
          await events.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${podKey.namespace}/${podKey.name}`);
          const conditions = ((pod.status?.conditions ?? []) as { type: string }[]).filter((c) => c.type !== 'DisruptionTarget');
          await client.patchStatus(CoreTypes.Pod, podKey, 'merge', { status: { conditions: [...conditions, taintManagerDisruption(now)] } }).catch(goneOrReplaced);
          await client.delete(CoreTypes.Pod, podKey, { preconditions: { uid } }).catch(goneOrReplaced);
        }
        return next < Infinity ? requeueAfter(next - now) : done();
      },
    },
  };
}
