/**
 * The World a finished `lattice-sim run` ended in, rebuilt from its reports (`connectivity --from-run`,
 * issue 10). A run is a function of its command line (seed, specs, injected bug) and the record's
 * identity, so replaying the record's case in a fresh World reaches the same final state, object for
 * object, without the run having saved any: no state snapshot is written by `run`.
 *
 * What can be replayed: fleet records (`fleet:<name>`: the `--specs` directories of the command, else
 * the example fleet of that name) and random-topology records (`topology:<worldSeed>:<index>`: drawn
 * again from the command's `--seed`). Evolving topologies are refused with the command that reproduces
 * them. Relative `--specs` paths are read from the current directory, as the original run read them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InjectedBug, World } from '../harness/world.ts';
import { INJECTABLE_BUGS } from '../harness/world.ts';
import { runCase } from '../harness/verifier/run-case.ts';
import { loadSpecs } from '../harness/specs/load-specs.ts';
import { fleetCase } from '../scenarios/fleet.ts';
import { drawTopology, topologyCase } from '../scenarios/random-enforcement.ts';
import { exampleFleetDir, EXAMPLE_FLEETS } from '../topologies/index.ts';
import type { ExampleFleetName } from '../topologies/index.ts';
import { CliError } from './errors.ts';

/** The parts of a `lattice-sim run` command line a replay needs. */
export interface RunCommand {
  seed: number;
  specs: string[];
  injectBug?: InjectedBug;
}

/** Reads `--seed`, `--specs` (repeatable) and `--inject-bug` from a results.json `header.command` (tokens split on spaces). */
export function parseRunCommand(command: string): RunCommand {
  const tokens = command.trim().split(/\s+/);
  const out: RunCommand = { seed: 1, specs: [] };
  for (let i = 0; i < tokens.length; i++) {
    const [flag, inline] = tokens[i].split('=', 2) as [string, string | undefined];
    const value = () => inline ?? tokens[++i];
    if (flag === '--seed') out.seed = Number(value());
    else if (flag === '--specs') out.specs.push(value());
    else if (flag === '--inject-bug') {
      const bug = value();
      if ((INJECTABLE_BUGS as readonly string[]).includes(bug)) out.injectBug = bug as InjectedBug;
    }
  }
  return out;
}

interface RunRecordHead {
  id: string;
  kind: string;
  name: string;
  seed?: number;
  topologyIndex?: number;
}

/**
 * Rebuilds the World of record `runId` of the run whose reports are in `dir` (its results.json),
 * runs the case to its end and returns the World (the caller stops it) and a one-line description.
 * Without `runId`, a run with exactly one record replays that one.
 * @throws CliError (exit 2) for a missing or unreadable results.json, an unknown or unreplayable record.
 */
export async function replayRun(dir: string, runId?: string): Promise<{ world: World; description: string }> {
  const file = join(dir, 'results.json');
  let doc: { header?: { command?: string }; summary?: { status?: string }; runs?: RunRecordHead[] };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError('LATTICE_SIM_BAD_RUN', `--from-run ${dir}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give the --out directory of a lattice-sim run`);
  }
  if (doc.summary?.status === 'incomplete') throw new CliError('LATTICE_SIM_BAD_RUN', `--from-run ${dir}: that run did not finish (results.json says incomplete)`);
  const runs = doc.runs ?? [];
  const command = parseRunCommand(doc.header?.command ?? '');
  const record = runId === undefined ? (runs.length === 1 ? runs[0] : undefined) : runs.find((r) => r.id === runId);
  if (!record) {
    const ids = runs.slice(0, 8).map((r) => r.id);
    const more = runs.length > ids.length ? ` … (${runs.length} in all)` : '';
    throw new CliError(
      'LATTICE_SIM_BAD_RUN',
      runId === undefined ? `--from-run ${dir} holds ${runs.length} runs: name one with --run (${ids.join(', ')}${more})` : `--run ${runId}: no such run in ${file} (${ids.join(', ')}${more})`,
    );
  }
  if (record.kind === 'fleet') {
    const dirs = command.specs.length > 0 ? command.specs : (EXAMPLE_FLEETS as readonly string[]).includes(record.name) ? [exampleFleetDir(record.name as ExampleFleetName)] : [];
    if (dirs.length === 0) throw new CliError('LATTICE_SIM_BAD_RUN', `--run ${record.id}: the run's command names no --specs and ${record.name} is not an example fleet`);
    const specs = loadSpecs(dirs);
    if (specs.missing.length > 0) throw new CliError('LATTICE_SIM_BAD_RUN', `--run ${record.id}: cannot read ${specs.missing.join(', ')} (paths are read from the current directory, as the run read them)`);
    const { world } = await runCase(fleetCase({ name: record.name, seed: command.seed, objects: specs.objects, sources: specs.sources, documents: specs.documents, injectBug: command.injectBug }));
    return { world, description: `${record.id} replayed (seed ${command.seed}${command.injectBug ? `, bug ${command.injectBug}` : ''})` };
  }
  if (record.kind === 'random' && record.topologyIndex !== undefined && record.seed !== undefined) {
    const topology = await drawTopology(command.seed, record.topologyIndex);
    const { world } = await runCase(topologyCase(topology, record.seed, record.topologyIndex, command.injectBug));
    return { world, description: `${record.id} (topology ${record.topologyIndex} of seed ${command.seed}) replayed${command.injectBug ? ` with bug ${command.injectBug}` : ''}` };
  }
  throw new CliError('LATTICE_SIM_BAD_RUN', `--run ${record.id}: ${record.kind} runs are not replayed here; reproduce it with lattice-sim run (its failure record gives the command)`);
}
