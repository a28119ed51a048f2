import { fc, test } from '@fast-check/vitest';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CedarEngine } from './engine.ts';
import { requestEntities } from './entities.ts';
import type { CedarPrincipal, CedarResource, GateAction, GateRequest } from './types.ts';
import { fragmentAnswer, fragmentRequest } from './fragment.ts';
import { policyGuard, PolicySlicer } from './slice.ts';
import { policyToJson, preparsePolicySet, statefulIsAuthorized } from './wasm.ts';

// Random policy sets and requests over small pools (so scopes and literals often hit), each decided
// twice: by the engine (sliced sets, trimmed attributes) and by Cedar over the whole set with the
// full entities. Decision and determining policies must be equal.

const NAMESPACES = ['a', 'b'];
const NAMES = ['x', 'y'];
const ACTIONS: GateAction[] = ['AccessSecret', 'AllowWildcard'];
const PROVIDERS = ['vault', 'local'];
const PATHS = ['a/x/db', 'b/x', 'a*', ''];

const principalArb: fc.Arbitrary<CedarPrincipal> = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  name: fc.constantFrom(...NAMES),
  kind: fc.constantFrom('service' as const, 'job' as const),
});
const resourceArb: fc.Arbitrary<CedarResource> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('SecretPath' as const), provider: fc.constantFrom(...PROVIDERS), path: fc.constantFrom(...PATHS) }) },
  fc.record({ type: fc.constant('SecretPath' as const), provider: fc.constantFrom(...PROVIDERS), path: fc.constantFrom(...PATHS) }),
  fc.record({ type: fc.constant('Mesh' as const), id: fc.constantFrom('inbound' as const, 'outbound' as const) }),
  fc.record({ type: fc.constant('Volume' as const), namespace: fc.constantFrom(...NAMESPACES), volumeId: fc.constantFrom(...NAMES) }),
);
const requestArb: fc.Arbitrary<GateRequest> = fc.record({ action: fc.constantFrom(...ACTIONS), principal: principalArb, resource: resourceArb, subject: fc.constant('s') });

const q = (s: string) => JSON.stringify(s);
const serviceUid = fc.tuple(fc.constantFrom(...NAMESPACES), fc.constantFrom(...NAMES)).map(([ns, n]) => `Lattice::Service::${q(`${ns}/${n}`)}`);
const resourceUid = fc.oneof(
  fc.tuple(fc.constantFrom(...PROVIDERS), fc.constantFrom(...PATHS)).map(([p, path]) => `Lattice::SecretPath::${q(`${p}:${path}`)}`),
  fc.constantFrom('inbound', 'outbound').map((id) => `Lattice::Mesh::${q(id)}`),
  fc.tuple(fc.constantFrom(...NAMESPACES), fc.constantFrom(...NAMES)).map(([ns, n]) => `Lattice::Volume::${q(`${ns}/${n}`)}`),
);
const actionUid = fc.constantFrom(...ACTIONS, 'Other').map((a) => `Lattice::Action::${q(a)}`);
const typeArb = fc.constantFrom('Lattice::Service', 'Lattice::SecretPath', 'Lattice::Mesh', 'Lattice::Volume');

const principalScope = fc.oneof(
  { weight: 4, arbitrary: fc.constant('principal') },
  serviceUid.map((u) => `principal == ${u}`),
  serviceUid.map((u) => `principal in ${u}`),
  typeArb.map((t) => `principal is ${t}`),
  fc.tuple(typeArb, serviceUid).map(([t, u]) => `principal is ${t} in ${u}`),
);
const actionScope = fc.oneof(
  { weight: 3, arbitrary: fc.constant('action') },
  actionUid.map((u) => `action == ${u}`),
  actionUid.map((u) => `action in ${u}`),
  fc.uniqueArray(actionUid, { minLength: 1, maxLength: 3 }).map((us) => `action in [${us.join(', ')}]`),
);
const resourceScope = fc.oneof(
  { weight: 4, arbitrary: fc.constant('resource') },
  resourceUid.map((u) => `resource == ${u}`),
  resourceUid.map((u) => `resource in ${u}`),
  typeArb.map((t) => `resource is ${t}`),
  fc.tuple(typeArb, resourceUid).map(([t, u]) => `resource is ${t} in ${u}`),
);

