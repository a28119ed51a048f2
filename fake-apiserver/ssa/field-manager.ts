/**
 * The apiserver's field manager (k8s.io/apimachinery `util/managedfields`: structured-merge,
 * strip-meta, managed-fields-updater, cap-managers; structured-merge-diff `merge.Updater` Apply
 * and Update). {@link applyObject} merges an applied configuration into the live object, prunes
 * what the manager stopped applying, raises ownership conflicts (or takes the fields with `force`)
 * and records the manager's `Apply` entry; {@link updateManagedFields} records what a non-apply
 * write changed under the writer's `Update` entry, taking those fields from other managers.
 */
import type { KubeObject } from '../api/index.ts';
import { deepEqual, isPlainObject } from '../internal/json.ts';
import type { JsonObject } from '../internal/json.ts';
import { conflictError, conflictsOf } from './conflicts.ts';
import { FieldSet, difference, equalSets, intersection, isSubset, recursiveDifference, union } from './field-set.ts';
import { decodeManagers, encodeManagers, managerId, ownsAnyOf } from './managed-fields.ts';
import type { Manager, ManagedFieldsEntry } from './managed-fields.ts';
import type { TypeNode } from './schema.ts';
import { TypingError, compare, ensureNamedFieldsAreMembers, merge, removeItems, toFieldSet, typingFailure, wholeFieldsV1 } from './typed.ts';

/** Where a write lands and how its kind merges. */
export interface FieldManagerScope {
  /** Root type of the kind (`builtinType` or `typeFromCrdSchema`). */
  type: TypeNode;
  /** Built-in kinds (Go types: named struct fields exist even when empty). */
  goStructs: boolean;
  /** The kind has a status subresource: main-resource writes neither change nor own `status`. */
  statusSubresource: boolean;
  /** `status` for writes to the status subresource (they own and change `status` only). */
  subresource?: 'status';
}

