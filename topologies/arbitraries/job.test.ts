import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LatticeJob } from '../../platform/crds/types.ts';
import { ADMISSION_REASONS, admissionOracle, expectedProbesWithAdmission } from '../admission.ts';
import { renderTopology } from '../render.ts';
import { JOB_COMMAND } from '../render-job.ts';
import type { Topology, TopologyService } from '../topology.ts';
import { jobTaskOf, serviceKey } from '../topology.ts';
import { compareTopologySize, validateTopology } from '../validate.ts';
import { jobEligible, withJobs } from './job.ts';
import { topologyArbitrary } from './topology.ts';

const isJob = (s: TopologyService): boolean => s.kind === 'job';
const jobKeys = (t: Topology): Set<string> => new Set(t.services.filter(isJob).map(serviceKey));

describe('LatticeJobs in default random topologies (jobProbability)', () => {
  const samples = fc.sample(topologyArbitrary(), { seed: 7, numRuns: 150 });
  const withJob = samples.filter((t) => t.services.some(isJob));

  it('draws jobs in a minority of topologies, only on eligible traffic generators, and every one is valid', () => {
    expect(withJob.length).toBeGreaterThan(10);
    expect(withJob.length).toBeLessThan(samples.length / 2);
    for (const t of withJob) {
      expect(validateTopology(t)).toEqual([]);
      for (const s of t.services.filter(isJob)) {
        expect(jobEligible({ ...s, kind: 'service', jobName: undefined })).toBe(true);
        expect(`${s.jobName}-${jobTaskOf(s)}`).toBe(s.name);
      }
    }
  });

  it('renders one LatticeJob per job (tasks of a namespace grouped), running sleep, and no LatticeService of a task', () => {
    let multiTask = 0;
    for (const t of withJob) {
      const objects = renderTopology(t);
      const jobs = objects.filter((o): o is LatticeJob => o.kind === 'LatticeJob');
      const expected = new Set(t.services.filter(isJob).map((s) => `${s.namespace}/${s.jobName}`));
      expect(new Set(jobs.map((j) => `${j.metadata.namespace}/${j.metadata.name}`))).toEqual(expected);
      for (const s of t.services.filter(isJob)) {
        const job = jobs.find((j) => j.metadata.namespace === s.namespace && j.metadata.name === s.jobName)!;
        const task = job.spec.tasks[jobTaskOf(s)!];
        expect(task.replicas).toBe(s.replicas ?? 1);
        expect(task.workload!.containers!.main.command).toEqual(JOB_COMMAND);
        // Its outbound declarations are the task's outbound resources.
        const outbound = Object.values(task.workload!.resources ?? {}).filter((r) => r.type === 'service' && (r.direction ?? 'outbound') !== 'inbound');
        expect(outbound.length).toBe(s.outbound.length + (s.dependsAll ? 1 : 0));
        expect(objects.some((o) => o.kind === 'LatticeService' && o.metadata.namespace === s.namespace && o.metadata.name === s.name)).toBe(false);
      }
      if (jobs.some((j) => Object.keys(j.spec.tasks).length > 1)) multiTask++;
    }
    expect(multiTask).toBeGreaterThan(0);
  });

  it('judges probes from job workers and expects LatticeJobs Running and Failed', () => {
    let judgedFromJobs = 0;
    let allowedFromJobs = 0;
    const phases = new Set<string>();
    for (const t of withJob) {
      const keys = jobKeys(t);
      const probes = expectedProbesWithAdmission(t).filter((p) => keys.has(p.from));
      judgedFromJobs += probes.length;
      allowedFromJobs += probes.filter((p) => p.expected === 'allow').length;
      const admissions = admissionOracle(t);
      for (const a of admissions.filter((x) => x.kind === 'LatticeJob')) {
        phases.add(a.expected);
        expect(a.tasks!.length).toBeGreaterThan(0);
        // A Failed job runs none of its tasks: each task's probes are denied as a failed caller.
        if (a.expected === 'Failed') for (const p of expectedProbesWithAdmission(t).filter((q) => a.tasks!.includes(q.from))) expect(p.reason.startsWith(ADMISSION_REASONS.callerFailed)).toBe(true);
        // A running job's tasks are judged through their generated mesh members; a failed one's have none.
        for (const task of a.tasks!) expect(admissions.some((x) => x.kind === 'LatticeMeshMember' && x.service === task)).toBe(a.expected === 'Running');
      }
    }
    expect(judgedFromJobs).toBeGreaterThan(50);
    expect(allowedFromJobs).toBeGreaterThan(10);
    expect([...phases].sort()).toEqual(['Failed', 'Running']);
  });
});

