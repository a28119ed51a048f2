/**
 * `gc-ignores-custom-owners` (area: stubs): kube-controller-manager's garbage collector never collects
 * dependents of custom resources — what a cluster shows when the collector's discovery of CRD kinds
 * fails (it then cannot resolve those owners and leaves their dependents alone). Deleting a
 * LatticeService leaves its Deployment (and pods), Service, ServiceAccount and LatticeMeshMember
 * running; deleting a mesh member leaves its AuthorizationPolicies and PeerAuthentications in force.
 * Dependents of built-in kinds (a Deployment's ReplicaSets, a ReplicaSet's pods, a Service's
 * EndpointSlices) are still collected.
 *
 * Applied from outside: a delete interceptor on the stubs' KubeClient. A delete of an object whose
 * owner references all name kinds the API server does not build in (custom resources) is not sent and
 * resolves as if it had succeeded. Of the stubs, only the garbage collector deletes such objects. The
 * platform's client is untouched, so objects the platform deletes itself (orphaned policies) still go.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { builtinKinds } from '../../fake-apiserver/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { dropDeletes } from './internal/rewrite.ts';

const BUILT_IN = new Set(builtinKinds.map((k) => `${k.apiVersion}|${k.kind}`));

/** True when `obj` has owner references and each names a kind that is not built into the API server. */
export function ownedOnlyByCustomResources(obj: KubeObject): boolean {
  const owners = obj.metadata.ownerReferences ?? [];
  return owners.length > 0 && owners.every((r) => !BUILT_IN.has(`${r.apiVersion}|${r.kind}`));
}

/** The `gc-ignores-custom-owners` catalogue entry. */
export const gcIgnoresCustomOwners: BugDefinition<'gc-ignores-custom-owners'> = {
  name: 'gc-ignores-custom-owners',
  description: 'the garbage collector never collects dependents of custom resources, so a deleted service leaves its workload, mesh member and allow policies behind',
  area: 'stubs',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    stubsClient: dropDeletes(seams.stubsClient, ownedOnlyByCustomResources),
  }),
};
