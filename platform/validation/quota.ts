/**
 * `LatticeQuotaSpec::validate` (reference crates/lattice-crd/src/crd/quota.rs): the principal parses
 * (`Lattice::Service::"ns/name"`, `Lattice::Group::"g"`, `Lattice::User::"email"`), then every `limits`
 * and `maxPerWorkload` value (keys in sorted order) is a quantity for its key (cpu, memory, or an
 * integer count). The reference's webhook does not validate LatticeQuota; the quota controller does
 * (phase Invalid). Pure.
 */
import type { LatticeQuotaSpec } from '../crds/quota-types.ts';
import { parseQuotaPrincipal } from '../quota/principal.ts';
import { tryParseResource } from '../quota/resources.ts';
import type { ValidationProblem } from './problems.ts';
import { keySegment, sortedKeys } from './problems.ts';

/** Every problem of a LatticeQuota spec, in the reference's checking order (`problems[0]` is what it reports). */
export function latticeQuotaProblems(spec: LatticeQuotaSpec | undefined): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  const parsed = parseQuotaPrincipal(String(spec?.principal ?? ''));
  if ('error' in parsed) out.push({ field: 'spec.principal', message: parsed.error });
  for (const [field, map] of [['limits', spec?.limits], ['maxPerWorkload', spec?.maxPerWorkload]] as const) {
    for (const key of sortedKeys(map)) {
      const value = String(map![key]);
      if (tryParseResource(key, value) === undefined) out.push({ field: `spec.${field}${keySegment(key)}`, message: `${field}.${key}: invalid quantity '${value}'` });
    }
  }
  return out;
}
