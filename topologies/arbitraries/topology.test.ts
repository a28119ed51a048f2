import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Topology } from '../topology.ts';
import { serviceKey } from '../topology.ts';
import { validateTopology } from '../validate.ts';
import { chanceArbitrary } from './chance.ts';
import { DEFAULT_TOPOLOGY_CONSTRAINTS, MESH_FEATURES_OFF, resolveTopologyConstraints } from './constraints.ts';
import { removeChunks } from './internal/subset.ts';
import { layerSizes } from './layers.ts';
import { topologyArbitrary } from './topology.ts';
import { SERVER_PORTS } from './wiring.ts';

const byKey = (t: Topology) => new Map(t.services.map((s) => [serviceKey(s), s]));
const hasBilateralEdge = (t: Topology): boolean => {
  const m = byKey(t);
  return t.services.some((c) => c.outbound.some((k) => m.get(k)!.wildcardInbound || m.get(k)!.inbound.includes(serviceKey(c))));
};
const hasOneSidedOutbound = (t: Topology): boolean => {
  const m = byKey(t);
  return t.services.some((c) => c.outbound.some((k) => !m.get(k)!.wildcardInbound && !m.get(k)!.inbound.includes(serviceKey(c))));
};

describe('topologyArbitrary constraints', () => {
  it('has the reference random-mesh defaults (§5.6)', () => {
    expect(resolveTopologyConstraints()).toEqual({
      minServices: 10,
      maxServices: 20,
      minShrunkServices: 2,
      layers: 3,
      outboundProbability: 0.3,
      reciprocatedProbability: 0.6,
      wildcardInboundProbability: 0.15,
      negativesPerLayer: 3,
      namespace: 'random-mesh',
      maxNamespaces: 3,
      maxPortsPerService: 3,
      inboundOnlyProbability: 0.04,
      meshMemberProbability: 0.25,
      serviceAccountProbability: 0.5,
      nonAmbientProbability: 0.2,
      dependsAllProbability: 0.05,
      maxReplicas: 3,
      multiReplicaProbability: 0.2,
      maxCreationDelayMs: 30_000,
      staggerProbability: 0.2,
      externalEgressProbability: 0.3,
      secretProbability: 0.35,
      cedarDenyProbability: 0.03,
      emptyPolicySetProbability: 0.03,
      lateRevocationProbability: 0.12,
      secretTopologyProbability: 0.5,
      invalidSpecProbability: 0.02,
      sharedVolumeProbability: 0.1,
      imageTrustProbability: 0.1,
      ingressProbability: 0.1,
      quotaProbability: 0.1,
      selectorOnlyLabelsProbability: 0.3,
      externalProbeProbability: 0.8,
      jobProbability: 0.1,
    });
    expect(DEFAULT_TOPOLOGY_CONSTRAINTS.minServices).toBe(10);
  });

  it.each([
    [{ minServices: 1 }, 'topologyArbitrary: minServices must be >= 2'],
    [{ minServices: 5, maxServices: 4 }, 'topologyArbitrary: maxServices must be an integer >= minServices'],
    [{ maxServices: 1000 }, 'topologyArbitrary: maxServices must be <= 64'],
    [{ layers: 1 }, 'topologyArbitrary: layers must be an integer in [2, 5]'],
    [{ layers: 6 }, 'topologyArbitrary: layers must be an integer in [2, 5]'],
    [{ outboundProbability: 1.5 }, 'topologyArbitrary: outboundProbability must be a number in [0, 1]'],
    [{ wildcardInboundProbability: Number.NaN }, 'topologyArbitrary: wildcardInboundProbability must be a number in [0, 1]'],
    [{ negativesPerLayer: -1 }, 'topologyArbitrary: negativesPerLayer must be an integer >= 0'],
    [{ minShrunkServices: 11 }, 'topologyArbitrary: minShrunkServices must be an integer in [2, minServices (10)]'],
    [{ namespace: 'Bad_NS' }, 'topologyArbitrary: namespace must be a DNS label'],
    [{ namespace: 'n'.repeat(62) }, 'topologyArbitrary: namespace must be a DNS label'],
    [{ maxNamespaces: 0 }, 'topologyArbitrary: maxNamespaces must be an integer in [1, 3]'],
    [{ maxNamespaces: 4 }, 'topologyArbitrary: maxNamespaces must be an integer in [1, 3]'],
    [{ maxPortsPerService: 0 }, 'topologyArbitrary: maxPortsPerService must be an integer in [1, 3]'],
    [{ maxPortsPerService: 1.5 }, 'topologyArbitrary: maxPortsPerService must be an integer in [1, 3]'],
  ])('rejects %j at once with an error naming the arbitrary', (constraints, message) => {
    expect(() => topologyArbitrary(constraints)).toThrow(message);
  });

  it('lets a single bound move the other one', () => {
    expect(resolveTopologyConstraints({ maxServices: 4 })).toMatchObject({ minServices: 4, maxServices: 4 });
    expect(resolveTopologyConstraints({ minServices: 30 })).toMatchObject({ minServices: 30, maxServices: 30 });
  });
});

