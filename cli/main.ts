/**
 * The `lattice-sim` CLI. `main(argv, io)` resolves to the exit code (cli/exit-codes.ts): 0 verified,
 * 1 mismatches or unverified, 2 bad flags or input, 3 internal error. It never throws, and never
 * prints a stack trace unless `--debug` asks for one.
 *
 * Reports cannot lie: `--out` is checked writable before the run starts; the previous run's reports
 * are removed first and an `incomplete` mark stands while the run is under way; every run that
 * reaches the end writes its status into results.json and junit.xml atomically; a run that stops
 * early on bad flags or input leaves no report at all.
 *
 * This is the composition root: it may import every folder (scenarios, topologies, reports). The
 * modules a command runs on are imported when that command runs (`run` below, each command's
 * action), not with this module: `--help`, `merge` or a bare `serve` start without the platform,
 * the scenarios and the simulator, which cost seconds of module loading (the tsx transform of each).
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { writeReports } from '../reports/index.ts';
import type { FailureRecord, InputErrorRecord, ResultsDocument, ResultsStatus, RunRecord } from '../reports/index.ts';
import type { SpecProblem } from '../harness/specs/load-specs.ts';
import { runStatus, summarize } from '../harness/verifier/status.ts';
import type { InjectedBug } from '../harness/bugs/index.ts';
import { registerBugsCommand } from './bugs.ts';
import { registerMergeCommand } from './merge.ts';
import { registerConnectivityCommand } from './connectivity-command.ts';
import { registerCompileCommand } from './compile.ts';
import { registerServeCommand } from './serve.ts';
import { CliError } from './errors.ts';
import { EXIT_BAD_INPUT, EXIT_CODES_HELP, EXIT_INTERNAL, EXIT_SIGPIPE } from './exit-codes.ts';
import { clearReports, outFromArgv, prepareOutDir } from './out-dir.ts';
import { RUN_FLAGS } from './options.ts';
import type { RunFlags } from './options.ts';
import { writeAndSummarize } from './finish.ts';
import { MAX_WORKERS, TopologyPool, defaultWorkers, thisThread } from './workers.ts';
import type { WorkerSetup } from './workers.ts';

const VERSION = '0.1.0';
const DEFAULT_OUT = 'reports/out/latest';

/** Bounds of the run's flags (each refused with exit 2 and a sentence). */
/** Random topologies of the default run (`lattice-sim run` with no topology flag). */
export const DEFAULT_TOPOLOGIES = 100;

export const RUN_LIMITS = {
  /** Largest seed: seeds are 32-bit (a larger one would silently alias a smaller one). */
  maxSeed: 2 ** 32 - 1,
  /** Most random topologies one run generates. */
  maxTopologies: 1_000_000,
} as const;

const boundedInt = (name: string, max: number) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${v}"`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n > max) throw new InvalidArgumentError(`${name} must be at most ${max}, got ${v}`);
  return n;
};

/** `i/n` with 1 ≤ i ≤ n ≤ 1000 → {index: i, count: n}. */
const shardArg = (v: string) => {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || index < 1 || count < 1 || index > count || count > 1000) throw new InvalidArgumentError(`--shard takes i/n with 1 ≤ i ≤ n ≤ 1000, got "${v}"`);
  return { index, count };
};

/** `90s`, `10m`, `1h`, `500ms` → wall ms (at most a week). */
const durationArg = (v: string) => {
  const m = /^(\d+)(ms|s|m|h)$/.exec(v);
  const ms = m ? Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'] : NaN;
  if (!m || !(ms > 0) || ms > 7 * 24 * 3_600_000) throw new InvalidArgumentError(`--budget takes a duration such as 90s, 10m or 1h (at most a week), got "${v}"`);
  return ms;
};

/** `--workers k`, 1 ≤ k ≤ MAX_WORKERS. */
const workersArg = (v: string) => {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= MAX_WORKERS)) throw new InvalidArgumentError(`--workers takes a whole number of threads from 1 to ${MAX_WORKERS}, got "${v}"`);
  return n;
};

/** Output sink (tests pass their own). */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Called with each run record of `run` as it completes (fleets, then random topologies in index order; evolving topologies as they finish). `bugs --verify` times its finds with it. */
  onRecord?: (record: RunRecord) => void;
}

const defaultIo: Io = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

