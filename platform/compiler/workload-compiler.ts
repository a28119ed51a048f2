/**
 * The shared WorkloadCompiler (reference §2.1–§2.6): a pure function from a workload spec and a
 * {@link CompileContext} to a pod template, its supporting objects and the generated LatticeMeshMember.
 * All Cedar gates are asked before anything is built; one denial ⇒ no objects at all.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { externalEndpointRequests, secretRequests, securityOverrideRequests } from '../cedar/overrides.ts';
import { volumeConsentDenial, volumeDecisionDenies, volumeReferences, volumeRequests } from '../cedar/volumes.ts';
import { imageVerificationMessage, imageVerificationRequests, workloadImages } from '../cedar/images.ts';
import { denialMessage } from '../cedar/format.ts';
import type { CedarPrincipal, GateAction, GateDecision, GateRequest } from '../cedar/types.ts';
import {
  LABEL_NAME,
  LatticeMeshMemberType,
  type ContainerSpec,
  type EgressRule,
  type FileMount,
  type LatticeMeshMember,
  type MeshMemberPort,
  type Probe,
  type ResourceSpec,
  type SecurityContext,
  type ServiceRef,
  type SidecarSpec,
} from '../crds/types.ts';
import { latticeLabels, makeObject, objectMeta, sortedUnique } from './objects.ts';
import {
  baseExternalSecret,
  checkSecretRef,
  envEsoExternalSecrets,
  envFromSecretName,
  fileExternalSecret,
  imagePullExternalSecret,
  imagePullSecretName,
  secretKeyRefEnv,
  secretResources,
  type SecretOwner,
  type SecretResource,
  type TemplatedVariable,
} from './secrets.ts';
import {
  buildTemplateContext,
  egressTarget,
  expandTemplate,
  extractSecretRefs,
  fileKey,
  isWildcard,
  parsePureSecretRef,
  renderFileText,
  resourceDirection,
  resourceEndpoints,
  resourceType,
  sanitizeDnsLabel,
  volumeClaimName,
  type TemplateContext,
} from './template.ts';
import { SpecError, type CompileContext, type DeniedResult, type QuotaExceededResult, type WorkloadCompileInput, type WorkloadCompileResult } from './types.ts';
import { checkBudget } from '../quota/budget.ts';
import { QuantityParseError, workloadDemand } from '../quota/resources.ts';

/** Pod annotation that triggers a rollout when config content changes (reference §2.3). */
export const CONFIG_HASH_ANNOTATION = 'lattice.dev/config-hash';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** One container being assembled (main, sidecar or init sidecar). */
interface ContainerBuild {
  name: string;
  spec: ContainerSpec | SidecarSpec;
  kind: 'main' | 'sidecar' | 'init';
  env: Json[];
  envFrom: Json[];
  mounts: Json[];
}

/** State shared by the pipeline stages of one compile. */
interface Build {
  input: WorkloadCompileInput;
  ctx: CompileContext;
  owner: SecretOwner;
  secrets: Map<string, SecretResource>;
  volumeClaims: Map<string, string>;
  podVolumes: Map<string, Json>;
  podLabels: Record<string, string>;
  pvcs: KubeObject[];
  configMaps: KubeObject[];
  secretObjects: KubeObject[];
  externalSecrets: KubeObject[];
  hashLines: string[];
  notModelled: string[];
  /** Shared volume ids this workload references whose (other) owner is known: pod affinity to `lattice.io/vol-<id>`. */
  colocateWith: string[];
  /** The first `type: gpu` resource's params (reference pod_template.rs `extract_gpu`), if any. */
  gpu: GpuParams | undefined;
}

/**
 * Compiles one workload (reference §2.1 order): volumes → secrets → quota (`ctx.quotaBudget`) →
 * Cedar AccessSecret → AccessVolume → OverrideSecurity → AccessExternalEndpoint → image trust /
 * SkipImageVerification (first failing gate aborts) → render → env/file ConfigMaps →
 * pod template → config hash → generated LatticeMeshMember.
 *
 * Input: name/namespace/kind of the workload, its WorkloadSpec and RuntimeSpec, optional owner refs
 * (stamped on every object but the LMM), ingress/advertise (copied into the LMM), ESO content hash.
 * Output: {@link CompiledWorkload} on success; `{ok: false, reason: 'denied', gate, denials, message}`
 * when a gate denies (the first failing gate's denials only; message from `denialMessage`); `{ok: false,
 * reason: 'invalid', message}` for spec errors (bad template, undeclared secret key, unsupported type);
 * `{ok: false, reason: 'quota-exceeded', message}` over the quota budget. Never throws for bad specs; pure (no I/O, no clock).
 */
export function compileWorkload(input: WorkloadCompileInput, ctx: CompileContext): WorkloadCompileResult {
  try {
    return compile(input, ctx);
  } catch (e) {
    if (e instanceof SpecError) return { ok: false, reason: 'invalid', message: e.message };
    throw e;
  }
}

