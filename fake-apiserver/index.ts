/**
 * Public surface of fake-apiserver (STYLE.md rule 3): the in-memory API server, the in-process
 * client, fault-injection interceptors, the kind registry, and the types-only core layer `./api`.
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
export { mergePatch, applyJsonPatch, serverSideApply } from './patch.ts';
export type { ManagedFieldsEntry } from './patch.ts';
export { strategicMergePatch } from './strategic-merge.ts';
export { CONTINUE_EXPIRED, INITIAL_EVENTS_END, decodeContinue, encodeContinue } from './list.ts';
export type { ListChunk } from './list.ts';
export { compileSchema, pruneUnknownFields, toJsonSchema, ajvErrorsToCauses, fieldPath } from './validation.ts';
export type { OpenApiSchema, SchemaValidator } from './validation.ts';
export { FaultInjector, FAULT_VERBS, tooManyRequests, validateFaultRule, withFaults } from './faults.ts';
export type { ActiveFaultRule, FaultClientContext, FaultDecision, FaultRequest, FaultRule, FaultVerb } from './faults.ts';
export { parseSnapshot, SNAPSHOT_API_VERSION } from './snapshot.ts';
export type { ApiServerSnapshot } from './snapshot.ts';
