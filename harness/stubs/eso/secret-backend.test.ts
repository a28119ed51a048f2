import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../rng/index.ts';
import { ProviderError, SimulatedSecretBackends } from './secret-backend.ts';

/** Backends over a settable clock (simulated ms; the World starts at 1000 here). */
function backends(defaults = {}) {
  const clock = { t: 1000, now() { return this.t; } };
  return { b: new SimulatedSecretBackends(new SeededRng(5), clock, defaults, 1000), clock };
}

const err = (fn: () => unknown): ProviderError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProviderError) return e;
    throw e;
  }
  throw new Error('expected a ProviderError');
};

describe('SimulatedSecretBackends', () => {
  it('generates a stable value per store/key/property, and serves explicit data as given', () => {
    const { b } = backends();
    const v = b.read('vault', 'vault', 'app/db', 'password');
    expect(v).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(b.read('vault', 'vault', 'app/db', 'password')).toBe(v);
    expect(new SimulatedSecretBackends(new SeededRng(5)).value('vault', 'app/db', 'password')).toBe(v);
    expect(b.read('other', 'vault', 'app/db', 'password')).not.toBe(v);
    b.putKey('vault', 'app/x', { u: 'a', p: 'b' });
    expect(b.readMap('vault', 'vault', 'app/x')).toEqual({ u: 'a', p: 'b' });
    expect(JSON.parse(b.read('vault', 'vault', 'app/x'))).toEqual({ u: 'a', p: 'b' });
    expect(err(() => b.read('vault', 'vault', 'app/x', 'nope'))).toMatchObject({ notFound: false, message: 'key nope does not exist in secret app/x' });
  });

  it('missing keys and properties answer as the provider does', () => {
    const { b } = backends({ stores: { vault: { missing: [{ key: 'gone' }, { key: 'half', property: 'p' }] } } });
    expect(err(() => b.read('vault', 'vault', 'gone', 'p'))).toMatchObject({ notFound: true, message: 'Secret does not exist' });
    expect(err(() => b.readMap('vault', 'vault', 'gone'))).toMatchObject({ notFound: true });
    expect(err(() => b.read('vault', 'vault', 'half', 'p')).notFound).toBe(false);
    expect(b.read('vault', 'vault', 'half', 'q')).toMatch(/^[A-Za-z0-9]{24}$/);
    b.restoreKey('vault', 'gone');
    expect(b.read('vault', 'vault', 'gone', 'p')).toMatch(/^[A-Za-z0-9]{24}$/);
  });

  it('fails every read inside an outage window [fromMs, toMs) with the provider error, and only there', () => {
    const { b, clock } = backends();
    b.outage('aws', 5000, 8000);
    clock.t = 1000 + 4999;
    expect(() => b.read('aws', 'aws', 'k', 'p')).not.toThrow();
    clock.t = 1000 + 5000;
    expect(err(() => b.read('aws', 'aws', 'k', 'p')).message).toMatch(/StatusCode: 503/);
    expect(() => b.read('vault', 'vault', 'k', 'p')).not.toThrow();
    clock.t = 1000 + 8000;
    expect(() => b.read('aws', 'aws', 'k', 'p')).not.toThrow();
  });

  it('rotates values at instants or periodically, and serves older versions by number or AWSPREVIOUS', () => {
    const { b, clock } = backends({ backend: { rotation: { everyMs: 60_000 } } });
    b.rotate('vault', 'fixed', { atMs: [10_000] });
    const v1 = b.read('vault', 'vault', 'fixed', 'p');
    const e1 = b.read('vault', 'vault', 'every', 'p');
    clock.t = 1000 + 10_000;
    const v2 = b.read('vault', 'vault', 'fixed', 'p');
    expect(v2).not.toBe(v1);
    expect(b.read('vault', 'vault', 'fixed', 'p', '1')).toBe(v1);
    expect(b.read('vault', 'vault', 'fixed', 'p', 'AWSPREVIOUS')).toBe(v1);
    expect(err(() => b.read('vault', 'vault', 'fixed', 'p', '3')).notFound).toBe(true);
    expect(b.read('vault', 'vault', 'every', 'p')).toBe(e1);
    clock.t = 1000 + 60_000;
    expect(b.read('vault', 'vault', 'every', 'p')).not.toBe(e1);
    expect(b.read('vault', 'vault', 'fixed', 'p')).toBe(v2); // a key's own schedule replaces the store's
  });

  it('draws latency per store and ExternalSecret from their own stream, and refuses ill-formed configs', () => {
    const { b } = backends({ stores: { slow: { latency: { delayMs: 1000, jitterMs: 500 } } } });
    expect(b.latencyMs('fast', 'ns/a')).toBe(0);
    const draws = [b.latencyMs('slow', 'ns/a'), b.latencyMs('slow', 'ns/a')];
    for (const d of draws) expect(d).toBeGreaterThanOrEqual(1000);
    const other = backends({ stores: { slow: { latency: { delayMs: 1000, jitterMs: 500 } } } }).b;
    other.latencyMs('slow', 'ns/b'); // another ExternalSecret's draw shifts nothing
    expect([other.latencyMs('slow', 'ns/a'), other.latencyMs('slow', 'ns/a')]).toEqual(draws);
    expect(() => b.outage('x', 10, 5)).toThrow('secretBackends.configure(x).outages[0]: toMs must be after fromMs');
    expect(() => backends({ stores: { v: { rotation: { everyMs: 0 } } } })).toThrow('externalSecrets.stores.v.rotation.everyMs: must be > 0');
  });
});
