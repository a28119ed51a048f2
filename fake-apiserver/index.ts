/**
 * Public surface of fake-apiserver (STYLE.md rule 3): the in-memory API server, the in-process
 * client, fault-injection interceptors, the kind registry, dynamic admission (webhooks) and CRD
 * version conversion, and the types-only core layer `./api`.
 */
export * from './api/index.ts';
export { ApiServer, BOOTSTRAP_NAMESPACES } from './apiserver.ts';
export type { ApiServerOptions, GeneratedNameRequest, ObjectIdentity, ValidatingAdmissionExtension, ValidatingAdmissionRequest, ValidatingAdmissionResponse } from './apiserver.ts';
export { InProcessClient, withInterceptors } from './in-process-client.ts';
export type { InterceptorFuncs } from './in-process-client.ts';
export { Registry, builtinKinds, resourceKey, unknownKind } from './registry.ts';
export type { ResourceInfo } from './registry.ts';
export { VersionedStore } from './store.ts';
export type { StoreEvent, VersionedStoreOptions } from './store.ts';
export { mergePatch, applyJsonPatch } from './patch.ts';
export type { ManagedFieldsEntry } from './ssa/index.ts';
export { strategicMergePatch } from './strategic-merge.ts';
export { KUBERNETES_SERVICE_IP, NODE_PORT_RANGE, SERVICE_CIDR, kubernetesServiceObjects } from './strategies/service-allocation.ts';
export { systemPriorityClasses } from './strategies/priority-classes.ts';
export { CONTINUE_EXPIRED, INITIAL_EVENTS_END, decodeContinue, encodeContinue } from './list.ts';
export type { ListChunk } from './list.ts';
export { compileSchema, pruneUnknownFields, toJsonSchema, ajvErrorsToCauses, fieldPath } from './validation.ts';
export type { OpenApiSchema, SchemaValidator } from './validation.ts';
export { FaultInjector, FAULT_VERBS, tooManyRequests, validateFaultRule, withFaults } from './faults.ts';
export type { ActiveFaultRule, FaultClientContext, FaultDecision, FaultRequest, FaultRule, FaultVerb } from './faults.ts';
export { parseSnapshot, SNAPSHOT_API_VERSION } from './snapshot.ts';
export type { ApiServerSnapshot } from './snapshot.ts';
export { ADMISSION_USER, CallScope, DEFAULT_TIMEOUT_SECONDS, MUTATING_CONFIGURATION, PendingWebhookCall, VALIDATING_CONFIGURATION, WebhookClient, denial, postJson, requestUid, runMutating, runValidating, webhookConfigurationCauses, webhookUrl } from './admission/index.ts';
export type {
  AdmissionAttributes,
  AdmissionEnv,
  AdmissionOperation,
  AdmissionRequest,
  AdmissionResponse,
  AdmissionReview,
  CallOutcome,
  GroupVersionKind,
  GroupVersionResource,
  WebhookClientConfig,
  WebhookHandler,
  WebhookRule,
  WebhookSpec,
} from './admission/index.ts';
export { CONVERSION_TIMEOUT_SECONDS, compareKubeAwareVersions, convertObjects, deprecationWarning, gvkString } from './conversion/index.ts';
export type { ConversionRequest, ConversionResponse, ConversionReview, CrdConversion } from './conversion/index.ts';
