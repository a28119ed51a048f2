/**
 * The developer-facing parts of a LatticeService's status (book Chapter 4 "status design", §4.8 worked
 * example; Chapter 8 §8.6): the condition types `PolicyAuthorized`, `SecretsResolved` and `Compiled`, a
 * denial message that says which gate, which resource and what to do, and the compiled-resources
 * summary. Pure: no I/O.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { GateDecision } from '../cedar/index.ts';
import { REASON_FORBIDDEN, REASON_INTERNAL_PREFIX, REASON_NO_PERMIT, principalUid, resourceUid } from '../cedar/index.ts';
import type { CompiledResourcesSummary } from '../crds/types.ts';
import type { Condition } from '../../fake-apiserver/api/index.ts';
import { unverifiedImageItem } from '../cedar/images.ts';
import type { ImageTrustCheck } from './image-trust.ts';

/** Condition type: the signatures of the images the pods run were verified (book §4.8 worked example). */
export const IMAGE_VERIFIED = 'ImageVerified';
/** Condition type: every Cedar gate the spec triggers permitted it (book §4.8). */
export const POLICY_AUTHORIZED = 'PolicyAuthorized';
/** Condition type: every Secret the pods need was synced by ESO (book §4.8). */
export const SECRETS_RESOLVED = 'SecretsResolved';
/** Condition type: the derivation produced (True) or refused (False) its resources (book §4.8). */
export const COMPILED = 'Compiled';

/**
 * The spec item a decision is about, as the developer names it and as Cedar does: e.g. `secret
 * payments/stripe-webhook-secret (resource 'stripe', Lattice::SecretPath::"vault:payments/stripe-webhook-secret")`.
 */
function itemOf(d: GateDecision): string {
  const r = d.request.resource;
  const refs = `(${d.request.container !== undefined ? `container '${d.request.container}', ` : ''}resource '${d.request.subject}', ${resourceUid(r)})`;
  switch (r.type) {
    case 'SecretPath':
      return `secret ${r.path} ${refs}`;
    case 'Volume':
      return `volume ${r.namespace}/${r.volumeId} ${refs}`;
    case 'ExternalEndpoint':
      return `external endpoint ${r.host}:${r.port} ${refs}`;
    case 'SecurityOverride':
      return `security override ${r.id} ${refs}`;
    case 'ImageRef':
      return `unverified image ${r.image} ${refs}`;
    default:
      return `${d.request.subject} ${refs}`;
  }
}

/** Short name of the item for the remedy sentence. */
function shortItem(d: GateDecision): string {
  return `${d.request.action === 'OverrideSecurity' ? 'override' : 'resource'} '${d.request.subject}'`;
}

/** The remedy sentence for one denial, by why it was denied (no permit, a forbid, an evaluation error). */
function remedyOf(d: GateDecision): string {
  const grant = `Action::"${d.request.action}" for ${principalUid(d.request.principal)} on ${resourceUid(d.request.resource)}`;
  if (d.reason === REASON_FORBIDDEN) {
    // Policy ids are `<CedarPolicy name>_<statement id>` (platform/cedar types.ts GateDecision.policies).
    const crs = [...new Set(d.policies.map((id) => (id.includes('_') ? id.slice(0, id.lastIndexOf('_')) : id)))].map((n) => `lattice-system/${n}`);
    const by = d.policies.length > 0 ? `policy ${d.policies.join(', ')} (CedarPolicy ${crs.join(', ')})` : 'a forbid policy';
    return `It is forbidden by ${by}; a permit cannot override a forbid: ask the owners of that CedarPolicy to change it, or remove ${shortItem(d)} from the spec.`;
  }
  if (d.reason.startsWith(REASON_INTERNAL_PREFIX)) {
    return `A policy failed to evaluate (${d.reason}); fix that CedarPolicy (lattice-system), then the service is re-derived.`;
  }
  if (d.reason !== REASON_NO_PERMIT) {
    // Not a Cedar answer: the owner-consent refusal of a shared volume (platform/cedar volumes.ts).
    return `The volume's owner must consent first: ask its owner to list ${d.request.principal.namespace}/${d.request.principal.name} in the volume's allowedConsumers, or remove ${shortItem(d)} from the spec.`;
  }
  if (d.request.action === 'SkipImageVerification') {
    return `No Cedar policy grants ${grant}. Sign the image with a key of the trust authorities of the ImageProvider that covers its registry, or ask the platform team to add a CedarPolicy in lattice-system that permits skipping verification for it.`;
  }
  return `No Cedar policy grants ${grant}. Ask the platform team (or the owner of the ${d.request.action === 'AccessSecret' ? 'secret' : 'resource'}) to add a CedarPolicy in lattice-system that permits it, or remove ${shortItem(d)} from the spec.`;
}

/**
 * The `PolicyAuthorized=False` message (book §4.8 failed-compilation example): per denial, the gate,
 * the service, the spec item with what it resolves to, why, and what to do, e.g. `AccessSecret denied:
 * Service commerce/checkout is not permitted to access secret payments/stripe (resource 'stripe',
 * Lattice::SecretPath::"vault:payments/stripe"): no permit policy for this service and resource. No
 * Cedar policy grants Action::"AccessSecret" for Lattice::Service::"commerce/checkout" on
 * Lattice::SecretPath::"vault:payments/stripe". Ask …`. The first sentence always reads `<Gate> denied:
 * Service <ns>/<name> is not permitted to <verb> <item> (… <Lattice uid>): <reason>.`; the remedy
 * starts with `No Cedar policy grants`, `It is forbidden by`, `A policy failed to evaluate` or (a shared
 * volume's owner-consent refusal) `The volume's owner must consent first`. Several
 * denials are separated by a blank line. Input: denied decisions of one gate. Never throws.
 */
