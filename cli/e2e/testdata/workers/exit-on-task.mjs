// A worker thread that dies (process.exit in a worker ends that thread) as soon as it gets a task.
import process from 'node:process';
import { parentPort } from 'node:worker_threads';

parentPort.on('message', () => process.exit(7));
