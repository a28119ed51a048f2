/**
 * LatticeMeshMember controller (reference §4.4). Per reconcile:
 * 1. Build the service graph from every LatticeMeshMember (bilateral agreements, §4.2).
 * 2. Cedar AllowWildcard gate for `*` callers / dependsAll / advertise `*` → Failed (requeue 30 s).
 * 3. Skip (requeue 60 s) when Ready, observedGeneration == generation and the edge hash annotation
 *    (`lattice.dev/graph-hash`) equals the current hash.
 * 4. Ambient members: label the namespace `istio.io/dataplane-mode: ambient`.
 * 5. Compile and server-side apply the CiliumNetworkPolicy / AuthorizationPolicy / PeerAuthentication
 *    objects; delete AuthorizationPolicies and PeerAuthentications applied before but no longer produced.
 * 6. Annotation, then status Ready (`Policies applied successfully`, `Ready/True/PoliciesApplied`).
 * Fan-out: a generation change of any member re-queues every member of the same namespace and every
 * dependsAll member; any CedarPolicy change re-queues all.
 */
import type { KubeClient, ObjectKey } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound, rfc3339 } from '../../fake-apiserver/api/index.ts';
import { buildServiceGraph, compileMeshPolicies, wildcardDenialMessage, wildcardRequests } from '../mesh/index.ts';
import type { ControllerDefinition, ReconcileContext, ReconcileResult } from '../runtime/index.ts';
import { done, requeueAfter } from '../runtime/index.ts';
import { CedarPolicyType, LatticeMeshMemberType } from '../crds/types.ts';
import type { LatticeMeshMember, LatticeMeshMemberStatus } from '../crds/types.ts';
import { mergeCondition, sameConditions } from './conditions.ts';
import { applyAll, deleteIfExists } from './apply.ts';
import type { CedarLoader } from './cedar-loader.ts';

/** Field manager of every write. */
export const MESH_MEMBER_CONTROLLER = 'lattice-mesh-member-controller';
/** Annotation holding the last applied edge hash. */
export const GRAPH_HASH_ANNOTATION = 'lattice.dev/graph-hash';

