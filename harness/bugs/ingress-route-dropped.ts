/**
 * `ingress-route-dropped` (area: mesh-graph): the mesh-member controller never sees `spec.ingress`
 * (reference §4.4 step 2, §4.7): no Gateway listener, no route, no gateway policies, and the ingress
 * gateway proxy `<ns>-ingress-istio` is never registered as a graph node, so the caller its services
 * allow never forms an edge. North-south traffic to every service that routes ingress is denied; a
 * wildcard server is not reached by the gateway either. East-west traffic is untouched, so only the
 * topology generator's ingress knob (`ingressProbability`) can catch it.
 *
 * Applied from outside: a read interceptor on the platform's KubeClient. When the platform gets or
 * lists LatticeMeshMembers, `spec.ingress` is gone. Stored members (and the LatticeService's own
 * `allowedCallers: <ns>-ingress-istio`) keep theirs.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { LatticeMeshMemberType } from '../../platform/index.ts';
import type { LatticeMeshMember } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { copyObject, rewriteReads } from './internal/rewrite.ts';

/** The members as the buggy controller reads them: copies without `spec.ingress` where it was set; others as given. */
export function withoutIngress(members: readonly KubeObject[]): KubeObject[] {
  return (members as readonly LatticeMeshMember[]).map((m) => {
    if (m.spec?.ingress === undefined) return m;
    const copy = copyObject(m);
    delete copy.spec.ingress;
    return copy;
  });
}

/** The `ingress-route-dropped` catalogue entry. */
export const ingressRouteDropped: BugDefinition<'ingress-route-dropped'> = {
  name: 'ingress-route-dropped',
  description: "the mesh-member controller drops spec.ingress: no Gateway listener, route or gateway policy, and the ingress gateway never becomes a caller, so north-south traffic is denied",
  area: 'mesh-graph',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteReads(seams.platformClient, LatticeMeshMemberType, withoutIngress),
  }),
};
