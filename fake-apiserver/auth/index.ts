/**
 * Authentication and authorization of the HTTP front: users and groups (user.ts), service-account
 * tokens (tokens.ts), RBAC (rbac.ts), escalation prevention (escalation.ts), the bootstrap policy and
 * the clusterrole aggregation controller (bootstrap.ts), and the per-request gate (http.ts).
 * In-process calls are never authorized: they are the cluster administrator.
 */
export { ADMIN_USER, SYSTEM_AUTHENTICATED, SYSTEM_MASTERS, SYSTEM_SERVICEACCOUNTS, SYSTEM_UNAUTHENTICATED, isPrivileged, parseServiceAccountUsername, serviceAccountGroups, serviceAccountUsername } from './user.ts';
export type { UserInfo } from './user.ts';
export { SERVICE_ACCOUNT_ISSUER, authenticateServiceAccountToken, signServiceAccountToken } from './tokens.ts';
export type { KubernetesClaim, ServiceAccountClaims } from './tokens.ts';
export { appliesTo, authorize, forbiddenMessage, nonResourceURLMatches, resourceMatches, roleReferenceRules, ruleAllows, rulesFor, verbMatches, visitRulesFor } from './rbac.ts';
export type { Attributes, Decision, PolicyRule, RoleRef, Subject } from './rbac.ts';
export { breakdownRule, checkEscalation, compactRules, compactString, confirmNoEscalation, missingRules, ruleCovers } from './escalation.ts';
export { aggregatedRules, bootstrapClusterRoleBindings, bootstrapClusterRoles, installBootstrapPolicy, reconcileAggregation } from './bootstrap.ts';
export { authenticate, forbidden, gate, impersonate, requestAttributes } from './http.ts';
export type { GateResult, HttpAuthOptions, RawAuthRequest } from './http.ts';
