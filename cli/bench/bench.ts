/**
 * `npm run bench`: speed numbers written to reports/out/bench.json (wall ms; never asserted in tests).
 * - api server (apiserver.ts, issue 8): in-process creates, gets, updates, status patches, selector lists
 *   per second, watch fan-out, memory with 100,000 Pods;
 * - random topologies (throughput.ts, issue 7): verified topologies per second on 1 and
 *   `BENCH_WORKERS` (default 2) threads over `BENCH_TOPOLOGIES` (default 40) topologies, and the time
 *   to shrink one counterexample of `BENCH_SHRINK_BUG` (default wrong-selector);
 * - scale table (scale.ts): shop-shaped fleets of 10 … 3,000 services, wall / CPU time and peak RSS
 *   per size (`BENCH_MAX_SERVICES`, `BENCH_BUDGET_MS` skip sizes; `BENCH_SCALE=0` skips the table),
 *   and from it the cost of one topology at 10, 100 and 1,000 services (`topologyCost`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { InjectedBug } from '../../harness/bugs/index.ts';
import { runScaleTable, topologyCost } from './scale.ts';
import type { ScaleRow } from './scale.ts';
import { benchShrink, benchThroughput } from './throughput.ts';

const THROUGHPUT_N = Number(process.env.BENCH_TOPOLOGIES ?? 40);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const SHRINK_BUG = (process.env.BENCH_SHRINK_BUG ?? 'wrong-selector') as InjectedBug;

const results: Record<string, number> = {};

// Issue 8: the in-process API server's verbs per second, watch fan-out, and memory with 100,000 Pods (apiserver.ts).
{
  const { benchApiServerMemory, benchApiServerOps } = await import('./apiserver.ts');
  Object.assign(results, await benchApiServerOps(), benchApiServerMemory());
}

// Issue 7: verified random topologies per second on 1 and BENCH_WORKERS threads, and the time to shrink a counterexample.
console.log(`random topologies (default generator), seed 42, ${THROUGHPUT_N} each:`);
const throughput = await benchThroughput(42, THROUGHPUT_N, WORKERS);
console.log(`  speed-up ${throughput.speedup}, same records: ${throughput.sameRecords}, ${throughput.servicesPerTopology.min}-${throughput.servicesPerTopology.max} services (mean ${throughput.servicesPerTopology.mean}), load ${throughput.loadAverage1m}; target ${throughput.target}`);
const shrink = await benchShrink(1, SHRINK_BUG);
console.log(
  shrink
    ? `shrink (${SHRINK_BUG}): topology ${shrink.index} found after ${shrink.findMs} ms, shrunk from ${shrink.servicesBefore} to ${shrink.servicesAfter} services in ${shrink.shrinks} shrinks, ${shrink.shrinkMs} ms`
    : `shrink (${SHRINK_BUG}): no failing topology in the first 50`,
);

Object.assign(results, await (await import('./http.ts')).benchHttp()); // HTTP front (issue 8): start to first answer, writes/s through client-node

const memory = process.memoryUsage();
results.rssMiB = Math.round(memory.rss / 2 ** 20);
console.log(JSON.stringify(results, null, 2));
let scale: { rows: ScaleRow[]; summary: Record<string, number | string> } | undefined;
if (process.env.BENCH_SCALE !== '0') {
  console.log('\nscale: shop-shaped fleets (fan-out 3 bilateral dependencies per service), one process per row');
  scale = runScaleTable();
}
const cost = scale ? topologyCost(scale.rows) : undefined;
if (cost) console.log(`one topology: ${Object.entries(cost).map(([n, c]) => `${n} services ${c.wallMs ?? '-'} ms, ${c.peakRssMiB ?? '-'} MiB`).join('; ')}`);
mkdirSync('reports/out', { recursive: true });
const doc = { node: process.version, ...results, throughput, shrink: shrink ?? null, ...(cost ? { topologyCost: cost } : {}), ...(scale ? { scale } : {}) };
writeFileSync('reports/out/bench.json', `${JSON.stringify(doc, null, 2)}\n`);
