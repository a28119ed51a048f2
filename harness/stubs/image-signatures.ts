/**
 * The simulated registry's image signatures: what `cosign verify --key` would find (reference
 * crates/lattice-workload/src/cosign.rs), without a registry. An image is signed by a key when the
 * profile lists the pair (`profile.images.signatures`); every other pair is "no matching signatures",
 * the text cosign prints for an unsigned image. Deterministic and instant (no simulated delay).
 */
import type { ImageVerifier } from '../../platform/index.ts';

/** The platform's `imageVerifier` over a list of (image, public key) signatures. */
export function simulatedImageVerifier(signatures: readonly { image: string; key: string }[]): ImageVerifier {
  const signed = new Set(signatures.map((s) => `${s.image}\n${s.key.trim()}`));
  return async ({ image, key }) =>
    signed.has(`${image}\n${key.trim()}`) ? { verified: true } : { verified: false, reason: `no valid signature for ${image}: Error: no matching signatures` };
}
