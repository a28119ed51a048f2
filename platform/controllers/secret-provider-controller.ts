/**
 * SecretProvider controller (reference §1.7): copies `spec.provider` into a cluster-scoped ESO
 * ClusterSecretStore of the same name (labels managed-by lattice, `lattice.dev/secrets-provider`),
 * then reports Ready once the store has condition Ready=True, else Pending (requeue 10 s).
 */
import type { KubeClient, KubeObject } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound } from '../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../runtime/index.ts';
import { done, requeueAfter } from '../runtime/index.ts';
import { LABEL_MANAGED_BY, MANAGED_BY_LATTICE, SecretProviderType } from '../crds/types.ts';
import type { SecretProvider } from '../crds/types.ts';
import { formatProblem, secretProviderProblems } from '../validation/index.ts';

const ClusterSecretStoreType = { apiVersion: 'external-secrets.io/v1', kind: 'ClusterSecretStore' };

/** The SecretProvider controller as a runner definition. */
export function secretProviderController(client: KubeClient): ControllerDefinition {
  return {
    name: 'lattice-secret-provider-controller',
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
          { fieldManager: 'lattice-secret-provider-controller', force: true },
        );
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
