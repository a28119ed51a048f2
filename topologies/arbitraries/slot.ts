/**
 * `slotArbitrary`: the draws of one potential service of a random topology. A topology has
 * `maxServices` slots; the present ones become services. A slot keeps its draws when other slots are
 * removed, so removing a service during shrinking leaves every other pair's wiring as it was.
 */
import fc from 'fast-check';
import { chanceArbitrary } from './chance.ts';

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
  });
}
