#!/usr/bin/env node
// Entry point: registers tsx so the TypeScript sources run as they are (no build step), then
// hands over to the CLI. Exit codes and messages are the CLI's (cli/main.ts, cli/exit-codes.ts; a
// closed stdout pipe ends it quietly with 141); anything that still escapes it is an internal error:
// one line, exit 3.
import { register } from 'tsx/esm/api';

const fatal = (err) => {
  process.stderr.write(`internal error [LATTICE_SIM_INTERNAL]: ${err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : String(err)}\n`);
  if (process.argv.includes('--debug') && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(3);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

register();
const { exitQuietlyOnClosedPipe, main } = await import('../cli/main.ts');
exitQuietlyOnClosedPipe();
process.exitCode = await main(process.argv.slice(2));
