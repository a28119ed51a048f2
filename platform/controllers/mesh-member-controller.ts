/**
 * LatticeMeshMember controller (reference §4.4). Per reconcile:
 * 1. Read the service graph (bilateral agreements, §4.2). It is kept up to date from member events
 *    ({@link LiveServiceGraph}: each added, changed or deleted member is read back through the
 *    client — a cache in the simulator — and its edges recomputed), not rebuilt from every member.
 * 2. Cedar AllowWildcard gate for `*` callers / dependsAll / advertise `*` → Failed (requeue 30 s).
 * 3. Skip (requeue 60 s) when Ready, observedGeneration == generation, the edge hash annotation
 *    (`lattice.dev/graph-hash`) equals the current hash and the member was applied at the current Cedar
 *    epoch. The loader reloads every `cedarReloadIntervalMs` (60 s) and moves the epoch, so every
 *    member re-applies its policies within about two periods: deleted or edited policies come back
 *    (reference main.rs:712-760, controller.rs:273-283; unchanged applies cost the API server nothing).
 * 4. Ambient members: label the namespace `istio.io/dataplane-mode: ambient`.
 * 5. Compile and server-side apply the CiliumNetworkPolicy / AuthorizationPolicy / PeerAuthentication
 *    objects; delete AuthorizationPolicies and PeerAuthentications applied before but no longer produced.
 *    With `spec.ingress` (reference §4.7): the ingress objects (platform/mesh/ingress.ts) under the field
 *    manager `lattice-mesh-member-controller/<name>` (the namespace's Gateway merges every member's
 *    listeners; kinds without a CRD skipped), tracked for orphan cleanup; an unresolvable route port
 *    fails the member (`ingress compilation: …`); ingress removed ⇒ its listeners released. A member with
 *    ingress routes registers the namespace's ingress gateway node `<ns>-ingress-istio` (dependsAll) in
 *    the graph, so members allowing it get its principal.
 *    The namespace's shared `allow-to-waypoint` is not tracked per member: it is deleted only when no
 *    member of the namespace needs the waypoint any more.
 *    An apply that recreated or changed back a policy applied before with the same content (drift: a
 *    hand delete or edit) is reported as a Warning `DriftCorrected` Event on the member naming the
 *    restored objects (drift.ts); first, changed-derivation and no-op applies are not.
 *    ServiceEntries (bound to the namespace waypoint) are applied only once the waypoint Gateway
 *    `<ns>-waypoint` reports `Programmed` True; until then the rest is applied and the member is
 *    Progressing (`Waiting for waypoint to program ServiceEntries`, `Ready/False/WaypointPending`),
 *    requeue 10 s (reference controller.rs:434-466, 567-608).
 * 6. Annotation, then status Ready (`Policies applied successfully`, `Ready/True/PoliciesApplied`) with
 *    the `BilateralAgreement` warning condition ({@link bilateralAgreementCondition}; ours, not the
 *    reference's), which the skip path of step 3 also refreshes.
 * Fan-out: a generation change (or add, or delete) of a member re-queues only its neighbours before
 * and after the change — active callers and callees, members it names or that name it, dependsAll
 * members (all members when it is or was dependsAll); any CedarPolicy change re-queues all.
 */
import type { KubeClient, ObjectKey } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound, rfc3339 } from '../../fake-apiserver/api/index.ts';
import {
  GATEWAY_API_VERSION,
  INGRESS_GATEWAY_CLASS,
  LiveServiceGraph,
  WAYPOINT_POLICY_NAME,
  compileIngress,
  compileMeshPolicies,
  hasIngressRoutes,
  ingressGatewayName,
  ingressGatewayNode,
  ingressGatewayServiceAccount,
  memberNode,
  needsWaypoint,
  oneSidedDeclarations,
  wildcardDenialMessage,
  wildcardRequests,
} from '../mesh/index.ts';
import type { Condition } from '../../fake-apiserver/api/index.ts';
import type { DeclarationGraph } from '../mesh/index.ts';
import type { ControllerDefinition, ReconcileContext, ReconcileResult } from '../runtime/index.ts';
import { done, requeueAfter } from '../runtime/index.ts';
import { CedarPolicyType, LatticeMeshMemberType } from '../crds/types.ts';
import type { LatticeMeshMember, LatticeMeshMemberStatus } from '../crds/types.ts';
import { mergeCondition, sameConditions } from './conditions.ts';
import { applyServed, deleteIfExists } from './apply.ts';
import { DriftTracker } from './drift.ts';
import { NamespaceType } from './core-types.ts';
import type { CedarLoader } from './cedar-loader.ts';
import { formatProblem, latticeMeshMemberProblems } from '../validation/index.ts';

