/**
 * SecretProvider controller (reference §1.7): copies `spec.provider` into a cluster-scoped ESO
 * ClusterSecretStore of the same name (labels managed-by lattice, `lattice.dev/secrets-provider`),
 * keeps ESO's egress to the store's external endpoints open under default-deny (LatticeMeshMember
 * `egress-sp-<name>` in `external-secrets`, {@link storeEgressMember}), then reports Ready once the
 * store has condition Ready=True, else Pending (requeue 10 s).
 */
import type { KubeClient, KubeObject } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound } from '../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../runtime/index.ts';
import { done, requeueAfter } from '../runtime/index.ts';
import { LABEL_MANAGED_BY, LABEL_NAME, LatticeMeshMemberType, MANAGED_BY_LATTICE, SecretProviderType } from '../crds/types.ts';
import type { LatticeMeshMember, SecretProvider } from '../crds/types.ts';
import { egressTarget, parseEndpoint, type Endpoint } from '../compiler/index.ts';
import { formatProblem, secretProviderProblems } from '../validation/index.ts';
import { deleteIfExists } from './apply.ts';

const FIELD_MANAGER = 'lattice-secret-provider-controller';

/** Namespace ESO runs in; its pods carry `app.kubernetes.io/name: external-secrets` and run as SA `external-secrets`. */
export const ESO_NAMESPACE = 'external-secrets';

/** The URL field each provider type names its store by (reference `SecretProviderSpec::external_endpoints`); other types have none. */
const STORE_URL_FIELD: Record<string, string | undefined> = { vault: 'server', webhook: 'url', barbican: 'url' };

/** A host resolving inside the cluster (`*.svc`, `*.svc.cluster.local`; reference `ParsedEndpoint::is_cluster_local`): no external egress needed. */
function isClusterLocal(host: string): boolean {
  return host.endsWith('.svc') || host.endsWith('.svc.cluster.local');
}

/**
 * The endpoints of a SecretProvider's store that lie outside the cluster (reference
 * crates/lattice-crd/src/crd/secrets_provider.rs `external_endpoints`): `vault.server`, `webhook.url`
 * and `barbican.url`, parsed as endpoint URLs ({@link parseEndpoint}: `https` default port 443,
 * `http` 80), without unparseable ones and cluster-local hosts. Other provider types (aws, gcpsm, …)
 * name no endpoint. Never throws.
 */
export function externalStoreEndpoints(provider: Record<string, unknown> | undefined): Endpoint[] {
  const out: Endpoint[] = [];
  for (const [type, config] of Object.entries(provider ?? {})) {
    const field = STORE_URL_FIELD[type];
    const url = field !== undefined && typeof config === 'object' && config !== null ? (config as Record<string, unknown>)[field] : undefined;
    const ep = typeof url === 'string' ? parseEndpoint(url) : undefined;
    if (ep && !isClusterLocal(ep.host)) out.push(ep);
  }
  return out;
}

/** Name of the egress member of SecretProvider `name`: `egress-sp-<name>`. */
export const storeEgressMemberName = (name: string): string => `egress-sp-${name}`;

/**
 * The egress-only LatticeMeshMember that lets ESO reach SecretProvider `name`'s external store under
 * default-deny (reference crates/lattice-secret-provider/src/controller.rs `ensure_external_egress_lmm`):
 * `egress-sp-<name>` in `external-secrets`, labels `app.kubernetes.io/managed-by:
 * secret-provider-controller` and `lattice.dev/secrets-provider: <name>`, selecting
 * `app.kubernetes.io/name: external-secrets` with service account `external-secrets`, no ports,
 * callers or dependencies, ambient, and one TCP egress rule per {@link externalStoreEndpoints} entry
 * (target {@link egressTarget} of the host, that endpoint's port). Undefined when there is no external
 * endpoint (the controller then deletes the member).
 */
