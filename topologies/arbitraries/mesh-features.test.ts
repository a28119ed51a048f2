import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oracle, ORACLE_REASONS } from '../oracle.ts';
import type { Topology, TopologyService } from '../topology.ts';
import { serviceKey } from '../topology.ts';
import { topologySize, validateTopology } from '../validate.ts';
import { MESH_FEATURES_OFF } from './constraints.ts';
import { assertTopologyArbitraryContract } from './contract.ts';
import { topologyArbitrary } from './topology.ts';

const byKey = (t: Topology) => new Map(t.services.map((s) => [serviceKey(s), s]));
const isMember = (s: TopologyService) => s.kind === 'mesh-member';
const inboundOnlyPairs = (t: Topology): [string, string][] => {
  const m = byKey(t);
  return t.services.flatMap((s) => s.inbound.filter((k) => !m.get(k)!.outbound.includes(serviceKey(s))).map((k): [string, string] => [k, serviceKey(s)]));
};

/** Each mesh feature, as a predicate over a topology (true = the feature is present). */
const FEATURES: Record<string, (t: Topology) => boolean> = {
  'one-sided inbound (callee names a silent caller)': (t) => inboundOnlyPairs(t).length > 0,
  'mesh-member server': (t) => t.services.some((s) => isMember(s) && s.ports.length > 0),
  'mesh-member traffic generator': (t) => t.services.some((s) => isMember(s) && s.layer === 0),
  'service account other than the name': (t) => t.services.some((s) => s.serviceAccount !== undefined && s.serviceAccount !== s.name),
  'non-ambient member': (t) => t.services.some((s) => s.ambient === false),
  'depends-all LatticeService': (t) => t.services.some((s) => s.dependsAll && !isMember(s)),
  'depends-all mesh-member': (t) => t.services.some((s) => s.dependsAll && isMember(s)),
  'LatticeService with 2+ replicas': (t) => t.services.some((s) => !isMember(s) && (s.replicas ?? 1) >= 2),
  'mesh-member with 2+ replicas': (t) => t.services.some((s) => isMember(s) && (s.replicas ?? 1) >= 2),
  'staggered creation': (t) => t.services.some((s) => (s.createdAtMs ?? 0) > 0),
  'mesh-member with FQDN egress and a callee': (t) => t.services.some((s) => s.egress?.some((e) => e.fqdn) && s.outbound.length > 0),
  'mesh-member with CIDR egress': (t) => t.services.some((s) => s.egress?.some((e) => e.cidr)),
  'cross-namespace edge between a mesh-member and a LatticeService': (t) => {
    const m = byKey(t);
    return t.services.some((s) => s.outbound.some((k) => m.get(k)!.namespace !== s.namespace && isMember(m.get(k)!) !== isMember(s)));
  },
  // Judged by the oracle: each new rule yields a probe in the topology's own probe list.
  'probe allowed by depends-all': (t) => oracle(t).some((p) => p.reason === ORACLE_REASONS.dependsAll),
  'probe denied: depends-all caller not allowed': (t) => oracle(t).some((p) => p.reason === ORACLE_REASONS.dependsAllNotAllowed),
  'probe denied: non-ambient caller over an active edge': (t) => oracle(t).some((p) => p.reason === ORACLE_REASONS.nonAmbientCaller),
  'probe allowed to a non-ambient callee': (t) => oracle(t).some((p) => p.reason === ORACLE_REASONS.nonAmbientCallee),
  'probe allowed from a mesh-member with its own service account': (t) => {
    const m = byKey(t);
    return oracle(t).some((p) => p.expected === 'allow' && m.get(p.from)?.serviceAccount !== undefined);
  },
  'probe allowed from the ingress gateway to a service routing ingress': (t) => oracle(t).some((p) => p.reason === ORACLE_REASONS.ingress),
  'probe allowed from the ingress gateway to a wildcard server': (t) => oracle(t).some((p) => p.reason === ORACLE_REASONS.ingressWildcard),
  'probe denied from the ingress gateway to a service not allowing it': (t) => oracle(t).some((p) => p.reason === ORACLE_REASONS.ingressNotAllowed),
};

