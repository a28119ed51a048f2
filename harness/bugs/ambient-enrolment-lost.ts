/**
 * `ambient-enrolment-lost` (area: controller): the mesh-member controller never enrols a member's
 * namespace in Istio ambient mode — its `istio.io/dataplane-mode: ambient` label write is lost — yet
 * it applies the policies and reports Ready. Pods stay outside the mesh, talk plaintext on their
 * container ports, and the HBONE-only Cilium rules and identity-based AuthorizationPolicies deny
 * them.
 *
 * Applied from outside: a write interceptor on the platform's KubeClient. A patch of a Namespace that
 * sets `metadata.labels["istio.io/dataplane-mode"]` loses that label; when nothing else is left in
 * the patch it is not sent at all and the current Namespace is returned, as if it had been applied.
 * Anyone else (a user, a stub) can still label the namespace.
 */
import type { KubeObject, PatchType, TypeRef } from '../../fake-apiserver/api/index.ts';
import { withInterceptors } from '../../fake-apiserver/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';

/** The namespace label Istio ambient enrolment uses. */
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';

/**
 * `body` without the dataplane-mode label, or undefined when nothing else remains. Only merge
 * patches of the shape `{metadata: {labels: {...}}, ...}` are changed; any other body is returned as is.
 */
export function withoutEnrolment(patchType: PatchType, body: unknown): unknown {
  if (patchType !== 'merge' || typeof body !== 'object' || body === null) return body;
  const patch = body as KubeObject;
  const labels = patch.metadata?.labels as Record<string, unknown> | undefined;
  if (!labels || !(DATAPLANE_MODE_LABEL in labels)) return body;
  const { [DATAPLANE_MODE_LABEL]: _lost, ...keptLabels } = labels;
  const { labels: _all, ...keptMeta } = patch.metadata;
  const metadata = Object.keys(keptLabels).length > 0 ? { ...keptMeta, labels: keptLabels } : keptMeta;
  const rest = Object.fromEntries(Object.entries(patch).filter(([k]) => k !== 'metadata'));
  const out = Object.keys(metadata).length > 0 ? { ...rest, metadata } : rest;
  return Object.keys(out).length > 0 ? out : undefined;
}

const isNamespace = (t: TypeRef) => t.kind === 'Namespace' && t.apiVersion === 'v1';

/** The `ambient-enrolment-lost` catalogue entry. */
export const ambientEnrolmentLost: BugDefinition<'ambient-enrolment-lost'> = {
  name: 'ambient-enrolment-lost',
  description: 'the mesh-member controller never labels the namespace for Istio ambient yet reports Ready, so pods stay outside the mesh and mesh traffic is denied',
  area: 'controller',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: withInterceptors(seams.platformClient, {
      patch: async (inner, type, key, patchType, body, opts) => {
        if (!isNamespace(type)) return inner.patch(type, key, patchType, body, opts);
        const kept = withoutEnrolment(patchType, body);
        return kept === undefined ? inner.get(type, key) : inner.patch(type, key, patchType, kept, opts);
      },
    }),
  }),
};
