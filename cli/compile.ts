/**
 * `lattice-sim compile --specs DIR [-o table|yaml|json]`: what the platform produces for each object
 * of a spec directory, or why it refuses it (issue 9). The specs are not compiled by a second,
 * offline copy of the compiler: they are applied to a simulated cluster (harness/world.ts) running
 * the platform's real controllers and stubs, the clock runs until every workload object settles,
 * and the store is read back (harness/verifier/produced.ts). So the answer is the platform's own,
 * gates, ESO wait and mesh member included.
 *
 * Each input object ends with one outcome:
 * - `compiled`: the platform reports a settled phase other than Failed (Ready, Running …) and the
 *   objects it wrote for it are listed;
 * - `denied`: phase Failed (a Cedar gate, a compile error, a timeout): the status message and the
 *   conditions say which gate or field, and whatever was produced is listed (all-or-nothing: nothing);
 * - `refused`: the API server refused the object (schema, validation): file, document and field named;
 * - `applied`: an input the platform reads but does not compile (Namespace, CedarPolicy, plain workload);
 * - `pending`: still unsettled when the wait ended.
 * Namespaces the input uses but does not declare are created (a note says which), as a platform team's
 * namespace provisioning would have.
 *
 * Exit codes: 0 every object got an outcome other than `pending`; 1 some object did not settle within
 * `--wait`; 2 bad flags, a missing path, or a file that could not be read as YAML.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { KubeObject, TypeRef } from '../fake-apiserver/api/index.ts';
import { builtinKinds } from '../fake-apiserver/registry.ts';
import type { SpecProblem } from '../harness/specs/load-specs.ts';
import { objectKey, producedObjects } from '../harness/verifier/produced.ts';
import { CliError } from './errors.ts';
import { EXIT_BAD_INPUT, EXIT_FAILED } from './exit-codes.ts';
import type { Io } from './main.ts';

/** Outcome of one input object (see the module comment). */
export type CompileOutcome = 'compiled' | 'denied' | 'refused' | 'applied' | 'pending';

/** One input object's result. */
export interface CompiledObject {
  /** `Kind ns/name`. */
  object: string;
  /** `file (document n)`. */
  source: string;
  outcome: CompileOutcome;
  /** `status.phase` as the platform wrote it, when it did. */
  phase?: string;
  /** The status message, the API server's refusal, or why it is pending. */
  message?: string;
  /** `status.conditions` (type, status, reason, message) as written. */
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  /**
   * The platform's own account of what it derived, when its status has one (a LatticeService's
   * `status.compiledResources`, book Chapter 4 §4.8): count, kind → count, and the generation derived.
   */
  compiledResources?: { count: number; types: Record<string, number>; generation?: number };
  /** The objects the platform wrote for it, server-populated metadata and status stripped. */
  resources: KubeObject[];
}

/** Result of one `compile`. */
export interface CompileResult {
  apiVersion: 'lattice-sim.dev/v1alpha1';
  kind: 'CompileResult';
  items: CompiledObject[];
  /** Objects the platform wrote for no input object (cluster-wide defaults). */
  platformWide: KubeObject[];
  notes: string[];
  /** Simulated ms the cluster ran until everything settled (or the wait ended). */
  settledAfterMs: number;
}

/** Options of {@link compileSpecs}. */
export interface CompileOptions {
  specs: readonly string[];
  seed: number;
  /** Longest simulated wait for the workload objects to settle. @unit simulated ms */
  waitMs: number;
}

/** Phases that mean the platform is still working on an object. */
const UNSETTLED_PHASES = new Set(['', 'Pending', 'Compiling', 'Progressing', 'Provisioning', 'Installing', 'Loading']);
/** Kinds the platform reconciles into outputs and reports a phase for: everything of the platform's group except the policy inputs. */
const PLATFORM_GROUP = 'lattice.dev/';
const POLICY_INPUT_KINDS = new Set(['CedarPolicy']);
/** Simulated step between settle checks. @unit simulated ms */
const STEP_MS = 1_000;
/** Simulated time granted after the last object settled, so late writes (mesh policies, status) land. @unit simulated ms */
const GRACE_MS = 5_000;

const isWorkload = (o: KubeObject): boolean => o.apiVersion.startsWith(PLATFORM_GROUP) && !POLICY_INPUT_KINDS.has(o.kind);

type Json = Record<string, unknown>;

/** A stored object as a manifest: without uid, resourceVersion, timestamps, generation, managedFields and status. */
function manifest(o: KubeObject): KubeObject {
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, generation: _g, managedFields: _m, ...metadata } = o.metadata as Json & KubeObject['metadata'];
  const { status: _s, ...rest } = o as KubeObject & { status?: unknown };
  return { ...rest, metadata } as KubeObject;
}

/**
 * Applies `specs` to a fresh simulated cluster, runs it until every platform object settles or
 * `waitMs` passes, and reports each object's outcome and output.
 * @throws CliError (exit 2) when a path is missing or a file could not be read at all.
 */
