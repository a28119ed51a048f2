/**
 * Predicates over the objects the mesh-member controller writes, shared by the bugs that rewrite them
 * (internal to harness/bugs).
 */
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { LatticeMeshMemberType } from '../../../platform/index.ts';
import { ownedByKind } from './rewrite.ts';

/** True for an AuthorizationPolicy owned by a LatticeMeshMember (selector-bound or `targetRefs`). */
export function isMemberAuthorizationPolicy(obj: KubeObject): boolean {
  return obj.kind === 'AuthorizationPolicy' && ownedByKind(obj, LatticeMeshMemberType);
}

/** True for an AuthorizationPolicy owned by a LatticeMeshMember and bound to its workloads by `selector` (not `targetRefs`). */
export function isSelectorBoundMemberAuthorizationPolicy(obj: KubeObject): boolean {
  return isMemberAuthorizationPolicy(obj) && obj.spec?.selector !== undefined;
}
