/**
 * Wire shapes of dynamic admission (Kubernetes API reference: admissionregistration.k8s.io/v1
 * ValidatingWebhookConfiguration / MutatingWebhookConfiguration, admission.k8s.io/v1 AdmissionReview).
 * Only the fields this server reads are typed; everything is JSON as the API server stores it.
 */
import type { KubeObject, LabelSelector, StatusCause } from '../api/index.ts';

/** Where a webhook is reached: a URL (a real socket) or a Service (resolved in process, see `WebhookServices`). */
export interface WebhookClientConfig {
  /** `https://host:port/path` (or `http://` here; upstream requires https). */
  url?: string;
  service?: { namespace: string; name: string; path?: string; /** default 443 */ port?: number };
  /** Base64 PEM bundle trusted for the webhook's serving certificate; default: the system roots. */
  caBundle?: string;
}

/** One rule of a webhook (`RuleWithOperations`). `*` matches every resource (no subresources); `resources` may also name `res/sub`, `res/<star>` or `<star>/sub`, with `<star>` written `*`. */
export interface WebhookRule {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  /** `Cluster`, `Namespaced` or `*` (default). */
  scope?: string;
}

/** One webhook of a configuration (the fields both kinds share, plus `reinvocationPolicy` for mutating ones). */
export interface WebhookSpec {
  name: string;
  clientConfig: WebhookClientConfig;
  rules?: WebhookRule[];
  /** `Fail` (default) or `Ignore`: what a failed call (unreachable, timeout, bad response) does. */
  failurePolicy?: 'Fail' | 'Ignore';
  /** `Equivalent` (default): a request at another version of the same resource is sent converted. `Exact`: only the listed versions. */
  matchPolicy?: 'Exact' | 'Equivalent';
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  /** Required: `None` or `NoneOnDryRun` may be called on dry-run requests. */
  sideEffects?: string;
  /** @unit seconds, 1–30, default 10. */
  timeoutSeconds?: number;
  admissionReviewVersions?: string[];
  /** Mutating only: `Never` (default) or `IfNeeded`. */
  reinvocationPolicy?: 'Never' | 'IfNeeded';
  /** CEL; not evaluated here (README "Not modelled"). */
  matchConditions?: unknown[];
}

/** `{group, version, kind}` as AdmissionReview carries it. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** `{group, version, resource}` as AdmissionReview carries it. */
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** Admission operations. */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** The AdmissionReview v1 `request`. */
export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind: GroupVersionKind;
  requestResource: GroupVersionResource;
  requestSubResource?: string;
  name: string;
  namespace?: string;
  operation: AdmissionOperation;
  userInfo: { username: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  object: KubeObject | null;
  oldObject: KubeObject | null;
  dryRun: boolean;
  /** CreateOptions / UpdateOptions / DeleteOptions (meta.k8s.io/v1). */
  options: Record<string, unknown> | null;
}

/** The AdmissionReview v1 `response`. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code?: number; message?: string; reason?: string; details?: { causes?: StatusCause[] } & Record<string, unknown> };
  /** Base64 of a JSON patch (RFC 6902); mutating webhooks only. */
  patch?: string;
  patchType?: 'JSONPatch';
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

/** `{apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request | response}`. */
export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

/** The `admissionregistration.k8s.io/v1` kinds. */
export const VALIDATING_CONFIGURATION = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration' } as const;
export const MUTATING_CONFIGURATION = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration' } as const;
