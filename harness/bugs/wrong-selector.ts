/**
 * `wrong-selector` (area: compiler): the mesh policies the platform writes select a workload label
 * value no pod carries, so they apply to nothing — the classic "the policy exists and is Ready but
 * protects / allows nobody" defect a status check cannot see.
 *
 * Applied from outside: a write interceptor on the platform's KubeClient rewrites every
 * CiliumNetworkPolicy (`spec.endpointSelector`), AuthorizationPolicy and PeerAuthentication
 * (`spec.selector`) the platform creates, updates or applies: each label value gets `-v2` appended
 * (`app.kubernetes.io/name: api` → `api-v2`). Left alone: policies that select by `targetRefs`
 * (ServiceEntry-bound), the waypoint's own policy (selector `istio.io/waypoint-for`), and objects
 * written by anyone but the platform (e.g. the cluster defaults `installPlatform` writes).
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { rewriteWrites } from './internal/rewrite.ts';

/** Suffix appended to every label value of a rewritten selector. */
export const WRONG_SELECTOR_SUFFIX = '-v2';

/** Label key of the waypoint's selector, which names no workload and is left alone. */
const WAYPOINT_LABEL = 'istio.io/waypoint-for';

/** The selector field of each kind this bug rewrites. */
const SELECTOR_FIELD: Readonly<Record<string, 'endpointSelector' | 'selector'>> = {
  CiliumNetworkPolicy: 'endpointSelector',
  AuthorizationPolicy: 'selector',
  PeerAuthentication: 'selector',
};

/**
 * Rewrites `obj`'s workload selector in place (see the module doc) and returns it. Objects of other
 * kinds, without a `matchLabels` selector, or selecting the waypoint come back unchanged.
 */
export function misselect(obj: KubeObject): KubeObject {
  const field = Object.hasOwn(SELECTOR_FIELD, obj.kind) ? SELECTOR_FIELD[obj.kind] : undefined;
  const labels = field ? (obj.spec?.[field]?.matchLabels as Record<string, string> | undefined) : undefined;
  if (!labels || Object.keys(labels).length === 0 || WAYPOINT_LABEL in labels) return obj;
  obj.spec[field!].matchLabels = Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, `${v}${WRONG_SELECTOR_SUFFIX}`]));
  return obj;
}

/** The `wrong-selector` catalogue entry. */
export const wrongSelector: BugDefinition<'wrong-selector'> = {
  name: 'wrong-selector',
  description: 'CiliumNetworkPolicies, AuthorizationPolicies and PeerAuthentications are written with a workload selector that matches no pod',
  area: 'compiler',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteWrites(seams.platformClient, (o) => Object.hasOwn(SELECTOR_FIELD, o.kind), misselect),
  }),
};
