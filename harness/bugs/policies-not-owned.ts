/**
 * `policies-not-owned` (area: lifecycle): the mesh-member controller writes its AuthorizationPolicies
 * and PeerAuthentications without the controller ownerReference to their LatticeMeshMember
 * (reference §4.4 step 6). Nothing deletes them with the member: when a service or mesh member is
 * deleted, its allow policies stay behind, still admitting its old callers to whatever later runs
 * under the same labels, and `kubectl get authorizationpolicies` fills with orphans.
 *
 * Applied from outside: a write interceptor on the platform's KubeClient. AuthorizationPolicies and
 * PeerAuthentications owned by a LatticeMeshMember are written without `metadata.ownerReferences`.
 * Everything else the controller does (orphan cleanup of policies it no longer produces, status
 * `appliedResources`) is unchanged.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { LatticeMeshMemberType } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { ownedByKind, rewriteWrites } from './internal/rewrite.ts';

/** True for an AuthorizationPolicy or PeerAuthentication owned by a LatticeMeshMember. */
const isMemberIstioPolicy = (obj: KubeObject): boolean => (obj.kind === 'AuthorizationPolicy' || obj.kind === 'PeerAuthentication') && ownedByKind(obj, LatticeMeshMemberType);

/** `obj` without `metadata.ownerReferences` (changed in place and returned). */
export function withoutOwners(obj: KubeObject): KubeObject {
  delete obj.metadata.ownerReferences;
  return obj;
}

/** The `policies-not-owned` catalogue entry. */
export const policiesNotOwned: BugDefinition<'policies-not-owned'> = {
  name: 'policies-not-owned',
  description: 'AuthorizationPolicies and PeerAuthentications are written without an ownerReference to their mesh member, so they outlive the deleted service',
  area: 'lifecycle',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteWrites(seams.platformClient, isMemberIstioPolicy, withoutOwners),
  }),
};
