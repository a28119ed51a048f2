/**
 * `image-trust-ignored` (area: gates): image trust is never enforced — the platform reads every
 * ImageProvider without its `trust` section, so no image is verified and the SkipImageVerification gate
 * is never asked (reference crates/lattice-workload/src/compiler.rs `verify_images`,
 * crates/lattice-service/src/controller.rs `resolve_image_trust`; platform-fidelity.md row "Gates the
 * port asks"). An unsigned image that Cedar does not permit to skip verification runs anyway.
 *
 * Applied from outside: a read interceptor on the platform's KubeClient. ImageProviders read by the
 * platform lack `spec.trust`. Nothing is written. Only topologies under image trust with a denied
 * SkipImageVerification draw (`imageTrustProbability`) see it.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { ImageProviderType } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { copyObject, rewriteReads } from './internal/rewrite.ts';

/** `all` with `spec.trust` removed from every ImageProvider that has one (new objects where changed). */
export function withoutTrust(all: readonly KubeObject[]): KubeObject[] {
  return all.map((o) => {
    const spec = (o as { spec?: { trust?: unknown } }).spec;
    if (spec?.trust === undefined) return o;
    const copy = copyObject(o) as KubeObject & { spec: { trust?: unknown } };
    delete copy.spec.trust;
    return copy;
  });
}

/** The `image-trust-ignored` catalogue entry. */
export const imageTrustIgnored: BugDefinition<'image-trust-ignored'> = {
  name: 'image-trust-ignored',
  description: 'image trust is never enforced: ImageProviders are read without trust, so unsigned images run without a SkipImageVerification permit',
  area: 'gates',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteReads(seams.platformClient, ImageProviderType, withoutTrust),
  }),
};
