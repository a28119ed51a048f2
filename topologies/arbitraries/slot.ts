/**
 * `slotArbitrary`: the draws of one potential service of a random topology. A topology has
 * `maxServices` slots; the present ones become services. A slot keeps its draws when other slots are
 * removed, so removing a service during shrinking leaves every other pair's wiring as it was.
 */
import fc from 'fast-check';
import { cedarDrawArbitrary, overrideDrawArbitrary, slotSecretDrawsArbitrary, volumeDrawArbitrary, type CedarDraw, type OverrideDraw, type SlotSecretDraws, type VolumeDraw } from './admission.ts';
import { chanceArbitrary } from './chance.ts';
import { INVALID_SPEC_FIELDS } from '../topology.ts';

/** Draws of one slot. Arrays are indexed by the other slot's index (0 .. slots-1). */
export interface SlotDraws {
  /** Allows any caller (used only when the service is a server). */
  wildcard: boolean;
  /** `outbound[j]`: declares outbound to slot j (used only when j lies in a later layer). */
  outbound: boolean[];
  /** `reciprocate[i]`: declares inbound from slot i when i declares outbound to it (unless wildcard). */
  reciprocate: boolean[];
  /** `rank[j]`: order in which slot j is picked as a negative or peer probe target (lower first); never shrunk. */
  rank: number[];
  /** Namespace index in [0, namespaces) (never shrunk); drawn only when `namespaces` > 1, else absent (= 0). */
  namespace?: number;
  /** Port count in [1, portsPerService] of a server (never shrunk); drawn only when `portsPerService` > 1, else absent (= 1). */
  ports?: number;
  /**
   * `inboundOnly[i]`: as a (non-wildcard) server, declares inbound from slot i (an earlier layer) even
   * though i does not declare outbound to it (one-sided from the callee side). Absent = no such draw.
   */
  inboundOnly?: boolean[];
  /** Is an escape-hatch LatticeMeshMember over a plain Deployment. Absent = false. */
  meshMember?: boolean;
  /** As a mesh-member, runs as ServiceAccount `<name>-sa` instead of its name. Absent = false. */
  customServiceAccount?: boolean;
  /** As a mesh-member, is non-ambient (`ambient: false`). Absent = false. */
  nonAmbient?: boolean;
  /** Declares wildcard outbound (depends-all). Absent = false. */
  dependsAll?: boolean;
  /** Runs `replicaCount` replicas instead of 1. Absent = false. */
  multiReplica?: boolean;
  /** Replicas when `multiReplica` (integer in [2, maxReplicas]; never shrunk). */
  replicaCount?: number;
  /** Is created `createdAtMs` simulated ms after the others. Absent = false. */
  staggered?: boolean;
  /** Creation time when `staggered` (integer in [0, maxCreationDelayMs]; never shrunk). */
  createdAtMs?: number;
  /** As a mesh-member, declares external egress. Absent = false. */
  externalEgress?: boolean;
  /** Which target of EXTERNAL_EGRESS (wiring.ts) when `externalEgress` (never shrunk). */
  egressTarget?: number;
  /** Secrets of the slot (used when it is a LatticeService) with their AccessSecret verdicts (arbitraries/admission.ts). Absent = no secret draws. */
  secrets?: SlotSecretDraws;
  /** Cedar draws of the slot's AllowWildcard requests: `[inbound, outbound]`. Absent = plain permits. */
  wildcardCedar?: CedarDraw[];
  /** A security override of the main container and its Cedar draw (used when it is a LatticeService). Absent = none. */
  override?: OverrideDraw;
  /** As a LatticeService, renders one invalid field: `which` indexes INVALID_SPEC_FIELDS (never shrunk). Absent = no draw. */
  invalidSpec?: { on: boolean; which: number };
  /** Shared-volume role, owner consent and AccessVolume Cedar draw (used when it is a LatticeService; arbitraries/admission.ts). Absent = no draw. */
  volume?: VolumeDraw;
}

/** Knobs of {@link slotArbitrary}. */
export interface SlotConstraints {
  /** Number of slots of the topology (>= 1). */
  slots: number;
  outboundProbability: number;
  reciprocatedProbability: number;
  wildcardInboundProbability: number;
  /** Namespaces to draw from (integer >= 1). @defaultValue 1 */
  maxNamespaces?: number;
  /** Most ports per server (integer >= 1). @defaultValue 1 */
  maxPortsPerService?: number;
  /** Mesh-feature knobs (constraints.ts documents each); each at its "off" value (0, or 1 for `maxReplicas`) draws nothing. @defaultValue off */
  inboundOnlyProbability?: number;
  meshMemberProbability?: number;
  serviceAccountProbability?: number;
  nonAmbientProbability?: number;
  dependsAllProbability?: number;
  maxReplicas?: number;
  multiReplicaProbability?: number;
  maxCreationDelayMs?: number;
  staggerProbability?: number;
  externalEgressProbability?: number;
  /** Secret and Cedar knobs (constraints.ts); `secretProbability` 0 draws nothing. @defaultValue off */
  secretProbability?: number;
  cedarDenyProbability?: number;
  /** Invalid-spec knob (constraints.ts); 0 draws nothing. @defaultValue off */
  invalidSpecProbability?: number;
  /** Shared-volume knob (constraints.ts); drawn only with secrets and Cedar on (`secretProbability` > 0). @defaultValue off */
  sharedVolumeProbability?: number;
}