function compile(input: WorkloadCompileInput, ctx: CompileContext): WorkloadCompileResult {
  const resources = input.workload.resources ?? {};
  const containerNames = Object.keys(input.workload.containers ?? {}).sort();
  if (containerNames.length === 0) throw new SpecError('Invalid', 'workload.containers must declare at least one container');
  const b: Build = {
    input,
    ctx,
    owner: { workload: input.name, namespace: input.namespace, ownerReferences: input.ownerReferences },
    secrets: new Map(),
    volumeClaims: new Map(),
    podVolumes: new Map(),
    podLabels: latticeLabels(input.name),
    pvcs: [],
    configMaps: [],
    secretObjects: [],
    externalSecrets: [],
    hashLines: [],
    notModelled: [],
    colocateWith: [],
    gpu: gpuParams(resources),
  };
  for (const key of Object.keys(resources).sort()) {
    const type = resourceType(resources[key]);
    if (!['service', 'external-service', 'volume', 'secret', 'gpu'].includes(type)) b.notModelled.push(`resource '${key}': custom type '${type}' has no provisioner (no outputs)`);
  }

  // 1. Volumes.
  compileVolumes(b, resources);
  // 2. Secrets: base ExternalSecret per secret resource.
  b.secrets = secretResources(resources);
  for (const s of b.secrets.values()) b.externalSecrets.push(baseExternalSecret(s, b.owner));

  // 3. Quota (reference compiler.rs:430-438): the demand against the budget, before authorization.
  const overQuota = checkQuota(input, ctx);
  if (overQuota) return overQuota;

  // 4–7. Cedar gates, before anything is rendered.
  const denied = authorizeGates(input, ctx, resources);
  if (denied) return denied;

  // 9–11. Render containers and sidecars.
  const tctx = buildTemplateContext({
    name: input.name,
    namespace: input.namespace,
    annotations: input.annotations,
    resources,
    clusterName: ctx.clusterName,
    serviceLookup: ctx.serviceLookup,
  });
  const builds: ContainerBuild[] = [];
  for (const name of containerNames) builds.push(renderMainContainer(b, name, input.workload.containers[name], tctx));
  const sidecars = input.runtime?.sidecars ?? {};
  for (const name of Object.keys(sidecars).sort()) builds.push(renderSidecar(b, name, sidecars[name], tctx));

  // 12. Pod template.
  // Pull credentials per ImageProvider (reference compiler.rs:711-757): after the gates, not Cedar-gated.
  const providers = input.runtime?.imagePullSecrets ?? [];
  const imagePullSecretNames = providers.map((p) => imagePullSecretName(input.name, p));
  if (providers.length > 0 && ctx.imageProviders) {
    for (const p of providers) {
      const creds = ctx.imageProviders(p);
      if (!creds) throw new SpecError('Invalid', `resource '${p}': imagePullSecrets references ImageProvider '${p}' which was not found`);
      b.externalSecrets.push(imagePullExternalSecret(p, creds, b.owner));
    }
  } else if (providers.length > 0) {
    b.notModelled.push(`imagePullSecrets: ImageProvider lookup and the '<workload>-<provider>-credentials' ExternalSecrets are not generated (${imagePullSecretNames.join(', ')})`);
  }
  const podSpec = buildPodSpec(b, builds, imagePullSecretNames);

  // 13. Config hash and mesh member.
  if (input.esoContentHash) b.hashLines.push(`eso:${input.esoContentHash}\n`);
  const configHash = createHash('sha256').update(b.hashLines.join('')).digest('hex').slice(0, 16);
  const secretNames = sortedUnique(collectSecretNames(podSpec));
  return {
    ok: true,
    podTemplate: { metadata: { labels: b.podLabels, annotations: { [CONFIG_HASH_ANNOTATION]: configHash } }, spec: podSpec },
    persistentVolumeClaims: b.pvcs,
    configMaps: b.configMaps,
    secrets: b.secretObjects,
    externalSecrets: b.externalSecrets,
    meshMember: buildMeshMember(b),
    configHash,
    secretNames,
    imagePullSecretNames,
    notModelled: b.notModelled,
  };
}

// ---------------------------------------------------------------------------------------------
// Quota (reference crates/lattice-workload/src/compiler.rs:430-438)

/**
 * The workload's demand (main containers' requests × `input.replicas`, its GPUs) against
 * `ctx.quotaBudget`. Output: `undefined` without a budget or within it; else the failure
 * `quota exceeded: <checkBudget reason>` (an unreadable request: `quota exceeded: invalid resource quantity: …`).
 */
function checkQuota(input: WorkloadCompileInput, ctx: CompileContext): QuotaExceededResult | undefined {
  if (!ctx.quotaBudget) return undefined;
  let why: string | undefined;
  try {
    why = checkBudget(ctx.quotaBudget, workloadDemand(input.workload, input.replicas ?? 1));
  } catch (e) {
    if (!(e instanceof QuantityParseError)) throw e;
    why = e.message;
  }
  return why === undefined ? undefined : { ok: false, reason: 'quota-exceeded', message: `quota exceeded: ${why}` };
}

// ---------------------------------------------------------------------------------------------
// Gates (reference §3.2; crates/lattice-workload/src/compiler.rs:441-502)