export async function compileSpecs(opts: CompileOptions): Promise<CompileResult> {
  // The World (and with it the platform) and the spec loader are loaded by this command, not by the CLI's start.
  const [{ World }, { formatProblem, loadSpecs }] = await Promise.all([import('../harness/world.ts'), import('../harness/specs/load-specs.ts')]);
  const loaded = loadSpecs(opts.specs);
  if (loaded.missing.length > 0) throw new CliError('LATTICE_SIM_NO_SPECS', `--specs: ${loaded.missing.join(', ')}: no such file or directory`);
  const fileProblems = loaded.problems.filter((p) => p.object === undefined);
  if (fileProblems.length > 0) throw new CliError('LATTICE_SIM_BAD_SPECS', `${fileProblems.length} file(s) could not be read:\n  ${fileProblems.map(formatProblem).join('\n  ')}`);
  const notes: string[] = loaded.warnings.map((w) => `warning: ${formatProblem(w)}`);
  const where = (o: KubeObject) => `${loaded.sources.get(o)} (document ${loaded.documents.get(o)})`;
  const items: CompiledObject[] = [];
  const refusedBy = new Map<string, SpecProblem[]>();
  for (const p of loaded.problems) refusedBy.set(`${p.file}#${p.document}`, [...(refusedBy.get(`${p.file}#${p.document}`) ?? []), p]);
  for (const [, problems] of refusedBy) {
    const p = problems[0];
    items.push({
      object: p.object ?? '<unnamed>',
      source: `${p.file} (document ${p.document})`,
      outcome: 'refused',
      message: problems.map((q) => `${q.field ? `${q.field}: ` : ''}${q.message}`).join('; '),
      resources: [],
    });
  }

  const world = await World.create({ seed: opts.seed });
  try {
    const declared = new Set(loaded.objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
    const used = [...new Set(loaded.objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n))].sort();
    const missingNs = used.filter((n) => !declared.has(n) && world.server.list({ apiVersion: 'v1', kind: 'Namespace' }).items.every((ns) => ns.metadata.name !== n));
    for (const ns of missingNs) {
      await world.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      notes.push(`namespace ${ns} created: the input uses it and declares no Namespace`);
    }
    const failures = await world.apply(loaded.objects);
    const failed = new Set(failures.map((f) => f.object));
    for (const f of failures) {
      const causes = f.error.status.details?.causes ?? [];
      items.push({
        object: objectKey(f.object),
        source: where(f.object),
        outcome: 'refused',
        message: causes.length > 0 ? causes.map((c) => `${c.field ? `${c.field}: ` : ''}${c.message}`).join('; ') : f.error.message,
        resources: [],
      });
    }
    const accepted = loaded.objects.filter((o) => !failed.has(o));
    const typeOf = (o: KubeObject): TypeRef => ({ apiVersion: o.apiVersion, kind: o.kind });
    const stored = (o: KubeObject): KubeObject | undefined =>
      world.server.list(typeOf(o), o.metadata.namespace ? { namespace: o.metadata.namespace } : {}).items.find((s) => s.metadata.name === o.metadata.name);
    const phaseOf = (o: KubeObject | undefined): string => ((o as { status?: { phase?: unknown } } | undefined)?.status?.phase as string | undefined) ?? '';
    const workloads = accepted.filter(isWorkload);
    const start = world.clock.now();
    let settledAt: number | undefined;
    while (world.clock.now() - start < opts.waitMs) {
      await world.advance(world.clock.now() + STEP_MS);
      const settled = workloads.every((o) => !UNSETTLED_PHASES.has(phaseOf(stored(o))));
      if (!settled) settledAt = undefined;
      else if (settledAt === undefined) settledAt = world.clock.now();
      else if (world.clock.now() - settledAt >= GRACE_MS) break;
    }
    const types = world.server.registry.all().map((i) => ({ apiVersion: i.apiVersion, kind: i.kind }));
    const storedInputs = accepted.map(stored).filter((o): o is KubeObject => o !== undefined);
    const produced = producedObjects((t) => world.server.list(t).items, types, storedInputs);
    for (const o of accepted) {
      const s = stored(o);
      const phase = phaseOf(s);
      const status = (s as { status?: Json } | undefined)?.status;
      const conditions = Array.isArray(status?.conditions) ? (status.conditions as CompiledObject['conditions'])!.map(({ type, status: st, reason, message }) => ({ type, status: st, reason, message })) : undefined;
      const outcome: CompileOutcome = !isWorkload(o) ? 'applied' : UNSETTLED_PHASES.has(phase) ? 'pending' : phase === 'Failed' ? 'denied' : 'compiled';
      const message = typeof status?.message === 'string' ? status.message : outcome === 'pending' ? `not settled after ${opts.waitMs / 1000} s simulated (phase ${phase || 'unset'})` : undefined;
      const summary = status?.compiledResources as CompiledObject['compiledResources'] | null | undefined;
      const compiledResources = summary && typeof summary.count === 'number' ? { count: summary.count, types: summary.types ?? {}, ...(summary.generation !== undefined ? { generation: summary.generation } : {}) } : undefined;
      items.push({
        object: objectKey(o),
        source: where(o),
        outcome,
        ...(phase ? { phase } : {}),
        ...(message ? { message } : {}),
        ...(conditions ? { conditions } : {}),
        ...(compiledResources ? { compiledResources } : {}),
        resources: (produced.byInput.get(objectKey(o)) ?? []).map(manifest),
      });
    }
    items.sort((a, b) => a.source.localeCompare(b.source, 'en', { numeric: true }));
    return { apiVersion: 'lattice-sim.dev/v1alpha1', kind: 'CompileResult', items, platformWide: produced.platformWide.map(manifest), notes, settledAfterMs: world.clock.now() - start };
  } finally {
    world.stop();
  }
}

