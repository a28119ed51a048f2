/**
 * `depends-all-dropped` (area: mesh-graph): the service graph ignores `dependsAll` (wildcard outbound,
 * reference §4.2): a depends-all member has no outbound edges. Callees that allow it by name or by `*`
 * get no allow policy for it, and it gets no DNS to them, so every call it makes is denied. Its
 * AllowWildcard gate is never asked either, so a depends-all member no policy permits goes Ready
 * instead of Failed.
 *
 * Applied from outside: a read interceptor on the platform's KubeClient. When the platform gets or
 * lists LatticeMeshMembers, `spec.dependsAll` is gone. Stored members, and what the oracle reads,
 * keep it.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { LatticeMeshMemberType } from '../../platform/index.ts';
import type { LatticeMeshMember } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { copyObject, rewriteReads } from './internal/rewrite.ts';

/** The members as the buggy graph reads them: copies without `spec.dependsAll` where it was set; others as given. */
export function withoutDependsAll(members: readonly KubeObject[]): KubeObject[] {
  return (members as readonly LatticeMeshMember[]).map((m) => {
    if (m.spec?.dependsAll === undefined) return m;
    const copy = copyObject(m);
    delete copy.spec.dependsAll;
    return copy;
  });
}

/** The `depends-all-dropped` catalogue entry. */
export const dependsAllDropped: BugDefinition<'depends-all-dropped'> = {
  name: 'depends-all-dropped',
  description: 'the service graph ignores dependsAll, so a wildcard-outbound member reaches none of the services that allow it (and skips its AllowWildcard gate)',
  area: 'mesh-graph',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteReads(seams.platformClient, LatticeMeshMemberType, withoutDependsAll),
  }),
};
