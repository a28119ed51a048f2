/**
 * LatticeQuota through the running controllers (fidelity row "Quota exceeded → scaled to 0"; reference
 * crates/lattice-quota, crates/lattice-service/src/controller.rs:930-1053, and the reference e2e
 * crates/lattice-cli/tests/e2e/integration/quota.rs): a group quota in lattice-system over a labelled
 * namespace goes Active with no workloads; a service within it is Ready and counted in `status.used`;
 * a spec over the per-workload cap is Failed `quota exceeded: …` and its running Deployment is scaled
 * to 0 (the Deployment stays); raising the quota lets it run again. Last, the reference's accounting:
 * `status.used` already holds the checked service's own demand, so once the quota controller has
 * counted it, a service using 75 % of a quota of its own is refused.
 */
import { describe, expect, test } from 'vitest';
import type { KubeObject, TypeRef } from '../fake-apiserver/api/index.ts';
import { World } from '../harness/world.ts';
import type { InjectedBug } from '../harness/world.ts';
import { admissionOracle, expectedProbesWithAdmission } from '../topologies/index.ts';
import { runTopology } from './random-enforcement.ts';
import type { Topology } from '../topologies/index.ts';
import { testService } from '../topologies/testing.ts';
import fc from 'fast-check';
import type { LatticeService } from '../platform/crds/types.ts';
import type { LatticeQuota } from '../platform/crds/quota-types.ts';
import { checkBudget, resolveBudget, workloadDemand } from '../platform/quota/index.ts';
import { topologyArbitrary } from '../topologies/arbitraries/topology.ts';
import { renderTopology } from '../topologies/render.ts';

