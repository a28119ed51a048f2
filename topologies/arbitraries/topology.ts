/**
 * `topologyArbitrary(constraints)`: layered bilateral topologies with the reference random-mesh knobs
 * (reference §5.6): 10–20 services in 3 layers, layer 0 = traffic generators (no ports), every service
 * of a non-last layer declares outbound to each later-layer service with p = 0.3, the callee
 * reciprocates (inbound) with p = 0.6 unless it allows any caller (wildcard, p = 0.15). Probes: every
 * service probes each declared target, up to 3 non-dependencies per later layer, and one same-layer
 * peer. Generation draws from fast-check's seeded random, so a seed reproduces a topology; shrinking
 * (internal/shrink.ts) removes services and declarations, so a failure ends at 2–3 services.
 */
import fc from 'fast-check';
import type { Topology, TopologyService } from '../topology.ts';
import { serviceKey } from '../topology.ts';
import { shrinkTopology } from './internal/shrink.ts';

/** Knobs of {@link topologyArbitrary}. Defaults are the reference's (§5.6). */
export interface TopologyConstraints {
  /** Default 10. */
  minServices?: number;
  /** Default 20. */
  maxServices?: number;
  /** Default 3 (max 5: prefixes frontend, gateway, api, backend, data). */
  layers?: number;
  /** Default 0.3. */
  outboundProbability?: number;
  /** Default 0.6. */
  reciprocatedProbability?: number;
  /** Default 0.15. */
  wildcardInboundProbability?: number;
  /** Default 3: negative probes per later layer. */
  negativesPerLayer?: number;
  /** Default `random-mesh`. */
  namespace?: string;
}

const PREFIXES = ['frontend', 'gateway', 'api', 'backend', 'data'];

type Resolved = Required<TopologyConstraints>;

function resolve(c: TopologyConstraints): Resolved {
  const r: Resolved = {
    minServices: 10,
    maxServices: 20,
    layers: 3,
    outboundProbability: 0.3,
    reciprocatedProbability: 0.6,
    wildcardInboundProbability: 0.15,
    negativesPerLayer: 3,
    namespace: 'random-mesh',
    ...c,
  };
  const fail = (msg: string) => {
    throw new Error(`topologyArbitrary: ${msg}`);
  };
  if (!Number.isInteger(r.layers) || r.layers < 2 || r.layers > PREFIXES.length) fail(`layers must be an integer in [2, ${PREFIXES.length}], got ${r.layers}`);
  if (!Number.isInteger(r.minServices) || r.minServices < r.layers) fail(`minServices must be an integer >= layers (${r.layers}), got ${r.minServices}`);
  if (!Number.isInteger(r.maxServices) || r.maxServices < r.minServices) fail(`maxServices must be an integer >= minServices, got ${r.maxServices}`);
  for (const k of ['outboundProbability', 'reciprocatedProbability', 'wildcardInboundProbability'] as const) {
    if (!(r[k] >= 0 && r[k] <= 1)) fail(`${k} must be in [0, 1], got ${r[k]}`);
  }
  if (!Number.isInteger(r.negativesPerLayer) || r.negativesPerLayer < 0) fail(`negativesPerLayer must be a non-negative integer, got ${r.negativesPerLayer}`);
  return r;
}

/** Layer sizes for `n` services (reference §5.6). */
export function layerSizes(n: number, layers: number, rand: (min: number, max: number) => number): number[] {
  const base = Math.floor(n / layers);
  const sizes: number[] = [];
  let remaining = n;
  for (let l = 0; l < layers - 1; l++) {
    const variance = l === 0 ? Math.floor(base / 2) : Math.floor(base / 3);
    const size = Math.max(1, Math.min(base + rand(0, variance), remaining - (layers - l - 1)));
    sizes.push(size);
    remaining -= size;
  }
  sizes.push(remaining);
  return sizes;
}

/** Builds one topology from a source of uniform draws (`int(min, max)` inclusive, `chance(p)`). */
export function buildTopology(c: Resolved, int: (min: number, max: number) => number, chance: (p: number) => boolean, name: string): Topology {
  const n = int(c.minServices, c.maxServices);
  const sizes = layerSizes(n, c.layers, int);
  const layers: TopologyService[][] = sizes.map((size, l) =>
    Array.from({ length: size }, (_, i) => ({
      namespace: c.namespace,
      name: `${PREFIXES[l]}-${i}`,
      layer: l,
      ports: l === 0 ? [] : [{ name: 'http', port: 80, targetPort: 8080 }],
      outbound: [],
      inbound: [],
      wildcardInbound: l > 0 && chance(c.wildcardInboundProbability),
    })),
  );
  const all = layers.flat();
  for (const caller of all) {
    if (caller.layer === c.layers - 1) continue;
    for (const callee of all.filter((s) => s.layer > caller.layer)) {
      if (!chance(c.outboundProbability)) continue;
      caller.outbound.push(serviceKey(callee));
      if (!callee.wildcardInbound && chance(c.reciprocatedProbability)) callee.inbound.push(serviceKey(caller));
    }
  }
  const probes: Topology['probes'] = [];
  for (const s of all) {
    const from = serviceKey(s);
    for (const to of s.outbound) probes.push({ from, to });
    for (const layer of layers.filter((_, l) => l > s.layer)) {
      const candidates = layer.map(serviceKey).filter((k) => !s.outbound.includes(k));
      for (let k = 0; k < c.negativesPerLayer && candidates.length > 0; k++) probes.push({ from, to: candidates.splice(int(0, candidates.length - 1), 1)[0] });
    }
    const peers = layers[s.layer].map(serviceKey).filter((k) => k !== from);
    if (peers.length > 0) probes.push({ from, to: peers[int(0, peers.length - 1)] });
  }
  for (const s of all) s.inbound.sort();
  return { name, services: all, probes };
}

class TopologyArbitrary extends fc.Arbitrary<Topology> {
  constructor(private readonly c: Resolved) {
    super();
  }
  generate(mrng: fc.Random): fc.Value<Topology> {
    const int = (min: number, max: number) => mrng.nextInt(min, max);
    const chance = (p: number) => mrng.nextDouble() < p;
    return new fc.Value(buildTopology(this.c, int, chance, 'random-mesh'), undefined);
  }
  canShrinkWithoutContext(value: unknown): value is Topology {
    return typeof value === 'object' && value !== null && Array.isArray((value as Topology).services);
  }
  shrink(value: Topology): fc.Stream<fc.Value<Topology>> {
    return new fc.Stream(shrinkTopology(value)).map((t) => new fc.Value(t, undefined));
  }
}

/** The topology arbitrary. Throws an Error naming the arbitrary when constraints are invalid. */
export function topologyArbitrary(constraints: TopologyConstraints = {}): fc.Arbitrary<Topology> {
  return new TopologyArbitrary(resolve(constraints));
}
