/** Public surface of dynamic admission and the shared webhook client (README.md in this folder). */
export { ADMISSION_USER, denial, runMutating, runValidating } from './dispatcher.ts';
export type { AdmissionAttributes, AdmissionEnv } from './dispatcher.ts';
export { CallScope, DEFAULT_TIMEOUT_SECONDS, PendingWebhookCall, WebhookClient, postJson, requestUid, webhookUrl } from './client.ts';
export type { CallOutcome, WebhookHandler } from './client.ts';
export { webhookConfigurationCauses } from './validation.ts';
export { MUTATING_CONFIGURATION, VALIDATING_CONFIGURATION } from './types.ts';
export type { AdmissionOperation, AdmissionRequest, AdmissionResponse, AdmissionReview, GroupVersionKind, GroupVersionResource, WebhookClientConfig, WebhookRule, WebhookSpec } from './types.ts';
