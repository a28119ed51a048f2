import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { LAST_CHANGE_TRIGGER_TIME, endpointSubsets, endpointsController } from './endpoints-controller.ts';
import { readyStatus, testCluster } from './test-cluster.ts';

const pod = (name: string, o: { ip?: string; ready?: boolean; deleting?: boolean; node?: string; port?: number } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'web' }, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['x.io/y'] } : {}) },
  spec: { nodeName: o.node ?? 'node-a', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: o.port ?? 8080 }] }] },
  status: { phase: 'Running', ...(o.ip === '' ? {} : { podIP: o.ip ?? '10.0.0.1' }), conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: '2026-01-01T00:00:05Z' }] },
});
const service = (spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }, { name: 'admin', port: 9000, targetPort: 9000 }], ...spec },
});

describe('Endpoints subsets (upstream endpoints controller)', () => {
  it('puts Ready pods under addresses and the others under notReadyAddresses, sorted by IP; skips terminating and IP-less pods; names ports as the Service', () => {
    const subsets = endpointSubsets(service(), [pod('b', { ip: '10.0.0.2' }), pod('a', { ip: '10.0.0.1' }), pod('c', { ip: '10.0.0.3', ready: false }), pod('d', { ip: '10.0.0.4', deleting: true }), pod('e', { ip: '' })]);
    expect(subsets).toEqual([
      {
        addresses: [
          { ip: '10.0.0.1', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } },
          { ip: '10.0.0.2', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: 'ns', name: 'b', uid: 'uid-b' } },
        ],
        notReadyAddresses: [{ ip: '10.0.0.3', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: 'ns', name: 'c', uid: 'uid-c' } }],
        ports: [
          { port: 8080, protocol: 'TCP' },
          { name: 'admin', port: 9000, protocol: 'TCP' },
        ],
      },
    ]);
  });

  it('splits pods whose named target port resolves differently into subsets; publishNotReadyAddresses lists every pod as ready', () => {
    const subsets = endpointSubsets(service({ publishNotReadyAddresses: true }), [pod('a', { ip: '10.0.0.1', port: 8080 }), pod('b', { ip: '10.0.0.2', port: 8081, ready: false }), pod('d', { ip: '10.0.0.4', deleting: true })]);
    expect(subsets.map((s) => [s.addresses?.map((a) => a.ip), s.ports?.[0]?.port])).toEqual([
      [['10.0.0.1', '10.0.0.4'], 8080],
      [['10.0.0.2'], 8081],
    ]);
  });
});

describe('Endpoints controller', () => {
  it('creates one Endpoints per selector Service with the trigger-time annotation, follows pods, leaves selectorless Services alone and deletes with the Service', async () => {
    const c = await testCluster(['ns']);
    await c.start((client, cache) => [endpointsController(client, cache)]);
    await c.client.create({ ...pod('a'), metadata: { name: 'a', namespace: 'ns', labels: { app: 'web' } }, status: undefined });
    await c.client.patchStatus(CoreTypes.Pod, { namespace: 'ns', name: 'a' }, 'merge', { status: readyStatus(c.clock.now(), '10.0.0.9') });
    await c.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns', labels: { team: 'a' } }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
    await c.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual', namespace: 'ns' }, spec: { ports: [{ port: 80 }] } });
    await c.advance(1_000);
    const eps = () => c.list(CoreTypes.Endpoints, 'ns');
    expect(eps().map((e) => e.metadata.name)).toEqual(['web']);
    await c.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'idle', namespace: 'ns' }, spec: { selector: { app: 'none' }, ports: [{ port: 80 }] } });
    await c.advance(1_000);
    const idle = c.server.get(CoreTypes.Endpoints, { namespace: 'ns', name: 'idle' });
    expect(idle.subsets).toBeUndefined();
    await c.client.delete(CoreTypes.Service, { namespace: 'ns', name: 'idle' });
    await c.advance(1_000);
    const web = eps()[0]!;
    expect(web.metadata.labels).toEqual({ team: 'a' });
    expect(web.metadata.annotations?.[LAST_CHANGE_TRIGGER_TIME]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(web.subsets).toEqual([{ addresses: [{ ip: '10.0.0.9', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: expect.any(String) } }], ports: [{ port: 8080, protocol: 'TCP' }] }]);
    await c.client.patchStatus(CoreTypes.Pod, { namespace: 'ns', name: 'a' }, 'merge', { status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: '2026-01-01T00:10:00Z' }] } });
    await c.advance(1_000);
    expect(eps()[0]!.subsets[0].notReadyAddresses.map((a: { ip: string }) => a.ip)).toEqual(['10.0.0.9']);
    expect(eps()[0]!.metadata.annotations?.[LAST_CHANGE_TRIGGER_TIME]).toBe('2026-01-01T00:10:00Z');
    await c.client.delete(CoreTypes.Pod, { namespace: 'ns', name: 'a' });
    await c.advance(1_000);
    expect(eps()[0]!.subsets).toBeUndefined();
    await c.client.delete(CoreTypes.Service, { namespace: 'ns', name: 'web' });
    await c.advance(1_000);
    expect(eps()).toEqual([]);
    c.stop();
  });
});
