/**
 * Resources the API server answers without storing them: access and identity reviews
 * (reviews.ts), pod eviction (eviction.ts), service-account tokens (token-request.ts), the
 * resources of aggregated API servers registered by providers (provider.ts), and the control plane's
 * `componentstatuses` (component-status.ts, served through a provider).
 */
export { answerReview, REVIEW_KINDS, SERVED_USER } from './reviews.ts';
export type { ReviewKind } from './reviews.ts';
export { EVICTION_REFUSED, evictPod } from './eviction.ts';
export { requestToken, serviceAccountToken, SERVICE_ACCOUNT_ISSUER } from './token-request.ts';
export type { TokenSpec } from './token-request.ts';
export { methodNotSupported, PROVIDED_VERBS } from './provider.ts';
export { componentStatusProvider, notRunning } from './component-status.ts';
export type { ComponentHealth } from './component-status.ts';
export type { ProvidedColumn, VirtualResourceProvider } from './provider.ts';

import { REVIEW_KINDS } from './reviews.ts';
import type { ReviewKind } from './reviews.ts';

/** The review kind served at `group/version` under `plural`, if any. */
export function findReviewKind(group: string, version: string, plural: string): ReviewKind | undefined {
  return REVIEW_KINDS.find((k) => k.group === group && k.version === version && k.plural === plural);
}

/** Subresources answered here, by `<resource>/<subresource>` of the core group: each is create-only. */
export const CREATE_SUBRESOURCES: Readonly<Record<string, { kind: string; group: string; version: string }>> = {
  'pods/eviction': { kind: 'Eviction', group: 'policy', version: 'v1' },
  'serviceaccounts/token': { kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1' },
};
