/**
 * Policy slicing (issue 9): for one authorization request, the policies of a set that could be
 * satisfied by it. Cedar's cost per request grows with the size of the policy set (every policy's
 * scope and conditions are evaluated), so the engine hands Cedar only the policies this module
 * cannot rule out. Pure functions over Cedar's JSON policy form (`policyToJson`); no Cedar calls.
 *
 * Exactness (Cedar 4 authorization semantics, docs.cedarpolicy.com "Authorization" and "Policy
 * evaluation"): a request is allowed iff some permit is satisfied and no forbid is; the determining
 * policies are the satisfied forbids (when one is satisfied) or else the satisfied permits; a policy
 * whose evaluation errors is not satisfied. A policy that cannot be satisfied by a request is
 * therefore neither deciding nor determining, and dropping it leaves the decision and the determining
 * policies unchanged. Only `diagnostics.errors` may lose entries (a dropped policy that would have
 * errored); the engine does not read them. A policy is ruled out only when one of these is proved:
 *
 * - **Scope.** `principal == E` / `resource == E`: the request's uid differs from E. `is T` (also
 *   `is T in E`): the request's type differs from T. `in E` / `is T in E` and the action's `in E` /
 *   `in [E…]`: the uid is not E (nor in the list) and its ancestors are provably empty (the entity is
 *   absent from the request's entities, or present with no parents — Cedar's `in` is then equality).
 *   Scope constraints never error.
 * - **`when` conditions.** A `when` body is satisfied only if it evaluates to `true`; a conjunction
 *   (`&&`, at any depth) is `true` only if every conjunct is. A conjunct `V.attr == "lit"` (either
 *   side; V is `principal` or `resource`, the literal a string) rules the policy out when the request's
 *   V entity has no attribute `attr` (an evaluation error) or has it as a string other than `lit`; a
 *   conjunct `V.attr like <pattern>` rules it out when the attribute is absent or a string the pattern
 *   does not match (`*` = any sequence, Cedar's glob). Anything else (`||`, `unless`, `has`, other
 *   operators, entity or record literals, non-string attribute values) is kept: unknown ⇒ kept.
 *
 * Entities are in Cedar's JSON entity format (uid, attrs, parents), as `entities.ts` renders them.
 */

/** Cedar JSON entity uid. */
export interface SliceUid {
  type: string;
  id: string;
}

/** What slicing reads of a request: the principal, action and resource uids and the request's entities. */
export interface SliceRequest {
  principal: SliceUid;
  action: SliceUid;
  resource: SliceUid;
  entities: readonly { uid: SliceUid; attrs: Readonly<Record<string, unknown>>; parents: readonly SliceUid[] }[];
}

type UidTest = (uid: SliceUid, req: SliceRequest) => boolean;
type Var = 'principal' | 'resource';
/** One provable requirement of a `when` conjunct on an attribute of the principal or the resource. */
interface AttrTest {
  on: Var;
  attr: string;
  /** True when the attribute's string value can satisfy the conjunct. */
  accepts: (value: string) => boolean;
  /** For `==`: the literal (the only value accepted). */
  equals?: string;
}

/**
 * A policy's guard: the requirements slicing can check without Cedar. Build with {@link policyGuard};
 * test with {@link mayApply}.
 */
export interface PolicyGuard {
  principal: UidTest | undefined;
  action: UidTest | undefined;
  /** The action uids (`type::id` keys) an `action == E` / `in E` / `in [E…]` constraint names; undefined when unconstrained or not understood. */
  actions: ReadonlySet<string> | undefined;
  resource: UidTest | undefined;
  attrs: AttrTest[];
  /** Every attribute name the policy reads (`.attr`, `has attr`); undefined when unknown (no JSON form). */
  reads: ReadonlySet<string> | undefined;
  /** The policy's effect; undefined when unknown. */
  effect: 'permit' | 'forbid' | undefined;
  /**
   * True when the tests above are the policy's whole meaning: every scope constraint is `All` or one
   * `scopeTest` checks exactly, and the conditions are `when` clauses only, each a conjunction of
   * understood `V.attr == "lit"` / `V.attr like <pattern>` conjuncts. Then, for a request whose
   * entities have no parents and hold the principal and the resource with string attributes only,
   * {@link mayApply} is true exactly when Cedar finds the policy satisfied (see `fragment.ts`).
   */
  exact: boolean;
}

/** The guard that rules nothing out (for a policy whose JSON form is not available). */
export const OPEN_GUARD: PolicyGuard = { principal: undefined, action: undefined, actions: undefined, resource: undefined, attrs: [], reads: undefined, effect: undefined, exact: false };