/**
 * Makes a closed stdout or stderr pipe end the process at once and quietly with {@link EXIT_SIGPIPE},
 * as SIGPIPE ends other CLIs (`lattice-sim run --help | head -3`, like `git log | head`). Node
 * ignores SIGPIPE, so the closed pipe surfaces as an EPIPE `error` event on the stream, which would
 * otherwise reach the entry point's internal-error handler. Any other stream error is rethrown (and
 * is an internal error). For the process's own streams: bin/lattice-sim.mjs calls it before {@link main}.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(EXIT_SIGPIPE);
      throw err;
    });
  }
}

/** What the error handler needs to know about the run in progress. */
interface RunState {
  command: string;
  debug: boolean;
  /** The prepared (absolute) --out directory, once checked. */
  outDir?: string;
}

/** Runs the CLI with `argv` (without `node` and the script). Resolves to the exit code; never rejects. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const state: RunState = { command: ['lattice-sim', ...argv].join(' '), debug: argv.includes('--debug') };
  let exitCode = 0;
  const program = new Command('lattice-sim')
    .description('Simulate a Lattice-style platform against an in-memory Kubernetes API server and verify bilateral network enforcement.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .addHelpText('after', `\n${EXIT_CODES_HELP}`);
  const f = RUN_FLAGS;
  const desc = (k: keyof RunFlags) => `${f[k].description} (default: ${f[k].defaultText})`;
  program
    .command('run')
    .description('run the example fleets (or --specs) plus random topologies, judge enforcement cycle by cycle, write reports')
    .option(f.specs.flag, desc('specs'), (v: string, acc: string[] | undefined) => [...(acc ?? []), v])
    .option(f.seed.flag, desc('seed'), boundedInt('--seed', RUN_LIMITS.maxSeed))
    .option(f.topologies.flag, desc('topologies'), boundedInt('--topologies', RUN_LIMITS.maxTopologies))
    .option(f.topology.flag, desc('topology'), boundedInt('--topology', RUN_LIMITS.maxTopologies - 1))
    .option(f.evolutions.flag, desc('evolutions'), boundedInt('--evolutions', RUN_LIMITS.maxTopologies))
    .option(f.evolution.flag, desc('evolution'), boundedInt('--evolution', RUN_LIMITS.maxTopologies - 1))
    .option(f.path.flag, desc('path'))
    .option(f.injectBug.flag, desc('injectBug'))
    .addOption(new Option(f.shrink.flag, desc('shrink')).choices(['first', 'all', 'none']))
    .addOption(new Option(f.probes.flag, desc('probes')).choices(['all', 'sampled']))
    .option(f.shard.flag, desc('shard'), shardArg)
    .option(f.budgetMs.flag, desc('budgetMs'), durationArg)
    .option(f.workers.flag, desc('workers'), workersArg)
    .option(f.strict.flag, desc('strict'))
    .option(f.out.flag, desc('out'))
    .option(f.debug.flag, desc('debug'))
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .action(async (given: Partial<RunFlags>) => {
      const flags: RunFlags = {
        specs: given.specs ?? [],
        seed: given.seed ?? 1,
        topologies: given.topologies,
        topology: given.topology,
        evolutions: given.evolutions,
        evolution: given.evolution,
        path: given.path,
        injectBug: given.injectBug,
        shrink: given.shrink ?? 'first',
        probes: given.probes,
        shard: given.shard,
        budgetMs: (given as { budget?: number }).budget,
        workers: given.workers,
        strict: given.strict === true,
        out: given.out ?? DEFAULT_OUT,
        debug: given.debug === true,
      };
      exitCode = await run(flags, io, state);
    });
  registerBugsCommand(program, io, (code) => (exitCode = code));
  registerMergeCommand(program, io, (code) => (exitCode = code));
  registerConnectivityCommand(program, io, (code) => (exitCode = code));
  registerCompileCommand(program, io, (code) => (exitCode = code));
  registerServeCommand(program, io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      if (argv[0] === 'run') clearReports(outFromArgv(argv) ?? DEFAULT_OUT);
      return EXIT_BAD_INPUT;
    }
    if (err instanceof CliError) {
      io.err(`error [${err.code}]: ${err.message}`);
      // Only a `run` owns the reports: another verb's bad input leaves them alone.
      if (argv[0] === 'run') clearReports(state.outDir ?? outFromArgv(argv) ?? DEFAULT_OUT);
      return err.exitCode;
    }
    return internalError(err, io, state);
  }
}

/** Exit 3: one line on stderr naming the failure and the file with the full stack; an `internal-error` report. */
function internalError(err: unknown, io: Io, state: RunState): number {
  const stack = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  const headline = err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : String(err).split('\n')[0];
  let stackFile: string | undefined = join(state.outDir ?? tmpdir(), state.outDir ? 'error.log' : `lattice-sim-error-${process.pid}.log`);
  try {
    writeFileSync(stackFile, `${state.command}\n\n${stack}\n`);
  } catch {
    stackFile = undefined;
  }
  io.err(`internal error [LATTICE_SIM_INTERNAL]: ${headline}${stackFile ? `; full stack in ${stackFile}` : ''} (--debug prints it; please report it with the command line)`);
  if (state.debug) io.err(stack);
  if (state.outDir) {
    try {
      writeReports(markDocument(state.command, 'internal-error', headline, stackFile), state.outDir);
    } catch {
      clearReports(state.outDir);
    }
  }
  return EXIT_INTERNAL;
}

