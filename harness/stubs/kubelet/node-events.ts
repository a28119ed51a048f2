/**
 * The kubelet's Events about its own Node when `spec.unschedulable` changes (kubelet
 * `recordNodeSchedulableEvent`, on its next status update): Normal `NodeNotSchedulable` after
 * `kubectl cordon`, Normal `NodeSchedulable` after `uncordon`, message `Node <name> status is now:
 * <reason>`, reported by the kubelet from that node. As upstream's node reference, the subject's uid
 * is the node's name. Normal Events are written only where the profile asks for them (`serve`).
 */
import type { InformerCache } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done } from '../../../platform/runtime/index.ts';
import type { EventRecorder } from '../events.ts';
import { CoreTypes } from '../third-party-crds.ts';

/** The controller (keyed by Node): one Event per observed change of `spec.unschedulable`. */
export function nodeSchedulableEvents(cache: InformerCache, events: EventRecorder): ControllerDefinition {
  const nodes = cache.informerFor(CoreTypes.Node);
  /** Node name → the schedulability last seen (first sight records nothing: the kubelet's initial state). */
  const seen = new Map<string, boolean>();
  return {
    name: 'kubelet-node-status',
    primary: CoreTypes.Node,
    reconciler: {
      async reconcile(key) {
        const node = nodes.getByKey(key.name);
        if (!node) {
          seen.delete(key.name);
          return done();
        }
        const unschedulable = node.spec?.unschedulable === true;
        const before = seen.get(key.name);
        seen.set(key.name, unschedulable);
        if (before === undefined || before === unschedulable) return done();
        const reason = unschedulable ? 'NodeNotSchedulable' : 'NodeSchedulable';
        await events.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: key.name, uid: key.name } }, 'Normal', reason, `Node ${key.name} status is now: ${reason}`, key.name);
        return done();
      },
    },
  };
}
