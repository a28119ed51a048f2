import { describe, expect, it } from 'vitest';
import { withoutHeader } from '../../reports/index.ts';
import { referenceFixture, repoPath, runCli } from './run-cli.ts';

const webapp = referenceFixture('webapp');
const webappPolicy = repoPath('topologies/examples/webapp-cedar');
const ALLOWED = ['frontend->api', 'api->postgres', 'api->redis', 'worker->api', 'worker->postgres', 'worker->redis'];

describe.skipIf(!webapp)('lattice-sim run --specs webapp (reference fixture; skipped when ../shared is absent)', () => {
  it('refuses api and redis at the API (the validating webhook: relative command[0], file and field named) as the reference does, and yields the rest of the matrix when our CedarPolicy permits what the webapp needs', async () => {
    const r = await runCli(['run', '--specs', webapp!, '--specs', webappPolicy]);
    // The reference admits only three of the five (platform-fidelity.md §A; issue 9): `kubectl apply` of api and redis is refused.
    expect(r.code).toBe(2);
    expect(r.err).toContain(`webapp/api.yaml (document 1) LatticeService webapp/api: admission webhook "validate.lattice.dev" denied the request: spec.workload.containers.main.command[0]: 'main': command[0] 'node' must be an absolute path (start with '/')`);
    expect(r.err).toContain(`LatticeService webapp/redis: admission webhook "validate.lattice.dev" denied the request: spec.workload.containers.main.command[0]: 'main': command[0] 'redis-server' must be an absolute path`);
    const run = r.results!.runs[0];
    expect(run.services.map((s) => `${s.name}=${s.phase}`)).toEqual(['webapp/frontend=Ready', 'webapp/postgres=Ready', 'webapp/worker=Ready']);
    const short = (k: string) => k.split('/')[1];
    const allowed = run.probes.filter((p) => p.observed === 'allow').map((p) => `${short(p.from)}->${short(p.to)}`).sort();
    expect(allowed).toEqual(ALLOWED.filter((e) => !/api|redis/.test(e)).sort());
    // Probes naming a refused object are not judged (6 of 20 remain), and those judged all match.
    expect(run.probes).toHaveLength(6);
    expect(run.probes.every((p) => p.expected === p.observed)).toBe(true);
    expect(r.out).toMatch(/fleet .*: 3 services \(3 Ready\), 6 probes, 0 mismatches/);
  });

  it('fails every admitted service that needs a Cedar permit when no CedarPolicy exists, naming the gate and the resource', async () => {
    const r = await runCli(['run', '--specs', webapp!]);
    expect(r.code).toBe(2);
    const byName = new Map(r.results!.runs[0].services.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual(['webapp/frontend', 'webapp/postgres', 'webapp/worker']);
    expect(byName.get('webapp/worker')!.phase).toBe('Ready');
    for (const name of ['postgres', 'frontend']) expect(byName.get(`webapp/${name}`)!.phase).toBe('Failed');
    const postgres = byName.get('webapp/postgres')!;
    const authorized = postgres.conditions.find((c) => c.type === 'PolicyAuthorized')!;
    expect(authorized.status).toBe('False');
    expect(authorized.reason).toBe('AccessSecretDenied');
    expect(authorized.message).toContain('Lattice::Service::"webapp/postgres"');
    expect(authorized.message).toContain('db-credentials');
    expect(postgres.conditions.find((c) => c.type === 'Ready')!.reason).toBe('ValidationFailed');
    expect(byName.get('webapp/frontend')!.conditions.find((c) => c.type === 'PolicyAuthorized')!.reason).toBe('OverrideSecurityDenied');
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