/**
 * Runs the gates one after another, as the reference does: AccessSecret → AccessVolume →
 * OverrideSecurity → AccessExternalEndpoint → SkipImageVerification (image trust); the first gate with a denial aborts and reports that
 * gate's denials only (fidelity row "Order of the Cedar gates"). Every request is built first, so an
 * unparsable endpoint is a spec error whatever the gates say. AccessVolume: with `ctx.volumeOwner`,
 * owner consent first, then Cedar in permissive mode; without it, Cedar must permit (platform/cedar/volumes.ts).
 * Output: the failure, or `undefined` when every gate passes. Throws SpecError for an unparsable endpoint.
 */
function authorizeGates(input: WorkloadCompileInput, ctx: CompileContext, resources: Record<string, ResourceSpec>): DeniedResult | undefined {
  const principal: CedarPrincipal = { namespace: input.namespace, name: input.name, kind: input.kind };
  let endpoints: GateRequest[];
  try {
    endpoints = externalEndpointRequests(principal, resources);
  } catch (e) {
    throw new SpecError('Invalid', (e as Error).message);
  }
  const deny = (gate: GateAction, denials: GateDecision[], message = denialMessage(denials)): DeniedResult => ({ ok: false, reason: 'denied', gate, denials, message });
  const ask = (requests: GateRequest[]): GateDecision[] => (requests.length > 0 ? ctx.authorizer.authorize(requests) : []);
  const secrets = ask(secretRequests(principal, resources)).filter((d) => !d.allowed);
  if (secrets.length > 0) return deny('AccessSecret', secrets);
  const volumes = volumeRequests(principal, resources);
  if (volumes.length > 0) {
    const lookup = ctx.volumeOwner;
    if (lookup) {
      const refused: GateDecision[] = [];
      const details: string[] = [];
      for (const [i, ref] of volumeReferences(input.namespace, resources).entries()) {
        const why = volumeConsentDenial(principal, ref, lookup(ref.namespace, ref.volumeId));
        if (why === undefined) continue;
        details.push(why);
        refused.push({ request: volumes[i], allowed: false, reason: why.slice(why.indexOf(': ') + 2), policies: [] });
      }
      if (refused.length > 0) return deny('AccessVolume', refused, `volume access denied: ${details.join('; ')}`);
    }
    const cedar = ask(volumes).filter((d) => volumeDecisionDenies(d, lookup !== undefined));
    if (cedar.length > 0) return deny('AccessVolume', cedar);
  }
  const overrides = ask(securityOverrideRequests(principal, { workload: input.workload, ...(input.runtime ?? {}) })).filter((d) => !d.allowed);
  if (overrides.length > 0) return deny('OverrideSecurity', overrides);
  const external = ask(endpoints).filter((d) => !d.allowed);
  if (external.length > 0) return deny('AccessExternalEndpoint', external);
  return authorizeImages(input, ctx, principal, deny, ask);
}

/**
 * Image trust, the last gate (reference compiler.rs `verify_images`, after the external endpoints): each
 * distinct image the workload runs (containers, then sidecars) as `ctx.imageVerification` found it; the
 * unsigned ones, in image order, are asked of Cedar `SkipImageVerification`, and one denial fails the
 * compile with the reference's text naming every unsigned image. No `ctx.imageVerification` ⇒ no trust
 * is enforced (the gate is not asked). Throws SpecError (code `ImageVerificationError`) when the
 * verifier itself failed for an image.
 */
