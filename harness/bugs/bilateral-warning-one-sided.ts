/**
 * `bilateral-warning-one-sided` (area: status): the mesh-member controller warns about a one-sided
 * declaration only on the member that made it. The `BilateralAgreement` condition (platform/README.md
 * "Bilateral agreement warnings": False/`OneSidedDeclaration` on BOTH members of a one-sided pair) of
 * the other member — the callee nobody told that a caller depends on it, the caller a callee lists
 * without it asking — says True/`DeclarationsMatched`, so the owner who could complete the agreement
 * never hears of it. No policy changes: only a judge of the condition sees it.
 *
 * Applied from outside: a status-write interceptor on the platform's KubeClient. In every merge patch
 * of a LatticeMeshMember's status, the `BilateralAgreement` condition loses the sentences about
 * declarations its peers made (`… declared by <peer> …`); when none remain it reads
 * True/`DeclarationsMatched` with the platform's own message.
 */
import { BILATERAL_AGREEMENT, LatticeMeshMemberType } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { rewriteStatusPatches } from './internal/rewrite.ts';

/** The platform's message of a True `BilateralAgreement` (platform/controllers/mesh-member-controller.ts). */
const MATCHED_MESSAGE = 'every declaration naming a known member is matched on the other side';

/** `status` with its `BilateralAgreement` condition cut to the member's own declarations (changed in place and returned). */
export function withoutPeerWarnings(status: Record<string, unknown>): Record<string, unknown> {
  const conditions = status.conditions as { type: string; status: string; reason?: string; message?: string }[] | undefined;
  const c = conditions?.find((x) => x.type === BILATERAL_AGREEMENT);
  if (!c || c.status !== 'False') return status;
  const own = (c.message ?? '').split('; ').filter((m) => m !== '' && !m.includes(' declared by '));
  if (own.length > 0) c.message = own.join('; ');
  else Object.assign(c, { status: 'True', reason: 'DeclarationsMatched', message: MATCHED_MESSAGE });
  return status;
}

/** The `bilateral-warning-one-sided` catalogue entry. */
export const bilateralWarningOneSided: BugDefinition<'bilateral-warning-one-sided'> = {
  name: 'bilateral-warning-one-sided',
  description: 'the BilateralAgreement warning reaches only the member that made a one-sided declaration, never its peer (the callee a caller depends on, the caller a callee lists)',
  area: 'status',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteStatusPatches(seams.platformClient, LatticeMeshMemberType, withoutPeerWarnings),
  }),
};
