/**
 * `topologyArbitrary(constraints)`: layered bilateral topologies with the reference random-mesh knobs
 * (reference §5.6, defaults in constraints.ts). Composed from small arbitraries (STYLE.md rule 15):
 *
 * - `presentSlotsArbitrary` (internal/subset.ts): which of `maxServices` slots are services;
 * - `layerDrawsArbitrary` (layers.ts): layer sizing draws;
 * - `slotArbitrary` (slot.ts): per-slot declaration draws (`chanceArbitrary`) and probe ranks;
 *
 * mapped through `placeSlots` / `wireServices` (wiring.ts) and `chooseProbes` (probes.ts). Shrinking
 * removes slots (fewer services) and turns declaration draws off (fewer declarations); a slot keeps its
 * draws when others go, so a failing pair survives the removal of everything around it.
 */
import fc from 'fast-check';
import type { InvalidSpecId, Topology, TopologyService } from '../topology.ts';
import { INVALID_SPEC_FIELDS } from '../topology.ts';
import { resolveTopologyConstraints, type ResolvedTopologyConstraints, type TopologyConstraints } from './constraints.ts';
import { accountOf } from '../admission.ts';
import { assignSecrets, assignUnsignedImages, assignVolumes, drawnCedar, imageTrustDrawArbitrary, withLateRevocation, type ImageTrustDraw } from './admission.ts';
import { chanceArbitrary } from './chance.ts';
import { distinctShrinks } from './internal/distinct-shrinks.ts';
import { presentSlotsArbitrary } from './internal/subset.ts';
import { layerDrawsArbitrary } from './layers.ts';
import { chooseProbes } from './probes.ts';
import { withIngress } from './ingress.ts';
import { quotaDrawsArbitrary, withQuotas, type QuotaDraw } from './quota.ts';
import { withSelectorOnlyLabels } from './member-labels.ts';
import { withExternalProbes } from './external-probes.ts';
import { jobDrawsArbitrary, withJobs } from './job.ts';
import { slotArbitrary, type SlotDraws } from './slot.ts';
import { placeSlots, wireServices } from './wiring.ts';

export type { TopologyConstraints } from './constraints.ts';

/** Every draw a random topology is built from. */
export interface TopologyDraws {
  /** Present slot indices, ascending. */
  present: number[];
  /** One sizing draw per layer (layers.ts). */
  layerDraws: number[];
  /** Draws of every slot (`maxServices` of them), indexed by slot. */
  slots: SlotDraws[];
  /** The Cedar policy set is empty (no CedarPolicy at all). Absent = no secret or Cedar draws (knob off). */
  emptyPolicySet?: boolean;
  /** A CedarPolicy applied late revokes one admitted service's permission (`pick` chooses which request; never shrunk). */
  revocation?: { on: boolean; pick: number };
  /** The topology's LatticeServices draw secrets at all (else their secret draws are unused). */
  withSecrets?: boolean;
  /** An ImageProvider enforces signatures over the server image, and each slot's SkipImageVerification Cedar draw (indexed by slot, so a draw stays with its service when others are shrunk away). Absent = knob off. */
  imageTrust?: ImageTrustDraw;
  /** `ingress[slot]`: the slot's service routes ingress (ingress.ts; used when it is a LatticeService server). Absent = knob off. */
  ingress?: boolean[];
  /** `quota[slot]`: the slot's LatticeService has a LatticeQuota of its own, capped below its request or not (quota.ts). Absent = knob off. */
  quota?: QuotaDraw[];
  /** `selectorOnly[slot]`: the slot's mesh-member's pods carry only its selector label (member-labels.ts). Absent = knob off. */
  selectorOnly?: boolean[];
  /** `externalProbes[slot]`: the slot's mesh-member's egress rules are probed (external-probes.ts). Absent = knob off. */
  externalProbes?: boolean[];
  /** `job[slot]`: the slot's traffic generator is a LatticeJob task (job.ts). Absent = knob off. */
  job?: boolean[];
}