describe('mesh features in default random topologies', () => {
  const samples = fc.sample(topologyArbitrary(), { seed: 42, numRuns: 200 });

  it.each(Object.keys(FEATURES))('draws %s in at least one of 200 topologies at the default knobs', (feature) => {
    expect(samples.filter(FEATURES[feature]).length).toBeGreaterThan(0);
  });

  it('draws them with the configured probabilities (roughly) and only where they apply', () => {
    const all = samples.flatMap((t) => t.services);
    const members = all.filter(isMember);
    expect(members.length / all.length).toBeGreaterThan(0.2);
    expect(members.length / all.length).toBeLessThan(0.3);
    expect(members.filter((s) => s.serviceAccount).length / members.length).toBeGreaterThan(0.4);
    expect(members.filter((s) => s.ambient === false).length / members.length).toBeGreaterThan(0.12);
    expect(all.filter((s) => s.dependsAll).length / all.length).toBeGreaterThan(0.03);
    expect(all.filter((s) => (s.createdAtMs ?? 0) > 0).every((s) => s.createdAtMs! <= 30_000)).toBe(true);
    expect(all.filter((s) => s.replicas !== undefined).every((s) => s.replicas! >= 2 && s.replicas! <= 3)).toBe(true);
    // A LatticeService is always ambient and runs as its name.
    expect(all.filter((s) => !isMember(s)).every((s) => s.serviceAccount === undefined && s.ambient === undefined && s.egress === undefined)).toBe(true);
    expect(samples.every((t) => validateTopology(t).length === 0)).toBe(true);
  });

  it('probes every one-sided inbound pair and, from a depends-all caller, every wildcard server', () => {
    let checked = 0;
    for (const t of samples) {
      const probed = new Set(t.probes.map((p) => `${p.from}->${p.to}`));
      for (const [from, to] of inboundOnlyPairs(t)) {
        expect(probed.has(`${from}->${to}`)).toBe(true);
        checked++;
      }
      for (const s of t.services.filter((x) => x.dependsAll)) {
        for (const w of t.services.filter((x) => x.wildcardInbound && x !== s)) {
          expect(probed.has(`${serviceKey(s)}->${serviceKey(w)}`)).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('draws none of them with MESH_FEATURES_OFF', () => {
    for (const t of fc.sample(topologyArbitrary(MESH_FEATURES_OFF), { seed: 42, numRuns: 50 })) {
      for (const f of Object.keys(FEATURES)) expect(FEATURES[f](t)).toBe(false);
    }
  });
});

describe('mesh features shrink', () => {
  const heavy = { meshMemberProbability: 0.6, nonAmbientProbability: 0.5, dependsAllProbability: 0.3, inboundOnlyProbability: 0.2, multiReplicaProbability: 0.5, staggerProbability: 0.5, ingressProbability: 0.4 };

  it('keeps the arbitrary contract with every feature drawn often: same seed same value, every value and every shrink valid and strictly smaller', () => {
    expect(() => assertTopologyArbitraryContract(topologyArbitrary(heavy), { seeds: [1, 2], samplesPerSeed: 10, shrinkDepth: 5 })).not.toThrow();
  });

  // Layers follow slot order, so a pair whose callee slot comes first needs a third service to keep it a server.
  it.each<[string, (t: Topology) => boolean, boolean, number]>([
    ['a non-ambient callee with an allowed probe', (t) => FEATURES['probe allowed to a non-ambient callee'](t), false, 3],
    ['a depends-all caller reaching a wildcard server', (t) => oracle(t).some((p) => p.reason === ORACLE_REASONS.dependsAll && byKey(t).get(p.to)!.wildcardInbound), false, 3],
    ['a one-sided inbound declaration', (t) => inboundOnlyPairs(t).length > 0, false, 2],
    ['a probe from the ingress gateway to a service routing ingress', (t) => FEATURES['probe allowed from the ingress gateway to a service routing ingress'](t), false, 2],
    ['a staggered mesh-member with 2+ replicas and its own service account', (t) => t.services.some((s) => isMember(s) && (s.createdAtMs ?? 0) > 0 && (s.replicas ?? 1) >= 2 && s.serviceAccount !== undefined), true, 2],
  ])('shrinks a property failing on %s to a few services, every shrink valid, the feature kept', (_, has, needsTimingDraws, most) => {
    for (const seed of [1, 2]) {
      const seen: Topology[] = [];
      const result = fc.check(
        fc.property(topologyArbitrary(heavy), (t) => {
          seen.push(t);
          return !has(t);
        }),
        { seed },
      );
      expect(result.failed).toBe(true);
      const t = result.counterexample![0] as Topology;
      expect(has(t)).toBe(true);
      expect(t.services.length).toBeLessThanOrEqual(most);
      expect(seen.every((x) => validateTopology(x).length === 0)).toBe(true);
      // Draws the failure does not need are turned off.
      if (!needsTimingDraws) expect(topologySize(t)).toMatchObject({ extraReplicas: 0, staggered: 0 });
    }
  });
});