/** Paths no manager owns (upstream `stripMetaManager`): apiVersion, kind, metadata itself and its server-owned fields. */
const STRIP = (() => {
  const s = new FieldSet();
  for (const f of ['apiVersion', 'kind']) s.child(`f:${f}`).member = true;
  const meta = s.child('f:metadata');
  meta.member = true;
  for (const f of ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']) meta.child(`f:${f}`).member = true;
  return s;
})();

const SERVER_OWNED_META = ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink'];

/** The root key a main-resource write of a kind with a status subresource neither changes nor owns. */
const STATUS_FIELD: ReadonlySet<string> = new Set(['status']);

const STATUS = (() => {
  const s = new FieldSet();
  s.child('f:status').member = true;
  return s;
})();

/** Upstream reset fields: a main write of a kind with a status subresource ignores `status`; a status write ignores all but `status`. */
function ignore(s: FieldSet, scope: FieldManagerScope): FieldSet {
  if (scope.subresource === 'status') {
    const out = new FieldSet();
    const st = s.get('f:status');
    if (st) out.put('f:status', st);
    return out;
  }
  return scope.statusSubresource ? recursiveDifference(s, STATUS) : s;
}

/** Manager `m` (its identity and time) owning `set` instead, as a plain record with no stored entry (a stored manager's set is a getter, which a spread would not copy). */
function withSet(m: Manager, set: FieldSet): Manager {
  return managerRecord(m.manager, m.operation, m.apiVersion, m.subresource, m.time, set);
}

/**
 * A manager record: `subresource` and `time` present only when given. Built member by member (here and for the
 * entries in managed-fields.ts): an object literal with conditional spreads is several times slower to build.
 */
function managerRecord(name: string, operation: Manager['operation'], apiVersion: string, subresource: string | undefined, time: string | undefined, set: FieldSet): Manager {
  const m: Manager = { manager: name, operation, apiVersion, set };
  if (subresource) m.subresource = subresource;
  if (time !== undefined) m.time = time;
  return m;
}

/** `o` with its metadata's managedFields left out (a copied loop: rest destructuring is a slow runtime call on every write). */
const withoutManagedFields = (o: KubeObject): KubeObject => {
  const m = o.metadata as unknown as JsonObject | undefined;
  if (!m || !('managedFields' in m)) return o;
  const rest: JsonObject = {};
  for (const k in m) if (k !== 'managedFields') rest[k] = m[k];
  return { ...o, metadata: rest } as unknown as KubeObject;
};

/** Options of {@link applyObject}. */
export interface ApplyObjectInput {
  /** The stored object (not modified). */
  live: KubeObject;
  /** The applied configuration (not modified; apiVersion/kind/name already checked). */
  config: KubeObject;
  manager: string;
  force: boolean;
  /** RFC 3339 time recorded when the apply changes the object. */
  time: string;
  scope: FieldManagerScope;
}

/**
 * Server-side apply of `config` onto `live` (structured-merge-diff `Updater.Apply`): merge, prune
 * the fields this manager applied last time and no longer applies (unless another manager owns
 * them), conflict check against every other manager (Apply and Update) on the fields whose value
 * the apply adds or changes, then ownership: the manager's Apply entry (apiVersion of the request,
 * time only when the object changed) owns exactly the applied fields; with `force` the conflicting
 * fields are taken from their owners. Returns the new object (sharing live's untouched subtrees),
 * with `metadata.managedFields` set.
 * @throws StatusError 409 Conflict (see conflicts.ts) without `force`; 500 InternalError
 *   `failed to create typed patch object (…)` for a list item without its key or with a duplicate key.
 */
export function applyObject(input: ApplyObjectInput): KubeObject {
  const { live, config, manager, scope } = input;
  const { type } = scope;
  const liveBare = withoutManagedFields(live);
  // Server-owned metadata is the server's, and the object is merged at the stored apiVersion.
  const cm = { ...(config.metadata as unknown as JsonObject) };
  for (const f of SERVER_OWNED_META) delete cm[f];
  let cfg = { ...config, apiVersion: live.apiVersion, metadata: cm } as unknown as KubeObject;
  if (scope.subresource === 'status') cfg = { apiVersion: live.apiVersion, kind: config.kind, metadata: { name: config.metadata.name }, ...(config.status !== undefined ? { status: config.status } : {}) } as KubeObject;
  else if (scope.statusSubresource && 'status' in cfg) {
    const { status: _, ...rest } = cfg;
    cfg = rest as KubeObject;
  }
  let applied: FieldSet;
  let merged: unknown;
  try {
    applied = ignore(toFieldSet(cfg, type, true), scope);
    merged = merge(liveBare, cfg, type);
  } catch (e) {
    if (e instanceof TypingError) throw typingFailure(e, config.apiVersion, config.kind);
    throw e;
  }
  const managers = decodeManagers((live.metadata as { managedFields?: unknown }).managedFields);
  const id = managerId({ manager, operation: 'Apply', apiVersion: config.apiVersion, subresource: scope.subresource });
  const previous = managers.get(id);
  const lastSet = previous?.set;
  const mine = managerRecord(manager, 'Apply', config.apiVersion, scope.subresource, previous?.time || undefined, applied);
  managers.set(id, mine);

  if (lastSet && !lastSet.empty && !isSubset(lastSet, applied)) merged = prune(merged, lastSet, managers, type);

  const cmp = compare(liveBare, merged, type, scope.goStructs);
  const changed = ignore(union(cmp.modified, cmp.added), scope);
  const removed = ignore(cmp.removed, scope);
  const conflicts: [Manager, FieldSet][] = [];
  for (const [mid, m] of [...managers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (mid === id || !ownsAnyOf(m, changed)) continue;
    const c = intersection(m.set, changed);
    if (!c.empty) conflicts.push([m, c]);
  }
  if (conflicts.length && !input.force) throw conflictError(conflictsOf(conflicts));
  for (const [mid, m] of managers) {
    if (mid === id) continue;
    const lost = conflicts.find(([c]) => c === m)?.[1];
    if (!lost && !ownsAnyOf(m, removed)) continue;
    const next = difference(difference(m.set, lost), removed);
    if (next !== m.set) managers.set(mid, withSet(m, next));
  }
  const objectChanged = !deepEqual(liveBare, merged);
  const stripped = difference(applied, STRIP);
  const sameSet = previous !== undefined && equalSets(previous.set, stripped);
  const unchangedEntry = sameSet && !objectChanged && previous.apiVersion === config.apiVersion ? previous.entry : undefined;
  const applier = managerRecord(manager, 'Apply', config.apiVersion, scope.subresource, objectChanged ? input.time : mine.time, sameSet ? previous.set : stripped);
  if (unchangedEntry) applier.entry = unchangedEntry;
  managers.set(id, applier);
  const out = { ...(merged as KubeObject) };
  const entries = encodeManagers(managers);
  out.metadata = { ...out.metadata } as KubeObject['metadata'];
  if (entries.length) (out.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields = entries;
  return out;
}

/**
 * Removes what the applier applied last time and no longer applies, unless another manager (or
 * this apply) owns it (structured-merge-diff `Updater.prune`, `addBackOwnedItems`, `addBackDanglingItems`).
 */
function prune(merged: unknown, lastSet: FieldSet, managers: Map<string, Manager>, type: TypeNode): unknown {
  const named = (s: FieldSet) => ensureNamedFieldsAreMembers(s, type);
  const last = named(lastSet);
  let owned = new FieldSet();
  for (const m of managers.values()) owned = union(owned, m.set);
  owned = named(owned);
  const mergedSet = named(toFieldSet(merged, type));
  const p1 = removeItems(merged, last, type);
  const p2 = removeItems(merged, difference(mergedSet, union(named(toFieldSet(p1, type)), owned)), type);
  return removeItems(merged, intersection(difference(mergedSet, named(toFieldSet(p2, type))), last), type);
}

/** Options of {@link updateManagedFields}. */
export interface UpdateManagedFieldsInput {
  /** The stored object, or undefined for a create. */
  live: KubeObject | undefined;
  /** The object about to be stored (its managedFields are ignored here). */
  next: KubeObject;
  /** managedFields the client sent in the body: used instead of the stored ones when a non-empty list (main resource only). */
  sent?: unknown;
  manager: string;
  /** apiVersion of the request. */
  apiVersion: string;
  time: string;
  scope: FieldManagerScope;
}

/**
 * The managedFields after a non-apply write (create, update, patch, status writes; upstream
 * `FieldManager.Update` with `managedFieldsUpdater`): the fields whose value the write added or
 * changed move to the writer's `Update` entry (never a conflict), removed fields leave every
 * manager, and the writer's time is set only when it took any field. Returns the stored entries
 * array itself when nothing changes; undefined when no manager is left.
 */
export function updateManagedFields(input: UpdateManagedFieldsInput): ManagedFieldsEntry[] | undefined {
  const { live, next, scope } = input;
  const stored = (live?.metadata as { managedFields?: ManagedFieldsEntry[] } | undefined)?.managedFields;
  const useSent = !scope.subresource && Array.isArray(input.sent) && input.sent.length > 0;
  if (!live && !useSent && !scope.subresource) {
    // A create: every field is added and no other manager exists, so the writer's entry is the object's field set, encoded in one walk.
    const fieldsV1 = wholeFieldsV1(withoutManagedFields(next), scope.type, scope.goStructs, false, STRIP, scope.statusSubresource ? STATUS_FIELD : undefined);
    if (!fieldsV1) return undefined;
    return [{ manager: input.manager, operation: 'Update', apiVersion: input.apiVersion, time: input.time, fieldsType: 'FieldsV1', fieldsV1 }];
  }
  const managers = decodeManagers(useSent ? input.sent : stored);
  const cmp = compare(live ? withoutManagedFields(live) : {}, withoutManagedFields(next), scope.type, scope.goStructs);
  const changed = difference(ignore(union(cmp.modified, cmp.added), scope), STRIP);
  const removed = ignore(cmp.removed, scope);
  if (changed.empty && removed.empty && !useSent) return stored;
  for (const [mid, m] of managers) {
    // A manager owning none of the changed or removed fields keeps its entry as it is (its set is not even decoded).
    if (!ownsAnyOf(m, changed) && !ownsAnyOf(m, removed)) continue;
    const nextSet = difference(difference(m.set, changed), removed);
    if (nextSet !== m.set) managers.set(mid, withSet(m, nextSet));
  }
  if (!changed.empty) {
    const id = managerId({ manager: input.manager, operation: 'Update', apiVersion: input.apiVersion, subresource: scope.subresource });
    const prev = managers.get(id);
    managers.set(id, managerRecord(input.manager, 'Update', input.apiVersion, scope.subresource, input.time, union(prev?.set, changed)));
  }
  const entries = encodeManagers(managers);
  return entries.length ? entries : undefined;
}

/** True when `v` is a list of managedFields entries (for bodies that carry them). */
export const hasManagedFields = (meta: unknown): boolean => isPlainObject(meta) && Array.isArray(meta.managedFields) && meta.managedFields.length > 0;
