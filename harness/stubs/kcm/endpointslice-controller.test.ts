import { describe, expect, it } from 'vitest';
import { ApiServer, InProcessClient } from '../../../fake-apiserver/index.ts';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { VirtualClock } from '../../clock/index.ts';
import { SeededRng } from '../../rng/index.ts';
import { InformerFactory } from '../../client/index.ts';
import { readyStatus, testCluster } from './test-cluster.ts';
import { belongsInEndpoints, endpointConditions, endpointSliceController, servicesSelecting } from './endpointslice-controller.ts';

const svc = (name: string, selector: Record<string, string> | undefined, namespace = 'ns'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { ...(selector ? { selector } : {}), ports: [{ port: 80 }] },
});
const pod = (labels: Record<string, string>, namespace = 'ns'): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace, labels }, spec: { containers: [] } });

describe('EndpointSlice stub fan-out', () => {
  it('maps a Pod change to exactly the Services whose selector matches it now or matched it before', async () => {
    const clock = new VirtualClock(0);
    const server = new ApiServer({ clock });
    const client = new InProcessClient(server);
    for (const ns of ['ns', 'other']) await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const s of [svc('web', { app: 'web' }), svc('web-canary', { app: 'web', track: 'canary' }), svc('db', { app: 'db' }), svc('headless', undefined), svc('web', { app: 'web' }, 'other')]) await client.create(s);
    const cache = new InformerFactory({ client, clock, log: { info: () => {}, warn: () => {} } });
    endpointSliceController(client, clock, new SeededRng(1), { delayMs: 0 }, cache); // adds the selector index
    await cache.informerFor({ apiVersion: 'v1', kind: 'Service' }).synced();
    const names = (p: KubeObject, old?: KubeObject) => servicesSelecting(cache, p, old).map((k) => `${k.namespace}/${k.name}`).sort();
    expect(names(pod({ app: 'web' }))).toEqual(['ns/web']);
    expect(names(pod({ app: 'web', track: 'canary' }))).toEqual(['ns/web', 'ns/web-canary']);
    expect(names(pod({ app: 'db' }), pod({ app: 'web' }))).toEqual(['ns/db', 'ns/web']);
    expect(names(pod({ app: 'cache' }))).toEqual([]);
    cache.stop();
  });
});

describe('EndpointSlice endpoint conditions', () => {
  const p = (o: { ready?: boolean; deleting?: boolean; phase?: string; ip?: string; restartPolicy?: string }): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['x.io/y'] } : {}) },
    spec: { containers: [], ...(o.restartPolicy ? { restartPolicy: o.restartPolicy } : {}) },
    status: { phase: o.phase ?? 'Running', ...(o.ip === '' ? {} : { podIP: o.ip ?? '10.0.0.1' }), conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False' }] },
  });
  it('marks only Ready, non-terminating pods ready; terminating pods serving as their Ready condition says', () => {
    expect(endpointConditions(p({ ready: true }))).toEqual({ ready: true, serving: true, terminating: false });
    expect(endpointConditions(p({ ready: false }))).toEqual({ ready: false, serving: false, terminating: false });
    expect(endpointConditions(p({ ready: true, deleting: true }))).toEqual({ ready: false, serving: true, terminating: true });
    expect(endpointConditions(p({ ready: false, deleting: true }))).toEqual({ ready: false, serving: false, terminating: true });
    expect(endpointConditions(p({ ready: false }), true)).toEqual({ ready: true, serving: true, terminating: false });
  });
  it('lists pods with an IP that have not finished for good', () => {
    expect(belongsInEndpoints(p({ ip: '' }))).toBe(false);
    expect(belongsInEndpoints(p({ deleting: true }))).toBe(true);
    expect(belongsInEndpoints(p({ phase: 'Succeeded', restartPolicy: 'Never' }))).toBe(false);
    expect(belongsInEndpoints(p({ phase: 'Failed', restartPolicy: 'OnFailure' }))).toBe(true);
    expect(belongsInEndpoints(p({ phase: 'Succeeded', restartPolicy: 'OnFailure' }))).toBe(false);
  });
});

describe('EndpointSlice shape', () => {
  it('names every port ("" when the Service port is unnamed), copies the Service labels and sets generateName `<service>-`', async () => {
    const c = await testCluster(['ns']);
    await c.start((client, cache) => [endpointSliceController(client, c.clock, new SeededRng(1), { delayMs: 0 }, cache)]);
    await c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'ns', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] } });
    await c.client.patchStatus({ apiVersion: 'v1', kind: 'Pod' }, { namespace: 'ns', name: 'web-0' }, 'merge', { status: readyStatus(0) });
    await c.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns', labels: { team: 'a' } }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
    await c.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'named', namespace: 'ns' }, spec: { selector: { app: 'web' }, clusterIP: 'None', ports: [{ name: 'web', port: 80, targetPort: 'http' }] } });
    await c.advance(1_000);
    const slices = c.list({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' }, 'ns');
    const of = (svc: string) => slices.find((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc)!;
    expect(of('web').ports).toEqual([{ name: '', port: 8080, protocol: 'TCP' }]);
    expect(of('web').metadata.generateName).toBe('web-');
    expect(of('web').metadata.name).toMatch(/^web-[0-9a-z]{5}$/);
    expect(of('web').metadata.labels).toEqual({ team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(of('named').ports).toEqual([{ name: 'web', port: 8080, protocol: 'TCP' }]);
    expect(of('named').metadata.labels?.['service.kubernetes.io/headless']).toBe('');
    c.stop();
  });
});
