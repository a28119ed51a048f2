/**
 * Public surface of `platform/mesh/`: the service graph (bilateral agreements), the mesh policy
 * compiler, the Cedar wildcard gate and the cluster-wide defaults (reference §3.2, §3.4, §4).
 */
export * from './derived-name.ts';
export * from './graph.ts';
export * from './live-graph.ts';
export * from './policy-compiler.ts';
export * from './wildcards.ts';
export * from './cluster-defaults.ts';
export * from './ingress-gateway.ts';
export * from './ingress.ts';
