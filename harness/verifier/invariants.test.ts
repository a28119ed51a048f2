import { describe, expect, it } from 'vitest';
import type { Clock, KubeObject } from '../../fake-apiserver/api/index.ts';
import { derivedName } from '../../platform/mesh/index.ts';
import { DEFAULT_INVARIANT_BOUNDS, InvariantMonitor } from './invariants.ts';

/**
 * Hand-made cluster states, fed to the monitor as watch events (what its watches would deliver), one
 * per rule: each test shows the state that breaks the rule AND the nearest state that keeps it, so no
 * rule can pass vacuously.
 */
function harness() {
  let now = 1_000_000;
  const clock: Clock = { now: () => now, sleep: async () => {}, setTimer: () => ({ cancel: () => {} }) };
  const monitor = new InvariantMonitor({ clock, client: undefined as never, restMapper: { resourceFor: () => undefined, kindFor: () => undefined } });
  return {
    monitor,
    advance: (ms: number) => {
      now += ms;
      monitor.poll();
    },
    add: (o: KubeObject) => monitor.onEvent({ type: 'ADDED', object: o }),
    modify: (o: KubeObject) => monitor.onEvent({ type: 'MODIFIED', object: o }),
    remove: (o: KubeObject) => monitor.onEvent({ type: 'DELETED', object: o }),
    rules: () => monitor.violations.map((v) => v.rule),
  };
}

const ns = 'shop';
const uidOf = (kind: string, name: string) => `uid-${kind}-${name}`;
const owner = (kind: string, name: string, apiVersion = 'lattice.dev/v1alpha1') => ({ apiVersion, kind, name, uid: uidOf(kind, name), controller: true });

function service(name: string, opts: { generation?: number; phase?: string; observedGeneration?: number | null; authorized?: 'True' | 'False' } = {}): KubeObject {
  const conditions = opts.authorized ? [{ type: 'PolicyAuthorized', status: opts.authorized, reason: opts.authorized === 'True' ? 'GatesPassed' : 'AccessSecretDenied', lastTransitionTime: '2026-01-01T00:00:00Z' }] : [];
  return {
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'LatticeService',
    metadata: { name, namespace: ns, uid: uidOf('LatticeService', name), generation: opts.generation ?? 1 },
    spec: {},
    ...(opts.phase ? { status: { phase: opts.phase, observedGeneration: opts.observedGeneration === undefined ? (opts.generation ?? 1) : opts.observedGeneration, conditions } } : {}),
  };
}

function member(name: string, opts: { phase?: string; generation?: number; observedGeneration?: number; applied?: string[]; serviceAccount?: string } = {}): KubeObject {
  return {
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'LatticeMeshMember',
    metadata: { name, namespace: ns, uid: uidOf('LatticeMeshMember', name), generation: opts.generation ?? 1, ownerReferences: [owner('LatticeService', name)] },
    spec: { target: { selector: { 'app.kubernetes.io/name': name } }, ports: [], ...(opts.serviceAccount ? { serviceAccount: opts.serviceAccount } : {}) },
    ...(opts.phase
      ? { status: { phase: opts.phase, observedGeneration: opts.observedGeneration ?? opts.generation ?? 1, appliedResources: (opts.applied ?? []).map((n) => ({ kind: 'AuthorizationPolicy', name: n })) } }
      : {}),
  };
}

function allowTo(callee: string, callerPrincipals: string[]): KubeObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: derivedName('allow-to-', [ns, callee]), namespace: ns, ownerReferences: [owner('LatticeMeshMember', callee)] },
    spec: { action: 'ALLOW', rules: [{ from: [{ source: { principals: callerPrincipals.map((sa) => `lattice.sim/ns/${ns}/sa/${sa}`) } }], to: [{ operation: { ports: ['8080'] } }] }] },
  };
}

function cnp(of: string, dnsCallees: string[]): KubeObject {
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name: derivedName('cnp-mesh-', [ns, of]), namespace: ns },
    spec: { egress: [{ toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }], rules: { dns: dnsCallees.map((c) => ({ matchName: `${c}.${ns}.svc.cluster.local` })) } }] }] },
  };
}

const owned = (kind: string, name: string, by: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: kind === 'ExternalSecret' ? 'external-secrets.io/v1' : 'apps/v1',
  kind,
  metadata: { name, namespace: ns, labels, ownerReferences: [owner('LatticeService', by)] },
});

