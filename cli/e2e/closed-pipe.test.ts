/** The CLI as a shell pipeline's writer: a reader that closes the pipe early ends it quietly, as SIGPIPE ends other CLIs. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EXIT_SIGPIPE } from '../exit-codes.ts';

const bin = new URL('../../bin/lattice-sim.mjs', import.meta.url).pathname;
const cwd = new URL('../..', import.meta.url).pathname;

/** Runs `<bin> <args> | <reader>` in bash; the CLI's exit status (PIPESTATUS[0]) and its stderr. */
function pipeInto(args: string, reader: string): { status: string; stderr: string; stdout: string } {
  // The CLI's stderr goes to fd 3 so that bash's stdout carries only what the reader printed and, last, the status.
  const r = spawnSync('bash', ['-c', `node ${bin} ${args} 2>&3 | ${reader}; echo "status=\${PIPESTATUS[0]}"`], { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  const [stdout, stderr] = [r.stdout, (r.output[3] as string | null) ?? ''];
  const status = /status=(\d+)\n$/.exec(stdout)?.[1] ?? '';
  return { status, stderr, stdout: stdout.replace(/status=\d+\n$/, '') };
}

describe('a closed stdout pipe', () => {
  it('`run --help | head -3` prints the three lines and nothing on stderr (no internal error), ending with 0 or 141', () => {
    const r = pipeInto('run --help', 'head -3');
    expect(r.stdout.split('\n')[0]).toBe('Usage: lattice-sim run [options]');
    expect(r.stderr).toBe('');
    // head may read everything before the CLI's last write (then the CLI exits 0); a reader gone before the first write always closes the pipe.
    expect(['0', String(EXIT_SIGPIPE)]).toContain(r.status);
  });

  it('a reader gone before the first write ends the CLI with 141 (128 + SIGPIPE, as `git log | head`) and nothing on stderr', () => {
    const r = pipeInto('run --help', 'true');
    expect(r.status).toBe(String(EXIT_SIGPIPE));
    expect(r.stderr).toBe('');
  });
});
