import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { topologyFromSpecs } from '../from-specs.ts';
import { allowedPairs, oracle } from '../oracle.ts';
import { validateTopology } from '../validate.ts';
import { EXAMPLE_FLEETS, loadExampleFleet, type ExampleFleetName } from './index.ts';

/** The allowed pairs each fleet's README promises (the oracle must give exactly these). */
const ALLOWED: Record<Exclude<ExampleFleetName, 'shop'>, string[]> = {
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

it('observatory: flowlog -> console is one-sided and denied', () => {
  const expected = oracle(topologyFromSpecs(objectsOf('observatory'), 'observatory'));
  expect(expected.find((p) => p.from === 'observatory/flowlog' && p.to === 'observatory/console')).toMatchObject({ expected: 'deny', reason: 'one-sided: caller declares outbound, callee does not allow it' });
});
