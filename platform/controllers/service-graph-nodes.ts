/**
 * Which names the reference's shared service graph holds, for the one question the workload compiler
 * asks of it: does an outbound external-service name a graph node of the workload's own namespace
 * (reference crates/lattice-workload/src/compiler.rs:849-853, `graph.get_service(ns, id ?? key)`)?
 * Such an external-service gets no egress rule. Read from the informer cache.
 */
import type { KubeClient } from '../../fake-apiserver/api/index.ts';
import type { CompileContext } from '../compiler/index.ts';
import { LatticeJobType, LatticeMeshMemberType, LatticeServiceType } from '../crds/types.ts';
import type { LatticeJob, LatticeMeshMember, LatticeService, ResourceSpec, WorkloadSpec } from '../crds/types.ts';
import { LatticeModelType, type LatticeModel } from '../crds/model-types.ts';
import { hasIngressRoutes, ingressGatewayServiceAccount } from '../mesh/index.ts';

/** true when a workload has an outbound (`outbound` or `both`, default outbound) `external-service` resource. */
function hasOutboundExternalService(workload: Partial<WorkloadSpec> | undefined): boolean {
  return Object.values(workload?.resources ?? {}).some((r: ResourceSpec) => r.type === 'external-service' && (r.direction ?? 'outbound') !== 'inbound');
}

/** `ns/name` of each outbound `type: service` resource (default type service) of a workload in `namespace` (reference `internal_dependencies`). */
function serviceDependencies(namespace: string, workload: Partial<WorkloadSpec> | undefined): string[] {
  return Object.entries(workload?.resources ?? {})
    .filter(([, r]) => (r.type ?? 'service') === 'service' && (r.direction ?? 'outbound') !== 'inbound')
    .map(([key, r]) => `${r.namespace ?? namespace}/${r.id ?? key}`);
}

/**
 * The `graphHasNode` lookup of a compile (see {@link CompileContext.graphHasNode}), or undefined when
 * none of `workloads` has an outbound external-service (the compiler would not ask). Its keys are
 * what the reference graph holds (crates/lattice-graph/src/lib.rs `put_node`; the operator's audit,
 * crates/lattice-operator/src/controller_runner.rs:1240-1320), of any node type:
 * - every LatticeService (put before it compiles, whatever its phase) and every LatticeMeshMember;
 * - `<job>-<task>` of every LatticeJob task and `<model>-<role>` of every LatticeModel role;
 * - the ingress gateway node `<ns>-ingress-istio` of a namespace with a member that has ingress routes;
 * - Unknown stubs: every target of a LatticeService's outbound `type: service` resource and of a
 *   member's `dependencies` (namespace defaulted to the depender's), node or not.
 * Stubs are those of current dependencies: the reference keeps a stub after its last depender drops it,
 * until the operator restarts. Remote services (LatticeClusterRoutes) are not modelled.
 */
export async function graphNodeLookup(client: KubeClient, workloads: readonly (Partial<WorkloadSpec> | undefined)[]): Promise<CompileContext['graphHasNode']> {
  if (!workloads.some(hasOutboundExternalService)) return undefined;
  const keys = new Set<string>();
  for (const ls of (await client.list<LatticeService>(LatticeServiceType)).items) {
    const ns = ls.metadata.namespace!;
    keys.add(`${ns}/${ls.metadata.name}`);
    for (const dep of serviceDependencies(ns, ls.spec?.workload)) keys.add(dep);
  }
  for (const m of (await client.list<LatticeMeshMember>(LatticeMeshMemberType)).items) {
    const ns = m.metadata.namespace!;
    keys.add(`${ns}/${m.metadata.name}`);
    for (const d of m.spec?.dependencies ?? []) keys.add(`${d.namespace ?? ns}/${d.name}`);
    if (hasIngressRoutes(m.spec?.ingress)) keys.add(`${ns}/${ingressGatewayServiceAccount(ns)}`);
  }
  for (const lj of (await client.list<LatticeJob>(LatticeJobType)).items) {
    for (const task of Object.keys(lj.spec?.tasks ?? {})) keys.add(`${lj.metadata.namespace}/${lj.metadata.name}-${task}`);
  }
  for (const m of (await client.list<LatticeModel>(LatticeModelType)).items) {
    for (const role of Object.keys(m.spec?.roles ?? {})) keys.add(`${m.metadata.namespace}/${m.metadata.name}-${role}`);
  }
  return (namespace, name) => keys.has(`${namespace}/${name}`);
}
