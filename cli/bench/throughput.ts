/**
 * `npm run bench`, issue 7's numbers for the random run (wall ms of this machine; never asserted):
 * - **throughput**: verified random topologies per wall second (the default generator: 10–20 services,
 *   judged on 2 complete cycles) on 1 thread and on K worker threads (`run --workers K`), each after a
 *   warm-up so thread start-up (reported apart) is not counted; the records of both must be equal.
 * - **shrink**: the time fast-check takes to shrink one counterexample: a catalogue bug is injected,
 *   the first failing index found (`findMs`), then that index run again with shrinking (`shrinkMs` is
 *   that run minus one unshrunk run of it).
 */
import { loadavg } from 'node:os';
import type { InjectedBug } from '../../harness/bugs/index.ts';
import type { RunRecord } from '../../reports/index.ts';
import { runIndex, runRandomTopologies } from '../../scenarios/random-enforcement.ts';
import { TopologyPool } from '../workers.ts';

/** One thread count's throughput. */
export interface ThroughputRow {
  workers: number;
  topologies: number;
  verified: number;
  wallMs: number;
  /** Verified topologies per wall second. */
  verifiedPerSec: number;
  /** Wall ms from starting the threads to the end of the warm-up (one topology per thread); 0 in-process. */
  startupMs: number;
  /** CPU ms (user + system, every thread of the process) per topology: the steadier number when other work shares the cores. */
  cpuMsPerTopology: number;
}

/** Issue 7's target: verified topologies per second with 2 workers on this machine. */
export const THROUGHPUT_TARGET_PER_SEC = 50;

const round1 = (x: number) => Math.round(x * 10) / 10;
const indices = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
/** Warm-up indices far from the measured ones (0..n-1), so no measured topology runs twice. */
const WARM_UP_FROM = 1_000_000 - 64;

async function measure(workers: number, seed: number, n: number): Promise<{ row: ThroughputRow; runs: RunRecord[] }> {
  let startupMs = 0;
  let runs: RunRecord[];
  let wallMs: number;
  let cpu: NodeJS.CpuUsage;
  if (workers === 1) {
    await runRandomTopologies({ seed, indices: indices(WARM_UP_FROM, 1) });
    cpu = process.cpuUsage();
    const t = performance.now();
    runs = (await runRandomTopologies({ seed, indices: indices(0, n) })).runs;
    wallMs = performance.now() - t;
  } else {
    const t0 = performance.now();
    const pool = TopologyPool.start(workers, { seed });
    try {
      await pool.run({ indices: indices(WARM_UP_FROM, workers) });
      startupMs = performance.now() - t0;
      cpu = process.cpuUsage();
      const t = performance.now();
      runs = (await pool.run({ indices: indices(0, n) })).runs;
      wallMs = performance.now() - t;
    } finally {
      await pool.close();
    }
  }
  const used = process.cpuUsage(cpu);
  const cpuMsPerTopology = Math.round((used.user + used.system) / 1000 / n);
  const verified = runs.filter((r) => r.status === 'verified').length;
  return { row: { workers, topologies: n, verified, wallMs: Math.round(wallMs), verifiedPerSec: round1(verified / (wallMs / 1000)), startupMs: Math.round(startupMs), cpuMsPerTopology }, runs };
}

/**
 * Throughput on 1 thread and on `workers` threads over the same `n` topologies of `seed`.
 * @returns the rows, the services per topology (min, mean, max), whether both runs' records are equal, and the 1-minute load average (shared cores slow every number).
 */
export async function benchThroughput(seed: number, n: number, workers: number, log: (s: string) => void = console.log) {
  const one = await measure(1, seed, n);
  log(`  1 thread: ${one.row.verifiedPerSec} verified topologies/s (${one.row.verified}/${n} verified, ${one.row.wallMs} ms; ${one.row.cpuMsPerTopology} CPU ms each)`);
  const many = await measure(workers, seed, n);
  log(`  ${workers} threads: ${many.row.verifiedPerSec} verified topologies/s (${many.row.verified}/${n} verified, ${many.row.wallMs} ms; threads started and warm in ${many.row.startupMs} ms; ${many.row.cpuMsPerTopology} CPU ms each)`);
  const services = one.runs.map((r) => r.services.length);
  return {
    rows: [one.row, many.row],
    servicesPerTopology: { min: Math.min(...services), mean: round1(services.reduce((a, b) => a + b, 0) / n), max: Math.max(...services) },
    sameRecords: JSON.stringify(one.runs) === JSON.stringify(many.runs),
    speedup: Math.round((many.row.verifiedPerSec / one.row.verifiedPerSec) * 100) / 100,
    target: `>= ${THROUGHPUT_TARGET_PER_SEC}/s with 2 workers`,
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
  };
}

/**
 * Time to shrink one counterexample of `bug`: indices from 0 run unshrunk until one fails (at most
 * `maxIndices`), then that index runs again with shrinking.
 * @returns undefined when no index up to `maxIndices` fails.
 */
export async function benchShrink(seed: number, bug: InjectedBug, maxIndices = 50) {
  const t0 = performance.now();
  for (let index = 0; index < maxIndices; index++) {
    const t = performance.now();
    const found = await runIndex({ seed, index, injectBug: bug, shrink: false });
    if (!found.failure) continue;
    const unshrunkMs = performance.now() - t;
    const findMs = performance.now() - t0;
    const s = performance.now();
    const shrunk = await runIndex({ seed, index, injectBug: bug, shrink: true });
    const shrinkRunMs = performance.now() - s;
    const f = shrunk.failure!;
    return {
      bug,
      seed,
      index,
      findMs: Math.round(findMs),
      shrinkMs: Math.round(shrinkRunMs - unshrunkMs),
      shrinks: f.shrinks,
      servicesBefore: f.servicesBefore,
      servicesAfter: f.counterexample.services.length,
      reproduce: f.reproduce,
    };
  }
  return undefined;
}
