/**
 * KubeClient implementations without a network: {@link InProcessClient} delegates to an
 * {@link ApiServer} in the same process, and {@link withInterceptors} wraps any KubeClient for fault
 * injection (controller-runtime `pkg/client/interceptor`; STYLE.md rule 12).
 */
import type {
  ApplyOptions,
  DeleteOptions,
  KubeClient,
  KubeList,
  KubeObject,
  ListOptions,
  ObjectKey,
  PatchType,
  TypeRef,
  WatchEvent,
  WatchHandle,
  WatchOptions,
  WriteOptions,
} from './api/index.ts';
import type { ApiServer } from './apiserver.ts';

/**
 * The in-process KubeClient: every call runs the ApiServer verb synchronously (through
 * `ApiServer.runWithWebhooks`, so admission and conversion webhooks reached by URL are called and awaited) and
 * returns its result as a promise (failures reject with the StatusError). Returned objects are frozen.
 */
export class InProcessClient implements KubeClient {
  constructor(readonly server: ApiServer) {}

  /** See {@link ApiServer.get}. */
  async get<T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey): Promise<T> {
    return this.server.runWithWebhooks(() => this.server.get(type, key)) as T;
  }

  /** See {@link ApiServer.list}. */
  async list<T extends KubeObject = KubeObject>(type: TypeRef, opts?: ListOptions): Promise<KubeList<T>> {
    return this.server.runWithWebhooks(() => this.server.list(type, opts)) as KubeList<T>;
  }

  /** See {@link ApiServer.create}. */
  async create<T extends KubeObject>(obj: T, opts?: WriteOptions): Promise<T> {
    return this.run(opts, (o) => this.server.create(obj, o)) as T;
  }

  /** See {@link ApiServer.update}. */
  async update<T extends KubeObject>(obj: T, opts?: WriteOptions): Promise<T> {
    return this.run(opts, (o) => this.server.update(obj, o)) as T;
  }

  /** See {@link ApiServer.patch}. */
  async patch<T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey, patchType: PatchType, body: unknown, opts?: WriteOptions): Promise<T> {
    return this.run(opts, (o) => this.server.patch(type, key, patchType, body, o)) as T;
  }

  /** See {@link ApiServer.apply}. */
  async apply<T extends KubeObject>(obj: T, opts: ApplyOptions): Promise<T> {
    return this.run(opts, (o) => this.server.apply(obj, o!)) as T;
  }

  /** See {@link ApiServer.delete}. */
  async delete(type: TypeRef, key: ObjectKey, opts?: DeleteOptions): Promise<void> {
    const done = this.server.runWithWebhooks(() => this.server.delete(type, key, opts));
    if (done instanceof Promise) await done;
  }

  /** See {@link ApiServer.updateStatus}. */
  async updateStatus<T extends KubeObject>(obj: T, opts?: WriteOptions): Promise<T> {
    return this.run(opts, (o) => this.server.updateStatus(obj, o)) as T;
  }

  /** See {@link ApiServer.patchStatus}. */
  async patchStatus<T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey, patchType: PatchType, body: unknown, opts?: WriteOptions): Promise<T> {
    return this.run(opts, (o) => this.server.patchStatus(type, key, patchType, body, o)) as T;
  }

  /**
   * Runs a write through `runWithWebhooks`; the request's warnings are kept until its last run (a run
   * that waited for a URL webhook is repeated, and so would its warnings be) and then delivered in order.
   */
  private run<T, O extends WriteOptions>(opts: O | undefined, verb: (opts: O | undefined) => T): T | Promise<T> {
    const onWarning = opts?.onWarning;
    if (!onWarning) return this.server.runWithWebhooks(() => verb(opts));
    let kept: string[] = [];
    const flush = () => kept.forEach((w) => onWarning(w));
    const buffered = { ...opts, onWarning: (w: string) => void kept.push(w) };
    try {
      const out = this.server.runWithWebhooks(() => {
        kept = [];
        return verb(buffered);
      });
      if (!(out instanceof Promise)) {
        flush();
        return out;
      }
      return out.finally(flush);
    } catch (err) {
      flush();
      throw err;
    }
  }

  /** See {@link ApiServer.watch}. */
  async watch<T extends KubeObject = KubeObject>(type: TypeRef, opts: WatchOptions, onEvent: (event: WatchEvent<T>) => void, onClose?: (err?: unknown) => void): Promise<WatchHandle> {
    return this.server.watch(type, opts, onEvent as (event: WatchEvent) => void, onClose);
  }
}

type Verb = keyof KubeClient;

/**
 * One optional override per verb. An override receives the inner client first, then the verb's
 * arguments, and returns what the verb returns (call `inner.<verb>(...)` to pass through).
 */
export type InterceptorFuncs = {
  [V in Verb]?: (inner: KubeClient, ...args: Parameters<KubeClient[V]>) => ReturnType<KubeClient[V]>;
};

/**
 * Wraps `client` so that each verb with an override in `funcs` calls the override, and every other
 * verb calls `client` (controller-runtime `interceptor.NewClient`). Used for fault injection:
 * e.g. `withInterceptors(c, { update: async () => { throw conflict(...) } })`.
 */
export function withInterceptors(client: KubeClient, funcs: InterceptorFuncs): KubeClient {
  const f = funcs;
  return {
    get: <T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey) => (f.get ? (f.get(client, type, key) as Promise<T>) : client.get<T>(type, key)),
    list: <T extends KubeObject = KubeObject>(type: TypeRef, opts?: ListOptions) => (f.list ? (f.list(client, type, opts) as Promise<KubeList<T>>) : client.list<T>(type, opts)),
    create: <T extends KubeObject>(obj: T, opts?: WriteOptions) => (f.create ? (f.create(client, obj, opts) as Promise<T>) : client.create(obj, opts)),
    update: <T extends KubeObject>(obj: T, opts?: WriteOptions) => (f.update ? (f.update(client, obj, opts) as Promise<T>) : client.update(obj, opts)),
    patch: <T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey, patchType: PatchType, body: unknown, opts?: WriteOptions) =>
      f.patch ? (f.patch(client, type, key, patchType, body, opts) as Promise<T>) : client.patch<T>(type, key, patchType, body, opts),
    apply: <T extends KubeObject>(obj: T, opts: ApplyOptions) => (f.apply ? (f.apply(client, obj, opts) as Promise<T>) : client.apply(obj, opts)),
    delete: (type: TypeRef, key: ObjectKey, opts?: DeleteOptions) => (f.delete ? f.delete(client, type, key, opts) : client.delete(type, key, opts)),
    updateStatus: <T extends KubeObject>(obj: T, opts?: WriteOptions) => (f.updateStatus ? (f.updateStatus(client, obj, opts) as Promise<T>) : client.updateStatus(obj, opts)),
    patchStatus: <T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey, patchType: PatchType, body: unknown, opts?: WriteOptions) =>
      f.patchStatus ? (f.patchStatus(client, type, key, patchType, body, opts) as Promise<T>) : client.patchStatus<T>(type, key, patchType, body, opts),
    watch: <T extends KubeObject = KubeObject>(type: TypeRef, opts: WatchOptions, onEvent: (event: WatchEvent<T>) => void, onClose?: (err?: unknown) => void) =>
      f.watch ? f.watch(client, type, opts, onEvent as (event: WatchEvent) => void, onClose) : client.watch<T>(type, opts, onEvent, onClose),
  };
}
