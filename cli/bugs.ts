/**
 * `lattice-sim bugs`: the seeded-bug catalogue (harness/bugs), and `--verify`, which runs the default
 * command (the example fleet plus the random topologies) once per bug and says, per bug, whether
 * the run caught it, how small the shrunk counterexample is and how long finding it took (wall ms),
 * then the kill rate. Exit 0 only when every bug was caught.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { BUG_CATALOGUE } from '../harness/bugs/index.ts';
import type { InjectedBug } from '../harness/bugs/index.ts';
import { loadSpecs } from '../harness/specs/load-specs.ts';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { writeFileAtomic } from '../reports/index.ts';
import { runFleet } from '../scenarios/fleet.ts';
import { runRandomTopologies } from '../scenarios/random-enforcement.ts';
import { exampleFleetDir } from '../topologies/index.ts';
import { EXIT_FAILED, EXIT_VERIFIED } from './exit-codes.ts';
import type { Io } from './main.ts';
import { prepareOutDir } from './out-dir.ts';

/** One bug's verdict in `bugs --verify` (written to `<out>/bugs.json`). */
export interface BugVerdict {
  name: string;
  area: string;
  caught: boolean;
  /** Services in the shrunk counterexample (null when only the fleet caught it, or nothing did). */
  counterexampleServices: number | null;
  /** Wall ms from the start of this bug's run to its first failing run; null when not caught. */
  foundAfterWallMs: number | null;
  /** Wall ms of the whole run for this bug. */
  wallMs: number;
  reproduce: string | null;
}

function* range(count: number): Generator<number> {
  for (let i = 0; i < count; i++) yield i;
}

/** Runs the default command with `bug` injected and judges whether it was caught. */
export async function verifyBug(bug: InjectedBug, seed: number, topologies: number): Promise<BugVerdict> {
  const info = BUG_CATALOGUE.find((b) => b.name === bug)!;
  const start = performance.now();
  let foundAt: number | null = null;
  const specs = loadSpecs([exampleFleetDir('shop')]);
  const fleet = await runFleet({ name: 'shop', seed, objects: specs.objects as KubeObject[], sources: specs.sources, documents: specs.documents, injectBug: bug });
  if (fleet.status !== 'verified') foundAt = performance.now() - start;
  const random = await runRandomTopologies({
    seed,
    indices: range(topologies),
    injectBug: bug,
    onTopology: (_i, record) => {
      if (foundAt === null && record.status !== 'verified') foundAt = performance.now() - start;
    },
  });
  const shrunk = random.failures.find((f) => f.shrunk);
  return {
    name: bug,
    area: info.area,
    caught: foundAt !== null,
    counterexampleServices: shrunk ? shrunk.counterexample.services.length : null,
    foundAfterWallMs: foundAt === null ? null : Math.round(foundAt),
    wallMs: Math.round(performance.now() - start),
    reproduce: shrunk?.reproduce ?? (fleet.status !== 'verified' ? `lattice-sim run --seed ${seed} --topologies 0 --inject-bug ${bug}` : null),
  };
}

/** Registers `bugs` (list) and `bugs --verify` on the program; `setExit` receives the exit code. */
export function registerBugsCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('bugs')
    .description('list the seeded-bug catalogue; --verify runs the default command once per bug and reports the kill rate')
    .option('--verify', 'run the default command (example fleet + random topologies) once per bug: caught or not, counterexample size, time to find it')
    .option('--seed <n>', 'seed of the verifying runs (default: 1)', (v) => Number(v))
    .option('--topologies <n>', 'random topologies per verifying run (default: 100)', (v) => Number(v))
    .option('--out <dir>', 'directory for bugs.json (default: reports/out/bugs)')
    .action(async (opts: { verify?: boolean; seed?: number; topologies?: number; out?: string }) => {
      const width = Math.max(...BUG_CATALOGUE.map((b) => b.name.length));
      if (!opts.verify) {
        io.out(`${BUG_CATALOGUE.length} seeded bugs (apply one with: lattice-sim run --inject-bug NAME)`);
        for (const b of BUG_CATALOGUE) io.out(`  ${b.name.padEnd(width)}  [${b.area}] ${b.description}`);
        setExit(EXIT_VERIFIED);
        return;
      }
      const seed = Number.isSafeInteger(opts.seed) ? opts.seed! : 1;
      const topologies = Number.isSafeInteger(opts.topologies) ? opts.topologies! : 100;
      const outDir = prepareOutDir(opts.out ?? 'reports/out/bugs');
      io.out(`lattice-sim bugs --verify: ${BUG_CATALOGUE.length} bugs, each through the default run (example fleet + ${topologies} topologies, seed ${seed})`);
      const verdicts: BugVerdict[] = [];
      for (const b of BUG_CATALOGUE) {
        const v = await verifyBug(b.name, seed, topologies);
        verdicts.push(v);
        const size = v.counterexampleServices === null ? '-' : `${v.counterexampleServices} services`;
        io.out(`  ${v.name.padEnd(width)}  ${v.caught ? 'CAUGHT ' : 'MISSED '}  counterexample ${size.padEnd(11)}  found after ${v.foundAfterWallMs === null ? '-' : `${(v.foundAfterWallMs / 1000).toFixed(1)}s`} (run ${(v.wallMs / 1000).toFixed(1)}s)`);
      }
      const caught = verdicts.filter((v) => v.caught).length;
      const rate = Math.round((100 * caught) / verdicts.length);
      io.out(`kill rate: ${caught}/${verdicts.length} (${rate}%)`);
      writeFileAtomic(join(outDir, 'bugs.json'), `${JSON.stringify({ seed, topologies, killRate: caught / verdicts.length, bugs: verdicts }, null, 2)}\n`);
      io.out(`report: ${join(outDir, 'bugs.json')}`);
      setExit(caught === verdicts.length ? EXIT_VERIFIED : EXIT_FAILED);
    });
}
