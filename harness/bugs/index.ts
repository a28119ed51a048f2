/**
 * Public surface of harness/bugs: the seeded-bug catalogue and its contract. Bugs are applied from
 * outside `platform/` (wrappers around the seams a World hands them), never by flags inside it.
 */
export * from './types.ts';
export * from './catalogue.ts';
export { wrongSelector, misselect, WRONG_SELECTOR_SUFFIX } from './wrong-selector.ts';
export { unilateralAllow, assumeInbound } from './unilateral-allow.ts';
export { allowPolicyServicePort, servicePortsOf, withServicePorts } from './allow-policy-service-port.ts';
export { allowPolicyFirstPort, firstPortOnly } from './allow-policy-first-port.ts';
export { dnsShortNames, shortenDnsNames, CLUSTER_DOMAIN_SUFFIX } from './dns-short-names.ts';
export { wildcardGateDenied, WILDCARD_FORBID_POLICY, WILDCARD_FORBID_POLICY_NAME } from './wildcard-gate-denied.ts';
export { ambientEnrolmentLost, withoutEnrolment, DATAPLANE_MODE_LABEL } from './ambient-enrolment-lost.ts';
export { forbidIgnored, permitsOnly } from './forbid-ignored.ts';
export { secretGateOpen, SECRET_PERMIT_POLICY, SECRET_PERMIT_POLICY_NAME } from './secret-gate-open.ts';
export { secretIdDefaulted, defaultSecretIds } from './secret-id-defaulted.ts';
export { metricsPortUnchecked, dropUnknownMetricsPort } from './metrics-port-unchecked.ts';
export { validationWebhookFailOpen, failOpen } from './validation-webhook-fail-open.ts';
export { volumeConsentIgnored, consentToEveryone } from './volume-consent-ignored.ts';
export { imageTrustIgnored, withoutTrust } from './image-trust-ignored.ts';
export { quotaIgnored } from './quota-ignored.ts';
export { identityFromMemberName, principalsByMemberName } from './identity-from-member-name.ts';
export { dependsAllDropped, withoutDependsAll } from './depends-all-dropped.ts';
export { jobDependenciesDropped, withoutJobDependencies } from './job-dependencies-dropped.ts';
export { ambientFlagIgnored, everyMemberAmbient } from './ambient-flag-ignored.ts';
export { readyBeforePolicies, readyInsteadOfWaiting, WAITING_FOR_MESH_MESSAGE } from './ready-before-policies.ts';
export { observedGenerationStale, withoutObservedGeneration } from './observed-generation-stale.ts';
export { policiesNotOwned, withoutOwners } from './policies-not-owned.ts';
export { staleCalleePolicy } from './stale-callee-policy.ts';
export { endpointsNeverUpdated } from './endpoints-never-updated.ts';
export { gcIgnoresCustomOwners, ownedOnlyByCustomResources } from './gc-ignores-custom-owners.ts';
export { disabledPolicyEnforced, everyPolicyEnabled } from './disabled-policy-enforced.ts';
