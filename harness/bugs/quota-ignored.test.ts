import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { CedarLoader, LATTICE_SYSTEM_NAMESPACE, LatticeQuotaType, LatticeServiceType, serviceController } from '../../platform/index.ts';
import { quotaIgnored } from './quota-ignored.ts';
import { bugTestCluster, cedarPolicy, service, storedStatus } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

/** `ns/web` requesting 100m cpu, and a LatticeQuota for it alone capping each workload at 50m; Cedar permits everything. */
async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(cedarPolicy('all', 'permit (principal, action, resource);\n'));
  await c.client.create({
    ...LatticeQuotaType,
    metadata: { name: 'ns.web', namespace: LATTICE_SYSTEM_NAMESPACE },
    spec: { principal: 'Lattice::Service::"ns/web"', limits: { cpu: '64' }, maxPerWorkload: { cpu: '50m' } },
  } as KubeObject);
  const web = service('ns', 'web');
  web.spec.workload.containers.main.resources = { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
  await c.client.create(web);
  return c;
}

/** Two reconciles of `ns/web` (Pending → Compiling, then the quota check and the gates). */
async function admit(c: BugTestCluster, client: BugTestCluster['client']): Promise<void> {
  const controller = serviceController({ client, cedar: new CedarLoader(client), clusterName: 'test' });
  for (let i = 0; i < 2; i++) await controller.reconciler.reconcile({ namespace: 'ns', name: 'web' }, { clock: c.clock, log: { info: () => {}, warn: () => {} } });
}

describe('quota-ignored', () => {
  test('without the bug the service over its per-workload cap is Failed by the quota check', async () => {
    const c = await cluster();
    await admit(c, c.client);
    const status = await storedStatus(c.client, LatticeServiceType, 'ns', 'web');
    expect(status.phase).toBe('Failed');
    expect(status.message).toBe('quota exceeded: cpu (100m) exceeds per-workload cap (50m)');
    expect(status.conditions).toContainEqual(expect.objectContaining({ type: 'Compiled', status: 'False', reason: 'QuotaExceeded' }));
  });

  test('with the bug it compiles unconstrained; the stored quota is untouched', async () => {
    const c = await cluster();
    const { platformClient } = quotaIgnored.apply(c.seams, { clock: c.clock });
    await admit(c, platformClient);
    const status = await storedStatus(c.client, LatticeServiceType, 'ns', 'web');
    expect(status.phase).toBe('Compiling');
    expect(status.conditions).toContainEqual(expect.objectContaining({ type: 'PolicyAuthorized', status: 'True' }));
    expect((await c.client.list(LatticeQuotaType, { namespace: LATTICE_SYSTEM_NAMESPACE })).items.map((q) => q.metadata.name)).toEqual(['ns.web']);
  });
});