/** Field manager of every write. */
export const MESH_MEMBER_CONTROLLER = 'lattice-mesh-member-controller';
/** Annotation holding the last applied edge hash. */
export const GRAPH_HASH_ANNOTATION = 'lattice.dev/graph-hash';
/** Condition type of the one-sided declaration warning (platform/README.md "Bilateral agreement warnings"). */
export const BILATERAL_AGREEMENT = 'BilateralAgreement';

/**
 * The `BilateralAgreement` condition of member `key` (a deliberate addition over the reference, which
 * stays silent): False/`OneSidedDeclaration` with every one-sided declaration involving the member
 * (its own and its peers', {@link oneSidedDeclarations}) joined by `; `, or True/`DeclarationsMatched`. A warning only: it
 * changes no policy, phase or Ready condition.
 */
export function bilateralAgreementCondition(graph: DeclarationGraph, key: string): Omit<Condition, 'lastTransitionTime'> {
  const found = oneSidedDeclarations(graph, key);
  if (found.length === 0) return { type: BILATERAL_AGREEMENT, status: 'True', reason: 'DeclarationsMatched', message: 'every declaration naming a known member is matched on the other side' };
  return { type: BILATERAL_AGREEMENT, status: 'False', reason: 'OneSidedDeclaration', message: found.map((d) => d.message).join('; ') };
}

/** Requeue after a spec validation failure (reference REQUEUE_SUCCESS_SECS: only a spec change fixes it). */
const VALIDATION_REQUEUE_MS = 300_000;
/** Requeue while the namespace's waypoint is not yet Programmed (reference: 10 s). */
const WAYPOINT_REQUEUE_MS = 10_000;
/** Status message and Ready condition message while ServiceEntries wait for the waypoint (reference text). */
const WAYPOINT_PENDING_MESSAGE = 'Waiting for waypoint to program ServiceEntries';

