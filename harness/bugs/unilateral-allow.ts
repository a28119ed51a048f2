/**
 * `unilateral-allow` (area: mesh-graph): the platform forms an edge from the caller's declaration
 * alone — a callee that never declared the caller inbound still gets an allow policy for it, and the
 * caller gets DNS / egress to the callee. The bilateral-agreement rule (reference §4.2) is broken;
 * the oracle, which reads the real declarations, expects those one-sided edges to be denied.
 *
 * Applied from outside: a read interceptor on the platform's KubeClient. Whenever the platform gets
 * or lists LatticeMeshMembers, each member appears to list, in `spec.allowedCallers`, every member
 * that depends on it (`spec.dependencies`) and every member with `spec.dependsAll` — exactly the
 * callers a one-sided graph would admit. LatticeServices reach the mesh only through the
 * LatticeMeshMembers the platform compiles from them, so both are covered. Stored objects, and what
 * the verifier and the oracle read, are untouched.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { LatticeMeshMemberType } from '../../platform/index.ts';
import type { LatticeMeshMember, ServiceRef } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { copyObject, rewriteReads } from './internal/rewrite.ts';

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

/**
 * The members as the buggy platform sees them: each member's `allowedCallers` gains every member
 * (as `{name, namespace}`) that lists it in `dependencies` or has `dependsAll`, unless it already
 * allows that caller by name or by `*`. Members that gain nothing are returned as given (same
 * reference); the others are copies. Order is kept. Members without a namespace are left alone.
 */
export function assumeInbound(members: readonly KubeObject[]): KubeObject[] {
  const lmms = members as readonly LatticeMeshMember[];
  const present = new Set(lmms.filter((m) => m.metadata.namespace).map((m) => keyOf(m.metadata.namespace!, m.metadata.name)));
  const gained = new Map<string, ServiceRef[]>();
  const grant = (callee: string, caller: LatticeMeshMember) => {
    const list = gained.get(callee) ?? [];
    if (!list.some((r) => r.name === caller.metadata.name && r.namespace === caller.metadata.namespace)) list.push({ name: caller.metadata.name, namespace: caller.metadata.namespace });
    gained.set(callee, list);
  };
  for (const caller of lmms) {
    const ns = caller.metadata.namespace;
    if (!ns) continue;
    const self = keyOf(ns, caller.metadata.name);
    for (const d of caller.spec.dependencies ?? []) grant(keyOf(d.namespace || ns, d.name), caller);
    if (caller.spec.dependsAll) for (const callee of present) if (callee !== self) grant(callee, caller);
  }
  return lmms.map((m) => {
    const ns = m.metadata.namespace;
    const extra = ns ? gained.get(keyOf(ns, m.metadata.name)) : undefined;
    if (!extra) return m;
    const current = m.spec.allowedCallers ?? [];
    if (current.some((c) => c.name === '*')) return m;
    const allows = (r: ServiceRef) => current.some((c) => c.name === r.name && (c.namespace || ns) === r.namespace);
    const missing = extra.filter((r) => !allows(r));
    if (missing.length === 0) return m;
    const copy = copyObject(m);
    copy.spec.allowedCallers = [...current, ...missing];
    return copy;
  });
}

/** The `unilateral-allow` catalogue entry. */
export const unilateralAllow: BugDefinition<'unilateral-allow'> = {
  name: 'unilateral-allow',
  description: 'an edge is allowed when only the caller declares it outbound: the callee gets an allow policy for a caller it never declared inbound',
  area: 'mesh-graph',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteReads(seams.platformClient, LatticeMeshMemberType, assumeInbound),
  }),
};
