/**
 * The Cedar policy engine behind the platform's gates (reference §3.3): loads CedarPolicy objects
 * the way the reference operator does and answers gate requests with Cedar's own evaluator
 * (`@cedar-policy/cedar-wasm`, reached only through `./wasm.ts`).
 */
import { createHash } from 'node:crypto';
import { policyToJson, preparsePolicySet, statefulIsAuthorized, type AuthorizationAnswer } from './wasm.ts';
import { LATTICE_SYSTEM_NAMESPACE, type CedarPolicy } from '../crds/types.ts';
import { requestEntities } from './entities.ts';
import { REASON_FORBIDDEN, REASON_INTERNAL_PREFIX, REASON_NO_PERMIT, type Authorizer, type GateDecision, type GateRequest } from './types.ts';
import { parseCedarText } from './validation.ts';
import { OPEN_GUARD, policyGuard, PolicySlicer, type PolicyGuard } from './slice.ts';
import { fragmentAnswer, fragmentRequest } from './fragment.ts';

export { REASON_FORBIDDEN, REASON_INTERNAL_PREFIX, REASON_NO_PERMIT };

/** Label that marks a CedarPolicy inherited from a parent cluster (loaded before local ones). */
export const INHERITED_LABEL = 'lattice.dev/inherited';


/** A CedarPolicy that was skipped because its text does not parse: its name and the parse errors. */
export interface CedarLoadError {
  policy: string;
  errors: string[];
}

/** One loaded CR, in load order: its name and the ids given to its policies (`<crName>_<index>`). */
export interface LoadedCedarPolicy {
  name: string;
  inherited: boolean;
  priority: number;
  policyIds: string[];
}

/** Policy sets already handed to Cedar's thread-local cache in this process (keyed by content hash). */
const preparsed = new Set<string>();

/**
 * Hands `entries` (policy id → text) to Cedar's cache under the sha256 of their content, once per
 * process. Output: the id, or the error text when Cedar refused the set. Never throws.
 */
function preparse(entries: readonly (readonly [string, string])[]): { id: string; error?: string } {
  const id = createHash('sha256').update(JSON.stringify(entries)).digest('hex');
  if (preparsed.has(id)) return { id };
  try {
    const answer = preparsePolicySet(id, { staticPolicies: Object.fromEntries(entries) });
    if (answer.type === 'failure') return { id, error: answer.errors.map((e) => e.message).join('; ') };
  } catch (err) {
    return { id, error: (err as Error).message };
  }
  preparsed.add(id);
  return { id };
}

/**
 * A sub-set of an engine's policies: their positions and guards, the attributes they read (undefined:
 * unknown), and, once a request needed Cedar, Cedar's id of the sub-set (or its setup error).
 */
interface Slice {
  positions: readonly number[];
  guards: readonly PolicyGuard[];
  reads: Set<string> | undefined;
  /** Every guard is its policy's whole meaning: `fragment.ts` may answer without Cedar. */
  exact: boolean;
  prepared?: { id: string; error?: string };
}

/** `attrs` without the attributes no policy of the slice reads (they cannot change its evaluation; see slice.ts). */
function readAttrs(attrs: Record<string, string>, reads: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(attrs)) if (reads.has(k)) out[k] = attrs[k];
  return out;
}

/**
 * The order in which CedarPolicies are loaded (reference §3.3): only namespace `lattice-system`;
 * `enabled: false` skipped; inherited ones (label `lattice.dev/inherited: "true"`) first, then local;
 * within each group priority descending, then name ascending (for determinism).
 * Input: any CedarPolicy objects. Output: a new sorted array. Never throws.
 */
export function cedarLoadOrder(objects: readonly CedarPolicy[]): CedarPolicy[] {
  const inherited = (o: CedarPolicy): number => (o.metadata.labels?.[INHERITED_LABEL] === 'true' ? 0 : 1);
  return objects
    .filter((o) => o.metadata?.namespace === LATTICE_SYSTEM_NAMESPACE && typeof o.spec === 'object' && o.spec !== null && o.spec.enabled !== false)
    .slice()
    .sort(
      (a, b) =>
        inherited(a) - inherited(b) ||
        (b.spec.priority ?? 0) - (a.spec.priority ?? 0) ||
        (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0),
    );
}

