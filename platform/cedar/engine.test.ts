import { describe, expect, it } from 'vitest';
import type { CedarPolicy } from '../crds/types.ts';
import { CedarEngine, cedarLoadOrder, REASON_FORBIDDEN, REASON_NO_PERMIT } from './engine.ts';
import { imageRefResource } from './entities.ts';
import type { CedarPrincipal, CedarResource, GateAction, GateRequest } from './types.ts';

const api: CedarPrincipal = { namespace: 'webapp', name: 'api', kind: 'service' };
const secret = (path: string, provider = 'lattice-local'): CedarResource => ({ type: 'SecretPath', provider, path });
const req = (resource: CedarResource, action: GateAction = 'AccessSecret', principal = api): GateRequest => ({ action, principal, resource, subject: 'x' });

function cr(name: string, policies: string, extra: { namespace?: string; priority?: number; enabled?: boolean; inherited?: boolean } = {}): CedarPolicy {
  return {
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'CedarPolicy',
    metadata: { name, namespace: extra.namespace ?? 'lattice-system', ...(extra.inherited ? { labels: { 'lattice.dev/inherited': 'true' } } : {}) },
    spec: { policies, priority: extra.priority, enabled: extra.enabled },
  };
}

const PERMIT_DB = `permit(principal == Lattice::Service::"webapp/api", action == Lattice::Action::"AccessSecret", resource == Lattice::SecretPath::"lattice-local:webapp/db");`;
const PERMIT_ALL_SECRETS = `permit(principal, action == Lattice::Action::"AccessSecret", resource);`;
const FORBID_DB = `forbid(principal, action, resource) when { resource has path && resource.path == "webapp/db" };`;

describe('CedarEngine decisions', () => {
  it('denies everything with no permit policy when built from zero policies', () => {
    const engine = CedarEngine.fromPolicies([]);
    const [d] = engine.authorize([req(secret('webapp/db'))]);
    expect(d).toMatchObject({ allowed: false, reason: REASON_NO_PERMIT, policies: [] });
    expect(engine.policyCount).toBe(0);
  });

  it('allows a request a permit matches and names the permit as determining policy', () => {
    const engine = CedarEngine.fromPolicies([cr('db', PERMIT_DB)]);
    const [d] = engine.authorize([req(secret('webapp/db'))]);
    expect(d).toMatchObject({ allowed: true, reason: '', policies: ['db_0'] });
  });

  it('denies with the no-permit reason when no permit matches the resource, principal or action', () => {
    const engine = CedarEngine.fromPolicies([cr('db', PERMIT_DB)]);
    const ds = engine.authorize([
      req(secret('webapp/other')),
      req(secret('webapp/db', 'vault')),
      req(secret('webapp/db'), 'AccessSecret', { namespace: 'webapp', name: 'worker', kind: 'service' }),
      req(secret('webapp/db'), 'AccessVolume'),
    ]);
    expect(ds.map((d) => [d.allowed, d.reason])).toEqual(Array(4).fill([false, REASON_NO_PERMIT]));
  });

  it('lets a forbid override a matching permit and reports the forbid', () => {
    const engine = CedarEngine.fromPolicies([cr('permits', PERMIT_ALL_SECRETS), cr('guard', FORBID_DB)]);
    const [denied, allowed] = engine.authorize([req(secret('webapp/db')), req(secret('webapp/cache'))]);
    expect(denied).toMatchObject({ allowed: false, reason: REASON_FORBIDDEN, policies: ['guard_0'] });
    expect(allowed).toMatchObject({ allowed: true, policies: ['permits_0'] });
  });

  it('gives the same decisions whatever the priorities (priority orders loading only)', () => {
    const requests = [req(secret('webapp/db')), req(secret('webapp/cache')), req({ type: 'Mesh', id: 'inbound' }, 'AllowWildcard')];
    const a = CedarEngine.fromPolicies([cr('permits', PERMIT_ALL_SECRETS, { priority: 100 }), cr('guard', FORBID_DB, { priority: -5 })]);
    const b = CedarEngine.fromPolicies([cr('permits', PERMIT_ALL_SECRETS, { priority: -5 }), cr('guard', FORBID_DB, { priority: 100 })]);
    expect(a.loaded.map((l) => l.name)).toEqual(['permits', 'guard']);
    expect(b.loaded.map((l) => l.name)).toEqual(['guard', 'permits']);
    const summary = (e: CedarEngine): unknown[] => e.authorize(requests).map((d) => [d.allowed, d.reason, d.policies]);
    expect(summary(a)).toEqual(summary(b));
  });

  it('evaluates every request of a batch and answers in order', () => {
    const engine = CedarEngine.fromPolicies([cr('db', PERMIT_DB)]);
    const requests = [req(secret('a')), req(secret('webapp/db')), req(secret('b'))];
    const ds = engine.authorize(requests);
    expect(ds.map((d) => d.request)).toEqual(requests);
    expect(ds.map((d) => d.allowed)).toEqual([false, true, false]);
  });

  it('skips a policy whose evaluation errors and denies with the no-permit reason', () => {
    const engine = CedarEngine.fromText(`permit(principal, action, resource) when { resource.nope == "x" };`);
    expect(engine.authorize([req(secret('webapp/db'))])[0]).toMatchObject({ allowed: false, reason: REASON_NO_PERMIT });
  });
});

