/**
 * What a list reads and how it is chunked (Kubernetes API concepts: "Retrieving large results sets
 * in chunks", "Resource versions" — semantics for get and list; k8s.io/apimachinery
 * `pkg/apis/meta/internalversion/validation` ValidateListOptions; k8s.io/apiserver storage
 * `ValidateListOptions` / etcd3 list and continue tokens):
 *
 * | paging                      | resourceVersion unset | `0`  | N (match unset) | N, NotOlderThan | N, Exact |
 * | --------------------------- | --------------------- | ---- | --------------- | --------------- | -------- |
 * | no limit                    | most recent           | any  | not older than  | not older than  | exact    |
 * | limit, no continue          | most recent           | any  | exact           | not older than  | exact    |
 * | continue                    | the token's revision (exact); N other than 0 is 400            | | | | |
 *
 * This server always holds the newest state, so "any" and "not older than" read it (N beyond the
 * newest revision is upstream's 504 `Too large resource version`); "exact" reads the kind at N,
 * rebuilt from the event history (410 Expired once N is compacted). A page of `limit` matching
 * items carries `metadata.continue` (an opaque base64url JSON token: format version, revision,
 * last key) when items remain, and `metadata.remainingItemCount` when no selector filtered it.
 */
import { gone, invalid, statusError } from './api/index.ts';
import type { KubeObject, ListOptions, StatusCause, StatusError } from './api/index.ts';
import { compareStrings } from './internal/json.ts';
import type { VersionedStore } from './store.ts';

/** What a list answers besides the kind: items (unviewed), the revision they are at, and paging metadata. */
export interface ListChunk {
  items: KubeObject[];
  resourceVersion: number;
  continue?: string;
  remainingItemCount?: number;
}

/** Upstream wording of the 410 for a continue token whose revision was compacted. */
export const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

const TOKEN_VERSION = 'meta.k8s.io/v1';

/** The continue token after (namespace, name) at `revision` (-1: continue from the newest state). */
export function encodeContinue(revision: number, namespace: string, name: string): string {
  const start = `${namespace ? `${namespace}/` : ''}${name}\u0000`;
  return Buffer.from(JSON.stringify({ v: TOKEN_VERSION, rv: revision, start })).toString('base64url');
}

/**
 * Reads a continue token.
 * @throws StatusError 400 `invalid continue token: continue key is not valid: …`.
 */
export function decodeContinue(token: string): { revision: number; namespace: string; name: string } {
  const bad = (why: string) => statusError('BadRequest', `invalid continue token: continue key is not valid: ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad('server does not recognize this encoding');
  }
  const t = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (typeof t !== 'object' || t === null || t.v !== TOKEN_VERSION || typeof t.rv !== 'number' || typeof t.start !== 'string') throw bad('server does not recognize this encoding');
  if (t.rv === 0 || !Number.isInteger(t.rv) || t.rv < -1) throw bad(`incorrect encoded start resourceVersion (version ${TOKEN_VERSION})`);
  const key = t.start.endsWith('\u0000') ? t.start.slice(0, -1) : t.start;
  const slash = key.indexOf('/');
  return { revision: t.rv, namespace: slash < 0 ? '' : key.slice(0, slash), name: slash < 0 ? key : key.slice(slash + 1) };
}

/**
 * Upstream ListOptions validation (422 Invalid `ListOptions.meta.k8s.io "" is invalid: …`).
 * @throws StatusError 422 with one cause per rule broken.
 */
export function validateListOptions(opts: ListOptions): void {
  const match = opts.resourceVersionMatch;
  if (!match) return;
  const causes: StatusCause[] = [];
  const forbidden = (message: string) => causes.push({ reason: 'FieldValueForbidden', message: `Forbidden: ${message}`, field: 'resourceVersionMatch' });
  if (!opts.resourceVersion) forbidden('resourceVersionMatch is forbidden unless resourceVersion is provided');
  if (opts.continue) forbidden('resourceVersionMatch is forbidden when continue is provided');
  if (match !== 'Exact' && match !== 'NotOlderThan')
    causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(match)}: supported values: "Exact", "NotOlderThan", ""`, field: 'resourceVersionMatch' });
  if (match === 'Exact' && opts.resourceVersion === '0') forbidden('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
  if (causes.length) throw invalid('ListOptions', 'meta.k8s.io', '', causes);
}

/**
 * Upstream watch options validation (422 Invalid `ListOptions.meta.k8s.io "" is invalid: …`):
 * `sendInitialEvents` (true or false) needs `resourceVersionMatch=NotOlderThan`, which a watch takes
 * only with `sendInitialEvents`. `allowWatchBookmarks` is not required (without it the
 * initial-events-end bookmark is simply never sent).
 * @throws StatusError 422 with one cause per rule broken.
 */
