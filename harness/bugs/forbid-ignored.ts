/**
 * `forbid-ignored` (area: gates): the platform's Cedar policy loader keeps only `permit` statements.
 * A `forbid` never overrides a permit, so every gate (secrets, security overrides, external
 * endpoints, volumes, image verification, wildcards) allows what a CedarPolicy explicitly forbids:
 * services that must fail admission go Ready and get their workloads and mesh policies.
 *
 * Applied from outside: a read interceptor on the platform's KubeClient. When the platform gets or
 * lists CedarPolicies, each policy text loses its `forbid` statements (split with Cedar's own parser,
 * as the loader does); texts that do not parse are left as they are. Stored objects, their status
 * (permit / forbid counts) and what the oracle reads are untouched.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { CedarPolicyType } from '../../platform/index.ts';
import type { CedarPolicy } from '../../platform/index.ts';
import { parseCedarText, policyEffect } from '../../platform/cedar/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { copyObject, rewriteReads } from './internal/rewrite.ts';

/**
 * The CedarPolicies as a permit-only loader sees them: each one whose text parses and holds at least
 * one `forbid` is a copy whose `spec.policies` keeps only its permits (in order, annotations kept,
 * blank-line separated). Others are returned as given (same reference). Order is kept.
 */
export function permitsOnly(policies: readonly KubeObject[]): KubeObject[] {
  return (policies as readonly CedarPolicy[]).map((p) => {
    const text = typeof p.spec?.policies === 'string' ? p.spec.policies : '';
    const parsed = parseCedarText(text);
    if (!parsed.ok) return p;
    const permits = parsed.policies.filter((policy) => policyEffect(policy) === 'permit');
    if (permits.length === parsed.policies.length) return p;
    const copy = copyObject(p);
    copy.spec.policies = permits.length > 0 ? `${permits.join('\n\n')}\n` : '';
    return copy;
  });
}

/** The `forbid-ignored` catalogue entry. */
export const forbidIgnored: BugDefinition<'forbid-ignored'> = {
  name: 'forbid-ignored',
  description: 'the Cedar policy loader keeps only permit statements, so a forbid never overrides a permit and services a policy forbids pass every gate',
  area: 'gates',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteReads(seams.platformClient, CedarPolicyType, permitsOnly),
  }),
};
