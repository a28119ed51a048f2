/**
 * The bilateral-agreement oracle (issue 9; book Chapter 11 §11.4): which one-sided declarations each
 * mesh member of a topology must be warned about, from the declarations and the admission oracle's
 * verdicts ONLY (DESIGN rule 1: nothing of the platform). A declaration is one-sided when the other
 * side exists and does not declare the matching direction: a caller's outbound dependency on a callee
 * that neither allows every caller nor names it, or a callee's inbound caller that is neither
 * depends-all nor declares the callee. Both members of such a pair are warned: the `BilateralAgreement`
 * condition of their LatticeMeshMember is False/`OneSidedDeclaration` with one sentence per
 * declaration (platform/README.md "Bilateral agreement warnings"), else True/`DeclarationsMatched`.
 *
 * Rules:
 * - The members are the topology's services that have a LatticeMeshMember after admission: every
 *   escape-hatch member; a LatticeService unless the compiler refused it (an invalid field, quota, a
 *   compile gate) and it was never admitted (a revoked service keeps its member; one refused at the
 *   AllowWildcard gate has its member, Failed). A declaration naming a service with no member is not
 *   one-sided: the other side is unknown.
 * - Wildcards match everything: `id: "*"` inbound (any caller) and depends-all.
 * - A namespace's ingress gateway proxy, which the platform adds as a depends-all caller of every
 *   service routing ingress (reference §4.4 step 2), is never one-sided.
 * - Sentences, naming a peer `<name>` in the member's namespace and `<ns>/<name>` across namespaces:
 *   `outbound dependency <callee> declared but no matching inbound declaration`,
 *   `inbound caller <caller> declared but no matching outbound declaration`,
 *   `outbound dependency declared by <caller> but no matching inbound declaration`,
 *   `inbound caller declared by <callee> but no matching outbound declaration`.
 */
import type { ExpectedAdmission, ExpectedBilateralAgreement } from '../harness/verifier/expected-admission.ts';
import type { Topology, TopologyService } from './topology.ts';
import { serviceKey } from './topology.ts';

export type { ExpectedBilateralAgreement };

/** True when the service has a LatticeMeshMember once admission settled (see the module comment). */
export function hasMeshMember(s: TopologyService, admission: ExpectedAdmission | undefined): boolean {
  if (s.kind === 'mesh-member') return true;
  // An invalid field fails the compile whatever the gates say (before them, or after them for the metrics port).
  if (s.invalidSpec !== undefined) return false;
  if (!admission || admission.expected === 'Ready' || admission.revoked) return true;
  return admission.gate === 'AllowWildcard';
}

/**
 * The expected `BilateralAgreement` of every service with a LatticeMeshMember, by `ns/name` (see the
 * module comment). `admissions` = the admission oracle's verdicts of `t` (any order). Sentences are
 * sorted. Pure; never throws.
 */
export function bilateralAgreementOracle(t: Pick<Topology, 'services'>, admissions: readonly ExpectedAdmission[]): Map<string, ExpectedBilateralAgreement> {
  const verdict = new Map(admissions.map((a) => [a.service, a]));
  const members = new Map(t.services.filter((s) => hasMeshMember(s, verdict.get(serviceKey(s)))).map((s) => [serviceKey(s), s]));
  const allows = (callee: TopologyService, caller: TopologyService) => callee.wildcardInbound || callee.inbound.includes(serviceKey(caller));
  const dependsOn = (caller: TopologyService, callee: TopologyService) => caller.dependsAll === true || caller.outbound.includes(serviceKey(callee));
  const out = new Map<string, ExpectedBilateralAgreement>();
  for (const [key, n] of members) {
    const label = (peer: TopologyService) => (peer.namespace === n.namespace ? peer.name : serviceKey(peer));
    const present = (keys: readonly string[]) => keys.map((k) => members.get(k)).filter((p): p is TopologyService => p !== undefined && serviceKey(p) !== key);
    const sentences: string[] = [];
    for (const callee of present(n.outbound)) if (!allows(callee, n)) sentences.push(`outbound dependency ${label(callee)} declared but no matching inbound declaration`);
    if (!n.wildcardInbound) for (const caller of present(n.inbound)) if (!dependsOn(caller, n)) sentences.push(`inbound caller ${label(caller)} declared but no matching outbound declaration`);
    for (const caller of members.values()) {
      if (caller === n) continue;
      if (caller.outbound.includes(key) && !allows(n, caller)) sentences.push(`outbound dependency declared by ${label(caller)} but no matching inbound declaration`);
      if (!caller.wildcardInbound && caller.inbound.includes(key) && !dependsOn(n, caller)) sentences.push(`inbound caller declared by ${label(caller)} but no matching outbound declaration`);
    }
    sentences.sort();
    out.set(key, { status: sentences.length > 0 ? 'False' : 'True', oneSided: sentences });
  }
  return out;
}