/** Attribute reads: existing ones, ones only some resource types have, and a missing one (evaluation error). */
const attrRef = fc.constantFrom('principal.namespace', 'principal.name', 'principal["kind"]', 'principal.missing', 'resource.path', 'resource.provider', 'resource.namespace', 'resource.volume_id');
const literal = fc.constantFrom(...NAMESPACES, ...NAMES, ...PROVIDERS, ...PATHS, 'service', 'job').map(q);
const pattern = fc.constantFrom('a/*', '*', '*/db', 'a*', 'a\\*', '*x*', 'b/x', '', '**db', 'b*x', '*/*');
const atom = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(attrRef, literal).map(([a, l]) => `${a} == ${l}`) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('resource.path', 'resource.path', 'principal.namespace', 'resource.provider', 'principal.missing'), pattern).map(([a, p]) => `${a} like ${q(p).replace(/\\\\/g, '\\')}`) },
  fc.tuple(attrRef, literal).map(([a, l]) => `${l} == ${a}`),
  fc.tuple(attrRef, literal).map(([a, l]) => `${a} != ${l}`),
  fc.tuple(attrRef, fc.integer({ min: 0, max: 2 })).map(([a, n]) => `${a} == ${n}`),
  fc.constantFrom('principal has namespace', 'resource has path', 'resource has missing', 'true', 'false', '1 == 1'),
  serviceUid.map((u) => `principal == ${u}`),
);
const conj = fc.array(atom, { minLength: 1, maxLength: 3 }).map((as) => as.join(' && '));
const body = fc.oneof({ weight: 3, arbitrary: conj }, { weight: 1, arbitrary: fc.tuple(conj, conj).map(([a, b]) => `(${a}) || (${b})`) });
const condition = fc.tuple(fc.constantFrom('when', 'when', 'when', 'unless'), body).map(([k, b]) => `${k} { ${b} }`);
const policyArb = fc
  .tuple(fc.constantFrom('permit', 'permit', 'forbid'), principalScope, actionScope, resourceScope, fc.array(condition, { maxLength: 2 }))
  .map(([effect, p, a, r, cs]) => `${effect} (${p}, ${a}, ${r})${cs.map((c) => `\n  ${c}`).join('')};`);
/** Policies mostly inside the fragment `fragment.ts` answers without Cedar (`when` conjunctions of `==` / `like` on attributes), some just outside it. */
const fragmentAtom = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(attrRef, literal).map(([a, l]) => `${a} == ${l}`) },
  { weight: 2, arbitrary: fc.tuple(attrRef, literal).map(([a, l]) => `${l} == ${a}`) },
  { weight: 4, arbitrary: fc.tuple(attrRef, pattern).map(([a, p]) => `${a} like ${q(p).replace(/\\\\/g, '\\')}`) },
  { weight: 1, arbitrary: fc.constantFrom('principal has namespace', 'true', 'principal.namespace != "a"') },
);
const fragmentPolicyArb = fc
  .tuple(
    fc.constantFrom('permit', 'permit', 'forbid'),
    principalScope,
    actionScope,
    resourceScope,
    fc.array(fc.array(fragmentAtom, { minLength: 1, maxLength: 3 }).map((as) => `when { ${as.join(' && ')} }`), { maxLength: 2 }),
  )
  .map(([effect, p, a, r, cs]) => `${effect} (${p}, ${a}, ${r})${cs.map((c) => `\n  ${c}`).join('')};`);

/** Cedar over the whole set, untrimmed entities: the answer slicing must reproduce. */
function unsliced(policies: string[], requests: GateRequest[]): { allowed: boolean; policies: string[] }[] {
  const entries = policies.map((p, i) => [`set_${i}`, p] as const);
  const id = `unsliced-${createHash('sha256').update(JSON.stringify(entries)).digest('hex')}`;
  const ready = preparsePolicySet(id, { staticPolicies: Object.fromEntries(entries) });
  if (ready.type !== 'success') throw new Error(`generated policy set does not parse: ${JSON.stringify(ready.errors)}`);
  return requests.map((r) => {
    const { principal, action, resource, entities } = requestEntities(r);
    const answer = statefulIsAuthorized({ principal, action, resource, context: {}, entities, preparsedPolicySetId: id });
    if (answer.type !== 'success') throw new Error(JSON.stringify(answer.errors));
    return { allowed: answer.response.decision === 'allow', policies: [...answer.response.diagnostics.reason].sort() };
  });
}

