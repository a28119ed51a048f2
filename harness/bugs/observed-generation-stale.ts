/**
 * `observed-generation-stale` (area: status): the LatticeService controller's status patch leaves
 * `observedGeneration` out. The phase and conditions are written, but `observedGeneration` never
 * catches up with `metadata.generation`, so no client can tell whether `Ready` (or `Failed`) describes
 * the current spec or an old one: `kubectl wait`, Argo CD and Flux health checks stay on "progressing"
 * forever, and a stale Ready after a spec change looks current.
 *
 * Applied from outside: a status-write interceptor on the platform's KubeClient. Every merge patch of
 * a LatticeService's status loses its `observedGeneration` key, so the stored value (none, for a new
 * service) stays as it is.
 */
import { LatticeServiceType } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { rewriteStatusPatches } from './internal/rewrite.ts';

/** `status` without its `observedGeneration` key (changed in place and returned). */
export function withoutObservedGeneration(status: Record<string, unknown>): Record<string, unknown> {
  delete status.observedGeneration;
  return status;
}

/** The `observed-generation-stale` catalogue entry. */
export const observedGenerationStale: BugDefinition<'observed-generation-stale'> = {
  name: 'observed-generation-stale',
  description: 'LatticeService status writes leave observedGeneration out, so it never catches up with the spec and a stale Ready looks current',
  area: 'status',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteStatusPatches(seams.platformClient, LatticeServiceType, withoutObservedGeneration),
  }),
};