describe('keyed job draws', () => {
  it('with jobProbability 0 a seed draws the same topology as with jobs, but for the job fields', () => {
    const on = fc.sample(topologyArbitrary(), { seed: 11, numRuns: 60 });
    const off = fc.sample(topologyArbitrary({ jobProbability: 0 }), { seed: 11, numRuns: 60 });
    let converted = 0;
    on.forEach((t, i) => {
      const back = { ...t, services: t.services.map((s) => (isJob(s) ? ((): TopologyService => { const { jobName: _j, ...rest } = s; converted++; return { ...rest, kind: off[i].services.find((o) => serviceKey(o) === serviceKey(s))!.kind }; })() : s)) };
      expect(back).toEqual(off[i]);
    });
    expect(converted).toBeGreaterThan(0);
  });

  it('turning one job draw off is a strictly smaller topology that keeps every other job', () => {
    const [t] = fc.sample(topologyArbitrary({ jobProbability: 0 }), { seed: 3, numRuns: 1 });
    const eligible = t.services.map(jobEligible);
    expect(eligible.filter(Boolean).length).toBeGreaterThan(1);
    const all = withJobs(t, eligible);
    const first = eligible.indexOf(true);
    const fewer = withJobs(t, eligible.map((e, i) => e && i !== first));
    expect(compareTopologySize(fewer, all)).toBeLessThan(0);
    expect(fewer.services.filter(isJob).map(serviceKey)).toEqual(all.services.filter(isJob).map(serviceKey).filter((k) => k !== serviceKey(t.services[first])));
  });
});

describe('admission of a job (principal kind job)', () => {
  const gen = (name: string, over: Partial<TopologyService> = {}): TopologyService => ({ namespace: 'ns', name, layer: 0, ports: [], outbound: ['ns/api-0'], inbound: [], wildcardInbound: false, ...over });
  const api: TopologyService = { namespace: 'ns', name: 'api-0', layer: 1, ports: [{ name: 'http', port: 80, targetPort: 8080 }], outbound: [], inbound: ['ns/frontend-0', 'ns/frontend-1'], wildcardInbound: false };
  const secret = { name: 'db', provider: 'vault-main', path: 'ns/db', keys: ['password'], route: 'env' as const };
  const namespacePermit = (p: string) => ({ id: p, effect: 'permit' as const, action: 'AccessSecret' as const, principal: { namespace: 'ns' }, resource: { exact: { type: 'SecretPath' as const, provider: 'vault-main', path: 'ns/db' } }, style: 'attributes' as const });
  const topology = (kind: 'service' | 'job'): Topology => ({
    name: 'ns',
    services: [gen('frontend-0', { secrets: [secret], ...(kind === 'job' ? { kind, jobName: 'frontend' } : {}) }), gen('frontend-1', kind === 'job' ? { kind, jobName: 'frontend' } : {}), api],
    probes: [{ from: 'ns/frontend-0', to: 'ns/api-0' }, { from: 'ns/frontend-1', to: 'ns/api-0' }],
    secretProviders: [{ name: 'vault-main', type: 'vault' }],
    cedar: { policies: [{ name: 'p', enabled: true, statements: [namespacePermit('s0')] }] },
  });

  it('a namespace-wide permit (written for services) admits the generator but not the job task, and the whole job fails', () => {
    expect(admissionOracle(topology('service')).find((a) => a.service === 'ns/frontend-0')).toMatchObject({ expected: 'Ready' });
    const admissions = admissionOracle(topology('job'));
    expect(admissions.find((a) => a.kind === 'LatticeJob')).toMatchObject({
      service: 'ns/frontend',
      expected: 'Failed',
      gate: 'AccessSecret',
      tasks: ['ns/frontend-0', 'ns/frontend-1'],
      jobMessage: { prefix: "Failed to compile job: compilation failed for task '0': ", includes: ["secret access denied: 'db'", 'no permit policy for this service and resource'] },
    });
    // Task 1 passes its gates, but the job is compiled all-or-nothing: neither task sends anything.
    expect(expectedProbesWithAdmission(topology('job')).map((p) => p.expected)).toEqual(['deny', 'deny']);
    expect(expectedProbesWithAdmission(topology('service')).map((p) => p.expected)).toEqual(['allow', 'allow']);
  });

  it('a CedarPolicy applied after submission changes nothing of a running job', () => {
    const uidPermit = { ...namespacePermit('s0'), principal: { key: 'ns/frontend-0' }, style: 'uid' as const };
    const t = topology('job');
    const late: Topology = { ...t, cedar: { policies: [{ name: 'p', enabled: true, statements: [uidPermit] }, { name: 'late', enabled: true, appliedAtMs: 75_000, statements: [{ ...uidPermit, id: 'late0', effect: 'forbid' }] }] } };
    expect(admissionOracle(late).find((a) => a.kind === 'LatticeJob')).toMatchObject({ expected: 'Running' });
    expect(expectedProbesWithAdmission(late).map((p) => p.expected)).toEqual(['allow', 'allow']);
  });
});
