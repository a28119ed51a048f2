/**
 * Secret routing (reference §2.3): base ExternalSecrets per `type: secret` resource, and the builders for
 * routes 1 (pure variable → secretKeyRef), 2 (mixed variable → `-env-eso` ExternalSecret + envFrom),
 * 3 (file with secrets → `-file-<key>` ExternalSecret + secret volume) and 5 (envFrom of a resource).
 * Objects never carry secret values: only remote keys and Go template refs.
 */
import { createHash } from 'node:crypto';
import type { KubeObject, OwnerReference } from '../../fake-apiserver/api/index.ts';
import { LABEL_SERVICE_OWNER, type CredentialSpec, type ResourceSpec } from '../crds/types.ts';
import { makeObject, objectMeta } from './objects.ts';
import { resourceType, sanitizeDnsLabel, type SecretRef } from './template.ts';
import { SpecError } from './types.ts';

/** ESO API version of generated ExternalSecrets. */
export const ESO_API_VERSION = 'external-secrets.io/v1';

/** Secret types a secret resource may ask for (reference §1.1 params.secretType). */
export const SECRET_TYPES = [
  'Opaque',
  'kubernetes.io/tls',
  'kubernetes.io/dockerconfigjson',
  'kubernetes.io/dockercfg',
  'kubernetes.io/basic-auth',
  'kubernetes.io/ssh-auth',
  'kubernetes.io/service-account-token',
  'bootstrap.kubernetes.io/token',
] as const;

/** Typed view of a `type: secret` resource's params. */
export interface SecretResource {
  key: string;
  /** Remote key in the store: the resource's `id` (required, reference pipeline/secrets.rs:176-185). */
  remoteKey: string;
  provider: string;
  keys?: string[];
  refreshInterval?: string;
  secretType?: string;
}

/** Who the generated objects belong to. */
export interface SecretOwner {
  workload: string;
  namespace: string;
  ownerReferences?: OwnerReference[];
}

/**
 * Reads and validates every `type: secret` resource (reference §1.1 params by type). Returns them by key.
 * Throws SpecError `Invalid` when params or params.provider are missing, `id` is missing (the remote key:
 * `invalid secret config: secret resource '<key>': missing 'id' field (remote key for secret store)`,
 * reference `crates/lattice-workload/src/pipeline/secrets.rs:176-185`, fidelity row "Secret resource
 * without `id`"; raised before any Cedar gate, so the compile produces nothing), keys is not a string
 * list, refreshInterval is not h/m/s, or secretType is unknown.
 */
export function secretResources(resources: Record<string, ResourceSpec> | undefined): Map<string, SecretResource> {
  const out = new Map<string, SecretResource>();
  for (const key of Object.keys(resources ?? {}).sort()) {
    const r = resources![key];
    if (resourceType(r) !== 'secret') continue;
    const p = r.params;
    if (!p || typeof p.provider !== 'string' || p.provider === '') {
      throw new SpecError('Invalid', `resource '${key}': secret resource requires params.provider`);
    }
    if (typeof r.id !== 'string' || r.id === '') {
      throw new SpecError('Invalid', `invalid secret config: secret resource '${key}': missing 'id' field (remote key for secret store)`);
    }
    if (p.keys !== undefined && (!Array.isArray(p.keys) || p.keys.some((k: unknown) => typeof k !== 'string'))) {
      throw new SpecError('Invalid', `resource '${key}': params.keys must be a list of strings`);
    }
    if (p.refreshInterval !== undefined && !/^(\d+h)?(\d+m)?(\d+s)?$/.test(String(p.refreshInterval))) {
      throw new SpecError('Invalid', `resource '${key}': params.refreshInterval '${p.refreshInterval}' must use h/m/s units (e.g. 1h30m)`);
    }
    if (p.secretType !== undefined && !(SECRET_TYPES as readonly string[]).includes(p.secretType)) {
      throw new SpecError('Invalid', `resource '${key}': params.secretType '${p.secretType}' is not one of ${SECRET_TYPES.join(', ')}`);
    }
    const s: SecretResource = { key, remoteKey: r.id, provider: p.provider };
    if (p.keys !== undefined) s.keys = [...p.keys];
    if (p.refreshInterval !== undefined) s.refreshInterval = String(p.refreshInterval);
    if (p.secretType !== undefined) s.secretType = p.secretType;
    out.set(key, s);
  }
  return out;
}

function esMeta(name: string, owner: SecretOwner) {
  return objectMeta(name, owner.namespace, owner.ownerReferences, { [LABEL_SERVICE_OWNER]: owner.workload });
}

