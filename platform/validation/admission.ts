/**
 * The reference's validating admission webhook (crates/lattice-webhook, evan-hines-js/lattice
 * 08fbacb0) as a plain function the platform exposes: a `ValidatingWebhookConfiguration` named
 * `lattice-validating-webhook` with one webhook `validate.lattice.dev`, failurePolicy `Fail`,
 * sideEffects None, CREATE and UPDATE of the `lattice.dev` workload kinds (config.rs:108-160). Per
 * request (validators/*.rs): refuse a workload CRD in a system namespace
 * (`workload CRDs cannot be deployed in system namespace '<ns>'`, validators/mod.rs:15-33), then run
 * the kind's spec validation and deny with its first problem. It carries no transport: a simulator
 * registers {@link LATTICE_VALIDATING_WEBHOOK} with its API server, a real cluster would serve it over
 * HTTPS as the reference does.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { LatticeJob, LatticeMeshMember, LatticeService, SecretProvider } from '../crds/types.ts';
import { LATTICE_GROUP } from '../crds/types.ts';
import { latticeJobProblems, latticeMeshMemberProblems, latticeServiceProblems, secretProviderProblems } from './crds.ts';
import { packageProblems } from './package.ts';
import type { LatticePackage } from '../crds/model-types.ts';
import type { ValidationProblem } from './problems.ts';
import { formatProblem } from './problems.ts';

/**
 * Namespaces the reference counts as system namespaces (crates/lattice-core/src/system_namespaces.rs:29-62):
 * core Kubernetes, Cilium, Istio, cert-manager, Cluster API providers, external-dns, Velero, Rook-Ceph.
 * `lattice-system`, `monitoring`, `keda` and `kthena-system` are NOT among them (they have mesh members).
 */
export const SYSTEM_NAMESPACES: readonly string[] = [
  'capa-system',
  'capd-system',
  'capi-basis-system',
  'capi-ipam-in-cluster-system',
  'capi-kubeadm-bootstrap-system',
  'capi-kubeadm-control-plane-system',
  'capi-system',
  'capmox-system',
  'cert-manager',
  'cilium-system',
  'external-dns',
  'istio-system',
  'kube-node-lease',
  'kube-public',
  'kube-system',
  'rke2-bootstrap-system',
  'rke2-control-plane-system',
  'rook-ceph',
  'velero',
];

const SYSTEM = new Set(SYSTEM_NAMESPACES);

/** `is_system_namespace` (system_namespaces.rs:81-83). */
export const isSystemNamespace = (namespace: string): boolean => SYSTEM.has(namespace);

/**
 * The system-namespace rule every workload validator applies first (validators/mod.rs:21-33):
 * one problem at `metadata.namespace` when `namespace` is a system namespace, else none.
 */
export function systemNamespaceProblems(namespace: string | undefined): ValidationProblem[] {
  const ns = namespace ?? '';
  return isSystemNamespace(ns) ? [{ field: 'metadata.namespace', message: `workload CRDs cannot be deployed in system namespace '${ns}'` }] : [];
}

/** Spec validation per kind the webhook's rules cover and the platform serves (LatticeCluster is not served; LatticeModel's rules are the compiler's). */
const SPEC_VALIDATORS: Readonly<Record<string, (obj: KubeObject) => ValidationProblem[]>> = {
  LatticeService: (o) => latticeServiceProblems((o as LatticeService).spec),
  LatticeMeshMember: (o) => latticeMeshMemberProblems((o as LatticeMeshMember).spec),
  SecretProvider: (o) => secretProviderProblems((o as SecretProvider).spec),
  LatticeJob: (o) => latticeJobProblems((o as LatticeJob).spec),
  // The package rules include the system-namespace one (objectProblems applies it first anyway).
  LatticePackage: (o) => packageProblems(o as LatticePackage),
};

/** The kinds the webhook validates (its rules: latticeservices, latticemeshmembers, secretproviders, latticejobs, …). */
export const VALIDATED_KINDS: readonly string[] = Object.keys(SPEC_VALIDATORS);

/**
 * Every problem of one Lattice object as the webhook sees it: the system-namespace rule, and only when
 * that passes, the kind's spec validation (the reference returns the namespace denial alone). `[]` for
 * kinds outside the webhook's rules. Every served version of a kind is validated (LatticeService's
 * v1alpha1 and v1beta1 differ only in fields the spec validation does not read). Never throws.
 */
export function objectProblems(obj: KubeObject): ValidationProblem[] {
  if (typeof obj.apiVersion !== 'string' || !obj.apiVersion.startsWith(`${LATTICE_GROUP}/`)) return [];
  const validate = SPEC_VALIDATORS[obj.kind];
  if (!validate) return [];
  const ns = systemNamespaceProblems(obj.metadata?.namespace);
  return ns.length > 0 ? ns : validate(obj);
}

/** What an API server hands a validating webhook (AdmissionReview request, reduced). */
export interface LatticeAdmissionRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  object?: KubeObject;
  oldObject?: KubeObject;
}

/** The webhook's answer: allowed, or denied with the reference's message and every problem as a cause. */
export type LatticeAdmissionResponse = { allowed: true } | { allowed: false; message: string; causes: { field: string; message: string; reason: string }[] };

/**
 * Answers one admission request (handler.rs + validators/*.rs): CREATE and UPDATE of a validated kind
 * are denied with the first problem (`<field>: <reference message>`) when there is any; everything else
 * is allowed. Never throws.
 */
export function admitLatticeObject(request: LatticeAdmissionRequest): LatticeAdmissionResponse {
  if ((request.operation !== 'CREATE' && request.operation !== 'UPDATE') || !request.object) return { allowed: true };
  const problems = objectProblems(request.object);
  if (problems.length === 0) return { allowed: true };
  return { allowed: false, message: formatProblem(problems[0]), causes: problems.map((p) => ({ field: p.field, message: p.message, reason: 'FieldValueInvalid' })) };
}

/** What the webhook's rules look at in a request (group, kind, operation). */
export interface LatticeAdmissionTarget {
  group: string;
  kind: string;
  operation: string;
}

/**
 * The webhook as data (config.rs:108-160): name, failure policy, the (group, kinds, operations) its
 * rules match, `matches` deciding that for a request, and `admit` answering it. Its shape is what an
 * in-process API server extension takes (`{name, matches, admit}`), so a simulator registers it as is.
 */
export const LATTICE_VALIDATING_WEBHOOK = {
  name: 'validate.lattice.dev',
  failurePolicy: 'Fail',
  group: LATTICE_GROUP,
  kinds: VALIDATED_KINDS,
  operations: ['CREATE', 'UPDATE'],
  matches: (r: LatticeAdmissionTarget): boolean => r.group === 'lattice.dev' && VALIDATED_KINDS.includes(r.kind) && (r.operation === 'CREATE' || r.operation === 'UPDATE'),
  admit: admitLatticeObject,
} as const;
