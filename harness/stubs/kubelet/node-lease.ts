/**
 * The kubelet's node Lease (Kubernetes docs "Nodes" → Heartbeats; KEP-589 node lease): every node's
 * kubelet keeps a coordination.k8s.io/v1 Lease named as the node in `kube-node-lease`, with
 * `holderIdentity` = the node name, `leaseDurationSeconds` 40 (upstream `nodeLeaseDurationSeconds`
 * default) and `renewTime` renewed every 10 s of simulated time (upstream: a quarter of the duration),
 * owned by its Node (ownerReference kind Node). A lost node (harness/stubs/node-faults.ts) stops
 * renewing; a restored one resumes. Renewals run on the World's clock (timers), times in RFC 3339 with
 * microseconds (the MicroTime format Leases use).
 */
import type { Clock, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound, isAlreadyExists } from '../../../fake-apiserver/api/index.ts';
import { CoreTypes } from '../third-party-crds.ts';

/** Namespace of the node Leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Lease duration the kubelet writes (seconds). */
export const NODE_LEASE_DURATION_SECONDS = 40;
/** How often the kubelet renews its Lease (simulated ms): a quarter of the duration. */
export const NODE_LEASE_RENEW_INTERVAL_MS = (NODE_LEASE_DURATION_SECONDS * 1000) / 4;

/** A MicroTime (RFC 3339 with six fractional digits, UTC), as Lease times are written. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The Lease of `node` renewed at `nowMs`. */
export function nodeLease(node: KubeObject, nowMs: number): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: node.metadata.name,
      namespace: NODE_LEASE_NAMESPACE,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.metadata.name, uid: node.metadata.uid! }],
    },
    spec: { holderIdentity: node.metadata.name, leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS, renewTime: microTime(nowMs) },
  };
}

/**
 * Starts the Lease loop of every node in `nodes`: the Lease is created now and renewed every
 * {@link NODE_LEASE_RENEW_INTERVAL_MS} while `lost(node)` is false. Returns a function that stops
 * the renewals. Write failures are passed to `warn` and retried at the next renewal.
 */
export function startNodeLeases(client: KubeClient, clock: Clock, nodes: readonly KubeObject[], lost: (node: string) => boolean, warn: (message: string) => void): () => void {
  let stopped = false;
  const renew = async (node: KubeObject): Promise<void> => {
    const lease = nodeLease(node, clock.now());
    const key = { namespace: NODE_LEASE_NAMESPACE, name: node.metadata.name };
    const cur = await client.get(CoreTypes.Lease, key).catch(ignoreNotFound);
    if (!cur) {
      try {
        await client.create(lease, { fieldManager: 'kubelet' });
        return;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
    await client.patch(CoreTypes.Lease, key, 'merge', { spec: lease.spec }, { fieldManager: 'kubelet' });
  };
  const loop = (node: KubeObject): void => {
    if (stopped) return;
    if (!lost(node.metadata.name)) renew(node).catch((err: unknown) => warn(`node-lease: ${node.metadata.name}: ${err instanceof Error ? err.message : String(err)}`));
    clock.setTimer(NODE_LEASE_RENEW_INTERVAL_MS, () => loop(node));
  };
  for (const node of nodes) loop(node);
  return () => {
    stopped = true;
  };
}