/**
 * Cedar-backed {@link Authorizer}. Build it with {@link CedarEngine.fromPolicies}; an engine is
 * immutable (a policy change means building a new engine). Default deny: with no policy every
 * request is denied with `no permit policy for this service and resource`.
 *
 * Decision per request (standard Cedar, reference §3.3): allow iff at least one permit matches and
 * no forbid matches. A deny naming determining policies ⇒ `access explicitly forbidden by policy`;
 * without ⇒ `no permit policy for this service and resource`; an evaluator failure ⇒
 * `internal authorization error: <msg>`. A policy whose evaluation errors (e.g. reads a missing
 * attribute) is skipped, as in Cedar. `policies` of a decision lists the determining policy ids
 * (`<crName>_<index>`, index = position of the policy in its CR's text, from 0) in load order.
 *
 * Cost: the combined policy set is parsed once (Cedar's `preparsePolicySet`, cached per process by
 * content hash). Each request is answered over its *slice*: the policies that `slice.ts` cannot prove
 * unable to apply to it (scope, and `when` equalities / `like` on principal and resource attributes).
 * Decisions and determining policies are those of the whole set (see `slice.ts` for why). A request
 * whose slice is empty is denied with no determining policy without a call, which is Cedar's answer
 * for a set of which no policy can be satisfied; one whose slice holds only policies whose guards are
 * their whole meaning is answered by `fragment.ts` without a call (Cedar's answer, see there); any
 * other is one `statefulIsAuthorized` call over its slice, each distinct slice preparsed once
 * (content hash) when first needed.
 */
export class CedarEngine implements Authorizer {
  /** CRs skipped because their text does not parse, in load order. */
  readonly loadErrors: readonly CedarLoadError[];
  /** CRs loaded, in load order. */
  readonly loaded: readonly LoadedCedarPolicy[];
  /** Cedar's cache id of the combined policy set (sha256 of its content); undefined when no policy loaded. */
  readonly policySetId: string | undefined;
  /** Set when the combined policy set could not be handed to Cedar; every request then fails with it. */
  private readonly setupError: string | undefined;
  /** Policy id → position in load order, to report determining policies deterministically. */
  private readonly order: Map<string, number>;
  /** The policies in load order: id and text. */
  private readonly policies: readonly (readonly [string, string])[];
  /** The guard of each policy (same positions as `policies`). */
  private readonly guards: readonly PolicyGuard[];
  /** Which policies may apply to a request (positions in `policies`). */
  private readonly slicer: PolicySlicer;
  /** Slice (policy positions joined by ',') → that sub-set (see {@link Slice}). */
  private readonly slices = new Map<string, Slice>();

  private constructor(
    loaded: LoadedCedarPolicy[],
    loadErrors: CedarLoadError[],
    entries: readonly (readonly [string, string])[],
    policySetId: string | undefined,
    setupError: string | undefined,
  ) {
    this.loaded = loaded;
    this.loadErrors = loadErrors;
    this.policySetId = policySetId;
    this.setupError = setupError;
    this.order = new Map(loaded.flatMap((l) => l.policyIds).map((id, i) => [id, i]));
    this.policies = entries;
    this.guards = entries.map(([, text]) => {
      try {
        const answer = policyToJson(text);
        return answer.type === 'success' ? policyGuard(answer.json) : OPEN_GUARD;
      } catch {
        return OPEN_GUARD; // no JSON form: the policy is never sliced away nor answered without Cedar
      }
    });
    this.slicer = new PolicySlicer(this.guards);
  }

  /**
   * Builds an engine from CedarPolicy objects (reference §3.3 loading; see {@link cedarLoadOrder}).
   * Each CR is parsed on its own: one that fails is skipped and recorded in `loadErrors`; the rest
   * still load. Objects outside `lattice-system` and disabled ones are ignored. Never throws.
   */
  static fromPolicies(objects: readonly CedarPolicy[]): CedarEngine {
    const loaded: LoadedCedarPolicy[] = [];
    const loadErrors: CedarLoadError[] = [];
    const entries: [string, string][] = [];
    for (const obj of cedarLoadOrder(objects)) {
      const name = obj.metadata.name;
      const parsed = parseCedarText(typeof obj.spec.policies === 'string' ? obj.spec.policies : '');
      if (!parsed.ok) {
        loadErrors.push({ policy: name, errors: parsed.errors });
        continue;
      }
      const policyIds = parsed.policies.map((_, i) => `${name}_${i}`);
      parsed.policies.forEach((text, i) => entries.push([policyIds[i], text]));
      loaded.push({ name, inherited: obj.metadata.labels?.[INHERITED_LABEL] === 'true', priority: obj.spec.priority ?? 0, policyIds });
    }
    if (entries.length === 0) return new CedarEngine(loaded, loadErrors, entries, undefined, undefined);
    const { id, error } = preparse(entries);
    return new CedarEngine(loaded, loadErrors, entries, id, error);
  }

