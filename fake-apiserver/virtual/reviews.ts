/**
 * Access and identity reviews: the create-only kinds kube-apiserver answers without storing
 * anything (Kubernetes API reference: authorization.k8s.io/v1 SelfSubjectAccessReview,
 * SelfSubjectRulesReview, SubjectAccessReview, LocalSubjectAccessReview; authentication.k8s.io/v1
 * SelfSubjectReview, TokenReview), answered by the server's authorizer (RBAC, `system:masters`
 * always allowed: auth/rbac.ts) for the request's user (`kubectl auth can-i [--as …] [--list]`,
 * `kubectl auth whoami`) and by its service-account token authenticator (TokenReview).
 * Input the request body and the request's context, output the review with its status filled in.
 */
import { invalid } from '../api/index.ts';
import type { KubeObject } from '../api/index.ts';
import type { ApiServer } from '../apiserver.ts';
import { ADMIN_USER, SERVICE_ACCOUNT_ISSUER, authenticateServiceAccountToken, authorize, isPrivileged, rulesFor } from '../auth/index.ts';
import type { Attributes, PolicyRule, UserInfo } from '../auth/index.ts';

/** The identity of a request nobody authenticated (every in-process call): the cluster administrator. */
export const SERVED_USER = ADMIN_USER;

/** What a review is answered with: the server, who asks, and when. */
export interface ReviewContext {
  api: ApiServer;
  /** The request's user (after impersonation). */
  user: UserInfo;
  /** The server's clock (token expiry). @unit ms since the epoch */
  nowMs: number;
}

/** A create-only review kind: where it is served and how it is answered. */
export interface ReviewKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Fills in `status` (the spec already checked), or throws a 422 naming the field. */
  answer: (review: KubeObject, ctx: ReviewContext) => Record<string, unknown>;
}

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}
type Spec = {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
  token?: string;
  audiences?: string[];
  namespace?: string;
};

const specOf = (review: KubeObject): Spec => (review.spec ?? {}) as Spec;