export function validateWatchOptions(opts: ListOptions & { sendInitialEvents?: boolean }): void {
  const causes: StatusCause[] = [];
  const match = opts.resourceVersionMatch;
  const forbidden = (message: string) => causes.push({ reason: 'FieldValueForbidden', message: `Forbidden: ${message}`, field: 'resourceVersionMatch' });
  if (opts.sendInitialEvents !== undefined && match !== 'NotOlderThan') forbidden('sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
  if (match) {
    if (opts.sendInitialEvents === undefined) forbidden('resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
    if (match !== 'NotOlderThan') causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(match)}: supported values: "NotOlderThan"`, field: 'resourceVersionMatch' });
    if (opts.continue) forbidden('resourceVersionMatch is forbidden when continue is provided');
  }
  if (causes.length) throw invalid('ListOptions', 'meta.k8s.io', '', causes);
}

/** Annotation of the BOOKMARK that ends a watch's initial events (`sendInitialEvents=true`). */
export const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** A BOOKMARK event's object: only kind, apiVersion and `metadata.resourceVersion` (and annotations, for the initial-events-end one). */
export function bookmark(apiVersion: string, kind: string, revision: number, annotations?: Record<string, string>): KubeObject {
  return { apiVersion, kind, metadata: { name: '', resourceVersion: String(revision), ...(annotations ? { annotations } : {}) } };
}

/**
 * A resourceVersion parameter as a revision.
 * @throws StatusError 400 `invalid resource version: "x"`.
 */
export function parseRevision(text: string): number {
  if (!/^\d+$/.test(text)) throw statusError('BadRequest', `invalid resource version: ${JSON.stringify(text)}`);
  return Number(text);
}

/** Upstream's answer to a revision the server has not reached yet (after its wait): 504 Timeout. */
export function tooLargeResourceVersion(requested: number, current: number): StatusError {
  return statusError('Timeout', `Timeout: Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}

/**
 * Reads one chunk of a list of kind `resourceKey` (see the module table).
 * @param match the selectors (label, field, namespace) as a predicate; `filtered` says whether any selector is set (no remainingItemCount then).
 * @throws StatusError 422 (validation), 400 (bad token, resourceVersion with continue, malformed resourceVersion),
 *   410 Expired (compacted exact revision, or compacted continue token — the Status then carries `metadata.continue`
 *   to go on from the newest state), 504 Timeout (a revision the server has not reached).
 */
export function readListChunk(store: VersionedStore, resourceKey: string, namespace: string | undefined, opts: ListOptions, match: (o: KubeObject) => boolean, filtered: boolean): ListChunk {
  validateListOptions(opts);
  const current = store.revision;
  let revision = current;
  let source: readonly KubeObject[];
  let after: { namespace: string; name: string } | undefined;
  if (opts.continue) {
    if (opts.resourceVersion && opts.resourceVersion !== '0') throw statusError('BadRequest', 'specifying resource version is not allowed when using continue');
    const token = decodeContinue(opts.continue);
    after = token;
    if (token.revision > 0) {
      if (token.revision > current) throw tooLargeResourceVersion(token.revision, current);
      if (token.revision < store.compactedRevision) {
        const expired = gone(CONTINUE_EXPIRED);
        (expired.status as unknown as { metadata: { continue: string } }).metadata = { continue: encodeContinue(-1, token.namespace, token.name) };
        throw expired;
      }
      revision = token.revision;
    }
    source = store.listAt(resourceKey, revision, namespace);
  } else if (opts.resourceVersion && opts.resourceVersion !== '0') {
    const requested = parseRevision(opts.resourceVersion);
    if (requested > current) throw tooLargeResourceVersion(requested, current);
    const exact = opts.resourceVersionMatch === 'Exact' || (opts.resourceVersionMatch === undefined && (opts.limit ?? 0) > 0);
    if (exact) {
      if (requested < store.compactedRevision) throw gone('The resourceVersion for the provided list is too old.');
      revision = requested;
    }
    source = store.listAt(resourceKey, revision, namespace);
  } else {
    source = store.list(resourceKey, namespace);
  }

  const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
  let i = after ? firstAfter(source, after.namespace, after.name) : 0;
  const items: KubeObject[] = [];
  for (; i < source.length && items.length < limit; i++) if (match(source[i])) items.push(source[i]);
  const chunk: ListChunk = { items, resourceVersion: revision };
  if (i < source.length && items.length >= limit) {
    const last = items[items.length - 1];
    chunk.continue = encodeContinue(revision, last.metadata.namespace ?? '', last.metadata.name);
    if (!filtered) chunk.remainingItemCount = source.length - i;
  }
  return chunk;
}

/** Index of the first object after (namespace, name) in a list sorted by namespace, then name. */
function firstAfter(sorted: readonly KubeObject[], namespace: string, name: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const m = sorted[mid].metadata;
    const c = compareStrings(m.namespace ?? '', namespace) || compareStrings(m.name, name);
    if (c <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