function markDocument(command: string, status: ResultsStatus, message: string, stackFile?: string): ResultsDocument {
  return {
    header: { tool: 'lattice-sim', version: VERSION, generatedAt: new Date().toISOString(), wallMs: 0, command },
    summary: { status, runs: 0, topologies: 0, probes: 0, mismatches: 0, failedRuns: 0, unverifiedRuns: 0, inputErrors: 0, warnings: 0 },
    runs: [],
    failures: [],
    error: { message, ...(stackFile ? { stackFile } : {}) },
  };
}

/** Indices from..from+count-1, or only those of one shard (index modulo n = i-1). */
function* range(from: number, count: number, shard?: { index: number; count: number }): Generator<number> {
  for (let i = from; i < from + count; i++) if (!shard || i % shard.count === shard.index - 1) yield i;
}

const toRecord = (p: SpecProblem): InputErrorRecord => ({
  file: p.file,
  ...(p.document !== undefined ? { document: p.document } : {}),
  object: p.object ?? '',
  message: p.field ? `${p.field}: ${p.message}` : p.message,
});

/** One input error or warning as a line: `file (document n) Kind ns/name: field: message`. */
const formatRecord = (e: InputErrorRecord): string =>
  `${e.file ?? ''}${e.document !== undefined ? ` (document ${e.document})` : ''}${e.object ? ` ${e.object}` : ''}: ${e.message}`.replace(/^ /, '');

/** Checks flags that depend on each other; throws CliError (exit 2). */
async function checkFlags(flags: RunFlags): Promise<void> {
  const { INJECTABLE_BUGS } = await import('../harness/bugs/catalogue.ts');
  if (flags.injectBug !== undefined && !INJECTABLE_BUGS.includes(flags.injectBug as InjectedBug)) {
    throw new CliError('LATTICE_SIM_BAD_FLAG', `--inject-bug: unknown bug "${flags.injectBug}"; choose one of: ${INJECTABLE_BUGS.join(', ')}`);
  }
  if (flags.evolution !== undefined) {
    for (const [given, name] of [[flags.topology, '--topology'], [flags.topologies, '--topologies'], [flags.evolutions, '--evolutions'], [flags.shard, '--shard'], [flags.budgetMs, '--budget']] as const) {
      if (given !== undefined) throw new CliError('LATTICE_SIM_BAD_FLAG', `--evolution runs one evolving topology: drop ${name}`);
    }
  }
  if (flags.path !== undefined && flags.evolution !== undefined) {
    // fast-check's path, then (after @) the commands' replayPath: which commands ran at each shrink step.
    if (!/^\d+(:\d+)*(@[A-Za-z0-9+/]*:[A-Za-z0-9+/]*)?$/.test(flags.path)) {
      throw new CliError('LATTICE_SIM_BAD_FLAG', `--path "${flags.path}" is not an evolution replay path (e.g. 0:1:0@AB:C): copy it from a reproduce line`);
    }
  } else if (flags.path !== undefined) {
    if (flags.topology === undefined) throw new CliError('LATTICE_SIM_BAD_FLAG', '--path replays one counterexample: give --topology <index> (or --evolution <index>) too');
    if (!/^\d+(:\d+)*$/.test(flags.path)) {
      throw new CliError('LATTICE_SIM_BAD_FLAG', `--path "${flags.path}" is not a replay path (numbers separated by colons, e.g. 0:1:0): copy it from a reproduce line`);
    }
  }
  if (flags.topology !== undefined && flags.topologies !== undefined) throw new CliError('LATTICE_SIM_BAD_FLAG', '--topology runs one topology: drop --topologies');
  if (flags.topology !== undefined && (flags.shard !== undefined || flags.budgetMs !== undefined)) throw new CliError('LATTICE_SIM_BAD_FLAG', '--topology runs one topology: drop --shard and --budget');
}

