/** The end of a run (or a merge): the reports written atomically, then the summary printed. */
import { writeReports } from '../reports/index.ts';
import type { ResultsDocument } from '../reports/index.ts';
import { EXIT_INTERNAL, exitCodeOf } from './exit-codes.ts';
import type { Io } from './main.ts';
import type { RunFlags } from './options.ts';
import { clearReports } from './out-dir.ts';
import { printSummary } from './summary.ts';

/**
 * Writes a finished document's reports and prints its summary; resolves to the exit code of its
 * status, or 3 when the reports cannot be written (then none is left behind, and stderr says why).
 */
export function writeAndSummarize(doc: ResultsDocument, outDir: string, io: Io, flags: Pick<RunFlags, 'seed' | 'injectBug'>): number {
  const code = exitCodeOf(doc.summary.status);
  let written: string[];
  try {
    written = writeReports(doc, outDir);
  } catch (err) {
    clearReports(outDir);
    printSummary(doc, [], io, flags, code);
    io.err(`error [LATTICE_SIM_WRITE_FAILED]: cannot write the reports in ${outDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): the run ended ${doc.summary.status} but left no report`);
    return EXIT_INTERNAL;
  }
  printSummary(doc, written, io, flags, code);
  return code;
}