const NamespaceType = { apiVersion: 'v1', kind: 'Namespace' };
const ORPHAN_KINDS: Record<string, { apiVersion: string; kind: string }> = {
  AuthorizationPolicy: { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy' },
  PeerAuthentication: { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication' },
};

/** Options of the mesh-member controller. */
export interface MeshMemberControllerOptions {
  client: KubeClient;
  cedar: CedarLoader;
  trustDomain: string;
  readyRequeueMs?: number;
  failureRequeueMs?: number;
}

/** The LatticeMeshMember controller as a runner definition. */
export function meshMemberController(opts: MeshMemberControllerOptions): ControllerDefinition {
  const { client } = opts;
  const readyRequeueMs = opts.readyRequeueMs ?? 60_000;
  const failureRequeueMs = opts.failureRequeueMs ?? 30_000;
  const keyOf = (m: LatticeMeshMember): ObjectKey => ({ namespace: m.metadata.namespace, name: m.metadata.name });

  async function writeStatus(m: LatticeMeshMember, next: LatticeMeshMemberStatus): Promise<void> {
    const cur = m.status ?? {};
    if (
      cur.phase === next.phase &&
      (cur.message ?? null) === (next.message ?? null) &&
      (cur.observedGeneration ?? null) === (next.observedGeneration ?? null) &&
      (cur.scope ?? null) === (next.scope ?? null) &&
      JSON.stringify(cur.appliedResources ?? []) === JSON.stringify(next.appliedResources ?? []) &&
      sameConditions(cur.conditions, next.conditions)
    )
      return;
    await client
      .patchStatus(LatticeMeshMemberType, keyOf(m), 'merge', {
        status: {
          phase: next.phase,
          scope: next.scope ?? null,
          message: next.message ?? null,
          observedGeneration: next.observedGeneration ?? null,
          conditions: next.conditions ?? [],
          appliedResources: next.appliedResources ?? cur.appliedResources ?? [],
        },
      })
      .catch(ignoreNotFound);
  }

  async function reconcile(key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult> {
    const member = (await client.get<LatticeMeshMember>(LatticeMeshMemberType, key).catch(ignoreNotFound)) as LatticeMeshMember | undefined;
    if (!member || member.metadata.deletionTimestamp) return done();
    const now = rfc3339(ctx.clock.now());
    const status = member.status ?? {};
    const all = (await client.list<LatticeMeshMember>(LatticeMeshMemberType)).items;
    const graph = buildServiceGraph(all);
    const engine = await opts.cedar.load();

    const wildcard = wildcardRequests(member);
    if (wildcard.length > 0) {
      const denied = engine.authorize(wildcard).filter((d) => !d.allowed);
      if (denied.length > 0) {
        const message = denied.map((d) => wildcardDenialMessage(d, member)).join('; ');
        await writeStatus(member, {
          phase: 'Failed',
          scope: null,
          message,
          observedGeneration: member.metadata.generation,
          conditions: mergeCondition(status.conditions, { type: 'Ready', status: 'False', reason: 'ReconcileFailed', message }, now),
        });
        return requeueAfter(failureRequeueMs);
      }
    }

    const memberKey = `${member.metadata.namespace}/${member.metadata.name}`;
    const hash = graph.edgeHash(memberKey, opts.cedar.epoch);
    if (status.phase === 'Ready' && status.observedGeneration === member.metadata.generation && member.metadata.annotations?.[GRAPH_HASH_ANNOTATION] === hash) {
      return requeueAfter(readyRequeueMs);
    }

    if (member.spec.ambient !== false) {
      const ns = await client.get(NamespaceType, { name: member.metadata.namespace! });
      if (ns.metadata.labels?.['istio.io/dataplane-mode'] !== 'ambient') {
        await client.patch(NamespaceType, { name: member.metadata.namespace! }, 'merge', { metadata: { labels: { 'istio.io/dataplane-mode': 'ambient' } } });
      }
    }

    const objects = compileMeshPolicies(member, graph, { trustDomain: opts.trustDomain });
    await applyAll(client, objects, MESH_MEMBER_CONTROLLER);
    const applied = objects.filter((o) => ORPHAN_KINDS[o.kind]).map((o) => ({ kind: o.kind, name: o.metadata.name }));
    const keep = new Set(applied.map((a) => `${a.kind}/${a.name}`));
    for (const prev of status.appliedResources ?? []) {
      const type = ORPHAN_KINDS[prev.kind];
      if (type && !keep.has(`${prev.kind}/${prev.name}`)) await deleteIfExists(client, type, member.metadata.namespace!, prev.name);
    }
    if (member.metadata.annotations?.[GRAPH_HASH_ANNOTATION] !== hash) {
      await client.patch(LatticeMeshMemberType, key, 'merge', { metadata: { annotations: { [GRAPH_HASH_ANNOTATION]: hash } } }).catch(ignoreNotFound);
    }
    await writeStatus(member, {
      phase: 'Ready',
      scope: 'namespace' in member.spec.target ? 'Namespace' : 'Workload',
      message: 'Policies applied successfully',
      observedGeneration: member.metadata.generation,
      appliedResources: applied,
      conditions: mergeCondition(status.conditions, { type: 'Ready', status: 'True', reason: 'PoliciesApplied', message: 'Policies applied successfully' }, now),
    });
    return requeueAfter(readyRequeueMs);
  }

  const neighbours = async (changed: { metadata: { namespace?: string } }): Promise<ObjectKey[]> =>
    (await client.list<LatticeMeshMember>(LatticeMeshMemberType)).items.filter((m) => m.metadata.namespace === changed.metadata.namespace || m.spec.dependsAll).map(keyOf);
  const everyone = async (): Promise<ObjectKey[]> => (await client.list<LatticeMeshMember>(LatticeMeshMemberType)).items.map(keyOf);

  return {
    name: MESH_MEMBER_CONTROLLER,
    primary: LatticeMeshMemberType,
    generationChangedOnly: true,
    watches: [
      { type: LatticeMeshMemberType, generationChangedOnly: true, map: neighbours },
      { type: CedarPolicyType, generationChangedOnly: true, map: everyone },
    ],
    reconciler: { reconcile },
  };
}