function authorizeImages(
  input: WorkloadCompileInput,
  ctx: CompileContext,
  principal: CedarPrincipal,
  deny: (gate: GateAction, denials: GateDecision[], message?: string) => DeniedResult,
  ask: (requests: GateRequest[]) => GateDecision[],
): DeniedResult | undefined {
  if (!ctx.imageVerification) return undefined;
  const unsigned = new Map<string, string[]>();
  for (const image of sortedUnique(workloadImages(input.workload, input.runtime?.sidecars))) {
    const v = ctx.imageVerification(image);
    if (v.status === 'error') throw new SpecError('ImageVerificationError', v.message);
    if (v.status === 'unsigned') unsigned.set(image, v.reasons);
  }
  if (unsigned.size === 0) return undefined;
  const decisions = ask(imageVerificationRequests(principal, [...unsigned.keys()]));
  const denied = decisions.filter((d) => !d.allowed);
  return denied.length > 0 ? deny('SkipImageVerification', denied, imageVerificationMessage(unsigned, decisions)) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Volumes (reference §2.4)

function compileVolumes(b: Build, resources: Record<string, ResourceSpec>): void {
  const { name, namespace } = b.input;
  for (const key of Object.keys(resources).sort()) {
    const r = resources[key];
    if (resourceType(r) !== 'volume') continue;
    const p = r.params ?? {};
    const claim = volumeClaimName(name, key, r);
    b.volumeClaims.set(key, claim);
    if (p.size !== undefined) {
      const mode = p.accessMode ?? 'ReadWriteOnce';
      if (!['ReadWriteOnce', 'ReadWriteMany', 'ReadOnlyMany'].includes(mode)) {
        throw new SpecError('Invalid', `resource '${key}': params.accessMode '${mode}' must be ReadWriteOnce, ReadWriteMany or ReadOnlyMany`);
      }
      const spec: Json = { accessModes: [mode], resources: { requests: { storage: String(p.size) } } };
      if (p.storageClass) spec.storageClassName = p.storageClass;
      b.pvcs.push(makeObject('v1', 'PersistentVolumeClaim', objectMeta(claim, namespace, b.input.ownerReferences), { spec }));
      if (r.id) b.podLabels[`lattice.io/vol-${r.id}`] = 'true';
    } else if (r.id && b.ctx.volumeOwner) {
      // Co-location with the owner's pods (reference compiler.rs:618-696): only when a different owner is known.
      const owner = b.ctx.volumeOwner(namespace, r.id);
      if (owner && (owner.ownerName !== name || owner.ownerNamespace !== namespace)) b.colocateWith.push(r.id);
    }
  }
}

function volumeMounts(b: Build, container: string, volumes: Record<string, { source?: string; path?: string; readOnly?: boolean; medium?: string; sizeLimit?: string }> | undefined): Json[] {
  const mounts: Json[] = [];
  for (const path of Object.keys(volumes ?? {}).sort()) {
    const v = volumes![path] ?? {};
    let volName: string;
    if (v.source !== undefined) {
      const m = /^\$\{resources\.([^}.]+)\}$/.exec(v.source.trim());
      const key = m ? m[1] : undefined;
      const claim = key !== undefined ? b.volumeClaims.get(key) : undefined;
      if (key === undefined || claim === undefined) {
        // Deliberate divergence (platform/README.md "Fidelity"): the reference skips such a mount silently
        // (pipeline/volumes.rs:238-262), leaving the container without the path it asked for.
        throw new SpecError('Invalid', `container '${container}' volume '${path}': source '${v.source}' must be \${resources.NAME} naming a type: volume resource`);
      }
      volName = key;
      if (!b.podVolumes.has(volName)) b.podVolumes.set(volName, { name: volName, persistentVolumeClaim: { claimName: claim } });
    } else {
      volName = sanitizeDnsLabel(`emptydir-${path.replace(/^\/+/, '')}`);
      const emptyDir: Json = {};
      if (v.medium) emptyDir.medium = v.medium;
      if (v.sizeLimit) emptyDir.sizeLimit = v.sizeLimit;
      if (!b.podVolumes.has(volName)) b.podVolumes.set(volName, { name: volName, emptyDir });
    }
    const mount: Json = { name: volName, mountPath: path };
    if (v.path) mount.subPath = v.path;
    if (v.readOnly !== undefined) mount.readOnly = v.readOnly;
    mounts.push(mount);
  }
  return mounts;
}

// ---------------------------------------------------------------------------------------------
// Rendering (reference §2.2, §2.3)

function renderMainContainer(b: Build, name: string, c: ContainerSpec, tctx: TemplateContext): ContainerBuild {
  if (c.image === '.') throw new SpecError('Invalid', `container '${name}': image "." must be supplied from config, which this compiler does not populate`);
  const build: ContainerBuild = { name, spec: c, kind: 'main', env: [], envFrom: [], mounts: [] };
  const plain: Record<string, string> = {};
  const templated: TemplatedVariable[] = [];
  for (const variable of Object.keys(c.variables ?? {}).sort()) {
    const value = String(c.variables![variable]);
    const where = `container '${name}' variable '${variable}'`;
    const pure = parsePureSecretRef(value);
    if (pure) {
      checkSecretRef(pure, b.secrets, where);
      build.env.push(secretKeyRefEnv(variable, pure, b.input.name));
      continue;
    }
    if (value.includes('${secret.')) {
      const { text, refs } = extractSecretRefs(value, false);
      for (const ref of refs) checkSecretRef(ref, b.secrets, where);
      const template = expandTemplate(text, tctx, where);
      templated.push({ name: variable, template, refs });
      continue;
    }
    plain[variable] = expandTemplate(value, tctx, where);
  }
  if (Object.keys(plain).length > 0) {
    const cmName = `${b.input.name}-${name}-env`;
    b.configMaps.push(makeObject('v1', 'ConfigMap', objectMeta(cmName, b.input.namespace, b.input.ownerReferences), { data: plain }));
    for (const k of Object.keys(plain)) b.hashLines.push(`${k}=${plain[k]}\n`);
    build.envFrom.push({ configMapRef: { name: cmName } });
  }
  if (templated.length > 0) {
    const ess = envEsoExternalSecrets(name, templated, b.secrets, b.owner);
    b.externalSecrets.push(...ess);
    for (const es of ess) build.envFrom.push({ secretRef: { name: es.metadata.name } });
  }
  for (const r of c.envFrom ?? []) build.envFrom.push({ secretRef: { name: envFromSecretName(name, r, b.secrets, b.input.name) } });
  build.mounts.push(...volumeMounts(b, name, c.volumes), ...renderFiles(b, name, c.files, tctx));
  return build;
}

function renderSidecar(b: Build, name: string, s: SidecarSpec, tctx: TemplateContext): ContainerBuild {
  if (s.init && (!s.command || s.command.length === 0)) throw new SpecError('Invalid', `sidecar '${name}': init sidecars must set command`);
  const build: ContainerBuild = { name, spec: s, kind: s.init ? 'init' : 'sidecar', env: [], envFrom: [], mounts: [] };
  // Sidecar variables are literal (reference §8.4).
  for (const variable of Object.keys(s.variables ?? {}).sort()) build.env.push({ name: variable, value: String(s.variables![variable]) });
  build.mounts.push(...volumeMounts(b, name, s.volumes), ...renderFiles(b, name, s.files, tctx));
  return build;
}

