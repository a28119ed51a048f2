/** `LatticeQuotaSpec::validate` (reference crates/lattice-crd/src/crd/quota.rs): principal first, then every quantity. */
import { describe, expect, it } from 'vitest';
import { formatProblem, latticeQuotaProblems } from './index.ts';

describe('LatticeQuota validation', () => {
  it('accepts the reference example', () => {
    expect(latticeQuotaProblems({ principal: 'Lattice::Group::"team"', limits: { cpu: '100', memory: '512Gi', 'nvidia.com/gpu': '16' }, maxPerWorkload: { 'nvidia.com/gpu': '8' } })).toEqual([]);
  });

  it('refuses a bad principal and unreadable quantities, in the reference words and order', () => {
    const problems = latticeQuotaProblems({ principal: 'not-valid', limits: { memory: 'notmemory', cpu: 'abc' }, maxPerWorkload: { 'nvidia.com/gpu': 'not-a-number' } });
    expect(problems.map(formatProblem)).toEqual([
      "spec.principal: unsupported principal format: 'not-valid' (expected Lattice::Service, Lattice::Group, or Lattice::User)",
      "spec.limits.cpu: limits.cpu: invalid quantity 'abc'",
      "spec.limits.memory: limits.memory: invalid quantity 'notmemory'",
      'spec.maxPerWorkload["nvidia.com/gpu"]: maxPerWorkload.nvidia.com/gpu: invalid quantity \'not-a-number\'',
    ]);
    expect(latticeQuotaProblems({ principal: 'Lattice::Service::"nonamespace"', limits: {} }).map(formatProblem)).toEqual([
      "spec.principal: Service principal must be 'namespace/name', got 'nonamespace'",
    ]);
  });
});
