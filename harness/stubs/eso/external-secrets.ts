/**
 * External Secrets Operator stub (external-secrets.io/v1), following ESO's ExternalSecret and
 * SecretStore reconcilers (pkg/controllers/externalsecret, pkg/controllers/secretstore):
 *
 * ExternalSecret:
 * - store: `spec.secretStoreRef` {name, kind SecretStore (default, the ExternalSecret's namespace) |
 *   ClusterSecretStore}. A store that is missing or not Ready=True is a sync error.
 * - refresh decision (ESO `shouldRefresh`): `refreshPolicy` Periodic (default: refresh when the spec
 *   changed — `syncedResourceVersion` = `<generation>-<hash of labels and annotations>` — or
 *   `refreshTime + refreshInterval` has come; `refreshInterval` "0" = never after the first sync),
 *   OnChange (only on a spec change), CreatedOnce (only the first sync). A refresh is also forced
 *   when the target Secret is gone or its data no longer matches its data-hash annotation.
 * - timing: the first sync of each generation waits the profile's `externalSecrets.sync` delay (stream
 *   `eso/sync/<ns>/<es>`); every provider read then costs the store backend's latency (stream
 *   `eso/backend/<store>/<ns>/<es>`), evaluated at the end of that latency (outages, missing keys,
 *   rotations as the backend is then). Reads of different ExternalSecrets overlap: ESO's worker pool
 *   (`--concurrent`, default 1) is not modelled.
 * - data: `data[]` (secretKey ← remoteRef key / property / version), `dataFrom[].extract` (every
 *   property of the key); `dataFrom[].find` and generators are refused with a sync error. Templates:
 *   `target.template` {engineVersion v2 (v1 refused), type, metadata labels / annotations, data,
 *   templateFrom configMap / secret items (templateAs Values, target Data), mergePolicy Replace | Merge},
 *   rendered by {@link renderGoTemplate} (an unsupported construct is a sync error). Without template
 *   data the Secret holds the provider data.
 * - errors (store, provider, template, creationPolicy Merge without a Secret): Ready=False reason
 *   SecretSyncedError with ESO's message (`could not get secret data from provider`, `could not update
 *   Secret`, `could not apply template: ...`), a Warning Event `UpdateFailed` carrying the error, and a
 *   thrown error, so the runner retries with controller-runtime's rate-limited backoff (5 ms doubling to
 *   1000 s), not at refreshInterval. The target Secret is left as it was.
 * - a missing remote key (NoSecretError) is an error under deletionPolicy Retain (default); under
 *   Delete / Merge that entry is skipped, and with no data left Delete removes the Secret (Ready=True,
 *   reason SecretDeleted) while Retain keeps it.
 * - creationPolicy Owner (default: controller ownerReference), Orphan (no owner), Merge (the Secret
 *   must exist; only these keys are applied), None (nothing written). The Secret is written only when
 *   its type, data, labels or annotations would change (so its resourceVersion moves only on change).
 * - success: Ready=True reason SecretSynced "Secret was synced", `refreshTime`, `syncedResourceVersion`,
 *   `binding`; requeue when the next refresh is due.
 * Normal events (Created / Updated) are not written (cost: every write bumps the store revision).
 *
 * SecretStore / ClusterSecretStore: Ready=True reason Valid "store validated" when `spec.provider` is
 * well-formed ({@link validateProvider}), else Ready=False reason InvalidProviderConfig "unable to
 * create client: <field>: <reason>". Backend outages do not touch store readiness here: ESO re-validates
 * stores every `--store-requeue-interval` (5 min) and a provider whose client creation contacts the
 * backend (vault login) would then flip to NotReady; that periodic re-validation is not modelled.
 */
