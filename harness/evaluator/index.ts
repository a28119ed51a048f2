/**
 * Public surface of the enforcement evaluator (DESIGN.md "Probe / Verdict"): `evaluate`,
 * `indexDataplane` + `evaluateIndexed` for many probes over one view, and the contract types.
 */
export { evaluate, evaluateIndexed, indexDataplane, HBONE_PORT } from './evaluate.ts';
export { DataplaneIndex, type EndpointInfo, type RejectedPolicy } from './dataplane-index.ts';
export type { DataplaneView, ProbeRequest, Verdict, Decision, DecidingLayer } from './types.ts';
