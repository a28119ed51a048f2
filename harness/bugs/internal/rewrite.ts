/**
 * Client wrappers the bugs are built from (controller-runtime `interceptor.Funcs`, over
 * fake-apiserver's {@link withInterceptors}): rewrite what a client writes, or what it reads.
 * Internal to harness/bugs; bugs compose these rather than writing interceptors by hand.
 */
import { withInterceptors } from '../../../fake-apiserver/index.ts';
import type { KubeClient, KubeList, KubeObject, ListOptions, TypeRef } from '../../../fake-apiserver/api/index.ts';
import { keyString, objectKey } from '../../../fake-apiserver/api/index.ts';

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
