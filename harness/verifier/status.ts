/**
 * The outcome of a run in one word (reports/model.ts `RunStatus`), and of a whole results document
 * (`ResultsStatus`): the same rules for every run kind and every Cluster, so the exit code, the
 * summary line, results.json and junit.xml can never disagree.
 */
import type { ResultsDocument, ResultsStatus, RunRecord, RunStatus } from '../../reports/model.ts';

/** Worst first: the order in which statuses win when runs are combined. */
export const STATUS_ORDER: readonly RunStatus[] = ['input-errors', 'mismatches', 'invariant-violations', 'unverified', 'verified'];

/**
 * A run's status: `input-errors` when any input was refused, else `mismatches` when any probe
 * mismatched or any service's admission differs from the admission oracle, else `invariant-violations` when an invariant broke (invariants.ts), else `unverified`
 * when verification timed out (platform never settled, or the generators did not finish their
 * cycles), else `verified`.
 */
export function runStatus(run: Pick<RunRecord, 'inputErrors' | 'mismatches' | 'verification' | 'invariants' | 'admissionMismatches'>): RunStatus {
  if (run.inputErrors.length > 0) return 'input-errors';
  if (run.mismatches > 0 || (run.admissionMismatches ?? 0) > 0) return 'mismatches';
  if ((run.invariants?.length ?? 0) > 0) return 'invariant-violations';
  if (run.verification.timedOut) return 'unverified';
  return 'verified';
}

/** The worst status of `runs` (`verified` for none). */
export function worstStatus(runs: readonly Pick<RunRecord, 'status'>[]): ResultsStatus {
  let worst = STATUS_ORDER.length - 1;
  for (const r of runs) worst = Math.min(worst, STATUS_ORDER.indexOf(r.status));
  return STATUS_ORDER[worst];
}

/** The summary of a results document, computed from its runs alone (a run, or shards merged). */
export function summarize(runs: readonly RunRecord[]): ResultsDocument['summary'] {
  return {
    status: worstStatus(runs),
    runs: runs.length,
    topologies: runs.filter((r) => r.kind === 'random').length,
    probes: runs.reduce((n, r) => n + r.probes.length, 0),
    mismatches: runs.reduce((n, r) => n + r.mismatches, 0),
    failedRuns: runs.filter((r) => r.status !== 'verified').length,
    unverifiedRuns: runs.filter((r) => r.verification.timedOut !== undefined).length,
    invariantViolations: runs.reduce((n, r) => n + (r.invariants?.length ?? 0), 0),
    admissions: runs.reduce((n, r) => n + (r.admissions?.length ?? 0), 0),
    admissionMismatches: runs.reduce((n, r) => n + (r.admissionMismatches ?? 0), 0),
    inputErrors: runs.reduce((n, r) => n + r.inputErrors.length, 0),
    warnings: runs.reduce((n, r) => n + r.warnings.length, 0),
  };
}
