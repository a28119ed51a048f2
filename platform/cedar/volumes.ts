/**
 * Volume authorization (reference `crates/lattice-workload/src/authorization/volumes.rs:69-127`,
 * `crates/lattice-cedar/src/volume_auth.rs`; fidelity row "Shared volume reference"): a workload that
 * references a shared volume (`type: volume` with `id` and no `params.size`) needs two layers:
 * 1. owner consent: the service owning the volume (same `id`, with `size`, in the volume's namespace)
 *    lists the consumer in `params.allowedConsumers` (`"<name>"` same namespace, `"<ns>/<name>"` any);
 * 2. Cedar `AccessVolume` on `Lattice::Volume::"<ns>/<id>"`: in *permissive* mode (owner consent
 *    passed) only an explicit forbid or an evaluation error denies; in *strict* mode (no owner index,
 *    Cedar is the only layer) a permit is required.
 * Pure functions; the engine decides the Cedar part.
 */
import type { ResourceSpec } from '../crds/types.ts';
import { REASON_INTERNAL_PREFIX, type CedarPrincipal, type GateDecision, type GateRequest } from './types.ts';

/** Who owns a shared volume and whom it admits (reference `VolumeOwnership`, lattice-graph lib.rs:1293). */
export interface VolumeOwnership {
  ownerNamespace: string;
  ownerName: string;
  /** `params.allowedConsumers` of the owning resource; absent = nobody (default deny). */
  allowedConsumers?: string[];
}

/** Looks up the owner of volume `volumeId` in `namespace`; `undefined` when no service owns it. */
export type VolumeOwnerLookup = (namespace: string, volumeId: string) => VolumeOwnership | undefined;

/** One shared-volume reference of a spec: resource key, the volume's namespace (resource `namespace`, else the workload's) and id. */
export interface VolumeReference {
  key: string;
  namespace: string;
  volumeId: string;
}

const isVolume = (r: ResourceSpec): boolean => r.type === 'volume';
const hasSize = (r: ResourceSpec): boolean => r.params?.size !== undefined && r.params?.size !== null;

/**
 * The shared-volume references of a spec (reference `ResourceSpec::is_volume_reference`: `type:
 * volume`, an `id`, no `params.size`), in resource-key order. Never throws.
 */
export function volumeReferences(namespace: string, resources: Record<string, ResourceSpec> | undefined): VolumeReference[] {
  return Object.keys(resources ?? {})
    .sort()
    .filter((k) => isVolume(resources![k]) && typeof resources![k].id === 'string' && resources![k].id !== '' && !hasSize(resources![k]))
    .map((k) => ({ key: k, namespace: resources![k].namespace ?? namespace, volumeId: resources![k].id! }));
}

/**
 * The volumes a spec owns and shares (`type: volume` with `id` and `params.size`; reference
 * `owned_volume_ids`), as ownership entries keyed `"<ns>/<id>"`. Never throws.
 */
export function ownedVolumes(namespace: string, name: string, resources: Record<string, ResourceSpec> | undefined): Map<string, VolumeOwnership> {
  const out = new Map<string, VolumeOwnership>();
  for (const k of Object.keys(resources ?? {}).sort()) {
    const r = resources![k];
    if (!isVolume(r) || typeof r.id !== 'string' || r.id === '' || !hasSize(r)) continue;
    const consumers = r.params?.allowedConsumers;
    const o: VolumeOwnership = { ownerNamespace: namespace, ownerName: name };
    if (Array.isArray(consumers)) o.allowedConsumers = consumers.filter((c): c is string => typeof c === 'string');
    out.set(`${namespace}/${r.id}`, o);
  }
  return out;
}

/** One `AccessVolume` request per shared-volume reference: resource `Volume {namespace, volumeId}`, subject = resource key. */
export function volumeRequests(principal: CedarPrincipal, resources: Record<string, ResourceSpec> | undefined): GateRequest[] {
  return volumeReferences(principal.namespace, resources).map((v) => ({
    action: 'AccessVolume',
    principal,
    resource: { type: 'Volume', namespace: v.namespace, volumeId: v.volumeId },
    subject: v.key,
  }));
}

/**
 * The owner-consent layer for one reference. Output: `undefined` when the owner admits the principal,
 * else the reference's detail text: `'<key>': no owner found for volume '<id>' in namespace '<ns>'
 * (owner service may not exist or hasn't declared size)` or `'<key>': not in allowedConsumers of
 * volume '<id>' owned by '<ns>/<owner>'`. Never throws.
 */
export function volumeConsentDenial(principal: CedarPrincipal, ref: VolumeReference, owner: VolumeOwnership | undefined): string | undefined {
  if (!owner) {
    return `'${ref.key}': no owner found for volume '${ref.volumeId}' in namespace '${ref.namespace}' (owner service may not exist or hasn't declared size)`;
  }
  const qualified = `${principal.namespace}/${principal.name}`;
  const ok = (owner.allowedConsumers ?? []).some((c) => c === qualified || (c === principal.name && principal.namespace === ref.namespace));
  return ok ? undefined : `'${ref.key}': not in allowedConsumers of volume '${ref.volumeId}' owned by '${owner.ownerNamespace}/${owner.ownerName}'`;
}

/**
 * Whether a Cedar decision on `AccessVolume` denies (reference `volume_auth.rs` `evaluate`): an allow
 * never does; a deny with determining policies (a forbid) or an evaluation error always does; a deny
 * with no matching policy denies only in strict mode (`permissive` false).
 */
export function volumeDecisionDenies(d: GateDecision, permissive: boolean): boolean {
  if (d.allowed) return false;
  if (d.policies.length > 0 || d.reason.startsWith(REASON_INTERNAL_PREFIX)) return true;
  return !permissive;
}

/**
 * The owner index over a set of workloads (reference graph `update_volume_owners`): every shared volume
 * each one owns, keyed `"<ns>/<id>"`; when two workloads claim one volume, the later in `workloads`
 * order wins (the reference's map keeps the last write). Output: a {@link VolumeOwnerLookup}.
 */
export function volumeOwnerIndex(workloads: Iterable<{ namespace: string; name: string; resources: Record<string, ResourceSpec> | undefined }>): VolumeOwnerLookup {
  const index = new Map<string, VolumeOwnership>();
  for (const w of workloads) for (const [k, o] of ownedVolumes(w.namespace, w.name, w.resources)) index.set(k, o);
  return (namespace, volumeId) => index.get(`${namespace}/${volumeId}`);
}
