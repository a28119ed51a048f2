/**
 * `allow-policy-service-port` (area: compiler): the AuthorizationPolicies of a mesh member name the
 * Service port (`servicePort`, e.g. 80) where Istio expects the container port (`port`, e.g. 8080).
 * ztunnel compares an AuthorizationPolicy's `to.operation.ports` with the pod's port, so every
 * caller the member allows is denied wherever the two ports differ — a classic Istio mistake.
 *
 * Applied from outside: a write interceptor on the platform's KubeClient. Each workload-bound
 * AuthorizationPolicy (one with a `selector`) owned by a LatticeMeshMember has its ports mapped from
 * container port to Service port using that member's `spec.ports` (read through the unwrapped
 * client). Ports the member does not declare (HBONE 15008, external ports) are kept, and so are
 * policies bound by `targetRefs`.
 */
import type { KubeClient, KubeObject } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound } from '../../fake-apiserver/api/index.ts';
import { LatticeMeshMemberType } from '../../platform/index.ts';
import type { LatticeMeshMember } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { isSelectorBoundMemberAuthorizationPolicy } from './internal/mesh-objects.ts';
import { rewriteWrites } from './internal/rewrite.ts';

const ownerMember = (obj: KubeObject) => obj.metadata.ownerReferences?.find((r) => r.kind === LatticeMeshMemberType.kind && r.apiVersion === LatticeMeshMemberType.apiVersion);

/**
 * Rewrites `ap`'s `rules[].to[].operation.ports` in place with `toServicePort` (container port as a
 * string → Service port as a string; unknown ports kept) and returns it.
 */
export function withServicePorts(ap: KubeObject, toServicePort: ReadonlyMap<string, string>): KubeObject {
  for (const rule of ap.spec?.rules ?? []) {
    for (const to of rule.to ?? []) {
      const ports: string[] | undefined = to.operation?.ports;
      if (ports) to.operation.ports = ports.map((p) => toServicePort.get(p) ?? p);
    }
  }
  return ap;
}

/** Container port → Service port of a member (`servicePort` defaults to `port`), as strings. */
export function servicePortsOf(member: LatticeMeshMember): Map<string, string> {
  return new Map((member.spec.ports ?? []).map((p) => [String(p.port), String(p.servicePort || p.port)]));
}

async function rewrite(ap: KubeObject, inner: KubeClient): Promise<KubeObject> {
  const owner = ownerMember(ap)!;
  const member = (await inner.get<LatticeMeshMember>(LatticeMeshMemberType, { namespace: ap.metadata.namespace, name: owner.name }).catch(ignoreNotFound)) as
    | LatticeMeshMember
    | undefined;
  return member ? withServicePorts(ap, servicePortsOf(member)) : ap;
}

/** The `allow-policy-service-port` catalogue entry. */
export const allowPolicyServicePort: BugDefinition<'allow-policy-service-port'> = {
  name: 'allow-policy-service-port',
  description: 'AuthorizationPolicies list the Service port instead of the container port, so ztunnel denies allowed callers wherever the two differ',
  area: 'compiler',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteWrites(seams.platformClient, isSelectorBoundMemberAuthorizationPolicy, rewrite),
  }),
};
