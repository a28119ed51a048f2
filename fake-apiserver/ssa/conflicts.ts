/**
 * The 409 an apply answers when it would change fields other managers own (k8s.io/apimachinery
 * `util/managedfields/internal/conflict.go` `NewConflictError`, `printManager`; structured-merge-diff
 * `merge.ConflictsFromManagers`).
 */
import { statusError } from '../api/index.ts';
import type { StatusError } from '../api/index.ts';
import { pathString } from './field-set.ts';
import type { FieldSet } from './field-set.ts';
import type { Manager } from './managed-fields.ts';

/** One conflicting field: who owns it, and where. */
export interface Conflict {
  manager: Manager;
  /** Path elements (FieldsV1 spelling). */
  path: string[];
}

/** Every member of each manager's conflicting set, managers in identifier order, paths in set order. */
export function conflictsOf(sets: [Manager, FieldSet][]): Conflict[] {
  return sets.flatMap(([manager, set]) => set.paths().map((path) => ({ manager, path })));
}

/** Upstream `printManager`: `"name"`, `"name" with subresource "status"`, and for Update managers ` using <apiVersion>`. */
export function printManager(m: Manager): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion}`;
  return s;
}

/**
 * 409 Conflict, reason `Conflict`: `Apply failed with 1 conflict: conflict with "mgr" using apps/v1: .spec.replicas`;
 * several: `Apply failed with N conflicts: conflicts with "mgr":\n- .a\n- .b` (managers sorted by printed
 * name); `details.causes[]` one per field `{reason: FieldManagerConflict, message: conflict with "mgr" …, field: .spec.replicas}`.
 */
export function conflictError(conflicts: Conflict[]): StatusError {
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${pathString(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const k = printManager(c.manager);
      byManager.set(k, [...(byManager.get(k) ?? []), pathString(c.path)]);
    }
    const lines = [...byManager.keys()].sort().flatMap((k) => [`conflicts with ${k}:`, ...byManager.get(k)!.map((p) => `- ${p}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return statusError('Conflict', message, { causes });
}
