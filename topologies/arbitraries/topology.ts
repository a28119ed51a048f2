/**
 * `topologyArbitrary(constraints)`: layered bilateral topologies with the reference random-mesh knobs
 * (reference §5.6, defaults in constraints.ts). Composed from small arbitraries (STYLE.md rule 15):
 *
 * - `presentSlotsArbitrary` (internal/subset.ts): which of `maxServices` slots are services;
 * - `layerDrawsArbitrary` (layers.ts): layer sizing draws;
 * - `slotArbitrary` (slot.ts): per-slot declaration draws (`chanceArbitrary`) and probe ranks;
 *
 * mapped through `placeSlots` / `wireServices` (wiring.ts) and `chooseProbes` (probes.ts). Shrinking
 * removes slots (fewer services) and turns declaration draws off (fewer declarations); a slot keeps its
 * draws when others go, so a failing pair survives the removal of everything around it.
 */
import fc from 'fast-check';
import type { Topology } from '../topology.ts';
import { resolveTopologyConstraints, type ResolvedTopologyConstraints, type TopologyConstraints } from './constraints.ts';
import { distinctShrinks } from './internal/distinct-shrinks.ts';
import { presentSlotsArbitrary } from './internal/subset.ts';
import { layerDrawsArbitrary } from './layers.ts';
import { chooseProbes } from './probes.ts';
import { slotArbitrary, type SlotDraws } from './slot.ts';
import { placeSlots, wireServices } from './wiring.ts';

export type { TopologyConstraints } from './constraints.ts';

/** Every draw a random topology is built from. */
export interface TopologyDraws {
  /** Present slot indices, ascending. */
  present: number[];
  /** One sizing draw per layer (layers.ts). */
  layerDraws: number[];
  /** Draws of every slot (`maxServices` of them), indexed by slot. */
  slots: SlotDraws[];
}

/**
 * Builds the topology of a set of draws (pure; the same draws give the same topology).
 * Input: draws and resolved constraints. Output: a valid Topology named after the namespace.
 */
export function buildTopology(draws: TopologyDraws, c: ResolvedTopologyConstraints): Topology {
  const placed = placeSlots(draws.present, c.layers, draws.layerDraws);
  const services = wireServices(placed, draws.slots, c.namespace);
  return { name: c.namespace, services, probes: chooseProbes(placed, services, draws.slots, c.negativesPerLayer) };
}

/** The draws arbitrary of resolved constraints (fields in shrink order: services first). */
export function topologyDrawsArbitrary(c: ResolvedTopologyConstraints): fc.Arbitrary<TopologyDraws> {
  return fc.record({
    present: presentSlotsArbitrary({ universe: c.maxServices, minGenerated: c.minServices, maxGenerated: c.maxServices, minShrunk: c.minShrunkServices }),
    layerDraws: layerDrawsArbitrary(c.layers),
    slots: fc.array(slotArbitrary({ slots: c.maxServices, ...c }), { minLength: c.maxServices, maxLength: c.maxServices }),
  });
}

/**
 * Random bilateral topologies (reference §5.6).
 * Input: {@link TopologyConstraints} (all optional; defaults = reference). Output: an arbitrary of
 * valid Topologies with `minServices..maxServices` services over up to `maxNamespaces` namespaces, servers
 * with up to `maxPortsPerService` ports (namespace and port draws never shrink); shrinks are strictly
 * smaller (fewer services, else fewer outbound, else fewer wildcard, else fewer inbound declarations)
 * and go down to `minShrunkServices` services. The same seed gives the same topology.
 * Throws: `Error('topologyArbitrary: <field> must be …')` for bad constraints, at call time.
 */
export function topologyArbitrary(constraints: TopologyConstraints = {}): fc.Arbitrary<Topology> {
  const c = resolveTopologyConstraints(constraints);
  return distinctShrinks(
    topologyDrawsArbitrary(c).map((draws) => buildTopology(draws, c)),
    (t) => JSON.stringify(t),
  );
}