  /**
   * Convenience for tests and tools: an engine from one Cedar text, as if it were one enabled
   * CedarPolicy named `name` in `lattice-system`. Never throws (a parse failure lands in `loadErrors`).
   */
  static fromText(text: string, name = 'inline'): CedarEngine {
    return CedarEngine.fromPolicies([
      { apiVersion: 'lattice.dev/v1alpha1', kind: 'CedarPolicy', metadata: { name, namespace: LATTICE_SYSTEM_NAMESPACE }, spec: { policies: text } },
    ]);
  }

  /** Number of policies loaded (over all CRs). */
  get policyCount(): number {
    return this.loaded.reduce((n, l) => n + l.policyIds.length, 0);
  }

  /**
   * Evaluates every request (batch gates report all denials) and returns one decision per request,
   * in order. Never throws: evaluator failures become `internal authorization error: <msg>` denials.
   */
  authorize(requests: readonly GateRequest[]): GateDecision[] {
    return requests.map((r) => this.decide(r));
  }

  private decide(request: GateRequest): GateDecision {
    const deny = (reason: string, policies: string[] = []): GateDecision => ({ request, allowed: false, reason, policies });
    if (this.setupError !== undefined) return deny(REASON_INTERNAL_PREFIX + this.setupError);
    if (this.policySetId === undefined) return deny(REASON_NO_PERMIT);
    let answer: AuthorizationAnswer;
    try {
      const call = requestEntities(request);
      const set = this.sliceFor(call);
      if (set === undefined) return deny(REASON_NO_PERMIT);
      const known = set.exact && fragmentRequest(call) ? fragmentAnswer(set.guards, call) : undefined;
      if (known !== undefined) {
        const policies = known.determining.map((i) => this.policies[set.positions[i]][0]);
        if (known.allowed) return { request, allowed: true, reason: '', policies };
        return deny(policies.length > 0 ? REASON_FORBIDDEN : REASON_NO_PERMIT, policies);
      }
      set.prepared ??= set.positions.length === this.policies.length ? { id: this.policySetId! } : preparse(set.positions.map((i) => this.policies[i]));
      if (set.prepared.error !== undefined) return deny(REASON_INTERNAL_PREFIX + set.prepared.error);
      const { principal, action, resource } = call;
      const entities = set.reads === undefined ? call.entities : call.entities.map((e) => ({ ...e, attrs: readAttrs(e.attrs, set.reads!) }));
      answer = statefulIsAuthorized({ principal, action, resource, context: {}, entities, preparsedPolicySetId: set.prepared.id });
    } catch (err) {
      return deny(REASON_INTERNAL_PREFIX + (err as Error).message);
    }
    if (answer.type === 'failure') return deny(REASON_INTERNAL_PREFIX + answer.errors.map((e) => e.message).join('; '));
    const { decision, diagnostics } = answer.response;
    const policies = [...diagnostics.reason].sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0));
    if (decision === 'allow') return { request, allowed: true, reason: '', policies };
    return deny(policies.length > 0 ? REASON_FORBIDDEN : REASON_NO_PERMIT, policies);
  }

  /** The policies that may apply to `call` (all of them when none is ruled out); undefined when none may. */
  private sliceFor(call: ReturnType<typeof requestEntities>): Slice | undefined {
    const kept = this.slicer.slice(call);
    if (kept.length === 0) return undefined;
    const key = kept.join(',');
    let set = this.slices.get(key);
    if (set === undefined) {
      const guards = kept.map((i) => this.guards[i]);
      set = { positions: kept, guards, reads: this.slicer.reads(kept), exact: guards.every((g) => g.exact) };
      this.slices.set(key, set);
    }
    return set;
  }
}