/** Kind names the API server serves as built-ins (Job, Service …), with their apiVersion. */
const BUILTIN_API_VERSION = new Map(builtinKinds.map((i) => [i.kind, i.apiVersion]));

/** `Kind ns/name`, as `Kind.group ns/name` (kubectl's form) when a custom kind shares a built-in's name (Volcano's Job). */
function resourceLabel(o: KubeObject): string {
  const builtin = BUILTIN_API_VERSION.get(o.kind);
  if (builtin === undefined || builtin === o.apiVersion) return objectKey(o);
  return `${o.kind}.${o.apiVersion.split('/')[0]} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/** The table form: one block per object, its resources below it, then the totals. */
export function formatCompileTable(result: CompileResult): string[] {
  const lines: string[] = [];
  for (const item of result.items) {
    const head = `${item.object}  [${item.source}]`;
    const phase = item.phase ? ` (${item.phase})` : '';
    lines.push(`${head}: ${item.outcome}${phase}${item.outcome === 'compiled' || item.outcome === 'denied' ? `, ${item.resources.length} resources` : ''}`);
    if (item.message && item.outcome !== 'compiled') lines.push(`  ${item.outcome === 'refused' ? 'refused' : 'message'}: ${item.message}`);
    for (const c of item.conditions ?? []) if (c.status !== 'True') lines.push(`  condition ${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`);
    const summary = item.compiledResources;
    if (summary) {
      const types = Object.entries(summary.types).map(([k, n]) => `${k} ${n}`);
      lines.push(`  status compiledResources: ${summary.count}${types.length > 0 ? ` (${types.join(', ')})` : ''}${summary.generation !== undefined ? `, generation ${summary.generation}` : ''}`);
    }
    if (item.resources.length > 0) lines.push(`  ${item.resources.map(resourceLabel).join(', ')}`);
  }
  const count = (o: CompileOutcome) => result.items.filter((i) => i.outcome === o).length;
  const resources = result.items.reduce((n, i) => n + i.resources.length, 0);
  for (const n of result.notes) lines.push(`note: ${n}`);
  lines.push(
    `compile: ${result.items.length} objects: ${count('compiled')} compiled, ${count('denied')} denied, ${count('refused')} refused, ${count('applied')} applied, ${count('pending')} pending; ` +
      `${resources} resources produced (+${result.platformWide.length} platform-wide); settled after ${(result.settledAfterMs / 1000).toFixed(0)} s simulated`,
  );
  return lines;
}

interface CompileFlags {
  specs: string[];
  output: 'table' | 'yaml' | 'json';
  seed: number;
  wait: number;
}

function nonNegativeInt(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 2 ** 32 - 1) throw new InvalidArgumentError('must be an integer from 0 to 4294967295');
  return Number(v);
}

/**
 * Registers `compile` on `program`. `setExit` receives the exit code (0, 1 when something stayed
 * pending, 2 for bad input). Output goes to `io.out`, notes and errors to `io.err` (table form prints
 * notes inline).
 */
export function registerCompileCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('compile')
    .description('what the platform produces for each object of a spec directory, or why it refuses it (applied to a simulated cluster running the platform)')
    .requiredOption('--specs <dir>', 'spec directory or file; repeatable', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'yaml', 'json']).default('table'))
    .option('--seed <n>', 'seed of the simulated cluster', nonNegativeInt, 1)
    .option('--wait <seconds>', 'longest simulated wait for every object to settle', nonNegativeInt, 600)
    .addHelpText('after', '\nExit codes:\n  0  every object compiled, was denied (gate or field named) or refused (field named)\n  1  some object did not settle within --wait\n  2  bad flags, a missing path, or an unreadable file')
    .action(async (flags: CompileFlags) => {
      let result: CompileResult;
      try {
        result = await compileSpecs({ specs: flags.specs, seed: flags.seed, waitMs: flags.wait * 1000 });
      } catch (err) {
        if (!(err instanceof CliError)) throw err;
        io.err(`error [${err.code}]: ${err.message}`);
        setExit(EXIT_BAD_INPUT);
        return;
      }
      if (flags.output === 'json') io.out(JSON.stringify(result, null, 2));
      else if (flags.output === 'yaml') io.out((await import('yaml')).stringify(result, { lineWidth: 0 }));
      else for (const line of formatCompileTable(result)) io.out(line);
      setExit(result.items.some((i) => i.outcome === 'pending') ? EXIT_FAILED : 0);
    });
}