/**
 * The evolving topologies of a run: the default run has DEFAULT_EVOLUTIONS (scenarios/random-evolution.ts); a run that asks for
 * specific topologies or specs gets them only with --evolutions; --evolution I runs (and --path replays) one.
 */
async function evolveFor(flags: RunFlags, injectBug: InjectedBug | undefined, wallStart: number, io: Io): Promise<{ runs: RunRecord[]; failures: FailureRecord[] }> {
  const { DEFAULT_EVOLUTIONS, runEvolutions } = await import('../scenarios/random-evolution.ts');
  const asked = flags.topology !== undefined || flags.topologies !== undefined || flags.specs.length > 0 || flags.budgetMs !== undefined;
  const count = flags.evolution !== undefined ? 1 : (flags.evolutions ?? (asked ? 0 : DEFAULT_EVOLUTIONS));
  if (count === 0) return { runs: [], failures: [] };
  const budget = flags.budgetMs;
  const { ReplayPathError } = await import('../scenarios/random-enforcement.ts');
  try {
    return await runEvolutions({
      seed: flags.seed,
      indices: range(flags.evolution ?? 0, count, flags.shard),
      injectBug,
      path: flags.evolution !== undefined ? flags.path : undefined,
      shrink: flags.shrink,
      onEvolution: (_index, record) => io.onRecord?.(record),
      ...(budget !== undefined ? { shouldStop: () => performance.now() - wallStart >= budget } : {}),
    });
  } catch (err) {
    if (err instanceof ReplayPathError) {
      throw new CliError('LATTICE_SIM_BAD_FLAG', `--path ${err.path} does not replay a counterexample of evolving topology ${flags.evolution} at seed ${flags.seed} (${err.message}); copy the path from the reproduce line`);
    }
    throw err;
  }
}

/** Random topologies `run` generates (before --shard picks its share). */
function topologyCount(flags: RunFlags): number {
  if (flags.evolution !== undefined) return 0;
  return flags.topology !== undefined ? 1 : (flags.topologies ?? (flags.budgetMs !== undefined ? RUN_LIMITS.maxTopologies : flags.specs.length > 0 ? 0 : DEFAULT_TOPOLOGIES));
}

async function run(flags: RunFlags, io: Io, state: RunState): Promise<number> {
  const wallStart = performance.now();
  await checkFlags(flags);
  const count = topologyCount(flags);
  const workers = flags.topology !== undefined ? 1 : (flags.workers ?? defaultWorkers(Math.ceil(count / (flags.shard?.count ?? 1))));
  // K threads: this one and K-1 worker threads, which load the sources while the reports are
  // prepared and the fleet runs in this thread (which joins them once its own work is done).
  const setup = { seed: flags.seed, injectBug: flags.injectBug as InjectedBug | undefined };
  const pool = workers > 1 && count > 1 ? TopologyPool.start(workers - 1, setup) : undefined;
  try {
    return await runWith(flags, io, state, wallStart, count, pool && { pool, setup });
  } finally {
    await pool?.close();
  }
}

