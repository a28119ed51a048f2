/**
 * LatticeQuota enforcement (reference crates/lattice-quota): quantities and workload demand, principals,
 * budget resolution and check, usage. Pure functions; the controllers do the reading and writing.
 */
export * from './resources.ts';
export * from './principal.ts';
export * from './budget.ts';
export * from './usage.ts';
