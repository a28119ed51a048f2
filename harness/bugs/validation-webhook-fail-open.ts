/**
 * `validation-webhook-fail-open` (area: gates): the platform's validating webhook
 * (`validate.lattice.dev`) is registered with failurePolicy Ignore and cannot be reached (its Service
 * names the wrong port), so every call fails and the API server admits every Lattice object
 * unvalidated. The reference installs it with failurePolicy Fail (crates/lattice-webhook/src/config.rs),
 * so `kubectl apply` of a LatticeService with a relative `command[0]`, no `resources.limits` or a bad
 * port name is refused with the field named. Under this bug the object is stored and only the
 * controller's re-validation fails it afterwards (Failed, `Ready/False/ValidationFailed`).
 *
 * Applied from outside: the `validatingAdmission` seam (what the World registers with its API server)
 * has each extension replaced by one that admits everything, as an unreachable webhook under Ignore
 * does. Valid objects see no difference, so only the random topologies' invalid-spec knob
 * (`invalidSpecProbability`) catches it, through the admission judge (expected refused at the API,
 * observed stored and Failed).
 */
import type { ValidatingAdmissionExtension } from '../../fake-apiserver/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';

/** `extension` as an unreachable webhook under failurePolicy Ignore: same name and rules, every request allowed. */
export function failOpen(extension: ValidatingAdmissionExtension): ValidatingAdmissionExtension {
  return { ...extension, admit: () => ({ allowed: true }) };
}

/** The `validation-webhook-fail-open` catalogue entry. */
export const validationWebhookFailOpen: BugDefinition<'validation-webhook-fail-open'> = {
  name: 'validation-webhook-fail-open',
  description: 'the validating webhook is unreachable under failurePolicy Ignore, so invalid Lattice specs are stored instead of refused at the API',
  area: 'gates',
  apply: (seams: BugSeams): BugSeams => ({ ...seams, validatingAdmission: (seams.validatingAdmission ?? []).map(failOpen) }),
};