function renderFiles(b: Build, container: string, files: Record<string, FileMount> | undefined, tctx: TemplateContext): Json[] {
  const paths = Object.keys(files ?? {}).sort();
  if (paths.length === 0) return [];
  const { name: workload, namespace, ownerReferences } = b.input;
  const cmName = `${workload}-${container}-files`;
  const binName = `${workload}-${container}-files-bin`;
  const cmData: Record<string, string> = {};
  const binData: Record<string, string> = {};
  const cmModes: Record<string, number> = {};
  const binModes: Record<string, number> = {};
  const keys = new Map<string, string>();
  const mounts: Json[] = [];
  for (const path of paths) {
    const f = files![path] ?? {};
    const where = `container '${container}' file '${path}'`;
    const key = fileKey(path);
    const clash = keys.get(key);
    if (clash !== undefined) throw new SpecError('Invalid', `container '${container}': files '${clash}' and '${path}' map to the same key '${key}'`);
    keys.set(key, path);
    const mode = f.mode !== undefined ? parseInt(f.mode, 8) : undefined;
    if (f.content !== undefined) {
      const { text, refs } = f.noExpand ? { text: f.content, refs: [] } : extractSecretRefs(f.content, f.reverseExpand === true);
      for (const ref of refs) checkSecretRef(ref, b.secrets, where);
      const rendered = renderFileText(text, tctx, f.noExpand === true, f.reverseExpand === true, where);
      if (refs.length > 0) {
        const es = fileExternalSecret(container, path, key, rendered, refs, b.secrets, b.owner);
        b.externalSecrets.push(es);
        const secret: Json = { secretName: es.metadata.name };
        if (mode !== undefined) secret.defaultMode = mode;
        b.podVolumes.set(es.metadata.name, { name: es.metadata.name, secret });
        mounts.push({ name: es.metadata.name, mountPath: path, subPath: key, readOnly: true });
      } else {
        cmData[key] = rendered;
        if (mode !== undefined) cmModes[key] = mode;
        mounts.push({ name: sanitizeDnsLabel(cmName), mountPath: path, subPath: key, readOnly: true });
      }
    } else if (f.binaryContent !== undefined) {
      binData[key] = f.binaryContent;
      if (mode !== undefined) binModes[key] = mode;
      mounts.push({ name: sanitizeDnsLabel(binName), mountPath: path, subPath: key, readOnly: true });
    } else if (f.source !== undefined) {
      // Deliberate divergence (platform/README.md "Fidelity", row "File source"): the reference renders
      // `source` and then mounts nothing (files.rs uses content / binaryContent only), so the file would be
      // silently missing from the pod; issue 9 forbids a silently dropped field, so the spec is refused.
      throw new SpecError('Invalid', `${where}: file source is refused: the platform would mount nothing for it (the reference drops such a file silently); use content or binaryContent`);
    } else {
      throw new SpecError('Invalid', `${where}: one of content, binaryContent or source is required`);
    }
  }
  const items = (data: Record<string, string>, modes: Record<string, number>) =>
    Object.keys(modes).length === 0 ? undefined : Object.keys(data).map((k) => (modes[k] !== undefined ? { key: k, path: k, mode: modes[k] } : { key: k, path: k }));
  if (Object.keys(cmData).length > 0) {
    b.configMaps.push(makeObject('v1', 'ConfigMap', objectMeta(cmName, namespace, ownerReferences), { data: cmData }));
    for (const k of Object.keys(cmData)) b.hashLines.push(`file:${k}=${cmData[k]}\n`);
    const cm: Json = { name: cmName };
    const it = items(cmData, cmModes);
    if (it) cm.items = it;
    b.podVolumes.set(sanitizeDnsLabel(cmName), { name: sanitizeDnsLabel(cmName), configMap: cm });
  }
  if (Object.keys(binData).length > 0) {
    b.secretObjects.push(makeObject('v1', 'Secret', objectMeta(binName, namespace, ownerReferences), { type: 'Opaque', data: binData }));
    for (const k of Object.keys(binData)) b.hashLines.push(`file:${k}=${binData[k]}\n`);
    const secret: Json = { secretName: binName };
    const it = items(binData, binModes);
    if (it) secret.items = it;
    b.podVolumes.set(sanitizeDnsLabel(binName), { name: sanitizeDnsLabel(binName), secret });
  }
  return mounts;
}

// ---------------------------------------------------------------------------------------------
// Pod template (reference §2.5)

/** `Always` for `:latest` or untagged images, else `IfNotPresent` (digests count as pinned). */
export function imagePullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.slice(image.lastIndexOf('/') + 1);
  return !last.includes(':') || last.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

function profile(type: string | undefined, localhost: string | undefined): Json {
  const t = type ?? 'RuntimeDefault';
  return t === 'Localhost' && localhost ? { type: t, localhostProfile: localhost } : { type: t };
}

