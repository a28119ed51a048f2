/**
 * The seeded-bug catalogue: every bug the simulator can start the platform with, to prove the
 * verifier catches it (a verifier that passes with a bug on is broken). One module per bug; this
 * file only lists them. To add a bug: write `<name>.ts` exporting a {@link BugDefinition} and a
 * `<name>.test.ts` showing it changes what is observed, then append it to {@link BUGS}.
 */
import { allowPolicyFirstPort } from './allow-policy-first-port.ts';
import { allowPolicyServicePort } from './allow-policy-service-port.ts';
import { ambientEnrolmentLost } from './ambient-enrolment-lost.ts';
import { ambientFlagIgnored } from './ambient-flag-ignored.ts';
import { bilateralWarningOneSided } from './bilateral-warning-one-sided.ts';
import { dependsAllDropped } from './depends-all-dropped.ts';
import { disabledPolicyEnforced } from './disabled-policy-enforced.ts';
import { dnsShortNames } from './dns-short-names.ts';
import { egressDnsNamesDropped } from './egress-dns-names-dropped.ts';
import { endpointsNeverUpdated } from './endpoints-never-updated.ts';
import { forbidIgnored } from './forbid-ignored.ts';
import { gcIgnoresCustomOwners } from './gc-ignores-custom-owners.ts';
import { identityFromMemberName } from './identity-from-member-name.ts';
import { imageTrustIgnored } from './image-trust-ignored.ts';
import { jobDependenciesDropped } from './job-dependencies-dropped.ts';
import { quotaIgnored } from './quota-ignored.ts';
import { ingressRouteDropped } from './ingress-route-dropped.ts';
import { memberSelectorIgnored } from './member-selector-ignored.ts';
import { metricsPortUnchecked } from './metrics-port-unchecked.ts';
import { observedGenerationStale } from './observed-generation-stale.ts';
import { policiesNotOwned } from './policies-not-owned.ts';
import { readyBeforePolicies } from './ready-before-policies.ts';
import { secretGateOpen } from './secret-gate-open.ts';
import { secretIdDefaulted } from './secret-id-defaulted.ts';
import { volumeConsentIgnored } from './volume-consent-ignored.ts';
import { staleCalleePolicy } from './stale-callee-policy.ts';
import { unilateralAllow } from './unilateral-allow.ts';
import { validationWebhookFailOpen } from './validation-webhook-fail-open.ts';
import { wildcardGateDenied } from './wildcard-gate-denied.ts';
import { wrongSelector } from './wrong-selector.ts';
import type { BugContext, BugDefinition, BugInfo, BugSeams } from './types.ts';

/** Every bug, in listing order (grouped by area). Names are unique (checked by catalogue.test.ts). */
export const BUGS = [
  wrongSelector,
  allowPolicyServicePort,
  allowPolicyFirstPort,
  dnsShortNames,
  egressDnsNamesDropped,
  identityFromMemberName,
  memberSelectorIgnored,
  jobDependenciesDropped,
  unilateralAllow,
  dependsAllDropped,
  ingressRouteDropped,
  wildcardGateDenied,
  forbidIgnored,
  secretGateOpen,
  validationWebhookFailOpen,
  disabledPolicyEnforced,
  secretIdDefaulted,
  metricsPortUnchecked,
  volumeConsentIgnored,
  imageTrustIgnored,
  quotaIgnored,
  ambientEnrolmentLost,
  ambientFlagIgnored,
  readyBeforePolicies,
  observedGenerationStale,
  bilateralWarningOneSided,
  policiesNotOwned,
  staleCalleePolicy,
  endpointsNeverUpdated,
  gcIgnoresCustomOwners,
] as const;

/** Name of a catalogue bug: the value of `--inject-bug`, `WorldOptions.injectBug`, `CaseInput.injectBug`. */
export type InjectedBug = (typeof BUGS)[number]['name'];

/** Every catalogue name, in listing order. */
export const INJECTABLE_BUGS: readonly InjectedBug[] = BUGS.map((b) => b.name);

/** The catalogue as data (name, description, area), for listings such as `lattice-sim bugs`. */
export const BUG_CATALOGUE: readonly BugInfo<InjectedBug>[] = BUGS.map(({ name, description, area }) => ({ name, description, area }));

/** Thrown for a bug name the catalogue does not hold. `code` is stable; the message lists the valid names. */
export class UnknownBugError extends Error {
  readonly code = 'LATTICE_SIM_UNKNOWN_BUG';
  constructor(readonly bugName: string) {
    super(`unknown bug "${bugName}"; choose one of: ${INJECTABLE_BUGS.join(', ')}`);
    this.name = 'UnknownBugError';
  }
}

/** True when `name` is a catalogue bug (narrows a CLI string to {@link InjectedBug}). */
export function isInjectedBug(name: string): name is InjectedBug {
  return (INJECTABLE_BUGS as readonly string[]).includes(name);
}

/** The catalogue entry named `name`. Throws {@link UnknownBugError} for an unknown name. */
export function bugByName(name: string): BugDefinition<InjectedBug> {
  const bug = BUGS.find((b) => b.name === name);
  if (!bug) throw new UnknownBugError(name);
  return bug;
}

/**
 * Installs the named bugs, in the order given, on `seams` and returns the wrapped seams; with no
 * names (or `undefined`) returns `seams` itself. Throws {@link UnknownBugError} for an unknown name
 * before installing anything.
 */
export function applyBugs(names: InjectedBug | readonly InjectedBug[] | undefined, seams: BugSeams, context: BugContext): BugSeams {
  const list = names === undefined ? [] : typeof names === 'string' ? [names] : names;
  const bugs = list.map(bugByName);
  return bugs.reduce((s, bug) => bug.apply(s, context), seams);
}