const LS: TypeRef = { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService' };
const QUOTA: TypeRef = { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeQuota' };
const DEPLOYMENT: TypeRef = { apiVersion: 'apps/v1', kind: 'Deployment' };
const POD: TypeRef = { apiVersion: 'v1', kind: 'Pod' };
const NS = 'quota-test';

const teamQuota = (maxCpu: string): KubeObject => ({
  ...QUOTA,
  metadata: { name: 'test-team-quota', namespace: 'lattice-system' },
  spec: { principal: 'Lattice::Group::"quota-test-team"', limits: { cpu: '8', memory: '16Gi' }, maxPerWorkload: { cpu: maxCpu, memory: '4Gi' } },
});
const svc = (name: string, cpu: string, memory: string, replicas = 1): KubeObject => ({
  ...LS,
  metadata: { name, namespace: NS },
  spec: {
    replicas,
    workload: {
      containers: { main: { image: 'busybox:1.36', command: ['/bin/sleep', '3600'], resources: { requests: { cpu, memory }, limits: { cpu, memory } } } },
      service: { ports: { http: { port: 8080, targetPort: 8080 } } },
    },
  },
});

interface Status {
  phase?: string;
  message?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  used?: Record<string, string>;
  workloadCount?: number;
}

describe('LatticeQuota', () => {
  test('within budget Ready and counted; over the per-workload cap Failed and scaled to 0; a raised quota lets it run', async () => {
    const w = await World.create({ seed: 3, trustDomain: 'lattice.test' });
    const run = (ms: number) => w.clock.run({ untilMs: w.clock.now() + ms });
    const status = (type: TypeRef, namespace: string, name: string): Status => ((w.server.get(type, { namespace, name }) as { status?: Status }).status ?? {});
    const replicas = (name: string): number => w.server.get(DEPLOYMENT, { namespace: NS, name }).spec.replicas;
    const pods = (name: string) => w.server.list(POD, { namespace: NS }).items.filter((p) => p.metadata.name.startsWith(`${name}-`) && !p.metadata.deletionTimestamp).length;

    expect(await w.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'lattice.dev/group': 'quota-test-team' } } }, teamQuota('2')])).toEqual([]);
    await run(10_000);
    // The e2e's lifecycle check: the quota is Active with no workloads.
    expect(status(QUOTA, 'lattice-system', 'test-team-quota')).toMatchObject({ phase: 'Active', workloadCount: 0 });

    expect(await w.apply([svc('small', '500m', '512Mi'), svc('grower', '1', '1Gi')])).toEqual([]);
    await run(90_000);
    expect(status(LS, NS, 'small').phase).toBe('Ready');
    expect(status(LS, NS, 'grower').phase).toBe('Ready');
    expect(pods('grower')).toBe(1);
    expect(status(QUOTA, 'lattice-system', 'test-team-quota')).toMatchObject({ phase: 'Active', used: { cpu: '1500m', memory: '1536Mi' }, workloadCount: 2 });

    // Three replicas of 1 cpu: 3 cores over the 2-core per-workload cap.
    const grower = w.server.get(LS, { namespace: NS, name: 'grower' });
    await w.client.update({ ...grower, spec: { ...grower.spec, replicas: 3 } });
    await run(90_000);
    const refused = status(LS, NS, 'grower');
    expect(refused).toMatchObject({ phase: 'Failed', message: 'quota exceeded: cpu (3) exceeds per-workload cap (2)' });
    expect(refused.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ValidationFailed' });
    expect(refused.conditions?.find((c) => c.type === 'Compiled')).toMatchObject({ status: 'False', reason: 'QuotaExceeded' });
    expect(replicas('grower')).toBe(0);
    expect(pods('grower')).toBe(0);
    // Usage counts every covered service, the refused one included (reference compute_usage).
    expect(status(QUOTA, 'lattice-system', 'test-team-quota')).toMatchObject({ phase: 'Active', used: { cpu: '3500m', memory: '3584Mi' }, workloadCount: 2 });
    expect(status(LS, NS, 'small').phase).toBe('Ready');

    // A cap of 4 cores: 8 − 3.5 used leaves 4.5 ≥ 3, so the next compile applies the Deployment's 3 replicas.
    await w.client.apply(teamQuota('4'), { fieldManager: 'test', force: true });
    await run(90_000);
    expect(status(LS, NS, 'grower').phase).toBe('Ready');
    expect(replicas('grower')).toBe(3);
    expect(pods('grower')).toBe(3);
    w.stop();
  });

  test("the reference's accounting: a service's own counted demand is subtracted from what it may use", async () => {
    const w = await World.create({ seed: 4, trustDomain: 'lattice.test' });
    const run = (ms: number) => w.clock.run({ untilMs: w.clock.now() + ms });
    const status = (type: TypeRef, namespace: string, name: string): Status => ((w.server.get(type, { namespace, name }) as { status?: Status }).status ?? {});
    const soloQuota: KubeObject = { ...QUOTA, metadata: { name: 'solo', namespace: 'lattice-system' }, spec: { principal: `Lattice::Service::"${NS}/solo"`, limits: { cpu: '1' } } };
    expect(await w.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }, svc('solo', '750m', '256Mi')])).toEqual([]);
    await run(30_000);
    expect(status(LS, NS, 'solo').phase).toBe('Ready');
    // A quota of 1 core for this service alone: the quota controller counts its 750m (Active), and the
    // service's next compile compares 750m with the 250m left.
    expect(await w.apply([soloQuota])).toEqual([]);
    await run(120_000);
    expect(status(QUOTA, 'lattice-system', 'solo')).toMatchObject({ phase: 'Active', used: { cpu: '750m', memory: '256Mi' }, workloadCount: 1 });
    expect(status(LS, NS, 'solo')).toMatchObject({ phase: 'Failed', message: 'quota exceeded: cpu: 750m requested but only 250m remaining in quota' });
    expect(w.server.get(DEPLOYMENT, { namespace: NS, name: 'solo' }).spec.replicas).toBe(0);

    // An invalid quota is Invalid with the first problem (the reference's controller; no webhook checks quotas).
    const bad: KubeObject = { ...QUOTA, metadata: { name: 'bad', namespace: 'lattice-system' }, spec: { principal: 'team', limits: { cpu: 'lots' } } };
    expect(await w.apply([bad])).toEqual([]);
    await run(10_000);
    expect(status(QUOTA, 'lattice-system', 'bad')).toMatchObject({
      phase: 'Invalid',
      message: "spec.principal: unsupported principal format: 'team' (expected Lattice::Service, Lattice::Group, or Lattice::User)",
      workloadCount: 0,
    });
    w.stop();
  });

  test('reachability: a topology with quotas is judged as the admission oracle predicts, and quota-ignored is caught', async () => {
    const t: Topology = {
      name: 'quota',
      services: [
        testService('quota', 'gen', { layer: 0, ports: [], outbound: ['quota/roomy', 'quota/capped'] }),
        testService('quota', 'roomy', { inbound: ['quota/gen'], quota: 'within' }),
        testService('quota', 'capped', { inbound: ['quota/gen'], quota: 'capped', replicas: 2 }),
      ],
      probes: [
        { from: 'quota/gen', to: 'quota/roomy' },
        { from: 'quota/gen', to: 'quota/capped' },
      ],
    };
    const admissions = admissionOracle(t);
    expect(admissions.map((a) => [a.service, a.expected, a.gate ?? null, a.quotaExceeded ?? null])).toEqual([
      ['quota/gen', 'Ready', null, null],
      ['quota/roomy', 'Ready', null, null],
      ['quota/capped', 'Failed', 'Quota', 'quota exceeded: cpu (100m) exceeds per-workload cap (99m)'],
    ]);
    expect(expectedProbesWithAdmission(t).map((p) => [p.to, p.expected])).toEqual([
      ['quota/roomy', 'allow'],
      ['quota/capped', 'deny'],
    ]);
    const judge = (injectBug?: InjectedBug) => runTopology(t, 6, 0, injectBug);
    const record = await judge();
    expect(record.admissions!.map((a) => [a.service, a.observed, a.problems])).toEqual([
      ['quota/gen', 'Ready', []],
      ['quota/roomy', 'Ready', []],
      ['quota/capped', 'Failed', []],
    ]);
    expect(record.status).toBe('verified');
    const buggy = await judge('quota-ignored');
    expect(buggy.admissions!.filter((a) => a.problems.length > 0).map((a) => [a.service, a.observed])).toEqual([['quota/capped', 'Ready']]);
  });
});

