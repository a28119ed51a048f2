import { describe, expect, it } from 'vitest';
import { ApiServer, InProcessClient } from '../../../fake-apiserver/index.ts';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { VirtualClock } from '../../clock/index.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { NODE_LEASE_NAMESPACE, microTime, startNodeLeases } from './node-lease.ts';

describe('node Lease (kubelet heartbeat)', () => {
  it('creates the Lease in kube-node-lease held by the node for 40 s and renews it every 10 s of simulated time while the node is not lost', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const server = new ApiServer({ clock });
    const client = new InProcessClient(server);
    const node: KubeObject = await client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    let lost = false;
    const warnings: string[] = [];
    const stop = startNodeLeases(client, clock, [node], () => lost, (m) => warnings.push(m));
    const start = clock.now();
    const lease = () => server.get(CoreTypes.Lease, { namespace: NODE_LEASE_NAMESPACE, name: 'n1' });
    await clock.run({ untilMs: start + 1 });
    expect(lease().spec).toEqual({ holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: microTime(start) });
    expect(lease().metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: node.metadata.uid }]);
    await clock.run({ untilMs: start + 25_000 });
    expect(lease().spec.renewTime).toBe(microTime(start + 20_000));
    expect(microTime(start + 20_000)).toBe('2026-01-01T00:00:20.000000Z');
    lost = true;
    await clock.run({ untilMs: start + 45_000 });
    expect(lease().spec.renewTime).toBe(microTime(start + 20_000));
    lost = false;
    await clock.run({ untilMs: start + 55_000 });
    expect(lease().spec.renewTime).toBe(microTime(start + 50_000));
    stop();
    await clock.run({ untilMs: start + 90_000 });
    expect(lease().spec.renewTime).toBe(microTime(start + 50_000));
    expect(warnings).toEqual([]);
  });
});
