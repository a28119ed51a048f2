/**
 * Rendering of a topology's secrets and Cedar policy set (issue 7; render.ts calls these): the
 * SecretProvider objects (reference §1.7), the `type: secret` resources and the main container's
 * consumption of each (reference §2.3 routes, conventions in admission.ts `secretUse`), and the drawn
 * Cedar statements as CedarPolicy objects in `lattice-system` (reference §1.6, §3.1: principal
 * `Lattice::Service::"<ns>/<name>"` with attributes namespace, name, kind; SecretPath
 * `"<provider>:<path>"` with provider, path; Mesh `"inbound"` / `"outbound"` without attributes).
 */
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { CedarPolicyType, ImageProviderType, LATTICE_SYSTEM_NAMESPACE, SecretProviderType, type CedarPolicy, type ContainerSpec, type ImageProvider, type ResourceSpec } from '../platform/crds/types.ts';
import { gateResourceUid, secretUse, secretUseText, sortedSecrets } from './admission.ts';
import type { SecretProviderType as ProviderKind, Topology, TopologyCedar, TopologyCedarStatement, TopologySecretProvider, TopologyService } from './topology.ts';
import { IMAGE_TRUST_REGISTRY, QUOTA_LIMIT_CPU, SHARED_VOLUME_RESOURCE, quotaCpuCap } from './topology.ts';
import { LatticeQuotaType, type LatticeQuota } from '../platform/crds/quota-types.ts';

