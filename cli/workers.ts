/**
 * `run --workers K`: the random topologies spread over K threads — K-1 worker threads
 * (node:worker_threads) and the parent thread once its own work is done ({@link HereSlot}) — with
 * results identical to one thread. Each thread (worker-thread.ts) runs whole indices with
 * `runIndex` — the body of the single-thread loop — so a topology's record does not depend on the
 * thread that ran it; the parent hands out indices in order, one at a time per thread, and emits the
 * records in index order (the order `runRandomTopologies` emits them). The parent counts as one of
 * the K because a worker thread costs seconds of CPU to start (tsx, every module, the cluster
 * template): on K cores, K busy threads and not K+1.
 *
 * Shrinking: under `--shrink first` an index handed out when every index before it is in and passed
 * is run with shrinking at once (should it fail, it is the lowest failing index, the one the
 * single-thread loop shrinks); the others run unshrunk. If the first failure emitted (records come out
 * in index order, so it is the lowest failing index) was not shrunk, it is run again with shrinking on
 * the next free thread, beside the indices still running, and its failure record replaces the
 * unshrunk one. Under `all` every thread shrinks its failures; under `none` nobody does.
 *
 * Budget: `shouldStop` is asked before each index is handed out; indices already running finish, so
 * what ran is always a prefix of the indices. A thread that crashes, fails to load, or posts an
 * error rejects the run at once (every thread is terminated): the CLI reports it as an internal
 * error, exit 3, never a hang.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FailureRecord, RunRecord } from '../reports/index.ts';
import type { IndexResult, RandomOptions, RandomResult } from '../scenarios/random-enforcement.ts';
import type { InjectedBug } from '../harness/bugs/index.ts';

/** What every thread is started with (workerData). */
export interface WorkerSetup {
  seed: number;
  injectBug?: InjectedBug;
}

/** Parent → thread: run topology `index` (the `seq`-th handed out), shrinking it if it fails and `shrink`. */
export interface ToWorker {
  seq: number;
  index: number;
  shrink: boolean;
}

/** Thread → parent: the outcome of task `seq`, or the error it threw. */
export type FromWorker = ({ kind: 'result'; seq: number } & IndexResult) | { kind: 'error'; seq: number; name: string; message: string; stack: string };

/** Most threads `--workers` accepts. */
export const MAX_WORKERS = 64;

/**
 * Below this many random topologies the default is one thread: starting a thread (tsx and every
 * module loaded again) costs about as much wall time as a few topologies, so small runs gain nothing.
 */
export const MIN_TOPOLOGIES_PER_DEFAULT_WORKER = 10;

/** Most threads chosen by default (more cores are left to other work; `--workers` goes higher). */
export const MAX_DEFAULT_WORKERS = 4;

/**
 * The default of `--workers` for a run of `topologies` random topologies: one thread per core, at
 * most {@link MAX_DEFAULT_WORKERS}, and at most one per {@link MIN_TOPOLOGIES_PER_DEFAULT_WORKER}
 * topologies; at least 1.
 */
export function defaultWorkers(topologies: number, cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(cores, MAX_DEFAULT_WORKERS, Math.floor(topologies / MIN_TOPOLOGIES_PER_DEFAULT_WORKER)));
}

/** A worker thread died or threw: the message and stack are the thread's. */
export class WorkerError extends Error {
  constructor(message: string, stack?: string) {
    super(message);
    this.name = 'WorkerError';
    if (stack) this.stack = `${this.name}: ${message}\n--- in the worker thread ---\n${stack}`;
  }
}

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);

/** A thread that runs tasks: a worker thread, or this thread once it joins ({@link HereSlot}). */
interface Slot {
  /** Hands it `task` (its outcome comes back through `received`). */
  post: (task: ToWorker) => void;
  /** The task it runs, if any. */
  task?: ToWorker;
}

/**
 * This thread as one more slot of {@link TopologyPool.run}: from the moment `ready` settles (its own
 * work, the fleets and evolving topologies, done) it takes indices like a worker thread and runs
 * them with `run` (`runIndex`, as the threads do), saving the start-up a further thread would cost.
 */
export interface HereSlot {
  ready: Promise<unknown>;
  run: (task: ToWorker) => Promise<IndexResult>;
}