describe('the quota draws of random topologies against the platform\'s budget check', () => {
  const samples = fc.sample(topologyArbitrary({ quotaProbability: 0.3 }), { seed: 31, numRuns: 40 });

  test('puts each cap on the service\'s own demand, as the platform\'s budget check reads the rendered objects: `within` fits exactly, `capped` is 1m short, and a demand of one replica would fit a multi-replica capped service', () => {
    let multiReplicaCapped = 0;
    for (const t of samples) {
      const objects = renderTopology(t);
      const quotas = objects.filter((o): o is LatticeQuota => o.kind === 'LatticeQuota');
      for (const s of t.services.filter((x) => x.quota !== undefined)) {
        const ls = objects.find((o): o is LatticeService => o.kind === 'LatticeService' && o.metadata.namespace === s.namespace && o.metadata.name === s.name)!;
        const budget = resolveBudget(quotas, s.namespace, s.name, {}, {});
        const replicas = ls.spec.replicas ?? 1;
        expect(replicas).toBe(s.replicas ?? 1);
        const verdict = checkBudget(budget, workloadDemand(ls.spec.workload, replicas));
        if (s.quota === 'within') expect(verdict).toBeUndefined();
        else expect(verdict).toBe(`cpu (${50 * replicas}m) exceeds per-workload cap (${50 * replicas - 1}m)`);
        if (s.quota === 'capped' && replicas >= 2) {
          multiReplicaCapped++;
          expect(checkBudget(budget, workloadDemand(ls.spec.workload, 1))).toBeUndefined();
        }
      }
    }
    expect(multiReplicaCapped).toBeGreaterThan(0);
  });
});
