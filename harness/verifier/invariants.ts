/**
 * Invariants on every tick (issue 7): what must hold at every instant of a run, not only in the
 * steady state the traffic verdicts judge. An {@link InvariantMonitor} watches the platform's kinds
 * through the Cluster's client (informer-style: one watch per kind, events in global
 * resourceVersion order, folded into its own cache), re-judges only the objects an event touches,
 * and records each broken rule once per episode as an {@link InvariantViolation}.
 *
 * Rules (ids are stable; they appear in results.json, junit.xml and the summary):
 * - `ready-without-mesh-policies` (reference §2.8 step 11, §4.4 step 10): when a LatticeService
 *   becomes Ready for its generation, its LatticeMeshMember (same namespace and name) exists and has
 *   reached a verdict (Ready or Failed) — checked at the write itself; and while it stays Ready, the
 *   member is Ready with `observedGeneration == generation` and every object its
 *   `status.appliedResources` lists exists — a lapse is a violation once it outlasts
 *   `bounds.meshPolicyLagMs` (the platform's two controllers read through caches, so the service may
 *   see the member a watch delivery late).
 * - `output-for-denied-service` (reference §2.8 step 7): a LatticeService whose Cedar gate denied it
 *   (condition `PolicyAuthorized=False`) has no ExternalSecret labelled `lattice.dev/service=<name>`; and
 *   when it was never authorized since it was created, no object at all owned by it
 *   (ownerReferences uid). A service denied after a CedarPolicy change keeps its other objects in the
 *   reference, so that part applies to never-authorized services only. Lapses outlasting
 *   `bounds.meshPolicyLagMs` are violations.
 * - `observed-generation-lag` (Kubernetes API conventions, status.observedGeneration): a Ready or
 *   Failed LatticeService or LatticeMeshMember whose `observedGeneration` differs from
 *   `metadata.generation` for longer than `bounds.generationLagMs`; at {@link InvariantMonitor.finish}
 *   every settled one must have caught up.
 * - `left-behind-after-delete` (reference §2.8 "children are GC'd via ownerRefs", §4.4 "AP/PA GC'd by
 *   ownerRef", fidelity scenario E): `bounds.leftBehindMs` after a LatticeService or
 *   LatticeMeshMember is deleted, no watched object still carries an ownerReference to its uid, none
 *   of the policies a deleted member listed in `status.appliedResources` still exists, no ExternalSecret is still labelled for a LatticeService of that name (unless one was re-created), no
 *   AuthorizationPolicy of a Ready member still lists the deleted member's SPIFFE principal
 *   (`…/ns/<ns>/sa/<sa>`) and no Ready member's CiliumNetworkPolicy still allows DNS for
 *   `<name>.<ns>.svc.cluster.local`, unless a live member has that identity (a Failed member's policies
 *   are left as they were: the platform does not recompile it). The deleted member's own `cnp-mesh-<h>` is left alone: the reference
 *   never deletes CNPs (no ownerRef; platform-fidelity.md "Deleting a LatticeService or LMM").
 *
 * Cost: one map update per watch event plus the rules of the objects it touches; {@link
 * InvariantMonitor.poll} costs O(pending lapses) and nothing at all when there are none, so it can be
 * called on every poll of a wait loop. Times are the Cluster clock's ms (simulated ms in a World),
 * reported relative to `startMs`; a violation is stamped with the instant the monitor saw the event
 * (within the profile's watch-delivery delay of the write) or with the instant its bound ran out.
 */
import type { KubeObject, TypeRef, WatchEvent, WatchHandle } from '../../fake-apiserver/api/index.ts';
import type { LatticeMeshMember, LatticeService } from '../../platform/index.ts';
import { LABEL_SERVICE_OWNER, LatticeMeshMemberType, LatticeServiceType } from '../../platform/index.ts';
import { derivedName } from '../../platform/mesh/index.ts';
import type { Cluster } from '../cluster.ts';
import { CoreTypes, StubTypes } from '../stubs/third-party-crds.ts';