const ORPHAN_KINDS: Record<string, { apiVersion: string; kind: string }> = {
  AuthorizationPolicy: { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy' },
  PeerAuthentication: { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication' },
};
/** Kinds of the ingress objects tracked in `appliedResources` for orphan cleanup (reference controller.rs:84-119); the shared Gateway is not. */
const INGRESS_KINDS: Record<string, { apiVersion: string; kind: string }> = {
  ...ORPHAN_KINDS,
  CiliumNetworkPolicy: { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy' },
  HTTPRoute: { apiVersion: GATEWAY_API_VERSION, kind: 'HTTPRoute' },
  GRPCRoute: { apiVersion: GATEWAY_API_VERSION, kind: 'GRPCRoute' },
  TCPRoute: { apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TCPRoute' },
  Certificate: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate' },
};
const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TCPRoute']);
/** Ingress kinds applied only when their CRD is installed (reference §4.4 step 8). */
const OPTIONAL_INGRESS_KINDS: ReadonlySet<string> = new Set(['Gateway', 'HTTPRoute', 'GRPCRoute', 'TCPRoute', 'Certificate']);

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
  // The service graph of this controller, fed by member events (see memberChanged).
  const graph = new LiveServiceGraph();
  let seeded = false;
  const touched = new Set<string>();
  /** Member key → Cedar epoch at which its policies were last applied (drift repair; see the skip gate). */
  const appliedEpoch = new Map<string, number>();
  /** The member policies' applies, to report restored ones as a Warning `DriftCorrected` Event on the member. */
  const drift = new DriftTracker(client, MESH_MEMBER_CONTROLLER);
  let pending = 0;
  const settledWaiters: (() => void)[] = [];

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
    // Spec validation first (reference crates/lattice-mesh-member/src/controller.rs:196-211): Failed with
    // the first problem, Ready/False/ReconcileFailed, nothing applied, requeue 300 s (REQUEUE_SUCCESS_SECS).
    const invalid = latticeMeshMemberProblems(member.spec);
    // Failed with `message`, Ready/False/ReconcileFailed, nothing applied, requeue after `requeueMs`.
    const fail = async (message: string, requeueMs: number): Promise<ReconcileResult> => {
      await writeStatus(member, {
        phase: 'Failed',
        scope: null,
        message,
        observedGeneration: member.metadata.generation,
        conditions: mergeCondition(status.conditions, { type: 'Ready', status: 'False', reason: 'ReconcileFailed', message }, now),
      });
      return requeueAfter(requeueMs);
    };
    if (invalid.length > 0) return fail(formatProblem(invalid[0]), VALIDATION_REQUEUE_MS);
    await graphReady();
    const engine = await opts.cedar.load(ctx.clock.now());

    const wildcard = wildcardRequests(member);
    if (wildcard.length > 0) {
      const denied = engine.authorize(wildcard).filter((d) => !d.allowed);
      if (denied.length > 0) return fail(denied.map((d) => wildcardDenialMessage(d, member)).join('; '), failureRequeueMs);
    }

    const memberKey = `${member.metadata.namespace}/${member.metadata.name}`;
    // Skip gate: the annotation holds the edge hash; the Cedar epoch this controller last applied the
    // member at is kept in memory, so a reload (every 60 s by default) re-applies every member without
    // rewriting its annotation (fidelity row "Drift repair").
    const hash = graph.edgeHash(memberKey);
    const epoch = opts.cedar.epoch;
    // The one-sided declaration warning follows the other side's declarations, which may change
    // without changing this member's edges: the skip path refreshes it (a write only when it differs).
    const bilateral = bilateralAgreementCondition(graph, memberKey);
    if (status.phase === 'Ready' && status.observedGeneration === member.metadata.generation && member.metadata.annotations?.[GRAPH_HASH_ANNOTATION] === hash && appliedEpoch.get(memberKey) === epoch) {
      await writeStatus(member, { ...status, phase: 'Ready', conditions: mergeCondition(status.conditions, bilateral, now) });
      return requeueAfter(readyRequeueMs);
    }

    if (member.spec.ambient !== false) {
      const ns = await client.get(NamespaceType, { name: member.metadata.namespace! });
      if (ns.metadata.labels?.['istio.io/dataplane-mode'] !== 'ambient') {
        await client.patch(NamespaceType, { name: member.metadata.namespace! }, 'merge', { metadata: { labels: { 'istio.io/dataplane-mode': 'ambient' } } });
      }
    }

    const objects = compileMeshPolicies(member, graph, { trustDomain: opts.trustDomain });
    let ingress;
    try {
      ingress = compileIngress(member, { trustDomain: opts.trustDomain });
    } catch (err) {
      return fail(`ingress compilation: ${(err as Error).message}`, failureRequeueMs);
    }
    // ServiceEntries bound to the waypoint (`istio.io/use-waypoint`) wait until its Gateway reports
    // Programmed=True; meanwhile everything else is applied and the member is Progressing (reference
    // controller.rs:434-466, 567-608 `is_waypoint_programmed`, status_progressing; requeue 10 s).
    const waypointReady = !objects.some((o) => o.kind === 'ServiceEntry') || (await waypointProgrammed(member.metadata.namespace!));
    const restored = await drift.applyAll(waypointReady ? objects : objects.filter((o) => o.kind !== 'ServiceEntry'));
    // Ingress objects under the member's own field manager, the Gateway first: members of a namespace
    // share its Gateway and server-side apply merges their listeners (reference controller.rs:468-473, 775-800).
    const ingressManager = `${MESH_MEMBER_CONTROLLER}/${member.metadata.name}`;
    await applyServed(client, ingress, ingressManager, OPTIONAL_INGRESS_KINDS);
    // Orphan tracking covers the member's own policies only; the namespace's shared
    // allow-to-waypoint is never one member's (fidelity row "Shared allow-to-waypoint AP").
    const applied = [
      ...objects.filter((o) => ORPHAN_KINDS[o.kind] && o.metadata.name !== WAYPOINT_POLICY_NAME),
      ...ingress.filter((o) => INGRESS_KINDS[o.kind]),
    ].map((o) => ({ kind: o.kind, name: o.metadata.name }));
    const keep = new Set(applied.map((a) => `${a.kind}/${a.name}`));
    for (const prev of status.appliedResources ?? []) {
      const type = INGRESS_KINDS[prev.kind];
      if (type && prev.name !== WAYPOINT_POLICY_NAME && !keep.has(`${prev.kind}/${prev.name}`)) {
        await deleteIfExists(client, type, member.metadata.namespace!, prev.name);
        drift.forget(prev.kind, member.metadata.namespace, prev.name);
      }
    }
    if (ingress.length === 0 && (status.appliedResources ?? []).some((r) => ROUTE_KINDS.has(r.kind))) await releaseListeners(member.metadata.namespace!, ingressManager);
    if (!objects.some((o) => o.metadata.name === WAYPOINT_POLICY_NAME)) await releaseWaypointPolicy(member.metadata.namespace!);
    if (member.metadata.annotations?.[GRAPH_HASH_ANNOTATION] !== hash) {
      await client.patch(LatticeMeshMemberType, key, 'merge', { metadata: { annotations: { [GRAPH_HASH_ANNOTATION]: hash } } }).catch(ignoreNotFound);
    }
    await drift.report(member, restored, ctx.clock.now());
    const scope = 'namespace' in member.spec.target ? 'Namespace' : 'Workload';
    if (!waypointReady) {
      await writeStatus(member, {
        phase: 'Progressing',
        scope,
        message: WAYPOINT_PENDING_MESSAGE,
        observedGeneration: member.metadata.generation,
        appliedResources: applied,
        conditions: mergeCondition(status.conditions, { type: 'Ready', status: 'False', reason: 'WaypointPending', message: WAYPOINT_PENDING_MESSAGE }, now),
      });
      return requeueAfter(WAYPOINT_REQUEUE_MS);
    }
    appliedEpoch.set(memberKey, epoch);
    await writeStatus(member, {
      phase: 'Ready',
      scope,
      message: 'Policies applied successfully',
      observedGeneration: member.metadata.generation,
      appliedResources: applied,
      conditions: mergeCondition(mergeCondition(status.conditions, { type: 'Ready', status: 'True', reason: 'PoliciesApplied', message: 'Policies applied successfully' }, now), bilateral, now),
    });
    return requeueAfter(readyRequeueMs);
  }

  /**
   * Deletes the namespace's shared `allow-to-waypoint` once no member of the namespace needs the
   * waypoint (a reference count over the graph; the reference never deletes it, see platform/README.md
   * "Fidelity"). Reads the cache first, so the common case (absent) writes nothing.
   */
  async function releaseWaypointPolicy(namespace: string): Promise<void> {
    const ap = await client.get(ORPHAN_KINDS.AuthorizationPolicy, { namespace, name: WAYPOINT_POLICY_NAME }).catch(ignoreNotFound);
    if (!ap || graph.nodes().some((n) => n.namespace === namespace && needsWaypoint(n))) return;
    await deleteIfExists(client, ORPHAN_KINDS.AuthorizationPolicy, namespace, WAYPOINT_POLICY_NAME);
    drift.forget('AuthorizationPolicy', namespace, WAYPOINT_POLICY_NAME);
  }

  /** Whether the namespace's waypoint Gateway `<namespace>-waypoint` (read through the client) has `Programmed` True. */
  async function waypointProgrammed(namespace: string): Promise<boolean> {
    const gw = await client.get({ apiVersion: GATEWAY_API_VERSION, kind: 'Gateway' }, { namespace, name: `${namespace}-waypoint` }).catch(ignoreNotFound);
    const conditions = (gw?.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? [];
    return conditions.some((c) => c.type === 'Programmed' && c.status === 'True');
  }

  /**
   * Ingress removed from a member: apply the namespace's Gateway with no listeners under the member's
   * field manager, so server-side apply drops the listeners it owned and keeps the other members'
   * (reference controller.rs:491-499, 895-931). No-op when the Gateway does not exist.
   */
  async function releaseListeners(namespace: string, fieldManager: string): Promise<void> {
    const type = { apiVersion: GATEWAY_API_VERSION, kind: 'Gateway' };
    const name = ingressGatewayName(namespace);
    const gw = await client.get(type, { namespace, name }).catch(ignoreNotFound);
    if (!gw) return;
    await client.apply({ ...type, metadata: { name, namespace }, spec: { gatewayClassName: INGRESS_GATEWAY_CLASS, listeners: [] } }, { fieldManager, force: true });
  }

  /** Every member key of the graph as an ObjectKey. */
  const everyone = (): ObjectKey[] => graph.nodes().map((n) => ({ namespace: n.namespace, name: n.name }));

  /**
   * Member `key` changed (event): read it back, update the graph, and return the members to
   * re-queue (itself and its neighbours before and after). Neighbours are read back too, since what
   * the client answers for one member may depend on others.
   */
  async function memberChanged(key: string): Promise<ObjectKey[]> {
    const affected = new Set<string>([key, ...graph.neighbours(key)]);
    const wasDependsAll = graph.node(key)?.dependsAll ?? false;
    for (const k of await refresh(key)) affected.add(k);
    for (const k of graph.neighbours(key)) affected.add(k);
    for (const k of [...affected]) if (k !== key) for (const c of await refresh(k)) affected.add(c);
    if (wasDependsAll || graph.node(key)?.dependsAll) for (const n of graph.nodes()) affected.add(n.key);
    return [...affected].sort().map((k) => {
      const slash = k.indexOf('/');
      return { namespace: k.slice(0, slash), name: k.slice(slash + 1) };
    });
  }

  /** Re-reads member `key` into the graph (removed when absent). */
  async function refresh(key: string): Promise<string[]> {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const m = (await client.get<LatticeMeshMember>(LatticeMeshMemberType, { namespace, name: key.slice(slash + 1) }).catch(ignoreNotFound)) as LatticeMeshMember | undefined;
    touched.add(key);
    if (m) {
      graph.upsert(memberNode(m));
      return registerIngressGateway(m);
    }
    // The ingress gateway's node has no LatticeMeshMember behind it: it stays registered.
    if (key.slice(slash + 1) === ingressGatewayServiceAccount(namespace) && graph.node(key)?.dependsAll) return [];
    graph.remove(key);
    appliedEpoch.delete(key);
    return [];
  }

  /**
   * A member with ingress routes registers its namespace's ingress gateway proxy as a graph node
   * (reference controller.rs:219-242; never removed, as in the reference). Output: the keys whose
   * edges changed (to re-queue).
   */
  function registerIngressGateway(m: LatticeMeshMember): string[] {
    if (!hasIngressRoutes(m.spec.ingress)) return [];
    const node = ingressGatewayNode(m.metadata.namespace!);
    return graph.node(node.key) ? [] : graph.upsert(node);
  }

  /** Resolves once no event is being folded into the graph; the first call seeds it from one list (a reconcile driven without watches still sees every member). */
  async function graphReady(): Promise<void> {
    if (!seeded) {
      seeded = true;
      // Members an event already read back are fresher than this list: keep them.
      for (const m of (await client.list<LatticeMeshMember>(LatticeMeshMemberType)).items) {
        if (touched.has(`${m.metadata.namespace}/${m.metadata.name}`)) continue;
        graph.upsert(memberNode(m));
        registerIngressGateway(m);
      }
    }
    while (pending > 0) await new Promise<void>((resolve) => settledWaiters.push(resolve));
  }

  const track = <T>(p: Promise<T>): Promise<T> => {
    pending++;
    return p.finally(() => {
      if (--pending === 0) for (const w of settledWaiters.splice(0)) w();
    });
  };

  return {
    name: MESH_MEMBER_CONTROLLER,
    primary: LatticeMeshMemberType,
    generationChangedOnly: true,
    watches: [
      { type: LatticeMeshMemberType, generationChangedOnly: true, map: (m) => track(memberChanged(`${m.metadata.namespace}/${m.metadata.name}`)) },
      { type: CedarPolicyType, generationChangedOnly: true, map: everyone },
    ],
    reconciler: { reconcile },
  };
}