const uidKey = (u: SliceUid): string => `${u.type}::${u.id}`;

const sameUid = (a: SliceUid, b: SliceUid): boolean => a.type === b.type && a.id === b.id;

function isUid(x: unknown): x is SliceUid {
  return typeof x === 'object' && x !== null && typeof (x as SliceUid).type === 'string' && typeof (x as SliceUid).id === 'string';
}

/** True when `uid` provably has no ancestors in the request: absent from its entities, or present with no parents. */
function noAncestors(uid: SliceUid, req: SliceRequest): boolean {
  for (const e of req.entities) if (sameUid(e.uid, uid)) return e.parents.length === 0;
  return true;
}

/** `uid in one of targets` may hold: it is one of them, or its ancestors are not provably empty. */
const inAny = (targets: SliceUid[]): UidTest => (uid, req) => targets.some((t) => sameUid(t, uid)) || !noAncestors(uid, req);

/**
 * The test of one scope constraint (Cedar JSON `principal` / `action` / `resource`), or undefined
 * when it constrains nothing slicing can check (`All`, slots, unknown shapes).
 */
function scopeTest(c: unknown): UidTest | undefined {
  if (typeof c !== 'object' || c === null) return undefined;
  const s = c as { op?: unknown; entity?: unknown; entities?: unknown; entity_type?: unknown; in?: unknown };
  if (s.op === '==' && isUid(s.entity)) {
    const e = s.entity;
    return (uid) => sameUid(uid, e);
  }
  if (s.op === 'in' && isUid(s.entity)) return inAny([s.entity]);
  if (s.op === 'in' && Array.isArray(s.entities) && s.entities.every(isUid)) return inAny(s.entities);
  if (s.op === 'is' && typeof s.entity_type === 'string') {
    const type = s.entity_type;
    const within = typeof s.in === 'object' && s.in !== null && isUid((s.in as { entity?: unknown }).entity) ? inAny([(s.in as { entity: SliceUid }).entity]) : undefined;
    return (uid, req) => uid.type === type && (within === undefined || within(uid, req));
  }
  return undefined;
}

/**
 * True when {@link scopeTest} of `c` is the constraint's whole meaning once the request's entities
 * have no parents (`in` is then equality): `All`, `==` / `in` an entity or entity list, `is T`,
 * `is T in E`. Slots and unknown shapes are not.
 */
function scopeExact(c: unknown): boolean {
  if (typeof c !== 'object' || c === null) return false;
  const s = c as { op?: unknown; entity?: unknown; entities?: unknown; entity_type?: unknown; in?: unknown };
  if (s.op === 'All') return Object.keys(s).length === 1;
  if (s.op === '==' || s.op === 'in') return isUid(s.entity) || (s.op === 'in' && Array.isArray(s.entities) && s.entities.every(isUid));
  if (s.op === 'is') return typeof s.entity_type === 'string' && (s.in === undefined || (typeof s.in === 'object' && s.in !== null && isUid((s.in as { entity?: unknown }).entity)));
  return false;
}

/** `{".": {left: {Var: principal|resource}, attr}}` → [var, attr]. */
function attrAccess(e: unknown): [Var, string] | undefined {
  const dot = (e as { '.'?: { left?: { Var?: unknown }; attr?: unknown } } | null)?.['.'];
  if (!dot || typeof dot.attr !== 'string') return undefined;
  const v = dot.left?.Var;
  return v === 'principal' || v === 'resource' ? [v, dot.attr] : undefined;
}

/** `{Value: "lit"}` → "lit". */
function stringValue(e: unknown): string | undefined {
  const v = (e as { Value?: unknown } | null)?.Value;
  return typeof v === 'string' ? v : undefined;
}

