/**
 * The body of one `run --workers` thread (started by cli/workers.ts through worker-entry.mjs): runs
 * the topology indices the parent sends, one at a time, with {@link runIndex} — the same function
 * the single-thread loop calls — and posts each outcome back. Any error is posted back as data (the
 * parent ends the run with exit 3); nothing here decides order, shrinking policy or the budget.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runIndex } from '../scenarios/random-enforcement.ts';
import { topologyArbitrary } from '../topologies/index.ts';
import type { ToWorker, WorkerSetup } from './workers.ts';

const port = parentPort;
if (!port) throw new Error('cli/worker-thread.ts runs only as a worker thread (started by cli/workers.ts)');
const setup = workerData as WorkerSetup;
const arbitrary = topologyArbitrary();

port.on('message', (task: ToWorker) => {
  runIndex({ seed: setup.seed, index: task.index, injectBug: setup.injectBug, shrink: task.shrink }, arbitrary).then(
    (result) => port.postMessage({ kind: 'result', seq: task.seq, ...result }),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      port.postMessage({ kind: 'error', seq: task.seq, name: e.name, message: e.message, stack: e.stack ?? '' });
    },
  );
});
