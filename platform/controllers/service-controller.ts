/**
 * LatticeService controller (reference §2.8). Per reconcile:
 * 1. Pending → Compiling (requeue 5 s).
 * 2. Quota: the lattice-system LatticeQuotas covering the service give its budget (quota-budget.ts); a
 *    demand over it fails the compile before the Cedar gates: phase Failed `quota exceeded: …`,
 *    `Ready/False/ValidationFailed`, `Compiled/False/QuotaExceeded`, the existing Deployment scaled to 0
 *    (reference controller.rs:1025-1033); requeue 30 s. A quota changed before the apply ⇒ requeue 1 s.
 *    Image trust: an enforcing ImageProvider's key Secret missing → Compiling `Waiting for image trust key
 *    material: …` (requeue 5 s); else the image verifier checks the images it covers. From here on every
 *    status carries the `ImageVerified` condition (book §4.8; service-status.ts `imageVerifiedCondition`)
 *    while some ImageProvider enforces trust.
 *    Compile with the Cedar gates first (all-or-nothing; SkipImageVerification for unsigned images last). Denied → phase Failed, conditions
 *    `Ready/False/ValidationFailed` (reference text), `PolicyAuthorized/False/<Gate>Denied` (the gate,
 *    the service, the resource and what to do), `SecretsResolved/Unknown/BlockedByAuthorization`,
 *    `Compiled/False/AuthorizationFailed` (book §4.8); requeue 30 s. The service's ExternalSecrets are
 *    deleted (reference: a revoked grant) unless the denied spec is a newer generation than the one the
 *    running resources were derived from (book §8.6 "Update failure": those are left running).
 * 3. Layer 1 (infrastructure, incl. the LatticeMeshMember, TracingPolicyNamespaced, VMServiceScrape;
 *    extension kinds whose CRD is not installed are skipped with a warning) applied; wait until every
 *    Secret the pods need exists (option `esoWait`: `all`, or the reference's `imagePullSecrets` only;
 *    ESO synced; poll 2 s, `SecretsResolved/False`, fail after 120 s with no Deployment); layer 2
 *    (Deployment); layer 3 (ScaledObject).
 * 4. Orphans (PDB, ScaledObject no longer produced) deleted.
 * 5. Mesh gate: LatticeMeshMember Ready → service Ready with `Compiled/True` (`<n> resources compiled`)
 *    and `status.compiledResources` {count, types, resources, generation} (book §4.8) (requeue 60 s);
 *    Failed → service Failed `MeshMember failed: ...`; otherwise stay Compiling (requeue 5 s).
 * Status writes are merge patches of the status subresource, skipped when nothing changed.
 * Reads go through the client given (the informer cache in the simulator). Port lookups read only
 * the services this one names. Re-queues: a LatticeService's spec change re-queues the services
 * that name it (their `${resources.X.port}` may change; reverse index fed by events); a mesh member
 * change re-queues its owner; a CedarPolicy change re-queues all.
 */
import type { KubeClient, KubeObject, ObjectKey } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound, isNotFound, rfc3339 } from '../../fake-apiserver/api/index.ts';
import type { Condition } from '../../fake-apiserver/api/index.ts';
import { compileService } from '../compiler/index.ts';
import type { OutboundServiceWildcard } from '../compiler/index.ts';
import { gateConditionMessage, volumeOwnerIndex, volumeReferences, type VolumeOwnerLookup } from '../cedar/index.ts';
import type { ControllerDefinition, ReconcileContext, ReconcileResult } from '../runtime/index.ts';
import { done, requeueAfter } from '../runtime/index.ts';
import {
  CedarPolicyType,
  ImageProviderType,
  LABEL_SERVICE_OWNER,
  LATTICE_SYSTEM_NAMESPACE,
  LatticeMeshMemberType,
  LatticeServiceType,
} from '../crds/types.ts';
import type { CompiledResourcesSummary, CredentialSpec, ImageProvider, LatticeMeshMember, LatticeService, LatticeServiceStatus } from '../crds/types.ts';
import { derivedName } from '../mesh/index.ts';
import { mergeCondition, sameConditions, dropCondition } from './conditions.ts';
import { SecretType } from './core-types.ts';
import { applyAll, applyServed, deleteIfExists } from './apply.ts';
import { COMPILED, POLICY_AUTHORIZED, SECRETS_RESOLVED, compiledResourcesSummary, denialConditionMessage, IMAGE_VERIFIED, imageVerifiedCondition } from './service-status.ts';
import type { CedarLoader } from './cedar-loader.ts';
import { formatProblem, latticeServiceProblems } from '../validation/index.ts';
import { workloadImages } from '../cedar/images.ts';
import { cosignImageVerifier, type ImageVerifier } from './image-trust.ts';
import { quotasUnchanged } from './quota-budget.ts';
import { servicePortLookup, workloadCompileContext } from './workload-compile-context.ts';

