/**
 * Which garbage-collection finalizers a DELETE puts on an object (Kubernetes API concepts:
 * cascading deletion; upstream `deletionFinalizersForGarbageCollection`, `shouldOrphanDependents`
 * and `shouldDeleteDependents` of the generic registry store, and each kind's
 * `DefaultGarbageCollectionPolicy`).
 *
 * - An explicit `orphanDependents` wins, then `propagationPolicy`, then a GC finalizer the object
 *   already carries, then the kind's default.
 * - `Orphan` → the `orphan` finalizer; `Foreground` → `foregroundDeletion`; `Background` → neither
 *   (the owner goes now, the garbage collector removes dependents afterwards).
 * - Defaults: `OrphanDependents` for batch/v1 Job and v1 ReplicationController (kept for backwards
 *   compatibility upstream; kube-apiserver warns when a Job delete leaves the policy unset), and
 *   `DeleteDependents` (background) for every other kind, custom resources included.
 */
import { invalid } from '../api/index.ts';

/** The finalizer that orphans dependents (metav1.FinalizerOrphanDependents). */
export const ORPHAN_FINALIZER = 'orphan';
/** The finalizer that holds an owner until its blocking dependents are gone (metav1.FinalizerDeleteDependents). */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/** The DeleteOptions fields that choose a propagation. */
export interface PropagationRequest {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /** Deprecated boolean form: true = Orphan, false = Background (unless a finalizer says Foreground). */
  orphanDependents?: boolean;
}

/** Kinds (by `apiVersion` and kind) whose default policy orphans dependents. */
const ORPHAN_BY_DEFAULT = new Set(['batch/v1/Job', 'v1/ReplicationController']);

/** Upstream's warning when a batch/v1 Job delete leaves the policy to the default (job storage). */
export const JOB_ORPHAN_WARNING =
  'child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning';

/**
 * 422 Invalid (kind DeleteOptions, group meta.k8s.io) when both `orphanDependents` and
 * `propagationPolicy` are set, as upstream `ValidateDeleteOptions`; undefined otherwise.
 */
export function validatePropagation(req: PropagationRequest): Error | undefined {
  if (req.orphanDependents === undefined || req.propagationPolicy === undefined) return undefined;
  return invalid('DeleteOptions', 'meta.k8s.io', '', [
    { reason: 'FieldValueInvalid', field: 'propagationPolicy', message: `Invalid value: ${JSON.stringify(req.propagationPolicy)}: orphanDependents and deletionPropagation cannot be both set` },
  ]);
}

/** True when the kind's default orphans dependents (the request's `apiVersion`, e.g. `batch/v1`). */
export function orphansByDefault(apiVersion: string, kind: string): boolean {
  return ORPHAN_BY_DEFAULT.has(`${apiVersion}/${kind}`);
}

/**
 * The object's finalizers after a DELETE: `finalizers` without `orphan` / `foregroundDeletion`,
 * then the one the request (or, failing that, the object, then the kind's default) asks for.
 * Order of the other finalizers is kept; the GC finalizer goes last, as upstream appends it.
 */
export function finalizersForDelete(finalizers: readonly string[], req: PropagationRequest, apiVersion: string, kind: string): string[] {
  const existing = finalizers.find((f) => f === ORPHAN_FINALIZER || f === FOREGROUND_FINALIZER);
  let orphan: boolean;
  let foreground: boolean;
  if (req.orphanDependents !== undefined) {
    orphan = req.orphanDependents;
    foreground = false;
  } else if (req.propagationPolicy !== undefined) {
    orphan = req.propagationPolicy === 'Orphan';
    foreground = req.propagationPolicy === 'Foreground';
  } else if (existing !== undefined) {
    // A GC finalizer the object carries overrides the default; the first of the two in the list decides.
    orphan = existing === ORPHAN_FINALIZER;
    foreground = !orphan;
  } else {
    orphan = orphansByDefault(apiVersion, kind);
    foreground = false;
  }
  const out = finalizers.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (orphan) out.push(ORPHAN_FINALIZER);
  if (foreground) out.push(FOREGROUND_FINALIZER);
  return out;
}
