import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTopology } from '../format.ts';
import type { Topology } from '../topology.ts';
import { validateTopology } from '../validate.ts';
import { assertArbitraryContract, assertTopologyArbitraryContract } from './contract.ts';
import { MESH_FEATURES_OFF } from './constraints.ts';
import { topologyArbitrary } from './topology.ts';

describe('assertArbitraryContract', () => {
  it('passes for topologyArbitrary with the reference defaults', () => {
    expect(() => assertTopologyArbitraryContract(topologyArbitrary(), { seeds: [1, 2, 3], samplesPerSeed: 10 })).not.toThrow();
  });

  it('passes with one namespace and one port per service (the knobs off)', () => {
    expect(() => assertTopologyArbitraryContract(topologyArbitrary({ maxNamespaces: 1, maxPortsPerService: 1 }), { seeds: [1, 2], samplesPerSeed: 10 })).not.toThrow();
  });

  it('passes for small two-layer topologies that shrink down to their floor', () => {
    expect(() => assertTopologyArbitraryContract(topologyArbitrary({ minServices: 2, maxServices: 6, layers: 2 }), { seeds: [4, 5, 6], shrinkDepth: 8 })).not.toThrow();
  });

  it('reports an arbitrary whose values depend on something other than the seed', () => {
    let calls = 0;
    const unstable = fc.nat().map((n) => n + calls++);
    expect(() => assertArbitraryContract(unstable, () => true)).toThrow(/same seed gave different values/);
  });

  it('reports an invalid value with the problems found', () => {
    const broken = topologyArbitrary({ minServices: 2, maxServices: 4 }).map(
      (t): Topology => ({ ...t, probes: [...t.probes, { from: 'random-mesh/ghost', to: t.services.map((s) => `${s.namespace}/${s.name}`)[0] }] }),
    );
    expect(() => assertArbitraryContract(broken, validateTopology)).toThrow(/invalid value .*from names unknown service random-mesh\/ghost/);
  });

  it('reports a shrink that is not strictly smaller', () => {
    // fc.nat shrinks towards 0; calling "smaller" the larger number makes every shrink a violation.
    expect(() => assertArbitraryContract(fc.nat({ max: 1000 }), () => true, { isStrictlySmaller: (shrunk, original) => shrunk > original })).toThrow(/not strictly smaller/);
  });
});

describe('NoRegression: what fixed seeds generate', () => {
  // Seeds of bug reports written before the namespace and port knobs reproduce with both knobs at 1
  // and the mesh-feature knobs off.
  it.each([1, 2, 3])('seed %i still generates the committed topology (old bug-report seeds reproduce)', (seed) => {
    const [t] = fc.sample(topologyArbitrary({ maxNamespaces: 1, maxPortsPerService: 1, ...MESH_FEATURES_OFF }), { seed, numRuns: 1 });
    expect(formatTopology(t)).toMatchSnapshot();
  });

  it.each([1, 2, 3])('seed %i with the default knobs (up to 3 namespaces, up to 3 ports) generates the committed topology', (seed) => {
    const [t] = fc.sample(topologyArbitrary(), { seed, numRuns: 1 });
    expect(formatTopology(t)).toMatchSnapshot();
  });
});
