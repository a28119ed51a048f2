import { describe, expect, it } from 'vitest';
import type { Topology } from '../topologies/index.ts';
import { validateTopology } from '../topologies/index.ts';
import { diffObjects } from '../harness/verifier/evolve-case.ts';
import { renderTopology } from '../topologies/index.ts';
import { EVOLUTION_COMMANDS, TopologyCommand, applyCommand } from './evolution-commands.ts';
import { runEvolution, runEvolutionIndex, splitEvolutionPath } from './random-evolution.ts';

/** client (traffic generator) -> api, agreed both ways; db agreed with nobody. */
const base: Topology = {
  name: 'evolve',
  services: [
    { namespace: 'a', name: 'client', layer: 0, ports: [], outbound: ['a/api'], inbound: [], wildcardInbound: false },
    { namespace: 'a', name: 'api', layer: 1, ports: [{ name: 'http', port: 80, targetPort: 8080 }], outbound: [], inbound: ['a/client'], wildcardInbound: false },
    { namespace: 'a', name: 'db', layer: 2, ports: [{ name: 'http', port: 80, targetPort: 8080 }], outbound: [], inbound: [], wildcardInbound: false },
  ],
  probes: [{ from: 'a/client', to: 'a/api' }],
};

describe('evolution commands (pure transforms of the topology)', () => {
  it('every command either does not apply or yields a valid topology, and the inputs are never mutated', () => {
    const before = JSON.stringify(base);
    let applied = 0;
    for (const name of EVOLUTION_COMMANDS) {
      for (const args of [[0, 0, 0], [1, 2, 3], [5, 7, 11]]) {
        const change = applyCommand(name, args, base, 0);
        if (!change) continue;
        applied++;
        expect(validateTopology(change.topology), `${name}(${args})`).toEqual([]);
        expect(change.text).not.toBe('');
      }
    }
    expect(JSON.stringify(base)).toBe(before);
    expect(applied).toBeGreaterThan(EVOLUTION_COMMANDS.length);
  });

  it('breaking an agreed pair keeps it probed, and deleting a callee removes it everywhere', () => {
    const removed = applyCommand('remove-inbound', [0, 0], base, 0)!;
    expect(removed.text).toBe('remove inbound a/api <- a/client');
    expect(removed.topology.probes).toContainEqual({ from: 'a/client', to: 'a/api' });
    const deleted = applyCommand('remove-service', [0], base, 0)!;
    expect(deleted.text).toBe('delete service a/api');
    expect(deleted.topology.services.flatMap((s) => [...s.outbound, ...s.inbound])).not.toContain('a/api');
    expect(deleted.topology.probes).toEqual([]);
  });

  it('the rendered diff of a declaration change updates one LatticeService; a deleted service is deleted', () => {
    const removed = applyCommand('remove-outbound', [0, 0], base, 0)!;
    const diff = diffObjects(renderTopology(base), renderTopology(removed.topology));
    expect(diff.created).toEqual([]);
    expect(diff.updated.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['LatticeService a/client']);
    expect(diff.deleted).toEqual([]);
    const gone = diffObjects(renderTopology(base), renderTopology(applyCommand('remove-service', [0], base, 0)!.topology));
    expect(gone.deleted.map((o) => o.metadata.name)).toEqual(['api']);
  });

  it('splits a reproduce path into fast-check path and commands replayPath', () => {
    expect(splitEvolutionPath('0:1:2@AB:C')).toEqual({ path: '0:1:2', replayPath: 'AB:C' });
    expect(splitEvolutionPath('0:1')).toEqual({ path: '0:1' });
  });
});

describe('evolving cases in a World', () => {
  it('a correct platform verifies a break, a delete and an arrival while traffic runs, with every invariant kept', async () => {
    const commands = [new TopologyCommand('add-service', [0, 0, 0]), new TopologyCommand('remove-inbound', [0, 0]), new TopologyCommand('remove-service', [0])];
    const record = await runEvolution(base, commands, 11, 0);
    expect(record.evolution?.steps.map((s) => s.command)).toEqual(['initial', 'add service a/ev0', 'remove inbound a/api <- a/client', 'delete service a/api']);
    expect(record.evolution?.steps.map((s) => s.probes)).toEqual([1, 3, 3, 1]);
    expect(record.invariants).toEqual([]);
    expect(record.status).toBe('verified');
  }, 60_000);

  it('a policy leak on delete (policies-not-owned, installed from outside platform/) breaks left-behind-after-delete', async () => {
    const record = await runEvolution(base, [new TopologyCommand('remove-service', [0])], 11, 0, 'policies-not-owned');
    expect(record.status).toBe('invariant-violations');
    expect(record.invariants).toEqual([expect.objectContaining({ rule: 'left-behind-after-delete', object: 'LatticeMeshMember a/api', message: expect.stringContaining('(applied by it)') })]);
  }, 60_000);

  it('a stale callee policy (stale-callee-policy: callee AuthorizationPolicies never updated) is reported, shrunk to a short command list, and replays from its reproduce path', async () => {
    // Evolving topology 1 of seed 1 (index 0 stopped reaching the bug once the generator drew image trust and ingress).
    const found = await runEvolutionIndex({ seed: 1, index: 1, injectBug: 'stale-callee-policy', shrink: true });
    const f = found.failure!;
    expect(f).toBeDefined();
    expect(f.shrunk).toBe(true);
    expect(f.status).toBe('mismatches');
    expect(f.commands!.length).toBeGreaterThanOrEqual(1);
    expect(f.commands!.length).toBeLessThanOrEqual(2);
    expect(f.counterexample.services.length).toBeLessThanOrEqual(3);
    expect(f.mismatches.length).toBeGreaterThan(0);
    expect(f.reproduce).toBe(`lattice-sim run --seed 1 --evolution 1 --path ${f.path} --inject-bug stale-callee-policy`);
    expect(f.path).toMatch(/^\d+(:\d+)*@[A-Za-z0-9+/]*:[A-Za-z0-9+/]*$/);
    // The reproduce path replays exactly the shrunk case: the same commands fail the same way.
    const replayed = await runEvolutionIndex({ seed: 1, index: 1, injectBug: 'stale-callee-policy', path: f.path, shrink: true });
    expect(replayed.failure?.commands).toEqual(f.commands);
    expect(replayed.failure?.mismatches).toEqual(f.mismatches);
    // Without the bug the same index verifies: the failure is the bug's, not the harness's.
    expect((await runEvolutionIndex({ seed: 1, index: 1, shrink: true })).failure).toBeUndefined();
  }, 300_000);
});
