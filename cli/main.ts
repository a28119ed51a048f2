/**
 * The `lattice-sim` CLI. `main(argv)` returns the exit code: 0 when nothing mismatched, 1 when a probe
 * mismatched or an input was refused, 2 for bad flags or unreadable input. It never throws for user
 * errors and never prints a stack trace for them.
 *
 * This is the composition root: it may import every folder (scenarios, topologies, reports).
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { writeReports } from '../reports/index.ts';
import type { FailureRecord, ResultsDocument, RunRecord } from '../reports/index.ts';
import { runFleet } from '../scenarios/fleet.ts';
import { runRandomTopologies } from '../scenarios/random-enforcement.ts';
import { exampleFleetDir } from '../topologies/index.ts';
import { formatProblem, loadSpecs } from '../harness/specs/load-specs.ts';
import { INJECTABLE_BUGS } from '../harness/world.ts';
import type { InjectedBug } from '../harness/world.ts';
import { CliError } from './errors.ts';
import { RUN_FLAGS } from './options.ts';
import type { RunFlags } from './options.ts';
import { printSummary } from './summary.ts';

const VERSION = '0.1.0';

const nonNegativeInt = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
};

/** Output sink (tests pass their own). */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: Io = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

/** Runs the CLI with `argv` (without `node` and the script). Resolves to the exit code. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let exitCode = 0;
  const program = new Command('lattice-sim')
    .description('Simulate a Lattice-style platform against an in-memory Kubernetes API server and verify bilateral network enforcement.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  const f = RUN_FLAGS;
  const desc = (k: keyof RunFlags) => `${f[k].description} (default: ${f[k].defaultText})`;
  program
    .command('run')
    .description('run the example fleet (or --specs) plus random topologies, judge enforcement cycle by cycle, write reports')
    .option(f.specs.flag, desc('specs'), (v: string, acc: string[] | undefined) => [...(acc ?? []), v])
    .option(f.seed.flag, desc('seed'), nonNegativeInt('--seed'))
    .option(f.topologies.flag, desc('topologies'), nonNegativeInt('--topologies'))
    .option(f.topology.flag, desc('topology'), nonNegativeInt('--topology'))
    .option(f.path.flag, desc('path'))
    .option(f.injectBug.flag, desc('injectBug'))
    .option(f.out.flag, desc('out'))
    .action(async (given: Partial<RunFlags>) => {
      const flags: RunFlags = { ...given, specs: given.specs ?? [], seed: given.seed ?? 1, out: given.out ?? 'reports/out/latest' } as RunFlags;
      exitCode = await run(flags, io, ['lattice-sim', ...argv].join(' '));
    });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      io.err(`error [${err.code}]: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }
}

async function run(flags: RunFlags, io: Io, command: string): Promise<number> {
  const wallStart = performance.now();
  if (flags.injectBug !== undefined && !INJECTABLE_BUGS.includes(flags.injectBug as InjectedBug)) {
    throw new CliError('LATTICE_SIM_BAD_FLAG', `--inject-bug: unknown bug "${flags.injectBug}"; choose one of: ${INJECTABLE_BUGS.join(', ')}`);
  }
  if (flags.path !== undefined && flags.topology === undefined) throw new CliError('LATTICE_SIM_BAD_FLAG', '--path replays one counterexample: give --topology <index> too');
  const injectBug = flags.injectBug as InjectedBug | undefined;
  const runs: RunRecord[] = [];
  let failures: FailureRecord[] = [];

  // Fixed fleets: --specs, or the example fleet unless a single random topology is being reproduced.
  const fleetDirs = flags.specs.length > 0 ? flags.specs : flags.topology === undefined ? [exampleFleetDir('shop')] : [];
  if (fleetDirs.length > 0) {
    const specs = loadSpecs(fleetDirs);
    if (specs.missing.length > 0) throw new CliError('LATTICE_SIM_NO_SPECS', `cannot read ${specs.missing.join(', ')}: no such file or directory; check the --specs path`);
    if (specs.files.length === 0) throw new CliError('LATTICE_SIM_NO_SPECS', `no *.yaml files under ${fleetDirs.join(', ')}`);
    for (const p of specs.problems) io.err(`error: ${formatProblem(p)}`);
    const name = flags.specs.length > 0 ? flags.specs.map((d) => d.replace(/\/+$/, '').split('/').pop()).join('+') : 'shop';
    const record = await runFleet({ name, seed: flags.seed, objects: specs.objects as KubeObject[], sources: specs.sources, injectBug });
    record.inputErrors.unshift(...specs.problems.map((p) => ({ file: p.file, object: p.object ?? `document ${p.document}`, message: p.field ? `${p.field}: ${p.message}` : p.message })));
    runs.push(record);
  }

  const count = flags.topology !== undefined ? 1 : (flags.topologies ?? (flags.specs.length > 0 ? 0 : 100));
  if (count > 0) {
    const indices = flags.topology !== undefined ? [flags.topology] : Array.from({ length: count }, (_, i) => i);
    const random = await runRandomTopologies({ seed: flags.seed, indices, injectBug, path: flags.path });
    runs.push(...random.runs);
    failures = random.failures;
  }

  const wallMs = Math.round(performance.now() - wallStart);
  const doc: ResultsDocument = {
    header: { tool: 'lattice-sim', version: VERSION, generatedAt: new Date().toISOString(), wallMs, command },
    summary: {
      runs: runs.length,
      topologies: runs.filter((r) => r.kind === 'random').length,
      probes: runs.reduce((n, r) => n + r.probes.length, 0),
      mismatches: runs.reduce((n, r) => n + r.mismatches, 0),
      failedRuns: runs.filter((r) => r.mismatches > 0 || r.inputErrors.length > 0).length,
      inputErrors: runs.reduce((n, r) => n + r.inputErrors.length, 0),
    },
    runs,
    failures,
  };
  const written = writeReports(doc, flags.out);
  printSummary(doc, written, io, flags, injectBug);
  return doc.summary.mismatches === 0 && doc.summary.inputErrors === 0 ? 0 : 1;
}
