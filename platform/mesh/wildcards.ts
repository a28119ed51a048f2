/**
 * The mesh-member controller's Cedar wildcard gate (reference §3.2 `AllowWildcard`, §3.4 denial text).
 */
import type { GateDecision, GateRequest } from '../cedar/types.ts';
import type { LatticeMeshMember } from '../crds/types.ts';

/** Wildcard directions, in the order the controller checks them. */
export type WildcardDirection = 'inbound' | 'outbound' | 'advertise';

const DIRECTION_TEXT: Record<WildcardDirection, string> = {
  inbound: 'allows_all (wildcard inbound)',
  outbound: 'depends_all (wildcard outbound)',
  advertise: 'advertise (wildcard cross-cluster)',
};

function serviceAccountOf(member: LatticeMeshMember): string {
  return member.spec.serviceAccount || member.metadata.name;
}

/**
 * The AllowWildcard requests one LMM needs (reference §3.2): `allowedCallers` contains `*` ⇒
 * `Mesh::"inbound"`; `dependsAll: true` ⇒ `Mesh::"outbound"`; `advertise.allowedServices` contains
 * `*` ⇒ `Mesh::"advertise"`. Principal `Service::"<ns>/<serviceAccount or LMM name>"`, kind
 * `service`; `subject` = the direction. Returns [] when the member uses no wildcard. Never throws.
 */
export function wildcardRequests(member: LatticeMeshMember): GateRequest[] {
  const spec = member.spec;
  const principal = { namespace: member.metadata.namespace ?? '', name: serviceAccountOf(member), kind: 'service' as const };
  const dirs: WildcardDirection[] = [];
  if ((spec.allowedCallers ?? []).some((c) => c.name === '*')) dirs.push('inbound');
  if (spec.dependsAll === true) dirs.push('outbound');
  if ((spec.advertise?.allowedServices ?? []).includes('*')) dirs.push('advertise');
  return dirs.map((id) => ({ action: 'AllowWildcard', principal, resource: { type: 'Mesh', id }, subject: id }));
}

/**
 * The LMM status message for a denied wildcard (reference §3.4):
 * `Cedar policy denied <dir> for <ns>/<sa>; add a permit policy for Action::"AllowWildcard" on Mesh::"<id>"`
 * with `<dir>` one of `allows_all (wildcard inbound)`, `depends_all (wildcard outbound)`,
 * `advertise (wildcard cross-cluster)`. Throws if the decision is not about a Mesh resource.
 */
export function wildcardDenialMessage(decision: GateDecision, member: LatticeMeshMember): string {
  const resource = decision.request.resource;
  if (resource.type !== 'Mesh') throw new Error(`wildcardDenialMessage: expected a Mesh resource, got ${resource.type}`);
  const ns = member.metadata.namespace ?? '';
  return `Cedar policy denied ${DIRECTION_TEXT[resource.id]} for ${ns}/${serviceAccountOf(member)}; add a permit policy for Action::"AllowWildcard" on Mesh::"${resource.id}"`;
}
