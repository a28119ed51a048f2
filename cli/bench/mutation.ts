/**
 * `npm run mutants`: the mutation score of the default run. For each source mutant of platform/
 * (platform-mutants.ts) it exports a commit (default HEAD) into a scratch folder, applies the one
 * edit, runs the default `lattice-sim run` there and classifies the exit code: 1 = caught (the run
 * reported mismatches or failed checks), 3 = caught only by crashing, 0 = missed, anything else or
 * the wall-time limit = error. An unmutated baseline runs first and must exit 0, or nothing is scored.
 * Writes reports/out/mutants.json and prints one line per mutant and the kill rate.
 *
 * Flags: `--only id,id` (subset, run in that order), `--jobs N` (parallel runs, default 1), `--ref <commit>`
 * (default HEAD), `--timeout <wall s>` per run (default 300), `--no-baseline` (skip the unmutated run, for
 * a subset re-run at a commit whose default run is known to exit 0; the report then has no baseline time).
 * Wall time only; never part of `npm test`.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { PLATFORM_MUTANTS, type PlatformMutant } from './platform-mutants.ts';

/** Outcome of one run. */
export type MutantOutcome = 'caught' | 'crashed' | 'missed' | 'error' | 'stale';

interface MutantResult {
  id: string;
  area: string;
  breaks: string;
  outcome: MutantOutcome;
  exitCode: number | null;
  wallMs: number;
  summary: string;
}

const root = resolve(import.meta.dirname, '..', '..');

const program = new Command('mutants')
  .option('--only <ids>', 'comma-separated mutant ids')
  .option('--jobs <n>', 'parallel runs', '1')
  .option('--ref <commit>', 'commit to mutate', 'HEAD')
  .option('--timeout <seconds>', 'wall-time limit per run', '300')
  .option('--no-baseline', 'skip the unmutated run (its default run is known to exit 0)')
  .parse();
const opts = program.opts<{ only?: string; jobs: string; ref: string; timeout: string; baseline: boolean }>();
const only = opts.only ? [...new Set(opts.only.split(','))] : undefined;
if (only) for (const id of only) if (!PLATFORM_MUTANTS.some((m) => m.id === id)) throw new Error(`unknown mutant ${id}`);
const mutants = only ? only.map((id) => PLATFORM_MUTANTS.find((m) => m.id === id)!) : [...PLATFORM_MUTANTS];
const jobs = Math.max(1, Number(opts.jobs));
const timeoutMs = Number(opts.timeout) * 1000;

const scratch = mkdtempSync(join(tmpdir(), 'lattice-mutants-'));
// Resolved once: helpers and developers commit while a score runs, and every mutant must start from the same tree.
const commit = execFileSync('git', ['-C', root, 'rev-parse', '--verify', `${opts.ref}^{commit}`], { encoding: 'utf8' }).trim();

/** Exports `opts.ref` into a fresh folder with node_modules linked from the checkout. */
function exportTree(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  execFileSync('bash', ['-c', `git -C "${root}" archive "${commit}" | tar -x -C "${dir}"`]);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  // platform/compiler/testing.ts and fixtures resolve ../shared beside the checkout.
  try {
    symlinkSync(resolve(root, '..', 'shared'), join(scratch, 'shared'));
  } catch {
    /* already linked */
  }
  return dir;
}

function applyMutant(dir: string, m: PlatformMutant): boolean {
  const path = join(dir, m.file);
  const text = readFileSync(path, 'utf8');
  const at = text.indexOf(m.find);
  if (at < 0 || text.indexOf(m.find, at + 1) >= 0) return false;
  writeFileSync(path, text.slice(0, at) + m.replace + text.slice(at + m.find.length));
  return true;
}

function runDefault(dir: string): Promise<{ exitCode: number | null; wallMs: number; summary: string }> {
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, ['bin/lattice-sim.mjs', 'run', '--out', join(dir, 'out')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = out.trim().split('\n');
      const summary = lines.find((l) => l.startsWith('summary:')) ?? lines.at(-1) ?? '';
      done({ exitCode: code, wallMs: Math.round(performance.now() - started), summary: summary.slice(0, 160) });
    });
  });
}

const classify = (code: number | null): MutantOutcome => (code === 1 ? 'caught' : code === 3 ? 'crashed' : code === 0 ? 'missed' : 'error');

let baselineWallMs: number | null = null;
if (opts.baseline) {
  const baseline = await runDefault(exportTree('baseline'));
  console.log(`baseline (${opts.ref} = ${commit.slice(0, 12)}): exit ${baseline.exitCode} in ${(baseline.wallMs / 1000).toFixed(1)} s`);
  if (baseline.exitCode !== 0) {
    console.error(`baseline run failed; no mutant scored. ${baseline.summary}`);
    process.exit(1);
  }
  baselineWallMs = baseline.wallMs;
} else console.log(`no baseline run (${opts.ref} = ${commit.slice(0, 12)})`);

const results: MutantResult[] = [];
let next = 0;
async function worker(): Promise<void> {
  while (next < mutants.length) {
    const m = mutants[next++];
    const dir = exportTree(m.id);
    const base = { id: m.id, area: m.area, breaks: m.breaks };
    if (!applyMutant(dir, m)) {
      results.push({ ...base, outcome: 'stale', exitCode: null, wallMs: 0, summary: `find text not found exactly once in ${m.file}` });
    } else {
      const r = await runDefault(dir);
      results.push({ ...base, outcome: classify(r.exitCode), ...r });
    }
    const last = results.at(-1)!;
    console.log(`${last.outcome.padEnd(7)} ${m.id.padEnd(34)} ${(last.wallMs / 1000).toFixed(1).padStart(5)} s  ${m.breaks}`);
    rmSync(dir, { recursive: true, force: true });
  }
}
await Promise.all(Array.from({ length: jobs }, worker));
rmSync(scratch, { recursive: true, force: true });

results.sort((a, b) => mutants.findIndex((m) => m.id === a.id) - mutants.findIndex((m) => m.id === b.id));
const scored = results.filter((r) => r.outcome !== 'stale' && r.outcome !== 'error');
const killed = scored.filter((r) => r.outcome === 'caught' || r.outcome === 'crashed').length;
const line = `kill rate: ${killed}/${scored.length} (${scored.length ? Math.round((100 * killed) / scored.length) : 0}%); crashed ${results.filter((r) => r.outcome === 'crashed').length}, stale ${results.filter((r) => r.outcome === 'stale').length}, errors ${results.filter((r) => r.outcome === 'error').length}`;
console.log(line);
mkdirSync(join(root, 'reports', 'out'), { recursive: true });
writeFileSync(join(root, 'reports', 'out', 'mutants.json'), `${JSON.stringify({ ref: opts.ref, commit, baselineWallMs, results }, null, 2)}\n`);