/** Field manager of every write. */
export const SERVICE_CONTROLLER = 'lattice-service-controller';

const ExternalSecretType = { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret' };
const PdbType = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' };
const CnpType = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy' };
/** Kinds of the wrapper's extensions: skipped with a warning when their CRD is not installed (reference §2.8 step 9). */
const EXTENSION_KINDS = new Set(['TracingPolicyNamespaced', 'VMServiceScrape']);
const ScaledObjectType = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject' };
const DeploymentType = { apiVersion: 'apps/v1', kind: 'Deployment' };

/** Requeue intervals (reference §7) and the ESO wait budget, in ms. */
export interface ServiceControllerTimings {
  readyRequeueMs: number;
  progressRequeueMs: number;
  failureRequeueMs: number;
  secretPollMs: number;
  secretWaitTimeoutMs: number;
  /** After a spec validation failure (reference REQUEUE_SUCCESS_SECS, 300 s: only a spec change fixes it). */
  validationRequeueMs: number;
  /** After a quota changed between reading the budget and applying (reference: 1 s). */
  quotaChangedRequeueMs: number;
}

export const DEFAULT_SERVICE_TIMINGS: ServiceControllerTimings = {
  readyRequeueMs: 60_000,
  progressRequeueMs: 5_000,
  failureRequeueMs: 30_000,
  secretPollMs: 2_000,
  secretWaitTimeoutMs: 120_000,
  validationRequeueMs: 300_000,
  quotaChangedRequeueMs: 1_000,
};

/** Options of the service controller. */
export interface ServiceControllerOptions {
  client: KubeClient;
  cedar: CedarLoader;
  clusterName: string;
  /** SPIFFE trust domain of the mesh (vmagent's principal in `allow-scrape-<svc>`); default `cluster.local`. */
  trustDomain?: string;
  /** Monitoring enabled on the cluster (reference `MonitoringConfig.enabled`, default true): VMServiceScrape for metrics ports. */
  monitoring?: boolean;
  timings?: Partial<ServiceControllerTimings>;
  /**
   * Checks image signatures for ImageProviders that enforce `trust` (image-trust.ts; default
   * {@link cosignImageVerifier}, the `cosign` binary). Not asked when no ImageProvider enforces trust.
   */
  imageVerifier?: ImageVerifier;
  /**
   * Which Secrets the Deployment waits for between layer 1 and layer 2 (poll 2 s, fail after 120 s):
   * `all` (default, the book's pipeline, Chapter 8 §8.4: every Secret the pods read — secretKeyRef,
   * envFrom, secret volumes) or `imagePullSecrets` (the reference operator: only the pod's
   * `imagePullSecrets`; env and file Secrets are left to the kubelet, which holds the pods until ESO
   * syncs them; crates/lattice-service/src/controller.rs:284-293, 524-600).
   */
  esoWait?: EsoWait;
  /**
   * What an outbound `type: service` resource with `id: "*"` means (compiler {@link OutboundServiceWildcard}):
   * `dependsAll` (default) or `dependency` (the reference operator: an ordinary dependency named `*`).
   */
  outboundServiceWildcard?: OutboundServiceWildcard;
}

/** What the ESO wait waits for (see {@link ServiceControllerOptions.esoWait}). */
export type EsoWait = 'all' | 'imagePullSecrets';

/**
 * `"ns/name"` keys of the LatticeServices `ls` may look up for `${resources.X.port|url}`: each
 * service / external-service resource by key and by id (namespace defaulted to ls's), sorted;
 * wildcards and ids that are not object names (`entity:world`) are left out.
 */
export function referencedServices(ls: LatticeService): string[] {
  const out = new Set<string>();
  for (const [key, r] of Object.entries(ls.spec?.workload?.resources ?? {})) {
    const target = r as { id?: string; namespace?: string; type?: string };
    if ((target.type ?? 'service') !== 'service' && target.type !== 'external-service') continue;
    if (target.id === '*') continue;
    for (const name of [key, target.id ?? key]) if (/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) out.add(`${target.namespace ?? ls.metadata.namespace}/${name}`);
  }
  return [...out].sort();
}

/**
 * The `Compiled=False` message: nothing was produced for `generation` (all-or-nothing), and, when an
 * earlier generation's output is still running, which generation and how many resources.
 */
function compiledFailureMessage(generation: number | undefined, previous: CompiledResourcesSummary | undefined): string {
  const none = `no resources compiled for generation ${generation ?? '?'} (all-or-nothing)`;
  return previous ? `${none}; the ${previous.count} resources of generation ${previous.generation} are left running` : none;
}

/**
 * A JSON merge patch value that makes the stored summary equal `next`: keys of `types` that `cur` has
 * and `next` lacks are set to null (RFC 7386 deletes them); arrays and scalars are replaced whole.
 */
function replacingMerge(cur: CompiledResourcesSummary | null | undefined, next: CompiledResourcesSummary): Record<string, unknown> {
  const types: Record<string, number | null> = { ...next.types };
  for (const k of Object.keys(cur?.types ?? {})) if (!(k in types)) types[k] = null;
  return { count: next.count, types, resources: next.resources ?? null, generation: next.generation ?? null };
}

/** The LatticeService controller as a runner definition. */
export function serviceController(opts: ServiceControllerOptions): ControllerDefinition {
  const { client } = opts;
  const t = { ...DEFAULT_SERVICE_TIMINGS, ...opts.timings };
  const verifier = opts.imageVerifier ?? cosignImageVerifier();
  const allServices = async (): Promise<ObjectKey[]> =>
    (await client.list(LatticeServiceType)).items.map((s) => ({ namespace: s.metadata.namespace, name: s.metadata.name }));
  // Reverse index fed by LatticeService events: target key → services that name it (for port lookups).
  const namedBy = new Map<string, Set<string>>();
  const names = new Map<string, string[]>();
  /** A LatticeService's spec changed (or it was created or deleted): re-queue the services that name it. */
  const servicesNaming = (obj: KubeObject): ObjectKey[] => {
    const ls = obj as LatticeService;
    const self = `${ls.metadata.namespace}/${ls.metadata.name}`;
    for (const t of names.get(self) ?? []) namedBy.get(t)?.delete(self);
    const refs = referencedServices(ls);
    names.set(self, refs);
    for (const t of refs) (namedBy.get(t) ?? namedBy.set(t, new Set()).get(t)!).add(self);
    return [...(namedBy.get(self) ?? [])]
      .filter((k) => k !== self)
      .sort()
      .map((k) => ({ namespace: k.slice(0, k.indexOf('/')), name: k.slice(k.indexOf('/') + 1) }));
  };

  /**
   * Writes `next` unless it equals the current status (conditions compared without timestamps).
   * `compiledResources` left undefined keeps the current summary, `{count: 0}` on a first write.
   */
  async function writeStatus(ls: LatticeService, next: LatticeServiceStatus): Promise<void> {
    const cur = ls.status ?? {};
    const compiled = next.compiledResources ?? cur.compiledResources ?? compiledResourcesSummary([], undefined);
    if (
      cur.phase === next.phase &&
      (cur.message ?? null) === (next.message ?? null) &&
      (cur.observedGeneration ?? null) === (next.observedGeneration ?? null) &&
      sameConditions(cur.conditions, next.conditions) &&
      JSON.stringify(cur.compiledResources ?? null) === JSON.stringify(compiled)
    )
      return;
    await client
      .patchStatus(LatticeServiceType, { namespace: ls.metadata.namespace, name: ls.metadata.name }, 'merge', {
        status: {
          phase: next.phase,
          message: next.message ?? null,
          conditions: next.conditions ?? [],
          observedGeneration: next.observedGeneration ?? null,
          compiledResources: replacingMerge(cur.compiledResources, compiled),
        },
      })
      .catch(ignoreNotFound);
  }

  /**
   * The objects the service's derivation produced now (book §4.8 summary): the compiled layers that were
   * applied, without the LatticeMeshMember, plus its mesh member's policies as they stand (the
   * `cnp-mesh-<h>` the mesh-member controller keeps 1:1 with the member, and the AuthorizationPolicies /
   * PeerAuthentications its status lists). Reads the cache.
   */
  async function producedSummary(ls: LatticeService, applied: readonly KubeObject[], lmm: LatticeMeshMember | undefined): Promise<CompiledResourcesSummary> {
    const ns = ls.metadata.namespace!;
    const own = applied.filter((o) => o.kind !== LatticeMeshMemberType.kind);
    const mesh: Pick<KubeObject, 'kind' | 'metadata'>[] = (lmm?.status?.appliedResources ?? []).map((r) => ({ kind: r.kind, metadata: { name: r.name } }));
    const cnpName = derivedName('cnp-mesh-', [ns, ls.metadata.name]);
    if (await client.get(CnpType, { namespace: ns, name: cnpName }).catch(ignoreNotFound)) mesh.push({ kind: CnpType.kind, metadata: { name: cnpName } });
    return compiledResourcesSummary([...own, ...mesh], ls.metadata.generation);
  }

  /**
   * The shared-volume owner index `ls` needs (reference graph `get_volume_owner`; fidelity row "Shared
   * volume reference"): the LatticeServices of its own namespace and of each referenced volume's
   * namespace (from the cache), including Failed ones as the reference graph does. Services with no
   * shared-volume reference get an empty index (the lookup is never asked).
   */
  async function volumeOwners(ls: LatticeService): Promise<VolumeOwnerLookup> {
    const ns = ls.metadata.namespace!;
    const refs = volumeReferences(ns, ls.spec?.workload?.resources);
    if (refs.length === 0) return () => undefined;
    const owners: { namespace: string; name: string; resources: LatticeService['spec']['workload']['resources'] }[] = [];
    for (const n of [...new Set([ns, ...refs.map((r) => r.namespace)])].sort()) {
      for (const o of (await client.list<LatticeService>(LatticeServiceType, { namespace: n })).items) owners.push({ namespace: n, name: o.metadata.name, resources: o.spec?.workload?.resources });
    }
    return volumeOwnerIndex(owners);
  }

  /**
   * The credentials of each ImageProvider `ls` names in `imageProviders` (v1alpha1 `imagePullSecrets`), read from lattice-system
   * (the cache; reference lattice-cache `resolve_image_providers`): missing or credential-less
   * providers are left out, and the compiler refuses the spec naming them.
   */
  async function imageProviders(ls: LatticeService): Promise<(name: string) => CredentialSpec | undefined> {
    const found = new Map<string, CredentialSpec>();
    for (const p of ls.spec?.imageProviders ?? []) {
      const ip = (await client.get<ImageProvider>(ImageProviderType, { namespace: LATTICE_SYSTEM_NAMESPACE, name: p }).catch(ignoreNotFound)) as ImageProvider | undefined;
      if (ip?.spec?.credentials) found.set(p, ip.spec.credentials);
    }
    return (name) => found.get(name);
  }

  async function reconcile(key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult> {
    const ls = (await client.get<LatticeService>(LatticeServiceType, key).catch(ignoreNotFound)) as LatticeService | undefined;
    if (!ls || ls.metadata.deletionTimestamp) return done();
    const ns = ls.metadata.namespace!;
    const name = ls.metadata.name;
    const now = rfc3339(ctx.clock.now());
    const status = ls.status ?? {};
    const generation = ls.metadata.generation;

    // Spec validation first, on every reconcile (reference crates/lattice-service/src/controller.rs:818-829):
    // Failed with the first problem, Ready/False/ValidationFailed, nothing compiled or applied, requeue 300 s.
    const invalid = latticeServiceProblems(ls.spec);
    if (invalid.length > 0) {
      const message = formatProblem(invalid[0]);
      ctx.log.warn(`LatticeService ${ns}/${name}: validation failed: ${message}`);
      const conditions = mergeCondition(dropCondition(status.conditions, 'Compiling'), { type: 'Ready', status: 'False', reason: 'ValidationFailed', message }, now);
      await writeStatus(ls, { phase: 'Failed', message, conditions, observedGeneration: generation });
      return requeueAfter(t.validationRequeueMs);
    }

    if (!status.phase || status.phase === 'Pending') {
      await writeStatus(ls, {
        phase: 'Compiling',
        message: 'Compiling service dependencies',
        conditions: mergeCondition(status.conditions, { type: 'Compiling', status: 'True', reason: 'DependencyCheck', message: 'Compiling service dependencies' }, now),
        observedGeneration: status.observedGeneration ?? null,
      });
      return requeueAfter(t.progressRequeueMs);
    }

    // Image trust (reference controller.rs:961-980): the enforcing ImageProviders' keys must be present,
    // else wait (Compiling, requeue 5 s) rather than compile without verification; then the verifier
    // checks every image the pods run, and the compiler asks SkipImageVerification for the unsigned ones.
    // What verification found is the ImageVerified condition (book §4.8) on every status written from here
    // (none while no ImageProvider enforces trust).
    const images = workloadImages(ls.spec.workload, ls.spec.sidecars);
    const setup = await workloadCompileContext(client, { cedar: opts.cedar, verifier }, { obj: ls, what: 'workload', images, workloads: [ls.spec.workload] }, ctx.log);
    const imageCondition = imageVerifiedCondition(images, setup.trust);
    const imageVerified = imageCondition ? mergeCondition(status.conditions, imageCondition, now) : dropCondition(status.conditions, IMAGE_VERIFIED);
    if ('waiting' in setup) {
      const conditions = mergeCondition(imageVerified, { type: 'Compiling', status: 'True', reason: 'DependencyCheck', message: setup.waiting }, now);
      await writeStatus(ls, { phase: 'Compiling', message: setup.waiting, conditions, observedGeneration: status.observedGeneration ?? null });
      return requeueAfter(t.progressRequeueMs);
    }

    // Quota budget (reference controller.rs:930-959): the lattice-system quotas covering this service,
    // in the shared context with the Cedar engine and the graph lookup. What the graph knows of other
    // services' ports, for ${resources.X.port|url} (reference §2.2): only the services this one names.
    const result = compileService(ls, {
      ...setup.context,
      clusterName: opts.clusterName,
      trustDomain: opts.trustDomain,
      monitoring: opts.monitoring,
      outboundServiceWildcard: opts.outboundServiceWildcard,
      serviceLookup: await servicePortLookup(client, referencedServices(ls)),
      volumeOwner: await volumeOwners(ls),
      imageProviders: await imageProviders(ls),
    });

    if (!result.ok) {
      let conditions = mergeCondition(dropCondition(imageVerified, 'Compiling'), { type: 'Ready', status: 'False', reason: 'ValidationFailed', message: result.message }, now);
      const previous = status.compiledResources;
      const keepsPrevious = previous?.generation !== undefined && previous.generation !== generation && previous.count > 0;
      if (result.reason === 'denied') {
        // Reference §2.8 step 7 deletes the service's ExternalSecrets on a Cedar denial (a revoked grant).
        // A denied *update* leaves what the previous generation derived running instead (book §8.6
        // "Update failure"; platform/README.md "Fidelity").
        if (!keepsPrevious) {
          const externalSecrets = await client.list(ExternalSecretType, { namespace: ns, labelSelector: { matchLabels: { [LABEL_SERVICE_OWNER]: name } } });
          for (const es of externalSecrets.items) await deleteIfExists(client, ExternalSecretType, ns, es.metadata.name);
        }
        conditions = mergeCondition(conditions, { type: POLICY_AUTHORIZED, status: 'False', reason: `${result.gate}Denied`, message: denialConditionMessage(result.denials) }, now);
        conditions = mergeCondition(conditions, { type: SECRETS_RESOLVED, status: 'Unknown', reason: 'BlockedByAuthorization', message: 'not attempted: authorization failed first' }, now);
        conditions = mergeCondition(conditions, { type: COMPILED, status: 'False', reason: 'AuthorizationFailed', message: compiledFailureMessage(generation, keepsPrevious ? previous : undefined) }, now);
        ctx.log.warn(`LatticeService ${ns}/${name}: Cedar denied: ${result.message}; ${result.denials.map(gateConditionMessage).join('; ')}`);
      } else if (result.reason === 'quota-exceeded') {
        // Reference controller.rs:1025-1033: scale the existing Deployment to 0 so no pod runs over budget;
        // the Deployment stays, and the next successful compile applies its replicas again.
        await client
          .patch(DeploymentType, { namespace: ns, name }, 'merge', { spec: { replicas: 0 } }, { fieldManager: SERVICE_CONTROLLER })
          .catch((err: unknown) => ctx.log.warn(`LatticeService ${ns}/${name}: failed to scale down over-quota deployment (non-fatal): ${(err as Error).message}`));
        conditions = mergeCondition(conditions, { type: COMPILED, status: 'False', reason: 'QuotaExceeded', message: `${result.message} (the Deployment is scaled to 0 until the quota allows it)` }, now);
      } else {
        conditions = mergeCondition(conditions, { type: COMPILED, status: 'False', reason: 'CompileError', message: `${result.message} (${compiledFailureMessage(generation, keepsPrevious ? previous : undefined)})` }, now);
      }
      await writeStatus(ls, { phase: 'Failed', message: result.message, conditions, observedGeneration: generation });
      return requeueAfter(t.failureRequeueMs);
    }

    // Optimistic concurrency (reference controller.rs:1039-1053): a quota changed since the budget was
    // read (another compile may have consumed it) ⇒ requeue in 1 s rather than apply.
    if (!(await quotasUnchanged(client, setup.context.quotaBudget.snapshots))) {
      ctx.log.info(`LatticeService ${ns}/${name}: quota state changed during compilation, requeueing`);
      return requeueAfter(t.quotaChangedRequeueMs);
    }
    const authorized = mergeCondition(imageVerified, { type: POLICY_AUTHORIZED, status: 'True', reason: 'GatesPassed', message: 'every Cedar gate the spec triggers permitted this service' }, now);
    const skipped = await applyServed(client, result.layers.infrastructure, SERVICE_CONTROLLER, EXTENSION_KINDS);
    for (const o of skipped) ctx.log.warn(`LatticeService ${ns}/${name}: ${o.kind} ${o.metadata.name} skipped: its CRD is not installed`);

    const missing: string[] = [];
    const podSpec = (result.layers.workload[0] as { spec?: { template?: { spec?: { imagePullSecrets?: { name: string }[] } } } } | undefined)?.spec?.template?.spec;
    const awaited = (opts.esoWait ?? 'all') === 'all' ? result.secretNames : (podSpec?.imagePullSecrets ?? []).map((r) => r.name);
    for (const secret of awaited) {
      try {
        await client.get(SecretType, { namespace: ns, name: secret });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        missing.push(secret);
      }
    }
    if (missing.length > 0) {
      // One reason for the whole wait, so its lastTransitionTime marks when the wait began (the timeout's origin).
      const waiting = mergeCondition(authorized, { type: SECRETS_RESOLVED, status: 'False', reason: 'WaitingForExternalSecrets', message: `waiting for ESO to sync ${missing.join(', ')}` }, now);
      const since = Date.parse(waiting.find((c) => c.type === SECRETS_RESOLVED)!.lastTransitionTime!);
      if (ctx.clock.now() - since >= t.secretWaitTimeoutMs) {
        const message = `timed out after ${t.secretWaitTimeoutMs / 1000}s waiting for ExternalSecrets to sync: ${missing.join(', ')}`;
        const advice = `${message}; no Deployment was created. Check the ExternalSecrets' SecretSynced conditions and the secret backend behind their store; the service retries every ${t.failureRequeueMs / 1000}s.`;
        let failed = mergeCondition(waiting, { type: 'Ready', status: 'False', reason: 'ValidationFailed', message }, now);
        failed = mergeCondition(failed, { type: SECRETS_RESOLVED, status: 'False', reason: 'WaitingForExternalSecrets', message: advice }, now);
        failed = mergeCondition(failed, { type: COMPILED, status: 'False', reason: 'SecretsNotResolved', message: compiledFailureMessage(generation, undefined) }, now);
        await writeStatus(ls, { phase: 'Failed', message, conditions: failed, observedGeneration: generation });
        return requeueAfter(t.failureRequeueMs);
      }
      const pending = mergeCondition(waiting, { type: COMPILED, status: 'Unknown', reason: 'WaitingForExternalSecrets', message: 'infrastructure applied; the Deployment waits for its Secrets' }, now);
      await writeStatus(ls, { phase: 'Compiling', message: `Waiting for ExternalSecrets to sync: ${missing.join(', ')}`, conditions: pending, observedGeneration: status.observedGeneration ?? null });
      return requeueAfter(t.secretPollMs);
    }
    let conditions: Condition[] = mergeCondition(authorized, { type: SECRETS_RESOLVED, status: 'True', reason: 'ExternalSecretsSynced', message: `${awaited.length} secret(s) present` }, now);

    await applyAll(client, result.layers.workload, SERVICE_CONTROLLER);
    await applyAll(client, result.layers.scaling, SERVICE_CONTROLLER);
    const skippedKeys = new Set(skipped.map((o) => `${o.kind}/${o.metadata.name}`));
    const applied = [...result.layers.infrastructure, ...result.layers.workload, ...result.layers.scaling].filter((o) => !skippedKeys.has(`${o.kind}/${o.metadata.name}`));
    const produced = new Set([...result.layers.infrastructure, ...result.layers.scaling].map((o) => `${o.kind}/${o.metadata.name}`));
    if (!produced.has(`PodDisruptionBudget/${name}`)) await deleteIfExists(client, PdbType, ns, name);
    if (!produced.has(`ScaledObject/${name}`)) await deleteIfExists(client, ScaledObjectType, ns, name);

    const lmm = (await client.get<LatticeMeshMember>(LatticeMeshMemberType, { namespace: ns, name }).catch(ignoreNotFound)) as LatticeMeshMember | undefined;
    const meshPhase = lmm?.status?.phase;
    if (meshPhase === 'Failed') {
      const message = `MeshMember failed: ${lmm?.status?.message ?? ''}`;
      conditions = mergeCondition(dropCondition(conditions, 'Compiling'), { type: 'Ready', status: 'False', reason: 'ValidationFailed', message }, now);
      await writeStatus(ls, { phase: 'Failed', message, conditions, observedGeneration: generation });
      return requeueAfter(t.failureRequeueMs);
    }
    if (meshPhase !== 'Ready' || lmm?.status?.observedGeneration !== lmm?.metadata.generation) {
      conditions = mergeCondition(conditions, { type: COMPILED, status: 'Unknown', reason: 'WaitingForMeshMember', message: 'workload applied; waiting for the mesh member policies' }, now);
      await writeStatus(ls, { phase: 'Compiling', message: 'Waiting for mesh member policies', conditions, observedGeneration: status.observedGeneration ?? null });
      return requeueAfter(t.progressRequeueMs);
    }
    const compiledResources = await producedSummary(ls, applied, lmm);
    conditions = mergeCondition(conditions, { type: COMPILED, status: 'True', reason: 'ResourcesCompiled', message: `${compiledResources.count} resources compiled` }, now);
    conditions = mergeCondition(dropCondition(conditions, 'Compiling'), { type: 'Ready', status: 'True', reason: 'ServiceReady', message: 'Service is operational' }, now);
    await writeStatus(ls, { phase: 'Ready', message: 'Service is operational', conditions, observedGeneration: generation, compiledResources });
    return requeueAfter(t.readyRequeueMs);
  }

  return {
    name: SERVICE_CONTROLLER,
    primary: LatticeServiceType,
    generationChangedOnly: true,
    watches: [
      { type: LatticeMeshMemberType, map: (lmm) => (lmm.metadata.ownerReferences ?? []).filter((r) => r.kind === 'LatticeService').map((r) => ({ namespace: lmm.metadata.namespace, name: r.name })) },
      { type: CedarPolicyType, generationChangedOnly: true, map: allServices },
      { type: LatticeServiceType, generationChangedOnly: true, map: servicesNaming },
    ],
    reconciler: { reconcile },
  };
}
