/**
 * Endpoint identities and selectors as the dataplane sees them: Cilium identity labels of a pod
 * (anchors-netpol §1.1 "Subject selection", "Identity-relevant labels filter"), Cilium's source-prefixed
 * selector keys (`k8s:`, `any:`, `reserved:`), and Istio ambient capture (anchors-netpol §1.2 "Ambient
 * enrollment"). Pure functions over plain objects.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { matchesRequirements, selectorRequirements, type LabelSelector, type Requirement } from '../../fake-apiserver/api/label-selector.ts';

/** Cilium-derived label: the pod's namespace (`k8s:io.kubernetes.pod.namespace`). */
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
/** Cilium-derived label: the pod's service account. */
export const SERVICE_ACCOUNT_LABEL = 'io.cilium.k8s.policy.serviceaccount';
/** Cilium-derived label: the cluster name (Cilium's default cluster name is `default`). */
export const CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';
/** Prefix of Cilium-derived namespace labels (`io.cilium.k8s.namespace.labels.<key>`). */
export const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';
/** Istio ambient enrollment label on namespaces and pods. */
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';

/**
 * Cilium's default exclusive label patterns, exactly as the Cilium documentation lists them
 * ("Limiting Identity-Relevant Labels"): regular expressions implicitly anchored at the start of the
 * key. So `beta\.kubernetes\.io` drops `beta.kubernetes.io/arch` but keeps
 * `failure-domain.beta.kubernetes.io/zone`; `kubernetes\.io` drops `kubernetes.io/hostname` but keeps
 * `app.kubernetes.io/name` and `topology.kubernetes.io/zone`; only two `batch.kubernetes.io/` keys are
 * dropped (`batch.kubernetes.io/job-name` stays).
 */
export const DEFAULT_EXCLUDED_LABEL_PATTERNS: readonly string[] = [
  'io\\.kubernetes',
  'kubernetes\\.io',
  'statefulset\\.kubernetes\\.io/pod-name',
  'apps\\.kubernetes\\.io/pod-index',
  'batch\\.kubernetes\\.io/job-completion-index',
  'batch\\.kubernetes\\.io/controller-uid',
  'beta\\.kubernetes\\.io',
  'k8s\\.io',
  'pod-template-generation',
  'pod-template-hash',
  'controller-revision-hash',
  'annotation.*',
  'controller-uid',
  'etcd_node',
];

const EXCLUDED = DEFAULT_EXCLUDED_LABEL_PATTERNS.map((p) => new RegExp(`^(?:${p})`));

/**
 * True when a pod label key takes part in the Cilium security identity under the default
 * identity-relevant-labels filter: no pattern of {@link DEFAULT_EXCLUDED_LABEL_PATTERNS} matches at
 * the start of the key (Cilium documentation, "Limiting Identity-Relevant Labels": "Label patterns are
 * regular expressions that are implicitly anchored at the start of the label").
 */
export function isIdentityRelevant(key: string): boolean {
  return !EXCLUDED.some((re) => re.test(key));
}

/**
 * A Cilium endpoint identity: `labels` maps normalised `source:key` to value. Every k8s-source label
 * appears twice, as `k8s:key` and `any:key`, so that selectors with either prefix (or none) match.
 */
export interface EndpointIdentity {
  labels: Readonly<Record<string, string>>;
}

/**
 * Builds the identity of a pod (anchors-netpol §1.1): filtered pod labels, plus
 * `io.kubernetes.pod.namespace`, `io.cilium.k8s.policy.serviceaccount`, `io.cilium.k8s.policy.cluster`
 * (= `default`) and `io.cilium.k8s.namespace.labels.<k>` for each namespace label, all with source `k8s`.
 * The namespace's `kubernetes.io/metadata.name` label is added when the Namespace object lacks it
 * (the API server sets it on every namespace since Kubernetes 1.21).
 */