/** Container securityContext with the restricted defaults of reference §2.5. */
export function containerSecurityContext(sec: SecurityContext | undefined): Json {
  const s = sec ?? {};
  const capabilities: Json = { drop: s.dropCapabilities ? [...s.dropCapabilities] : ['ALL'] };
  if (s.capabilities && s.capabilities.length > 0) capabilities.add = [...s.capabilities];
  const out: Json = { capabilities };
  if (s.privileged !== undefined) out.privileged = s.privileged;
  out.readOnlyRootFilesystem = s.readOnlyRootFilesystem ?? true;
  out.runAsNonRoot = s.runAsNonRoot ?? s.runAsUser !== 0;
  if (s.runAsUser !== undefined) out.runAsUser = s.runAsUser;
  if (s.runAsGroup !== undefined) out.runAsGroup = s.runAsGroup;
  out.allowPrivilegeEscalation = s.allowPrivilegeEscalation ?? s.privileged === true;
  out.seccompProfile = profile(s.seccompProfile, s.seccompLocalhostProfile);
  out.appArmorProfile = profile(s.apparmorProfile, s.apparmorLocalhostProfile);
  return out;
}

function probe(p: Probe): Json {
  return JSON.parse(JSON.stringify(p));
}

function containerObject(b: Build, c: ContainerBuild): Json {
  const s = c.spec;
  const out: Json = { name: c.name, image: s.image };
  if (s.command) out.command = [...s.command];
  if (s.args) out.args = [...s.args];
  if (s.workingDir) out.workingDir = s.workingDir;
  if (c.kind === 'main') {
    const ports = b.input.workload.service?.ports ?? {};
    const list = Object.keys(ports)
      .sort()
      .map((n) => {
        const p: Json = { name: n, containerPort: ports[n].targetPort ?? ports[n].port };
        if (ports[n].protocol) p.protocol = ports[n].protocol;
        return p;
      });
    if (list.length > 0) out.ports = list;
  }
  if (c.env.length > 0) out.env = c.env;
  if (c.envFrom.length > 0) out.envFrom = c.envFrom;
  const firstMain = c.kind === 'main' && b.gpu !== undefined && c.name === Object.keys(b.input.workload.containers).sort()[0];
  if (s.resources || firstMain) {
    const res: Json = {};
    if (s.resources?.requests) res.requests = { ...s.resources.requests };
    if (s.resources?.limits || firstMain) res.limits = { ...s.resources?.limits, ...(firstMain ? gpuLimits(b.gpu!) : {}) };
    out.resources = res;
  }
  const mounts = firstMain && !c.mounts.some((m) => m.mountPath === '/dev/shm') ? [...c.mounts, { name: 'dshm', mountPath: '/dev/shm' }] : c.mounts;
  if (mounts.length > 0) out.volumeMounts = mounts;
  if (c.kind !== 'init') {
    if (s.livenessProbe) out.livenessProbe = probe(s.livenessProbe);
    if (s.readinessProbe) out.readinessProbe = probe(s.readinessProbe);
    if (s.startupProbe) out.startupProbe = probe(s.startupProbe);
  }
  out.imagePullPolicy = imagePullPolicy(s.image);
  out.securityContext = containerSecurityContext(s.security);
  return out;
}

