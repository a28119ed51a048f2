/**
 * `metadata.managedFields` ↔ per-manager field sets (k8s.io/apimachinery `util/managedfields`
 * internal: `DecodeManagedFields`, `BuildManagerIdentifier`, `sortEncodedManagedFields`,
 * `capManagersManager`). A manager is identified by name + operation + subresource, and for
 * `Update` also by apiVersion; entries are written sorted (Apply before Update, then by time,
 * manager, apiVersion, subresource), at most {@link MAX_UPDATE_MANAGERS} Update entries (the oldest
 * are merged into `ancient-changes`).
 */
import { compareStrings, isPlainObject } from '../internal/json.ts';
import type { JsonObject } from '../internal/json.ts';
import { FieldSet, fromFieldsV1, intersection, toFieldsV1, union } from './field-set.ts';

/** A `metadata.managedFields` entry (Kubernetes API concepts: field management). */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  /** RFC 3339; absent when the manager's entry never changed the object (a first apply that changed nothing). */
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  /** `status` for writes to the status subresource. */
  subresource?: string;
}

/** One manager's ownership, decoded. */
export interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
  /** The stored entry this was decoded from, reused when nothing about it changes. */
  entry?: ManagedFieldsEntry;
}

/** Update managers kept before the oldest are merged (upstream `DefaultMaxUpdateManagers`). */
export const MAX_UPDATE_MANAGERS = 10;
/** Name of the bucket the oldest Update managers are merged into (upstream `ancient-changes`). */
export const ANCIENT_CHANGES = 'ancient-changes';

/** Upstream `BuildManagerIdentifier`: Apply managers keep one entry whatever apiVersion they applied at. */
export function managerId(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return `${m.manager}\u0000${m.operation}\u0000${m.operation === 'Apply' ? '' : m.apiVersion}\u0000${m.subresource ?? ''}`;
}

/**
 * A manager read from a stored entry: its field set is decoded from the entry's `fieldsV1` only
 * when first used (a write that touches none of a manager's fields never decodes them).
 */
class StoredManager implements Manager {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly apiVersion: string;
  readonly subresource?: string;
  readonly time?: string;
  readonly entry: ManagedFieldsEntry;
  #set: FieldSet | undefined;

  constructor(e: JsonObject) {
    this.manager = typeof e.manager === 'string' ? e.manager : '';
    this.operation = e.operation === 'Apply' ? 'Apply' : 'Update';
    this.apiVersion = typeof e.apiVersion === 'string' ? e.apiVersion : '';
    if (typeof e.subresource === 'string' && e.subresource) this.subresource = e.subresource;
    if (typeof e.time === 'string') this.time = e.time;
    this.entry = e as unknown as ManagedFieldsEntry;
  }

