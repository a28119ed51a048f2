/**
 * LatticeQuotas of a random topology (constraints `quotaProbability`; platform-fidelity.md row "Quota
 * exceeded → scaled to 0"): which LatticeServices get a quota of their own, and whether it caps them
 * below their request (the compiler refuses them) or leaves room.
 */
import fc from 'fast-check';
import type { Topology } from '../topology.ts';
import { chanceArbitrary } from './chance.ts';

/** One slot's quota draw: a quota at all, and (when on) `capped` below the request rather than `within`. Shrinks towards off, then within. */
export interface QuotaDraw {
  on: boolean;
  capped: boolean;
}

/** Chance that a drawn quota caps its service below its request. */
export const QUOTA_CAPPED_PROBABILITY = 0.5;

/** The quota draws of `slots` slots (index = slot, so a draw stays with its service when others are shrunk away). */
export function quotaDrawsArbitrary(probability: number, slots: number): fc.Arbitrary<QuotaDraw[]> {
  return fc.array(fc.record({ on: chanceArbitrary(probability), capped: chanceArbitrary(QUOTA_CAPPED_PROBABILITY) }), { minLength: slots, maxLength: slots });
}

/**
 * `t` with `quota` on the LatticeServices whose draw is on (`draws[i]` = the draw of service i; absent =
 * off): `capped` or `within`. Mesh-members (no workload spec) are left alone. `t` unchanged when no draw
 * applies. Never throws.
 */
export function withQuotas(t: Topology, draws: readonly (QuotaDraw | undefined)[]): Topology {
  if (!t.services.some((s, i) => draws[i]?.on && s.kind !== 'mesh-member')) return t;
  return { ...t, services: t.services.map((s, i) => (draws[i]?.on && s.kind !== 'mesh-member' ? { ...s, quota: draws[i]!.capped ? 'capped' : 'within' } : s)) };
}
