/**
 * Quota principals (reference crates/lattice-crd/src/crd/quota.rs `QuotaPrincipal`): which workloads a
 * LatticeQuota covers. Pure functions.
 */

/** Namespace label that puts a namespace's workloads in a quota group (reference `QUOTA_GROUP_LABEL`). */
export const QUOTA_GROUP_LABEL = 'lattice.dev/group';
/** Workload annotation naming its owner for quota purposes (reference `QUOTA_OWNER_ANNOTATION`). */
export const QUOTA_OWNER_ANNOTATION = 'lattice.dev/owner';

/** A parsed principal: one workload, a group of namespaces, or a user's annotated workloads. */
export type QuotaPrincipal = { type: 'Service'; namespace: string; name: string } | { type: 'Group'; name: string } | { type: 'User'; email: string };

/** The quoted id of `Lattice::<type>::"<id>"`, or undefined when `principal` is not of that type (reference `extract_cedar_id`). */
function cedarId(principal: string, type: string): string | undefined {
  const prefix = `Lattice::${type}::"`;
  if (!principal.startsWith(prefix)) return undefined;
  const rest = principal.slice(prefix.length);
  return rest.endsWith('"') ? rest.slice(0, -1) : undefined;
}

/**
 * Parses a LatticeQuota `principal` (reference `QuotaPrincipal::parse`): `Lattice::Service::"<ns>/<name>"`
 * (split at the first `/`), `Lattice::Group::"<name>"`, `Lattice::User::"<email>"`.
 * Output: `{principal}` or `{error}` with the reference's message.
 */
export function parseQuotaPrincipal(principal: string): { principal: QuotaPrincipal } | { error: string } {
  const service = cedarId(principal, 'Service');
  if (service !== undefined) {
    const slash = service.indexOf('/');
    if (slash < 0) return { error: `Service principal must be 'namespace/name', got '${service}'` };
    return { principal: { type: 'Service', namespace: service.slice(0, slash), name: service.slice(slash + 1) } };
  }
  const group = cedarId(principal, 'Group');
  if (group !== undefined) return { principal: { type: 'Group', name: group } };
  const user = cedarId(principal, 'User');
  if (user !== undefined) return { principal: { type: 'User', email: user } };
  return { error: `unsupported principal format: '${principal}' (expected Lattice::Service, Lattice::Group, or Lattice::User)` };
}

/**
 * Whether a workload falls under `p` (reference `matches_workload`): Service by namespace and name,
 * Group by its namespace's `lattice.dev/group` label, User by the workload's `lattice.dev/owner` annotation.
 */
export function principalMatches(p: QuotaPrincipal, namespace: string, name: string, namespaceLabels: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>>): boolean {
  switch (p.type) {
    case 'Service':
      return namespace === p.namespace && name === p.name;
    case 'Group':
      return namespaceLabels[QUOTA_GROUP_LABEL] === p.name;
    case 'User':
      return annotations[QUOTA_OWNER_ANNOTATION] === p.email;
  }
}
