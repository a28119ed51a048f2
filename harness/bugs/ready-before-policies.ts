/**
 * `ready-before-policies` (area: status): the LatticeService controller reports a service Ready as soon
 * as its workload is applied, without waiting for its LatticeMeshMember to be Ready. For a while the
 * service says `Ready / Service is operational` while its mesh policies are not applied yet (or are
 * being recompiled), so whoever gates on Ready — a rollout, a dependent deploy, an SLO probe — sends
 * traffic that is denied. Once the member is Ready the phase is right again, so only a check on every
 * tick (never Ready without mesh policies) sees it.
 *
 * Applied from outside: a status-write interceptor on the platform's KubeClient. A merge patch of a
 * LatticeService's status to phase `Compiling` with message `Waiting for mesh member policies` is sent
 * as the Ready write the controller makes once the member is Ready: phase `Ready`, message
 * `Service is operational`, the `Compiling` condition dropped, `Ready/True/ServiceReady` merged in,
 * observedGeneration = the stored generation.
 */
import type { KubeClient, ObjectKey } from '../../fake-apiserver/api/index.ts';
import { rfc3339 } from '../../fake-apiserver/api/index.ts';
import { LatticeServiceType, dropCondition, mergeCondition } from '../../platform/index.ts';
import type { Condition } from '../../fake-apiserver/api/index.ts';
import type { BugContext, BugDefinition, BugSeams } from './types.ts';
import { rewriteStatusPatches } from './internal/rewrite.ts';

/** The message of the LatticeService status write that waits for the mesh member. */
export const WAITING_FOR_MESH_MESSAGE = 'Waiting for mesh member policies';

/**
 * `status` (a LatticeService status patch), rewritten in place as the Ready write when it is the
 * wait-for-mesh write; any other status is returned unchanged. `nowIso` stamps a new Ready condition.
 */
export function readyInsteadOfWaiting(status: Record<string, unknown>, generation: number | undefined, nowIso: string): Record<string, unknown> {
  if (status.phase !== 'Compiling' || status.message !== WAITING_FOR_MESH_MESSAGE) return status;
  const conditions = dropCondition(status.conditions as Condition[] | undefined, 'Compiling');
  status.phase = 'Ready';
  status.message = 'Service is operational';
  status.conditions = mergeCondition(conditions, { type: 'Ready', status: 'True', reason: 'ServiceReady', message: 'Service is operational' }, nowIso);
  status.observedGeneration = generation ?? null;
  return status;
}

/** The `ready-before-policies` catalogue entry. */
export const readyBeforePolicies: BugDefinition<'ready-before-policies'> = {
  name: 'ready-before-policies',
  description: 'a LatticeService reports Ready as soon as its workload is applied, before its mesh member has applied the mesh policies',
  area: 'status',
  apply: (seams: BugSeams, { clock }: BugContext): BugSeams => ({
    ...seams,
    platformClient: rewriteStatusPatches(seams.platformClient, LatticeServiceType, async (status, key: ObjectKey, inner: KubeClient) =>
      status.message === WAITING_FOR_MESH_MESSAGE ? readyInsteadOfWaiting(status, (await inner.get(LatticeServiceType, key)).metadata.generation, rfc3339(clock.now())) : status,
    ),
  }),
};