export function endpointIdentity(
  podLabels: Readonly<Record<string, string>> | undefined,
  namespace: string,
  serviceAccount: string,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
): EndpointIdentity {
  const labels: Record<string, string> = {};
  const put = (key: string, value: string) => {
    labels[`k8s:${key}`] = value;
    labels[`any:${key}`] = value;
  };
  for (const [k, v] of Object.entries(podLabels ?? {})) if (isIdentityRelevant(k)) put(k, v);
  const nsLabels: Record<string, string> = { 'kubernetes.io/metadata.name': namespace, ...(namespaceLabels ?? {}) };
  for (const [k, v] of Object.entries(nsLabels)) put(`${NAMESPACE_LABELS_PREFIX}${k}`, v);
  put(POD_NAMESPACE_LABEL, namespace);
  put(SERVICE_ACCOUNT_LABEL, serviceAccount);
  put(CLUSTER_LABEL, 'default');
  return { labels };
}

/** Normalises a Cilium selector key: `k8s:app` stays, `app` becomes `any:app` (unprefixed = any source). */
export function normalizeKey(key: string): string {
  return key.includes(':') ? key : `any:${key}`;
}

/** Thrown by {@link compileCiliumSelector} for a selector Cilium would reject (unknown operator). */
export class InvalidSelectorError extends Error {
  /** Stable code of this error. */
  readonly code = 'EVALUATOR_INVALID_SELECTOR';
}

/**
 * Converts a Cilium (k8s-style) label selector to requirements over normalised keys. Throws
 * {@link InvalidSelectorError} when an operator is not In / NotIn / Exists / DoesNotExist.
 */
export function compileCiliumSelector(sel: LabelSelector | undefined | null): Requirement[] {
  const reqs = selectorRequirements(sel ?? {});
  for (const r of reqs) {
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(r.operator)) throw new InvalidSelectorError(`unknown selector operator ${String(r.operator)}`);
  }
  return reqs.map((r) => ({ key: normalizeKey(r.key), operator: r.operator, values: r.values.map(String) }));
}

/** True when a compiled requirement list mentions `key` (unprefixed) with source `k8s` or `any`. */
export function hasKey(reqs: readonly Requirement[], key: string): boolean {
  return reqs.some((r) => r.key === `k8s:${key}` || r.key === `any:${key}`);
}

/** True when a compiled requirement list has a key starting with `prefix` (unprefixed) under source `k8s` or `any`. */
export function hasKeyPrefix(reqs: readonly Requirement[], prefix: string): boolean {
  return reqs.some((r) => r.key.startsWith(`k8s:${prefix}`) || r.key.startsWith(`any:${prefix}`));
}

/** True when a compiled requirement list has any `reserved:` key (entity selector). */
export function hasReservedKey(reqs: readonly Requirement[]): boolean {
  return reqs.some((r) => r.key.startsWith('reserved:'));
}

/** True when the identity satisfies every compiled requirement. */
export function identityMatches(reqs: readonly Requirement[], id: EndpointIdentity): boolean {
  return matchesRequirements(reqs, id.labels);
}

/**
 * Istio ambient capture (anchors-netpol §1.2 "Ambient enrollment"): captured iff the pod or (when the
 * pod has no dataplane-mode label) its namespace is labelled `istio.io/dataplane-mode=ambient`, the pod is
 * not labelled `istio.io/dataplane-mode=none`, and the pod has no `sidecar.istio.io/status` annotation.
 */
export function isCaptured(pod: KubeObject, namespace: KubeObject | undefined): boolean {
  if (pod.metadata.annotations?.['sidecar.istio.io/status'] !== undefined) return false;
  const podMode = pod.metadata.labels?.[DATAPLANE_MODE_LABEL];
  if (podMode !== undefined) return podMode === 'ambient';
  return namespace?.metadata.labels?.[DATAPLANE_MODE_LABEL] === 'ambient';
}

/** One named container port of a pod (`spec.containers[].ports[]`), protocol defaulted to TCP. */
export interface NamedPort {
  name: string;
  port: number;
  protocol: string;
}

/** Lists the container ports of a pod that carry a name (used for named-port resolution). */
export function namedPorts(pod: KubeObject | null | undefined): NamedPort[] {
  const out: NamedPort[] = [];
  for (const c of [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])]) {
    for (const p of c?.ports ?? []) {
      if (typeof p?.name === 'string' && p.name !== '') out.push({ name: p.name, port: Number(p.containerPort), protocol: String(p.protocol ?? 'TCP').toUpperCase() });
    }
  }
  return out;
}