function buildPodSpec(b: Build, builds: ContainerBuild[], imagePullSecretNames: string[]): Json {
  const runtime = b.input.runtime ?? {};
  const runsAsRoot = (s: SecurityContext | undefined) => s?.runAsUser === 0 || s?.runAsNonRoot === false;
  const anyRoot = builds.some((c) => runsAsRoot(c.spec.security));
  const anyUid0 = builds.some((c) => c.spec.security?.runAsUser === 0);
  const podSec: Json = { runAsNonRoot: !anyRoot, fsGroup: anyUid0 ? 0 : 65534, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } };
  const sysctls = runtime.sysctls ?? {};
  if (Object.keys(sysctls).length > 0) podSec.sysctls = Object.keys(sysctls).sort().map((n) => ({ name: n, value: String(sysctls[n]) }));
  const spec: Json = { serviceAccountName: b.input.name, automountServiceAccountToken: runtime.automountServiceAccountToken ?? false };
  if (runtime.hostNetwork !== undefined) spec.hostNetwork = runtime.hostNetwork;
  if (runtime.shareProcessNamespace !== undefined) spec.shareProcessNamespace = runtime.shareProcessNamespace;
  spec.securityContext = podSec;
  const init = builds.filter((c) => c.kind === 'init');
  if (init.length > 0) spec.initContainers = init.map((c) => containerObject(b, c));
  spec.containers = builds.filter((c) => c.kind !== 'init').map((c) => containerObject(b, c));
  const volumes = [...b.podVolumes.values()];
  // GPU pods get a memory-backed /dev/shm unless one is declared (reference pod_template.rs).
  if (b.gpu && !volumes.some((v) => v.emptyDir?.medium === 'Memory' && String(v.name).includes('shm'))) volumes.push({ name: 'dshm', emptyDir: { medium: 'Memory' } });
  if (volumes.length > 0) spec.volumes = volumes;
  if (imagePullSecretNames.length > 0) spec.imagePullSecrets = imagePullSecretNames.map((name) => ({ name }));
  if (b.colocateWith.length > 0) {
    spec.affinity = {
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: b.colocateWith.map((id) => ({ labelSelector: { matchLabels: { [`lattice.io/vol-${id}`]: 'true' } }, topologyKey: 'kubernetes.io/hostname' })),
      },
    };
  }
  const cloud = b.ctx.providerType === 'aws' || b.ctx.providerType === 'gcp' || b.ctx.providerType === 'azure';
  spec.topologySpreadConstraints = [
    {
      maxSkew: 1,
      topologyKey: cloud ? 'topology.kubernetes.io/zone' : 'kubernetes.io/hostname',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { [LABEL_NAME]: b.input.name } },
    },
  ];
  if (b.gpu) {
    const product = gpuProductLabel(b.gpu.model);
    if (product !== undefined) spec.nodeSelector = { [GPU_PRODUCT_LABEL]: product };
    if (b.gpu.tolerations !== false) spec.tolerations = [{ key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' }];
    spec.runtimeClassName = 'nvidia';
    spec.schedulerName = VOLCANO_SCHEDULER;
  }
  return spec;
}

// ---------------------------------------------------------------------------------------------
// GPU (reference §2.5; crates/lattice-workload pipeline/pod_template.rs, helpers.rs, crd workload/resources.rs GpuParams)

/** Extended resources of a GPU pod's first container (Volcano vGPU device plugin names; reference §8 item 2). */
export const VGPU_NUMBER = 'volcano.sh/vgpu-number';
export const VGPU_MEMORY = 'volcano.sh/vgpu-memory';
export const VGPU_CORES = 'volcano.sh/vgpu-cores';
/** Taint key of GPU pools and the toleration GPU pods get. */
export const GPU_RESOURCE = 'nvidia.com/gpu';
/** Node label (GPU feature discovery) a `model` selects on. */
export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';
/** Scheduler of GPU (and topology-aware) pods. */
export const VOLCANO_SCHEDULER = 'volcano';

/** `params` of a `type: gpu` resource: count (> 0), memory ("20Gi", "512Mi", bare MiB), compute (1..100 %), model, tolerations (default true). */
export interface GpuParams {
  count: number;
  memory?: string;
  compute?: number;
  model?: string;
  tolerations?: boolean;
}

/**
 * The first `type: gpu` resource's params, in key order; validated as the reference's `GpuParams::validate`.
 * @throws SpecError when params or count are missing, count is not a positive integer, compute is outside 1..100 or memory does not parse.
 */
function gpuParams(resources: Record<string, ResourceSpec>): GpuParams | undefined {
  const key = Object.keys(resources).sort().find((k) => resourceType(resources[k]) === 'gpu');
  if (key === undefined) return undefined;
  const p = resources[key].params;
  if (!p || p.count === undefined) throw new SpecError('Invalid', `resource '${key}': gpu resource requires 'params' with 'count'`);
  if (!Number.isInteger(p.count) || p.count <= 0) throw new SpecError('Invalid', `resource '${key}': gpu count must be greater than 0`);
  if (p.compute !== undefined && (!Number.isInteger(p.compute) || p.compute < 1 || p.compute > 100)) throw new SpecError('Invalid', `resource '${key}': gpu compute must be between 1 and 100`);
  if (p.memory !== undefined) gpuMemoryMiB(String(p.memory), key);
  return { count: p.count, memory: p.memory === undefined ? undefined : String(p.memory), compute: p.compute, model: p.model, tolerations: p.tolerations };
}

/** "20Gi" → 20480, "512Mi" → 512, bare number → MiB. @throws SpecError naming the resource otherwise. */
function gpuMemoryMiB(memory: string, key: string): number {
  const m = /^(\d+)(Gi|Mi)?$/.exec(memory.trim());
  if (!m) throw new SpecError('Invalid', `resource '${key}': invalid gpu memory: ${memory.trim()}, use Gi or Mi suffix`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

/** `volcano.sh/vgpu-number`, plus `-memory` (MiB) and `-cores` when set, as quantity strings. */
function gpuLimits(g: GpuParams): Record<string, string> {
  const out: Record<string, string> = { [VGPU_NUMBER]: String(g.count) };
  if (g.memory !== undefined) out[VGPU_MEMORY] = String(gpuMemoryMiB(g.memory, 'gpu'));
  if (g.compute !== undefined) out[VGPU_CORES] = String(g.compute);
  return out;
}

/**
 * The egress rule of an `entity:<name>` or `entity:<name>:<port>` id (reference `EgressRule::from_entity_id`,
 * crates/lattice-crd/src/crd/mesh_member.rs:225-241): the port is the text after the last `:` when it
 * parses as a u16, else the whole rest is the entity name and the port is 443 (`entity:a:b` → entity
 * `a:b`, 443). `undefined` when the id is not an entity id or the name is empty (the reference then falls
 * back to the resource's endpoints).
 */
function entityEgress(id: string): EgressRule | undefined {
  if (!id.startsWith('entity:')) return undefined;
  const rest = id.slice('entity:'.length);
  const colon = rest.lastIndexOf(':');
  const portText = colon >= 0 ? rest.slice(colon + 1) : '';
  const port = /^\+?[0-9]+$/.test(portText) ? Number(portText) : NaN;
  const [name, ports] = colon >= 0 && port <= 65535 ? [rest.slice(0, colon), [port]] : [rest, [443]];
  return name === '' ? undefined : { target: { entity: name }, ports, protocol: 'TCP' };
}

/** Short model name → `nvidia.com/gpu.product` value (reference `GpuParams::product_label`); unknown names pass through. */
export function gpuProductLabel(model: string | undefined): string | undefined {
  if (model === undefined) return undefined;
  const known: Record<string, string> = {
    H100: 'NVIDIA-H100-80GB-HBM3',
    H100SXM: 'NVIDIA-H100-80GB-HBM3',
    H100PCIE: 'NVIDIA-H100-PCIe',
    A100: 'NVIDIA-A100-SXM4-80GB',
    'A100-80G': 'NVIDIA-A100-SXM4-80GB',
    'A100-40G': 'NVIDIA-A100-SXM4-40GB',
    A10G: 'NVIDIA-A10G',
    L40S: 'NVIDIA-L40S',
    L40: 'NVIDIA-L40',
    L4: 'NVIDIA-L4',
    T4: 'NVIDIA-Tesla-T4',
    V100: 'NVIDIA-Tesla-V100-SXM2-16GB',
  };
  return known[model.toUpperCase()] ?? model;
}

function collectSecretNames(spec: Json): string[] {
  const names: string[] = [];
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) names.push(e.valueFrom.secretKeyRef.name);
    for (const e of c.envFrom ?? []) if (e.secretRef) names.push(e.secretRef.name);
  }
  for (const v of spec.volumes ?? []) if (v.secret) names.push(v.secret.secretName);
  return names;
}

// ---------------------------------------------------------------------------------------------
// Generated LatticeMeshMember (reference §2.6)

function compareRefs(a: ServiceRef, b: ServiceRef): number {
  const ka = `${a.namespace ?? ''}\u0000${a.name}`;
  const kb = `${b.namespace ?? ''}\u0000${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function uniqueRefs(refs: ServiceRef[]): ServiceRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.namespace ?? ''}/${r.name}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function buildMeshMember(b: Build): LatticeMeshMember {
  const { name, namespace, workload, ingress, advertise } = b.input;
  const resources = workload.resources ?? {};
  const service = workload.service;
  const permissive = service?.serviceType === 'NodePort' || service?.serviceType === 'LoadBalancer';
  const ports: MeshMemberPort[] = Object.keys(service?.ports ?? {})
    .sort()
    .map((n) => {
      const p = service!.ports[n];
      const mp: MeshMemberPort = {
        port: p.targetPort ?? p.port,
        ...(p.targetPort !== undefined ? { servicePort: p.port } : {}),
        name: n,
        peerAuth: permissive ? 'Permissive' : 'Strict',
      };
      return mp;
    });
  let callers: ServiceRef[] = [];
  let callerWildcard = false;
  let deps: ServiceRef[] = [];
  let dependsAll = false;
  const egress: EgressRule[] = [];
  for (const key of Object.keys(resources).sort()) {
    const r = resources[key];
    const dir = resourceDirection(r);
    const type = resourceType(r);
    if (type === 'service') {
      const ref: ServiceRef = { name: r.id ?? key, namespace: r.namespace ?? namespace };
      if (dir === 'inbound' || dir === 'both') {
        if (isWildcard(r)) callerWildcard = true;
        else callers.push(ref);
      }
      if (dir === 'outbound' || dir === 'both') {
        if (isWildcard(r) && (b.ctx.outboundServiceWildcard ?? 'dependsAll') === 'dependsAll') dependsAll = true;
        else deps.push(ref);
      }
    } else if (type === 'external-service' && dir !== 'inbound') {
      // Shadowed by a graph node of the own namespace named `id`, else the key (reference compiler.rs:849-853).
      if (b.ctx.graphHasNode?.(namespace, r.id ?? key)) continue;
      const entity = r.id !== undefined ? entityEgress(r.id) : undefined;
      if (entity) {
        egress.push(entity);
        continue;
      }
      for (const [, ep] of resourceEndpoints(key, r)) {
        egress.push({ target: egressTarget(ep.host), ports: [ep.port], protocol: ep.protocol });
      }
    }
  }
  callers = callerWildcard ? [{ name: '*' }] : uniqueRefs(callers).sort(compareRefs);
  if (ingress && Object.keys(ingress.routes ?? {}).length > 0) callers.push({ name: `${namespace}-ingress-istio` });
  deps = uniqueRefs(deps).sort(compareRefs);
  const spec: LatticeMeshMember['spec'] = {
    target: { selector: { [LABEL_NAME]: name } },
    ports,
    allowedCallers: callers,
    dependencies: deps,
    egress,
    allowPeerTraffic: false,
    dependsAll,
  };
  if (ingress) spec.ingress = JSON.parse(JSON.stringify(ingress));
  spec.ambient = true;
  if (advertise) spec.advertise = { allowedServices: [...advertise.allowedServices] };
  return { ...LatticeMeshMemberType, metadata: objectMeta(name, namespace), spec } as LatticeMeshMember;
}