import { createHash } from 'node:crypto';
import type { Clock, InformerCache, KubeClient, KubeObject, ObjectKey } from '../../../fake-apiserver/api/index.ts';
import { StatusError, ignoreNotFound, isAlreadyExists, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import type { StreamSource } from '../../rng/index.ts';
import type { Delay } from '../../profile.ts';
import { CoreTypes, StubTypes } from '../third-party-crds.ts';
import { DelayGate } from '../delay-gate.ts';
import { controllerRef } from '../owners.ts';
import { ProviderError } from './secret-backend.ts';
import type { SimulatedSecretBackends } from './secret-backend.ts';
import { TemplateError, renderGoTemplate } from './go-template.ts';
import { providerType, validateProvider } from './store-validation.ts';

const MANAGER = 'external-secrets';
const DATA_HASH = 'reconcile.external-secrets.io/data-hash';
const MANAGED_LABEL = 'reconcile.external-secrets.io/managed';
const HOUR_MS = 3_600_000;
const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: HOUR_MS };

/**
 * A Go duration (`1h`, `1h0m0s`, `90s`, `1.5h`, `500ms`, `0`) → ms; undefined → 1 h (the CRD's default).
 * @throws Error when the text is not a Go duration.
 */
export function parseRefreshInterval(text: string | undefined): number {
  if (text === undefined || text === null) return HOUR_MS;
  if (text === '0') return 0;
  const parts = [...String(text).matchAll(/([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`invalid refreshInterval "${text}": not a Go duration`);
  return Math.round(parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0));
}

type Condition = { type: string; status: string; reason: string; message: string; lastTransitionTime: string };
type EsSpec = {
  secretStoreRef?: { name?: string; kind?: string };
  refreshInterval?: string;
  refreshPolicy?: 'Periodic' | 'OnChange' | 'CreatedOnce';
  target?: {
    name?: string;
    creationPolicy?: 'Owner' | 'Orphan' | 'Merge' | 'None';
    deletionPolicy?: 'Retain' | 'Delete' | 'Merge';
    template?: {
      engineVersion?: string;
      type?: string;
      mergePolicy?: 'Replace' | 'Merge';
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      data?: Record<string, string>;
      templateFrom?: { configMap?: TplRef; secret?: TplRef; target?: string; literal?: string }[];
    };
  };
  data?: { secretKey: string; remoteRef?: { key?: string; property?: string; version?: string } }[];
  dataFrom?: { extract?: { key?: string; version?: string }; find?: unknown; sourceRef?: unknown }[];
};
type TplRef = { name: string; items?: { key: string; templateAs?: string }[] };

/** A sync failure: the condition message (ESO's constant) and the error the Event carries. */
class SyncError extends Error {
  constructor(
    readonly conditionMessage: string,
    readonly detail: string,
  ) {
    super(`${conditionMessage}: ${detail}`);
    this.name = 'SyncError';
  }
}

/** Core v1 Event (what client-go's recorder writes). */
const EventType = { apiVersion: 'v1', kind: 'Event' } as const;

const sha = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

/** Hash of a Secret's `data` (base64 values, sorted keys): the data-hash annotation. */
function dataHash(data: Record<string, string> | undefined): string {
  return sha(JSON.stringify(Object.entries(data ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

/** ESO's `getResourceVersion`: generation plus a hash of labels and annotations. */
export function esResourceVersion(es: KubeObject): string {
  const meta = { labels: es.metadata.labels ?? {}, annotations: es.metadata.annotations ?? {} };
  return `${es.metadata.generation}-${sha(JSON.stringify(meta)).slice(0, 8)}`;
}

const b64 = (v: string): string => Buffer.from(v, 'utf8').toString('base64');

/** The ExternalSecret reconciler and the SecretStore / ClusterSecretStore readiness controllers. */
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
  /** Provider reads in flight: ExternalSecret `<ns>/<name>` → (generation state, when the read answers). */
  const reads = new Map<string, { state: string; dueMs: number }>();

  /** The store an ExternalSecret names: its object (undefined when missing), id for the backend, kind. */
  async function storeOf(es: KubeObject, spec: EsSpec): Promise<{ store: KubeObject | undefined; id: string; kind: string; name: string }> {
    const name = spec.secretStoreRef?.name ?? '';
    const kind = spec.secretStoreRef?.kind || 'SecretStore';
    if (kind === 'ClusterSecretStore') return { store: await cache.get(StubTypes.ClusterSecretStore, { name }).catch(ignoreNotFound), id: name, kind, name };
    const ns = es.metadata.namespace!;
    return { store: await cache.get(StubTypes.SecretStore, { namespace: ns, name }).catch(ignoreNotFound), id: `${ns}/${name}`, kind, name };
  }

  function shouldRefresh(es: KubeObject, spec: EsSpec, intervalMs: number, now: number): boolean {
    const synced: string | undefined = es.status?.syncedResourceVersion;
    const refreshed = es.status?.refreshTime ? Date.parse(es.status.refreshTime) : undefined;
    if (!synced || refreshed === undefined) return true;
    if (spec.refreshPolicy === 'CreatedOnce') return false;
    const changed = synced !== esResourceVersion(es);
    if (spec.refreshPolicy === 'OnChange') return changed;
    if (intervalMs <= 0) return false;
    return changed || refreshed > now || refreshed + intervalMs <= now;
  }

  /** ms until the next periodic refresh, or undefined when none is scheduled. */
  function nextRefreshIn(es: KubeObject, spec: EsSpec, intervalMs: number, now: number): number | undefined {
    if (intervalMs <= 0 || spec.refreshPolicy === 'CreatedOnce' || spec.refreshPolicy === 'OnChange') return undefined;
    const refreshed = es.status?.refreshTime ? Date.parse(es.status.refreshTime) : now;
    return Math.max(1, refreshed + intervalMs - now);
  }

  const secretValid = (s: KubeObject | undefined): boolean => !!s && s.metadata.annotations?.[DATA_HASH] === dataHash(s.data);

  async function patchEsStatus(es: KubeObject, status: Record<string, unknown>, cond: Omit<Condition, 'lastTransitionTime'>): Promise<void> {
    const prev = (es.status?.conditions ?? []).find((c: Condition) => c.type === 'Ready') as Condition | undefined;
    const same = prev && prev.status === cond.status && prev.reason === cond.reason && prev.message === cond.message;
    const unchangedRest = Object.entries(status).every(([k, v]) => JSON.stringify(es.status?.[k]) === JSON.stringify(v));
    if (same && unchangedRest) return;
    const condition: Condition = { ...cond, lastTransitionTime: same || prev?.status === cond.status ? prev!.lastTransitionTime : rfc3339(clock.now()) };
    await client
      .patchStatus(StubTypes.ExternalSecret, { namespace: es.metadata.namespace, name: es.metadata.name }, 'merge', { status: { ...status, conditions: [condition] } })
      .catch(ignoreNotFound);
  }

  /**
   * A Warning Event on `obj` (in its namespace; `default` for a cluster-scoped one), aggregated by
   * (reason, message) into one Event whose `count` grows, as client-go's recorder does; like the
   * recorder, a refused Event write (e.g. a terminating namespace) is dropped, never the reconcile's error.
   */
  async function warn(obj: KubeObject, reason: string, message: string): Promise<void> {
    await recordWarning(obj, reason, message).catch((err: unknown) => {
      if (!(err instanceof StatusError)) throw err;
    });
  }

  async function recordWarning(obj: KubeObject, reason: string, message: string): Promise<void> {
    const ns = obj.metadata.namespace ?? 'default';
    const name = `${obj.metadata.name}.${sha(`${obj.kind}\u0000${reason}\u0000${message}`).slice(0, 16)}`;
    const at = rfc3339(clock.now());
    try {
      await client.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: ns },
        involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid },
        reason,
        message,
        type: 'Warning',
        source: { component: MANAGER },
        count: 1,
        firstTimestamp: at,
        lastTimestamp: at,
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const ev = await client.get(EventType, { namespace: ns, name });
      await client.patch(EventType, { namespace: ns, name }, 'merge', { count: (ev.count ?? 1) + 1, lastTimestamp: at });
    }
  }

  /** Reads every remote value the spec asks for. @throws SyncError. */
  function providerData(es: KubeObject, spec: EsSpec, storeId: string, provider: string): Record<string, string> {
    const skipMissing = (spec.target?.deletionPolicy ?? 'Retain') !== 'Retain';
    const out: Record<string, string> = {};
    const attempt = (what: string, read: () => void) => {
      try {
        read();
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        if (err.notFound && skipMissing) return;
        throw new SyncError('could not get secret data from provider', `${what}, err: ${err.message}`);
      }
    };
    (spec.dataFrom ?? []).forEach((df, i) => {
      if (!df.extract) throw new SyncError('could not get secret data from provider', `spec.dataFrom[${i}]: only extract is modelled by the simulator (find and generators are not)`);
      const key = df.extract.key ?? '';
      attempt(`error processing spec.dataFrom[${i}].extract, key: ${key}`, () => Object.assign(out, backends.readMap(storeId, provider, key, df.extract!.version)));
    });
    (spec.data ?? []).forEach((d, i) => {
      const r = d.remoteRef ?? {};
      attempt(`error retrieving secret at .data[${i}], key: ${r.key ?? ''}`, () => {
        out[d.secretKey] = backends.read(storeId, provider, r.key ?? '', r.property, r.version);
      });
    });
    return out;
  }

  /** The Secret's data (plain values) and metadata from provider data and `target.template`. @throws SyncError. */
  async function render(es: KubeObject, spec: EsSpec, values: Record<string, string>) {
    const tpl = spec.target?.template;
    const labels: Record<string, string> = {};
    const annotations: Record<string, string> = {};
    if (!tpl) return { data: values, labels, annotations, type: 'Opaque' };
    try {
      if (tpl.engineVersion !== undefined && tpl.engineVersion !== 'v2') throw new TemplateError(`engineVersion ${tpl.engineVersion} is not supported (v2 only)`);
      const data: Record<string, string> = tpl.mergePolicy === 'Merge' ? { ...values } : {};
      for (const [k, v] of Object.entries(tpl.metadata?.labels ?? {})) labels[k] = renderGoTemplate(v, values);
      for (const [k, v] of Object.entries(tpl.metadata?.annotations ?? {})) annotations[k] = renderGoTemplate(v, values);
      for (const [i, from] of (tpl.templateFrom ?? []).entries()) {
        const ref = from.configMap ?? from.secret;
        if (from.literal !== undefined || !ref) throw new TemplateError(`templateFrom[${i}]: only configMap and secret items are modelled`);
        if ((from.target ?? 'Data') !== 'Data') throw new TemplateError(`templateFrom[${i}]: target ${from.target} is not modelled (Data only)`);
        const source = await cache.get(from.configMap ? CoreTypes.ConfigMap : CoreTypes.Secret, { namespace: es.metadata.namespace, name: ref.name }).catch(ignoreNotFound);
        if (!source) throw new SyncError('could not apply template', `error fetching templateFrom data: ${from.configMap ? 'ConfigMap' : 'Secret'} "${ref.name}" not found`);
        for (const item of ref.items ?? []) {
          if ((item.templateAs ?? 'Values') !== 'Values') throw new TemplateError(`templateFrom[${i}]: templateAs ${item.templateAs} is not modelled (Values only)`);
          const raw = source.data?.[item.key];
          if (raw === undefined) throw new SyncError('could not apply template', `error fetching templateFrom data: key ${item.key} not found in ${ref.name}`);
          data[item.key] = renderGoTemplate(from.configMap ? raw : Buffer.from(raw, 'base64').toString('utf8'), values);
        }
      }
      for (const [k, v] of Object.entries(tpl.data ?? {})) data[k] = renderGoTemplate(v, values);
      const templated = Object.keys(tpl.data ?? {}).length > 0 || (tpl.templateFrom ?? []).length > 0;
      return { data: templated ? data : values, labels, annotations, type: tpl.type ?? 'Opaque' };
    } catch (err) {
      if (err instanceof TemplateError) throw new SyncError(`could not apply template: ${err.message}`, err.message);
      throw err;
    }
  }

  /** Marks the sync failed (status, Event) and throws, so the runner backs off. */
  async function fail(es: KubeObject, err: SyncError): Promise<never> {
    await patchEsStatus(es, {}, { type: 'Ready', status: 'False', reason: 'SecretSyncedError', message: err.conditionMessage });
    await warn(es, 'UpdateFailed', err.detail);
    throw err;
  }

  const externalSecrets: ControllerDefinition = {
    name: 'external-secrets',
    primary: StubTypes.ExternalSecret,
    generationChangedOnly: true,
    reconciler: {
      async reconcile(key) {
        const id = `${key.namespace}/${key.name}`;
        const es = await cache.get(StubTypes.ExternalSecret, key).catch(ignoreNotFound);
        if (!es) {
          gate.forget(id);
          reads.delete(id);
          return done();
        }
        if (es.metadata.deletionTimestamp) return done();
        const spec = (es.spec ?? {}) as EsSpec;
        const now = clock.now();
        let intervalMs: number;
        try {
          intervalMs = parseRefreshInterval(spec.refreshInterval);
        } catch (err) {
          return fail(es, new SyncError('could not get secret data from provider', (err as Error).message));
        }
        const target: ObjectKey = { namespace: es.metadata.namespace, name: spec.target?.name || es.metadata.name };
        const existing = await cache.get(CoreTypes.Secret, target).catch(ignoreNotFound);
        if (!shouldRefresh(es, spec, intervalMs, now) && (secretValid(existing) || spec.target?.creationPolicy === 'None')) {
          const next = nextRefreshIn(es, spec, intervalMs, now);
          return next === undefined ? done() : requeueAfter(next);
        }
        const state = `${es.metadata.uid}/${es.metadata.generation}`;
        const wait = gate.remainingMs(id, state);
        if (wait > 0) return requeueAfter(wait);

        const { store, id: storeId, kind, name: storeName } = await storeOf(es, spec);
        if (!store) {
          backends.undefinedStores.add(storeId);
          return fail(es, new SyncError('could not get secret data from provider', `could not get ${kind} "${storeName}", ${kind.toLowerCase()}s.external-secrets.io "${storeName}" not found`));
        }
        backends.definedStores.add(storeId);
        if (!(store.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')) {
          return fail(es, new SyncError('could not get secret data from provider', `${kind} "${storeName}" is not ready`));
        }
        // The provider read: answered after the backend's latency, as the backend is then.
        let read = reads.get(id);
        if (!read || read.state !== state) {
          read = { state, dueMs: now + backends.latencyMs(storeId, id) };
          reads.set(id, read);
        }
        if (now < read.dueMs) return requeueAfter(read.dueMs - now);
        reads.delete(id);

        let values: Record<string, string>;
        let rendered: Awaited<ReturnType<typeof render>>;
        try {
          values = providerData(es, spec, storeId, providerType(store.spec?.provider));
          rendered = await render(es, spec, values);
        } catch (err) {
          if (err instanceof SyncError) return fail(es, err);
          throw err;
        }
        const creation = spec.target?.creationPolicy ?? 'Owner';
        const deletion = spec.target?.deletionPolicy ?? 'Retain';
        const synced = { refreshTime: rfc3339(now), syncedResourceVersion: esResourceVersion(es) };
        const hasInput = (spec.data ?? []).length + (spec.dataFrom ?? []).length > 0;
        if (hasInput && Object.keys(values).length === 0 && deletion !== 'Merge') {
          if (deletion === 'Delete') {
            if (creation !== 'Owner') return fail(es, new SyncError('could not delete secret', `invalid creationPolicy=${creation}. Can not delete secret i do not own`));
            if (existing) await client.delete(CoreTypes.Secret, target).catch(ignoreNotFound);
            await patchEsStatus(es, synced, { type: 'Ready', status: 'True', reason: 'SecretDeleted', message: 'secret deleted due to DeletionPolicy' });
          } else await patchEsStatus(es, synced, { type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'Secret was synced' });
          const next = nextRefreshIn({ ...es, status: { ...es.status, ...synced } }, spec, intervalMs, now);
          return next === undefined ? done() : requeueAfter(next);
        }

        if (creation !== 'None') {
          const data: Record<string, string> = {};
          for (const [k, v] of Object.entries(rendered.data)) data[k] = b64(v);
          if (creation === 'Merge' && !existing) {
            return fail(es, new SyncError('could not update Secret', `the desired secret ${target.name} was not found. With creationPolicy=Merge the secret won't be created`));
          }
          const labels = creation === 'Merge' ? rendered.labels : { [MANAGED_LABEL]: 'true', ...rendered.labels };
          const mergedData = creation === 'Merge' ? { ...existing!.data, ...data } : data;
          const annotations = { ...rendered.annotations, [DATA_HASH]: dataHash(mergedData) };
          const unchanged =
            existing &&
            JSON.stringify(existing.data ?? {}) === JSON.stringify(mergedData) &&
            (creation === 'Merge' || (existing.type ?? 'Opaque') === rendered.type) &&
            Object.entries(labels).every(([k, v]) => existing.metadata.labels?.[k] === v) &&
            Object.entries(annotations).every(([k, v]) => existing.metadata.annotations?.[k] === v);
          if (!unchanged) {
            await client.apply(
              {
                apiVersion: 'v1',
                kind: 'Secret',
                metadata: {
                  name: target.name,
                  namespace: target.namespace,
                  labels,
                  annotations,
                  ...(creation === 'Owner' ? { ownerReferences: [controllerRef(es)] } : {}),
                },
                ...(creation === 'Merge' ? {} : { type: rendered.type }),
                // Merge applies the fetched Secret with these keys set, as ESO's patchSecret does.
                data: mergedData,
              },
              { fieldManager: `${MANAGER}/${es.metadata.name}`, force: true },
            );
          }
        }
        await patchEsStatus(es, { ...synced, ...(creation === 'None' ? {} : { binding: { name: target.name } }) }, { type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'Secret was synced' });
        const next = nextRefreshIn({ ...es, status: { ...es.status, ...synced } }, spec, intervalMs, now);
        return next === undefined ? done() : requeueAfter(next);
      },
    },
  };

  const storeController = (type: typeof StubTypes.ClusterSecretStore | typeof StubTypes.SecretStore, name: string): ControllerDefinition => ({
    name,
    primary: type,
    generationChangedOnly: true,
    reconciler: {
      async reconcile(key) {
        const store = await cache.get(type, key).catch(ignoreNotFound);
        if (!store) return done();
        const problem = validateProvider(store.spec?.provider);
        const cond = problem
          ? { type: 'Ready', status: 'False', reason: 'InvalidProviderConfig', message: `unable to create client: ${problem}` }
          : { type: 'Ready', status: 'True', reason: 'Valid', message: 'store validated' };
        const prev = (store.status?.conditions ?? []).find((c: Condition) => c.type === 'Ready') as Condition | undefined;
        if (prev && prev.status === cond.status && prev.reason === cond.reason && prev.message === cond.message) return done();
        await client.patchStatus(type, key, 'merge', { status: { conditions: [{ ...cond, lastTransitionTime: rfc3339(clock.now()) }] } }).catch(ignoreNotFound);
        if (problem) await warn(store, 'InvalidProviderConfig', problem);
        return done();
      },
    },
  });
  return [externalSecrets, storeController(StubTypes.ClusterSecretStore, 'external-secrets-cluster-stores'), storeController(StubTypes.SecretStore, 'external-secrets-stores')];
}