  get set(): FieldSet {
    return (this.#set ??= fromFieldsV1(this.entry.fieldsV1));
  }

  /** Whether the set is empty, without decoding it (fromFieldsV1: anything but a non-empty object is the empty set). */
  get empty(): boolean {
    if (this.#set) return this.#set.empty;
    const f = this.entry.fieldsV1 as unknown;
    return !isPlainObject(f) || !hasKeys(f);
  }

  /** Whether the set has a member of `s`, without decoding it unless already decoded. */
  ownsAnyOf(s: FieldSet): boolean {
    if (s.empty) return false;
    if (this.#set) return !intersection(this.#set, s).empty;
    const f = this.entry.fieldsV1 as unknown;
    return isPlainObject(f) && hasKeys(f) && documentOwnsAny(f, s);
  }
}

function hasKeys(o: JsonObject): boolean {
  for (const _ in o) return true;
  return false;
}

/** Whether a (non-root) FieldsV1 node decodes to a set sharing a member with `s` (decodeNode: `{}` or a `.` key is a member). */
function documentOwnsAny(f: unknown, s: FieldSet): boolean {
  if (!isPlainObject(f)) return false;
  if (s.member && (!hasKeys(f) || Object.hasOwn(f, '.'))) return true;
  if (s.children) for (const [pe, c] of s.children) if (pe !== '.' && Object.hasOwn(f, pe) && documentOwnsAny(f[pe], c)) return true;
  return false;
}

/** Whether manager `m` owns any member of `s` (decoding a stored manager's set only when it was decoded already). */
export function ownsAnyOf(m: Manager, s: FieldSet): boolean {
  if (m instanceof StoredManager) return m.ownsAnyOf(s);
  return !s.empty && !intersection(m.set, s).empty;
}

/** Whether manager `m` owns nothing (without decoding a stored manager's set). */
export function ownsNothing(m: Manager): boolean {
  return m instanceof StoredManager ? m.empty : m.set.empty;
}

/** Decodes entries (malformed ones are skipped) into managers by identifier; later duplicates win. Field sets are decoded on first use. */
export function decodeManagers(entries: unknown): Map<string, Manager> {
  const out = new Map<string, Manager>();
  if (!Array.isArray(entries)) return out;
  for (const e of entries as unknown[]) {
    if (!isPlainObject(e)) continue;
    const m = new StoredManager(e);
    out.set(managerId(m), m);
  }
  return out;
}

const seconds = (t: string | undefined): string => t ?? '';

/** Encodes managers as sorted entries (upstream `sortEncodedManagedFields`), reusing unchanged stored entries; empty sets are dropped. */
export function encodeManagers(managers: Map<string, Manager>): ManagedFieldsEntry[] {
  const out: ManagedFieldsEntry[] = [];
  for (const m of capUpdateManagers(managers).values()) {
    if (ownsNothing(m)) continue;
    out.push(m.entry ?? entryOf(m));
  }
  return out.length > 1 ? out.sort(entryOrder) : out;
}

/** A new entry for `m`, members in upstream order (built member by member: conditional spreads are several times slower). */
function entryOf(m: Manager): ManagedFieldsEntry {
  const e = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion } as ManagedFieldsEntry;
  if (m.time) e.time = m.time;
  e.fieldsType = 'FieldsV1';
  e.fieldsV1 = toFieldsV1(m.set);
  if (m.subresource) e.subresource = m.subresource;
  return e;
}

/** Upstream `sortEncodedManagedFields`: operation (Apply first), time, manager, apiVersion, subresource. */
function entryOrder(p: ManagedFieldsEntry, q: ManagedFieldsEntry): number {
  return (
    compareStrings(p.operation, q.operation) ||
    compareStrings(seconds(p.time), seconds(q.time)) ||
    compareStrings(p.manager, q.manager) ||
    compareStrings(p.apiVersion, q.apiVersion) ||
    compareStrings(p.subresource ?? '', q.subresource ?? '')
  );
}

/** Upstream `capUpdateManagers`: past the cap, the oldest Update managers merge into one `ancient-changes` entry per apiVersion. */
function capUpdateManagers(managers: Map<string, Manager>): Map<string, Manager> {
  if (managers.size <= MAX_UPDATE_MANAGERS) return managers;
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update' && !ownsNothing(m));
  if (updaters.length <= MAX_UPDATE_MANAGERS) return managers;
  updaters.sort(([ia, a], [ib, b]) => (seconds(a.time) < seconds(b.time) ? -1 : seconds(a.time) > seconds(b.time) ? 1 : ia < ib ? -1 : 1));
  const out = new Map(managers);
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (const [id, m] of updaters) {
    if (length <= MAX_UPDATE_MANAGERS) break;
    const bucket = managerId({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: m.apiVersion });
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, id);
      continue;
    }
    const base = out.get(bucket) ?? out.get(first)!;
    out.delete(first);
    out.delete(id);
    out.set(bucket, { manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: m.apiVersion, set: union(m.set, base.set), ...(m.time ? { time: m.time } : {}) });
    firstOfVersion.set(m.apiVersion, bucket);
    length--;
  }
  return out;
}
