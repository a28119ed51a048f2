/**
 * LatticeQuota enforcement as the reference computes it (crates/lattice-quota, crates/lattice-crd
 * quota.rs, crates/lattice-common resources.rs): quantities, principals, budget resolution, the check's
 * reasons, usage, and the compile-time gate of the shared WorkloadCompiler.
 */
import { describe, expect, it } from 'vitest';
import type { LatticeQuota } from '../crds/quota-types.ts';
import type { LatticeJob, LatticeService, WorkloadSpec } from '../crds/types.ts';
import type { LatticeModel } from '../crds/model-types.ts';
import { compileWorkload } from '../compiler/workload-compiler.ts';
import { allowAll } from '../compiler/testing.ts';
import {
  checkBudget,
  formatDemandMap,
  isUnconstrained,
  parseCpuMillis,
  parseMemoryBytes,
  parseQuotaPrincipal,
  parseResourceByKey,
  principalMatches,
  quotaExceeded,
  quotaUsage,
  resolveBudget,
  workloadDemand,
} from './index.ts';

const GiB = 1024 ** 3;
const TEAM = { 'lattice.dev/group': 'team' };

function quota(name: string, spec: Partial<LatticeQuota['spec']>, used?: Record<string, string>, resourceVersion = '7'): LatticeQuota {
  return {
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'LatticeQuota',
    metadata: { name, namespace: 'lattice-system', resourceVersion },
    spec: { principal: 'Lattice::Group::"team"', limits: {}, ...spec },
    ...(used ? { status: { phase: 'Active', used, workloadCount: 1 } } : {}),
  };
}

const workload = (cpu: string | undefined, memory?: string, extra: Partial<WorkloadSpec> = {}): WorkloadSpec => ({
  containers: { main: { image: 'app:1', command: ['/app'], resources: { ...(cpu || memory ? { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } } : {}), limits: { cpu: '8', memory: '8Gi' } } } },
  ...extra,
});

describe('quantities (reference lattice-core quantity.rs)', () => {
  it('reads cpu as millicores, memory as bytes, other keys as integer counts', () => {
    expect(parseCpuMillis('4')).toBe(4000);
    expect(parseCpuMillis('500m')).toBe(500);
    expect(parseCpuMillis('1.5')).toBe(1500);
    expect(parseMemoryBytes('16Gi')).toBe(16 * GiB);
    expect(parseMemoryBytes('512Mi')).toBe(512 * 1024 ** 2);
    expect(parseMemoryBytes('2G')).toBe(2_000_000_000);
    expect(parseMemoryBytes('1073741824')).toBe(GiB);
    expect(parseResourceByKey('nvidia.com/gpu', '8')).toBe(8);
  });

  it('refuses what the reference refuses, with its message', () => {
    expect(() => parseCpuMillis('abc')).toThrow('invalid resource quantity: abc');
    expect(() => parseCpuMillis('xm')).toThrow('invalid resource quantity: xm');
    expect(() => parseMemoryBytes('abcGi')).toThrow('invalid resource quantity: abcGi');
    expect(() => parseMemoryBytes('1.5Gi')).toThrow('invalid resource quantity: 1.5Gi');
    expect(() => parseResourceByKey('nvidia.com/gpu', 'not-a-number')).toThrow('invalid resource quantity: nvidia.com/gpu: not-a-number');
  });

  it('formats usage as the quota status shows it: whole cores or millicores, Gi or Mi, zeros left out', () => {
    expect(formatDemandMap({ cpuMillis: 4000, memoryBytes: 8 * GiB, gpuCount: 2 })).toEqual({ cpu: '4', memory: '8Gi', 'nvidia.com/gpu': '2' });
    expect(formatDemandMap({ cpuMillis: 1500, memoryBytes: 512 * 1024 ** 2, gpuCount: 0 })).toEqual({ cpu: '1500m', memory: '512Mi' });
    expect(formatDemandMap({ cpuMillis: 0, memoryBytes: 0, gpuCount: 0 })).toEqual({});
  });
});

