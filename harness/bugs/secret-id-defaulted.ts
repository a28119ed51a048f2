/**
 * `secret-id-defaulted` (area: compiler): a `type: secret` resource without `id` is compiled with the
 * resource key as its remote key, where the reference refuses the spec (`invalid secret config: secret
 * resource '<k>': missing 'id' field …`, crates/lattice-workload/src/pipeline/secrets.rs:176-185;
 * platform-fidelity.md row "Secret resource without `id`" — the port's own behaviour before issue 9).
 * The service then passes on to the gates and, where Cedar permits the guessed path, goes Ready and
 * syncs a secret nobody named.
 *
 * Applied from outside: a read interceptor on the platform's KubeClient. LatticeServices read by the
 * platform carry `id: <resource key>` on every secret resource that has none. Nothing is written.
 * Only topologies that render a secret without `id` (the `secret-without-id` invalid-spec draw) see it.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { LatticeServiceType } from '../../platform/index.ts';
import type { BugDefinition, BugSeams } from './types.ts';
import { rewriteReads } from './internal/rewrite.ts';
import { rewriteWorkloadResources } from './internal/workload-resources.ts';

/** `ls` with every id-less secret resource given `id` = its key (a new object; `ls` is left alone). */
export function defaultSecretIds(ls: KubeObject): KubeObject {
  return rewriteWorkloadResources(
    ls,
    (r) => r.type === 'secret' && !r.id,
    (r, key) => ({ ...r, id: key }),
  );
}

/** The `secret-id-defaulted` catalogue entry. */
export const secretIdDefaulted: BugDefinition<'secret-id-defaulted'> = {
  name: 'secret-id-defaulted',
  description: 'a secret resource without id compiles with the resource key as remote key instead of failing the spec',
  area: 'compiler',
  apply: (seams: BugSeams): BugSeams => ({
    ...seams,
    platformClient: rewriteReads(seams.platformClient, LatticeServiceType, (all) => all.map(defaultSecretIds)),
  }),
};