export function denialConditionMessage(denials: readonly GateDecision[]): string {
  return denials
    .map((d) => {
      const p = d.request.principal;
      const verb = d.request.action === 'OverrideSecurity' ? 'to use' : d.request.action === 'AccessExternalEndpoint' ? 'to call' : d.request.action === 'SkipImageVerification' ? 'to deploy' : 'to access';
      return `${d.request.action} denied: Service ${p.namespace}/${p.name} is not permitted ${verb} ${itemOf(d)}: ${d.reason}. ${remedyOf(d)}`;
    })
    .join('\n\n');
}

/**
 * The compiled-resources summary (book §4.8 `compiledResources: {count, types}`, names added as the
 * book allows): every object in `objects`, counted by kind, listed as `Kind/name` sorted; `generation`
 * is the spec generation they were derived from. An empty list gives `{count: 0, types: {}, resources:
 * []}` with `generation` as given. Never throws.
 */
export function compiledResourcesSummary(objects: readonly Pick<KubeObject, 'kind' | 'metadata'>[], generation: number | undefined): CompiledResourcesSummary {
  const types: Record<string, number> = {};
  for (const o of objects) types[o.kind] = (types[o.kind] ?? 0) + 1;
  const sortedTypes: Record<string, number> = {};
  for (const k of Object.keys(types).sort()) sortedTypes[k] = types[k];
  const summary: CompiledResourcesSummary = {
    count: objects.length,
    types: sortedTypes,
    resources: objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(),
  };
  if (generation !== undefined) summary.generation = generation;
  return summary;
}

/**
 * The `ImageVerified` condition (book §4.8: `True`, reason `CosignVerified`, `Image signed by key
 * <authority>`) of a workload running `images` (distinct ones taken in order), from its image-trust
 * check (controllers/image-trust.ts `checkImageTrust`). It reports what signature verification found,
 * not Cedar's SkipImageVerification decision (that is `PolicyAuthorized`). The first case that applies:
 * - no ImageProvider enforces trust ⇒ `undefined`: no condition (the platform verifies no image, as a
 *   cluster without image trust; the caller drops a stale one);
 * - key material missing ⇒ `Unknown` `WaitingForKeyMaterial`, the wait's text;
 * - the verifier failed for an image ⇒ `Unknown` `VerificationError`, its errors joined with `; `;
 * - an image no authority verified ⇒ `False` `CosignVerificationFailed`, `image signature verification
 *   failed: <image> [verify: <why>], …; running an unverified image needs a Cedar SkipImageVerification permit`;
 * - an image no enforcing ImageProvider covers ⇒ `False` `NotEnforced`, `no ImageProvider enforces
 *   signature trust for <image>, …` (it escapes the verification the platform does);
 * - every image verified ⇒ `True` `CosignVerified`: one image `Image signed by key <authority>`,
 *   several `Images signed: <image> by key <authority>, …`.
 * Pure; never throws.
 */
export function imageVerifiedCondition(images: readonly string[], check: ImageTrustCheck): Omit<Condition, 'lastTransitionTime'> | undefined {
  if ('waiting' in check) return { type: IMAGE_VERIFIED, status: 'Unknown', reason: 'WaitingForKeyMaterial', message: check.waiting };
  const verified = check.verified;
  if (!verified) return undefined;
  const found = [...new Set(images)].map((image) => [image, verified.get(image) ?? { status: 'not-enforced' as const }] as const);
  const errors = found.flatMap(([, v]) => (v.status === 'error' ? [v.message] : []));
  if (errors.length > 0) return { type: IMAGE_VERIFIED, status: 'Unknown', reason: 'VerificationError', message: errors.join('; ') };
  const unsigned = found.flatMap(([image, v]) => (v.status === 'unsigned' ? [unverifiedImageItem(image, v.reasons)] : []));
  if (unsigned.length > 0) {
    return { type: IMAGE_VERIFIED, status: 'False', reason: 'CosignVerificationFailed', message: `image signature verification failed: ${unsigned.join(', ')}; running an unverified image needs a Cedar SkipImageVerification permit` };
  }
  const uncovered = found.flatMap(([image, v]) => (v.status === 'not-enforced' ? [image] : []));
  if (uncovered.length > 0 || found.length === 0) return { type: IMAGE_VERIFIED, status: 'False', reason: 'NotEnforced', message: `no ImageProvider enforces signature trust for ${uncovered.join(', ')}` };
  const signed = found.map(([image, v]) => [image, v.status === 'verified' ? v.authority : ''] as const);
  const message = signed.length === 1 ? `Image signed by key ${signed[0][1]}` : `Images signed: ${signed.map(([image, a]) => `${image} by key ${a}`).join(', ')}`;
  return { type: IMAGE_VERIFIED, status: 'True', reason: 'CosignVerified', message };
}
