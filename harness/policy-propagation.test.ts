import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { defaultProfile } from './profile.ts';
import { PolicyPropagation } from './policy-propagation.ts';
import { SeededRng } from './rng/index.ts';
import { StubTypes } from './stubs/third-party-crds.ts';
import { World } from './world.ts';

const cnp = (name: string, rv: string, spec: object = { endpointSelector: {}, ingress: [{}] }): KubeObject => ({
  ...StubTypes.CiliumNetworkPolicy,
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  spec,
});

/** A tracker over a hand-moved clock. */
function tracker(delay = { delayMs: 1000, jitterMs: 0 }, seed = 7) {
  const clock = { now: 0 };
  const p = new PolicyPropagation('CiliumNetworkPolicy', () => clock.now, new SeededRng(seed), delay);
  const names = () => p.enforced().map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`);
  return { clock, p, names };
}

describe('PolicyPropagation: policies take effect after a drawn delay', () => {
  it('a created policy is absent until its delay has passed, then enforced', () => {
    const { clock, p, names } = tracker();
    clock.now = 5_000;
    p.changed(cnp('a', '1'));
    clock.now = 5_999;
    expect(names()).toEqual([]);
    clock.now = 6_000;
    expect(names()).toEqual(['a@1']);
  });

  it('an update keeps the previous version until its delay passes; a delete keeps enforcing until then', () => {
    const { clock, p, names } = tracker();
    p.changed(cnp('a', '1'));
    clock.now = 2_000;
    p.changed(cnp('a', '2'));
    clock.now = 2_999;
    expect(names()).toEqual(['a@1']);
    clock.now = 3_000;
    expect(names()).toEqual(['a@2']);
    p.deleted(cnp('a', '3'));
    clock.now = 3_999;
    expect(names()).toEqual(['a@2']);
    clock.now = 4_000;
    expect(names()).toEqual([]);
  });

  it('a later change that lands first wins, and the earlier one never brings the old version back', () => {
    const { clock, p, names } = tracker({ delayMs: 0, jitterMs: 1000 }, 3);
    // Find two draws where the second change lands before the first.
    p.changed(cnp('a', '1'));
    clock.now = 1;
    p.changed(cnp('a', '2'));
    for (clock.now = 1; clock.now <= 1_002; clock.now++) {
      const n = names();
      if (n.includes('a@2')) {
        for (; clock.now <= 1_002; clock.now++) expect(names()).toEqual(['a@2']);
      }
    }
    expect(names()).toEqual(['a@2']);
  });

  it('the version number changes only when the enforced set changes', () => {
    const { clock, p } = tracker();
    const v0 = p.version();
    p.changed(cnp('a', '1'));
    clock.now = 999;
    expect(p.version()).toBe(v0);
    clock.now = 1_000;
    const v1 = p.version();
    expect(v1).not.toBe(v0);
    clock.now = 50_000;
    expect(p.version()).toBe(v1);
  });

  it('draws are keyed by the object: another object does not shift them; a relisted same version is not a change', () => {
    const at = (withOther: boolean) => {
      const { clock, p, names } = tracker({ delayMs: 100, jitterMs: 900 }, 11);
      if (withOther) p.changed(cnp('other', '9'));
      p.changed(cnp('a', '1'));
      p.changed(cnp('a', '1'));
      for (clock.now = 0; ; clock.now++) if (names().includes('a@1')) return clock.now;
    };
    const t = at(false);
    expect(t).toBeGreaterThanOrEqual(100);
    expect(t).toBeLessThanOrEqual(1_000);
    expect(at(true)).toBe(t);
  });
});

describe('World: the dataplane view enforces a policy only after the profile propagation delay', () => {
  it('a CiliumNetworkPolicy created at t is not enforced at t+delay-1 and is at t+delay; a delete lags the same way', async () => {
    const base = defaultProfile();
    const profile = { ...base, apiserver: { watchDelivery: { delayMs: 0, jitterMs: 0 } }, dataplane: { policyPropagation: { delayMs: 1_500, jitterMs: 0 } } };
    const world = await World.create({ seed: 1, profile });
    await world.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
    await world.advance(world.clock.now() + 10_000);
    const enforced = () => world.dataplaneView().ciliumNetworkPolicies.map((o) => o.metadata.name);
    // Moves the virtual clock to `ms` (it only advances to due timers).
    const at = async (ms: number) => {
      world.clock.setTimer(ms - world.clock.now(), () => {});
      await world.advance(ms);
      expect(world.clock.now()).toBe(ms);
    };
    const index = world.dataplane();
    const t = world.clock.now();
    await world.client.create(cnp('deny-all', ''));
    await at(t + 1_499);
    expect(enforced()).toEqual([]);
    expect(world.dataplane()).toBe(index);
    await at(t + 1_500);
    expect(enforced()).toEqual(['deny-all']);
    expect(world.dataplane()).not.toBe(index);
    const t2 = world.clock.now();
    await world.client.delete(StubTypes.CiliumNetworkPolicy, { namespace: 'ns', name: 'deny-all' });
    await at(t2 + 1_499);
    expect(enforced()).toEqual(['deny-all']);
    await at(t2 + 1_500);
    expect(enforced()).toEqual([]);
  });
});