/** The ESO provider block of each provider type (`spec.provider`, copied into the ClusterSecretStore). */
const PROVIDER_SPECS: Record<ProviderKind, (name: string) => Record<string, unknown>> = {
  vault: () => ({ vault: { server: 'https://vault.lattice-sim.internal:8200', path: 'secret', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role: 'lattice-sim' } } } }),
  aws: () => ({ aws: { service: 'SecretsManager', region: 'eu-west-1', auth: { jwt: { serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' } } } } }),
  webhook: (name) => ({ webhook: { url: `http://${name}.lattice-secrets.svc:8787/secret/{{ .remoteRef.key }}/{{ .remoteRef.property }}`, method: 'GET', result: { jsonPath: '$.value' } } }),
};

/** One SecretProvider in `lattice-system` per provider of the topology. */
export function renderSecretProviders(providers: readonly TopologySecretProvider[] | undefined): KubeObject[] {
  return (providers ?? []).map((p) => ({ ...SecretProviderType, metadata: { name: p.name, namespace: LATTICE_SYSTEM_NAMESPACE }, spec: { provider: PROVIDER_SPECS[p.type](p.name) } }));
}

/** The `type: secret` resources of a service: `id` = remote path, `params.provider`, `keys` (omitted for bulk), `secretType`. */
export function secretResources(s: TopologyService): Record<string, ResourceSpec> {
  const out: Record<string, ResourceSpec> = {};
  for (const x of sortedSecrets(s)) {
    out[x.name] = { type: 'secret', id: x.path, params: { provider: x.provider, ...(x.keys.length > 0 ? { keys: [...x.keys] } : {}), ...(x.secretType ? { secretType: x.secretType } : {}) } };
  }
  return out;
}

/**
 * The shared-volume resource of a service ({@link SHARED_VOLUME_RESOURCE}): owned (`id`, size 1Gi,
 * ReadWriteMany, `allowedConsumers`) or referenced (`id` only); `{}` when neither.
 */
export function volumeResources(s: TopologyService): Record<string, ResourceSpec> {
  if (s.sharedVolume) return { [SHARED_VOLUME_RESOURCE]: { type: 'volume', id: s.sharedVolume.id, params: { size: '1Gi', accessMode: 'ReadWriteMany', allowedConsumers: [...s.sharedVolume.consumers] } } };
  if (s.volumeRef) return { [SHARED_VOLUME_RESOURCE]: { type: 'volume', id: s.volumeRef } };
  return {};
}

/**
 * `container` consuming every secret of `s` by its route (variables, files, envFrom), mounting its
 * shared volume at `/srv/shared-data`, and carrying its security overrides (`capabilities:
 * [NET_BIND_SERVICE]`, `readOnlyRootFilesystem: false`); unchanged when none.
 */
export function withSecretUses(container: ContainerSpec, s: TopologyService): ContainerSpec {
  const secrets = sortedSecrets(s);
  const overrides = s.securityOverrides ?? [];
  const volume = s.sharedVolume !== undefined || s.volumeRef !== undefined;
  if (secrets.length === 0 && overrides.length === 0 && !volume) return container;
  const c: ContainerSpec = { ...container };
  if (volume) c.volumes = { ...(c.volumes ?? {}), [`/srv/${SHARED_VOLUME_RESOURCE}`]: { source: `\${resources.${SHARED_VOLUME_RESOURCE}}` } };
  if (overrides.length > 0) {
    c.security = {
      ...(c.security ?? {}),
      ...(overrides.includes('capability:NET_BIND_SERVICE') ? { capabilities: ['NET_BIND_SERVICE'] } : {}),
      ...(overrides.includes('readWriteRootFilesystem') ? { readOnlyRootFilesystem: false } : {}),
    };
  }
  for (const use of secrets.map(secretUse)) {
    if (use.route === 'env' || use.route === 'env-mixed') c.variables = { ...(c.variables ?? {}), [use.target]: secretUseText(use) };
    else if (use.route === 'file') c.files = { ...(c.files ?? {}), [use.target]: { content: secretUseText(use) } };
    else c.envFrom = [...(c.envFrom ?? []), use.resource];
  }
  return c;
}

const q = (v: string): string => JSON.stringify(v);

/** The Cedar text of one statement (see TopologyCedarStatement): `@id`, scope, and a `when` clause for attribute style or erroring. */
export function cedarStatementText(st: TopologyCedarStatement): string {
  const conditions: string[] = [];
  // Read first, so that the statement errors whenever its scope matches (the entities carry no `team`).
  if (st.erroring) conditions.push('principal.team == "platform"');
  let principal = 'principal';
  if ('key' in st.principal && st.style === 'uid') principal = `principal == Lattice::Service::${q(st.principal.key)}`;
  else {
    conditions.push('principal.kind == "service"');
    if ('key' in st.principal) {
      const slash = st.principal.key.indexOf('/');
      conditions.push(`principal.namespace == ${q(st.principal.key.slice(0, slash))}`, `principal.name == ${q(st.principal.key.slice(slash + 1))}`);
    } else conditions.push(`principal.namespace == ${q(st.principal.namespace)}`);
  }
  let resource = 'resource';
  const r = st.resource;
  if ('exact' in r) {
    if (r.exact.type === 'Mesh' || st.style === 'uid') resource = `resource == ${gateResourceUid(r.exact)}`;
    else if (r.exact.type === 'SecurityOverride') conditions.push(`resource.category == ${q(r.exact.category)}`, `resource.override_id == ${q(r.exact.id)}`);
    else if (r.exact.type === 'ImageRef') conditions.push(`resource.registry == ${q(r.exact.registry)}`, `resource.name == ${q(r.exact.name)}`, `resource.tag == ${q(r.exact.tag)}`);
    else if (r.exact.type === 'Volume') {
      const slash = r.exact.id.indexOf('/');
      conditions.push(`resource.namespace == ${q(r.exact.id.slice(0, slash))}`, `resource.volume_id == ${q(r.exact.id.slice(slash + 1))}`);
    }
    else conditions.push(`resource.provider == ${q(r.exact.provider)}`, `resource.path == ${q(r.exact.path)}`);
  } else conditions.push(`resource.provider == ${q(r.provider)}`, `resource.path like ${q(`${r.pathPrefix}*`)}`);
  const head = [`@id(${q(st.id)})`, `${st.effect} (`, `  ${principal},`, `  action == Lattice::Action::${q(st.action)},`, `  ${resource}`, ')'];
  return conditions.length === 0 ? `${head.join('\n')};` : `${head.join('\n')}\nwhen {\n  ${conditions.join(' &&\n  ')}\n};`;
}

/** Priority of each drawn CedarPolicy (higher loaded first; Cedar semantics do not depend on it). */
const PRIORITY = 50;

/** The CedarPolicy objects of a drawn set, in its order (`enabled: false` written out for disabled ones); none for an empty set. */
export function renderCedarPolicies(cedar: TopologyCedar): CedarPolicy[] {
  return cedar.policies.map((p) => ({
    ...CedarPolicyType,
    metadata: { name: p.name, namespace: LATTICE_SYSTEM_NAMESPACE },
    spec: {
      description: `lattice-sim: drawn Cedar statements (${p.statements.length})`,
      policies: `${p.statements.map(cedarStatementText).join('\n\n')}\n`,
      priority: PRIORITY,
      ...(p.enabled ? {} : { enabled: false }),
    },
  }));
}

/** True when the topology carries a drawn Cedar set (render writes it instead of the implicit permits). */
export const hasDrawnCedar = (t: Topology): t is Topology & { cedar: TopologyCedar } => t.cedar !== undefined;

/** Name of the topology's enforcing ImageProvider (lattice-system) and of its one trust authority. */
export const IMAGE_TRUST_PROVIDER = 'lattice-sim-signing';
export const IMAGE_TRUST_AUTHORITY = 'release';
/** The authority's public key (text the simulated registry matches signatures against; it signs nothing of a topology). */
export const IMAGE_TRUST_KEY = '-----BEGIN PUBLIC KEY-----\nlattice-sim release signing key\n-----END PUBLIC KEY-----\n';

/**
 * The objects of `t.imageTrust` (none when off): ImageProvider {@link IMAGE_TRUST_PROVIDER} enforcing
 * `trust` for images starting with {@link IMAGE_TRUST_REGISTRY} (one authority, its key from the
 * `lattice-local` store), and the authority's key Secret `<provider>-trust-<authority>-credentials` in
 * lattice-system as ESO would have synced it (reference controller.rs `resolve_image_trust`; the port has
 * no ImageProvider controller to create that ExternalSecret, so the topology ships the synced Secret).
 */
export function renderImageTrust(t: Pick<Topology, 'imageTrust'>): KubeObject[] {
  if (!t.imageTrust) return [];
  const provider: ImageProvider = {
    ...ImageProviderType,
    metadata: { name: IMAGE_TRUST_PROVIDER, namespace: LATTICE_SYSTEM_NAMESPACE },
    spec: { type: 'generic', registry: IMAGE_TRUST_REGISTRY, trust: { enforce: true, authorities: [{ name: IMAGE_TRUST_AUTHORITY, key: { id: 'lattice-sim/cosign-release', provider: 'lattice-local' } }] } },
  };
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${IMAGE_TRUST_PROVIDER}-trust-${IMAGE_TRUST_AUTHORITY}-credentials`, namespace: LATTICE_SYSTEM_NAMESPACE },
    type: 'Opaque',
    data: { 'cosign.pub': Buffer.from(IMAGE_TRUST_KEY).toString('base64') },
  } as KubeObject;
  return [provider, secret];
}

/**
 * One LatticeQuota in lattice-system per service with {@link TopologyService.quota}, named
 * `<ns>.<name>`: principal `Lattice::Service::"<ns>/<name>"`, cpu limit {@link QUOTA_LIMIT_CPU}, per-workload
 * cpu cap {@link quotaCpuCap} (the service's demand when `within`, 1m below it when `capped`). The workload controllers read
 * only lattice-system quotas (platform/controllers/quota-budget.ts).
 */
export function renderQuotas(t: Pick<Topology, 'services'>): KubeObject[] {
  return t.services
    .filter((s) => s.quota !== undefined)
    .map(
      (s): LatticeQuota => ({
        ...LatticeQuotaType,
        metadata: { name: `${s.namespace}.${s.name}`, namespace: LATTICE_SYSTEM_NAMESPACE },
        spec: { principal: `Lattice::Service::${JSON.stringify(`${s.namespace}/${s.name}`)}`, limits: { cpu: QUOTA_LIMIT_CPU }, maxPerWorkload: { cpu: quotaCpuCap(s) } },
      }),
    );
}
