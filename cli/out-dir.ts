/**
 * The `--out` directory: checked before a run starts (so a run never ends unable to write), cleared
 * of the previous run's reports (so nothing stale looks current), and marked `incomplete` while the
 * run is under way (main.ts writes it with the report writers; a run that crashes or is killed
 * leaves that mark, not old results).
 */
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { removeReports } from '../reports/index.ts';
import { CliError } from './errors.ts';

const errno = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/**
 * Makes sure `dir` exists (creating missing levels one at a time: Node's recursive mkdir never
 * returns under /proc) and that a file can be created and written in it.
 * @returns the absolute path.
 * @throws CliError (exit 2) naming the path and the reason.
 */
export function prepareOutDir(dir: string): string {
  const abs = resolve(dir);
  const missing: string[] = [];
  let cur = abs;
  while (!existsSync(cur)) {
    missing.push(cur);
    const parent = dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  if (existsSync(cur) && !statSync(cur).isDirectory()) throw new CliError('LATTICE_SIM_BAD_OUT', `--out ${dir}: ${cur} is not a directory; choose a directory for the reports`);
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (err) {
      throw new CliError('LATTICE_SIM_BAD_OUT', `--out ${dir}: cannot create ${level} (${errno(err)}); choose a writable directory for the reports`);
    }
  }
  const probe = join(abs, `.lattice-sim-write-check-${process.pid}`);
  try {
    const fd = openSync(probe, 'wx');
    try {
      writeSync(fd, 'x');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new CliError('LATTICE_SIM_BAD_OUT', `--out ${dir}: cannot write in ${abs} (${errno(err)}); choose a writable directory for the reports`);
  } finally {
    rmSync(probe, { force: true });
  }
  return abs;
}

/** Removes the previous run's reports (and error.log) from `dir` if it is a directory; never throws. */
export function clearReports(dir: string): void {
  try {
    if (!statSync(dir).isDirectory()) return;
    removeReports(dir);
    rmSync(join(dir, 'error.log'), { force: true });
  } catch {
    // nothing there, or not ours to touch
  }
}

/** The `--out` value of an argv (`--out X` or `--out=X`), or undefined. */
export function outFromArgv(argv: readonly string[]): string | undefined {
  let out: string | undefined;
  argv.forEach((a, i) => {
    if (a === '--out' && i + 1 < argv.length) out = argv[i + 1];
    else if (a.startsWith('--out=')) out = a.slice('--out='.length);
  });
  return out;
}