describe('ready-without-mesh-policies', () => {
  it('a service written Ready while its LatticeMeshMember has no verdict yet breaks it at that write', () => {
    const h = harness();
    h.add(service('api'));
    h.add(member('api'));
    h.modify(service('api', { phase: 'Ready' }));
    expect(h.monitor.violations).toEqual([expect.objectContaining({ rule: 'ready-without-mesh-policies', atMs: 0, object: 'LatticeService shop/api' })]);
    expect(h.monitor.violations[0].message).toMatch(/phase \(none\)/);
  });

  it('the same write after the member applied its policies keeps it', () => {
    const h = harness();
    const ap = allowTo('api', ['web']);
    h.add(service('api'));
    h.add(ap);
    h.add(member('api', { phase: 'Ready', applied: [ap.metadata.name] }));
    h.modify(service('api', { phase: 'Ready' }));
    h.advance(DEFAULT_INVARIANT_BOUNDS.meshPolicyLagMs * 3);
    expect(h.monitor.finish()).toEqual([]);
  });

  it('a Ready service whose applied AuthorizationPolicy disappears breaks it once the lapse outlasts the bound', () => {
    const h = harness();
    const ap = allowTo('api', ['web']);
    h.add(ap);
    h.add(member('api', { phase: 'Ready', applied: [ap.metadata.name] }));
    h.add(service('api', { phase: 'Ready' }));
    h.remove(ap);
    h.advance(DEFAULT_INVARIANT_BOUNDS.meshPolicyLagMs - 1);
    expect(h.rules()).toEqual([]);
    h.advance(1);
    expect(h.monitor.violations).toEqual([expect.objectContaining({ rule: 'ready-without-mesh-policies', atMs: DEFAULT_INVARIANT_BOUNDS.meshPolicyLagMs })]);
    expect(h.monitor.violations[0].message).toContain(`AuthorizationPolicy ${ap.metadata.name}`);
  });

  it('a member that catches up within the bound (cache lag between the two controllers) keeps it', () => {
    const h = harness();
    h.add(member('api', { phase: 'Ready' }));
    h.add(service('api', { phase: 'Ready' }));
    h.modify(member('api', { phase: 'Ready', generation: 2, observedGeneration: 1 }));
    h.advance(25);
    h.modify(member('api', { phase: 'Ready', generation: 2 }));
    h.advance(DEFAULT_INVARIANT_BOUNDS.meshPolicyLagMs * 2);
    expect(h.monitor.finish()).toEqual([]);
  });
});

describe('output-for-denied-service', () => {
  it('a never-authorized denied service with a Deployment breaks it; the same service authorized once before does not', () => {
    const never = harness();
    never.add(service('api', { phase: 'Failed', authorized: 'False' }));
    never.add(owned('Deployment', 'api', 'api'));
    never.advance(DEFAULT_INVARIANT_BOUNDS.meshPolicyLagMs);
    expect(never.monitor.violations).toEqual([expect.objectContaining({ rule: 'output-for-denied-service', object: 'LatticeService shop/api' })]);
    expect(never.monitor.violations[0].message).toContain('Deployment shop/api');

    const before = harness();
    before.add(member('api', { phase: 'Ready' }));
    before.add(service('api', { phase: 'Ready', authorized: 'True' }));
    before.add(owned('Deployment', 'api', 'api'));
    before.modify(service('api', { phase: 'Failed', generation: 2, authorized: 'False' }));
    before.advance(DEFAULT_INVARIANT_BOUNDS.meshPolicyLagMs * 2);
    expect(before.rules()).not.toContain('output-for-denied-service');
  });

  it('an ExternalSecret labelled for a denied service breaks it even after an earlier authorization', () => {
    const h = harness();
    h.add(member('api', { phase: 'Ready' }));
    h.add(service('api', { phase: 'Ready', authorized: 'True' }));
    h.add(owned('ExternalSecret', 'api-db', 'api', { 'lattice.dev/service': 'api' }));
    h.modify(service('api', { phase: 'Failed', generation: 2, authorized: 'False' }));
    expect(h.monitor.finish()).toEqual([expect.objectContaining({ rule: 'output-for-denied-service', message: expect.stringContaining('ExternalSecret shop/api-db') })]);
  });
});

describe('observed-generation-lag', () => {
  it('Ready behind its generation for longer than the bound breaks it; catching up within the bound does not', () => {
    const h = harness();
    for (const name of ['api', 'web']) h.add(member(name, { phase: 'Ready', generation: 2 }));
    h.add(service('api', { phase: 'Ready', generation: 2, observedGeneration: 1 }));
    h.add(service('web', { phase: 'Ready', generation: 2, observedGeneration: 1 }));
    h.advance(DEFAULT_INVARIANT_BOUNDS.generationLagMs / 2);
    h.modify(service('web', { phase: 'Ready', generation: 2 }));
    h.advance(DEFAULT_INVARIANT_BOUNDS.generationLagMs / 2);
    expect(h.monitor.violations.filter((v) => v.rule === 'observed-generation-lag').map((v) => v.object)).toEqual(['LatticeService shop/api']);
  });

  it('at the end every settled service must have caught up, however short the run', () => {
    const h = harness();
    h.add(service('api', { phase: 'Failed', generation: 3, observedGeneration: null }));
    h.add(service('web', { phase: 'Compiling', generation: 3, observedGeneration: 2 }));
    h.advance(10);
    expect(h.monitor.finish()).toEqual([expect.objectContaining({ rule: 'observed-generation-lag', object: 'LatticeService shop/api', message: expect.stringContaining('still at the end') })]);
  });
});

