/**
 * `secret-gate-open` (area: gates): the AccessSecret Cedar gate permits every request — a permit-all
 * for `AccessSecret` left in the policies the platform loads (a bootstrap default nobody removed).
 * A service that names a secret path no CedarPolicy grants it passes admission: it goes Ready, its
 * ExternalSecrets sync the secret into its namespace, and its pods mount it. Only an explicit
 * `forbid` still denies.
 *
 * Applied from outside: a read interceptor on the platform's KubeClient. When the platform lists
 * CedarPolicies in `lattice-system` (or in every namespace), the answer carries one more policy,
 * {@link SECRET_PERMIT_POLICY_NAME}, that permits `Action::"AccessSecret"` for every principal and
 * resource. Nothing is written: `kubectl get cedarpolicies` shows only the real ones. Other gates are
 * unaffected (the permit names one action).
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { CedarPolicyType, LATTICE_SYSTEM_NAMESPACE } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { freezeDeep, withExtraListItems } from './internal/rewrite.ts';

/** Name of the CedarPolicy only the platform sees while this bug is on. */
export const SECRET_PERMIT_POLICY_NAME = 'lattice-sim-bug-secret-permit-all';

/** The CedarPolicy the platform sees in addition to the stored ones (frozen, like a stored object). */
export const SECRET_PERMIT_POLICY: KubeObject = freezeDeep({
  ...CedarPolicyType,
  metadata: { name: SECRET_PERMIT_POLICY_NAME, namespace: LATTICE_SYSTEM_NAMESPACE, resourceVersion: '0', generation: 1 },
  spec: {
    description: 'lattice-sim seeded bug secret-gate-open: permits every AccessSecret request',
    policies: 'permit (\n  principal,\n  action == Lattice::Action::"AccessSecret",\n  resource\n);\n',
  },
});

/** The `secret-gate-open` catalogue entry. */
export const secretGateOpen: BugDefinition<'secret-gate-open'> = {
  name: 'secret-gate-open',
  description: 'the AccessSecret Cedar gate permits every request, so a service reads secret paths no CedarPolicy grants it and passes admission',
  area: 'gates',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: withExtraListItems(seams.platformClient, CedarPolicyType, LATTICE_SYSTEM_NAMESPACE, [SECRET_PERMIT_POLICY]),
  }),
};