/** Target Secret name of a secret resource: `<workload>-<resourceKey>`. */
export function secretResourceTargetName(workload: string, key: string): string {
  return `${workload}-${key}`;
}

/**
 * The base ExternalSecret of one secret resource (reference §2.3): name = target = `<workload>-<key>`,
 * store `ClusterSecretStore/<provider>`, `data` per declared key or `dataFrom.extract` (bulk),
 * `refreshInterval` when set, `target.template {engineVersion: v2, type}` when secretType is set.
 */
export function baseExternalSecret(s: SecretResource, owner: SecretOwner): KubeObject {
  const name = secretResourceTargetName(owner.workload, s.key);
  const target: Record<string, unknown> = { name };
  if (s.secretType) target.template = { engineVersion: 'v2', type: s.secretType };
  const spec: Record<string, unknown> = { secretStoreRef: { name: s.provider, kind: 'ClusterSecretStore' }, target };
  if (s.keys) spec.data = s.keys.map((k) => ({ secretKey: k, remoteRef: { key: s.remoteKey, property: k } }));
  else spec.dataFrom = [{ extract: { key: s.remoteKey } }];
  if (s.refreshInterval) spec.refreshInterval = s.refreshInterval;
  return makeObject(ESO_API_VERSION, 'ExternalSecret', esMeta(name, owner), { spec });
}

/** Name of the pull-secret ExternalSecret (and its target Secret) for ImageProvider `provider`: `<workload>-<provider>-credentials`. */
export function imagePullSecretName(workload: string, provider: string): string {
  return `${workload}-${provider}-credentials`;
}

/**
 * The ExternalSecret of one `imagePullSecrets` entry (reference compiler.rs:711-757): name = target =
 * `<workload>-<provider>-credentials`, store `ClusterSecretStore/<credentials.provider>`, remote key
 * `credentials.id` (`data` per declared key, else `dataFrom.extract`), `refreshInterval` when set, and
 * `target.template {engineVersion: v2, type: credentials.secretType ?? kubernetes.io/dockerconfigjson,
 * data: {}}`; labelled and owned like every other ExternalSecret of the workload. Never throws.
 */
export function imagePullExternalSecret(provider: string, creds: CredentialSpec, owner: SecretOwner): KubeObject {
  const es = baseExternalSecret(
    { key: provider, remoteKey: creds.id, provider: creds.provider, ...(creds.keys ? { keys: [...creds.keys] } : {}), ...(creds.refreshInterval ? { refreshInterval: creds.refreshInterval } : {}) },
    owner,
  );
  const name = imagePullSecretName(owner.workload, provider);
  const spec = es.spec as Record<string, unknown>;
  return { ...es, metadata: esMeta(name, owner), spec: { ...spec, target: { name, template: { engineVersion: 'v2', type: creds.secretType ?? 'kubernetes.io/dockerconfigjson', data: {} } } } };
}

/**
 * Checks that a `${secret.R.K}` ref names a declared secret resource and, when that resource lists
 * `keys`, a declared key. Returns the resource. Throws SpecError `Invalid` naming `where`.
 */
export function checkSecretRef(ref: SecretRef, secrets: Map<string, SecretResource>, where: string): SecretResource {
  const s = secrets.get(ref.resource);
  if (!s) throw new SpecError('Invalid', `${where}: \${secret.${ref.resource}.${ref.key}} references '${ref.resource}', which is not a type: secret resource`);
  if (s.keys && !s.keys.includes(ref.key)) {
    throw new SpecError('Invalid', `${where}: key '${ref.key}' is not declared in params.keys of secret resource '${ref.resource}' (declared: ${s.keys.join(', ')})`);
  }
  return s;
}

/** Route 1: `{name, valueFrom: {secretKeyRef: {name: <workload>-R, key: K}}}`. */
export function secretKeyRefEnv(variable: string, ref: SecretRef, workload: string) {
  return { name: variable, valueFrom: { secretKeyRef: { name: secretResourceTargetName(workload, ref.resource), key: ref.key } } };
}

function templatedData(refs: SecretRef[], secrets: Map<string, SecretResource>) {
  const byKey = new Map<string, { secretKey: string; remoteRef: { key: string; property: string } }>();
  for (const ref of refs) {
    const s = secrets.get(ref.resource)!;
    byKey.set(ref.esoKey, { secretKey: ref.esoKey, remoteRef: { key: s.remoteKey, property: ref.key } });
  }
  return [...byKey.keys()].sort().map((k) => byKey.get(k)!);
}

/** A mixed-content variable after rendering: its Go template and the refs it uses (all checked). */
export interface TemplatedVariable {
  name: string;
  template: string;
  refs: SecretRef[];
}

