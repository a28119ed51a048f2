/**
 * Who a request is made as (k8s.io/apiserver `user.Info`): name, uid, groups, extra. The well-known
 * names of k8s.io/apiserver pkg/authentication/user and serviceaccount.
 */

/** An authenticated identity, as `userInfo` appears in reviews and AdmissionReview requests. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** The group that bypasses authorization (kube-apiserver's privileged group). */
export const SYSTEM_MASTERS = 'system:masters';
/** Every authenticated user is in it. */
export const SYSTEM_AUTHENTICATED = 'system:authenticated';
/** Every unauthenticated request is in it. */
export const SYSTEM_UNAUTHENTICATED = 'system:unauthenticated';
/** Every service account is in it (and in `system:serviceaccounts:<namespace>`). */
export const SYSTEM_SERVICEACCOUNTS = 'system:serviceaccounts';

/**
 * The cluster administrator: the kubeconfig's default user of `lattice-sim serve` and the identity of
 * every in-process call (the World's platform and stubs), as a kubeadm admin certificate would be.
 */
export const ADMIN_USER: Readonly<UserInfo> = Object.freeze({ username: 'system:admin', groups: Object.freeze([SYSTEM_MASTERS, SYSTEM_AUTHENTICATED]) as string[] });

const SA_PREFIX = 'system:serviceaccount:';

/** `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`;
}

/** Namespace and name of a service-account username, or undefined for any other name. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const parts = username.slice(SA_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/** The groups every service account is in: `system:serviceaccounts`, `system:serviceaccounts:<namespace>`. */
export function serviceAccountGroups(namespace: string): string[] {
  return [SYSTEM_SERVICEACCOUNTS, `${SYSTEM_SERVICEACCOUNTS}:${namespace}`];
}

/** Whether the user is in `system:masters` (authorization and RBAC escalation checks are skipped). */
export function isPrivileged(user: UserInfo): boolean {
  return user.groups.includes(SYSTEM_MASTERS);
}
