/**
 * Scenario "fleet": a fixed set of real specs (the project's example fleet or `--specs DIR`s) run in one
 * World. The oracle's matrix covers every ordered pair of the fleet's LatticeServices, computed from
 * their declarations only (DESIGN.md rule 1).
 */
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import type { RunRecord } from '../reports/model.ts';
import { runCase } from '../harness/verifier/run-case.ts';
import type { InjectedBug } from '../harness/world.ts';
import { oracle, topologyFromSpecs } from '../topologies/index.ts';

/** Options of a fleet run. */
export interface FleetOptions {
  name: string;
  seed: number;
  objects: readonly KubeObject[];
  sources?: Map<KubeObject, string>;
  injectBug?: InjectedBug;
}

/** Runs the fleet and returns its record (id `fleet:<name>`). */
export async function runFleet(opts: FleetOptions): Promise<RunRecord> {
  const topology = topologyFromSpecs([...opts.objects], opts.name);
  const { record } = await runCase({
    id: `fleet:${opts.name}`,
    name: opts.name,
    kind: 'fleet',
    seed: opts.seed,
    objects: opts.objects,
    expected: oracle(topology),
    injectBug: opts.injectBug,
    sources: opts.sources,
  });
  return record;
}
