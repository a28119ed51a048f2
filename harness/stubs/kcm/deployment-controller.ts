/**
 * Deployment controller stub (kube-controller-manager): one ReplicaSet per pod-template hash,
 * named `<deployment>-<hash>`, labelled `pod-template-hash`; older ReplicaSets scaled to zero
 * (rollout is immediate, see README "Not modelled"); status aggregated from the ReplicaSets.
 * Reads come from the informer cache (owned ReplicaSets through the owner-uid index); writes go to
 * the client. A ReplicaSet change enqueues only its controlling Deployment.
 */
import { createHash } from 'node:crypto';
import type { InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { INDEX_OWNER_UID, ignoreNotFound } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done } from '../../../platform/runtime/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { controllerRef, ownerKeys } from '../owners.ts';

const MANAGER = 'deployment-controller';

/** 10-hex hash of a pod template (stable across runs: it is content-derived). */
export function podTemplateHash(template: unknown): string {
  return createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10);
}

/** The Deployment controller as a runner definition. */
export function deploymentController(client: KubeClient, cache: InformerCache): ControllerDefinition {
  const replicaSets = cache.informerFor(CoreTypes.ReplicaSet);
  return {
    name: MANAGER,
    primary: CoreTypes.Deployment,
    watches: [{ type: CoreTypes.ReplicaSet, map: (rs) => ownerKeys(rs, 'Deployment') }],
    reconciler: {
      async reconcile(key) {
        const dep = await cache.get(CoreTypes.Deployment, key).catch(ignoreNotFound);
        if (!dep) return done();
        if (dep.metadata.deletionTimestamp) return done();
        const ns = dep.metadata.namespace!;
        const hash = podTemplateHash(dep.spec.template);
        const name = `${dep.metadata.name}-${hash}`;
        const desired = dep.spec.replicas ?? 1;
        await replicaSets.synced();
        const owned = replicaSets.byIndex(INDEX_OWNER_UID, dep.metadata.uid!).filter((rs) => rs.metadata.namespace === ns);
        const labels = { ...(dep.spec.template?.metadata?.labels ?? {}), 'pod-template-hash': hash };
        const rs: KubeObject = {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: { name, namespace: ns, labels, ownerReferences: [controllerRef(dep)], annotations: { 'deployment.kubernetes.io/revision': '1' } },
          spec: {
            replicas: desired,
            selector: { matchLabels: { ...(dep.spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
            template: { ...dep.spec.template, metadata: { ...(dep.spec.template?.metadata ?? {}), labels } },
          },
        };
        // The applied object is the current one (the cache may not have seen it yet).
        const cur: KubeObject = await client.apply(rs, { fieldManager: MANAGER, force: true });
        for (const old of owned) {
          if (old.metadata.name !== name && (old.spec.replicas ?? 0) !== 0) {
            await client.patch(CoreTypes.ReplicaSet, { namespace: ns, name: old.metadata.name }, 'merge', { spec: { replicas: 0 } }).catch(ignoreNotFound);
          }
        }
        const all = [...owned.filter((o) => o.metadata.name !== name), cur];
        const sum = (f: string) => all.reduce((n, r) => n + (r.status?.[f] ?? 0), 0);
        const ready = sum('readyReplicas');
        const status = {
          observedGeneration: dep.metadata.generation,
          replicas: sum('replicas'),
          updatedReplicas: cur.status?.replicas ?? 0,
          readyReplicas: ready,
          availableReplicas: sum('availableReplicas'),
          conditions: [
            { type: 'Available', status: ready >= desired ? 'True' : 'False', reason: ready >= desired ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable' },
          ],
        };
        if (JSON.stringify(dep.status ?? {}) !== JSON.stringify(status)) {
          await client.patchStatus(CoreTypes.Deployment, key, 'merge', { status }).catch(ignoreNotFound);
        }
        return done();
      },
    },
  };
}
