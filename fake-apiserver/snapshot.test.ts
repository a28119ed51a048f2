import { describe, expect, it } from 'vitest';
import { ApiServer } from './apiserver.ts';
import { StatusError } from './api/index.ts';
import type { KubeObject, WatchEvent } from './api/index.ts';
import { manualClock, manualDelivery } from './testing/manual-clock.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const WIDGET = { apiVersion: 'example.com/v1', kind: 'Widget' };
const crd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
  },
};

describe('snapshot and restore (etcd backup analogue)', () => {
  it('restores objects, uids, resourceVersions and CRD registrations as saved; the revision never goes back', () => {
    const d = manualDelivery();
    const s = new ApiServer({ clock: manualClock(), deliver: d.deliver });
    s.create(crd);
    s.create({ ...WIDGET, metadata: { name: 'w', namespace: 'default' }, spec: { size: 3 } });
    const kept = s.create({ ...CM, metadata: { name: 'kept', namespace: 'default' }, data: { a: '1' } });
    const snap = JSON.parse(JSON.stringify(s.snapshot()));
    expect(snap).toMatchObject({ apiVersion: 'lattice-sim.dev/v1', kind: 'ApiServerSnapshot', revision: s.revision });

    // After the backup: a change, a new object, a deleted CRD (its widgets go with it).
    s.update({ ...kept, data: { a: 'changed' } });
    s.create({ ...CM, metadata: { name: 'later', namespace: 'default' } });
    s.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' }, { name: 'widgets.example.com' });
    expect(() => s.list(WIDGET)).toThrow(StatusError);
    const before = s.revision;

    s.restore(snap);
    const back = s.get(CM, { namespace: 'default', name: 'kept' });
    expect(back.data).toEqual({ a: '1' });
    expect([back.metadata.uid, back.metadata.resourceVersion]).toEqual([kept.metadata.uid, kept.metadata.resourceVersion]);
    expect(s.list(CM, { namespace: 'default' }).items.map((o) => o.metadata.name)).toEqual(['kept']);
    expect(s.get(WIDGET, { namespace: 'default', name: 'w' }).spec).toEqual({ size: 3 });
    expect(s.revision).toBe(before + 1);
    const next = s.create({ ...CM, metadata: { name: 'after', namespace: 'default' } });
    expect(Number(next.metadata.resourceVersion)).toBe(before + 2);
  });

  it('closes open watches, and a watch resuming from before the restore gets 410 Expired (clients relist)', () => {
    const d = manualDelivery();
    const s = new ApiServer({ clock: manualClock(), deliver: d.deliver });
    const snap = s.snapshot();
    s.create({ ...CM, metadata: { name: 'a', namespace: 'default' } });
    const rv = String(s.revision);
    let closed = 0;
    s.watch(CM, { resourceVersion: rv }, () => undefined, () => void closed++);
    s.restore(snap);
    d.drain();
    expect(closed).toBe(1);
    const events: WatchEvent[] = [];
    s.watch(CM, { resourceVersion: rv }, (e) => events.push(e));
    d.drain();
    expect(events.map((e) => [e.type, (e.object as { code?: number }).code])).toEqual([['ERROR', 410]]);
    expect(() => s.get(CM, { namespace: 'default', name: 'a' })).toThrow(/not found/);
  });

  it('refuses a document that is not a snapshot, naming the object and field', () => {
    const s = new ApiServer({ clock: manualClock() });
    const snap = s.snapshot();
    const broken = { ...snap, objects: [...snap.objects, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } }] };
    try {
      s.restore(broken);
      throw new Error('accepted');
    } catch (e) {
      expect((e as StatusError).status.code).toBe(400);
      expect((e as StatusError).message).toBe(`invalid snapshot: objects[${snap.objects.length}].metadata.resourceVersion: required (a stored object always has one)`);
    }
    expect(s.list({ apiVersion: 'v1', kind: 'Namespace' }).items).toHaveLength(4);
  });
});

describe('startFrom (one template, many servers)', () => {
  const uidFor = (tag: string) => (id: { kind: string; namespace: string; name: string; incarnation: number }) => `${tag}-${id.kind}-${id.namespace}-${id.name}-${id.incarnation}`;
  const build = (tag: string) => {
    const s = new ApiServer({ clock: manualClock(), deliver: manualDelivery().deliver, newUid: uidFor(tag) });
    s.create(crd);
    s.create({ ...CM, metadata: { name: 'owner', namespace: 'default' } });
    s.create({ ...WIDGET, metadata: { name: 'w', namespace: 'default' }, spec: { size: 3 } });
    return s;
  };

  it('is the state the same writes leave, with the uids of the new server, at the same revision and without a bump', () => {
    const template = build('t').snapshot();
    const written = build('w');
    const started = new ApiServer({ clock: manualClock(), deliver: manualDelivery().deliver, newUid: uidFor('w') });
    started.startFrom(template);
    expect(started.revision).toBe(written.revision);
    expect(started.snapshot()).toEqual(written.snapshot());
    expect(started.get(WIDGET, { namespace: 'default', name: 'w' }).metadata.uid).toBe('w-Widget-default-w-0');
    // The next write gets the next revision; a re-created object its second incarnation, as on the written server.
    for (const s of [written, started]) s.delete(CM, { namespace: 'default', name: 'owner' });
    const again = [written, started].map((s) => s.create({ ...CM, metadata: { name: 'owner', namespace: 'default' } }).metadata);
    expect(again[1]).toEqual(again[0]);
    expect(again[1].uid).toBe('w-ConfigMap-default-owner-1');
  });

  it('refuses a server that was written to beyond its bootstrap or has open watches, and a template with ownerReferences', () => {
    const template = build('t').snapshot();
    const t = build('t');
    const owner = t.get(CM, { namespace: 'default', name: 'owner' });
    t.create({ ...CM, metadata: { name: 'owned', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid! }] } });
    expect(() => new ApiServer({ clock: manualClock() }).startFrom(t.snapshot())).toThrow(/ConfigMap owned has ownerReferences/);
    const written = new ApiServer({ clock: manualClock(), deliver: manualDelivery().deliver });
    written.create(crd);
    written.create({ ...CM, metadata: { name: 'a', namespace: 'default' } });
    written.create({ ...CM, metadata: { name: 'b', namespace: 'default' } });
    expect(() => written.startFrom(template)).toThrow(/not below the template's/);
    const watched = new ApiServer({ clock: manualClock(), deliver: manualDelivery().deliver });
    watched.watch(CM, {}, () => undefined);
    expect(() => watched.startFrom(template)).toThrow(/open watches/);
  });
});
