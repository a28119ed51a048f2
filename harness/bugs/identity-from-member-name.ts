/**
 * `identity-from-member-name` (area: compiler): the mesh policy compiler builds a caller's SPIFFE
 * principal from the mesh member's name (`<td>/ns/<ns>/sa/<member name>`) instead of the service
 * account its pods run as (`spec.serviceAccount`). For LatticeServices the two agree (their pods run
 * as the service's name); for an escape-hatch LatticeMeshMember whose `serviceAccount` differs,
 * ztunnel sees an identity the callee's AuthorizationPolicy does not name, and every allowed call
 * from it is denied. Only topologies with such members catch it.
 *
 * Applied from outside: a write interceptor on the platform's KubeClient. In every AuthorizationPolicy
 * owned by a LatticeMeshMember, each principal `<td>/ns/<ns>/sa/<sa>` is replaced by
 * `<td>/ns/<ns>/sa/<name>` for every member `<ns>/<name>` whose service account (its
 * `spec.serviceAccount`, else its name) is `<sa>` — the principal the buggy compiler writes for it.
 * Principals of no member (waypoints) are kept.
 */
import type { KubeClient, KubeObject } from '../../fake-apiserver/api/index.ts';
import { LatticeMeshMemberType } from '../../platform/index.ts';
import type { LatticeMeshMember } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { isMemberAuthorizationPolicy } from './internal/mesh-objects.ts';
import { rewriteWrites } from './internal/rewrite.ts';

const PRINCIPAL = /^(.*)\/ns\/([^/]+)\/sa\/([^/]+)$/;

/**
 * Rewrites, in place, every `rules[].from[].source.principals` entry of `ap` from service account to
 * member name, using `members` (see the module doc), and returns `ap`. Each list stays sorted and
 * free of duplicates; a principal no member runs as is kept.
 */
export function principalsByMemberName(ap: KubeObject, members: readonly LatticeMeshMember[]): KubeObject {
  const namesBySa = new Map<string, string[]>();
  for (const m of members) {
    const key = `${m.metadata.namespace}/${m.spec.serviceAccount || m.metadata.name}`;
    namesBySa.set(key, [...(namesBySa.get(key) ?? []), m.metadata.name]);
  }
  const rename = (principal: string): string[] => {
    const match = PRINCIPAL.exec(principal);
    const names = match ? namesBySa.get(`${match[2]}/${match[3]}`) : undefined;
    return names ? names.map((n) => `${match![1]}/ns/${match![2]}/sa/${n}`) : [principal];
  };
  for (const rule of ap.spec?.rules ?? []) {
    for (const from of rule.from ?? []) {
      const principals: string[] | undefined = from.source?.principals;
      if (principals) from.source.principals = [...new Set(principals.flatMap(rename))].sort();
    }
  }
  return ap;
}

const withMemberNames = async (ap: KubeObject, inner: KubeClient): Promise<KubeObject> =>
  principalsByMemberName(ap, (await inner.list<LatticeMeshMember>(LatticeMeshMemberType)).items);

/** The `identity-from-member-name` catalogue entry. */
export const identityFromMemberName: BugDefinition<'identity-from-member-name'> = {
  name: 'identity-from-member-name',
  description: "AuthorizationPolicy principals name a caller's mesh member instead of its serviceAccount, so callers whose pods run under another account are denied",
  area: 'compiler',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteWrites(seams.platformClient, isMemberAuthorizationPolicy, withMemberNames),
  }),
};
