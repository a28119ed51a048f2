/**
 * `ambient-flag-ignored` (area: controller): the mesh-member controller treats every member as an
 * Istio ambient member, ignoring `ambient: false` (a Cilium-only member, reference §4.6). A
 * non-ambient member gets the ambient objects: a CiliumNetworkPolicy that admits only HBONE (15008)
 * and identity-based AuthorizationPolicies. Its pods run outside the mesh
 * (`istio.io/dataplane-mode: none`) and talk plaintext on their container ports, so every call to
 * or from them that the declarations allow is denied.
 *
 * Applied from outside: a read interceptor on the platform's KubeClient. When the platform gets or
 * lists LatticeMeshMembers, `spec.ambient: false` is gone (the default, ambient, applies). Stored
 * members, and what the oracle reads, keep the flag.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { LatticeMeshMemberType } from '../../platform/index.ts';
import type { LatticeMeshMember } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { copyObject, rewriteReads } from './internal/rewrite.ts';

/** The members as the buggy controller reads them: copies without `spec.ambient` where it was `false`; others as given. */
export function everyMemberAmbient(members: readonly KubeObject[]): KubeObject[] {
  return (members as readonly LatticeMeshMember[]).map((m) => {
    if (m.spec?.ambient !== false) return m;
    const copy = copyObject(m);
    delete copy.spec.ambient;
    return copy;
  });
}

/** The `ambient-flag-ignored` catalogue entry. */
export const ambientFlagIgnored: BugDefinition<'ambient-flag-ignored'> = {
  name: 'ambient-flag-ignored',
  description: 'the mesh-member controller compiles ambient policies for members with ambient: false, so their plaintext traffic meets HBONE-only rules and is denied',
  area: 'controller',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteReads(seams.platformClient, LatticeMeshMemberType, everyMemberAmbient),
  }),
};
