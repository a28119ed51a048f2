/** DriftTracker (platform/controllers/drift.ts) against the in-memory API server: which applies are drift, and the Event reporting them. */
import { describe, expect, it } from 'vitest';
import { ApiServer, InProcessClient } from '../fake-apiserver/index.ts';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { manualClock } from '../fake-apiserver/testing/manual-clock.ts';
import { DRIFT_CORRECTED, DriftTracker } from '../platform/controllers/drift.ts';

const cm = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'team' }, data } as unknown as KubeObject);

function setup() {
  const server = new ApiServer({ clock: manualClock() });
  const client = new InProcessClient(server);
  server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  return { server, client, drift: new DriftTracker(client, 'ctl') };
}

describe('DriftTracker', () => {
  it('a first apply, a no-op re-apply and a new derivation are not drift; a recreate and an edit changed back are', async () => {
    const { client, drift } = setup();
    expect(await drift.apply(cm({ a: '1' }))).toBe(false);
    expect(await drift.apply(cm({ a: '1' }))).toBe(false);
    expect(await drift.apply(cm({ a: '2' }))).toBe(false);
    await client.delete({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace: 'team', name: 'c' });
    expect(await drift.apply(cm({ a: '2' }))).toBe(true);
    await client.patch({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace: 'team', name: 'c' }, 'merge', { data: { a: 'edited' } });
    expect(await drift.apply(cm({ a: '2' }))).toBe(true);
    expect(await drift.apply(cm({ a: '2' }))).toBe(false);
  });

  it('a forgotten object (deleted on purpose) applied again is a first apply', async () => {
    const { client, drift } = setup();
    await drift.apply(cm({ a: '1' }));
    await client.delete({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace: 'team', name: 'c' });
    drift.forget('ConfigMap', 'team', 'c');
    expect(await drift.apply(cm({ a: '1' }))).toBe(false);
  });

  it('forgetting one object keeps what it knows of the others: a recreate of another is still drift', async () => {
    const { client, drift } = setup();
    const d = { ...cm({ a: '1' }), metadata: { name: 'd', namespace: 'team' } } as KubeObject;
    await drift.apply(cm({ a: '1' }));
    await drift.apply(d);
    for (const name of ['c', 'd']) await client.delete({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace: 'team', name });
    drift.forget('ConfigMap', 'team', 'c');
    expect(await drift.apply(cm({ a: '1' }))).toBe(false);
    expect(await drift.apply(d)).toBe(true);
  });

  it('reports restored objects as one Warning Event on the owner; nothing restored writes nothing', async () => {
    const { server, drift } = setup();
    const owner = { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember', metadata: { name: 'm', namespace: 'team', uid: 'u-1' } };
    await drift.report(owner, [], 1_000);
    await drift.report(owner, ['ConfigMap/c', 'ConfigMap/d'], 1_000);
    const events = server.list({ apiVersion: 'v1', kind: 'Event' }, { namespace: 'team' }).items;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'Warning', reason: DRIFT_CORRECTED, message: 'restored drifted ConfigMap/c, ConfigMap/d', involvedObject: { kind: 'LatticeMeshMember', name: 'm', uid: 'u-1' }, source: { component: 'ctl' } });
  });

  it('reports about two owners interleaved at one instant (a, b, a) are three Events: none is lost to a repeated name', async () => {
    const { server, drift } = setup();
    const owner = (name: string) => ({ apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember', metadata: { name, namespace: 'team', uid: `u-${name}` } });
    for (const name of ['a', 'b', 'a']) await drift.report(owner(name), ['ConfigMap/c'], 1_000);
    const events = server.list({ apiVersion: 'v1', kind: 'Event' }, { namespace: 'team' }).items;
    expect(events.map((e) => (e as unknown as { involvedObject: { name: string } }).involvedObject.name).sort()).toEqual(['a', 'a', 'b']);
  });
});