describe('CedarEngine loading', () => {
  it('skips a CR that does not parse, records its errors and still loads the others', () => {
    const engine = CedarEngine.fromPolicies([cr('broken', 'permit(principal, action resource);'), cr('db', PERMIT_DB)]);
    expect(engine.loadErrors).toHaveLength(1);
    expect(engine.loadErrors[0].policy).toBe('broken');
    expect(engine.loadErrors[0].errors[0]).toMatch(/line 1, column/);
    expect(engine.loaded.map((l) => l.name)).toEqual(['db']);
    expect(engine.authorize([req(secret('webapp/db'))])[0].allowed).toBe(true);
  });

  it('ignores CedarPolicies outside lattice-system', () => {
    const engine = CedarEngine.fromPolicies([cr('elsewhere', PERMIT_ALL_SECRETS, { namespace: 'webapp' })]);
    expect(engine.loaded).toEqual([]);
    expect(engine.authorize([req(secret('webapp/db'))])[0]).toMatchObject({ allowed: false, reason: REASON_NO_PERMIT });
  });

  it('skips disabled CedarPolicies, even unparsable ones', () => {
    const engine = CedarEngine.fromPolicies([cr('off', PERMIT_ALL_SECRETS, { enabled: false }), cr('off-bad', 'nonsense', { enabled: false })]);
    expect(engine.loaded).toEqual([]);
    expect(engine.loadErrors).toEqual([]);
    expect(engine.authorize([req(secret('webapp/db'))])[0].allowed).toBe(false);
  });

  it('names policies <crName>_<index> in source order', () => {
    const engine = CedarEngine.fromPolicies([cr('two', `${FORBID_DB}\n@id("ignored") ${PERMIT_ALL_SECRETS}`)]);
    expect(engine.loaded[0].policyIds).toEqual(['two_0', 'two_1']);
    expect(engine.authorize([req(secret('webapp/x'))])[0].policies).toEqual(['two_1']);
    expect(engine.authorize([req(secret('webapp/db'))])[0].policies).toEqual(['two_0']);
  });

  it('loads inherited policies first, then local, each by priority descending then name', () => {
    const order = cedarLoadOrder([
      cr('local-low', '', { priority: 1 }),
      cr('local-high', '', { priority: 9 }),
      cr('inh-b', '', { inherited: true }),
      cr('inh-a', '', { inherited: true }),
      cr('local-high-b', '', { priority: 9 }),
    ]);
    expect(order.map((o) => o.metadata.name)).toEqual(['inh-a', 'inh-b', 'local-high', 'local-high-b', 'local-low']);
  });

  it('shares one preparsed policy set between engines built from the same policies', () => {
    const a = CedarEngine.fromPolicies([cr('db', PERMIT_DB)]);
    const b = CedarEngine.fromPolicies([cr('db', PERMIT_DB)]);
    const c = CedarEngine.fromPolicies([cr('db2', PERMIT_DB)]);
    expect(a.policySetId).toMatch(/^[0-9a-f]{64}$/);
    expect(b.policySetId).toBe(a.policySetId);
    expect(c.policySetId).not.toBe(a.policySetId);
  });
});