describe('workload demand (reference compute_workload_demand)', () => {
  it('sums the main containers\' requests (not limits, not sidecars) and GPU counts, times replicas', () => {
    const w: WorkloadSpec = {
      containers: {
        a: { image: 'a:1', resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } } },
        b: { image: 'b:1', resources: { requests: { cpu: '250m' }, limits: { cpu: '4', memory: '4Gi' } } },
        c: { image: 'c:1', resources: { limits: { cpu: '4', memory: '4Gi' } } },
      },
      resources: { gpu: { type: 'gpu', params: { count: 2 } }, db: { type: 'service' } },
    };
    expect(workloadDemand(w, 3)).toEqual({ cpuMillis: 2250, memoryBytes: 3 * GiB, gpuCount: 6 });
    expect(workloadDemand(workload(undefined), 5)).toEqual({ cpuMillis: 0, memoryBytes: 0, gpuCount: 0 });
  });
});

describe('principals (reference QuotaPrincipal)', () => {
  it('parses Service, Group and User principals and refuses the rest with the reference text', () => {
    expect(parseQuotaPrincipal('Lattice::Service::"payments/checkout"')).toEqual({ principal: { type: 'Service', namespace: 'payments', name: 'checkout' } });
    expect(parseQuotaPrincipal('Lattice::Group::"ml-team"')).toEqual({ principal: { type: 'Group', name: 'ml-team' } });
    expect(parseQuotaPrincipal('Lattice::User::"alice@example.com"')).toEqual({ principal: { type: 'User', email: 'alice@example.com' } });
    expect(parseQuotaPrincipal('Lattice::Service::"nonamespace"')).toEqual({ error: "Service principal must be 'namespace/name', got 'nonamespace'" });
    for (const bad of ['Lattice::Unknown::"foo"', 'not-a-principal', '']) {
      expect(parseQuotaPrincipal(bad)).toEqual({ error: `unsupported principal format: '${bad}' (expected Lattice::Service, Lattice::Group, or Lattice::User)` });
    }
  });

  it('matches a service by namespace and name, a group by namespace label, a user by owner annotation', () => {
    const svc = { type: 'Service', namespace: 'ns', name: 'svc' } as const;
    expect(principalMatches(svc, 'ns', 'svc', {}, {})).toBe(true);
    expect(principalMatches(svc, 'ns', 'other', {}, {})).toBe(false);
    expect(principalMatches(svc, 'other', 'svc', {}, {})).toBe(false);
    const group = { type: 'Group', name: 'team' } as const;
    expect(principalMatches(group, 'ns', 'svc', TEAM, {})).toBe(true);
    expect(principalMatches(group, 'ns', 'svc', { 'lattice.dev/group': 'other' }, {})).toBe(false);
    expect(principalMatches(group, 'ns', 'svc', {}, TEAM)).toBe(false);
    const user = { type: 'User', email: 'alice@example.com' } as const;
    expect(principalMatches(user, 'ns', 'svc', {}, { 'lattice.dev/owner': 'alice@example.com' })).toBe(true);
    expect(principalMatches(user, 'ns', 'svc', {}, { 'lattice.dev/owner': 'bob@example.com' })).toBe(false);
  });
});

