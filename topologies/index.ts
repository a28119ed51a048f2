/**
 * Public surface of topologies/: the Topology model, the random topology arbitrary, the oracle
 * (declarations only), rendering to specs, reading declarations from real specs, example fleets.
 */
export * from './topology.ts';
export * from './oracle.ts';
export * from './render.ts';
export * from './from-specs.ts';
export { topologyArbitrary, layerSizes } from './arbitraries/topology.ts';
export type { TopologyConstraints } from './arbitraries/topology.ts';
export { exampleFleetDir, EXAMPLE_FLEETS } from './examples/index.ts';
