/**
 * The exit codes of `lattice-sim`, one meaning each. `--help` and the README print
 * {@link EXIT_CODES_HELP}; the summary line, results.json `summary.status` and junit.xml agree with
 * the code (each is derived from the same status: harness/verifier/status.ts).
 */
import type { ResultsStatus } from '../reports/index.ts';

/** 0: every run verified, no mismatch. */
export const EXIT_VERIFIED = 0;
/** 1: a probe mismatched, an invariant broke, or something was not verified (platform never settled, generators short of their cycles, a scenario timed out). */
export const EXIT_FAILED = 1;
/** 2: bad flags or bad input (a spec refused, a path missing, a bound exceeded). */
export const EXIT_BAD_INPUT = 2;
/** 3: lattice-sim itself failed; one line names the failure and the file holding the full stack. */
export const EXIT_INTERNAL = 3;

/**
 * 141 (128 + SIGPIPE): stdout or stderr was a pipe its reader closed (`lattice-sim run --help | head -3`).
 * Not a result: the status a shell reports for a CLI that SIGPIPE ended (`git log | head`), given
 * quietly, since Node ignores SIGPIPE and sees the closed pipe as an EPIPE write error instead.
 */
export const EXIT_SIGPIPE = 141;

/** The exit code of a results status. */
export function exitCodeOf(status: ResultsStatus): number {
  switch (status) {
    case 'verified':
      return EXIT_VERIFIED;
    case 'mismatches':
    case 'invariant-violations':
    case 'unverified':
      return EXIT_FAILED;
    case 'input-errors':
      return EXIT_BAD_INPUT;
    case 'incomplete':
    case 'internal-error':
      return EXIT_INTERNAL;
  }
}

/** The exit-code table as `--help` prints it. */
export const EXIT_CODES_HELP = `Exit codes:
  0  verified: every run verified, no mismatch
  1  mismatches, an invariant broken (e.g. Ready before the mesh policies were
     applied), or something unverified (platform never settled, generators
     short of their cycles, a scenario timed out)
  2  bad flags or bad input (file, document, object and field are named)
  3  internal error: one line names it and the file with the full stack
     (--debug prints the stack)`;
