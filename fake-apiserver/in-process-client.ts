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
 * The in-process KubeClient: every call runs the ApiServer verb synchronously and returns its
 * result as a settled promise (failures reject with the StatusError). Returned objects are frozen.
 */
export class InProcessClient implements KubeClient {
  constructor(readonly server: ApiServer) {}

  /** See {@link ApiServer.get}. */
  async get<T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey): Promise<T> {
    return this.server.get(type, key) as T;
  }

  /** See {@link ApiServer.list}. */
  async list<T extends KubeObject = KubeObject>(type: TypeRef, opts?: ListOptions): Promise<KubeList<T>> {
    return this.server.list(type, opts) as KubeList<T>;
  }

  /** See {@link ApiServer.create}. */
  async create<T extends KubeObject>(obj: T, opts?: WriteOptions): Promise<T> {
    return this.server.create(obj, opts) as T;
  }

  /** See {@link ApiServer.update}. */
  async update<T extends KubeObject>(obj: T, opts?: WriteOptions): Promise<T> {
    return this.server.update(obj, opts) as T;
  }

  /** See {@link ApiServer.patch}. */
  async patch<T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey, patchType: PatchType, body: unknown, opts?: WriteOptions): Promise<T> {
    return this.server.patch(type, key, patchType, body, opts) as T;
  }

  /** See {@link ApiServer.apply}. */
  async apply<T extends KubeObject>(obj: T, opts: ApplyOptions): Promise<T> {
    return this.server.apply(obj, opts) as T;
  }

  /** See {@link ApiServer.delete}. */
  async delete(type: TypeRef, key: ObjectKey, opts?: DeleteOptions): Promise<void> {
    this.server.delete(type, key, opts);
  }

  /** See {@link ApiServer.updateStatus}. */
  async updateStatus<T extends KubeObject>(obj: T, opts?: WriteOptions): Promise<T> {
    return this.server.updateStatus(obj, opts) as T;
  }

  /** See {@link ApiServer.patchStatus}. */
  async patchStatus<T extends KubeObject = KubeObject>(type: TypeRef, key: ObjectKey, patchType: PatchType, body: unknown, opts?: WriteOptions): Promise<T> {
    return this.server.patchStatus(type, key, patchType, body, opts) as T;
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
