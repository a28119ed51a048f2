/**
 * External Secrets Operator stub (external-secrets.io/v1). For each ExternalSecret, after the
 * profile's `externalSecrets.sync` delay, writes the target Secret (name `spec.target.name`, owned by
 * the ExternalSecret, type from `target.template.type` or Opaque) with:
 * `data[]` entries (secretKey ← remoteRef key/property), `dataFrom[].extract` (every property of the
 * remote key), and `target.template.data` rendered with the Go-template refs `{{ .name }}` replaced;
 * then sets status condition Ready=True / SecretSynced and requeues after `refreshInterval` (default 1h).
 * The store is `spec.secretStoreRef.name`; a store defined by no ClusterSecretStore object gets a
 * simulated backend anyway and is recorded in `backends.undefinedStores` so the report says so.
 * ClusterSecretStores themselves are marked Ready (provider validated). The sync delay of each
 * ExternalSecret comes from its own stream `eso/sync/<ns>/<externalsecret>`.
 */
import type { Clock, InformerCache, KubeClient } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound, isNotFound, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import type { StreamSource } from '../../rng/index.ts';
import type { Delay } from '../../profile.ts';
import { StubTypes } from '../third-party-crds.ts';
import { DelayGate } from '../delay-gate.ts';
import { controllerRef } from '../owners.ts';
import { SimulatedSecretBackends } from './secret-backend.ts';

const MANAGER = 'external-secrets';

/** `1h`, `30m`, `1h30m`, `45s` → ms; undefined or unparsable → 1 h. */
export function parseRefreshInterval(text: string | undefined): number {
  if (!text) return 3_600_000;
  const m = text.match(/^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/);
  if (!m || text === '') return 3_600_000;
  const ms = ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
  return ms > 0 ? ms : 3_600_000;
}

/** Renders ESO v2 template text: `{{ .name }}` → the value of `name`. */
export function renderTemplate(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}/g, (_, k: string) => values[k] ?? '');
}

/** The ExternalSecret reconciler and the ClusterSecretStore readiness stub. */
export function externalSecretsControllers(
  client: KubeClient,
  clock: Clock,
  rng: StreamSource,
  sync: Delay,
  backends: SimulatedSecretBackends,
  /** Reads come from the World's informer cache; writes go to `client`. */
  cache: InformerCache,
): ControllerDefinition[] {
  const gate = new DelayGate(clock, rng, 'eso/sync', sync);
  const externalSecrets: ControllerDefinition = {
    name: 'external-secrets',
    primary: StubTypes.ExternalSecret,
    generationChangedOnly: true,
    reconciler: {
      async reconcile(key) {
        const es = await cache.get(StubTypes.ExternalSecret, key).catch(ignoreNotFound);
        if (!es) {
          gate.forget(`${key.namespace}/${key.name}`);
          return done();
        }
        if (es.metadata.deletionTimestamp) return done();
        const wait = gate.remainingMs(`${es.metadata.namespace}/${es.metadata.name}`, `${es.metadata.uid}/${es.metadata.generation}`);
        if (wait > 0) return requeueAfter(wait);
        const store: string = es.spec?.secretStoreRef?.name ?? '';
        try {
          await cache.get(StubTypes.ClusterSecretStore, { name: store });
          backends.definedStores.add(store);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          backends.undefinedStores.add(store);
        }
        const values: Record<string, string> = {};
        for (const d of es.spec?.data ?? []) values[d.secretKey] = backends.value(store, d.remoteRef?.key ?? '', d.remoteRef?.property ?? '');
        for (const df of es.spec?.dataFrom ?? []) {
          const remote = df.extract?.key;
          if (remote) for (const p of backends.properties(store, remote)) values[p] = backends.value(store, remote, p);
        }
        const template = es.spec?.target?.template;
        const data: Record<string, string> = {};
        const source = template?.data ? Object.fromEntries(Object.entries(template.data as Record<string, string>).map(([k, t]) => [k, renderTemplate(t, values)])) : values;
        for (const [k, v] of Object.entries(source)) data[k] = Buffer.from(v, 'utf8').toString('base64');
        const targetName: string = es.spec?.target?.name ?? es.metadata.name;
        await client.apply(
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: {
              name: targetName,
              namespace: es.metadata.namespace,
              labels: { 'reconcile.external-secrets.io/managed': 'true' },
              ownerReferences: [controllerRef(es)],
            },
            type: template?.type ?? 'Opaque',
            data,
          },
          { fieldManager: MANAGER, force: true },
        );
        await client
          .patchStatus(StubTypes.ExternalSecret, key, 'merge', {
            status: {
              refreshTime: rfc3339(clock.now()),
              syncedResourceVersion: `${es.metadata.generation}`,
              binding: { name: targetName },
              conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'secret synced', lastTransitionTime: rfc3339(clock.now()) }],
            },
          })
          .catch(ignoreNotFound);
        return requeueAfter(parseRefreshInterval(es.spec?.refreshInterval));
      },
    },
  };
  const stores: ControllerDefinition = {
    name: 'external-secrets-stores',
    primary: StubTypes.ClusterSecretStore,
    generationChangedOnly: true,
    reconciler: {
      async reconcile(key) {
        const css = await cache.get(StubTypes.ClusterSecretStore, key).catch(ignoreNotFound);
        if (!css) return done();
        const ready = css.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
        if (!ready) {
          await client.patchStatus(StubTypes.ClusterSecretStore, key, 'merge', {
            status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Valid', message: 'store validated', lastTransitionTime: rfc3339(clock.now()) }] },
          });
        }
        return done();
      },
    },
  };
  return [externalSecrets, stores];
}
