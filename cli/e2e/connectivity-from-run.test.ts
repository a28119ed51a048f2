/**
 * `lattice-sim connectivity --from-run DIR --run ID`: a finished run's case is replayed from its
 * reports (same seed, same final state) and the question asked of the dataplane it ended with; the
 * verdicts agree with what the run itself recorded for the same probes.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.ts';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface ProbeRecord {
  from: string;
  to: string;
  port: number;
  observed: string;
  layer: string;
  policy: string | null;
}

describe('lattice-sim connectivity --from-run', () => {
  const out = mkdtempSync(join(tmpdir(), 'from-run-'));
  let runs: { id: string; probes: ProbeRecord[] }[] = [];
  beforeAll(async () => {
    const r = await cli(['run', '--topologies', '1', '--evolutions', '0', '--workers', '1', '--out', out]);
    expect(r.code, r.err).toBe(0);
    runs = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).runs;
  }, 120_000);

  it('replays a random topology and answers as the run observed, probe for probe (allowed and denied)', async () => {
    const topology = runs.find((r) => r.id.startsWith('topology:'))!;
    const allowed = topology.probes.find((p) => p.observed === 'allow')!;
    const denied = topology.probes.find((p) => p.observed === 'deny')!;
    for (const p of [allowed, denied]) {
      const r = await cli(['connectivity', '--from-run', out, '--run', topology.id, '--from', p.from, '--to', `${p.to}:${p.port}`, '--json']);
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ verdict: p.observed, layer: p.layer, policy: p.policy });
    }
  }, 120_000);

  it('replays an example fleet and says which run it replayed', async () => {
    const r = await cli(['connectivity', '--from-run', out, '--run', 'fleet:shop', '--from', 'shop/checkout', '--to', 'shop/payments:8443']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('state:   fleet:shop replayed (seed 1)');
    expect(r.out).toContain('verdict: allow');
  }, 120_000);

  it('without --run, a run of several records is refused listing them; --state and --from-run together are refused', async () => {
    const r = await cli(['connectivity', '--from-run', out, '--from', 'shop/checkout', '--to', 'shop/payments:8443']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/holds \d+ runs: name one with --run \(fleet:shop, fleet:harbor, topology:/);
    const both = await cli(['connectivity', '--from-run', out, '--state', out, '--from', 'a/b', '--to', 'a/c:80']);
    expect(both.code).toBe(2);
    expect(both.err).toContain('give exactly one of --state DIR and --from-run DIR');
    const missing = await cli(['connectivity', '--from-run', join(out, 'nope'), '--from', 'a/b', '--to', 'a/c:80']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot read');
  });
});
