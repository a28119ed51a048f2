/**
 * `member-selector-ignored` (area: compiler): the mesh policy compiler ignores a LatticeMeshMember's
 * `target.selector` and selects its pods by the name label the platform gives its own workloads
 * (`app.kubernetes.io/name: <member name>`), both as the subject of its CiliumNetworkPolicy,
 * AuthorizationPolicies and PeerAuthentication and as the peer its callers' and callees' policies
 * name. An escape-hatch member whose pods carry only their selector's labels (reference §1.2: the
 * owner labels them) is then protected and allowed by nothing; a member whose pods happen to carry the
 * name label too shows nothing. Equivalent to `istioLabels(node)` returning the name label for every
 * node (platform/mesh/policy-compiler.ts).
 *
 * Applied from outside: a read interceptor on the platform's KubeClient. When the platform gets or
 * lists LatticeMeshMembers, a `spec.target.selector` reads as `{app.kubernetes.io/name: <name>}`.
 * Stored members, and what the oracle reads, keep their selector. A LatticeService's generated member
 * already selects that label, so only escape-hatch members change.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { LABEL_NAME, LatticeMeshMemberType } from '../../platform/index.ts';
import type { LatticeMeshMember } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { copyObject, rewriteReads } from './internal/rewrite.ts';

/** The members as the buggy compiler reads them: a selector target becomes the name label; others as given. */
export function selectedByName(members: readonly KubeObject[]): KubeObject[] {
  return (members as readonly LatticeMeshMember[]).map((m) => {
    const target = m.spec?.target as { selector?: Record<string, string> } | undefined;
    const selector = target?.selector;
    if (selector === undefined || (Object.keys(selector).length === 1 && selector[LABEL_NAME] === m.metadata.name)) return m;
    const copy = copyObject(m);
    copy.spec.target = { selector: { [LABEL_NAME]: m.metadata.name } };
    return copy;
  });
}

/** The `member-selector-ignored` catalogue entry. */
export const memberSelectorIgnored: BugDefinition<'member-selector-ignored'> = {
  name: 'member-selector-ignored',
  description: "mesh policies select a LatticeMeshMember's pods by the name label app.kubernetes.io/name instead of its target.selector, so pods labelled only as the selector says are neither protected nor allowed",
  area: 'compiler',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteReads(seams.platformClient, LatticeMeshMemberType, selectedByName),
  }),
};