interface WorkerSlot extends Slot {
  worker: Worker;
}

/**
 * K started worker threads. Start them early ({@link TopologyPool.start}: each loads the sources,
 * seconds of CPU, while the parent does other work such as the example fleet), {@link run} once,
 * and always {@link close} (a live thread keeps the process alive).
 */
export class TopologyPool {
  private readonly slots: WorkerSlot[];
  /** Delivers a thread's message to the run under way. */
  private onMessage: ((slot: Slot, msg: FromWorker) => void) | undefined;
  private crashed: Error | undefined;
  private onCrash: ((err: Error) => void) | undefined;
  private closing = false;

  private constructor(
    readonly size: number,
    setup: WorkerSetup,
    entry: URL,
  ) {
    this.slots = Array.from({ length: size }, (_, i) => {
      const worker = new Worker(entry, { workerData: setup });
      const slot: WorkerSlot = { worker, post: (task) => worker.postMessage(task) };
      const crash = (what: string) => this.crash(new WorkerError(`worker thread ${i + 1} of ${size} ${what}${slot.task ? ` while running topology ${slot.task.index}` : ''}`));
      worker.on('error', (err: Error) => this.crash(new WorkerError(`worker thread ${i + 1} of ${size} failed${slot.task ? ` running topology ${slot.task.index}` : ''}: ${err.name}: ${err.message}`, err.stack)));
      worker.on('messageerror', (err: Error) => crash(`sent a message that could not be read (${err.message})`));
      worker.on('exit', (code) => {
        if (!this.closing) crash(`exited (code ${code})`);
      });
      worker.on('message', (msg: FromWorker) => this.onMessage?.(slot, msg));
      return slot;
    });
  }

  /**
   * Starts `size` threads (1 ≤ size ≤ {@link MAX_WORKERS}) for runs of `setup`, each running the
   * module `entry` (default worker-entry.mjs; tests pass threads that crash).
   * @throws RangeError for a bad size.
   */
  static start(size: number, setup: WorkerSetup, entry: URL = ENTRY): TopologyPool {
    if (!Number.isInteger(size) || size < 1 || size > MAX_WORKERS) throw new RangeError(`TopologyPool: size must be an integer from 1 to ${MAX_WORKERS}, got ${size}`);
    return new TopologyPool(size, setup, entry);
  }

  private crash(err: Error): void {
    if (this.closing || this.crashed) return;
    this.crashed = err;
    this.onCrash?.(err);
  }