/** Cedar's `like`: pattern elements are literal characters and `Wildcard` (any sequence, possibly empty). */
function likeMatcher(pattern: unknown[]): ((s: string) => boolean) | undefined {
  const elems: (string | null)[] = [];
  for (const p of pattern) {
    if (p === 'Wildcard') elems.push(null);
    else if (typeof p === 'object' && p !== null && typeof (p as { Literal?: unknown }).Literal === 'string' && [...(p as { Literal: string }).Literal].length === 1)
      elems.push((p as { Literal: string }).Literal);
    else return undefined; // a literal element is one character (Cedar's pattern form); anything else is not understood
  }
  // Common shapes without the general matcher: `lit`, `lit*`, `*lit` (each literal element is one code
  // point, so the joined literal is well-formed and UTF-16 code-unit comparison is code-point comparison).
  const stars = elems.filter((e) => e === null).length;
  const lit = elems.filter((e): e is string => e !== null).join('');
  if (stars === 0) return (s) => s === lit;
  if (stars === 1 && elems[elems.length - 1] === null) return (s) => s.startsWith(lit);
  if (stars === 1 && elems[0] === null) return (s) => s.endsWith(lit);
  return (s) => {
    const chars = [...s];
    // Classic glob matching with one backtrack point (the last wildcard seen).
    let i = 0;
    let j = 0;
    let star = -1;
    let mark = 0;
    while (i < chars.length) {
      if (j < elems.length && elems[j] !== null && elems[j] === chars[i]) {
        i++;
        j++;
      } else if (j < elems.length && elems[j] === null) {
        star = j++;
        mark = i;
      } else if (star >= 0) {
        j = star + 1;
        i = ++mark;
      } else return false;
    }
    while (j < elems.length && elems[j] === null) j++;
    return j === elems.length;
  };
}

/**
 * The attribute tests of one conjunct, pushed onto `out` (nothing when the conjunct is not
 * understood). Output: true when every conjunct under `e` was understood (the tests are its meaning).
 */
function conjunctTests(e: unknown, out: AttrTest[]): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const and = (e as { '&&'?: { left: unknown; right: unknown } })['&&'];
  if (and) {
    const left = conjunctTests(and.left, out);
    return conjunctTests(and.right, out) && left;
  }
  const eq = (e as { '=='?: { left: unknown; right: unknown } })['=='];
  if (eq) {
    const [access, lit] = attrAccess(eq.left) ? [attrAccess(eq.left), stringValue(eq.right)] : [attrAccess(eq.right), stringValue(eq.left)];
    if (access && lit !== undefined) {
      out.push({ on: access[0], attr: access[1], accepts: (v) => v === lit, equals: lit });
      return true;
    }
    return false;
  }
  const like = (e as { like?: { left: unknown; pattern: unknown } }).like;
  if (like && Array.isArray(like.pattern)) {
    const access = attrAccess(like.left);
    const match = likeMatcher(like.pattern);
    if (access && match) {
      out.push({ on: access[0], attr: access[1], accepts: match });
      return true;
    }
  }
  return false;
}

/**
 * The guard of one policy from its Cedar JSON form (`policyToJson(text).json`: effect, principal,
 * action, resource, conditions). Unknown shapes constrain nothing. Never throws.
 */
export function policyGuard(json: unknown): PolicyGuard {
  if (typeof json !== 'object' || json === null) return OPEN_GUARD;
  const p = json as { effect?: unknown; principal?: unknown; action?: unknown; resource?: unknown; conditions?: unknown };
  const attrs: AttrTest[] = [];
  let understood = Array.isArray(p.conditions);
  if (Array.isArray(p.conditions))
    for (const c of p.conditions) {
      if ((c as { kind?: unknown })?.kind === 'when') understood = conjunctTests((c as { body?: unknown }).body, attrs) && understood;
      else understood = false;
    }
  const reads = new Set<string>();
  collectReads(p.conditions, reads);
  const a = p.action as { op?: unknown; entity?: unknown; entities?: unknown } | undefined;
  const named = a?.op === '==' || a?.op === 'in' ? (isUid(a.entity) ? [a.entity] : Array.isArray(a.entities) && a.entities.every(isUid) ? a.entities : undefined) : undefined;
  const action = scopeTest(p.action);
  const effect = p.effect === 'permit' || p.effect === 'forbid' ? p.effect : undefined;
  const exact = understood && effect !== undefined && scopeExact(p.principal) && scopeExact(p.action) && scopeExact(p.resource);
  return { principal: scopeTest(p.principal), action, actions: action && named ? new Set(named.map(uidKey)) : undefined, resource: scopeTest(p.resource), attrs, reads, effect, exact };
}

/**
 * Adds every attribute name an expression reads to `out`: Cedar's JSON form writes both `e.attr`
 * (also `e["attr"]`) and `e has attr` as an object with an `attr` string, and no other construct
 * reads an entity attribute (entity values compare by uid; tags are apart from attributes).
 */
function collectReads(e: unknown, out: Set<string>): void {
  if (Array.isArray(e)) {
    for (const x of e) collectReads(x, out);
    return;
  }
  if (typeof e !== 'object' || e === null) return;
  for (const [k, v] of Object.entries(e)) {
    if (k === 'attr' && typeof v === 'string') out.add(v);
    else collectReads(v, out);
  }
}

/**
 * The policies of a set that may apply to a request, with an index by action so a request tests
 * only the policies whose action constraint can hold. Built once per policy set from the guards
 * in order; {@link PolicySlicer.slice} returns positions into that order.
 */