/** Stable ids of the invariants (see the module comment for each rule's source). */
export const INVARIANT_RULES = ['ready-without-mesh-policies', 'output-for-denied-service', 'observed-generation-lag', 'left-behind-after-delete'] as const;
/** One invariant id. */
export type InvariantRule = (typeof INVARIANT_RULES)[number];

/** One broken invariant: which rule, when (ms since the case started, on the Cluster's clock), which object, what. */
export interface InvariantViolation {
  rule: InvariantRule;
  atMs: number;
  /** `Kind ns/name` of the object the rule is about. */
  object: string;
  message: string;
}

/** How long a lapse may last before it is a violation (ms on the Cluster's clock). */
export interface InvariantBounds {
  /** `ready-without-mesh-policies` (while Ready) and `output-for-denied-service`: 2 × the service controller's progress requeue (5 s). */
  meshPolicyLagMs: number;
  /** `observed-generation-lag`: 2 × the longest requeue of the platform (the Ready requeue, 60 s). */
  generationLagMs: number;
  /** `left-behind-after-delete`: time the garbage collector and the neighbours' reconciles get after a delete. */
  leftBehindMs: number;
}

/** Defaults, derived from the platform's requeue intervals (reference §7: 5 s progress, 60 s Ready). */
export const DEFAULT_INVARIANT_BOUNDS: InvariantBounds = { meshPolicyLagMs: 10_000, generationLagMs: 120_000, leftBehindMs: 10_000 };

/** Kinds the monitor watches (each only when the cluster serves it). */
const WATCHED: readonly TypeRef[] = [
  LatticeServiceType,
  LatticeMeshMemberType,
  StubTypes.AuthorizationPolicy,
  StubTypes.PeerAuthentication,
  StubTypes.CiliumNetworkPolicy,
  // Ingress objects a LatticeMeshMember lists as applied (platform/mesh/ingress.ts).
  StubTypes.HTTPRoute,
  StubTypes.GRPCRoute,
  StubTypes.TCPRoute,
  StubTypes.Certificate,
  StubTypes.ExternalSecret,
  StubTypes.ScaledObject,
  CoreTypes.Deployment,
  CoreTypes.Service,
  CoreTypes.ServiceAccount,
  CoreTypes.ConfigMap,
  CoreTypes.Secret,
  CoreTypes.PersistentVolumeClaim,
  CoreTypes.PodDisruptionBudget,
];

