import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { CedarEngine, parseCedarText, securityOverrideRequests, secretRequests } from '../../platform/cedar/index.ts';
import type { CedarPolicy, LatticeService } from '../../platform/crds/types.ts';
import { topologyFromSpecs } from '../from-specs.ts';
import { allowedPairs, oracle } from '../oracle.ts';
import { validateTopology } from '../validate.ts';
import { EXAMPLE_FLEETS, exampleFleetDir, loadExampleFleet } from './index.ts';

const fleet = loadExampleFleet('shop');
const objects: KubeObject[] = fleet.files.flatMap((f) => parseAllDocuments(f.text).map((d) => d.toJS() as KubeObject));
const services = objects.filter((o): o is LatticeService => o.kind === 'LatticeService');
const policies = objects.filter((o): o is CedarPolicy => o.kind === 'CedarPolicy');

describe('example fleet shop', () => {
  it('is listed and loads its YAML files in name order', () => {
    expect(EXAMPLE_FLEETS).toContain('shop');
    expect(exampleFleetDir('shop')).toMatch(/topologies\/examples\/shop\/$/);
    expect(fleet.files.map((f) => f.path.split('/').pop())).toEqual([
      'cart.yaml',
      'catalog-db.yaml',
      'catalog.yaml',
      'cedar-policy.yaml',
      'checkout.yaml',
      'namespace.yaml',
      'payments.yaml',
      'storefront.yaml',
    ]);
    expect(() => exampleFleetDir('nope' as 'shop')).toThrow('exampleFleetDir: unknown fleet "nope"');
  });

  it('holds the shop Namespace, one CedarPolicy in lattice-system and six LatticeServices', () => {
    expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual(['shop']);
    expect(policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(['lattice-system/shop-secrets']);
    expect(services.map((s) => s.metadata.name).sort()).toEqual(['cart', 'catalog', 'catalog-db', 'checkout', 'payments', 'storefront']);
  });

  it('gives the oracle exactly the intended allowed set; storefront -> checkout is one-sided and denied', () => {
    const t = topologyFromSpecs(objects, 'shop');
    expect(validateTopology(t)).toEqual([]);
    const expected = oracle(t);
    expect(expected).toHaveLength(30);
    expect(allowedPairs(expected)).toEqual(
      [
        'catalog->catalog-db',
        'checkout->cart',
        'checkout->catalog',
        'checkout->payments',
        'storefront->cart',
        'storefront->catalog',
      ].map((p) => p.replace(/^([\w-]+)->([\w-]+)$/, 'shop/$1->shop/$2')),
    );
    expect(expected.find((p) => p.from === 'shop/storefront' && p.to === 'shop/checkout')).toMatchObject({
      expected: 'deny',
      reason: 'one-sided: caller declares outbound, callee does not allow it',
      port: 8080,
    });
    expect(expected.find((p) => p.to === 'shop/payments' && p.expected === 'allow')?.port).toBe(8443);
    expect(expected.find((p) => p.to === 'shop/catalog-db' && p.expected === 'allow')?.port).toBe(5432);
  });

  it('gives every container an absolute command and limits, so no OverrideSecurity permit is needed', () => {
    for (const s of services) {
      for (const [name, c] of Object.entries(s.spec.workload.containers)) {
        expect(c.command?.[0], `${s.metadata.name}/${name}`).toMatch(/^\//);
        expect(c.resources?.limits?.cpu && c.resources?.limits?.memory, `${s.metadata.name}/${name}`).toBeTruthy();
      }
      expect(securityOverrideRequests({ namespace: 'shop', name: s.metadata.name, kind: 'service' }, s.spec)).toEqual([]);
    }
  });

  it('permits exactly the secrets the shop reads, and nothing outside namespace shop or path shop/*', () => {
    for (const p of policies) expect(parseCedarText(p.spec.policies).ok).toBe(true);
    const engine = CedarEngine.fromPolicies(policies);
    const requests = services.flatMap((s) => secretRequests({ namespace: 'shop', name: s.metadata.name, kind: 'service' }, s.spec.workload.resources));
    expect(requests.map((r) => r.subject).sort()).toEqual(['cart-redis', 'db']);
    expect(engine.authorize(requests).every((d) => d.allowed)).toBe(true);
    const outsider = engine.authorize([
      { action: 'AccessSecret', principal: { namespace: 'other', name: 'cart', kind: 'service' }, resource: { type: 'SecretPath', provider: 'lattice-local', path: 'shop/cart-redis' }, subject: 'x' },
      { action: 'AccessSecret', principal: { namespace: 'shop', name: 'cart', kind: 'service' }, resource: { type: 'SecretPath', provider: 'lattice-local', path: 'other/x' }, subject: 'y' },
      { action: 'AccessSecret', principal: { namespace: 'shop', name: 'cart', kind: 'service' }, resource: { type: 'SecretPath', provider: 'vault', path: 'shop/cart-redis' }, subject: 'z' },
    ]);
    expect(outsider.map((d) => d.allowed)).toEqual([false, false, false]);
  });
});