describe('budget resolution and check (reference budget.rs, store.rs)', () => {
  it('remaining is limit minus status.used, the tightest over matching quotas', () => {
    const one = resolveBudget([quota('q1', { limits: { cpu: '10' } }, { cpu: '4' })], 'ns', 'svc', TEAM, {});
    expect(one.remaining).toEqual({ cpu: 6000 });
    expect(one.snapshots).toEqual([{ name: 'q1', namespace: 'lattice-system', resourceVersion: '7' }]);
    const two = resolveBudget([quota('q1', { limits: { cpu: '10' } }, { cpu: '4' }), quota('q2', { limits: { cpu: '8' } }, { cpu: '6' })], 'ns', 'svc', TEAM, {});
    expect(two.remaining).toEqual({ cpu: 2000 });
    expect(two.snapshots.map((s) => s.name)).toEqual(['q1', 'q2']);
    // Used above the limit leaves 0, not a negative budget; no status yet counts nothing used.
    expect(resolveBudget([quota('q', { limits: { cpu: '2' } }, { cpu: '3' })], 'ns', 'svc', TEAM, {}).remaining).toEqual({ cpu: 0 });
    expect(resolveBudget([quota('q', { limits: { memory: '8Gi' } })], 'ns', 'svc', TEAM, {}).remaining).toEqual({ memory: 8 * GiB });
  });

  it('no matching or only disabled quotas leave the workload unconstrained', () => {
    expect(isUnconstrained(resolveBudget([quota('q', { limits: { cpu: '1' } })], 'ns', 'svc', {}, {}))).toBe(true);
    expect(isUnconstrained(resolveBudget([quota('q', { limits: { cpu: '1' }, enabled: false })], 'ns', 'svc', TEAM, {}))).toBe(true);
    expect(isUnconstrained(resolveBudget([quota('q', { principal: 'bogus', limits: { cpu: '1' } })], 'ns', 'svc', TEAM, {}))).toBe(true);
    expect(checkBudget(resolveBudget([], 'ns', 'svc', TEAM, {}), { cpuMillis: 1e9, memoryBytes: 1e15, gpuCount: 100 })).toBeUndefined();
    // A User quota matches the owner annotation, a Service quota the workload itself.
    expect(resolveBudget([quota('q', { principal: 'Lattice::User::"alice@example.com"', limits: { cpu: '1' } })], 'ns', 'svc', {}, { 'lattice.dev/owner': 'alice@example.com' }).remaining).toEqual({ cpu: 1000 });
    expect(resolveBudget([quota('q', { principal: 'Lattice::Service::"ns/svc"', limits: { cpu: '1' } })], 'ns', 'svc', {}, {}).remaining).toEqual({ cpu: 1000 });
  });

  it('checks per-workload caps first, then the remaining capacity, in the reference words', () => {
    const budget = resolveBudget([quota('q', { limits: { cpu: '10', memory: '16Gi' }, maxPerWorkload: { cpu: '8' } }, { cpu: '8' })], 'ns', 'svc', TEAM, {});
    expect(checkBudget(budget, { cpuMillis: 2000, memoryBytes: GiB, gpuCount: 0 })).toBeUndefined();
    expect(checkBudget(budget, { cpuMillis: 16000, memoryBytes: 0, gpuCount: 0 })).toBe('cpu (16) exceeds per-workload cap (8)');
    expect(checkBudget(budget, { cpuMillis: 4000, memoryBytes: 0, gpuCount: 0 })).toBe('cpu: 4 requested but only 2 remaining in quota');
    expect(checkBudget(budget, { cpuMillis: 1500, memoryBytes: 17 * GiB, gpuCount: 0 })).toBe('memory: 17Gi requested but only 16Gi remaining in quota');
    const gpus = resolveBudget([quota('q', { limits: { 'nvidia.com/gpu': '16' }, maxPerWorkload: { 'nvidia.com/gpu': '8' } })], 'ns', 'svc', TEAM, {});
    expect(checkBudget(gpus, { cpuMillis: 0, memoryBytes: 0, gpuCount: 9 })).toBe('nvidia.com/gpu (9) exceeds per-workload cap (8)');
  });
});