/**
 * Builds the topology of a set of draws (pure; the same draws give the same topology).
 * Input: draws and resolved constraints. Output: a valid Topology named after the namespace.
 */
export function buildTopology(draws: TopologyDraws, c: ResolvedTopologyConstraints): Topology {
  const placed = placeSlots(draws.present, c.layers, draws.layerDraws);
  const services = withInvalidSpecs(
    wireServices(placed, draws.slots, c.namespace),
    placed.map((p) => draws.slots[p.slot].invalidSpec),
  );
  const chosen: Topology = { name: c.namespace, services, probes: chooseProbes(placed, services, draws.slots, c.negativesPerLayer) };
  const t = draws.ingress ? withIngress(chosen, placed.map((p) => draws.ingress![p.slot])) : chosen;
  const quotas = draws.quota ? withQuotas(t, placed.map((p) => draws.quota![p.slot])) : t;
  const labelled = draws.selectorOnly ? withSelectorOnlyLabels(quotas, placed.map((p) => draws.selectorOnly![p.slot])) : quotas;
  const q = draws.externalProbes ? withExternalProbes(labelled, placed.map((p) => draws.externalProbes![p.slot])) : labelled;
  const admitted = draws.emptyPolicySet === undefined ? q : withSecretsAndCedar(q, placed.map((p) => draws.slots[p.slot]), draws.emptyPolicySet, draws.revocation, draws.withSecrets, draws.imageTrust && { on: draws.imageTrust.on, cedar: placed.map((p) => draws.imageTrust!.cedar[p.slot]) });
  // Last: a job task keeps every draw it made as a generator (its secrets and Cedar verdicts name the same principal).
  return draws.job ? withJobs(admitted, placed.map((p) => draws.job![p.slot])) : admitted;
}

/**
 * `services` with the invalid field each LatticeService's slot drew (`draws[i]` = the draw of service
 * i; absent or off = valid). A `port-name` draw on a traffic generator (no ports) becomes
 * `relative-command`. Mesh-members are left valid (their LatticeMeshMember has no workload spec).
 */
export function withInvalidSpecs(services: TopologyService[], draws: readonly (SlotDraws['invalidSpec'] | undefined)[]): TopologyService[] {
  const ids = Object.keys(INVALID_SPEC_FIELDS) as InvalidSpecId[];
  return services.map((s, i) => {
    const d = draws[i];
    if (!d?.on || s.kind === 'mesh-member') return s;
    const id = ids[d.which % ids.length];
    return { ...s, invalidSpec: id === 'port-name' && s.ports.length === 0 ? 'relative-command' : id };
  });
}

/**
 * `t` with the secrets and the Cedar policy set its slots drew (arbitraries/admission.ts): secrets on
 * LatticeServices, the SecretProviders they name, and the verdict of every gate request (services in
 * placed order; `slots[i]` = the draws of service i).
 */
function withSecretsAndCedar(t: Topology, slots: readonly SlotDraws[], empty: boolean, revocation?: TopologyDraws['revocation'], withSecrets?: boolean, imageTrust?: ImageTrustDraw): Topology {
  const assigned = assignSecrets(
    t.services,
    slots.map((d) => (withSecrets === false ? undefined : d.secrets)),
    slots.map((d) => d.override),
  );
  const { secretProviders, drawOf } = assigned;
  const volumes = assignVolumes(assigned.services, slots.map((d) => d.volume), drawOf);
  const services = imageTrust?.on ? assignUnsignedImages(volumes, imageTrust.cedar, drawOf) : volumes;
  services.forEach((s, i) => {
    const [inbound, outbound] = slots[i].wildcardCedar ?? [];
    const principal = `${s.namespace}/${accountOf(s)}`;
    if (inbound) drawOf.set(`${principal}|AllowWildcard|inbound`, inbound);
    if (outbound) drawOf.set(`${principal}|AllowWildcard|outbound`, outbound);
  });
  const cedar = drawnCedar(services, drawOf, empty);
  return {
    ...t,
    services,
    ...(secretProviders.length > 0 ? { secretProviders } : {}),
    cedar: revocation?.on ? withLateRevocation(cedar, services, revocation.pick) : cedar,
    ...(imageTrust?.on ? { imageTrust: true } : {}),
  };
}

