// A worker thread whose topology throws: it answers every task with the error, as worker-thread.ts does.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (task) => parentPort.postMessage({ kind: 'error', seq: task.seq, name: 'RangeError', message: `boom in topology ${task.index}`, stack: 'RangeError: boom\n    at topology' }));
