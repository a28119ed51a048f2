/**
 * Client wrappers the bugs are built from (controller-runtime `interceptor.Funcs`, over
 * fake-apiserver's {@link withInterceptors}): rewrite what a client writes, what it reads or what it
 * writes to status; write objects only once; answer lists with extra objects; drop deletes.
 * Internal to harness/bugs; bugs compose these rather than writing interceptors by hand.
 */
import { withInterceptors } from '../../../fake-apiserver/index.ts';
import type { KubeClient, KubeList, KubeObject, ListOptions, ObjectKey, TypeRef } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound, keyString, objectKey } from '../../../fake-apiserver/api/index.ts';

/** Deep copy of a JSON object (stored objects are frozen; rewrites work on copies). */
export function copyObject<T extends KubeObject>(obj: T): T {
  return structuredClone(obj) as T;
}

/** Freezes `v` and everything under it, so rewritten reads keep the store's "reads are frozen" contract. */
export function freezeDeep<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v as Record<string, unknown>)) freezeDeep(child);
  }
  return v;
}

const sameType = (a: TypeRef, b: TypeRef): boolean => a.kind === b.kind && a.apiVersion === b.apiVersion;

/** True when `obj` carries an ownerReference to an object of `owner`'s kind (any name, any uid). */
export function ownedByKind(obj: KubeObject, owner: TypeRef): boolean {
  return (obj.metadata.ownerReferences ?? []).some((r) => sameType(r, owner));
}

/**
 * Wraps `client` so that every object written through create, update or server-side apply for which
 * `matches(obj)` holds is replaced by `rewrite(copy, inner)` before it reaches the API server.
 * `rewrite` receives a deep copy it may change in place and the unwrapped client (to look up related
 * objects), and returns (or resolves to) the object to send; a rejection fails the write with it.
 * Patches, deletes, status writes and reads pass through unchanged.
 */
export function rewriteWrites(
  client: KubeClient,
  matches: (obj: KubeObject) => boolean,
  rewrite: (copy: KubeObject, inner: KubeClient) => KubeObject | Promise<KubeObject>,
): KubeClient {
  const out = async <T extends KubeObject>(inner: KubeClient, obj: T): Promise<T> => (matches(obj) ? ((await rewrite(copyObject(obj), inner)) as T) : obj);
  return withInterceptors(client, {
    create: async (inner, obj, opts) => inner.create(await out(inner, obj), opts),
    update: async (inner, obj, opts) => inner.update(await out(inner, obj), opts),
    apply: async (inner, obj, opts) => inner.apply(await out(inner, obj), opts),
  });
}

/**
 * Wraps `client` so that get and list of objects of `type` answer what `transform` makes of them.
 * `transform` sees every stored object of the type, cluster-wide (so it can relate objects to each
 * other), and returns the objects to answer with; an object it leaves out or returns unchanged reads
 * as stored. Errors (404 on get …) and list metadata come from the inner client; filtered lists
 * (namespace, selectors) keep the inner client's filtering. Answers are frozen.
 *
 * Watches pass through: watch events carry stored objects. Readers that build state from watch
 * events (informer caches) need the transform applied where the cache is filled.
 */
export function rewriteReads(client: KubeClient, type: TypeRef, transform: (all: readonly KubeObject[]) => readonly KubeObject[]): KubeClient {
  const rewritten = async (inner: KubeClient, filtered: KubeList | undefined): Promise<Map<string, KubeObject>> => {
    const all = filtered ?? (await inner.list(type));
    return new Map(transform(all.items).map((o) => [keyString(objectKey(o)), freezeDeep(o)]));
  };
  const unfiltered = (opts?: ListOptions) => !opts || (opts.namespace === undefined && opts.labelSelector === undefined && opts.fieldSelector === undefined);
  return withInterceptors(client, {
    get: async (inner, t, key) => {
      const stored = await inner.get(t, key);
      if (!sameType(t, type)) return stored;
      return ((await rewritten(inner, undefined)).get(keyString(key)) ?? stored);
    },
    list: async (inner, t, opts) => {
      const page = await inner.list(t, opts);
      if (!sameType(t, type)) return page;
      const byKey = await rewritten(inner, unfiltered(opts) ? page : undefined);
      return { ...page, items: page.items.map((o) => byKey.get(keyString(objectKey(o))) ?? o) };
    },
  });
}