export class PolicySlicer {
  private readonly guards: readonly PolicyGuard[];
  /** Positions of the policies without an equality conjunct (see `byEquality`): all of them, those whose action is unconstrained, and by action key (merged with the unconstrained, ascending). */
  private readonly unindexed: number[] = [];
  private readonly anyAction: number[] = [];
  private readonly byAction = new Map<string, number[]>();
  /**
   * The other policies by their first `V.attr == "lit"` conjunct: `V\0attr` → literal → positions.
   * A request whose V entity has `attr` as a string can satisfy only the policies under that string
   * (the rule of {@link mayApply}, looked up instead of tested one policy at a time).
   */
  private readonly byEquality = new Map<string, { on: Var; attr: string; byValue: Map<string, number[]>; all: number[] }>();

  constructor(guards: readonly PolicyGuard[]) {
    this.guards = guards;
    const named = new Map<string, number[]>();
    guards.forEach((g, i) => {
      const eq = g.attrs.find((t) => t.equals !== undefined);
      if (eq) {
        const key = `${eq.on}\u0000${eq.attr}`;
        let group = this.byEquality.get(key);
        if (!group) this.byEquality.set(key, (group = { on: eq.on, attr: eq.attr, byValue: new Map(), all: [] }));
        group.all.push(i);
        group.byValue.set(eq.equals!, [...(group.byValue.get(eq.equals!) ?? []), i]);
        return;
      }
      this.unindexed.push(i);
      if (g.actions === undefined) this.anyAction.push(i);
      else for (const k of g.actions) named.set(k, [...(named.get(k) ?? []), i]);
    });
    for (const [k, positions] of named) this.byAction.set(k, [...positions, ...this.anyAction].sort((a, b) => a - b));
  }

  /** Positions (ascending) of the policies that may apply to `req`; see {@link mayApply}. */
  slice(req: SliceRequest): number[] {
    // The action index assumes the action has no ancestors (Cedar's `in` is then equality); otherwise test all.
    const candidates = noAncestors(req.action, req) ? [...(this.byAction.get(uidKey(req.action)) ?? this.anyAction)] : [...this.unindexed];
    const before = candidates.length;
    for (const group of this.byEquality.values()) {
      const attrs = attrsOf(group.on === 'principal' ? req.principal : req.resource, req);
      if (attrs === undefined) candidates.push(...group.all);
      else if (Object.prototype.hasOwnProperty.call(attrs, group.attr)) {
        const v = attrs[group.attr];
        candidates.push(...(typeof v === 'string' ? (group.byValue.get(v) ?? []) : group.all));
      } // attribute missing: an evaluation error, none of the group can be satisfied
    }
    if (candidates.length > before) candidates.sort((a, b) => a - b);
    return candidates.filter((i) => mayApply(this.guards[i], req));
  }

  /**
   * The attribute names the policies at `positions` read, or undefined when one of them is not
   * understood. Attributes outside this set cannot change any of those policies' evaluation.
   */
  reads(positions: readonly number[]): Set<string> | undefined {
    const out = new Set<string>();
    for (const i of positions) {
      const r = this.guards[i].reads;
      if (r === undefined) return undefined;
      for (const a of r) out.add(a);
    }
    return out;
  }
}

/** The attributes of `uid`'s entity in the request, or undefined when the entity is absent. */
function attrsOf(uid: SliceUid, req: SliceRequest): Readonly<Record<string, unknown>> | undefined {
  for (const e of req.entities) if (sameUid(e.uid, uid)) return e.attrs;
  return undefined;
}

/**
 * False only when the policy provably cannot be satisfied by the request (see the module doc);
 * true otherwise. Input: a guard from {@link policyGuard} and the request Cedar is asked. Never throws.
 */
export function mayApply(guard: PolicyGuard, req: SliceRequest): boolean {
  if (guard.principal && !guard.principal(req.principal, req)) return false;
  if (guard.action && !guard.action(req.action, req)) return false;
  if (guard.resource && !guard.resource(req.resource, req)) return false;
  for (const t of guard.attrs) {
    const attrs = attrsOf(t.on === 'principal' ? req.principal : req.resource, req);
    // An absent entity is not provably an error here (Cedar's handling of unknown entities is left to Cedar).
    if (attrs === undefined) continue;
    if (!Object.prototype.hasOwnProperty.call(attrs, t.attr)) return false; // attribute missing: evaluation error
    const v = attrs[t.attr];
    if (typeof v === 'string' && !t.accepts(v)) return false;
  }
  return true;
}
