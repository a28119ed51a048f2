/**
 * Scenario "random evolution" (issue 7, topologies over time): N evolving topologies, each a small
 * random topology followed by up to {@link MAX_EVOLUTION_COMMANDS} commands (evolution-commands.ts:
 * declarations, wildcard, services, namespaces, ports, replicas, CedarPolicies) drawn by fast-check's
 * model-based `fc.commands` and run with `fc.asyncModelRun` while traffic keeps running. Each command's
 * topology is rendered and applied as a DIFF of the previous rendering (EvolvingCase,
 * harness/verifier/evolve-case.ts), which judges the transition and the convergence; invariants are
 * judged on every watch event. A failing case is shrunk by fast-check to the shortest command sequence
 * (and smallest initial topology) and reported as a readable list of commands with the command line
 * that reproduces it: `lattice-sim run --seed S --evolution I --path P`, where P is fast-check's replay
 * path and, after `@`, the commands' replayPath (which commands ran at each shrink step).
 */
import fc from 'fast-check';
import type { FailureRecord, ProbeRecord, RunRecord } from '../reports/model.ts';
import { World } from '../harness/world.ts';
import type { InjectedBug } from '../harness/world.ts';
import { defaultProfile } from '../harness/profile.ts';
import { deriveSeed } from '../harness/rng/index.ts';
import { runStatus } from '../harness/verifier/status.ts';
import { DEFAULT_STEP_TIMEOUT_MS, EvolvingCase } from '../harness/verifier/evolve-case.ts';
import type { EvolutionState } from '../harness/verifier/evolve-case.ts';
import { oracle, renderTopology, topologyArbitrary } from '../topologies/index.ts';
import type { Topology } from '../topologies/index.ts';
import { evolutionCommandArbitraries } from './evolution-commands.ts';
import type { EvolutionModel, EvolutionReal } from './evolution-commands.ts';
import { failureHead, runEachIndex } from './random-enforcement.ts';
import type { ShrinkMode } from './random-enforcement.ts';
import { checkCase } from './check-case.ts';

/** Most commands after the initial topology. */
export const MAX_EVOLUTION_COMMANDS = 4;
/**
 * The initial topologies: small (every command costs a settle and two traffic cycles) and densely agreed, so removals have edges to break.
 * No secrets and no drawn Cedar set (`secretProbability: 0`): the implicit set, re-rendered per state, permits every gate each state
 * meets. A drawn set is fixed at the start, so a command adding a wildcard would meet no permit and its member would keep its old
 * policies (reference §4.4: the Cedar check precedes compiling), and a service denied after it was admitted keeps its outputs
 * (reference §2.8 step 7 deletes only its ExternalSecrets); the admission oracle describes a fresh apply only. No quotas
 * (`quotaProbability: 0`): a service its quota refuses is an admission outcome the evolution oracle does not predict.
 * No selector-only member pods, no external probes and no LatticeJobs (knobs at 0, so no draw; evolution commands edit LatticeServices): the evolving topologies and commands of a seed
 * stay those drawn before these knobs came, and with them the evolving cases the lifecycle bugs are caught by.
 */
export const EVOLUTION_TOPOLOGY = {
  minServices: 3,
  maxServices: 6,
  outboundProbability: 0.6,
  reciprocatedProbability: 0.8,
  secretProbability: 0,
  invalidSpecProbability: 0,
  quotaProbability: 0,
  selectorOnlyLabelsProbability: 0,
  externalProbeProbability: 0,
  jobProbability: 0,
} as const;

/** Options of a random-evolution run. */
export interface EvolutionOptions {
  seed: number;
  /** Evolution indices to run (0-based), in order. */
  indices: Iterable<number>;
  injectBug?: InjectedBug;
  /** Replay path `fcPath@replayPath` of a shrunk counterexample (with a single index). */
  path?: string;
  shrink?: ShrinkMode;
  onEvolution?: (index: number, record: RunRecord) => void;
  shouldStop?: () => boolean;
}

/** The command line that reproduces evolving case `index` (its shrunk counterexample when `path` is given). */
export function evolutionReproduceCommand(seed: number, index: number, injectBug?: string, path?: string): string {
  return ['lattice-sim run', `--seed ${seed}`, `--evolution ${index}`, ...(path ? [`--path ${path}`] : []), ...(injectBug ? [`--inject-bug ${injectBug}`] : [])].join(' ');
}

/** Thrown inside the model run when a step failed: fast-check stops there and shrinks. */
class StepFailed extends Error {}

const stateOf = (label: string, t: Topology): EvolutionState => ({ label, objects: renderTopology(t), expected: oracle(t) });

/**
 * Runs one evolving case in a fresh World seeded `worldSeed`: the initial topology, then `commands`
 * (stopping at the first failing step). Never throws for a failing case: the record says how it failed.
 */