/** The draws arbitrary of resolved constraints (fields in shrink order: services first). */
export function topologyDrawsArbitrary(c: ResolvedTopologyConstraints): fc.Arbitrary<TopologyDraws> {
  return fc.record({
    present: presentSlotsArbitrary({ universe: c.maxServices, minGenerated: c.minServices, maxGenerated: c.maxServices, minShrunk: c.minShrunkServices }),
    layerDraws: layerDrawsArbitrary(c.layers),
    slots: fc.array(slotArbitrary({ slots: c.maxServices, ...c }), { minLength: c.maxServices, maxLength: c.maxServices }),
    ...(c.secretProbability > 0 ? { emptyPolicySet: chanceArbitrary(c.emptyPolicySetProbability) } : {}),
    ...(c.secretProbability > 0 && c.lateRevocationProbability > 0 ? { revocation: fc.record({ on: chanceArbitrary(c.lateRevocationProbability), pick: fc.noShrink(fc.nat({ max: 0xffff })) }) } : {}),
    ...(c.secretProbability > 0 ? { withSecrets: chanceArbitrary(c.secretTopologyProbability) } : {}),
    // The newest knobs come last, so that turning one on changes no older draw of a seed (the stream is consumed in field order).
    ...(c.secretProbability > 0 && c.imageTrustProbability > 0 ? { imageTrust: imageTrustDrawArbitrary(c.imageTrustProbability, c.maxServices) } : {}),
    ...(c.ingressProbability > 0 ? { ingress: fc.array(chanceArbitrary(c.ingressProbability), { minLength: c.maxServices, maxLength: c.maxServices }) } : {}),
    ...(c.quotaProbability > 0 ? { quota: quotaDrawsArbitrary(c.quotaProbability, c.maxServices) } : {}),
    ...(c.meshMemberProbability > 0 && c.selectorOnlyLabelsProbability > 0
      ? { selectorOnly: fc.array(chanceArbitrary(c.selectorOnlyLabelsProbability), { minLength: c.maxServices, maxLength: c.maxServices }) }
      : {}),
    ...(c.meshMemberProbability > 0 && c.externalEgressProbability > 0 && c.externalProbeProbability > 0
      ? { externalProbes: fc.array(chanceArbitrary(c.externalProbeProbability), { minLength: c.maxServices, maxLength: c.maxServices }) }
      : {}),
    ...(c.jobProbability > 0 ? { job: jobDrawsArbitrary(c.jobProbability, c.maxServices) } : {}),
  });
}

/**
 * Random bilateral topologies (reference §5.6).
 * Input: {@link TopologyConstraints} (all optional; defaults = reference). Output: an arbitrary of
 * valid Topologies with `minServices..maxServices` services over up to `maxNamespaces` namespaces, servers
 * with up to `maxPortsPerService` ports (namespace and port draws never shrink); shrinks are strictly
 * smaller (fewer services, else fewer outbound, else fewer wildcard, else fewer inbound declarations)
 * and go down to `minShrunkServices` services. The same seed gives the same topology.
 * Throws: `Error('topologyArbitrary: <field> must be …')` for bad constraints, at call time.
 */
export function topologyArbitrary(constraints: TopologyConstraints = {}): fc.Arbitrary<Topology> {
  const c = resolveTopologyConstraints(constraints);
  return distinctShrinks(
    topologyDrawsArbitrary(c).map((draws) => buildTopology(draws, c)),
    (t) => JSON.stringify(t),
  );
}