type Ref = string; // `Kind ns/name`
const refOf = (kind: string, namespace: string | undefined, name: string): Ref => `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
const refOfObject = (o: KubeObject): Ref => refOf(o.kind, o.metadata.namespace, o.metadata.name);
const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** SPIFFE principal `…/ns/<ns>/sa/<sa>` → `<ns>/<sa>`, or undefined. */
export function principalIdentity(principal: string): string | undefined {
  const m = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** Every principal an AuthorizationPolicy's rules name (`rules[].from[].source.principals[]`). */
export function policyPrincipals(ap: KubeObject): string[] {
  const rules = ((ap as { spec?: { rules?: { from?: { source?: { principals?: string[] } }[] }[] } }).spec?.rules ?? []);
  return rules.flatMap((r) => (r.from ?? []).flatMap((f) => f.source?.principals ?? []));
}

/** Every DNS `matchName` of a CiliumNetworkPolicy's egress rules. */
export function policyDnsNames(cnp: KubeObject): string[] {
  const egress = (cnp as { spec?: { egress?: { toPorts?: { rules?: { dns?: { matchName?: string }[] } }[] }[] } }).spec?.egress ?? [];
  return egress.flatMap((e) => (e.toPorts ?? []).flatMap((p) => (p.rules?.dns ?? []).map((d) => d.matchName).filter((n): n is string => typeof n === 'string')));
}

/** `<sa>` of a member: `spec.serviceAccount`, else its name (reference §2.6, platform/mesh/graph.ts). */
const memberIdentity = (m: LatticeMeshMember): string => `${m.metadata.namespace}/${m.spec?.serviceAccount || m.metadata.name}`;
const serviceDns = (namespace: string, name: string): string => `${name}.${namespace}.svc.cluster.local`;

const readyFor = (o: { status?: { phase?: string | null; observedGeneration?: number | null }; metadata: KubeObject['metadata'] }): boolean =>
  o.status?.phase === 'Ready' && o.status.observedGeneration === o.metadata.generation;
const denied = (ls: LatticeService): boolean => (ls.status?.conditions ?? []).some((c) => c.type === 'PolicyAuthorized' && c.status === 'False');
const authorized = (ls: LatticeService): boolean => (ls.status?.conditions ?? []).some((c) => c.type === 'PolicyAuthorized' && c.status === 'True');

/** A deleted LatticeService or LatticeMeshMember whose leftovers are judged once `dueMs` is reached. */
interface Tombstone {
  dueMs: number;
  kind: string;
  namespace: string;
  name: string;
  uid: string | undefined;
  /** `<ns>/<sa>` of a deleted member. */
  identity?: string;
  /** `Kind ns/name` of what a deleted member listed in `status.appliedResources`. */
  applied?: Ref[];
}

interface Lapse {
  rule: InvariantRule;
  object: Ref;
  message: string;
  sinceMs: number;
  boundMs: number;
  reported: boolean;
}

/** An object's index entries, kept to remove them when it changes. */
interface Indexed {
  object: KubeObject;
  owners: string[];
  principals: string[];
  dns: string[];
}

/**
 * Watches a Cluster and judges the invariants on every event. Usage: `await monitor.start()` before
 * the case's objects are applied, `monitor.poll()` on every poll of a wait loop, `monitor.finish()`
 * once the case is judged (final checks, watches stopped); `violations` holds what broke, in order.
 */
export class InvariantMonitor {
  readonly violations: InvariantViolation[] = [];
  /** Why the monitor saw less than everything (a watch closed or could not start), for the run's notes. */
  readonly notes: string[] = [];
  private readonly bounds: InvariantBounds;
  private readonly startMs: number;
  private readonly handles: WatchHandle[] = [];
  /** kind → `ns/name` → object and its index entries. */
  private readonly cache = new Map<string, Map<string, Indexed>>();
  /** owner uid → refs of objects naming it in ownerReferences. */
  private readonly owned = new Map<string, Set<Ref>>();
  /** `<ns>/<sa>` → AuthorizationPolicies listing that principal. */
  private readonly principalIn = new Map<string, Set<Ref>>();
  /** DNS name → CiliumNetworkPolicies allowing it. */
  private readonly dnsIn = new Map<string, Set<Ref>>();
  /** `Kind ns/name` of an applied resource → keys of the members listing it. */
  private readonly appliedBy = new Map<Ref, Set<string>>();
  /** `<ns>/<sa>` → number of live members with that identity. */
  private readonly identities = new Map<string, number>();
  /** uids of LatticeServices seen `PolicyAuthorized=True` at least once. */
  private readonly everAuthorized = new Set<string>();
  private readonly lapses = new Map<string, Lapse>();
  private readonly tombstones: Tombstone[] = [];
  private stopped = false;

  constructor(
    private readonly cluster: Pick<Cluster, 'client' | 'clock' | 'restMapper'>,
    opts: { bounds?: Partial<InvariantBounds>; startMs?: number } = {},
  ) {
    this.bounds = { ...DEFAULT_INVARIANT_BOUNDS, ...opts.bounds };
    this.startMs = opts.startMs ?? cluster.clock.now();
  }

  /** Opens one watch per served kind (synthetic ADDED for what exists, then every change). */
  async start(): Promise<void> {
    for (const type of WATCHED) {
      if (!this.cluster.restMapper.resourceFor(type)) continue;
      try {
        this.handles.push(
          await this.cluster.client.watch(
            type,
            {},
            (e) => this.onEvent(e),
            () => {
              if (!this.stopped) this.notes.push(`invariants: the ${type.kind} watch closed; later changes of that kind were not judged`);
            },
          ),
        );
      } catch (err) {
        this.notes.push(`invariants: cannot watch ${type.kind} (${(err as Error).message}); not judged`);
      }
    }
  }

  /** Folds one watch event into the cache and judges what it touches. Public for tests; watches call it. */
  onEvent(e: WatchEvent): void {
    if (this.stopped || (e.type !== 'ADDED' && e.type !== 'MODIFIED' && e.type !== 'DELETED')) return;
    const o = e.object;
    const byKey = this.cache.get(o.kind) ?? this.cache.set(o.kind, new Map()).get(o.kind)!;
    const key = keyOf(o);
    const prev = byKey.get(key);
    if (prev) this.unindex(prev);
    if (e.type === 'DELETED') byKey.delete(key);
    else byKey.set(key, this.index(o));
    this.judge(o, prev?.object, e.type === 'DELETED');
    this.poll();
  }

  /** Reports lapses and leftovers whose bound has run out by now. O(pending); free when nothing is pending. */
  poll(): void {
    if (this.lapses.size === 0 && this.tombstones.length === 0) return;
    const now = this.cluster.clock.now();
    for (const l of this.lapses.values()) {
      if (!l.reported && now - l.sinceMs >= l.boundMs) {
        l.reported = true;
        this.record(l.rule, l.object, `${l.message} (for more than ${l.boundMs} ms since ${l.sinceMs - this.startMs} ms)`, l.sinceMs + l.boundMs);
      }
    }
    while (this.tombstones.length > 0 && this.tombstones[0].dueMs <= now) this.judgeLeftovers(this.tombstones.shift()!);
  }

  /**
   * When the last delete seen so far will have been judged (ms on the Cluster's clock), or undefined
   * when none is pending: a runner that deletes waits until then before it finishes.
   */
  lastLeftoverDeadline(): number | undefined {
    return this.tombstones[this.tombstones.length - 1]?.dueMs;
  }

  /**
   * Final checks, then stops the watches: what is still pending is reported as of now (strict), every
   * settled LatticeService and member must have `observedGeneration == generation`, and leftovers of
   * deletes whose bound has run out are judged (a delete younger than `leftBehindMs` is not).
   * Returns {@link violations}.
   */
  finish(): InvariantViolation[] {
    this.poll();
    for (const l of this.lapses.values()) {
      if (!l.reported) {
        l.reported = true;
        this.record(l.rule, l.object, `${l.message} (still at the end of the run)`, this.cluster.clock.now());
      }
    }
    this.stop();
    return this.violations;
  }

  /** Stops the watches (idempotent). */
  stop(): void {
    this.stopped = true;
    for (const h of this.handles.splice(0)) h.stop();
  }

  /** Objects of `kind` the monitor holds (its cache; for tests). */
  objects(kind: string): KubeObject[] {
    return [...(this.cache.get(kind)?.values() ?? [])].map((i) => i.object);
  }

  private get<T extends KubeObject>(kind: string, namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(kind)?.get(`${namespace ?? ''}/${name}`)?.object as T | undefined;
  }

  private record(rule: InvariantRule, object: Ref, message: string, atMs: number): void {
    this.violations.push({ rule, atMs: atMs - this.startMs, object, message });
  }

  /** Opens, keeps or closes the lapse `rule` of `object`: `message` undefined = holds; bound 0 = a violation now. */
  private assess(rule: InvariantRule, object: Ref, message: string | undefined, boundMs: number): void {
    const id = `${rule}|${object}`;
    if (message === undefined) {
      this.lapses.delete(id);
      return;
    }
    const open = this.lapses.get(id);
    if (open) {
      if (!open.reported) open.message = message;
      if (!open.reported && boundMs === 0) {
        open.reported = true;
        this.record(rule, object, message, this.cluster.clock.now());
      }
      return;
    }
    const now = this.cluster.clock.now();
    this.lapses.set(id, { rule, object, message, sinceMs: now, boundMs, reported: boundMs === 0 });
    if (boundMs === 0) this.record(rule, object, message, now);
  }

  private index(o: KubeObject): Indexed {
    const entry: Indexed = { object: o, owners: (o.metadata.ownerReferences ?? []).map((r) => r.uid).filter(Boolean), principals: [], dns: [] };
    const ref = refOfObject(o);
    for (const uid of entry.owners) (this.owned.get(uid) ?? this.owned.set(uid, new Set()).get(uid)!).add(ref);
    if (o.kind === StubTypes.AuthorizationPolicy.kind) {
      entry.principals = [...new Set(policyPrincipals(o).map(principalIdentity).filter((p): p is string => p !== undefined))];
      for (const p of entry.principals) (this.principalIn.get(p) ?? this.principalIn.set(p, new Set()).get(p)!).add(ref);
    }
    if (o.kind === StubTypes.CiliumNetworkPolicy.kind) {
      entry.dns = [...new Set(policyDnsNames(o))];
      for (const d of entry.dns) (this.dnsIn.get(d) ?? this.dnsIn.set(d, new Set()).get(d)!).add(ref);
    }
    if (o.kind === LatticeMeshMemberType.kind) {
      const m = o as LatticeMeshMember;
      const id = memberIdentity(m);
      this.identities.set(id, (this.identities.get(id) ?? 0) + 1);
      for (const a of m.status?.appliedResources ?? []) {
        const r = refOf(a.kind, m.metadata.namespace, a.name);
        (this.appliedBy.get(r) ?? this.appliedBy.set(r, new Set()).get(r)!).add(keyOf(m));
      }
    }
    if (o.kind === LatticeServiceType.kind && authorized(o as LatticeService) && o.metadata.uid) this.everAuthorized.add(o.metadata.uid);
    return entry;
  }

  private unindex(entry: Indexed): void {
    const o = entry.object;
    const ref = refOfObject(o);
    const drop = (m: Map<string, Set<Ref | string>>, k: string, v: string) => {
      const set = m.get(k);
      set?.delete(v);
      if (set?.size === 0) m.delete(k);
    };
    for (const uid of entry.owners) drop(this.owned, uid, ref);
    for (const p of entry.principals) drop(this.principalIn, p, ref);
    for (const d of entry.dns) drop(this.dnsIn, d, ref);
    if (o.kind === LatticeMeshMemberType.kind) {
      const m = o as LatticeMeshMember;
      const id = memberIdentity(m);
      const n = (this.identities.get(id) ?? 1) - 1;
      if (n > 0) this.identities.set(id, n);
      else this.identities.delete(id);
      for (const a of m.status?.appliedResources ?? []) drop(this.appliedBy, refOf(a.kind, m.metadata.namespace, a.name), keyOf(m));
    }
  }

  /** The rules `o`'s change can affect. */
  private judge(o: KubeObject, prev: KubeObject | undefined, deleted: boolean): void {
    const ns = o.metadata.namespace;
    if (o.kind === LatticeServiceType.kind) {
      const ls = o as LatticeService;
      if (deleted) {
        this.clearLapses(refOfObject(o));
        this.bury(o);
        return;
      }
      this.judgeServiceTransition(ls, prev as LatticeService | undefined);
      this.judgeService(ls);
      return;
    }
    if (o.kind === LatticeMeshMemberType.kind) {
      if (deleted) {
        this.clearLapses(refOfObject(o));
        this.bury(o);
      } else this.judgeGeneration(o as LatticeMeshMember);
      const ls = this.get<LatticeService>(LatticeServiceType.kind, ns, o.metadata.name);
      if (ls) this.judgeMeshPolicies(ls);
      return;
    }
    // A policy the members list as applied changed: re-judge their services.
    for (const memberKey of this.appliedBy.get(refOfObject(o)) ?? []) {
      const slash = memberKey.indexOf('/');
      const ls = this.get<LatticeService>(LatticeServiceType.kind, memberKey.slice(0, slash), memberKey.slice(slash + 1));
      if (ls) this.judgeMeshPolicies(ls);
    }
    // An object owned by, or labelled for, a denied service appeared or went away.
    const owners = new Set([...(o.metadata.ownerReferences ?? []), ...((prev?.metadata.ownerReferences ?? []))].filter((r) => r.kind === LatticeServiceType.kind).map((r) => r.name));
    const labelled = o.metadata.labels?.[LABEL_SERVICE_OWNER] ?? prev?.metadata.labels?.[LABEL_SERVICE_OWNER];
    if (labelled) owners.add(labelled);
    for (const name of owners) {
      const ls = this.get<LatticeService>(LatticeServiceType.kind, ns, name);
      if (ls) this.judgeDenied(ls);
    }
  }

  private clearLapses(object: Ref): void {
    for (const [id, l] of this.lapses) if (l.object === object) this.lapses.delete(id);
  }

  private judgeService(ls: LatticeService): void {
    this.judgeGeneration(ls);
    this.judgeMeshPolicies(ls);
    this.judgeDenied(ls);
  }

  /** `ready-without-mesh-policies`, at the write that makes a service Ready: its member must exist and have reached a verdict. */
  private judgeServiceTransition(ls: LatticeService, prev: LatticeService | undefined): void {
    if (!readyFor(ls) || (prev && readyFor(prev) && prev.status?.observedGeneration === ls.status?.observedGeneration)) return;
    const lmm = this.get<LatticeMeshMember>(LatticeMeshMemberType.kind, ls.metadata.namespace, ls.metadata.name);
    const phase = lmm?.status?.phase;
    if (phase === 'Ready' || phase === 'Failed') return;
    const why = lmm ? `its LatticeMeshMember has phase ${phase ?? '(none)'}: no mesh policy was applied yet` : 'it has no LatticeMeshMember';
    this.record('ready-without-mesh-policies', refOfObject(ls), `written Ready (generation ${ls.metadata.generation}) while ${why}`, this.cluster.clock.now());
  }

  /** `ready-without-mesh-policies`, while Ready: member Ready for its generation, applied resources present. */
  private judgeMeshPolicies(ls: LatticeService): void {
    let message: string | undefined;
    if (readyFor(ls)) {
      const lmm = this.get<LatticeMeshMember>(LatticeMeshMemberType.kind, ls.metadata.namespace, ls.metadata.name);
      if (!lmm) message = 'Ready without a LatticeMeshMember';
      else if (!readyFor(lmm)) {
        message = `Ready while its LatticeMeshMember is ${lmm.status?.phase ?? 'without status'} (observedGeneration ${lmm.status?.observedGeneration ?? 'none'}, generation ${lmm.metadata.generation})`;
      } else {
        const missing = (lmm.status?.appliedResources ?? []).filter((a) => !this.get(a.kind, lmm.metadata.namespace, a.name)).map((a) => `${a.kind} ${a.name}`);
        if (missing.length > 0) message = `Ready while resources its LatticeMeshMember lists as applied do not exist: ${missing.join(', ')}`;
      }
    }
    this.assess('ready-without-mesh-policies', refOfObject(ls), message, this.bounds.meshPolicyLagMs);
  }

  /** `output-for-denied-service`. */
  private judgeDenied(ls: LatticeService): void {
    let message: string | undefined;
    if (denied(ls)) {
      const ns = ls.metadata.namespace;
      const secrets = this.objects(StubTypes.ExternalSecret.kind)
        .filter((es) => es.metadata.namespace === ns && es.metadata.labels?.[LABEL_SERVICE_OWNER] === ls.metadata.name)
        .map(refOfObject);
      const neverAuthorized = !ls.metadata.uid || !this.everAuthorized.has(ls.metadata.uid);
      const owned = neverAuthorized && ls.metadata.uid ? [...(this.owned.get(ls.metadata.uid) ?? [])] : [];
      const found = [...new Set([...secrets, ...owned])].sort();
      if (found.length > 0) message = `the Cedar gate denied it${neverAuthorized ? ' (never authorized)' : ''}, yet ${found.length} compiled object(s) exist: ${found.slice(0, 5).join(', ')}${found.length > 5 ? ', …' : ''}`;
    }
    this.assess('output-for-denied-service', refOfObject(ls), message, this.bounds.meshPolicyLagMs);
  }

  /** `observed-generation-lag` of a LatticeService or member. */
  private judgeGeneration(o: LatticeService | LatticeMeshMember): void {
    const phase = o.status?.phase;
    const lagging = (phase === 'Ready' || phase === 'Failed') && o.status?.observedGeneration !== o.metadata.generation;
    const message = lagging ? `${phase} with observedGeneration ${o.status?.observedGeneration ?? 'none'} behind generation ${o.metadata.generation}` : undefined;
    this.assess('observed-generation-lag', refOfObject(o), message, this.bounds.generationLagMs);
  }

  private bury(o: KubeObject): void {
    const t: Tombstone = {
      dueMs: this.cluster.clock.now() + this.bounds.leftBehindMs,
      kind: o.kind,
      namespace: o.metadata.namespace ?? '',
      name: o.metadata.name,
      uid: o.metadata.uid,
      ...(o.kind === LatticeMeshMemberType.kind
        ? {
            identity: memberIdentity(o as LatticeMeshMember),
            applied: ((o as LatticeMeshMember).status?.appliedResources ?? []).map((a) => refOf(a.kind, o.metadata.namespace, a.name)),
          }
        : {}),
    };
    this.tombstones.push(t);
  }

  /** `left-behind-after-delete` of one deleted object, judged once. */
  private judgeLeftovers(t: Tombstone): void {
    const left = new Set<Ref>(t.uid ? (this.owned.get(t.uid) ?? []) : []);
    if (t.kind === LatticeServiceType.kind && !this.get(LatticeServiceType.kind, t.namespace, t.name)) {
      for (const es of this.objects(StubTypes.ExternalSecret.kind)) if (es.metadata.namespace === t.namespace && es.metadata.labels?.[LABEL_SERVICE_OWNER] === t.name) left.add(refOfObject(es));
    }
    // Policies of Ready members only: a Failed member's policies stay as they were (the platform does not recompile it).
    const readyMembers = this.objects(LatticeMeshMemberType.kind).filter((m) => (m as LatticeMeshMember).status?.phase === 'Ready');
    const readyUids = new Set(readyMembers.map((m) => m.metadata.uid));
    if (t.identity && !this.identities.has(t.identity)) {
      for (const ap of this.principalIn.get(t.identity) ?? []) {
        const slash = ap.indexOf('/');
        const policy = this.get(StubTypes.AuthorizationPolicy.kind, ap.slice(ap.indexOf(' ') + 1, slash), ap.slice(slash + 1));
        if ((policy?.metadata.ownerReferences ?? []).some((r) => readyUids.has(r.uid))) left.add(`${ap} (lists principal ${t.identity})`);
      }
    }
    // What the deleted member applied (its AuthorizationPolicies and PeerAuthentications), unless a member listing them again exists.
    for (const r of t.applied ?? []) {
      const [kind, nsName] = [r.slice(0, r.indexOf(' ')), r.slice(r.indexOf(' ') + 1)];
      const slash = nsName.indexOf('/');
      if (this.get(kind, nsName.slice(0, slash), nsName.slice(slash + 1)) && !this.appliedBy.has(r) && !left.has(r)) left.add(`${r} (applied by it)`);
    }
    if (t.kind === LatticeMeshMemberType.kind && !this.get(LatticeMeshMemberType.kind, t.namespace, t.name)) {
      // Only CNPs of live members count: a deleted member's own CNP stays behind in the reference.
      const liveCnps = new Set(readyMembers.map((m) => refOf(StubTypes.CiliumNetworkPolicy.kind, m.metadata.namespace, derivedName('cnp-mesh-', [m.metadata.namespace ?? '', m.metadata.name]))));
      const dns = serviceDns(t.namespace, t.name);
      for (const cnp of this.dnsIn.get(dns) ?? []) if (liveCnps.has(cnp)) left.add(`${cnp} (allows DNS ${dns})`);
    }
    if (left.size === 0) return;
    const list = [...left].sort();
    this.record(
      'left-behind-after-delete',
      refOf(t.kind, t.namespace, t.name),
      `${list.length} object(s) still refer to it ${this.bounds.leftBehindMs} ms after its delete: ${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}`,
      t.dueMs,
    );
  }
}
