/**
 * Public surface of topologies/ (STYLE.md rule 3): the Topology model, the random topology arbitrary
 * and its contract suite, the oracle (declarations only), rendering to specs, reading declarations
 * from real specs, and the example fleets.
 */
export * from './topology.ts';
export * from './validate.ts';
export * from './format.ts';
export * from './oracle.ts';
export * from './oracle-sampling.ts';
export * from './admission.ts';
export * from './admission-render.ts';
export * from './scale-fleet.ts';
export * from './render.ts';
export * from './from-specs.ts';
export { topologyArbitrary, topologyDrawsArbitrary, buildTopology } from './arbitraries/topology.ts';
export type { TopologyDraws } from './arbitraries/topology.ts';
export { DEFAULT_TOPOLOGY_CONSTRAINTS, MESH_FEATURES_OFF, resolveTopologyConstraints } from './arbitraries/constraints.ts';
export type { TopologyConstraints, ResolvedTopologyConstraints } from './arbitraries/constraints.ts';
export { layerSizes, LAYER_PREFIXES } from './arbitraries/layers.ts';
export { chanceArbitrary } from './arbitraries/chance.ts';
export { assertArbitraryContract, assertTopologyArbitraryContract } from './arbitraries/contract.ts';
export type { ArbitraryContractOptions } from './arbitraries/contract.ts';
export { DEFAULT_RUN_FLEETS, EXAMPLE_FLEETS, exampleFleetDir, loadExampleFleet } from './examples/index.ts';
export type { ExampleFleetName, FleetFile } from './examples/index.ts';
