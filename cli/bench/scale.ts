/**
 * The scale table of `npm run bench`: shop-shaped fleets (topologies/scale-fleet.ts: fan-out 3
 * bilateral dependencies per service) of 10, 100, 300, 1,000 and 3,000 services, one child process per row
 * (scale-one.ts) so each row's peak RSS is its own. Rows: the full matrix at 100 (the default up to
 * FULL_MATRIX_MAX_SERVICES) and the sample at every size, so time(1,000)/time(100) compares like with like.
 *
 * Guards: `BENCH_MAX_SERVICES` (default 3000) drops larger sizes; a size whose time, extrapolated from
 * the two previous sampled rows, would exceed `BENCH_BUDGET_MS` (default 300000, 5 minutes) is skipped
 * and says so. `BENCH_FULL_MATRIX_300=1` adds the full matrix at 300 (89,700 probes a cycle).
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

/** One row (see scale-one.ts). */
export interface ScaleRow {
  services: number;
  probes: 'all' | 'sampled';
  probesPerCycle?: number;
  wallMs?: number;
  cpuMs?: number;
  simMs?: number;
  peakRssMiB?: number;
  mismatches?: number;
  ready?: number;
  timedOut?: string;
  skipped?: string;
}

/** Targets of issue 6. */
export const SCALE_TARGETS = { ratio1000To100: 15, wallMs1000: 30_000, wallMs3000: 120_000, rssMiB: 2048 } as const;

const script = fileURLToPath(new URL('./scale-one.ts', import.meta.url));

function runRow(services: number, probes: 'all' | 'sampled'): ScaleRow {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, String(services), probes], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ScaleRow;
  } catch {
    return { services, probes, skipped: `failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  }
}

/** Runs the table, printing each row as it finishes. */
export function runScaleTable(env: NodeJS.ProcessEnv = process.env, log: (s: string) => void = console.log): { rows: ScaleRow[]; summary: Record<string, number | string> } {
  const max = Number(env.BENCH_MAX_SERVICES ?? 3000);
  const budgetMs = Number(env.BENCH_BUDGET_MS ?? 300_000);
  const plan: [number, 'all' | 'sampled'][] = [
    [10, 'sampled'],
    [100, 'all'],
    [100, 'sampled'],
    ...(env.BENCH_FULL_MATRIX_300 === '1' ? [[300, 'all'] as [number, 'all']] : []),
    [300, 'sampled'],
    [1000, 'sampled'],
    [3000, 'sampled'],
  ];
  const rows: ScaleRow[] = [];
  log(header());
  for (const [services, probes] of plan) {
    let row: ScaleRow;
    const estimate = estimateWallMs(rows, services, probes);
    if (services > max) row = { services, probes, skipped: `BENCH_MAX_SERVICES=${max}` };
    else if (estimate !== undefined && estimate > budgetMs) row = { services, probes, skipped: `estimated ${Math.round(estimate / 1000)} s > BENCH_BUDGET_MS ${budgetMs / 1000} s` };
    else row = runRow(services, probes);
    rows.push(row);
    log(format(row));
  }
  const sampled = (n: number) => rows.find((r) => r.services === n && r.probes === 'sampled' && r.wallMs !== undefined);
  const summary: Record<string, number | string> = {};
  const [s100, s1000, s3000] = [sampled(100), sampled(1000), sampled(3000)];
  if (s100 && s1000) {
    summary.wallRatio1000To100 = round2(s1000.wallMs! / s100.wallMs!);
    summary.cpuRatio1000To100 = round2(s1000.cpuMs! / s100.cpuMs!);
  }
  if (s1000) summary.wallMs1000 = s1000.wallMs!;
  if (s3000) summary.wallMs3000 = s3000.wallMs!;
  summary.peakRssMiB = Math.max(0, ...rows.map((r) => r.peakRssMiB ?? 0));
  // Wall time is only as good as the machine is idle: a load above the core count means shared cores (compare cpu s).
  summary.loadAverage1m = round2(loadavg()[0]);
  summary.cores = cpus().length;
  summary.targets = `ratio <= ${SCALE_TARGETS.ratio1000To100}, 1,000 < ${SCALE_TARGETS.wallMs1000 / 1000} s, 3,000 < ${SCALE_TARGETS.wallMs3000 / 1000} s, RSS < ${SCALE_TARGETS.rssMiB} MiB`;
  log(Object.entries(summary).map(([k, v]) => `${k}: ${v}`).join('; '));
  return { rows, summary };
}

/** Sizes of issue 7's "cost of one topology" (sampled rows of the table). */
export const TOPOLOGY_COST_SIZES = [10, 100, 1000] as const;

/** Wall ms, CPU ms and peak RSS of one topology at each of {@link TOPOLOGY_COST_SIZES} services, from the table's sampled rows (absent sizes were skipped). */
export function topologyCost(rows: readonly ScaleRow[]): Record<string, Pick<ScaleRow, 'wallMs' | 'cpuMs' | 'peakRssMiB' | 'skipped'>> {
  const out: Record<string, Pick<ScaleRow, 'wallMs' | 'cpuMs' | 'peakRssMiB' | 'skipped'>> = {};
  for (const n of TOPOLOGY_COST_SIZES) {
    const r = rows.find((x) => x.services === n && x.probes === 'sampled');
    out[String(n)] = r ? { wallMs: r.wallMs, cpuMs: r.cpuMs, peakRssMiB: r.peakRssMiB, ...(r.skipped ? { skipped: r.skipped } : {}) } : { skipped: 'not in the table' };
  }
  return out;
}

/** Wall time of `services` extrapolated from the last two measured rows of the same selection (power law), if there are two. */
function estimateWallMs(rows: readonly ScaleRow[], services: number, probes: 'all' | 'sampled'): number | undefined {
  const done = rows.filter((r) => r.probes === probes && r.wallMs !== undefined && r.services < services);
  if (done.length < 2) return undefined;
  const [a, b] = done.slice(-2);
  if (a.services === b.services) return undefined;
  const k = Math.max(1, Math.log(b.wallMs! / a.wallMs!) / Math.log(b.services / a.services));
  return b.wallMs! * (services / b.services) ** k;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const cols = ['services', 'probes', 'probes/cycle', 'wall s', 'cpu s', 'peak RSS MiB', 'sim s', 'mismatches'];
const widths = [9, 8, 13, 8, 8, 13, 6, 10];
const pad = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join(' ');
function header(): string {
  return `${pad(cols)}\n${pad(widths.map((w) => '-'.repeat(w)))}`;
}
function format(r: ScaleRow): string {
  if (r.skipped) return `${pad([String(r.services), r.probes, '', '', '', '', '', ''])}  skipped: ${r.skipped}`;
  const s = (ms?: number) => (ms === undefined ? '' : (ms / 1000).toFixed(1));
  return `${pad([String(r.services), r.probes, String(r.probesPerCycle), s(r.wallMs), s(r.cpuMs), String(r.peakRssMiB), s(r.simMs), String(r.mismatches)])}${r.timedOut ? `  timed out: ${r.timedOut}` : ''}`;
}
