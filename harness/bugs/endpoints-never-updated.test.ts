import { describe, expect, test } from 'vitest';
import type { KubeClient, KubeObject } from '../../fake-apiserver/api/index.ts';
import { SeededRng } from '../rng/index.ts';
import { endpointSliceController } from '../stubs/kcm/endpointslice-controller.ts';
import { CoreTypes } from '../stubs/third-party-crds.ts';
import { endpointsNeverUpdated } from './endpoints-never-updated.ts';
import { bugTestCluster, eventually, stubInformers, storedIn } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

const API_SERVICE: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'ns' }, spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
const API_POD: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-0', namespace: 'ns', labels: { app: 'api' } }, spec: { containers: [{ name: 'main', image: 'nginx' }] } };
const READY = { phase: 'Running', podIP: '10.244.0.1', conditions: [{ type: 'Ready', status: 'True' }] };

/**
 * The real EndpointSlice stub, writing through `stubsClient(cluster)`, syncs the Service once before
 * its pod exists and once after the pod is Running and Ready. Returns the stored slice's endpoint
 * addresses after each sync.
 */
async function podArrivesAfterService(stubsClient: (c: BugTestCluster) => KubeClient): Promise<string[][]> {
  const c = await bugTestCluster();
  const cache = stubInformers(c);
  const stub = endpointSliceController(stubsClient(c), c.clock, new SeededRng(1), { delayMs: 0 }, cache);
  const sync = () => stub.reconciler.reconcile({ namespace: 'ns', name: 'api' }, { clock: c.clock, log: { info: () => {}, warn: () => {} } });
  const addresses = async () => (await storedIn(c.client, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' }, 'ns')).flatMap((s) => (s.endpoints ?? []).flatMap((e: { addresses: string[] }) => e.addresses));
  await c.client.create(API_SERVICE);
  await eventually(async () => (await cache.list(CoreTypes.Service, { namespace: 'ns' })).items.length === 1);
  await sync();
  const before = await addresses();
  await c.client.create(API_POD);
  await c.client.patchStatus(CoreTypes.Pod, { namespace: 'ns', name: 'api-0' }, 'merge', { status: READY });
  await eventually(async () => (await cache.list(CoreTypes.Pod, { namespace: 'ns' })).items.some((p) => p.status?.podIP));
  await sync();
  cache.stop();
  return [before, await addresses()];
}

describe('endpoints-never-updated', () => {
  test('without the bug the slice lists the pod once it is ready', async () => {
    expect(await podArrivesAfterService((c) => c.client)).toEqual([[], ['10.244.0.1']]);
  });

  test('with the bug the slice keeps its first, empty answer', async () => {
    expect(await podArrivesAfterService((c) => endpointsNeverUpdated.apply(c.seams, { clock: c.clock }).stubsClient)).toEqual([[], []]);
  });
});
