/**
 * The default command on the bug path (issues 5 and 7): `lattice-sim run --inject-bug NAME` — the
 * example fleets, the default 100 random topologies and the default evolving topologies — must exit 1
 * with a shrunk counterexample and a reproduce command that replays it, for every catalogued bug, on
 * the Node this project declares. A bug may be caught by a random topology (traffic, admission or an
 * invariant) or only by an evolving one (a delete or a late edge); the first shrunk counterexample is
 * replayed either way. (It used to abort V8 with exit 133 in the deoptimizer: platform/cedar/wasm.ts
 * says why.)
 */
import { describe, expect, it } from 'vitest';
import { INJECTABLE_BUGS } from '../../harness/world.ts';
import { runCli } from './run-cli.ts';

describe('lattice-sim run --inject-bug NAME (default fleets + 100 topologies + evolving topologies)', () => {
  for (const bug of INJECTABLE_BUGS) {
    it(`exits 1 with a shrunk counterexample and a reproduce line that replays it: ${bug}`, { timeout: 900_000 }, async () => {
      const r = await runCli(['run', '--inject-bug', bug]);
      expect(r.code).toBe(1);
      expect(r.results!.summary.topologies).toBe(100);
      expect(['mismatches', 'invariant-violations', 'unverified']).toContain(r.results!.summary.status);
      const shrunk = r.results!.failures.filter((f) => f.shrunk);
      expect(shrunk.length).toBeGreaterThanOrEqual(1);
      const f = shrunk[0];
      expect(f.counterexample.services.length).toBeLessThanOrEqual(f.servicesBefore);
      expect(f.reproduce).toMatch(new RegExp(`^lattice-sim run --seed 1 --(topology|evolution) \\d+ (--path [\\w:@]+ )?--inject-bug ${bug}$`));
      expect(r.out).toContain(`reproduce: ${f.reproduce}`);
      const replay = await runCli(f.reproduce.split(' ').slice(1));
      expect(replay.code).toBe(1);
      expect(replay.results!.failures[0].counterexample).toEqual(f.counterexample);
    });
  }
});
