/**
 * A worker thread that dies during `run --workers` ends the run as an internal error: exit 3, one
 * line on stderr naming the thread and the topology, an `internal-error` results.json — never a
 * hang. The pool's threads are swapped for ones that exit on their first task (vi.mock of
 * cli/workers.ts; everything else is the real CLI).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { ResultsDocument } from '../../reports/index.ts';
import { main } from '../main.ts';

vi.mock('../workers.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../workers.ts')>();
  const crashing = new URL('./testdata/workers/exit-on-task.mjs', import.meta.url);
  const start = (size: number, setup: import('../workers.ts').WorkerSetup) => real.TopologyPool.start(size, setup, crashing);
  return { ...real, TopologyPool: { start } };
});

describe('run --workers: a thread that dies', () => {
  it('exits 3 with the error on one line and an internal-error report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-sim-workers-crash-'));
    const err: string[] = [];
    const code = await main(['run', '--topologies', '4', '--workers', '2', '--out', dir], { out: () => undefined, err: (l) => err.push(l) });
    expect(code).toBe(3);
    // --workers 2: one worker thread beside this one; it gets the first index.
    expect(err[0]).toMatch(/^internal error \[LATTICE_SIM_INTERNAL\]: WorkerError: worker thread 1 of 1 exited \(code 7\) while running topology 0; full stack in /);
    const doc = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsDocument;
    expect(doc.summary.status).toBe('internal-error');
    expect(doc.error?.message).toMatch(/worker thread 1 of 1 exited/);
  });
});
