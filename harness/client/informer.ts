/**
 * A shared informer (client-go `sharedIndexInformer`): one {@link Reflector} feeding one store,
 * and any number of event handlers. Handlers run synchronously after the store changed, so a
 * handler that reads the cache sees the change. A relist reports only differences (adds, updates,
 * deletes of objects missed while the watch was down). An optional periodic resync calls
 * `onUpdate(obj, obj)` for every cached object.
 */
import type { IndexFunc, Informer, KubeObject, ResourceEventHandler, TimerHandle } from '../../fake-apiserver/api/index.ts';
import { Reflector } from './reflector.ts';
import type { ReflectorEvent, ReflectorOptions } from './reflector.ts';
import { createStore } from './store.ts';
import type { StoreChange, StoreReader, StoreWriter } from './store.ts';

/** Options of a {@link SharedInformer}: its reflector's (the informer receives the events itself) and a resync period. */
export interface SharedInformerOptions extends Omit<ReflectorOptions, 'onEvents'> {
  /** Periodic resync interval, simulated ms (0 or unset: none). */
  resyncMs?: number;
}

/** The shared informer of one kind. */
export class SharedInformer<T extends KubeObject = KubeObject> implements Informer<T> {
  readonly reflector: Reflector;
  private readonly reader: StoreReader<T>;
  private readonly writer: StoreWriter<T>;
  private readonly handlers = new Set<ResourceEventHandler<T>>();
  private readonly syncWaiters: (() => void)[] = [];
  private readonly readWaiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private firstListError: unknown;
  private initBuffer: T[] | undefined;
  private resyncTimer: TimerHandle | undefined;
  private started = false;

  constructor(private readonly opts: SharedInformerOptions) {
    [this.reader, this.writer] = createStore<T>();
    this.reflector = new Reflector({
      type: opts.type,
      client: opts.client,
      clock: opts.clock,
      log: opts.log,
      jitter: opts.jitter,
      backoff: opts.backoff,
      onEvents: (evs) => this.onEvents(evs),
      onListFailed: (err) => {
        if (this.reader.hasSynced()) return;
        this.firstListError = err;
        for (const w of this.readWaiters.splice(0)) w.reject(err);
      },
    });
  }

  /** Starts listing and watching (idempotent). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.reflector.start();
    if (this.opts.resyncMs && this.opts.resyncMs > 0) this.scheduleResync(this.opts.resyncMs);
  }

  stop(): void {
    this.reflector.stop();
    this.resyncTimer?.cancel();
  }

  addEventHandler(handler: ResourceEventHandler<T>): () => void {
    this.handlers.add(handler);
    if (this.reader.hasSynced()) for (const o of this.reader.items()) handler.onAdd?.(o, true);
    return () => void this.handlers.delete(handler);
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.writer.addIndexer(name, fn);
  }

  byIndex(name: string, value: string): T[] {
    return this.reader.byIndex(name, value);
  }

  getByKey(key: string): T | undefined {
    return this.reader.get(key);
  }

  items(): T[] {
    return this.reader.items();
  }

  hasSynced(): boolean {
    return this.reader.hasSynced();
  }

  /** Resolves once the first list has been stored (waits through failed lists, which are retried). */
  synced(): Promise<void> {
    if (this.reader.hasSynced()) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /**
   * For reads: resolves once synced; rejects with the list's error when the lists so far failed
   * (e.g. 404 for a kind the server does not serve), instead of waiting for a retry to succeed.
   */
  readable(): Promise<void> {
    if (this.reader.hasSynced()) return Promise.resolve();
    if (this.firstListError !== undefined) return Promise.reject(this.firstListError);
    return new Promise((resolve, reject) => this.readWaiters.push({ resolve, reject }));
  }

  lastResourceVersion(): string {
    return this.reader.lastResourceVersion();
  }

  private onEvents(events: readonly ReflectorEvent[]): void {
    for (const ev of events) {
      switch (ev.type) {
        case 'initStart':
          this.initBuffer = [];
          break;
        case 'initApply':
          this.initBuffer?.push(ev.object as T);
          break;
        case 'initDone': {
          const first = !this.reader.hasSynced();
          const changes = this.writer.replace(this.initBuffer ?? [], ev.rv);
          this.initBuffer = undefined;
          this.dispatch(changes, first);
          if (first) {
            this.firstListError = undefined;
            for (const w of this.syncWaiters.splice(0)) w();
            for (const w of this.readWaiters.splice(0)) w.resolve();
          }
          break;
        }
        case 'apply': {
          const obj = ev.object as T;
          const old = this.writer.apply(obj);
          this.writer.setResourceVersion(obj.metadata.resourceVersion ?? this.reader.lastResourceVersion());
          this.dispatch([old ? { type: 'update', old, object: obj } : { type: 'add', object: obj }], false);
          break;
        }
        case 'delete': {
          const obj = ev.object as T;
          this.writer.delete(obj);
          this.writer.setResourceVersion(obj.metadata.resourceVersion ?? this.reader.lastResourceVersion());
          this.dispatch([{ type: 'delete', object: obj }], false);
          break;
        }
        case 'bookmark':
          this.writer.setResourceVersion(ev.rv);
          break;
      }
    }
  }

  private dispatch(changes: readonly StoreChange<T>[], initial: boolean): void {
    for (const c of changes) {
      for (const h of [...this.handlers]) {
        if (c.type === 'add') h.onAdd?.(c.object, initial);
        else if (c.type === 'update') h.onUpdate?.(c.old, c.object);
        else h.onDelete?.(c.object);
      }
    }
  }

  private scheduleResync(ms: number): void {
    this.resyncTimer = this.opts.clock.setTimer(ms, () => {
      if (this.reader.hasSynced()) for (const o of this.reader.items()) for (const h of [...this.handlers]) h.onUpdate?.(o, o);
      this.scheduleResync(ms);
    });
  }
}