async function runWith(flags: RunFlags, io: Io, state: RunState, wallStart: number, count: number, threads: { pool: TopologyPool; setup: WorkerSetup } | undefined): Promise<number> {
  const [{ FleetLimitError, runFleet }, { ReplayPathError, runRandomTopologies }, { DEFAULT_RUN_FLEETS, exampleFleetDir }, { loadSpecs }] = await Promise.all([
    import('../scenarios/fleet.ts'),
    import('../scenarios/random-enforcement.ts'),
    import('../topologies/index.ts'),
    import('../harness/specs/load-specs.ts'),
  ]);
  const outDir = prepareOutDir(flags.out);
  state.outDir = outDir;
  clearReports(outDir);
  writeReports(markDocument(state.command, 'incomplete', 'the run has not finished: a file that still says so belongs to a run that crashed or was killed'), outDir);
  const injectBug = flags.injectBug as InjectedBug | undefined;
  const runs: RunRecord[] = [];
  let failures: FailureRecord[] = [];

  // Fixed fleets: --specs (one fleet), or the default example fleets (one run each) unless a single random topology is being reproduced.
  const fleets: { fleetDirs: string[]; name: string }[] =
    flags.specs.length > 0
      ? [{ fleetDirs: flags.specs, name: flags.specs.map((d) => d.replace(/\/+$/, '').split('/').pop()).join('+') }]
      : flags.topology === undefined && flags.evolution === undefined && (flags.shard?.index ?? 1) === 1
        ? DEFAULT_RUN_FLEETS.map((name) => ({ fleetDirs: [exampleFleetDir(name)], name }))
        : [];
  const runFleets = async (): Promise<void> => {
    for (const { fleetDirs, name } of fleets) {
      const specs = loadSpecs(fleetDirs, { strict: flags.strict });
      if (specs.missing.length > 0) throw new CliError('LATTICE_SIM_NO_SPECS', `cannot read ${specs.missing.join(', ')}: no such file or directory; check the --specs path`);
      if (specs.files.length === 0 && specs.problems.length === 0) throw new CliError('LATTICE_SIM_NO_SPECS', `no .yaml, .yml or .json files under ${fleetDirs.join(', ')}`);
      let record: RunRecord;
      try {
        record = await runFleet({ name, seed: flags.seed, objects: specs.objects as KubeObject[], sources: specs.sources, documents: specs.documents, injectBug, probes: flags.probes });
      } catch (err) {
        if (err instanceof FleetLimitError) throw new CliError('LATTICE_SIM_TOO_LARGE', err.message);
        throw err;
      }
      record.inputErrors.unshift(...specs.problems.map(toRecord));
      record.warnings.push(...specs.warnings.map(toRecord));
      record.status = runStatus(record);
      for (const e of record.inputErrors) io.err(`error: ${formatRecord(e)}`);
      for (const w of record.warnings) io.err(`warning: ${formatRecord(w)}`);
      runs.push(record);
      io.onRecord?.(record);
    }
  };

  // With a pool, the worker threads start on the random topologies at once, while this thread runs
  // the fleets and then the evolving topologies (scenarios/random-evolution.ts), then joins them on
  // the topologies left; without one, fleets, topologies and evolutions run in turn. Records (and the
  // lines printed for them) keep the order fleets, topologies, evolutions either way: a topology's
  // record waits until the fleets are done.
  const evolve = () => evolveFor(flags, injectBug, wallStart, io).catch((error: unknown) => ({ error }));
  let fleetsDone = false;
  const heldRecords: RunRecord[] = [];
  const onTopologyRecord = (record: RunRecord) => (fleetsDone ? io.onRecord?.(record) : heldRecords.push(record));
  const randomTopologies = async (): Promise<void> => {
    if (count === 0) return;
    const budget = flags.budgetMs;
    const overBudget = budget === undefined ? undefined : () => performance.now() - wallStart >= budget;
    try {
      const opts = {
        seed: flags.seed,
        indices: range(flags.topology ?? 0, count, flags.shard),
        injectBug,
        path: flags.path,
        shrink: flags.shrink,
        onTopology: (_index: number, record: RunRecord) => onTopologyRecord(record),
        ...(overBudget ? { shouldStop: overBudget } : {}),
      };
      const random = await (threads ? threads.pool.run(opts, thisThread(threads.setup, ownWorkDone)) : runRandomTopologies(opts));
      randomRuns.push(...random.runs);
      failures = random.failures;
    } catch (err) {
      if (err instanceof ReplayPathError) {
        throw new CliError('LATTICE_SIM_BAD_FLAG', `--path ${err.path} does not replay a counterexample of topology ${flags.topology} at seed ${flags.seed} (${err.message}); copy the path from the reproduce line`);
      }
      throw err;
    }
  };
  const randomRuns: RunRecord[] = [];
  let evolutionsDone: () => void = () => undefined;
  const ownWorkDone = new Promise<void>((resolve) => (evolutionsDone = resolve));
  const topologies = threads ? randomTopologies().then(() => undefined, (error: unknown) => ({ error })) : undefined;
  try {
    await runFleets();
  } finally {
    fleetsDone = true;
    for (const record of heldRecords.splice(0)) io.onRecord?.(record);
  }
  const evolving = threads ? evolve().finally(evolutionsDone) : undefined;
  const topologyError = await (topologies ?? randomTopologies().then(() => undefined));
  if (topologyError) throw topologyError.error;
  runs.push(...randomRuns);

  const evolved = await (evolving ?? evolve());
  if ('error' in evolved) throw evolved.error;
  runs.push(...evolved.runs);
  failures = [...failures, ...evolved.failures];

  const doc: ResultsDocument = {
    header: { tool: 'lattice-sim', version: VERSION, generatedAt: new Date().toISOString(), wallMs: Math.round(performance.now() - wallStart), command: state.command },
    summary: summarize(runs),
    runs,
    failures,
  };
  if (flags.budgetMs !== undefined) io.out(`--budget: ${doc.summary.topologies} random topologies ran in ${(doc.header.wallMs / 1000).toFixed(1)}s`);
  return writeAndSummarize(doc, outDir, io, flags);
}

