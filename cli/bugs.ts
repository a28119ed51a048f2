/**
 * `lattice-sim bugs`: the seeded-bug catalogue (harness/bugs), and `--verify`, which runs the default
 * command (`lattice-sim run --inject-bug NAME`, through the same `main` a user's shell reaches: example
 * fleets, random and evolving topologies, worker threads) once per bug and says, per bug, whether the
 * run caught it, how small the smallest shrunk counterexample is and how long finding it took (wall
 * ms), then the kill rate. Each run's reports stay in `<out>/runs/<bug>/`. Exit 0 only when every bug
 * was caught.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import type { InjectedBug } from '../harness/bugs/index.ts';
import { readFileSync } from 'node:fs';
import type { FailureRecord, ResultsDocument } from '../reports/model.ts';
import { writeFileAtomic } from '../reports/index.ts';
import { EXIT_FAILED, EXIT_VERIFIED } from './exit-codes.ts';
import { DEFAULT_TOPOLOGIES, main } from './main.ts';
import type { Io } from './main.ts';
import { prepareOutDir } from './out-dir.ts';

/** One bug's verdict in `bugs --verify` (written to `<out>/bugs.json`). */
export interface BugVerdict {
  name: string;
  area: string;
  caught: boolean;
  /** Services in the smallest shrunk counterexample (null when only a fleet caught it, or nothing did). */
  counterexampleServices: number | null;
  /** Commands of that counterexample when it is an evolving topology's. */
  counterexampleCommands?: number;
  /** Wall ms from the start of this bug's run to its first failing run; null when not caught. */
  foundAfterWallMs: number | null;
  /** Wall ms of the whole run for this bug. */
  wallMs: number;
  reproduce: string | null;
}

/**
 * Runs the default command — `lattice-sim run --inject-bug NAME` exactly as a user types it (example
 * fleets, random topologies, evolving topologies, worker threads), reports in `outDir` — and judges
 * whether it caught the bug: exit 1 (mismatches, broken invariants or an unverified run). The
 * counterexample is the smallest shrunk one of the run (random or evolving; fewest services, then
 * fewest commands); `foundAfterWallMs` is when the first failing record came back (evolving
 * topologies report when they finish, so for a bug only they catch it is an upper bound).
 * `topologies` other than the default 100 is passed as `--topologies N --evolutions 12`.
 */
export async function verifyBug(bug: InjectedBug, seed: number, topologies: number, outDir: string): Promise<BugVerdict> {
  const [{ BUG_CATALOGUE }, { DEFAULT_EVOLUTIONS }] = await Promise.all([import('../harness/bugs/catalogue.ts'), import('../scenarios/random-evolution.ts')]);
  const info = BUG_CATALOGUE.find((b) => b.name === bug)!;
  const start = performance.now();
  let foundAt: number | null = null;
  const argv = ['run', '--inject-bug', bug, '--seed', String(seed), '--out', outDir];
  if (topologies !== DEFAULT_TOPOLOGIES) argv.push('--topologies', String(topologies), '--evolutions', String(DEFAULT_EVOLUTIONS));
  const code = await main(argv, {
    out: () => {},
    err: () => {},
    onRecord: (record) => {
      if (foundAt === null && record.status !== 'verified') foundAt = performance.now() - start;
    },
  });
  const wallMs = Math.round(performance.now() - start);
  if (code !== EXIT_FAILED && code !== EXIT_VERIFIED) throw new Error(`lattice-sim ${argv.join(' ')} exited ${code}; see ${join(outDir, 'error.log')}`);
  const doc = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as ResultsDocument;
  const size = (f: FailureRecord): [number, number] => [f.counterexample.services.length, f.commands?.length ?? 0];
  const smallest = doc.failures
    .filter((f) => f.shrunk)
    .sort((a, b) => size(a)[0] - size(b)[0] || size(a)[1] - size(b)[1])[0];
  const fleetFailed = doc.runs.some((r) => r.kind === 'fleet' && r.status !== 'verified');
  return {
    name: bug,
    area: info.area,
    caught: code === EXIT_FAILED,
    counterexampleServices: smallest ? smallest.counterexample.services.length : null,
    ...(smallest?.commands ? { counterexampleCommands: smallest.commands.length } : {}),
    foundAfterWallMs: code === EXIT_FAILED && foundAt !== null ? Math.round(foundAt) : null,
    wallMs,
    reproduce: smallest?.reproduce ?? (fleetFailed ? `lattice-sim run --seed ${seed} --topologies 0 --inject-bug ${bug}` : null),
  };
}

