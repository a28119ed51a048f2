/**
 * `disabled-policy-enforced` (area: gates): the platform's Cedar policy loader ignores
 * `spec.enabled: false` (reference §1.6: a disabled CedarPolicy is not loaded). A policy an operator
 * switched off keeps deciding: a disabled `forbid` still denies (services go Failed that should be
 * Ready), a disabled `permit` still admits (services go Ready that should fail).
 *
 * Applied from outside: a read interceptor on the platform's KubeClient. When the platform gets or
 * lists CedarPolicies, `spec.enabled: false` is gone (the default, enabled, applies). Stored objects,
 * their status (`Policy is disabled`) and what the oracle reads keep the flag.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { CedarPolicyType } from '../../platform/index.ts';
import type { CedarPolicy } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { copyObject, rewriteReads } from './internal/rewrite.ts';

/** The CedarPolicies as the buggy loader reads them: copies without `spec.enabled` where it was `false`; others as given. */
export function everyPolicyEnabled(policies: readonly KubeObject[]): KubeObject[] {
  return (policies as readonly CedarPolicy[]).map((p) => {
    if (p.spec?.enabled !== false) return p;
    const copy = copyObject(p);
    delete copy.spec.enabled;
    return copy;
  });
}

/** The `disabled-policy-enforced` catalogue entry. */
export const disabledPolicyEnforced: BugDefinition<'disabled-policy-enforced'> = {
  name: 'disabled-policy-enforced',
  description: 'the Cedar policy loader ignores enabled: false, so a policy an operator switched off still permits or forbids',
  area: 'gates',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteReads(seams.platformClient, CedarPolicyType, everyPolicyEnabled),
  }),
};
