/**
 * `stale-callee-policy` (area: lifecycle): the mesh-member controller creates a member's
 * AuthorizationPolicies but never updates them (create-if-absent where a server-side apply belongs).
 * The first compile's callers stay the only ones: a caller that declares the edge later — a new
 * service, a new dependency, a service created after its callee — is denied by the callee's stale
 * policy, and a caller whose edge was removed stays in it. A policy that stops being produced is still
 * deleted, and a new one created, so only a topology that changes a callee's callers while it keeps
 * at least one catches it.
 *
 * Applied from outside: a write interceptor on the platform's KubeClient. Updates and server-side
 * applies of an AuthorizationPolicy owned by a LatticeMeshMember that already exists are not sent;
 * the stored policy is returned as if the write had landed.
 */
import type { BugDefinition, BugSeams } from './types.ts';
import { isMemberAuthorizationPolicy } from './internal/mesh-objects.ts';
import { writeOnce } from './internal/rewrite.ts';

/** The `stale-callee-policy` catalogue entry. */
export const staleCalleePolicy: BugDefinition<'stale-callee-policy'> = {
  name: 'stale-callee-policy',
  description: "a callee's AuthorizationPolicies are created once and never updated, so callers that declare the edge later are denied and removed callers stay allowed",
  area: 'lifecycle',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: writeOnce(seams.platformClient, isMemberAuthorizationPolicy),
  }),
};
