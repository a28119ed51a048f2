/**
 * The controller runner (STYLE.md rule 6; controller-runtime `reconcileHandler`, kube-rs scheduler):
 * watches each controller's primary and secondary kinds through the shared informers of
 * `harness/client` (so a closed watch or a 410 recovers: re-watch or relist, logged), feeds keys
 * into a {@link WorkQueue}, runs `concurrency` workers per controller and applies the requeue
 * table below. A secondary watch's `map(obj, old)` is called at once, inside the informer's event
 * handler, so it sees the cache exactly as the change left it. All delays are
 * simulated ms of the injected Clock; jitter comes from the World's seeded stream of each
 * controller and key, `jitter/<controller>/<key>`, so other keys never shift a key's requeue times.
 *
 * | reconcile outcome          | queue action                                   |
 * |----------------------------|------------------------------------------------|
 * | `done`                     | forget (reset backoff)                         |
 * | `requeue`, afterMs         | forget, addAfter(afterMs + jitter)             |
 * | throws TerminalError       | forget, count `terminalErrors`, no requeue     |
 * | throws anything else       | addRateLimited (exponential backoff), count    |
 */
import { keyString, parseKey } from '../../fake-apiserver/api/index.ts';
import type { Clock, InformerCache, KubeObject, KubeReader, KubeWatcher, ResourceEventHandler } from '../../fake-apiserver/api/index.ts';
import { TerminalError } from '../../platform/runtime/index.ts';
import type { ControllerDefinition, Logger, ReconcileResult } from '../../platform/runtime/index.ts';
import { DEFAULT_BACKOFF, WorkQueue } from './work-queue.ts';
import { InformerFactory } from '../client/index.ts';
import type { BackoffOptions } from './work-queue.ts';
import type { StreamSource } from '../rng/index.ts';

/** Runner options. */
export interface RunnerOptions {
  clock: Clock;
  /**
   * The shared informers every watch goes through (so watches recover: relist on 410, re-watch on
   * close). The World passes its own; without one the runner builds a factory over `watcher`.
   */
  informers?: InformerCache;
  /** Lists and watches for the runner's own informer factory when `informers` is not given. */
  watcher?: KubeReader & KubeWatcher;
  log: Logger;
  /** Workers per controller (default 1). */
  concurrency?: number;
  backoff?: BackoffOptions;
  /** Uniform jitter in [0, requeueJitterMs] added to every requeue-after (default 0: the reference adds none). */
  requeueJitterMs?: number;
  /** Delay before controller n (0-based, in start order) starts watching: n * startupStaggerMs (reference: 500 ms). */
  startupStaggerMs?: number;
  /** Streams for requeue jitter: key `k` of controller `c` draws from `jitter/<c>/<k>`. */
  jitter?: StreamSource;
}

/** Counters per controller. */
export interface ControllerMetrics {
  reconciles: number;
  errors: number;
  terminalErrors: number;
  requeues: number;
  lastError?: string;
}

/** Runs controllers until `stop()`. */
export class ControllerRunner {
  private readonly queues = new Map<string, WorkQueue>();
  private readonly removeHandlers: (() => void)[] = [];
  private readonly informers: InformerCache;
  private readonly ownsInformers: boolean;
  readonly metrics = new Map<string, ControllerMetrics>();
  private stopped = false;
  private inFlight = 0;
  private pendingMaps = 0;

  constructor(private readonly opts: RunnerOptions) {
    if (!opts.informers && !opts.watcher) throw new Error('ControllerRunner: pass `informers` (the World\'s informer cache) or a `watcher` to build one from');
    this.ownsInformers = !opts.informers;
    this.informers = opts.informers ?? new InformerFactory({ client: opts.watcher!, clock: opts.clock, log: opts.log });
  }

  /** Starts every controller: watches are opened (after the startup stagger) and workers begin. */
  async start(controllers: readonly ControllerDefinition[]): Promise<void> {
    let n = 0;
    for (const c of controllers) {
      const stagger = (this.opts.startupStaggerMs ?? 0) * n++;
      if (stagger > 0) this.opts.clock.setTimer(stagger, () => void this.startOne(c));
      else await this.startOne(c);
    }
  }

  /** True when no controller has queued, delayed or running work. */
  idle(): boolean {
    if (this.inFlight > 0 || this.pendingMaps > 0) return false;
    for (const q of this.queues.values()) if (!q.idle()) return false;
    return true;
  }

