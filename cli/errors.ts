/**
 * CLI errors with a stable code and a sentence on what to do (STYLE.md rule 8). The CLI prints the
 * message and exits non-zero, never a stack trace.
 */

/** A usage or input error. `exitCode` 2 = bad flags or input. */
export class CliError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly code: `LATTICE_SIM_${string}`,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