export function storeEgressMember(name: string, provider: Record<string, unknown> | undefined): LatticeMeshMember | undefined {
  const endpoints = externalStoreEndpoints(provider);
  if (endpoints.length === 0) return undefined;
  return {
    ...LatticeMeshMemberType,
    metadata: { name: storeEgressMemberName(name), namespace: ESO_NAMESPACE, labels: { [LABEL_MANAGED_BY]: 'secret-provider-controller', 'lattice.dev/secrets-provider': name } },
    spec: {
      target: { selector: { [LABEL_NAME]: 'external-secrets' } },
      ports: [],
      allowedCallers: [],
      dependencies: [],
      egress: endpoints.map((ep) => ({ target: egressTarget(ep.host), ports: [ep.port], protocol: 'TCP' as const })),
      allowPeerTraffic: false,
      dependsAll: false,
      serviceAccount: 'external-secrets',
      ambient: true,
    },
  };
}

const ClusterSecretStoreType = { apiVersion: 'external-secrets.io/v1', kind: 'ClusterSecretStore' };

/** The SecretProvider controller as a runner definition. */
export function secretProviderController(client: KubeClient): ControllerDefinition {
  return {
    name: FIELD_MANAGER,
    primary: SecretProviderType,
    generationChangedOnly: true,
    watches: [{ type: ClusterSecretStoreType, map: () => [] }],
    reconciler: {
      async reconcile(key) {
        const sp = (await client.get<SecretProvider>(SecretProviderType, key).catch(ignoreNotFound)) as SecretProvider | undefined;
        if (!sp) return done();
        // Spec validation on every run (reference crates/lattice-secret-provider/src/controller.rs:220-234):
        // Failed with the problem, no ClusterSecretStore written, requeue 60 s (REQUEUE_ERROR_SECS).
        const invalid = secretProviderProblems(sp.spec);
        if (invalid.length > 0) {
          const message = formatProblem(invalid[0]);
          if (sp.status?.phase !== 'Failed' || sp.status?.message !== message) {
            await client.patchStatus(SecretProviderType, key, 'merge', { status: { phase: 'Failed', message, providerType: null, observedGeneration: sp.metadata.generation } }).catch(ignoreNotFound);
          }
          return requeueAfter(60_000);
        }
        const providerType = Object.keys(sp.spec.provider ?? {})[0] ?? '';
        const css: KubeObject = await client.apply<KubeObject>(
          {
            apiVersion: ClusterSecretStoreType.apiVersion,
            kind: ClusterSecretStoreType.kind,
            metadata: { name: sp.metadata.name, labels: { [LABEL_MANAGED_BY]: MANAGED_BY_LATTICE, 'lattice.dev/secrets-provider': sp.metadata.name } },
            spec: { provider: sp.spec.provider },
          },
          { fieldManager: FIELD_MANAGER, force: true },
        );
        // ESO's egress to the store (reference controller.rs:252-255, after the store is applied): the
        // member is applied, or deleted when the store has no external endpoint. Neither an ownerReference
        // (it lives in another namespace) nor a finalizer: deleting the SecretProvider leaves it, as in
        // the reference.
        const egress = storeEgressMember(sp.metadata.name, sp.spec.provider);
        if (egress) await client.apply(egress, { fieldManager: FIELD_MANAGER, force: true });
        else await deleteIfExists(client, LatticeMeshMemberType, ESO_NAMESPACE, storeEgressMemberName(sp.metadata.name));
        const ready = (css.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
        const status = ready
          ? { phase: 'Ready', message: 'ClusterSecretStore is ready', providerType, observedGeneration: sp.metadata.generation }
          : { phase: 'Pending', message: 'Waiting for ESO to validate ClusterSecretStore', providerType, observedGeneration: sp.metadata.generation };
        if (sp.status?.phase !== status.phase || sp.status?.message !== status.message) {
          await client.patchStatus(SecretProviderType, key, 'merge', { status }).catch(ignoreNotFound);
        }
        return ready ? done() : requeueAfter(10_000);
      },
    },
  };
}