/**
 * Route 2: groups templated variables by store and builds one ExternalSecret per store named
 * `<workload>-<container>-env-eso` (`-<index>` suffix, in store-name order, when several stores), with
 * `target.template {engineVersion: v2, data: {VAR: template}}`, `refreshInterval: 1h`.
 * Throws SpecError when one variable mixes refs from two stores.
 */
export function envEsoExternalSecrets(container: string, vars: TemplatedVariable[], secrets: Map<string, SecretResource>, owner: SecretOwner): KubeObject[] {
  const byStore = new Map<string, TemplatedVariable[]>();
  for (const v of vars) {
    const stores = new Set(v.refs.map((r) => secrets.get(r.resource)!.provider));
    if (stores.size > 1) {
      throw new SpecError('Invalid', `container '${container}' variable '${v.name}': secret references from different stores (${[...stores].sort().join(', ')}) cannot be mixed in one variable`);
    }
    const store = [...stores][0];
    byStore.set(store, [...(byStore.get(store) ?? []), v]);
  }
  const stores = [...byStore.keys()].sort();
  return stores.map((store, index) => {
    const base = `${owner.workload}-${container}-env-eso`;
    const name = stores.length > 1 ? `${base}-${index}` : base;
    const group = byStore.get(store)!.slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const data: Record<string, string> = {};
    for (const v of group) data[v.name] = v.template;
    return makeObject(ESO_API_VERSION, 'ExternalSecret', esMeta(name, owner), {
      spec: {
        secretStoreRef: { name: store, kind: 'ClusterSecretStore' },
        target: { name, template: { engineVersion: 'v2', data } },
        data: templatedData(group.flatMap((v) => v.refs), secrets),
        refreshInterval: '1h',
      },
    });
  });
}

/** Name of the route-3 ExternalSecret of a file: DNS-sanitised `<workload>-<container>-file-<fileKey>`. */
export function fileExternalSecretName(workload: string, container: string, key: string): string {
  return sanitizeDnsLabel(`${workload}-${container}-file-${key}`);
}

/**
 * Route 3: one ExternalSecret for a file whose content references secrets; template data `{key: content}`,
 * `refreshInterval: 1h`. Throws SpecError when the refs span two stores.
 */
export function fileExternalSecret(container: string, path: string, key: string, template: string, refs: SecretRef[], secrets: Map<string, SecretResource>, owner: SecretOwner): KubeObject {
  const stores = [...new Set(refs.map((r) => secrets.get(r.resource)!.provider))].sort();
  if (stores.length > 1) {
    throw new SpecError('Invalid', `container '${container}' file '${path}': secret references from different stores (${stores.join(', ')}) cannot be mixed in one file`);
  }
  const name = fileExternalSecretName(owner.workload, container, key);
  return makeObject(ESO_API_VERSION, 'ExternalSecret', esMeta(name, owner), {
    spec: {
      secretStoreRef: { name: stores[0], kind: 'ClusterSecretStore' },
      target: { name, template: { engineVersion: 'v2', data: { [key]: template } } },
      data: templatedData(refs, secrets),
      refreshInterval: '1h',
    },
  });
}

/**
 * Route 5: the Secret a container's `envFrom: [R]` entry points at (`<workload>-R`). Throws SpecError
 * when R is not a secret resource.
 */
export function envFromSecretName(container: string, resource: string, secrets: Map<string, SecretResource>, workload: string): string {
  if (!secrets.has(resource)) throw new SpecError('Invalid', `container '${container}': envFrom '${resource}' is not a type: secret resource`);
  return secretResourceTargetName(workload, resource);
}

/**
 * Content hash of synced ESO Secrets (reference §2.3 `eso:<hash>`): SHA-256 over Secrets sorted by name,
 * `name\n` then `key=<hex of value>\n` per key (sorted; `data` is base64-decoded, `stringData` taken as is);
 * first 16 hex. The hash reveals nothing usable about the values.
 */
export function esoContentHash(secrets: readonly KubeObject[]): string {
  const h = createHash('sha256');
  for (const s of [...secrets].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
    h.update(`${s.metadata.name}\n`);
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries((s.data ?? {}) as Record<string, string>)) values[k] = Buffer.from(v, 'base64').toString('hex');
    for (const [k, v] of Object.entries((s.stringData ?? {}) as Record<string, string>)) values[k] = Buffer.from(v, 'utf8').toString('hex');
    for (const k of Object.keys(values).sort()) h.update(`${k}=${values[k]}\n`);
  }
  return h.digest('hex').slice(0, 16);
}
