import { describe, expect, it } from 'vitest';
import { withoutHeader } from '../../reports/index.ts';
import { referenceFixture, repoPath, runCli } from './run-cli.ts';

const webapp = referenceFixture('webapp');
const webappPolicy = repoPath('topologies/examples/webapp-cedar');
const ALLOWED = ['frontend->api', 'api->postgres', 'api->redis', 'worker->api', 'worker->postgres', 'worker->redis'];

describe.skipIf(!webapp)('lattice-sim run --specs webapp (reference fixture; skipped when ../shared is absent)', () => {
  it('refuses api and redis at spec validation (relative command[0]) as the reference does, and yields the rest of the matrix when our CedarPolicy permits what the webapp needs', async () => {
    const r = await runCli(['run', '--specs', webapp!, '--specs', webappPolicy]);
    expect(r.err).toBe('');
    // The reference admits only three of the five (platform-fidelity.md §A; issue 9): every probe from or to api or redis is denied.
    expect(r.code).toBe(1);
    const run = r.results!.runs[0];
    expect(run.services.map((s) => `${s.name}=${s.phase}`)).toEqual(['webapp/api=Failed', 'webapp/frontend=Ready', 'webapp/postgres=Ready', 'webapp/redis=Failed', 'webapp/worker=Ready']);
    const byName = new Map(run.services.map((s) => [s.name, s]));
    for (const [name, binary] of [['api', 'node'], ['redis', 'redis-server']]) {
      const ready = byName.get(`webapp/${name}`)!.conditions.find((c) => c.type === 'Ready')!;
      expect(ready.reason).toBe('ValidationFailed');
      expect(ready.message).toBe(`spec.workload.containers.main.command[0]: 'main': command[0] '${binary}' must be an absolute path (start with '/')`);
    }
    const short = (k: string) => k.split('/')[1];
    const allowed = run.probes.filter((p) => p.observed === 'allow').map((p) => `${short(p.from)}->${short(p.to)}`).sort();
    expect(allowed).toEqual(ALLOWED.filter((e) => !/api|redis/.test(e)).sort());
    expect(run.probes).toHaveLength(20);
    const wrong = run.probes.filter((p) => p.expected !== p.observed).map((p) => `${short(p.from)}->${short(p.to)}`);
    expect(wrong.length).toBe(5);
    for (const e of wrong) expect(e).toMatch(/api|redis/);
    expect(r.out).toMatch(/fleet .*: 5 services \(2 Failed, 3 Ready\), 20 probes, 5 mismatches/);
  });

  it('fails every service that needs a Cedar permit when no CedarPolicy exists, naming the gate and the resource; validation comes first', async () => {
    const r = await runCli(['run', '--specs', webapp!]);
    expect(r.code).toBe(1);
    const byName = new Map(r.results!.runs[0].services.map((s) => [s.name, s]));
    expect(byName.get('webapp/worker')!.phase).toBe('Ready');
    for (const name of ['api', 'postgres', 'redis', 'frontend']) expect(byName.get(`webapp/${name}`)!.phase).toBe('Failed');
    const postgres = byName.get('webapp/postgres')!;
    const authorized = postgres.conditions.find((c) => c.type === 'Authorized')!;
    expect(authorized.status).toBe('False');
    expect(authorized.reason).toBe('AccessSecretDenied');
    expect(authorized.message).toContain('Lattice::Service::"webapp/postgres"');
    expect(authorized.message).toContain('db-credentials');
    expect(postgres.conditions.find((c) => c.type === 'Ready')!.reason).toBe('ValidationFailed');
    expect(byName.get('webapp/frontend')!.conditions.find((c) => c.type === 'Authorized')!.reason).toBe('OverrideSecurityDenied');
    // api fails spec validation before any gate is asked: no Authorized condition at all.
    expect(byName.get('webapp/api')!.conditions.map((c) => c.type)).toEqual(['Ready']);
  });
});

describe('lattice-sim run with bad input', () => {
  it('rejects an unknown bug name with exit code 2 and no stack trace', async () => {
    const r = await runCli(['run', '--inject-bug', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--inject-bug: unknown bug "nope"; choose one of: .*wrong-selector/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('rejects a non-numeric seed', async () => {
    const r = await runCli(['run', '--seed', 'abc']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--seed must be a non-negative integer/);
  });

  it('names a missing specs directory', async () => {
    const r = await runCli(['run', '--specs', '/nonexistent/specs']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\/nonexistent\/specs/);
  });

  it('reports schema violations and unknown kinds with file, object and field path, exit 2', async () => {
    const r = await runCli(['run', '--specs', repoPath('cli/e2e/testdata/invalid')]);
    expect(r.code).toBe(2);
    expect(r.results!.summary.status).toBe('input-errors');
    expect(r.err).toMatch(/bad\.yaml \(document 2\) LatticeService broken\/no-image: spec\.workload\.containers\.main\.image: Required value/);
    expect(r.err).toMatch(/bad\.yaml.*LatticeService broken\/no-image: spec\.workload\.resources\.peer\.direction: Unsupported value/);
    expect(r.err).toMatch(/bad\.yaml \(document 3\) LatticeFrob broken\/not-supported-yet: kind: Unsupported value/);
    expect(r.results!.summary.inputErrors).toBeGreaterThanOrEqual(3);
  });
});

describe('lattice-sim run random topologies', () => {
  it('gives byte-identical results.json (header aside) for the same seed', async () => {
    const a = await runCli(['run', '--seed', '7', '--topologies', '3']);
    const b = await runCli(['run', '--seed', '7', '--topologies', '3']);
    expect(a.code).toBe(0);
    expect(JSON.stringify(withoutHeader(a.results!))).toBe(JSON.stringify(withoutHeader(b.results!)));
    expect(a.results!.summary.topologies).toBe(3);
    expect(a.results!.summary.probes).toBeGreaterThan(0);
  });

  for (const bug of ['wrong-selector', 'unilateral-allow']) {
    it(`exits non-zero with a counterexample of at most 3 services under --inject-bug ${bug}`, async () => {
      const r = await runCli(['run', '--seed', '1', '--topology', '0', '--inject-bug', bug]);
      expect(r.code).toBe(1);
      const f = r.results!.failures[0];
      expect(f).toBeDefined();
      expect(f.counterexample.services.length).toBeLessThanOrEqual(3);
      expect(f.mismatches.length).toBeGreaterThan(0);
      expect(f.reproduce).toContain(`--inject-bug ${bug}`);
      expect(r.out).toContain(`reproduce: lattice-sim run --seed 1 --topology 0`);
      const replay = await runCli(f.reproduce.split(' ').slice(1));
      expect(replay.code).toBe(1);
      expect(replay.results!.failures[0].counterexample).toEqual(f.counterexample);
    });
  }
});
