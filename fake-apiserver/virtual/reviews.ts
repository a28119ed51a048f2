/**
 * Access and identity reviews: the create-only kinds kube-apiserver answers without storing
 * anything (Kubernetes API reference: authorization.k8s.io/v1 SelfSubjectAccessReview,
 * SelfSubjectRulesReview, SubjectAccessReview, LocalSubjectAccessReview; authentication.k8s.io/v1
 * SelfSubjectReview, TokenReview). This server authenticates nobody and authorizes everything, as a
 * cluster whose only user is a cluster administrator would (`kubectl auth can-i … ` says yes,
 * `kubectl auth whoami` names that user). Pure: input the request body, output the review with its
 * status filled in.
 */
import { invalid } from '../api/index.ts';
import type { KubeObject } from '../api/index.ts';
import { ADMISSION_USER } from '../admission/index.ts';

/** The one identity this server serves every request as: the user admission webhooks are told about too. */
export const SERVED_USER = ADMISSION_USER;

/** A create-only review kind: where it is served and how it is answered. */
export interface ReviewKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Fills in `status` (the spec already checked), or throws a 422 naming the field. */
  answer: (review: KubeObject) => Record<string, unknown>;
}

type Spec = { resourceAttributes?: unknown; nonResourceAttributes?: unknown; user?: string; groups?: string[]; token?: string };

/** SubjectAccessReviewSpec rule: exactly one of resourceAttributes and nonResourceAttributes (upstream validation wording). */
function checkAttributes(review: KubeObject): void {
  const spec = (review.spec ?? {}) as Spec;
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

const allowed = (review: KubeObject) => {
  checkAttributes(review);
  return { allowed: true, reason: `lattice-sim authorizes every request (user ${SERVED_USER.username})` };
};

const userInfo = () => ({ username: SERVED_USER.username, groups: [...SERVED_USER.groups] });

/** The review kinds served, by group. */
export const REVIEW_KINDS: readonly ReviewKind[] = [
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', namespaced: false, answer: allowed },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', namespaced: false, answer: allowed },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'LocalSubjectAccessReview', plural: 'localsubjectaccessreviews', namespaced: true, answer: allowed },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    kind: 'SelfSubjectRulesReview',
    plural: 'selfsubjectrulesreviews',
    namespaced: false,
    answer: () => ({
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    }),
  },
  { group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', namespaced: false, answer: () => ({ userInfo: userInfo() }) },
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    kind: 'TokenReview',
    plural: 'tokenreviews',
    namespaced: false,
    // Any token is the served user's; audiences are echoed back as upstream does when none are configured.
    answer: (review) => ({ authenticated: true, user: userInfo(), audiences: ((review.spec ?? {}) as { audiences?: string[] }).audiences ?? [] }),
  },
];

/**
 * Answers a review: the body with `metadata.creationTimestamp: null` (as upstream returns it) and
 * the status filled in. Throws the kind's 422 when the spec is invalid.
 */
export function answerReview(kind: ReviewKind, body: KubeObject): KubeObject {
  return { ...body, metadata: { ...(body.metadata ?? {}), creationTimestamp: null as unknown as string }, status: kind.answer(body) };
}