/**
 * Wraps `client` so that merge patches of the status subresource of objects of `type` send what
 * `rewrite` makes of the patch's `status` map. `rewrite` receives a deep copy it may change in place,
 * the object's key and the unwrapped client, and returns (or resolves to) the status to send. Patches
 * without a `status` map, JSON patches, `updateStatus`, other kinds and every other verb pass through.
 */
export function rewriteStatusPatches(
  client: KubeClient,
  type: TypeRef,
  rewrite: (status: Record<string, unknown>, key: ObjectKey, inner: KubeClient) => Record<string, unknown> | Promise<Record<string, unknown>>,
): KubeClient {
  return withInterceptors(client, {
    patchStatus: async (inner, t, key, patchType, body, opts) => {
      const status = (body as { status?: unknown } | null)?.status;
      if (!sameType(t, type) || patchType !== 'merge' || status === null || typeof status !== 'object') return inner.patchStatus(t, key, patchType, body, opts);
      const next = await rewrite(structuredClone(status) as Record<string, unknown>, key, inner);
      return inner.patchStatus(t, key, patchType, { ...(body as object), status: next }, opts);
    },
  });
}

/**
 * Wraps `client` so that matching objects are written once and never again: an update or server-side
 * apply of a matching object that already exists is not sent, and the stored object is returned as if
 * the write had landed (a create-if-absent writer). Creates, writes of absent objects, of objects for
 * which `matches` is false, and every other verb pass through.
 */
export function writeOnce(client: KubeClient, matches: (obj: KubeObject) => boolean): KubeClient {
  const stored = async (inner: KubeClient, obj: KubeObject): Promise<KubeObject | undefined> =>
    matches(obj) ? inner.get({ apiVersion: obj.apiVersion, kind: obj.kind }, objectKey(obj)).catch(ignoreNotFound) : undefined;
  return withInterceptors(client, {
    update: async (inner, obj, opts) => ((await stored(inner, obj)) as typeof obj | undefined) ?? inner.update(obj, opts),
    apply: async (inner, obj, opts) => ((await stored(inner, obj)) as typeof obj | undefined) ?? inner.apply(obj, opts),
  });
}

/**
 * Wraps `client` so that every list of `type` covering `namespace` (all namespaces, or that one; no
 * label or field selector) answers `extra` after the stored items. Gets, other lists and writes pass
 * through, and nothing is stored: the extra objects exist only in the wrapped client's answers.
 * `extra` should be frozen like stored objects.
 */
export function withExtraListItems(client: KubeClient, type: TypeRef, namespace: string, extra: readonly KubeObject[]): KubeClient {
  return withInterceptors(client, {
    list: async (inner, t, opts) => {
      const page = await inner.list(t, opts);
      const inScope = !opts?.labelSelector && !opts?.fieldSelector && (opts?.namespace === undefined || opts.namespace === namespace);
      return sameType(t, type) && inScope ? ({ ...page, items: [...page.items, ...extra] } as typeof page) : page;
    },
  });
}

/**
 * Wraps `client` so that a delete of a stored object for which `keep(stored)` holds is not sent and
 * resolves as if it had succeeded. Deletes of absent objects still reject with the API's 404, and
 * every other verb passes through.
 */
export function dropDeletes(client: KubeClient, keep: (stored: KubeObject) => boolean): KubeClient {
  return withInterceptors(client, {
    delete: async (inner, type, key, opts) => {
      const current = await inner.get(type, key).catch(ignoreNotFound);
      if (current && keep(current)) return;
      return inner.delete(type, key, opts);
    },
  });
}
