/**
 * Admission rules of a LatticePackage (issue 9): the webhook applies them without an allowlist, the
 * package controller again with the platform's `allowedRepositories`.
 */
import type { LatticePackage } from '../crds/model-types.ts';
import { isSystemNamespace } from './admission.ts';
import type { ValidationProblem } from './problems.ts';

/** Platform options of package admission. */
export interface PackageAdmissionOptions {
  /**
   * Chart repositories packages may use: a repository is allowed when it equals an entry or starts with
   * an entry followed by `/`. Absent = every HTTPS / OCI repository.
   */
  allowedRepositories?: readonly string[];
}

const PINNED = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * The admission rules of a LatticePackage, in order: not in a system namespace (`metadata.namespace`,
 * `spec.targetNamespace`), an HTTPS or OCI chart repository, on the allowlist when one is configured,
 * and an exact semver `chart.version` (no ranges, no `latest`). Output: every problem, each naming its
 * field; `[]` when admitted. Never throws.
 */
export function packageProblems(pkg: Pick<LatticePackage, 'metadata' | 'spec'>, opts: PackageAdmissionOptions = {}): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  const ns = pkg.metadata?.namespace ?? '';
  if (isSystemNamespace(ns)) out.push({ field: 'metadata.namespace', message: `workload CRDs cannot be deployed in system namespace '${ns}'` });
  const target = pkg.spec?.targetNamespace;
  if (target !== undefined && isSystemNamespace(target)) out.push({ field: 'spec.targetNamespace', message: `packages cannot be installed into system namespace '${target}'` });
  const chart = pkg.spec?.chart ?? ({} as LatticePackage['spec']['chart']);
  const repo = String(chart.repository ?? '');
  if (!/^(oci|https):\/\/[^/\s]+/.test(repo)) out.push({ field: 'spec.chart.repository', message: `must be an HTTPS (https://) or OCI (oci://) repository, got '${repo}'` });
  else if (opts.allowedRepositories && !opts.allowedRepositories.some((a) => repo === a || repo.startsWith(`${a.replace(/\/$/, '')}/`))) {
    out.push({ field: 'spec.chart.repository', message: `'${repo}' is not an allowed chart repository` });
  }
  const version = String(chart.version ?? '');
  if (!PINNED.test(version)) out.push({ field: 'spec.chart.version', message: `must be a pinned version (exact semver, e.g. 1.2.3), got '${version}'` });
  return out;
}

