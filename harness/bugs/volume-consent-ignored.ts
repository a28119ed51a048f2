/**
 * `volume-consent-ignored` (area: gates): the AccessVolume gate skips owner consent — a shared volume
 * admits every service of its namespace whatever the owner's `allowedConsumers` says (reference
 * crates/lattice-workload/src/authorization/volumes.rs:69-127 checks it first; platform-fidelity.md row
 * "Shared volume reference": the e2e `plex` must end `Failed … volume access denied`). A service the
 * owner never named mounts the owner's data and goes Ready; only a Cedar forbid still denies.
 *
 * Applied from outside: a read interceptor on the platform's KubeClient. LatticeServices read by the
 * platform show every owned shared volume (`type: volume` with `id` and `params.size`) with
 * `allowedConsumers` listing every LatticeService of its namespace. Nothing is written. Only topologies
 * that draw shared volumes with a refused consumer (`sharedVolumeProbability`) see it.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { LatticeServiceType } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { rewriteReads } from './internal/rewrite.ts';
import { rewriteWorkloadResources } from './internal/workload-resources.ts';

/** `all` with each owned shared volume consenting to every LatticeService of its namespace (new objects where changed). */
export function consentToEveryone(all: readonly KubeObject[]): KubeObject[] {
  const byNamespace = new Map<string, string[]>();
  for (const o of all) byNamespace.set(o.metadata.namespace ?? '', [...(byNamespace.get(o.metadata.namespace ?? '') ?? []), o.metadata.name]);
  return all.map((o) =>
    rewriteWorkloadResources(
      o,
      (r) => r.type === 'volume' && !!r.id && r.params?.size !== undefined,
      (r) => ({ ...r, params: { ...r.params, allowedConsumers: [...byNamespace.get(o.metadata.namespace ?? '')!] } }),
    ),
  );
}

/** The `volume-consent-ignored` catalogue entry. */
export const volumeConsentIgnored: BugDefinition<'volume-consent-ignored'> = {
  name: 'volume-consent-ignored',
  description: "the AccessVolume gate skips owner consent: a shared volume admits every service of its namespace, whatever the owner's allowedConsumers says",
  area: 'gates',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteReads(seams.platformClient, LatticeServiceType, consentToEveryone),
  }),
};
