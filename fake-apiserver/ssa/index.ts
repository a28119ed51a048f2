/**
 * Server-side apply and field management (Kubernetes API concepts: server-side apply;
 * kubernetes-sigs/structured-merge-diff, k8s.io/apimachinery `util/managedfields`): the public
 * surface of this folder for the ApiServer and the HTTP front.
 */
import { builtinType } from './builtin-types.ts';
import type { FieldManagerScope } from './field-manager.ts';
import { typeFromCrdSchema } from './schema.ts';
import type { TypeNode } from './schema.ts';

export { applyObject, updateManagedFields } from './field-manager.ts';
export type { ApplyObjectInput, FieldManagerScope, UpdateManagedFieldsInput } from './field-manager.ts';
export type { ManagedFieldsEntry } from './managed-fields.ts';
export { MAX_UPDATE_MANAGERS, ANCIENT_CHANGES } from './managed-fields.ts';
export { defaultFieldManager } from './user-agent.ts';

/** What {@link scopeFor} reads of a served kind (a ResourceInfo). */
export interface KindInfo {
  group: string;
  kind: string;
  statusSubresource: boolean;
  /** CRD `openAPIV3Schema`; absent for built-ins. */
  schema?: object;
}

const types = new WeakMap<object, TypeNode>();

/** The field-management scope of a kind (its merge type is computed once per ResourceInfo). */
export function scopeFor(info: KindInfo, subresource?: 'status'): FieldManagerScope {
  let type = types.get(info);
  if (!type) types.set(info, (type = info.schema ? typeFromCrdSchema(info.schema) : builtinType(`${info.group}/${info.kind}`)));
  // Built member by member: an object literal with a conditional spread is several times slower to build, on every write.
  const scope: FieldManagerScope = { type, goStructs: !info.schema, statusSubresource: info.statusSubresource };
  if (subresource) scope.subresource = subresource;
  return scope;
}
