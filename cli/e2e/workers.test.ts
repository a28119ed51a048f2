/**
 * `run --workers K` (issue 7, scale out): the random topologies on K worker threads give the same
 * reports as one thread — results.json byte for byte but for its header (generatedAt and wallMs are
 * wall time, command is the command line, which names --workers), junit.xml byte for byte, the
 * summary line for line but for its wall time and report paths — the shrunk counterexample of an
 * injected bug included; bad values are refused; a thread that dies ends the run, never hangs it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withoutHeader } from '../../reports/index.ts';
import type { FailureRecord, ResultsDocument, RunRecord } from '../../reports/index.ts';
import { main } from '../main.ts';
import { TopologyPool, WorkerError, defaultWorkers } from '../workers.ts';

interface Run {
  code: number;
  out: string[];
  err: string;
  /** results.json without its header, as written (key order kept). */
  results: string;
  junit: string;
  doc: ResultsDocument;
}

async function run(args: string[]): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-sim-workers-'));
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, '--out', dir], { out: (l) => out.push(l), err: (l) => err.push(l) });
  const doc = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsDocument;
  return { code, out, err: err.join('\n'), results: JSON.stringify(withoutHeader(doc), null, 2), junit: readFileSync(join(dir, 'junit.xml'), 'utf8'), doc };
}

/** The summary without what is wall time or a path: the `wall …s` figure and the `reports:` line. */
const summaryOf = (r: Run) => r.out.filter((l) => !l.startsWith('reports: ')).map((l) => l.replace(/, wall \d+\.\ds$/, ''));

describe('run --workers K', () => {
  it('gives byte-identical results.json (but its header), junit.xml and summary with 2 threads as with 1', async () => {
    const one = await run(['run', '--seed', '5', '--topologies', '6', '--workers', '1']);
    const two = await run(['run', '--seed', '5', '--topologies', '6', '--workers', '2']);
    expect(two.code).toBe(one.code);
    expect(two.doc.runs.filter((r) => r.kind === 'random').map((r) => r.topologyIndex)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(two.doc.summary.topologies).toBe(6);
    expect(two.results).toBe(one.results);
    expect(two.junit).toBe(one.junit);
    expect(summaryOf(two)).toEqual(summaryOf(one));
    expect(two.doc.header.command).toContain('--workers 2');
  }, 180_000);

  it('reports the lowest failing index shrunk, the others as found, and exits 1, as one thread does', async () => {
    const args = ['run', '--seed', '1', '--topologies', '3', '--inject-bug', 'unilateral-allow'];
    const one = await run([...args, '--workers', '1']);
    const two = await run([...args, '--workers', '2']);
    expect(two.code).toBe(1);
    const shrunk = two.doc.failures.filter((f) => f.shrunk);
    expect(shrunk.map((f) => f.topologyIndex)).toEqual([Math.min(...two.doc.failures.map((f) => f.topologyIndex))]);
    expect(shrunk[0].counterexample.services.length).toBeLessThan(shrunk[0].servicesBefore);
    expect(shrunk[0].reproduce).toMatch(/--topology \d+ --path [\d:]+ --inject-bug unilateral-allow$/);
    expect(two.out.join('\n')).toMatch(/FAILURE topology:.* shrunk from \d+ to \d+ services? in \d+ shrinks?/);
    expect(two.results).toBe(one.results);
    expect(two.junit).toBe(one.junit);
    expect(summaryOf(two)).toEqual(summaryOf(one));
  }, 180_000);

  it('runs the default command path on threads when there are cores for them, with the same records', async () => {
    const topologies = 20;
    const threads = defaultWorkers(topologies);
    expect(threads).toBe(Math.min(availableParallelism(), 2));
    const byDefault = await run(['run', '--seed', '9', '--topologies', String(topologies)]);
    const one = await run(['run', '--seed', '9', '--topologies', String(topologies), '--workers', '1']);
    expect(byDefault.code).toBe(one.code);
    expect(byDefault.doc.summary.topologies).toBe(topologies);
    expect(byDefault.results).toBe(one.results);
    expect(byDefault.junit).toBe(one.junit);
  }, 300_000);

  it('refuses a thread count it cannot use, naming the flag (exit 2, no reports)', async () => {
    for (const v of ['0', '65', 'two', '1.5', '-1', '']) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['run', '--workers', v, '--out', mkdtempSync(join(tmpdir(), 'lattice-sim-workers-'))], { out: (l) => out.push(l), err: (l) => err.push(l) });
      expect(code).toBe(2);
      expect(err.join('\n')).toContain(`--workers takes a whole number of threads from 1 to 64, got "${v}"`);
    }
  });
});

