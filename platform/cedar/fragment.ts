/**
 * Cedar's answer computed without the evaluator, for the requests and policies where a policy's guard
 * (`slice.ts`) is its whole meaning. The engine uses it to answer a request whose slice holds only
 * such policies with no call into Cedar's WebAssembly module; any other request goes to Cedar.
 *
 * Why the answer is Cedar's (Cedar authorization semantics, cedar-policy 4.x; checked against the
 * real engine by `slice.prop.test.ts`):
 *
 * - **Requests.** {@link fragmentRequest} admits a request only when every entity has no parents
 *   (Cedar's `in` is then equality, for the action too: it is absent from the entities or has no
 *   parents), the principal's and the resource's entities are present (an attribute read cannot fail
 *   for a missing entity), every attribute value is a string, every uid type is one `entities.ts`
 *   renders (valid Cedar names), and every string is well-formed Unicode (Cedar refuses a lone
 *   surrogate when the request crosses into Wasm: that request gets Cedar's error, not an answer).
 * - **Policies.** A guard marked `exact` has scope constraints `All`, `==`, `in` (entity or list) or
 *   `is` (optionally `in`), and only `when` clauses made of `&&` over `V.attr == "lit"` and
 *   `V.attr like <pattern>` conjuncts (V the principal or the resource). A policy is satisfied iff its
 *   scope holds and every `when` body evaluates to `true`; a conjunction is `true` iff every conjunct
 *   is (a `false` or an error anywhere makes it not `true`). On an admitted request, a conjunct on an
 *   absent attribute errors, and on a string attribute `==` and `like` are exactly the guard's tests,
 *   so {@link mayApply} is satisfaction.
 * - **Decision.** Allow iff some permit is satisfied and no forbid is; the determining policies are the
 *   satisfied forbids when there is one, else the satisfied permits (the same rule `slice.ts` relies on).
 */
import { CEDAR_ENTITY_TYPES } from './entities.ts';
import { mayApply, type PolicyGuard, type SliceRequest } from './slice.ts';

/** Cedar's answer over a set of policies: allowed or not, and the determining policies (positions into the set, ascending). */
export interface FragmentAnswer {
  allowed: boolean;
  determining: number[];
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(CEDAR_ENTITY_TYPES);

/** True when `s` has no lone surrogate (ES2024 `String.prototype.isWellFormed`, native since Node 20). */
const wellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

const sameUid = (a: { type: string; id: string }, b: { type: string; id: string }): boolean => a.type === b.type && a.id === b.id;

/**
 * True when the request is one whose answer {@link fragmentAnswer} may compute (see the module doc):
 * no entity has parents, the principal and resource entities are present, attribute values are
 * strings, uid types are the ones `entities.ts` renders, no uid has two entries, and every string is
 * well-formed. Never throws.
 */
export function fragmentRequest(req: SliceRequest): boolean {
  let principal = false;
  let resource = false;
  for (const uid of [req.principal, req.action, req.resource]) if (!KNOWN_TYPES.has(uid.type) || !wellFormed(uid.id)) return false;
  for (const e of req.entities) {
    if (e.parents.length !== 0 || !KNOWN_TYPES.has(e.uid.type) || !wellFormed(e.uid.id)) return false;
    for (const k of Object.keys(e.attrs)) {
      const v = e.attrs[k];
      if (typeof v !== 'string' || !wellFormed(k) || !wellFormed(v)) return false;
    }
    principal ||= sameUid(e.uid, req.principal);
    resource ||= sameUid(e.uid, req.resource);
  }
  // Two entries for one uid: left to Cedar (it rejects conflicting duplicates).
  for (let i = 0; i < req.entities.length; i++) for (let j = i + 1; j < req.entities.length; j++) if (sameUid(req.entities[i].uid, req.entities[j].uid)) return false;
  return principal && resource;
}

/**
 * Cedar's answer for `req` over the policies whose guards are `guards` (in set order), or undefined
 * when one of them is not `exact`. Precondition: {@link fragmentRequest}(req). Never throws.
 */
export function fragmentAnswer(guards: readonly PolicyGuard[], req: SliceRequest): FragmentAnswer | undefined {
  const permits: number[] = [];
  const forbids: number[] = [];
  for (let i = 0; i < guards.length; i++) {
    const g = guards[i];
    if (!g.exact) return undefined;
    if (mayApply(g, req)) (g.effect === 'forbid' ? forbids : permits).push(i);
  }
  if (forbids.length > 0) return { allowed: false, determining: forbids };
  return { allowed: permits.length > 0, determining: permits };
}