/**
 * Input: slot count and probabilities. Output: an arbitrary of {@link SlotDraws} whose shrinks only turn
 * `true` draws into `false` (ranks never shrink).
 * Throws: `Error('slotArbitrary: slots must be an integer >= 1 …')`, or chanceArbitrary's error for a bad probability.
 */
export function slotArbitrary(c: SlotConstraints): fc.Arbitrary<SlotDraws> {
  if (!Number.isInteger(c.slots) || c.slots < 1) throw new Error(`slotArbitrary: slots must be an integer >= 1, got ${c.slots}`);
  const namespaces = c.maxNamespaces ?? 1;
  const ports = c.maxPortsPerService ?? 1;
  if (!Number.isInteger(namespaces) || namespaces < 1) throw new Error(`slotArbitrary: maxNamespaces must be an integer >= 1, got ${namespaces}`);
  if (!Number.isInteger(ports) || ports < 1) throw new Error(`slotArbitrary: maxPortsPerService must be an integer >= 1, got ${ports}`);
  const fixed = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.array(arb, { minLength: c.slots, maxLength: c.slots });
  // The namespace and port draws come last and only when their knob is above 1, so topologies with
  // both knobs at 1 are drawn exactly as before the knobs existed (old seeds reproduce).
  return fc.record({
    wildcard: chanceArbitrary(c.wildcardInboundProbability),
    outbound: fixed(chanceArbitrary(c.outboundProbability)),
    reciprocate: fixed(chanceArbitrary(c.reciprocatedProbability)),
    rank: fc.noShrink(fixed(fc.nat({ max: 0xffff }))),
    ...(namespaces > 1 ? { namespace: fc.noShrink(fc.nat({ max: namespaces - 1 })) } : {}),
    ...(ports > 1 ? { ports: fc.noShrink(fc.integer({ min: 1, max: ports })) } : {}),
    ...meshFeatureDraws(c, fixed),
    ...((c.secretProbability ?? 0) > 0
      ? {
          secrets: slotSecretDrawsArbitrary({ secretProbability: c.secretProbability!, cedarDenyProbability: c.cedarDenyProbability ?? 0 }),
          wildcardCedar: fc.array(cedarDrawArbitrary(c.cedarDenyProbability ?? 0), { minLength: 2, maxLength: 2 }),
          override: overrideDrawArbitrary({ secretProbability: c.secretProbability!, cedarDenyProbability: c.cedarDenyProbability ?? 0 }),
        }
      : {}),
    // Last, so a seed draws every older value as before this knob.
    ...((c.invalidSpecProbability ?? 0) > 0
      ? { invalidSpec: fc.record({ on: chanceArbitrary(c.invalidSpecProbability!), which: fc.noShrink(fc.nat({ max: Object.keys(INVALID_SPEC_FIELDS).length - 1 })) }) }
      : {}),
    // After every older draw (old seeds reproduce with the knob off).
    ...((c.sharedVolumeProbability ?? 0) > 0 && (c.secretProbability ?? 0) > 0 ? { volume: volumeDrawArbitrary(c.sharedVolumeProbability!) } : {}),
  }) as fc.Arbitrary<SlotDraws>;
}

/**
 * The mesh-feature draws of a slot, each present only when its knob is on, after every older draw (so
 * a seed draws the same older values whatever these knobs say). Every boolean is a `chanceArbitrary`
 * (shrinks towards off); replica counts and creation times never shrink (their on/off draw does).
 */
function meshFeatureDraws(c: SlotConstraints, fixed: <T>(arb: fc.Arbitrary<T>) => fc.Arbitrary<T[]>): Record<string, fc.Arbitrary<unknown>> {
  const on = (p: number | undefined): p is number => p !== undefined && p > 0;
  const draws: Record<string, fc.Arbitrary<unknown>> = {};
  if (on(c.inboundOnlyProbability)) draws.inboundOnly = fixed(chanceArbitrary(c.inboundOnlyProbability));
  if (on(c.meshMemberProbability)) {
    draws.meshMember = chanceArbitrary(c.meshMemberProbability);
    if (on(c.serviceAccountProbability)) draws.customServiceAccount = chanceArbitrary(c.serviceAccountProbability);
    if (on(c.nonAmbientProbability)) draws.nonAmbient = chanceArbitrary(c.nonAmbientProbability);
  }
  if (on(c.dependsAllProbability)) draws.dependsAll = chanceArbitrary(c.dependsAllProbability);
  if ((c.maxReplicas ?? 1) > 1 && on(c.multiReplicaProbability)) {
    draws.multiReplica = chanceArbitrary(c.multiReplicaProbability);
    draws.replicaCount = fc.noShrink(fc.integer({ min: 2, max: c.maxReplicas! }));
  }
  if ((c.maxCreationDelayMs ?? 0) > 0 && on(c.staggerProbability)) {
    draws.staggered = chanceArbitrary(c.staggerProbability);
    draws.createdAtMs = fc.noShrink(fc.integer({ min: 0, max: c.maxCreationDelayMs! }));
  }
  if (on(c.meshMemberProbability) && on(c.externalEgressProbability)) {
    draws.externalEgress = chanceArbitrary(c.externalEgressProbability);
    draws.egressTarget = fc.noShrink(fc.nat({ max: 0xffff }));
  }
  return draws;
}