describe('usage (reference quota controller compute_usage, is_exceeded)', () => {
  const meta = (name: string, namespace: string, annotations?: Record<string, string>) => ({ name, namespace, ...(annotations ? { annotations } : {}) });
  const services: LatticeService[] = [
    { apiVersion: 'lattice.dev/v1beta1', kind: 'LatticeService', metadata: meta('a', 'team-ns'), spec: { replicas: 2, workload: workload('500m', '512Mi') } },
    { apiVersion: 'lattice.dev/v1beta1', kind: 'LatticeService', metadata: meta('b', 'team-ns'), spec: { replicas: 1, workload: workload('3', '1Gi') } },
    { apiVersion: 'lattice.dev/v1beta1', kind: 'LatticeService', metadata: meta('bad', 'team-ns'), spec: { replicas: 1, workload: workload('lots') } },
    { apiVersion: 'lattice.dev/v1beta1', kind: 'LatticeService', metadata: meta('c', 'other'), spec: { replicas: 1, workload: workload('64') } },
  ];
  const jobs: LatticeJob[] = [
    { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeJob', metadata: meta('train', 'team-ns'), spec: { tasks: { master: { workload: workload('1') }, worker: { replicas: 2, workload: workload('2') } } } },
  ];
  const models: LatticeModel[] = [
    {
      apiVersion: 'lattice.dev/v1alpha1',
      kind: 'LatticeModel',
      metadata: meta('llm', 'elsewhere', { 'lattice.dev/owner': 'alice@example.com' }),
      spec: { roles: { decode: { replicas: 2, entryWorkload: workload('1', undefined, { resources: { gpu: { type: 'gpu', params: { count: 1 } } } }), workerReplicas: 3, workerWorkload: workload('1') } } },
    } as LatticeModel,
  ];
  const labels = (ns: string) => (ns === 'team-ns' ? TEAM : {});

  it('sums every covered workload whatever its phase; an unreadable service is left out, a job counts once', () => {
    const group = quotaUsage({ type: 'Group', name: 'team' }, { services, jobs, models, namespaceLabels: labels });
    expect(group).toEqual({ used: { cpuMillis: 1000 + 3000 + 1000 + 4000, memoryBytes: GiB + GiB, gpuCount: 0 }, workloadCount: 3 });
    expect(formatDemandMap(group.used)).toEqual({ cpu: '9', memory: '2Gi' });
    const user = quotaUsage({ type: 'User', email: 'alice@example.com' }, { services, jobs, models, namespaceLabels: labels });
    expect(user).toEqual({ used: { cpuMillis: 2000 + 3000, memoryBytes: 0, gpuCount: 2 }, workloadCount: 1 });
    expect(quotaUsage({ type: 'Service', namespace: 'other', name: 'c' }, { services, jobs, models, namespaceLabels: labels }).workloadCount).toBe(1);
  });

  it('is exceeded only above a readable limit', () => {
    const used = { cpuMillis: 10000, memoryBytes: 8 * GiB, gpuCount: 5 };
    expect(quotaExceeded(used, { cpu: '8' })).toBe(true);
    expect(quotaExceeded(used, { 'nvidia.com/gpu': '4' })).toBe(true);
    expect(quotaExceeded(used, { cpu: '10', memory: '16Gi', 'nvidia.com/gpu': '5' })).toBe(false);
    expect(quotaExceeded(used, { cpu: 'abc' })).toBe(false);
    expect(quotaExceeded(used, {})).toBe(false);
  });
});

describe('the compile-time quota gate (reference crates/lattice-workload compiler.rs:430-438)', () => {
  const input = (replicas: number) => ({ name: 'svc', namespace: 'ns', kind: 'service' as const, workload: workload('1', '1Gi'), replicas });
  const budget = resolveBudget([quota('q', { limits: { cpu: '4' }, maxPerWorkload: { memory: '2Gi' } }, { cpu: '1' })], 'ns', 'svc', TEAM, {});

  it('passes a demand within the budget and fails one over it before any Cedar gate is asked', () => {
    const ok = compileWorkload(input(2), { authorizer: allowAll(), clusterName: 'c', quotaBudget: budget });
    expect(ok.ok).toBe(true);
    const authorizer = allowAll();
    const over = compileWorkload({ ...input(4), workload: workload('1', '512Mi', { resources: { db: { type: 'secret', id: 'db', params: { provider: 'vault' } } } }) }, { authorizer, clusterName: 'c', quotaBudget: budget });
    expect(over).toEqual({ ok: false, reason: 'quota-exceeded', message: 'quota exceeded: cpu: 4 requested but only 3 remaining in quota' });
    expect(authorizer.asked).toEqual([]);
    expect(compileWorkload(input(3), { authorizer: allowAll(), clusterName: 'c', quotaBudget: { ...budget, remaining: {} } })).toEqual({
      ok: false,
      reason: 'quota-exceeded',
      message: 'quota exceeded: memory (3Gi) exceeds per-workload cap (2Gi)',
    });
    // Without a budget nothing is enforced.
    expect(compileWorkload(input(400), { authorizer: allowAll(), clusterName: 'c' }).ok).toBe(true);
  });
});
