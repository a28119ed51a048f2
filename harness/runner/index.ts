/** Controller runner: work queues, requeue table, backoff, jitter. */
export * from './work-queue.ts';
export * from './runner.ts';
