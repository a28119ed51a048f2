import { describe, expect, it } from 'vitest';
import { admissionOracle, expectedProbesWithAdmission, renderTopology } from '../topologies/index.ts';
import type { Topology, TopologyCedarStatement, TopologyService } from '../topologies/index.ts';
import type { InjectedBug } from '../harness/world.ts';
import type { ExpectedAdmission } from '../harness/verifier/expected-admission.ts';
import { runCase } from '../harness/verifier/run-case.ts';
import { testService } from '../topologies/testing.ts';

const svc = (name: string, over: Partial<TopologyService> = {}): TopologyService => testService('lab', name, over);
const secretPermit = (id: string, over: Partial<TopologyCedarStatement>): TopologyCedarStatement => ({
  id,
  effect: 'permit',
  action: 'AccessSecret',
  principal: { key: 'lab/batch-0' },
  resource: { exact: { type: 'SecretPath', provider: 'vault-main', path: 'lab/train-data' } },
  style: 'uid',
  ...over,
});

/**
 * Two LatticeJobs in namespace lab: `batch` (tasks 0 and 1, task 0 with 2 replicas and a secret a uid
 * permit grants) calls api and store; `etl` (task 0) reads a secret only a namespace-wide permit —
 * written for services — covers, so its compile gate denies it and the whole job fails. api allows
 * both batch tasks and etl-0; store allows batch-0 only (batch-1 one-sided).
 */
const topology: Topology = {
  name: 'lab',
  services: [
    svc('batch-0', { layer: 0, ports: [], kind: 'job', jobName: 'batch', replicas: 2, outbound: ['lab/api', 'lab/store'], secrets: [{ name: 'train-data', provider: 'vault-main', path: 'lab/train-data', keys: ['token'], route: 'env' }] }),
    svc('batch-1', { layer: 0, ports: [], kind: 'job', jobName: 'batch', outbound: ['lab/api', 'lab/store'] }),
    svc('etl-0', { layer: 0, ports: [], kind: 'job', jobName: 'etl', outbound: ['lab/api'], secrets: [{ name: 'warehouse', provider: 'vault-main', path: 'lab/warehouse', keys: ['password'], route: 'env' }] }),
    svc('api', { inbound: ['lab/batch-0', 'lab/batch-1', 'lab/etl-0'] }),
    svc('store', { inbound: ['lab/batch-0'] }),
  ],
  probes: [
    { from: 'lab/batch-0', to: 'lab/api' },
    { from: 'lab/batch-0', to: 'lab/store' },
    { from: 'lab/batch-1', to: 'lab/api' },
    { from: 'lab/batch-1', to: 'lab/store' },
    { from: 'lab/etl-0', to: 'lab/api' },
  ],
  secretProviders: [{ name: 'vault-main', type: 'vault' }],
  cedar: {
    policies: [
      {
        name: 'lattice-sim-permits',
        enabled: true,
        statements: [secretPermit('s0', {}), secretPermit('s1', { principal: { namespace: 'lab' }, resource: { exact: { type: 'SecretPath', provider: 'vault-main', path: 'lab/warehouse' } }, style: 'attributes' })],
      },
    ],
  },
};

async function judge(injectBug?: InjectedBug, admissions: readonly ExpectedAdmission[] = admissionOracle(topology)) {
  const { record } = await runCase({ id: 'jobs-test', name: 'jobs', kind: 'random', seed: 3, objects: renderTopology(topology), expected: expectedProbesWithAdmission(topology), admissions, injectBug });
  return record;
}

describe('LatticeJobs judged inside judgeCase', () => {
  it('batch runs (its workers probed while they run, its mesh members judged), etl fails on its task 0 and leaves nothing', async () => {
    const record = await judge();
    expect(record.admissions!.map((a) => [a.kind, a.service, a.expected, a.observed, a.problems])).toEqual([
      ['LatticeJob', 'lab/batch', 'Running', 'Running', []],
      ['LatticeMeshMember', 'lab/batch-0', 'Ready', 'Ready', []],
      ['LatticeMeshMember', 'lab/batch-1', 'Ready', 'Ready', []],
      ['LatticeJob', 'lab/etl', 'Failed', 'Failed', []],
      ['LatticeService', 'lab/api', 'Ready', 'Ready', []],
      ['LatticeService', 'lab/store', 'Ready', 'Ready', []],
    ]);
    expect(record.admissions!.find((a) => a.service === 'lab/etl')!.message).toMatch(/^Failed to compile job: compilation failed for task '0': secret access denied: 'warehouse'/);
    expect(record.probes.map((p) => `${p.from} ${p.to} ${p.expected} ${p.observed}`)).toEqual([
      'lab/batch-0 lab/api allow allow',
      'lab/batch-0 lab/store allow allow',
      'lab/batch-1 lab/api allow allow',
      'lab/batch-1 lab/store deny deny',
      'lab/etl-0 lab/api deny deny',
    ]);
    expect(record.status).toBe('verified');
  });

  it('reports a job in another phase than expected, another compile message, and the outputs of a job expected Failed', async () => {
    const wrong = admissionOracle(topology).map((a): ExpectedAdmission => {
      if (a.service === 'lab/etl') return { ...a, jobMessage: { prefix: "Failed to compile job: compilation failed for task '1': ", includes: ['security override denied'] } };
      if (a.service === 'lab/batch') return { ...a, expected: 'Failed', gate: 'AccessSecret', jobMessage: { prefix: 'Failed to compile job: ', includes: [] } };
      return a;
    });
    const problems = Object.fromEntries((await judge(undefined, wrong)).admissions!.map((a) => [a.service, a.problems]));
    expect(problems['lab/etl']).toEqual([expect.stringMatching(/^expected a message starting 'Failed to compile job: compilation failed for task '1': ' naming "security override denied", the platform says: Failed to compile job: compilation failed for task '0'/)]);
    expect(problems['lab/batch'][0]).toBe('expected Failed, observed Running (Job running)');
    expect(problems['lab/batch'][1]).toMatch(/^denied by AccessSecret, yet has outputs: Volcano Job lab\/batch, LatticeMeshMember lab\/batch-0, ServiceAccount lab\/batch-0, Pod lab\/batch-0-0, Pod lab\/batch-0-1, LatticeMeshMember lab\/batch-1/);
  });

  it('catches job-dependencies-dropped: the workers are denied and api warns of one-sided inbound callers', async () => {
    const record = await judge('job-dependencies-dropped');
    expect(record.probes.filter((p) => p.expected !== p.observed).map((p) => `${p.from} ${p.to}`)).toEqual(['lab/batch-0 lab/api', 'lab/batch-0 lab/store', 'lab/batch-1 lab/api']);
    expect(record.admissions!.find((a) => a.service === 'lab/api')!.problems.join('\n')).toMatch(/BilateralAgreement/);
    expect(record.status).toBe('mismatches');
  });
});