describe('Cedar entities seen by policies', () => {
  const allowedWith = (policy: string, resource: CedarResource, action: GateAction): boolean =>
    CedarEngine.fromText(policy).authorize([req(resource, action)])[0].allowed;

  it('exposes principal namespace, name and kind', () => {
    const p = `permit(principal, action, resource) when { principal.namespace == "webapp" && principal.name == "api" && principal.kind == "service" };`;
    expect(allowedWith(p, secret('x'), 'AccessSecret')).toBe(true);
  });

  it('exposes SecretPath path and provider, and uid provider:path', () => {
    expect(allowedWith(`permit(principal, action, resource) when { resource.provider == "vault" && resource.path like "webapp/*" };`, secret('webapp/db', 'vault'), 'AccessSecret')).toBe(true);
    expect(allowedWith(`permit(principal, action, resource == Lattice::SecretPath::"vault:webapp/db");`, secret('webapp/db', 'vault'), 'AccessSecret')).toBe(true);
  });

  it('exposes ExternalEndpoint host, port as a string, and protocol', () => {
    const ep: CedarResource = { type: 'ExternalEndpoint', host: 'api.stripe.com', port: '443', protocol: 'https' };
    expect(allowedWith(`permit(principal, action, resource) when { resource.port == "443" && resource.protocol == "https" && resource.host like "*.stripe.com" };`, ep, 'AccessExternalEndpoint')).toBe(true);
    expect(allowedWith(`permit(principal, action, resource == Lattice::ExternalEndpoint::"api.stripe.com:443");`, ep, 'AccessExternalEndpoint')).toBe(true);
  });

  it('exposes SecurityOverride category and override_id, Volume namespace and volume_id, Mesh by uid', () => {
    expect(allowedWith(`permit(principal, action, resource) when { resource.category == "capability" && resource.override_id == "capability:NET_ADMIN" };`, { type: 'SecurityOverride', id: 'capability:NET_ADMIN', category: 'capability' }, 'OverrideSecurity')).toBe(true);
    expect(allowedWith(`permit(principal, action, resource == Lattice::Volume::"media/media-storage") when { resource.volume_id == "media-storage" && resource.namespace == "media" };`, { type: 'Volume', namespace: 'media', volumeId: 'media-storage' }, 'AccessVolume')).toBe(true);
    expect(allowedWith(`permit(principal, action == Lattice::Action::"AllowWildcard", resource == Lattice::Mesh::"inbound");`, { type: 'Mesh', id: 'inbound' }, 'AllowWildcard')).toBe(true);
  });

  it('exposes ImageRef registry, name and tag as the reference parses them (parse_image_ref; fidelity row "ImageRef attributes")', () => {
    expect(imageRefResource('nginx:1-alpine')).toMatchObject({ registry: 'docker.io/library', name: 'nginx', tag: '1-alpine' });
    expect(imageRefResource('ghcr.io/evan-hines-js/nzbget')).toMatchObject({ registry: 'ghcr.io/evan-hines-js', name: 'nzbget', tag: 'latest' });
    expect(imageRefResource('localhost:5000/app@sha256:abc')).toMatchObject({ registry: 'localhost:5000', name: 'app', tag: 'sha256:abc' });
    expect(imageRefResource('nginxinc/nginx-unprivileged:1.27-alpine')).toMatchObject({ registry: 'docker.io', name: 'nginxinc/nginx-unprivileged', tag: '1.27-alpine' });
    expect(imageRefResource('reg:5000/team/app')).toMatchObject({ registry: 'reg:5000/team', name: 'app', tag: 'latest' });
    const p = `permit(principal, action, resource) when { resource.registry == "docker.io/library" && resource.name == "redis" && resource.tag == "7-alpine" };`;
    expect(allowedWith(p, imageRefResource('redis:7-alpine'), 'SkipImageVerification')).toBe(true);
  });
});
