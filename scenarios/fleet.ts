/**
 * Scenario "fleet": a fixed set of real specs (the project's example fleet or `--specs DIR`s) run in one
 * World. The oracle's matrix covers every ordered pair of the fleet's LatticeServices, computed from
 * their declarations only (DESIGN.md rule 1).
 */
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import type { RunRecord } from '../reports/model.ts';
import { runCase } from '../harness/verifier/run-case.ts';
import type { CaseInput } from '../harness/verifier/run-case.ts';
import type { InjectedBug } from '../harness/world.ts';
import { expectedProbes, topologyFromSpecs } from '../topologies/index.ts';
import type { ProbeSelection } from '../topologies/index.ts';

/** Options of a fleet run. */
export interface FleetOptions {
  name: string;
  seed: number;
  objects: readonly KubeObject[];
  sources?: Map<KubeObject, string>;
  documents?: Map<KubeObject, number>;
  injectBug?: InjectedBug;
  /**
   * `all`: every ordered pair; `sampled`: declared pairs plus a seeded sample of the rest per caller
   * (topologies/oracle-sampling.ts). Default: `all` up to FULL_MATRIX_MAX_SERVICES (200) services, else `sampled`.
   */
  probes?: ProbeSelection;
}

/** Bounds of one fleet run (the simulator's: each World holds the whole fleet in memory). */
export const FLEET_LIMITS = {
  /** Most LatticeServices in one fleet. */
  maxServices: 5_000,
  /** Most probes judged in one fleet (the full matrix grows as services²). */
  maxProbes: 2_000_000,
} as const;

/** A fleet over {@link FLEET_LIMITS}: the message says which bound and what to do. */
export class FleetLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FleetLimitError';
  }
}

/**
 * The fleet as a case for the verifier (id `fleet:<name>`): its objects and the oracle's expectations.
 * @throws FleetLimitError when the fleet has more services or probes than {@link FLEET_LIMITS}.
 */
export function fleetCase(opts: FleetOptions): CaseInput {
  const services = opts.objects.filter((o) => o.kind === 'LatticeService').length;
  if (services > FLEET_LIMITS.maxServices) {
    throw new FleetLimitError(`fleet ${opts.name} has ${services} LatticeServices; one run simulates at most ${FLEET_LIMITS.maxServices}: split the specs`);
  }
  const topology = topologyFromSpecs([...opts.objects], opts.name);
  const expected = expectedProbes(topology, { seed: opts.seed, probes: opts.probes });
  if (expected.length > FLEET_LIMITS.maxProbes) {
    throw new FleetLimitError(`fleet ${opts.name} needs ${expected.length} probes; one run judges at most ${FLEET_LIMITS.maxProbes}: use --probes sampled, or split the specs`);
  }
  return {
    id: `fleet:${opts.name}`,
    name: opts.name,
    kind: 'fleet',
    seed: opts.seed,
    objects: opts.objects,
    expected,
    injectBug: opts.injectBug,
    sources: opts.sources,
    documents: opts.documents,
  };
}

/**
 * Runs the fleet and returns its record (id `fleet:<name>`).
 * @throws FleetLimitError when the fleet has more services or probes than {@link FLEET_LIMITS}.
 */
export async function runFleet(opts: FleetOptions): Promise<RunRecord> {
  const { record } = await runCase(fleetCase(opts));
  return record;
}