/** What the property exercised, so it cannot pass vacuously (checked by the last test). */
const seen = { allowed: 0, forbidden: 0, slicedAway: 0, slicedAwayMatters: 0, emptySlice: 0, fragmentAllowed: 0, fragmentForbidden: 0 };

function tally(policies: string[], requests: GateRequest[], answers: { allowed: boolean; policies: string[] }[]): void {
  const guards = policies.map((p) => policyGuard((policyToJson(p) as { json: unknown }).json));
  const slicer = new PolicySlicer(guards);
  requests.forEach((r, i) => {
    const call = requestEntities(r);
    const positions = slicer.slice(call);
    const kept = positions.length;
    if (kept > 0 && fragmentRequest(call) && fragmentAnswer(positions.map((p) => guards[p]), call) !== undefined) {
      if (answers[i].allowed) seen.fragmentAllowed++;
      else if (answers[i].policies.length > 0) seen.fragmentForbidden++;
    }
    if (answers[i].allowed) seen.allowed++;
    else if (answers[i].policies.length > 0) seen.forbidden++;
    if (kept === 0) seen.emptySlice++;
    if (kept < policies.length) {
      seen.slicedAway++;
      if (kept > 0 && answers[i].policies.length > 0) seen.slicedAwayMatters++;
    }
  });
}

/** The sliced engine's decisions and determining policies equal the whole set's (and are tallied). */
function sameAsWholeSet(policies: string[], requests: Parameters<typeof unsliced>[1]): void {
  const engine = CedarEngine.fromText(policies.join('\n'), 'set');
  expect(engine.loadErrors).toEqual([]);
  const sliced = engine.authorize(requests).map((d) => ({ allowed: d.allowed, policies: [...d.policies].sort() }));
  const whole = unsliced(policies, requests);
  expect(sliced).toEqual(whole);
  tally(policies, requests, whole);
}

describe('policy slicing (issue 9)', () => {
  test.prop([fc.array(policyArb, { minLength: 1, maxLength: 8 }), fc.array(requestArb, { minLength: 1, maxLength: 10 })], { numRuns: 300 })(
    'gives the decision and the determining policies of the whole set, on random policy sets and requests',
    sameAsWholeSet,
  );

  test.prop([fc.array(fragmentPolicyArb, { minLength: 1, maxLength: 8 }), fc.array(requestArb, { minLength: 1, maxLength: 10 })], { numRuns: 200 })(
    'gives the whole set\'s answer when slices are answered without Cedar (fragment.ts), on random policy sets and requests',
    sameAsWholeSet,
  );

  it('answers a request with a lone surrogate as Cedar does (its error), not from the fragment', () => {
    const engine = CedarEngine.fromText('permit (principal, action, resource) when { resource.provider == "vault" };');
    const request: GateRequest = { action: 'AccessSecret', principal: { namespace: 'a', name: 'x', kind: 'service' }, resource: { type: 'SecretPath', provider: 'vault', path: 'a/\ud800' }, subject: 's' };
    expect(fragmentRequest(requestEntities(request))).toBe(false);
    const [d] = engine.authorize([request]);
    expect(d.allowed).toBe(false);
    expect(d.reason).toMatch(/^internal authorization error: /);
    const [ok] = engine.authorize([{ ...request, resource: { type: 'SecretPath', provider: 'vault', path: 'a/\ud83d\ude00' } }]);
    expect(ok).toMatchObject({ allowed: true, policies: ['inline_0'] });
  });

  it('exercised allows, forbids, empty slices, slices that dropped policies beside determining ones, and slices answered without Cedar (allowed and forbidden; a non-empty slice of exact policies holds only satisfied ones)', () => {
    expect(seen.allowed).toBeGreaterThan(50);
    expect(seen.forbidden).toBeGreaterThan(20);
    expect(seen.emptySlice).toBeGreaterThan(20);
    expect(seen.slicedAwayMatters).toBeGreaterThan(50);
    expect(seen.fragmentAllowed).toBeGreaterThan(50);
    expect(seen.fragmentForbidden).toBeGreaterThan(20);
  });
});
