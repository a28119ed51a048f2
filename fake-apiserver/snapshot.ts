/**
 * The etcd-backup analogue (issue 8): the whole store as one JSON document, and its checks before a
 * restore. `ApiServer.snapshot()` writes it, `ApiServer.restore()` reads it back (see
 * `VersionedStore.restore` for what a restore does to resourceVersions and watches).
 */
import { statusError } from './api/index.ts';
import type { KubeObject, StatusCause } from './api/index.ts';

/** `apiVersion` of a snapshot document. */
export const SNAPSHOT_API_VERSION = 'lattice-sim.dev/v1';

/**
 * A saved store: every object as stored (custom resources at their storage version, with
 * resourceVersion, uid and managedFields), sorted by group/kind, namespace, name; and the revision at
 * which it was taken.
 */
export interface ApiServerSnapshot {
  apiVersion: typeof SNAPSHOT_API_VERSION;
  kind: 'ApiServerSnapshot';
  /** The store's revision when the snapshot was taken. */
  revision: number;
  objects: KubeObject[];
}

/**
 * Checks a snapshot given as data (a file, or a control-endpoint body) and returns it typed.
 * @throws StatusError 400 BadRequest `invalid snapshot: …` with one cause per problem, naming
 *   `objects[i].<field>` (missing apiVersion, kind, metadata.name or resourceVersion; duplicates).
 */
export function parseSnapshot(input: unknown): ApiServerSnapshot {
  const causes: StatusCause[] = [];
  const bad = (field: string, message: string) => causes.push({ reason: 'FieldValueInvalid', field, message });
  const o = input as Partial<ApiServerSnapshot> | null;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw statusError('BadRequest', 'invalid snapshot: the body must be an ApiServerSnapshot object');
  if (o.apiVersion !== SNAPSHOT_API_VERSION) bad('apiVersion', `must be ${SNAPSHOT_API_VERSION}`);
  if (o.kind !== 'ApiServerSnapshot') bad('kind', 'must be ApiServerSnapshot');
  if (typeof o.revision !== 'number' || !Number.isInteger(o.revision) || o.revision < 0) bad('revision', 'must be a non-negative integer');
  if (!Array.isArray(o.objects)) bad('objects', 'must be a list of objects');
  const seen = new Set<string>();
  for (const [i, obj] of (Array.isArray(o.objects) ? o.objects : []).entries()) {
    const at = `objects[${i}]`;
    const m = (obj as KubeObject | null)?.metadata;
    if (typeof obj?.apiVersion !== 'string' || !obj.apiVersion) bad(`${at}.apiVersion`, 'required');
    if (typeof obj?.kind !== 'string' || !obj.kind) bad(`${at}.kind`, 'required');
    if (typeof m?.name !== 'string' || !m.name) bad(`${at}.metadata.name`, 'required');
    if (typeof m?.resourceVersion !== 'string' || !/^\d+$/.test(m.resourceVersion)) bad(`${at}.metadata.resourceVersion`, 'required (a stored object always has one)');
    else if (typeof o.revision === 'number' && Number(m.resourceVersion) > o.revision) bad(`${at}.metadata.resourceVersion`, `${m.resourceVersion} is newer than the snapshot's revision ${o.revision}`);
    const key = `${obj?.apiVersion?.split('/').slice(0, -1).join('/')}/${obj?.kind}/${m?.namespace ?? ''}/${m?.name}`;
    if (seen.has(key)) bad(`${at}.metadata.name`, `duplicate object ${obj.kind} ${m?.namespace ? `${m.namespace}/` : ''}${m?.name}`);
    seen.add(key);
  }
  if (causes.length) throw statusError('BadRequest', `invalid snapshot: ${causes.map((c) => `${c.field}: ${c.message}`).join('; ')}`, { causes });
  return o as ApiServerSnapshot;
}

/** API group of an `apiVersion` ('' for `v1`). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
