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
export { mergePatch, applyJsonPatch } from './patch.ts';
export type { ManagedFieldsEntry } from './ssa/index.ts';
export { compileSchema, pruneUnknownFields, toJsonSchema, ajvErrorsToCauses, fieldPath } from './validation.ts';
export type { OpenApiSchema, SchemaValidator } from './validation.ts';
