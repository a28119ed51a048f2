/**
 * `wildcard-gate-denied` (area: gates): the AllowWildcard Cedar gate denies every wildcard
 * (`allowedCallers: [{name: "*"}]`, `dependsAll`, `advertise: ["*"]`) even where a CedarPolicy
 * permits it. The member goes Failed with the reference's denial text, its LatticeService fails
 * with `MeshMember failed: …`, and callers the service accepts by wildcard are cut off.
 *
 * Applied from outside: a read interceptor on the platform's KubeClient. When the platform lists
 * CedarPolicies in `lattice-system` (or in every namespace), the answer carries one more policy,
 * {@link WILDCARD_FORBID_POLICY_NAME}, holding a `forbid` on `Action::"AllowWildcard"`. Cedar's
 * forbid-overrides-permit does the rest. Nothing is written: `kubectl get cedarpolicies` shows only
 * the real ones. Other gates are unaffected (the forbid names one action).
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { CedarPolicyType, LATTICE_SYSTEM_NAMESPACE } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { freezeDeep, withExtraListItems } from './internal/rewrite.ts';

/** Name of the CedarPolicy only the platform sees while this bug is on. */
export const WILDCARD_FORBID_POLICY_NAME = 'lattice-sim-bug-wildcard-forbid';

/** The CedarPolicy the platform sees in addition to the stored ones (frozen, like a stored object). */
export const WILDCARD_FORBID_POLICY: KubeObject = freezeDeep({
  ...CedarPolicyType,
  metadata: { name: WILDCARD_FORBID_POLICY_NAME, namespace: LATTICE_SYSTEM_NAMESPACE, resourceVersion: '0', generation: 1 },
  spec: {
    description: 'lattice-sim seeded bug wildcard-gate-denied: forbids every AllowWildcard request',
    policies: 'forbid (\n  principal,\n  action == Lattice::Action::"AllowWildcard",\n  resource\n);\n',
  },
});

/** The `wildcard-gate-denied` catalogue entry. */
export const wildcardGateDenied: BugDefinition<'wildcard-gate-denied'> = {
  name: 'wildcard-gate-denied',
  description: 'the AllowWildcard Cedar gate denies every wildcard even where a CedarPolicy permits it, so wildcard services fail and their callers are cut off',
  area: 'gates',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: withExtraListItems(seams.platformClient, CedarPolicyType, LATTICE_SYSTEM_NAMESPACE, [WILDCARD_FORBID_POLICY]),
  }),
};