  /** Terminates every thread (idempotent). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /**
   * Runs `opts.indices` on the threads (and on this thread once `here` joins): the same
   * {@link RandomResult} as `runRandomTopologies(opts)` with the pool's seed and bug, `onTopology`
   * called in index order. `opts.path` is not supported (a replay runs one index: use `runRandomTopologies`).
   * @throws WorkerError when a thread crashes or a topology throws (the pool is then unusable: close
   * it); what `here.run` throws, as it is.
   */
  run(opts: Omit<RandomOptions, 'seed' | 'injectBug' | 'path'>, here?: HereSlot): Promise<RandomResult> {
    const mode = opts.shrink ?? 'first';
    const indices = opts.indices[Symbol.iterator]();
    const done = new Map<number, IndexResult & { index: number }>();
    const runs: RunRecord[] = [];
    const failures: FailureRecord[] = [];
    const slots: Slot[] = [...this.slots];
    let handedOut = 0;
    let emitted = 0;
    let exhausted = false;
    /** The task that shrinks the first failure, once one is handed out. */
    let shrinking: ToWorker | undefined;

    return new Promise<RandomResult>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      if (this.crashed) return fail(this.crashed);
      this.onCrash = fail;

      const send = (slot: Slot, task: ToWorker) => {
        slot.task = task;
        if (task.shrink && mode === 'first') shrinking = task;
        slot.post(task);
      };
      const next = (slot: Slot) => {
        // Under `first`, the first failure emitted (records come out in index order) is the lowest
        // failing index: shrink it now, beside the topologies still running, not after them all.
        if (mode === 'first' && !shrinking && failures.length > 0) return send(slot, { seq: -1, index: failures[0].topologyIndex, shrink: true });
        if (!exhausted && opts.shouldStop?.()) exhausted = true;
        const it = exhausted ? undefined : indices.next();
        if (it && !it.done) {
          // Every index before this one is in and passed: should this one fail, it is the lowest
          // failing index, so under `first` it is shrunk in its first run, as one thread does.
          const first = mode === 'first' && !shrinking && failures.length === 0 && handedOut === emitted;
          return send(slot, { seq: handedOut++, index: it.value, shrink: mode === 'all' || first });
        }
        exhausted = true;
        if (slots.some((s) => s.task)) return;
        settled = true;
        resolve({ runs, failures });
      };
      const received = (slot: Slot, msg: FromWorker) => {
        if (settled) return;
        const task = slot.task;
        slot.task = undefined;
        if (msg.kind === 'error' || !task || msg.seq !== task.seq) {
          const where = task ? `topology ${task.index}` : 'no task';
          return fail(msg.kind === 'error' ? new WorkerError(`${where}: ${msg.name}: ${msg.message}`, msg.stack) : new WorkerError(`worker thread answered task ${msg.seq}, but it runs ${where}`));
        }
        if (task.seq < 0) {
          // A second run, with shrinking, of the first failure found unshrunk.
          if (!msg.failure) return fail(new WorkerError(`topology ${task.index} failed unshrunk but passed when run again to shrink it: the run is not deterministic`));
          failures[0] = msg.failure;
        } else {
          // A first run that was to be shrunk and passed: the first failure is still to be shrunk.
          if (task === shrinking && !msg.failure) shrinking = undefined;
          done.set(task.seq, { index: task.index, run: msg.run, ...(msg.failure ? { failure: msg.failure } : {}) });
          for (let r = done.get(emitted); r; r = done.get(emitted)) {
            done.delete(emitted++);
            runs.push(r.run);
            opts.onTopology?.(r.index, r.run);
            if (r.failure) failures.push(r.failure);
          }
        }
        next(slot);
      };
      const deliver = (slot: Slot, msg: FromWorker) => {
        try {
          received(slot, msg);
        } catch (err) {
          fail(err);
        }
      };
      const start = (slot: Slot) => {
        try {
          if (!settled) next(slot);
        } catch (err) {
          fail(err);
        }
      };
      this.onMessage = deliver;
      if (here) {
        const local: Slot = {
          post: (task) => {
            here.run(task).then(
              (result) => deliver(local, { kind: 'result', seq: task.seq, ...result }),
              (err: unknown) => fail(err),
            );
          },
        };
        const join = () => {
          if (settled) return;
          slots.push(local);
          start(local);
        };
        void here.ready.then(join, join);
      }
      for (const slot of this.slots) start(slot);
    });
  }
}

/**
 * This thread as a slot of {@link TopologyPool.run}, joining once `ready` settles: it runs each task
 * with `runIndex` for `setup`, as worker-thread.ts does.
 */
export function thisThread(setup: WorkerSetup, ready: Promise<unknown>): HereSlot {
  // Imported on first use, not with the module: the CLI imports this module for --workers' bound and default.
  const loaded = Promise.all([import('../scenarios/random-enforcement.ts'), import('../topologies/index.ts')]).then(([{ runIndex }, { topologyArbitrary }]) => ({ runIndex, arbitrary: topologyArbitrary() }));
  return {
    ready,
    run: async (task) => {
      const { runIndex, arbitrary } = await loaded;
      return runIndex({ seed: setup.seed, index: task.index, injectBug: setup.injectBug, shrink: task.shrink }, arbitrary);
    },
  };
}

/**
 * `runRandomTopologies(opts)` on `workers` threads, this one among them (`workers - 1` worker
 * threads started, used and closed here). One thread, or a replay path, runs in this thread only:
 * same result either way.
 * @throws WorkerError as {@link TopologyPool.run}; ReplayPathError as `runRandomTopologies`.
 */
export async function runRandomTopologiesOn(workers: number, opts: RandomOptions): Promise<RandomResult> {
  if (workers <= 1 || opts.path !== undefined) return (await import('../scenarios/random-enforcement.ts')).runRandomTopologies(opts);
  const setup = { seed: opts.seed, injectBug: opts.injectBug };
  const pool = TopologyPool.start(workers - 1, setup);
  try {
    return await pool.run(opts, thisThread(setup, Promise.resolve()));
  } finally {
    await pool.close();
  }
}
