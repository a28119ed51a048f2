/**
 * Simulated secret backends behind SecretStores and ClusterSecretStores (issue #10): one backend per
 * store id (`<name>` for a ClusterSecretStore, `<namespace>/<name>` for a SecretStore), answering
 * reads the way the store's provider type (vault, aws, webhook, gcpsm ...) answers them.
 *
 * Each backend is data ({@link SecretBackendConfig}, simulated ms since the World started):
 * - **data**: remote key → property → value. A key not listed has every property, each value generated
 *   the first time it is read from its own one-off stream of the World's seed (`secrets/` + store, key,
 *   property, NUL-separated; version n > 0 adds `\0v<n>`), then kept, so a run is reproducible and
 *   other secrets never change a value;
 * - **latency**: `delayMs` + uniform jitter per read, drawn from the stream
 *   `eso/backend/<store>/<ns>/<externalsecret>` (other ExternalSecrets never shift it);
 * - **outages**: windows `[fromMs, toMs)` during which every read fails with the provider's
 *   "unavailable" error;
 * - **missing**: keys (or single properties) that do not exist → ESO's `NoSecretError`
 *   ("Secret does not exist") for a key, "key P does not exist in secret K" for a property;
 * - **rotation**: a key's value gets a new version at given instants (`atMs`) or every `everyMs`;
 *   `remoteRef.version` reads an older one (vault kv v2 numbering from 1, `AWSPREVIOUS`).
 *
 * Configuration: the profile's `externalSecrets.backend` (every store) and `externalSecrets.stores`
 * (per store id), then at run time {@link SimulatedSecretBackends.configure}, `outage`, `removeKey`,
 * `restoreKey`, `putKey`, `rotate`. Values never leave the World: errors, reports and logs only name
 * stores, keys and properties.
 */
import type { Clock } from '../../../fake-apiserver/api/index.ts';
import type { SeededRng } from '../../rng/index.ts';
import type { Delay } from '../../profile.ts';

/** An outage: reads in simulated ms `[fromMs, toMs)` since the World started fail. */
export interface OutageWindow {
  fromMs: number;
  toMs: number;
}

/** When a key's value changes (simulated ms since the World started). */
export interface RotationSchedule {
  /** Instants of a new version. */
  atMs?: number[];
  /** A new version every `everyMs` (first at `everyMs`). */
  everyMs?: number;
}

/** A key (or one property of it) that does not exist in the backend. */
export interface MissingKey {
  key: string;
  property?: string;
}

/** One backend's data and faults; every field optional (defaults: generated data, no latency, no faults). */
export interface SecretBackendConfig {
  latency?: Delay;
  outages?: OutageWindow[];
  missing?: MissingKey[];
  /** Rotation of every generated key of the store. */
  rotation?: RotationSchedule;
  /** Rotation per remote key (overrides `rotation` for that key). */
  rotations?: Record<string, RotationSchedule>;
  /** Explicit keys: remote key → property → value (such a key has exactly these properties). */
  data?: Record<string, Record<string, string>>;
}

/** A provider read that failed; `notFound` marks ESO's `NoSecretError` (the remote key does not exist). */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly notFound: boolean,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** Each provider's answer while its backend is down (the shape of the provider SDK's error). */
const UNAVAILABLE: Record<string, string> = {
  vault: 'Error making API request. Code: 503. Errors: * Vault is sealed',
  aws: 'operation error Secrets Manager: GetSecretValue, https response error StatusCode: 503, api error ServiceUnavailable',
  webhook: 'failed to call endpoint: endpoint gave error 503 Service Unavailable',
  gcpsm: 'rpc error: code = Unavailable desc = The service is currently unavailable.',
  azurekv: 'keyvault.BaseClient#GetSecret: Failure sending request: StatusCode=503',
};

/**
 * Checks the shape of a backend config: delays and times non-negative numbers, each outage
 * `toMs > fromMs`, `everyMs > 0`, missing entries with a `key`, data values strings.
 * @throws Error `<where>.<field>: <reason>`.
 */