/** SubjectAccessReviewSpec rule: exactly one of resourceAttributes and nonResourceAttributes (upstream validation wording). */
function checkAttributes(review: KubeObject): void {
  const spec = specOf(review);
  const both = spec.resourceAttributes !== undefined && spec.nonResourceAttributes !== undefined;
  const none = spec.resourceAttributes === undefined && spec.nonResourceAttributes === undefined;
  if (both)
    throw invalid(review.kind, 'authorization.k8s.io', review.metadata?.name ?? '', [
      { reason: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', message: `Invalid value: ${JSON.stringify(spec.nonResourceAttributes)}: cannot be specified in combination with resourceAttributes` },
    ]);
  if (none)
    throw invalid(review.kind, 'authorization.k8s.io', review.metadata?.name ?? '', [
      { reason: 'FieldValueRequired', field: 'spec.resourceAttributes', message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified' },
    ]);
}

/** The authorizer attributes a review asks about for `user`. */
function reviewAttributes(spec: Spec, user: UserInfo): Attributes {
  const n = spec.nonResourceAttributes;
  if (n) return { user, verb: n.verb ?? '', resourceRequest: false, path: n.path ?? '' };
  const r = spec.resourceAttributes ?? {};
  return {
    user,
    verb: r.verb ?? '',
    resourceRequest: true,
    apiGroup: r.group ?? '',
    ...(r.version ? { apiVersion: r.version } : {}),
    resource: r.resource ?? '',
    ...(r.subresource ? { subresource: r.subresource } : {}),
    ...(r.namespace ? { namespace: r.namespace } : {}),
    ...(r.name ? { name: r.name } : {}),
  };
}

/** SubjectAccessReviewStatus: `allowed`, and `reason` when the authorizer gave one (`denied` is never set: RBAC has no deny). */
function accessStatus(api: ApiServer, a: Attributes): Record<string, unknown> {
  const d = authorize(api, a);
  return { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) };
}

const selfAccess = (review: KubeObject, ctx: ReviewContext) => {
  checkAttributes(review);
  return accessStatus(ctx.api, reviewAttributes(specOf(review), ctx.user));
};

/** The user a SubjectAccessReview names; 422 when it names neither user nor groups. */
function subjectOf(review: KubeObject): UserInfo {
  const spec = specOf(review);
  if (!spec.user && !spec.groups?.length)
    throw invalid(review.kind, 'authorization.k8s.io', review.metadata?.name ?? '', [{ reason: 'FieldValueInvalid', field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' }]);
  return { username: spec.user ?? '', groups: [...(spec.groups ?? [])], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
}

const subjectAccess = (review: KubeObject, ctx: ReviewContext) => {
  checkAttributes(review);
  return accessStatus(ctx.api, reviewAttributes(specOf(review), subjectOf(review)));
};

const localSubjectAccess = (review: KubeObject, ctx: ReviewContext) => {
  checkAttributes(review);
  const spec = specOf(review);
  const ns = review.metadata?.namespace ?? '';
  const r = spec.resourceAttributes;
  if (r && r.namespace && r.namespace !== ns)
    throw invalid(review.kind, 'authorization.k8s.io', review.metadata?.name ?? '', [{ reason: 'FieldValueInvalid', field: 'spec.resourceAttributes.namespace', message: `Invalid value: ${JSON.stringify(r.namespace)}: must match metadata.namespace` }]);
  const withNs = r ? { ...spec, resourceAttributes: { ...r, namespace: ns } } : spec;
  return accessStatus(ctx.api, reviewAttributes(withNs, subjectOf(review)));
};

const SUPERUSER_RULES: PolicyRule[] = [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }];

/** SelfSubjectRulesReview: the rules the user holds in `spec.namespace`, resource and non-resource apart. */
const selfRules = (review: KubeObject, ctx: ReviewContext) => {
  const { rules, errors } = rulesFor(ctx.api, ctx.user, specOf(review).namespace ?? '');
  const all = isPrivileged(ctx.user) && !rules.some((r) => r.verbs.includes('*') && r.resources?.includes('*')) ? [...SUPERUSER_RULES, ...rules] : rules;
  const resourceRules = all.filter((r) => !r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, ...(r.apiGroups ? { apiGroups: r.apiGroups } : {}), ...(r.resources ? { resources: r.resources } : {}), ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) }));
  const nonResourceRules = all.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
  return { resourceRules, nonResourceRules, incomplete: errors.length > 0, ...(errors.length ? { evaluationError: errors.join(', ') } : {}) };
};

/** `userInfo` as the authentication API spells it (uid and extra only when set). */
function userInfo(u: UserInfo): Record<string, unknown> {
  return { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: [...u.groups], ...(u.extra ? { extra: u.extra } : {}) };
}

/** TokenReview: the token authenticated against `spec.audiences` (default the API server's); an unknown token is `{user: {}}`. */
const tokenReview = (review: KubeObject, ctx: ReviewContext) => {
  const spec = specOf(review);
  const audiences = spec.audiences?.length ? spec.audiences : [SERVICE_ACCOUNT_ISSUER];
  const user = authenticateServiceAccountToken(ctx.api, spec.token ?? '', ctx.nowMs, audiences);
  if (!user) return { user: {}, error: 'invalid bearer token' };
  return { authenticated: true, user: userInfo(user), audiences };
};

/** The review kinds served, by group. */
export const REVIEW_KINDS: readonly ReviewKind[] = [
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', namespaced: false, answer: selfAccess },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', namespaced: false, answer: subjectAccess },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'LocalSubjectAccessReview', plural: 'localsubjectaccessreviews', namespaced: true, answer: localSubjectAccess },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', namespaced: false, answer: selfRules },
  { group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', namespaced: false, answer: (_review, ctx) => ({ userInfo: userInfo(ctx.user) }) },
  { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview', plural: 'tokenreviews', namespaced: false, answer: tokenReview },
];

/**
 * Answers a review: the body with `metadata.creationTimestamp: null` (as upstream returns it) and
 * the status filled in. Throws the kind's 422 when the spec is invalid.
 */
export function answerReview(kind: ReviewKind, body: KubeObject, ctx: ReviewContext): KubeObject {
  return { ...body, metadata: { ...(body.metadata ?? {}), creationTimestamp: null as unknown as string }, status: kind.answer(body, ctx) };
}
