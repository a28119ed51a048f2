/**
 * `validation-failure-unreported` (area: status): the LatticeService controller treats a spec
 * validation error as a plain reconcile error — it logs it and retries, but never writes `Failed`.
 * A service with a relative `command[0]`, no `resources.limits`, a bad port name … sits with no
 * phase and no message (`kubectl get ls` shows nothing wrong but nothing happening), where the
 * reference writes `Failed` with the validation message and `Ready/False/ValidationFailed`
 * (crates/lattice-service/src/controller.rs:818-829). Nothing is produced either way.
 *
 * Applied from outside: a status interceptor on the platform's KubeClient drops the LatticeService
 * status merge patches that report a spec validation failure (phase `Failed` with a `Ready` condition
 * of reason `ValidationFailed` whose message starts with the field path `spec.`, the form
 * platform/validation prints); the controller believes the write landed. Cedar gate denials (same
 * reason, messages naming the gate) and every other status write pass through, so only a service
 * with an invalid spec shows it: only the random topologies' invalid-spec knob
 * (`invalidSpecProbability`) catches it, through the admission judge (expected Failed, observed Pending).
 */
import { withInterceptors } from '../../fake-apiserver/index.ts';
import { LatticeServiceType } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';

interface StatusPatch {
  phase?: string;
  message?: string | null;
  conditions?: { type: string; reason?: string; message?: string }[];
}

/** True for a LatticeService status patch reporting a spec validation failure (see the module comment). */
export function reportsValidationFailure(status: StatusPatch | undefined): boolean {
  const ready = status?.conditions?.find((c) => c.type === 'Ready');
  return status?.phase === 'Failed' && ready?.reason === 'ValidationFailed' && (status.message ?? '').startsWith('spec.');
}

/** The `validation-failure-unreported` catalogue entry. */
export const validationFailureUnreported: BugDefinition<'validation-failure-unreported'> = {
  name: 'validation-failure-unreported',
  description: 'a LatticeService that fails spec validation is only logged, never marked Failed: it sits with no phase and no message',
  area: 'status',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: withInterceptors(seams.platformClient, {
      patchStatus: async (inner, type, key, patchType, body, opts) => {
        const isService = type.apiVersion === LatticeServiceType.apiVersion && type.kind === LatticeServiceType.kind;
        if (isService && patchType === 'merge' && reportsValidationFailure((body as { status?: StatusPatch } | null)?.status)) return inner.get(type, key);
        return inner.patchStatus(type, key, patchType, body, opts);
      },
    }),
  }),
};