export function checkConfig(where: string, cfg: SecretBackendConfig): void {
  const fail = (field: string, why: string): never => {
    throw new Error(`${where}.${field}: ${why}`);
  };
  const ms = (v: unknown, field: string) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : fail(field, 'must be a number of simulated ms >= 0'));
  if (cfg.latency) {
    ms(cfg.latency.delayMs, 'latency.delayMs');
    if (cfg.latency.jitterMs !== undefined) ms(cfg.latency.jitterMs, 'latency.jitterMs');
  }
  (cfg.outages ?? []).forEach((w, i) => {
    ms(w.fromMs, `outages[${i}].fromMs`);
    ms(w.toMs, `outages[${i}].toMs`);
    if (!(w.toMs > w.fromMs)) fail(`outages[${i}]`, 'toMs must be after fromMs');
  });
  (cfg.missing ?? []).forEach((m, i) => (typeof m?.key === 'string' && m.key !== '' ? undefined : fail(`missing[${i}].key`, 'Required value')));
  const schedule = (r: RotationSchedule, field: string) => {
    (r.atMs ?? []).forEach((t, i) => ms(t, `${field}.atMs[${i}]`));
    if (r.everyMs !== undefined && !(typeof r.everyMs === 'number' && r.everyMs > 0)) fail(`${field}.everyMs`, 'must be > 0');
  };
  if (cfg.rotation) schedule(cfg.rotation, 'rotation');
  for (const [k, r] of Object.entries(cfg.rotations ?? {})) schedule(r, `rotations.${k}`);
  for (const [k, props] of Object.entries(cfg.data ?? {})) {
    for (const [p, v] of Object.entries(props ?? {})) if (typeof v !== 'string') fail(`data.${k}.${p}`, 'must be a string');
  }
}

/** ESO's NoSecretError text. */
const NO_SECRET = 'Secret does not exist';

/** Every store's simulated backend. */
export class SimulatedSecretBackends {
  private readonly values = new Map<string, string>();
  private readonly configs = new Map<string, SecretBackendConfig>();
  /** Stores that specs named but no store object defined (reported, never silently assumed). */
  readonly undefinedStores = new Set<string>();
  /** Stores backed by a store object. */
  readonly definedStores = new Set<string>();

  /**
   * @param defaults the profile's `externalSecrets.backend` and `externalSecrets.stores`.
   * @param startMs the World's start instant: outage and rotation times are relative to it.
   */
  constructor(
    private readonly rng: Pick<SeededRng, 'once' | 'stream'>,
    private readonly clock: Pick<Clock, 'now'> = { now: () => 0 },
    private readonly defaults: { backend?: SecretBackendConfig; stores?: Record<string, SecretBackendConfig> } = {},
    private readonly startMs = clock.now(),
  ) {
    if (defaults.backend) checkConfig('externalSecrets.backend', defaults.backend);
    for (const [id, cfg] of Object.entries(defaults.stores ?? {})) checkConfig(`externalSecrets.stores.${id}`, cfg);
  }

  /** The effective config of `store`: profile default, then the profile's store entry, then run-time changes. */
  config(store: string): SecretBackendConfig {
    return { ...this.defaults.backend, ...this.defaults.stores?.[store], ...this.configs.get(store) };
  }

  /**
   * Merges `cfg` into `store`'s run-time config (fields given replace the profile's).
   * @throws Error naming the field of an ill-formed config (see {@link checkConfig}).
   */
  configure(store: string, cfg: SecretBackendConfig): void {
    checkConfig(`secretBackends.configure(${store})`, cfg);
    this.configs.set(store, { ...this.configs.get(store), ...cfg });
  }

  /** Adds an outage window `[fromMs, toMs)` (simulated ms since the World started) to `store`. @throws Error unless toMs > fromMs >= 0. */
  outage(store: string, fromMs: number, toMs: number): void {
    this.configure(store, { outages: [...(this.config(store).outages ?? []), { fromMs, toMs }] });
  }

  /** Makes `key` (or one `property` of it) not exist in `store` from now on. */
  removeKey(store: string, key: string, property?: string): void {
    this.configure(store, { missing: [...(this.config(store).missing ?? []), { key, ...(property !== undefined ? { property } : {}) }] });
  }

  /** Undoes {@link removeKey} for exactly that key / property. */
  restoreKey(store: string, key: string, property?: string): void {
    this.configure(store, { missing: (this.config(store).missing ?? []).filter((m) => !(m.key === key && m.property === property)) });
  }

  /** Sets explicit properties of `key` in `store` (a new version of that key). */
  putKey(store: string, key: string, properties: Record<string, string>): void {
    this.configure(store, { data: { ...this.config(store).data, [key]: { ...properties } } });
  }

  /** Rotates `key` of `store` on `schedule` (replaces an earlier schedule of that key). */
  rotate(store: string, key: string, schedule: RotationSchedule): void {
    this.configure(store, { rotations: { ...this.config(store).rotations, [key]: schedule } });
  }

  /** Simulated ms one read by ExternalSecret `esId` (`<ns>/<name>`) of `store` takes (a fresh draw). */
  latencyMs(store: string, esId: string): number {
    const latency = this.config(store).latency;
    if (!latency || (latency.delayMs <= 0 && !latency.jitterMs)) return 0;
    return this.rng.stream(`eso/backend/${store}/${esId}`).delay(latency);
  }