export async function runEvolution(t: Topology, commands: Iterable<fc.AsyncCommand<EvolutionModel, EvolutionReal, boolean>>, worldSeed: number, index: number, injectBug?: InjectedBug): Promise<RunRecord> {
  const profile = defaultProfile();
  const world = await World.create({ seed: worldSeed, injectBug, profile });
  const ev = await EvolvingCase.start(world, stateOf('initial', t), { ...profile.verifier, stepTimeoutMs: DEFAULT_STEP_TIMEOUT_MS });
  if (!ev.failed) {
    const real: EvolutionReal = {
      apply: async (next, label) => {
        await ev.step(stateOf(label, next));
        if (ev.failed) throw new StepFailed(label);
      },
    };
    try {
      await fc.asyncModelRun(() => ({ model: { topology: t, serial: 0 } satisfies EvolutionModel, real }), commands);
    } catch (err) {
      if (!(err instanceof StepFailed)) throw err;
    }
  }
  const violations = ev.finish();
  const steps = ev.steps;
  // Every step's judged probes (so probe counts, junit cases and mismatches agree); each step also lists its own mismatches.
  const probes: ProbeRecord[] = ev.probes;
  const mismatches = steps.reduce((n, s) => n + s.mismatches.length + s.transitions.length, 0);
  const timedOut = steps.filter((s) => s.timedOut).map((s) => `${s.command}: ${s.timedOut}`);
  const verification = {
    cyclesRequired: profile.verifier.cycles,
    platformReadyAtMs: steps[0]?.settledAtMs ?? null,
    judgedAtMs: steps[steps.length - 1]?.judgedAtMs ?? 0,
    ...(timedOut.length > 0 ? { timedOut: timedOut.join('; ') } : {}),
  };
  return {
    id: `evolution:${worldSeed}:${index}`,
    name: t.name,
    kind: 'evolution',
    seed: worldSeed,
    topologyIndex: index,
    services: ev.services(),
    probes,
    status: runStatus({ inputErrors: ev.inputErrors, mismatches, verification, invariants: violations }),
    mismatches,
    inputErrors: ev.inputErrors,
    warnings: [],
    notes: [`${steps.length - 1} command(s) after the initial topology; ${steps.reduce((n, s) => n + s.probes, 0)} probes judged over ${steps.length} step(s)`, ...ev.notes()],
    verification,
    invariants: violations,
    evolution: { steps },
  };
}

/** Splits a reproduce path `fcPath@replayPath` (the `@` part is optional). */
export function splitEvolutionPath(path: string): { path: string; replayPath?: string } {
  const at = path.indexOf('@');
  return at < 0 ? { path } : { path: path.slice(0, at), replayPath: path.slice(at + 1) };
}

/**
 * Runs and judges evolving case `index` of `seed`, shrinking it when it fails and `shrink` is set.
 * Deterministic for its options. @throws ReplayPathError when `path` does not replay a counterexample.
 */
export async function runEvolutionIndex(opts: { seed: number; index: number; injectBug?: InjectedBug; path?: string; shrink: boolean }): Promise<{ run: RunRecord; failure?: FailureRecord }> {
  const { index, shrink } = opts;
  const worldSeed = deriveSeed(opts.seed, `evolution/${index}`);
  const replay = opts.path !== undefined ? splitEvolutionPath(opts.path) : undefined;
  // A fresh commands arbitrary per check: it keeps the replay state of its shrinks.
  const commandsArb = fc.commands(evolutionCommandArbitraries(), { maxCommands: MAX_EVOLUTION_COMMANDS, size: 'max', ...(replay?.replayPath ? { replayPath: replay.replayPath } : {}) });
  type Case = [Topology, Iterable<fc.AsyncCommand<EvolutionModel, EvolutionReal, boolean>>];
  // Unbiased: the one run of an index is drawn like any other, not biased to the smallest values
  // (fast-check biases early runs small, which would leave most cases with no command at all).
  const checked = await checkCase<Case>([topologyArbitrary(EVOLUTION_TOPOLOGY), commandsArb], (t, commands) => runEvolution(t, commands, worldSeed, index, opts.injectBug), {
    seed: worldSeed,
    shrink,
    unbiased: true,
    fcPath: replay?.path,
    path: opts.path,
    what: 'evolving case',
    label: `evolution ${index}`,
  });
  const { first, failed } = checked;
  if (!failed) return { run: first };
  const lastFailing = failed.record;
  const [initial, commands] = failed.counterexample;
  const replayPath = /replayPath="([^"]*)"/.exec(String(commands))?.[1];
  const path = `${failed.path}${replayPath ? `@${replayPath}` : ''}`;
  const steps = lastFailing.evolution?.steps ?? [];
  return {
    run: first,
    failure: {
      ...failureHead({ first, seed: opts.seed, index, path, shrunk: shrink, shrinks: failed.shrinks, failing: lastFailing, before: checked.firstTopology, counterexample: initial }),
      commands: steps.slice(1).map((s) => s.command),
      mismatches: steps.flatMap((s) => s.mismatches),
      transitions: steps.flatMap((s) => s.transitions),
      ...(lastFailing.invariants?.length ? { invariants: lastFailing.invariants } : {}),
      reproduce: evolutionReproduceCommand(opts.seed, index, opts.injectBug, shrink ? path || undefined : undefined),
    },
  };
}

/** Runs every index (failures shrunk per `shrink`, the first one by default). Deterministic for its options. */
export async function runEvolutions(opts: EvolutionOptions): Promise<{ runs: RunRecord[]; failures: FailureRecord[] }> {
  return runEachIndex(opts, (index, shrink) => runEvolutionIndex({ seed: opts.seed, index, injectBug: opts.injectBug, path: opts.path, shrink }), opts.onEvolution);
}

/** Evolving topologies in the default `lattice-sim run` (each ~4–6 services and up to 4 commands). */
export const DEFAULT_EVOLUTIONS = 12;
