/**
 * Pod labels of the escape-hatch members of a random topology (constraints
 * `selectorOnlyLabelsProbability`): which mesh-members' pods carry only their LatticeMeshMember's
 * selector label, so that a platform selecting them by the name label instead is seen.
 */
import type { Topology } from '../topology.ts';

/**
 * `t` with `selectorOnlyLabels: true` on the mesh-members whose draw is on (`draws[i]` = the draw of
 * service i; absent = off). LatticeServices (the platform labels their pods itself) are left alone. `t`
 * unchanged when no draw applies. Never throws.
 */
export function withSelectorOnlyLabels(t: Topology, draws: readonly (boolean | undefined)[]): Topology {
  if (!t.services.some((s, i) => draws[i] && s.kind === 'mesh-member')) return t;
  return { ...t, services: t.services.map((s, i) => (draws[i] && s.kind === 'mesh-member' ? { ...s, selectorOnlyLabels: true } : s)) };
}
