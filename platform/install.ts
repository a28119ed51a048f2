/**
 * Installs the platform into a cluster reached through a KubeClient: the Lattice CRDs, the
 * `lattice-system` and `istio-system` namespaces, and the cluster-wide default-deny objects of
 * Cilium and Istio (reference §4.8). Idempotent (server-side apply). The Cilium / Istio CRDs must
 * already exist (installed by those components, or by the simulator's stubs).
 */
import type { KubeClient, KubeObject } from '../fake-apiserver/api/index.ts';
import { loadPlatformCrds } from './crds/index.ts';
import { clusterDefaultPolicies, ISTIO_ROOT_NAMESPACE } from './mesh/index.ts';
import { LATTICE_SYSTEM_NAMESPACE } from './crds/types.ts';
import { LATTICE_VALIDATING_WEBHOOK } from './validation/index.ts';

const MANAGER = 'lattice-operator';

/** The objects `installPlatform` applies, in order. */
export function platformManifests(): KubeObject[] {
  const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return [...loadPlatformCrds(), ns(LATTICE_SYSTEM_NAMESPACE), ns(ISTIO_ROOT_NAMESPACE), ...clusterDefaultPolicies()];
}

/**
 * The platform's validating admission webhook (reference crates/lattice-webhook: `validate.lattice.dev`,
 * failurePolicy Fail, CREATE / UPDATE of the Lattice workload kinds): `{name, matches(request),
 * admit(request)}`, a plain function over the AdmissionReview request. A real cluster serves it over
 * HTTPS behind a ValidatingWebhookConfiguration; a simulator registers it with its API server.
 */
export const platformValidatingWebhook = LATTICE_VALIDATING_WEBHOOK;

/** Applies {@link platformManifests}. Rejects with the API server's StatusError on failure. */
export async function installPlatform(client: KubeClient): Promise<void> {
  for (const obj of platformManifests()) await client.apply(obj, { fieldManager: MANAGER, force: true });
}
