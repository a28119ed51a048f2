/**
 * `lattice-sim merge FILE… [--out DIR]`: one results document from the results.json files of
 * `run --shard i/n` jobs (a CI matrix), with reports and summary as `run` writes them. Runs keep
 * their deterministic order (fleets first, then random topologies by index); every shard's failures
 * are kept (each shard shrank its own first failure). Exit codes as `run`; a file that is not a
 * finished results document is bad input (exit 2) naming the file.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { FailureRecord, ResultsDocument, RunRecord } from '../reports/index.ts';
import { summarize } from '../harness/verifier/status.ts';
import { CliError } from './errors.ts';
import type { Io } from './main.ts';
import { writeAndSummarize } from './finish.ts';
import { clearReports, prepareOutDir } from './out-dir.ts';

/** Reads one shard's results.json. @throws CliError (exit 2) naming the file and what is wrong. */
function readShard(file: string): ResultsDocument {
  let doc: ResultsDocument;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as ResultsDocument;
  } catch (err) {
    throw new CliError('LATTICE_SIM_BAD_MERGE_INPUT', `${file}: not a readable JSON results document (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (doc?.header?.tool !== 'lattice-sim' || !Array.isArray(doc.runs) || !Array.isArray(doc.failures)) {
    throw new CliError('LATTICE_SIM_BAD_MERGE_INPUT', `${file}: not a lattice-sim results.json (header.tool, runs and failures are required)`);
  }
  if (doc.summary?.status === 'incomplete' || doc.summary?.status === 'internal-error') {
    throw new CliError('LATTICE_SIM_BAD_MERGE_INPUT', `${file}: that run did not finish (summary.status ${doc.summary.status}); rerun its shard`);
  }
  return doc;
}

/** Where a run kind goes in a run's order: fleets, random topologies, then evolving topologies (as `run` writes them). */
const KIND_RANK: Record<RunRecord['kind'], number> = { fleet: 0, random: 1, scenario: 1, evolution: 2 };

// Fleets keep the order their shard wrote them in (only shard 1 runs fleets; the default run has several): the sort is stable.
const runOrder = (a: RunRecord, b: RunRecord): number =>
  KIND_RANK[a.kind] - KIND_RANK[b.kind] || (a.kind === 'fleet' ? 0 : (a.topologyIndex ?? -1) - (b.topologyIndex ?? -1) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** Merges shard documents (pure): runs and failures concatenated and ordered, summary recomputed. */
export function mergeResults(docs: readonly ResultsDocument[], command: string, generatedAt: string): ResultsDocument {
  const runs = docs.flatMap((d) => d.runs).sort(runOrder);
  const seen = new Set<string>();
  for (const r of runs) {
    if (seen.has(r.id)) throw new CliError('LATTICE_SIM_BAD_MERGE_INPUT', `run ${r.id} appears in more than one file: merge the results of disjoint shards (--shard i/n with the same n)`);
    seen.add(r.id);
  }
  // Random topologies' failures first, then evolving topologies' (they carry commands), each by index.
  const failures: FailureRecord[] = docs.flatMap((d) => d.failures).sort((a, b) => (a.commands ? 1 : 0) - (b.commands ? 1 : 0) || a.topologyIndex - b.topologyIndex);
  const first = docs[0].header;
  return {
    header: { tool: 'lattice-sim', version: first.version, generatedAt, wallMs: docs.reduce((n, d) => n + (d.header.wallMs ?? 0), 0), command },
    summary: summarize(runs),
    runs,
    failures,
  };
}

/** Registers `merge`; `setExit` receives the exit code. */
export function registerMergeCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('merge')
    .description('merge the results.json files of sharded runs (run --shard i/n) into one report')
    .argument('<files...>', 'results.json of each shard')
    .option('--out <dir>', 'directory for the merged results.json and junit.xml (default: reports/out/merged)')
    .action((files: string[], opts: { out?: string }) => {
      const docs = files.map(readShard);
      const outDir = prepareOutDir(opts.out ?? 'reports/out/merged');
      clearReports(outDir);
      const merged = mergeResults(docs, ['lattice-sim merge', ...files, ...(opts.out ? ['--out', opts.out] : [])].join(' '), new Date().toISOString());
      const seedOf = (cmd: string) => Number(/--seed[ =](\d+)/.exec(cmd)?.[1] ?? 1);
      const bugOf = (cmd: string) => /--inject-bug[ =](\S+)/.exec(cmd)?.[1];
      io.out(`lattice-sim merge: ${files.length} shards`);
      setExit(writeAndSummarize(merged, outDir, io, { seed: seedOf(docs[0].header.command), injectBug: bugOf(docs[0].header.command) }));
    });
}
