// A stand-in worker thread for TopologyPool's order tests: answers each task with a made-up record
// after a delay that makes later indices of a batch finish first; indices 2, 5, 8 … fail, and their
// failure says whether the task asked for shrinking and which task (seq; -1 = a second run to shrink) it was.
import { setTimeout } from 'node:timers';
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (task) => {
  const fails = task.index % 3 === 2;
  const run = { id: `topology:1:${task.index}`, kind: 'random', topologyIndex: task.index, status: fails ? 'mismatches' : 'verified' };
  const failure = fails ? { run: run.id, topologyIndex: task.index, shrunk: task.shrink, seq: task.seq } : undefined;
  setTimeout(() => parentPort.postMessage({ kind: 'result', seq: task.seq, run, ...(failure ? { failure } : {}) }), (10 - (task.index % 10)) * 4);
});
