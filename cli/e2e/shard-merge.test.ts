/**
 * Scale-out flags of `run` (issue 7): `--shard i/n` splits the random topologies deterministically,
 * `lattice-sim merge` puts the shards' results back together, and `--budget` stops a run on time.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../reports/index.ts';
import { main } from '../main.ts';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
const read = (dir: string): ResultsDocument => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
const tmp = () => mkdtempSync(join(tmpdir(), 'lattice-sim-shard-'));

describe('run --shard i/n and lattice-sim merge', () => {
  it('splits the topologies by index modulo n, runs the fleet in shard 1 only, and merges back to the unsharded runs', async () => {
    const [a, b, whole, merged] = [tmp(), tmp(), tmp(), tmp()];
    expect((await cli(['run', '--topologies', '6', '--shard', '1/2', '--out', a])).code).toBe(0);
    expect((await cli(['run', '--topologies', '6', '--shard', '2/2', '--out', b])).code).toBe(0);
    expect(read(a).runs.map((r) => r.topologyIndex ?? r.id)).toEqual(['fleet:shop', 'fleet:harbor', 0, 2, 4]);
    expect(read(b).runs.map((r) => r.topologyIndex)).toEqual([1, 3, 5]);
    expect((await cli(['run', '--topologies', '6', '--out', whole])).code).toBe(0);
    const m = await cli(['merge', join(a, 'results.json'), join(b, 'results.json'), '--out', merged]);
    expect(m.code).toBe(0);
    expect(m.out).toMatch(/summary: VERIFIED \(exit 0\): 8 runs \(6 random topologies\)/);
    expect(JSON.stringify(read(merged).runs)).toBe(JSON.stringify(read(whole).runs));
    expect(read(merged).summary).toEqual(read(whole).summary);
  });

  it('merge keeps every failure and exits as run would', async () => {
    const [a, b, merged] = [tmp(), tmp(), tmp()];
    expect((await cli(['run', '--topologies', '2', '--shard', '1/2', '--inject-bug', 'unilateral-allow', '--out', a])).code).toBe(1);
    expect((await cli(['run', '--topologies', '2', '--shard', '2/2', '--inject-bug', 'unilateral-allow', '--out', b])).code).toBe(1);
    const m = await cli(['merge', join(a, 'results.json'), join(b, 'results.json'), '--out', merged]);
    expect(m.code).toBe(1);
    expect(read(merged).failures.map((f) => f.topologyIndex)).toEqual([0, 1]);
    expect(m.out).toContain('--inject-bug unilateral-allow');
  });

  it('refuses overlapping shards, unfinished runs and files that are not results, naming the file', async () => {
    const a = tmp();
    expect((await cli(['run', '--topologies', '1', '--out', a])).code).toBe(0);
    const overlap = await cli(['merge', join(a, 'results.json'), join(a, 'results.json'), '--out', tmp()]);
    expect(overlap.code).toBe(2);
    expect(overlap.err).toMatch(/run fleet:shop appears in more than one file/);
    const bad = join(tmp(), 'results.json');
    writeFileSync(bad, '{"summary": {"status": "incomplete"}, "header": {"tool": "lattice-sim"}, "runs": [], "failures": []}');
    const unfinished = await cli(['merge', bad, '--out', tmp()]);
    expect(unfinished.code).toBe(2);
    expect(unfinished.err).toContain(`${bad}: that run did not finish (summary.status incomplete); rerun its shard`);
    const junk = join(tmp(), 'x.json');
    writeFileSync(junk, 'not json');
    expect((await cli(['merge', junk, '--out', tmp()])).err).toMatch(/x\.json: not a readable JSON results document/);
  });

  it('rejects malformed shards', async () => {
    for (const s of ['0/2', '3/2', 'a/b', '1']) {
      const r = await cli(['run', '--shard', s, '--out', tmp()]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--shard takes i\/n with 1 ≤ i ≤ n ≤ 1000/);
    }
  });
});

describe('run --budget', () => {
  it('stops starting topologies once the wall-time budget is spent, and says how many ran', async () => {
    const out = tmp();
    const r = await cli(['run', '--budget', '1ms', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--budget: \d+ random topologies ran in/);
    expect(read(out).summary.topologies).toBeLessThan(3);
  });

  it('rejects a duration it cannot read', async () => {
    const r = await cli(['run', '--budget', 'soon', '--out', tmp()]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--budget takes a duration such as 90s, 10m or 1h/);
  });
});
