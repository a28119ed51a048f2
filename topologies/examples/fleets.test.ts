import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { topologyFromSpecs } from '../from-specs.ts';
import { allowedPairs, oracle, ORACLE_REASONS } from '../oracle.ts';
import { validateTopology } from '../validate.ts';
import { DEFAULT_RUN_FLEETS, EXAMPLE_FLEETS, loadExampleFleet, type ExampleFleetName } from './index.ts';

/** The allowed pairs each fleet's README promises (the oracle must give exactly these). */
const ALLOWED: Record<Exclude<ExampleFleetName, 'shop' | 'harbor' | 'checkout'>, string[]> = {
  newsroom: ['newsroom/desk->newsroom/morgue', 'newsroom/desk->newsroom/wire', 'newsroom/frontpage->newsroom/desk'],
  observatory: ['observatory/console->observatory/ingest', 'observatory/console->observatory/inventory', 'observatory/flowlog->observatory/ingest', 'observatory/inventory->observatory/ingest'],
  settlement: ['payments/gateway->payments/ledger', 'payments/gateway->risk/scorer', 'risk/scorer->payments/ledger', 'risk/scorer->risk/model-store'],
};

const objectsOf = (name: ExampleFleetName): KubeObject[] => loadExampleFleet(name).files.flatMap((f) => parseAllDocuments(f.text).map((d) => d.toJS() as KubeObject));

describe.each(Object.keys(ALLOWED) as (keyof typeof ALLOWED)[])('example fleet %s', (name) => {
  it('is listed, and the oracle allows exactly the pairs its README names (12 probes)', () => {
    expect(EXAMPLE_FLEETS).toContain(name);
    const t = topologyFromSpecs(objectsOf(name), name);
    expect(validateTopology(t)).toEqual([]);
    const expected = oracle(t);
    expect(expected).toHaveLength(12);
    expect(allowedPairs(expected)).toEqual(ALLOWED[name]);
  });
});

it('checkout (book §8.6): storefront -> checkout and checkout -> payments are the only allowed pairs', () => {
  expect(EXAMPLE_FLEETS).toContain('checkout');
  const t = topologyFromSpecs(objectsOf('checkout'), 'checkout');
  expect(validateTopology(t)).toEqual([]);
  const expected = oracle(t);
  expect(allowedPairs(expected)).toEqual(['commerce/checkout->commerce/payments', 'commerce/storefront->commerce/checkout']);
  expect(expected.filter((p) => p.from === 'commerce/storefront' && p.to === 'commerce/checkout').map((p) => [p.port, p.expected])).toEqual([[8080, 'allow']]);
});

it('observatory: flowlog -> console is one-sided and denied', () => {
  const expected = oracle(topologyFromSpecs(objectsOf('observatory'), 'observatory'));
  expect(expected.find((p) => p.from === 'observatory/flowlog' && p.to === 'observatory/console')).toMatchObject({ expected: 'deny', reason: 'one-sided: caller declares outbound, callee does not allow it' });
});

describe('example fleet harbor (mesh features)', () => {
  const t = topologyFromSpecs(objectsOf('harbor'), 'harbor');
  const expected = oracle(t);
  const of = (from: string, to: string) => expected.find((p) => p.from === from && p.to === to)!;

  it('reads two LatticeServices and three hand-written LatticeMeshMembers with their service accounts, non-ambient tally, depends-all pilot and replicas', () => {
    expect(validateTopology(t)).toEqual([]);
    expect(t.services.map((s) => [`${s.namespace}/${s.name}`, s.kind ?? 'service', s.serviceAccount ?? s.name, s.ambient ?? true, s.dependsAll ?? false, s.replicas ?? 1])).toEqual([
      ['harbor/beacon', 'mesh-member', 'beacon-sa', true, false, 2],
      ['harbor/crane', 'mesh-member', 'crane-operator', true, false, 1],
      ['harbor/manifest', 'service', 'manifest', true, false, 2],
      ['harbor/pilot', 'service', 'pilot', true, true, 1],
      ['logistics/tally', 'mesh-member', 'tally-runner', false, false, 1],
    ]);
    expect(expected).toHaveLength(20);
  });

  it('allows exactly the pairs its README names, each for the README\'s reason', () => {
    expect(allowedPairs(expected)).toEqual(['harbor/crane->harbor/manifest', 'harbor/pilot->harbor/beacon', 'harbor/pilot->harbor/crane', 'harbor/pilot->logistics/tally']);
    expect(of('harbor/pilot', 'harbor/beacon').reason).toBe(ORACLE_REASONS.dependsAll);
    expect(of('harbor/pilot', 'logistics/tally').reason).toBe(ORACLE_REASONS.nonAmbientCallee);
    expect(of('harbor/pilot', 'harbor/manifest').reason).toBe(ORACLE_REASONS.dependsAllNotAllowed);
    expect(of('logistics/tally', 'harbor/manifest').reason).toBe(ORACLE_REASONS.nonAmbientCaller);
  });

  it('is one of the fleets the default run verifies', () => {
    expect(DEFAULT_RUN_FLEETS).toEqual(['shop', 'harbor']);
  });
});
