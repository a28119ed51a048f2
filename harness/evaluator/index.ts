/**
 * Public surface of the enforcement evaluator (DESIGN.md "Probe / Verdict"): `evaluate`,
 * `indexDataplane` + `evaluateIndexed` for many probes over one view, `evaluateExternalProbe` for a probe
 * to a host outside the cluster, and the contract types.
 */
export { evaluate, evaluateExternalProbe, evaluateIndexed, indexDataplane, HBONE_PORT } from './evaluate.ts';
export { DataplaneIndex, type EndpointInfo, type RejectedPolicy } from './dataplane-index.ts';
export type { DataplaneView, ProbeRequest, Verdict, Decision, DecidingLayer } from './types.ts';