describe('left-behind-after-delete', () => {
  it('an owned AuthorizationPolicy and a peer policy naming the deleted identity are reported once the bound ran out', () => {
    const h = harness();
    const own = allowTo('api', ['web']);
    const peers = allowTo('db', ['api']);
    h.add(member('api', { phase: 'Ready', applied: [own.metadata.name] }));
    h.add(member('db', { phase: 'Ready', applied: [peers.metadata.name] }));
    h.add(member('web', { phase: 'Ready' }));
    h.add(own);
    h.add(peers);
    h.add(cnp('api', ['db']));
    h.add(cnp('web', ['api']));
    h.remove(member('api', { phase: 'Ready', applied: [own.metadata.name] }));
    h.advance(DEFAULT_INVARIANT_BOUNDS.leftBehindMs - 1);
    expect(h.rules()).toEqual([]);
    h.advance(1);
    expect(h.monitor.violations).toHaveLength(1);
    const v = h.monitor.violations[0];
    expect(v).toMatchObject({ rule: 'left-behind-after-delete', object: 'LatticeMeshMember shop/api', atMs: DEFAULT_INVARIANT_BOUNDS.leftBehindMs });
    expect(v.message).toContain(`AuthorizationPolicy shop/${own.metadata.name}`);
    expect(v.message).toContain(`AuthorizationPolicy shop/${peers.metadata.name} (lists principal shop/api)`);
    expect(v.message).toContain(`CiliumNetworkPolicy shop/${derivedName('cnp-mesh-', [ns, 'web'])} (allows DNS api.shop.svc.cluster.local)`);
    // The deleted member's own CNP stays behind in the reference: not reported.
    expect(v.message).not.toContain(derivedName('cnp-mesh-', [ns, 'api']));
  });

  it('a Failed member keeps its policies as they were: its stale principal and DNS name are not leftovers of the delete', () => {
    const h = harness();
    h.add(member('api', { phase: 'Ready' }));
    h.add(member('db', { phase: 'Failed' }));
    h.add(allowTo('db', ['api']));
    h.add(cnp('db', ['api']));
    h.remove(member('api', { phase: 'Ready' }));
    h.advance(DEFAULT_INVARIANT_BOUNDS.leftBehindMs);
    expect(h.rules()).toEqual([]);
  });

  it('a clean delete (GC and neighbours done within the bound) keeps it', () => {
    const h = harness();
    const own = allowTo('api', ['web']);
    h.add(member('api', { phase: 'Ready', applied: [own.metadata.name] }));
    h.add(own);
    h.add(allowTo('db', ['api']));
    h.add(owned('Deployment', 'api', 'api'));
    h.remove(service('api', { phase: 'Ready' }));
    h.remove(member('api'));
    h.advance(50);
    h.remove(own);
    h.remove(owned('Deployment', 'api', 'api'));
    h.modify(allowTo('db', ['web']));
    h.advance(DEFAULT_INVARIANT_BOUNDS.leftBehindMs * 2);
    expect(h.monitor.finish()).toEqual([]);
  });

  it('a policy the deleted member applied without an ownerReference is reported; the same policy re-listed by a re-created member is not', () => {
    for (const recreated of [false, true]) {
      const h = harness();
      const own = { ...allowTo('api', ['web']), metadata: { ...allowTo('api', ['web']).metadata, ownerReferences: [] } };
      h.add(member('api', { phase: 'Ready', applied: [own.metadata.name] }));
      h.add(own);
      h.remove(member('api', { phase: 'Ready', applied: [own.metadata.name] }));
      if (recreated) h.add({ ...member('api', { phase: 'Ready', applied: [own.metadata.name] }), metadata: { ...member('api').metadata, uid: 'uid-again' } });
      h.advance(DEFAULT_INVARIANT_BOUNDS.leftBehindMs);
      if (recreated) expect(h.rules()).toEqual([]);
      else expect(h.monitor.violations).toEqual([expect.objectContaining({ rule: 'left-behind-after-delete', message: expect.stringContaining(`AuthorizationPolicy shop/${own.metadata.name} (applied by it)`) })]);
    }
  });

  it('a Deployment still owned by a deleted LatticeService is reported', () => {
    const h = harness();
    h.add(member('api', { phase: 'Ready' }));
    h.add(service('api', { phase: 'Ready' }));
    h.add(owned('Deployment', 'api', 'api'));
    h.remove(service('api', { phase: 'Ready' }));
    h.advance(DEFAULT_INVARIANT_BOUNDS.leftBehindMs);
    expect(h.monitor.violations).toEqual([expect.objectContaining({ rule: 'left-behind-after-delete', object: 'LatticeService shop/api', message: expect.stringContaining('Deployment shop/api') })]);
  });
});
