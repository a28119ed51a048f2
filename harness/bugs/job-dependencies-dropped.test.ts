import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { LatticeJobType, LatticeMeshMemberType } from '../../platform/index.ts';
import type { LatticeJob, LatticeMeshMember } from '../../platform/index.ts';
import { jobDependenciesDropped } from './job-dependencies-dropped.ts';
import { bugTestCluster, reconcileJob } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

/** A LatticeJob `ns/batch` with task `0`: a one-shot worker declaring outbound to `api` and `db` (both), inbound from `ops`. */
function batchJob(): KubeObject {
  const job: LatticeJob = {
    ...LatticeJobType,
    metadata: { name: 'batch', namespace: 'ns' },
    spec: {
      tasks: {
        '0': {
          replicas: 1,
          workload: {
            containers: { main: { image: 'curlimages/curl:8.11.1', command: ['/bin/sh', '-c', 'sleep 3600'], resources: { limits: { cpu: '200m', memory: '128Mi' } } } },
            resources: { api: { type: 'service', direction: 'outbound' }, db: { type: 'service', direction: 'both' }, ops: { type: 'service', direction: 'inbound' } },
          },
        },
      },
    },
  };
  return job;
}

/** Submits `ns/batch` through the real job controller and returns its task's generated mesh member. */
async function taskMember(wrap: (c: BugTestCluster) => BugTestCluster['client']): Promise<LatticeMeshMember> {
  const c = await bugTestCluster();
  await c.client.create(batchJob());
  await reconcileJob(c, wrap(c), 'ns', 'batch');
  return c.client.get<LatticeMeshMember>(LatticeMeshMemberType, { namespace: 'ns', name: 'batch-0' });
}

describe('job-dependencies-dropped', () => {
  test("without the bug the task's mesh member depends on what it declares outbound and allows its inbound callers", async () => {
    const m = await taskMember((c) => c.client);
    expect(m.spec.dependencies).toEqual([
      { name: 'api', namespace: 'ns' },
      { name: 'db', namespace: 'ns' },
    ]);
    expect(m.spec.allowedCallers).toEqual([
      { name: 'db', namespace: 'ns' },
      { name: 'ops', namespace: 'ns' },
    ]);
  });

  test('with the bug it depends on nothing, its inbound side is kept, and the stored job is unchanged', async () => {
    const c = await bugTestCluster();
    await c.client.create(batchJob());
    await reconcileJob(c, jobDependenciesDropped.apply(c.seams, { clock: c.clock }).platformClient, 'ns', 'batch');
    const m = await c.client.get<LatticeMeshMember>(LatticeMeshMemberType, { namespace: 'ns', name: 'batch-0' });
    expect(m.spec.dependencies).toEqual([]);
    expect(m.spec.allowedCallers).toEqual([
      { name: 'db', namespace: 'ns' },
      { name: 'ops', namespace: 'ns' },
    ]);
    const stored = await c.client.get<LatticeJob>(LatticeJobType, { namespace: 'ns', name: 'batch' });
    expect(Object.keys(stored.spec.tasks['0'].workload!.resources!)).toEqual(['api', 'db', 'ops']);
    expect((await c.client.get<LatticeJob>(LatticeJobType, { namespace: 'ns', name: 'batch' })).status?.message).toBe('Job submitted to Volcano');
  });
});