describe('TopologyPool: a thread that fails ends the run with its error, never a hang', () => {
  const entry = (name: string) => new URL(`./testdata/workers/${name}.mjs`, import.meta.url);
  const runOn = async (name: string) => {
    const pool = TopologyPool.start(2, { seed: 1 }, entry(name));
    try {
      return await pool.run({ indices: [0, 1, 2, 3] }).then(
        () => undefined,
        (err: unknown) => err,
      );
    } finally {
      await pool.close();
    }
  };

  it('a thread that exits while running a topology', async () => {
    const err = await runOn('exit-on-task');
    expect(err).toBeInstanceOf(WorkerError);
    expect((err as Error).message).toMatch(/^worker thread [12] of 2 exited \(code 7\) while running topology [01]$/);
  });

  it('a thread whose sources fail to load', async () => {
    const err = await runOn('throw-at-load');
    expect(err).toBeInstanceOf(WorkerError);
    expect((err as Error).message).toMatch(/^worker thread [12] of 2 failed.*: TypeError: cannot load the sources$/);
  });

  it('a topology that throws in its thread', async () => {
    const err = await runOn('post-error');
    expect(err).toBeInstanceOf(WorkerError);
    expect((err as Error).message).toMatch(/^topology [01]: RangeError: boom in topology [01]$/);
    expect((err as Error).stack).toContain('--- in the worker thread ---');
  });
});

describe('TopologyPool: order, shrinking and the budget (stand-in threads that finish out of order)', () => {
  const echo = new URL('./testdata/workers/echo.mjs', import.meta.url);
  const ten = Array.from({ length: 10 }, (_, i) => i);
  const withPool = async <T>(fn: (pool: TopologyPool) => Promise<T>): Promise<T> => {
    const pool = TopologyPool.start(3, { seed: 1 }, echo);
    try {
      return await fn(pool);
    } finally {
      await pool.close();
    }
  };

  it('emits records and progress in index order; under --shrink first only the lowest failing index is shrunk, by a second run', async () => {
    const seen: number[] = [];
    const r = await withPool((pool) => pool.run({ indices: ten, onTopology: (i) => seen.push(i) }));
    expect(r.runs.map((x) => x.topologyIndex)).toEqual(ten);
    expect(seen).toEqual(ten);
    expect(r.failures.map((f) => [f.topologyIndex, f.shrunk])).toEqual([
      [2, true],
      [5, false],
      [8, false],
    ]);
  });

  it('under --shrink first shrinks the lowest index in its first run when every index before it is in and passed', async () => {
    const r = await withPool((pool) => pool.run({ indices: ten.map((i) => i + 2) }));
    expect(r.failures.map((f) => [f.topologyIndex, f.shrunk, (f as { seq?: number }).seq])).toEqual([
      [2, true, 0],
      [5, false, 3],
      [8, false, 6],
      [11, false, 9],
    ]);
  });

  it('lets this thread join once it is free: its tasks and the threads\' come out in index order, shrunk as by threads alone', async () => {
    const mine: number[] = [];
    let free: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (free = resolve));
    const here = {
      ready,
      run: async (task: { seq: number; index: number; shrink: boolean }) => {
        mine.push(task.index);
        await new Promise((resolve) => setTimeout(resolve, 5));
        const fails = task.index % 3 === 2;
        const run = { id: `topology:1:${task.index}`, kind: 'random', topologyIndex: task.index, status: fails ? 'mismatches' : 'verified' } as RunRecord;
        return fails ? { run, failure: { run: run.id, topologyIndex: task.index, shrunk: task.shrink } as FailureRecord } : { run };
      },
    };
    const pool = TopologyPool.start(1, { seed: 1 }, echo);
    try {
      const seen: number[] = [];
      const running = pool.run({ indices: ten, onTopology: (i) => seen.push(i) }, here);
      setTimeout(free, 30);
      const r = await running;
      expect(mine.length).toBeGreaterThan(0);
      expect(mine).not.toContain(0);
      expect(seen).toEqual(ten);
      expect(r.runs.map((x) => x.topologyIndex)).toEqual(ten);
      expect(r.failures.map((f) => [f.topologyIndex, f.shrunk])).toEqual([
        [2, true],
        [5, false],
        [8, false],
      ]);
    } finally {
      await pool.close();
    }
  });

  it('shrinks every failure under all and none under none', async () => {
    const all = await withPool((pool) => pool.run({ indices: ten, shrink: 'all' }));
    expect(all.failures.map((f) => f.shrunk)).toEqual([true, true, true]);
    const none = await withPool((pool) => pool.run({ indices: ten, shrink: 'none' }));
    expect(none.failures.map((f) => f.shrunk)).toEqual([false, false, false]);
  });

  it('stops handing out indices once the budget says so: what ran is a prefix of the indices', async () => {
    let asked = 0;
    const r = await withPool((pool) => pool.run({ indices: ten, shouldStop: () => ++asked > 5 }));
    const ran = r.runs.map((x) => x.topologyIndex);
    expect(ran).toEqual(ten.slice(0, ran.length));
    expect(ran.length).toBe(5);
  });
});
