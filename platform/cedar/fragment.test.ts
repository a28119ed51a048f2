import { describe, expect, it } from 'vitest';
import { requestEntities } from './entities.ts';
import { fragmentAnswer, fragmentRequest } from './fragment.ts';
import { policyGuard, type PolicyGuard } from './slice.ts';
import type { GateRequest } from './types.ts';
import { policyToJson } from './wasm.ts';

// Which policies and requests the engine answers without Cedar. Equality with Cedar's answers is
// slice.prop.test.ts's property; this file pins the shapes the platform's own sets use, so the fast
// path cannot silently vanish, and the boundaries of the fragment.

const guard = (text: string): PolicyGuard => {
  const answer = policyToJson(text);
  if (answer.type !== 'success') throw new Error(JSON.stringify(answer.errors));
  return policyGuard(answer.json);
};

const secret: GateRequest = {
  action: 'AccessSecret',
  principal: { namespace: 'shop', name: 'cart', kind: 'service' },
  resource: { type: 'SecretPath', provider: 'vault', path: 'shop/cart/db' },
  subject: 'db',
};

const namespacePermit = (ns: string, effect = 'permit') =>
  `${effect} (principal is Lattice::Service, action == Lattice::Action::"AccessSecret", resource is Lattice::SecretPath)\n  when { principal.namespace == "${ns}" && resource.provider == "vault" && resource.path like "${ns}/*" };`;

describe('fragment.ts: answers without Cedar', () => {
  it('covers the per-namespace secret permit, the per-service wildcard permit and an unconditional permit', () => {
    expect(guard(namespacePermit('shop')).exact).toBe(true);
    expect(guard('permit (principal == Lattice::Service::"shop/cart", action == Lattice::Action::"AllowWildcard", resource == Lattice::Mesh::"inbound");').exact).toBe(true);
    expect(guard('permit (principal, action in [Lattice::Action::"AccessSecret", Lattice::Action::"AccessVolume"], resource is Lattice::Volume in Lattice::Volume::"a/b");').exact).toBe(true);
    expect(guard('forbid (principal, action, resource);').exact).toBe(true);
  });

  it('leaves unless, ||, !=, has, contains and non-string literals to Cedar', () => {
    for (const cond of [
      'unless { principal.namespace == "a" }',
      'when { principal.namespace == "a" || principal.namespace == "b" }',
      'when { principal.namespace != "a" }',
      'when { principal has namespace }',
      'when { ["a", "b"].contains(principal.namespace) }',
      'when { resource.port == 443 }',
      'when { true }',
      'when { context.x == "a" }',
    ])
      expect(guard(`permit (principal, action, resource) ${cond};`).exact, cond).toBe(false);
  });

  it('decides Cedar\'s way: a satisfied forbid denies and determines, else satisfied permits allow, else no permit', () => {
    const call = requestEntities(secret);
    expect(fragmentRequest(call)).toBe(true);
    const permit = guard(namespacePermit('shop'));
    const other = guard(namespacePermit('billing'));
    const forbid = guard(namespacePermit('shop', 'forbid'));
    expect(fragmentAnswer([other, permit, permit], call)).toEqual({ allowed: true, determining: [1, 2] });
    expect(fragmentAnswer([permit, forbid, other], call)).toEqual({ allowed: false, determining: [1] });
    expect(fragmentAnswer([other], call)).toEqual({ allowed: false, determining: [] });
    expect(fragmentAnswer([permit, guard('permit (principal, action, resource) when { principal.namespace != "x" };')], call)).toBeUndefined();
  });

  it('admits only requests whose entities have no parents, string attributes, both principal and resource, and no repeated uid', () => {
    const call = requestEntities(secret);
    const [principal, resource] = call.entities;
    expect(fragmentRequest({ ...call, entities: [principal, { ...resource, parents: [{ type: 'Lattice::SecretPath', id: 'vault:shop' }] }] })).toBe(false);
    expect(fragmentRequest({ ...call, entities: [principal, { ...resource, attrs: { ...resource.attrs, port: 443 as unknown as string } }] })).toBe(false);
    expect(fragmentRequest({ ...call, entities: [principal] })).toBe(false);
    expect(fragmentRequest({ ...call, entities: [principal, resource, resource] })).toBe(false);
    expect(fragmentRequest({ ...call, resource: { type: 'Other::Type', id: 'x' }, entities: [principal, { ...resource, uid: { type: 'Other::Type', id: 'x' } }] })).toBe(false);
  });
});