/** Registers `bugs` (list) and `bugs --verify` on the program; `setExit` receives the exit code. */
export function registerBugsCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('bugs')
    .description('list the seeded-bug catalogue; --verify runs the default command once per bug and reports the kill rate')
    .option('--verify', 'run the default command (lattice-sim run --inject-bug NAME) once per bug: caught or not, counterexample size, time to find it')
    .option('--seed <n>', 'seed of the verifying runs (default: 1)', (v) => Number(v))
    .option('--topologies <n>', 'random topologies per verifying run (default: 100)', (v) => Number(v))
    .option('--out <dir>', 'directory for bugs.json (default: reports/out/bugs)')
    .action(async (opts: { verify?: boolean; seed?: number; topologies?: number; out?: string }) => {
      // The catalogue imports every bug, and through them the platform: loaded when the command runs.
      const { BUG_CATALOGUE } = await import('../harness/bugs/catalogue.ts');
      const width = Math.max(...BUG_CATALOGUE.map((b) => b.name.length));
      if (!opts.verify) {
        io.out(`${BUG_CATALOGUE.length} seeded bugs (apply one with: lattice-sim run --inject-bug NAME)`);
        for (const b of BUG_CATALOGUE) io.out(`  ${b.name.padEnd(width)}  [${b.area}] ${b.description}`);
        setExit(EXIT_VERIFIED);
        return;
      }
      const seed = Number.isSafeInteger(opts.seed) ? opts.seed! : 1;
      const topologies = Number.isSafeInteger(opts.topologies) ? opts.topologies! : DEFAULT_TOPOLOGIES;
      const outDir = prepareOutDir(opts.out ?? 'reports/out/bugs');
      const { DEFAULT_EVOLUTIONS } = await import('../scenarios/random-evolution.ts');
      io.out(`lattice-sim bugs --verify: ${BUG_CATALOGUE.length} bugs, each through the default run (lattice-sim run --inject-bug NAME: example fleets, ${topologies} random and ${DEFAULT_EVOLUTIONS} evolving topologies, seed ${seed})`);
      const verdicts: BugVerdict[] = [];
      for (const b of BUG_CATALOGUE) {
        const v = await verifyBug(b.name, seed, topologies, join(outDir, 'runs', b.name));
        verdicts.push(v);
        const size = v.counterexampleServices === null ? '-' : `${v.counterexampleServices} services${v.counterexampleCommands ? `, ${v.counterexampleCommands} command${v.counterexampleCommands === 1 ? '' : 's'}` : ''}`;
        io.out(`  ${v.name.padEnd(width)}  ${v.caught ? 'CAUGHT ' : 'MISSED '}  counterexample ${size.padEnd(22)}  found after ${v.foundAfterWallMs === null ? '-' : `${(v.foundAfterWallMs / 1000).toFixed(1)}s`} (run ${(v.wallMs / 1000).toFixed(1)}s)`);
      }
      const caught = verdicts.filter((v) => v.caught).length;
      const rate = Math.round((100 * caught) / verdicts.length);
      io.out(`kill rate: ${caught}/${verdicts.length} (${rate}%)`);
      writeFileAtomic(join(outDir, 'bugs.json'), `${JSON.stringify({ seed, topologies, killRate: caught / verdicts.length, bugs: verdicts }, null, 2)}\n`);
      io.out(`report: ${join(outDir, 'bugs.json')}`);
      setExit(caught === verdicts.length ? EXIT_VERIFIED : EXIT_FAILED);
    });
}