  /** Queues a key on a controller by name (e.g. to force a resync). */
  enqueue(controller: string, key: string): void {
    this.queues.get(controller)?.add(key);
  }

  /** Stops watches and workers. */
  stop(): void {
    this.stopped = true;
    for (const remove of this.removeHandlers.splice(0)) remove();
    if (this.ownsInformers) (this.informers as InformerFactory).stop();
    for (const q of this.queues.values()) q.shutdown();
  }

  private async startOne(c: ControllerDefinition): Promise<void> {
    if (this.stopped) return;
    const queue = new WorkQueue(this.opts.clock, this.opts.backoff ?? DEFAULT_BACKOFF);
    this.queues.set(c.name, queue);
    this.metrics.set(c.name, { reconciles: 0, errors: 0, terminalErrors: 0, requeues: 0 });
    const enqueue = (obj: KubeObject) => queue.add(keyString({ namespace: obj.metadata.namespace, name: obj.metadata.name }));
    const primary = this.informers.informerFor(c.primary);
    await primary.synced();
    if (this.stopped) return;
    this.removeHandlers.push(primary.addEventHandler(changeHandler(c.generationChangedOnly ?? false, (obj) => enqueue(obj))));
    for (const w of c.watches ?? []) {
      const secondary = this.informers.informerFor(w.type);
      await secondary.synced();
      if (this.stopped) return;
      this.removeHandlers.push(
        secondary.addEventHandler(
          changeHandler(w.generationChangedOnly ?? false, (obj, old) => {
            this.pendingMaps++;
            let mapped: ReturnType<typeof w.map>;
            try {
              mapped = w.map(obj, old); // called at once: the cache holds exactly this change
            } catch (err) {
              mapped = Promise.reject(err);
            }
            void Promise.resolve(mapped)
              .then((keys) => {
                for (const k of keys) queue.add(keyString(k));
              })
              .catch((err) => this.opts.log.warn(`${c.name}: watch map for ${w.type.kind} failed: ${err instanceof Error ? err.message : String(err)}`))
              .finally(() => this.pendingMaps--);
          }),
        ),
      );
    }
    for (let i = 0; i < (this.opts.concurrency ?? 1); i++) void this.worker(c, queue);
  }

  private async worker(c: ControllerDefinition, queue: WorkQueue): Promise<void> {
    const m = this.metrics.get(c.name)!;
    for (;;) {
      const key = await queue.get();
      if (key === undefined || this.stopped) return;
      this.inFlight++;
      let result: ReconcileResult | undefined;
      let error: unknown;
      try {
        result = await c.reconciler.reconcile(parseKey(key), { clock: this.opts.clock, log: this.opts.log });
      } catch (err) {
        error = err;
      }
      m.reconciles++;
      if (error instanceof TerminalError) {
        queue.forget(key);
        m.terminalErrors++;
        m.lastError = error.message;
        this.opts.log.warn(`${c.name}: terminal error reconciling ${key}: ${error.message}`);
      } else if (error !== undefined) {
        m.errors++;
        m.lastError = error instanceof Error ? error.message : String(error);
        const delay = queue.addRateLimited(key);
        this.opts.log.warn(`${c.name}: error reconciling ${key}, retry in ${delay}ms: ${m.lastError}`);
      } else if (result?.outcome === 'requeue') {
        queue.forget(key);
        m.requeues++;
        const jitterMs = this.opts.requeueJitterMs && this.opts.jitter ? this.opts.jitter.stream(`jitter/${c.name}/${key}`).int(0, this.opts.requeueJitterMs) : 0;
        queue.addAfter(key, result.afterMs + jitterMs);
      } else queue.forget(key);
      queue.done(key);
      this.inFlight--;
    }
  }
}

/**
 * An informer event handler that calls `fn(obj, old)` for adds, deletes (last state) and updates;
 * with `generationChangedOnly`, updates whose metadata.generation did not change are dropped unless
 * deletion started (status-only writes and periodic resyncs do not re-trigger).
 */
function changeHandler(generationChangedOnly: boolean, fn: (obj: KubeObject, old?: KubeObject) => void): ResourceEventHandler {
  return {
    onAdd: (obj) => fn(obj),
    onUpdate: (old, obj) => {
      if (generationChangedOnly && old.metadata.generation === obj.metadata.generation && obj.metadata.deletionTimestamp === undefined) return;
      fn(obj, old);
    },
    onDelete: (obj) => fn(obj),
  };
}