  private elapsed(): number {
    return this.clock.now() - this.startMs;
  }

  /** @throws ProviderError while `store` is in an outage window. */
  private checkAvailable(store: string, provider: string): void {
    const t = this.elapsed();
    if ((this.config(store).outages ?? []).some((w) => t >= w.fromMs && t < w.toMs)) {
      throw new ProviderError(UNAVAILABLE[provider] ?? `${provider}: backend unavailable`, false);
    }
  }

  /** The current version index (0 = initial) of a generated key. */
  private currentVersion(store: string, key: string): number {
    const cfg = this.config(store);
    const schedule = cfg.rotations?.[key] ?? cfg.rotation;
    if (!schedule) return 0;
    const t = this.elapsed();
    let n = (schedule.atMs ?? []).filter((at) => at <= t).length;
    if (schedule.everyMs && schedule.everyMs > 0) n += Math.floor(t / schedule.everyMs);
    return n;
  }

  /** Version index asked for by `remoteRef.version` (undefined = current). @throws ProviderError (not found). */
  private versionIndex(store: string, key: string, version: string | undefined): number {
    const current = this.currentVersion(store, key);
    if (version === undefined || version === '' || version === 'latest' || version === 'AWSCURRENT') return current;
    if (version === 'AWSPREVIOUS') {
      if (current === 0) throw new ProviderError(NO_SECRET, true);
      return current - 1;
    }
    const n = /^[0-9]+$/.test(version) ? Number(version) - 1 : NaN;
    if (!(n >= 0 && n <= current)) throw new ProviderError(NO_SECRET, true);
    return n;
  }

  private generated(store: string, key: string, property: string, version: number): string {
    const id = `${store}\u0000${key}\u0000${property}${version > 0 ? `\u0000v${version}` : ''}`;
    let v = this.values.get(id);
    if (v === undefined) {
      v = this.rng.once(`secrets/${id}`).alnum(24);
      this.values.set(id, v);
    }
    return v;
  }

  private isMissing(store: string, key: string, property?: string): boolean {
    return (this.config(store).missing ?? []).some((m) => m.key === key && (m.property === undefined || m.property === property));
  }

  /**
   * Every property of `key` in `store` (`dataFrom.extract`): the explicit data, else the generated
   * properties already read, else `password` and `username`.
   * @throws ProviderError on an outage or a missing key.
   */
  readMap(store: string, provider: string, key: string, version?: string): Record<string, string> {
    this.checkAvailable(store, provider);
    if (this.isMissing(store, key)) throw new ProviderError(NO_SECRET, true);
    const explicit = this.config(store).data?.[key];
    const out: Record<string, string> = {};
    if (explicit) {
      for (const [p, v] of Object.entries(explicit)) if (!this.isMissing(store, key, p)) out[p] = v;
      return out;
    }
    const n = this.versionIndex(store, key, version);
    for (const p of this.properties(store, key)) if (!this.isMissing(store, key, p)) out[p] = this.generated(store, key, p, n);
    return out;
  }

  /**
   * One value (`data[].remoteRef`): `property` of `key`, or, without a property, the whole key as
   * JSON (what ESO's providers return for a multi-property secret).
   * @throws ProviderError on an outage, a missing key or a missing property.
   */
  read(store: string, provider: string, key: string, property?: string, version?: string): string {
    if (property === undefined || property === '') return JSON.stringify(this.readMap(store, provider, key, version));
    this.checkAvailable(store, provider);
    if (this.isMissing(store, key)) throw new ProviderError(NO_SECRET, true);
    const explicit = this.config(store).data?.[key];
    if ((explicit && !(property in explicit)) || this.isMissing(store, key, property)) {
      throw new ProviderError(`key ${property} does not exist in secret ${key}`, false);
    }
    if (explicit) return explicit[property]!;
    return this.generated(store, key, property, this.versionIndex(store, key, version));
  }

  /** Generated properties of a key already read (any version), or `password` and `username`. */
  private properties(store: string, key: string): string[] {
    const prefix = `${store}\u0000${key}\u0000`;
    const known = new Set([...this.values.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length).split('\u0000')[0]!));
    return known.size ? [...known].sort() : ['password', 'username'];
  }

  /** The value of `store`/`key`/`property` now, ignoring faults (tests and the admission judge's wiring checks). */
  value(store: string, key: string, property: string): string {
    const explicit = this.config(store).data?.[key];
    if (explicit && property in explicit) return explicit[property]!;
    return this.generated(store, key, property, this.currentVersion(store, key));
  }
}
