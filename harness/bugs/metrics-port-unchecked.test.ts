import { describe, expect, test } from 'vitest';
import { LatticeServiceType } from '../../platform/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { metricsPortUnchecked } from './metrics-port-unchecked.ts';
import { bugTestCluster, cedarPolicy, reconcileService, service, storedIn, storedStatus } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

/** `ns/api` asks for metrics on port `prom`, which its service does not declare; Cedar permits everything. */
async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(cedarPolicy('permit-all', 'permit (principal, action, resource);\n'));
  const api = service('ns', 'api');
  api.spec.workload.containers.main.resources = { limits: { cpu: '100m', memory: '64Mi' } };
  api.spec.workload.service = { ports: { http: { port: 80 }, metrics: { port: 9090 } } };
  api.spec.observability = { metrics: { port: 'prom' } };
  await c.client.create(api);
  return c;
}

async function admit(c: BugTestCluster, client: BugTestCluster['client']): Promise<void> {
  await reconcileService(c, client, 'ns', 'api'); // Pending → Compiling
  await reconcileService(c, client, 'ns', 'api'); // compile (gates, then the scrape phase), then layer 1
}

describe('metrics-port-unchecked', () => {
  test('without the bug the compile fails with the reference error and nothing is written', async () => {
    const c = await cluster();
    await admit(c, c.client);
    expect(await storedStatus(c.client, LatticeServiceType, 'ns', 'api')).toMatchObject({ phase: 'Failed', message: "observability.metrics.port 'prom' not found in service.ports" });
    expect(await storedIn(c.client, StubTypes.VMServiceScrape, 'ns')).toEqual([]);
    expect(await storedIn(c.client, { apiVersion: 'v1', kind: 'ServiceAccount' }, 'ns')).toEqual([]);
  });

  test('with the bug the service compiles, and scrapes nothing although it has a metrics port; the stored spec is unchanged', async () => {
    const c = await cluster();
    const { platformClient } = metricsPortUnchecked.apply(c.seams, { clock: c.clock });
    await admit(c, platformClient);
    expect((await storedStatus(c.client, LatticeServiceType, 'ns', 'api')).phase).toBe('Compiling');
    // The override named no port, so the default `metrics` port is scraped: the developer's choice is lost silently.
    const scrapes = (await storedIn(c.client, StubTypes.VMServiceScrape, 'ns')) as unknown as { spec: { endpoints: { port: string }[] } }[];
    expect(scrapes.map((s) => s.spec.endpoints[0].port)).toEqual(['metrics']);
    const stored = await c.client.get(LatticeServiceType, { namespace: 'ns', name: 'api' });
    expect((stored as unknown as { spec: { observability: { metrics: { port?: string } } } }).spec.observability.metrics.port).toBe('prom');
  });
});