describe('layerSizes', () => {
  it('splits n services into layers as the reference does: base = n/L plus a drawn variance, last layer takes the rest', () => {
    expect(layerSizes(12, 3, [0, 0, 0])).toEqual([4, 4, 4]);
    // variance of layer 0 = floor(4/2) = 2: the top draw adds 2; layer 1 variance floor(4/3) = 1.
    expect(layerSizes(12, 3, [999, 999, 0])).toEqual([6, 5, 1]);
  });

  it('gives every layer at least one service and uses one layer per service when there are fewer services than layers', () => {
    expect(layerSizes(2, 3, [999, 999, 999])).toEqual([1, 1]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.nat({ max: 999 }), { minLength: 5, maxLength: 5 }), (n, layers, draws) => {
        const sizes = layerSizes(n, layers, draws);
        expect(sizes).toHaveLength(Math.min(n, layers));
        expect(sizes.every((s) => s >= 1)).toBe(true);
        expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});

describe('chanceArbitrary', () => {
  it('draws true with the given probability despite fast-check bias', () => {
    const values = fc.sample(chanceArbitrary(0.3), { seed: 3, numRuns: 4000 });
    const share = values.filter(Boolean).length / values.length;
    expect(share).toBeGreaterThan(0.27);
    expect(share).toBeLessThan(0.33);
  });

  it('shrinks true to false and never false to true', () => {
    const arb = chanceArbitrary(0.5);
    const samples = fc.sample(fc.tuple(arb), { seed: 1, numRuns: 50 });
    expect(samples.some(([b]) => b) && samples.some(([b]) => !b)).toBe(true);
    const result = fc.check(fc.property(arb, (b) => !b), { seed: 1 });
    expect(result.failed).toBe(true);
    expect(result.counterexample).toEqual([true]);
    const none = fc.check(fc.property(arb, (b) => b), { seed: 1 });
    expect(none.counterexample).toEqual([false]);
  });
});

describe('removeChunks (slot removal shrinker)', () => {
  it('removes large chunks first, then single slots, never going below the floor', () => {
    const candidates = [...removeChunks([1, 2, 3, 4], 2)];
    expect(candidates[0]).toEqual([3, 4]);
    expect(candidates).toContainEqual([1, 3, 4]);
    expect(candidates).toContainEqual([1, 2, 4]);
    expect(candidates.every((c) => c.length >= 2 && c.length < 4)).toBe(true);
    expect([...removeChunks([1, 2], 2)]).toEqual([]);
  });
});

describe('topologyArbitrary values', () => {
  const samples = fc.sample(topologyArbitrary(), { seed: 11, numRuns: 60 });
  // The reference random mesh (§5.6) alone: what the declaration and probe rules below promise before mesh features add to them.
  const baseSamples = fc.sample(topologyArbitrary(MESH_FEATURES_OFF), { seed: 11, numRuns: 60 });

  it('generates between 10 and 20 valid services over namespaces random-mesh, random-mesh-2, random-mesh-3, with cross-namespace declarations', () => {
    const seen = new Set<string>();
    let crossOutbound = 0;
    let crossInbound = 0;
    for (const t of samples) {
      expect(validateTopology(t)).toEqual([]);
      expect(t.services.length).toBeGreaterThanOrEqual(10);
      expect(t.services.length).toBeLessThanOrEqual(20);
      expect(t.name).toBe('random-mesh');
      for (const s of t.services) {
        seen.add(s.namespace);
        crossOutbound += s.outbound.filter((k) => !k.startsWith(`${s.namespace}/`)).length;
        crossInbound += s.inbound.filter((k) => !k.startsWith(`${s.namespace}/`)).length;
      }
    }
    expect(seen).toEqual(new Set(['random-mesh', 'random-mesh-2', 'random-mesh-3']));
    expect(crossOutbound).toBeGreaterThan(0);
    expect(crossInbound).toBeGreaterThan(0);
  });

  it('keeps every service in namespace random-mesh with maxNamespaces 1', () => {
    for (const t of fc.sample(topologyArbitrary({ maxNamespaces: 1 }), { seed: 11, numRuns: 10 })) {
      expect(new Set(t.services.map((s) => s.namespace))).toEqual(new Set(['random-mesh']));
    }
  });

  it('names services <prefix>-<i> per layer; layer 0 are generators without ports, other layers serve 1-3 named ports (http 80->8080 first, target port != port)', () => {
    const prefixes = ['frontend', 'gateway', 'api'];
    const counts = new Set<number>();
    for (const t of samples) {
      expect(new Set(t.services.map((s) => s.layer))).toEqual(new Set([0, 1, 2]));
      for (const s of t.services) {
        expect(s.name).toMatch(new RegExp(`^${prefixes[s.layer]}-\\d+$`));
        if (s.layer === 0) expect(s.ports).toEqual([]);
        else {
          counts.add(s.ports.length);
          expect(s.ports).toEqual([...SERVER_PORTS.slice(0, s.ports.length)]);
          for (const p of s.ports) expect(p.targetPort).not.toBe(p.port);
        }
        if (s.layer === 0) expect(s.wildcardInbound).toBe(false);
      }
    }
    expect(counts).toEqual(new Set([1, 2, 3]));
    for (const t of fc.sample(topologyArbitrary({ maxPortsPerService: 1 }), { seed: 11, numRuns: 10 })) {
      for (const s of t.services) if (s.layer > 0) expect(s.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080 }]);
      // Probes to services name no port (one each); probes outside the cluster always name theirs.
      expect(t.probes.every((p) => p.port === undefined || p.to.startsWith('world:'))).toBe(true);
    }
  });

  it('declares outbound only towards later layers and inbound only from callers that declared outbound, never on wildcard services', () => {
    for (const t of baseSamples) {
      const m = byKey(t);
      for (const s of t.services) {
        for (const k of s.outbound) expect(m.get(k)!.layer).toBeGreaterThan(s.layer);
        for (const k of s.inbound) expect(m.get(k)!.outbound).toContain(serviceKey(s));
        if (s.wildcardInbound) expect(s.inbound).toEqual([]);
      }
    }
  });

  it('with the default knobs, names callers of earlier layers only, some of which never declared outbound (one-sided from the callee side)', () => {
    let oneSided = 0;
    for (const t of samples) {
      const m = byKey(t);
      for (const s of t.services) {
        for (const k of s.inbound) expect(m.get(k)!.layer).toBeLessThan(s.layer);
        oneSided += s.inbound.filter((k) => !m.get(k)!.outbound.includes(serviceKey(s))).length;
        if (s.wildcardInbound) expect(s.inbound).toEqual([]);
      }
    }
    expect(oneSided).toBeGreaterThan(0);
  });

  it('draws declarations with the configured probabilities (roughly)', () => {
    let pairs = 0;
    let outbound = 0;
    let servers = 0;
    let wildcards = 0;
    let reciprocable = 0;
    let inbound = 0;
    for (const t of baseSamples) {
      const m = byKey(t);
      for (const a of t.services) for (const b of t.services) if (b.layer > a.layer) pairs++;
      for (const s of t.services) {
        outbound += s.outbound.length;
        reciprocable += s.outbound.filter((k) => !m.get(k)!.wildcardInbound).length;
        inbound += s.inbound.length;
        if (s.layer > 0) {
          servers++;
          if (s.wildcardInbound) wildcards++;
        }
      }
    }
    expect(outbound / pairs).toBeGreaterThan(0.25);
    expect(outbound / pairs).toBeLessThan(0.35);
    expect(wildcards / servers).toBeGreaterThan(0.08);
    expect(wildcards / servers).toBeLessThan(0.22);
    expect(inbound / reciprocable).toBeGreaterThan(0.52);
    expect(inbound / reciprocable).toBeLessThan(0.68);
  });

  it('probes every declared target, at most negativesPerLayer non-dependencies per later layer, and one same-layer peer', () => {
    for (const t of baseSamples) {
      const m = byKey(t);
      for (const s of t.services) {
        const from = serviceKey(s);
        const mine = t.probes.filter((p) => p.from === from);
        const targets = [...new Set(mine.map((p) => p.to))].map((k) => m.get(k)!);
        // A callee with several ports is probed once per port (port set); one with one port or none once, without port.
        for (const x of targets) {
          const ports = mine.filter((p) => p.to === serviceKey(x)).map((p) => p.port);
          expect(ports).toEqual(x.ports.length > 1 ? x.ports.map((q) => q.port) : [undefined]);
        }
        for (const k of s.outbound) expect(targets.map(serviceKey)).toContain(k);
        const layers = new Set(t.services.map((x) => x.layer));
        for (const layer of layers) {
          const negatives = targets.filter((x) => x.layer === layer && layer > s.layer && !s.outbound.includes(serviceKey(x)));
          const available = t.services.filter((x) => x.layer === layer && !s.outbound.includes(serviceKey(x)));
          if (layer > s.layer) expect(negatives.length).toBe(Math.min(3, available.length));
        }
        const peers = targets.filter((x) => x.layer === s.layer);
        const layerSize = t.services.filter((x) => x.layer === s.layer).length;
        expect(peers.length).toBe(layerSize >= 2 ? 1 : 0);
        expect(targets.filter((x) => x.layer < s.layer)).toEqual([]);
      }
    }
  });

  it('honours custom knobs: no outbound at p=0, every pair at p=1, other namespace and layer count', () => {
    const none = fc.sample(topologyArbitrary({ outboundProbability: 0 }), { seed: 1, numRuns: 5 });
    expect(none.every((t) => t.services.every((s) => s.outbound.length === 0))).toBe(true);
    const all = fc.sample(topologyArbitrary({ outboundProbability: 1, layers: 2, minServices: 4, maxServices: 6, namespace: 'mesh-a', maxNamespaces: 1 }), { seed: 1, numRuns: 5 });
    for (const t of all) {
      expect(validateTopology(t)).toEqual([]);
      const gens = t.services.filter((s) => s.layer === 0);
      const servers = t.services.filter((s) => s.layer === 1);
      for (const g of gens) expect(g.outbound).toEqual(servers.map(serviceKey));
      expect(t.services.every((s) => s.namespace === 'mesh-a' && s.name.match(/^(frontend|gateway)-\d+$/))).toBe(true);
    }
  });
});

describe('topologyArbitrary shrinking', () => {
  it('shrinks a property failing whenever some bilateral edge exists to exactly 2 services', () => {
    for (const seed of [1, 2, 3]) {
      const result = fc.check(fc.property(topologyArbitrary(), (t) => !hasBilateralEdge(t)), { seed });
      expect(result.failed).toBe(true);
      const t = result.counterexample![0] as Topology;
      expect(t.services).toHaveLength(2);
      expect(hasBilateralEdge(t)).toBe(true);
      expect(validateTopology(t)).toEqual([]);
    }
  });

  it('shrinks a property failing whenever some one-sided outbound exists to at most 3 services', () => {
    for (const seed of [1, 2, 3]) {
      const result = fc.check(fc.property(topologyArbitrary(), (t) => !hasOneSidedOutbound(t)), { seed });
      expect(result.failed).toBe(true);
      const t = result.counterexample![0] as Topology;
      expect(t.services.length).toBeLessThanOrEqual(3);
      expect(hasOneSidedOutbound(t)).toBe(true);
    }
  });

  it('never shrinks below minShrunkServices', () => {
    const result = fc.check(fc.property(topologyArbitrary({ minShrunkServices: 5 }), () => false), { seed: 4 });
    expect((result.counterexample![0] as Topology).services).toHaveLength(5);
  });

  it('keeps the failing pair and drops unrelated declarations: one declaration pair is left after shrinking', () => {
    const result = fc.check(fc.property(topologyArbitrary(), (t) => !hasBilateralEdge(t)), { seed: 9 });
    const t = result.counterexample![0] as Topology;
    const declarations = t.services.reduce((n, s) => n + s.outbound.length + s.inbound.length + (s.wildcardInbound ? 1 : 0), 0);
    expect(declarations).toBe(2);
  });
});
