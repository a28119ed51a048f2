/**
 * `allow-policy-first-port` (area: compiler): the AuthorizationPolicies of a mesh member list only the
 * first of the member's ports. ztunnel compares an AuthorizationPolicy's `to.operation.ports` with the
 * pod's port, so an allowed caller reaches the callee's first (lowest) container port and is denied on
 * every other one. A service with one port shows nothing: only probes to a second port catch it (the
 * random topologies draw up to 3 ports per server, `maxPortsPerService`).
 *
 * Applied from outside: a write interceptor on the platform's KubeClient. Every workload-bound
 * AuthorizationPolicy (one with a `selector`) owned by a LatticeMeshMember keeps only the first entry
 * of each `rules[].to[].operation.ports` list; policies bound by `targetRefs` are left alone.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { isSelectorBoundMemberAuthorizationPolicy } from './internal/mesh-objects.ts';
import { rewriteWrites } from './internal/rewrite.ts';

/** Cuts every `rules[].to[].operation.ports` of `ap` to its first entry, in place, and returns `ap`. */
export function firstPortOnly(ap: KubeObject): KubeObject {
  for (const rule of ap.spec?.rules ?? []) {
    for (const to of rule.to ?? []) {
      const ports: string[] | undefined = to.operation?.ports;
      if (ports && ports.length > 1) to.operation.ports = ports.slice(0, 1);
    }
  }
  return ap;
}

/** The `allow-policy-first-port` catalogue entry. */
export const allowPolicyFirstPort: BugDefinition<'allow-policy-first-port'> = {
  name: 'allow-policy-first-port',
  description: 'AuthorizationPolicies list only the first port of a service, so ztunnel denies allowed callers on every other port',
  area: 'compiler',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteWrites(seams.platformClient, isSelectorBoundMemberAuthorizationPolicy, firstPortOnly),
  }),
};
