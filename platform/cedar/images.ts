/**
 * Image trust (reference `crates/lattice-workload/src/compiler.rs:225-360` `verify_images`,
 * `crates/lattice-cedar/src/image_auth.rs`; fidelity row "Gates the port asks"): every container and
 * sidecar image whose reference starts with the `registry` of an ImageProvider with `trust.enforce`
 * must carry a signature that one of that provider's authorities verifies. The images no authority
 * verified ("unsigned") are each asked of Cedar `SkipImageVerification` on `Lattice::ImageRef::"<image>"`;
 * one denial fails the compile. The verification itself happens outside the compiler (the controller
 * asks the platform's image verifier); these are the pure parts.
 */
import type { WorkloadSpec, LatticeServiceSpec } from '../crds/types.ts';
import { imageRefResource } from './entities.ts';
import type { CedarPrincipal, GateDecision, GateRequest } from './types.ts';

/**
 * What the image verifier found for one image (reference `VerifyResult` folded over the authorities):
 * `not-enforced` (no enforcing ImageProvider's registry prefixes it), `verified` (an authority verified
 * it), `unsigned` (no authority did; `reasons` = `<authority>: <reason>` each, empty when the provider
 * has no usable authority), `error` (the verifier itself failed: the reference's internal error).
 */
export type ImageVerification =
  | { status: 'not-enforced' }
  | { status: 'verified'; authority: string }
  | { status: 'unsigned'; reasons: string[] }
  | { status: 'error'; message: string };

/**
 * Every image a workload runs, containers then sidecars, each in name order (reference: containers then
 * `runtime.sidecars`), duplicates kept. Never throws.
 */
export function workloadImages(workload: Pick<WorkloadSpec, 'containers'>, sidecars: LatticeServiceSpec['sidecars'] = {}): string[] {
  const byName = (m: Record<string, { image: string }> | undefined): string[] =>
    Object.keys(m ?? {})
      .sort()
      .map((k) => m![k].image);
  return [...byName(workload.containers), ...byName(sidecars)];
}

/** One `SkipImageVerification` request per unsigned image (subject = the image), on its `ImageRef` (reference entities.rs `build_image_ref_entity`). */
export function imageVerificationRequests(principal: CedarPrincipal, unsignedImages: readonly string[]): GateRequest[] {
  return unsignedImages.map((image) => ({ action: 'SkipImageVerification', principal, resource: imageRefResource(image), subject: image }));
}

/**
 * The reference's compile error for a denied image set (`image verification denied: image signature
 * verification failed: <image> [verify: <why>] [cedar: <reason>], …`): every unsigned image in order,
 * `<why>` its authorities' reasons joined with `; ` (`no trust authority configured` when none), and
 * `<reason>` its Cedar denial reason (empty when Cedar permitted that one). Never throws.
 */
export function imageVerificationMessage(unsigned: ReadonlyMap<string, readonly string[]>, decisions: readonly GateDecision[]): string {
  const cedar = new Map(decisions.filter((d) => !d.allowed).map((d) => [d.request.subject, d.reason]));
  const items = [...unsigned].map(([image, reasons]) => `${unverifiedImageItem(image, reasons)} [cedar: ${cedar.get(image) ?? ''}]`);
  return `image verification denied: image signature verification failed: ${items.join(', ')}`;
}

/**
 * One unsigned image as the reference's denial names it: `<image> [verify: <why>]`, `<why>` its
 * authorities' reasons joined with `; ` (`no trust authority configured` when none). Never throws.
 */
export function unverifiedImageItem(image: string, reasons: readonly string[]): string {
  return `${image} [verify: ${reasons.length > 0 ? reasons.join('; ') : 'no trust authority configured'}]`;
}
