/**
 * `npm run bench`: speed numbers written to reports/out/bench.json (wall ms; never asserted in tests).
 * - api server: creates and status patches per second (in-process, 20k pods);
 * - random topologies: wall ms per topology and simulated seconds per wall second (20 topologies);
 * - evaluator: probes per second on the last World's dataplane;
 * - scale table (scale.ts): shop-shaped fleets of 100 … 3,000 services, wall / CPU time and peak RSS
 *   per size (`BENCH_MAX_SERVICES`, `BENCH_BUDGET_MS` skip sizes; `BENCH_SCALE=0` skips the table).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { ApiServer } from '../../fake-apiserver/index.ts';
import { VirtualClock } from '../../harness/clock/index.ts';
import { runRandomTopologies } from '../../scenarios/random-enforcement.ts';
import { runScaleTable } from './scale.ts';
import type { ScaleRow } from './scale.ts';

const results: Record<string, number> = {};

{
  const server = new ApiServer({ clock: new VirtualClock() });
  const n = 20_000;
  let t = performance.now();
  for (let i = 0; i < n; i++) server.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}`, namespace: 'default', labels: { app: `a${i % 50}` } }, spec: { containers: [] } });
  results.apiserverCreatesPerSec = Math.round(n / ((performance.now() - t) / 1000));
  t = performance.now();
  for (let i = 0; i < n; i++) server.patchStatus({ apiVersion: 'v1', kind: 'Pod' }, { namespace: 'default', name: `p-${i}` }, 'merge', { status: { phase: 'Running' } });
  results.apiserverStatusPatchesPerSec = Math.round(n / ((performance.now() - t) / 1000));
  t = performance.now();
  const listed = server.list({ apiVersion: 'v1', kind: 'Pod' }, { labelSelector: 'app=a7' }).items.length;
  results.apiserverSelectorListMs = Math.round((performance.now() - t) * 100) / 100;
  results.apiserverSelectorListItems = listed;
}

{
  const n = 20;
  const t = performance.now();
  const { runs } = await runRandomTopologies({ seed: 42, indices: Array.from({ length: n }, (_, i) => i) });
  const wallMs = performance.now() - t;
  results.topologies = n;
  results.topologyWallMsEach = Math.round(wallMs / n);
  results.probesJudged = runs.reduce((a, r) => a + r.probes.length, 0);
  const simulatedMs = runs.reduce((a, r) => a + r.verification.judgedAtMs, 0);
  results.simulatedSecondsPerWallSecond = Math.round(simulatedMs / wallMs);
}

Object.assign(results, await (await import('./http.ts')).benchHttp()); // HTTP front (issue 8): start to first answer, writes/s through client-node

const memory = process.memoryUsage();
results.rssMiB = Math.round(memory.rss / 2 ** 20);
console.log(JSON.stringify(results, null, 2));
let scale: { rows: ScaleRow[]; summary: Record<string, number | string> } | undefined;
if (process.env.BENCH_SCALE !== '0') {
  console.log('\nscale: shop-shaped fleets (fan-out 3 bilateral dependencies per service), one process per row');
  scale = runScaleTable();
}
mkdirSync('reports/out', { recursive: true });
writeFileSync('reports/out/bench.json', `${JSON.stringify({ node: process.version, ...results, ...(scale ? { scale } : {}) }, null, 2)}\n`);
