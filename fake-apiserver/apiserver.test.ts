import { describe, expect, it } from 'vitest';
import { ApiServer } from './apiserver.ts';
import { StatusError, isAlreadyExists, isConflict, isInvalid, isNotFound } from './api/index.ts';
import type { KubeObject } from './api/index.ts';
import { manualClock, manualDelivery } from './testing/manual-clock.ts';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const POD = { apiVersion: 'v1', kind: 'Pod' };
const NS = { apiVersion: 'v1', kind: 'Namespace' };
const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment' };

function server(opts: { historyLimit?: number } = {}) {
  const clock = manualClock();
  const d = manualDelivery();
  return { s: new ApiServer({ clock, deliver: d.deliver, ...opts }), clock, d };
}

function thrown(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected a StatusError');
}

const cm = (name: string, data: Record<string, string> = { a: '1' }, ns = 'default'): KubeObject => ({ ...CM, metadata: { name, namespace: ns }, data });
const deploy = (name: string, replicas = 1): KubeObject => ({ ...DEPLOY, metadata: { name, namespace: 'default' }, spec: { replicas }, status: { replicas: 7 } });

describe('bootstrap', () => {
  it('starts with the four bootstrap namespaces, Active, with the kubernetes finalizer and name label', () => {
    const { s } = server();
    const names = s.list(NS).items.map((n) => n.metadata.name);
    expect(names).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const d = s.get(NS, { name: 'default' });
    expect(d.status).toEqual({ phase: 'Active' });
    expect(d.spec).toEqual({ finalizers: ['kubernetes'] });
    expect(d.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'default' });
    expect(s.revision).toBe(4);
  });
});

describe('create', () => {
  it('sets uid, creationTimestamp from the clock, resourceVersion and generation only for workload kinds', () => {
    const { s } = server();
    const c = s.create(cm('a'));
    expect(c.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(c.metadata.creationTimestamp).toBe('2026-01-01T00:00:00Z');
    expect(c.metadata.resourceVersion).toBe('5');
    expect(c.metadata.generation).toBeUndefined();
    expect(s.create(deploy('d')).metadata.generation).toBe(1);
  });

  it('returns uids deterministically: two servers fed the same writes agree', () => {
    const a = server().s;
    const b = server().s;
    for (const x of [a, b]) for (let i = 0; i < 3; i++) x.create(cm(`c${i}`));
    expect(a.objects()).toEqual(b.objects());
    expect(new Set(a.objects().map((o) => o.metadata.uid)).size).toBe(a.objects().length);
  });

  it('uses an injected uid generator', () => {
    let n = 0;
    const s = new ApiServer({ clock: manualClock(), newUid: () => `uid-${++n}` });
    expect(s.create(cm('x')).metadata.uid).toBe('uid-5');
  });

  it('rejects a client-set resourceVersion with 400', () => {
    const { s } = server();
    const e = thrown(() => s.create({ ...CM, metadata: { name: 'x', namespace: 'default', resourceVersion: '3' } }));
    expect(e.code).toBe(400);
  });

  it('words several causes as kube-apiserver aggregates them: one alone, several in brackets', () => {
    const s = new ApiServer({ clock: manualClock() });
    const err = (o: KubeObject) => {
      try {
        s.create(o);
      } catch (e) {
        return (e as StatusError).message;
      }
      throw new Error('created');
    };
    expect(err({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name', namespace: 'default' } })).toMatch(/^ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": [^[]/);
    expect(err({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name', namespace: 'default', labels: { 'bad key!': 'v' } } })).toMatch(/^ConfigMap "Bad_Name" is invalid: \[metadata\.name: .*, metadata\.labels: .*\]$/);
  });

  it('rejects a duplicate with 409 AlreadyExists', () => {
    const { s } = server();
    s.create(cm('a'));
    const e = thrown(() => s.create(cm('a')));
    expect(isAlreadyExists(e)).toBe(true);
    expect(e.message).toBe('configmaps "a" already exists');
  });

  it('rejects invalid names with 422 and the DNS rule of the kind', () => {
    const { s } = server();
    const e = thrown(() => s.create(cm('Bad_Name')));
    expect(e.code).toBe(422);
    expect(e.status.details?.causes?.[0]).toMatchObject({ field: 'metadata.name', reason: 'FieldValueInvalid' });
    expect(e.message).toMatch(/^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    expect(thrown(() => s.create({ ...NS, metadata: { name: 'a.b' } })).code).toBe(422);
    expect(thrown(() => s.create({ ...NS, metadata: { name: 'x'.repeat(64) } })).message).toContain('must be no more than 63 characters');
    expect(thrown(() => s.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: '1svc', namespace: 'default' } })).code).toBe(422);
    expect(s.create({ ...CM, metadata: { name: 'a.b', namespace: 'default' } }).metadata.name).toBe('a.b');
  });

  it('rejects a missing name, a missing namespace, a namespace on a cluster kind, and bad label values with one cause each', () => {
    const { s } = server();
    const e = thrown(() => s.create({ ...CM, metadata: { labels: { ok: 'x'.repeat(64) } } as never }));
    expect(e.status.details?.causes?.map((c) => c.field)).toEqual(['metadata.namespace', 'metadata.name', 'metadata.labels']);
    expect(thrown(() => s.create({ ...NS, metadata: { name: 'n', namespace: 'default' } })).status.details?.causes?.[0].field).toBe('metadata.namespace');
  });

  it('rejects two controller owner references and owner references without uid', () => {
    const { s } = server();
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid: 'u1', controller: true };
    const e = thrown(() => s.create({ ...cm('x'), metadata: { name: 'x', namespace: 'default', ownerReferences: [ref, { ...ref, name: 'r2', uid: '' }] } }));
    expect(e.status.details?.causes?.map((c) => c.field)).toEqual(['metadata.ownerReferences[1].uid', 'metadata.ownerReferences']);
  });

  it('derives a 5-character suffix for generateName, deterministically', () => {
    const a = server().s.create({ ...CM, metadata: { name: '', generateName: 'job-', namespace: 'default' } });
    const b = server().s.create({ ...CM, metadata: { name: '', generateName: 'job-', namespace: 'default' } });
    expect(a.metadata.name).toMatch(/^job-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(a.metadata.name).toBe(b.metadata.name);
  });

  it('answers 404 for a missing namespace and 403 for a Terminating one', () => {
    const { s } = server();
    const e = thrown(() => s.create(cm('a', {}, 'nope')));
    expect(isNotFound(e)).toBe(true);
    expect(e.message).toBe('namespaces "nope" not found');
    s.create({ ...NS, metadata: { name: 'team' } });
    s.delete(NS, { name: 'team' });
    const f = thrown(() => s.create(cm('a', {}, 'team')));
    expect(f.code).toBe(403);
    expect(f.message).toBe('configmaps "a" is forbidden: unable to create new content in namespace team because it is being terminated');
  });

  it('drops status on create where a status subresource exists and keeps it otherwise', () => {
    const { s } = server();
    expect(s.create(deploy('d')).status).toBeUndefined();
    // Event declares no status upstream: with unknown-field dropping off, a kind without the subresource keeps it.
    const lax = new ApiServer({ clock: manualClock(), builtinStrategies: { unknownFields: false } });
    const ev = lax.create({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, status: 'kept' });
    expect(ev.status).toBe('kept');
  });

  it('persists nothing on dryRun but still validates', () => {
    const { s } = server();
    const rv = s.revision;
    const out = s.create(cm('a'), { dryRun: true });
    expect(out.metadata.uid).toBeDefined();
    expect(s.revision).toBe(rv);
    expect(thrown(() => s.get(CM, { namespace: 'default', name: 'a' })).code).toBe(404);
    expect(thrown(() => s.create(cm('A'), { dryRun: true })).code).toBe(422);
  });

  it('answers 404 naming the kind for an unknown kind', () => {
    const { s } = server();
    const e = thrown(() => s.create({ apiVersion: 'x.io/v1', kind: 'Foo', metadata: { name: 'a' } }));
    expect(e.code).toBe(404);
    expect(e.message).toBe('the server could not find the requested resource (kind Foo in apiVersion x.io/v1)');
  });
});

describe('frozen objects', () => {
  it('returns frozen objects whose mutation throws, and does not freeze the caller’s input', () => {
    const { s } = server();
    const input = cm('a');
    const out = s.create(input);
    expect(() => {
      (out.data as Record<string, string>).a = '2';
    }).toThrow(TypeError);
    expect(() => {
      out.metadata.name = 'b';
    }).toThrow(TypeError);
    input.data.a = 'changed';
    expect(s.get(CM, { namespace: 'default', name: 'a' }).data.a).toBe('1');
  });

  it('returns the stored object itself from get and list (no copy)', () => {
    const { s } = server();
    s.create(cm('a'));
    expect(s.get(CM, { namespace: 'default', name: 'a' })).toBe(s.list(CM).items[0]);
  });
});

describe('get and list', () => {
  it('answers 404 with the upstream message', () => {
    const { s } = server();
    expect(thrown(() => s.get(DEPLOY, { namespace: 'default', name: 'x' })).message).toBe('deployments.apps "x" not found');
  });

  it('lists sorted by namespace then name with the current revision and <Kind>List', () => {
    const { s } = server();
    s.create({ ...NS, metadata: { name: 'b' } });
    s.create(cm('z'));
    s.create(cm('a', {}, 'b'));
    s.create(cm('m'));
    const l = s.list(CM);
    expect(l.kind).toBe('ConfigMapList');
    expect(l.apiVersion).toBe('v1');
    expect(l.metadata.resourceVersion).toBe(String(s.revision));
    expect(l.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['b/a', 'default/m', 'default/z']);
    expect(s.list(CM, { namespace: 'default' }).items.map((o) => o.metadata.name)).toEqual(['m', 'z']);
  });

  it('filters by label selector in string and object form', () => {
    const { s } = server();
    s.create({ ...cm('a'), metadata: { name: 'a', namespace: 'default', labels: { app: 'web', tier: 'fe' } } });
    s.create({ ...cm('b'), metadata: { name: 'b', namespace: 'default', labels: { app: 'db' } } });
    expect(s.list(CM, { labelSelector: 'app in (web,api),tier' }).items.map((o) => o.metadata.name)).toEqual(['a']);
    expect(s.list(CM, { labelSelector: { matchLabels: { app: 'db' } } }).items.map((o) => o.metadata.name)).toEqual(['b']);
    expect(s.list(CM, { labelSelector: '!tier' }).items.map((o) => o.metadata.name)).toEqual(['b']);
    expect(thrown(() => s.list(CM, { labelSelector: 'a b c' })).code).toBe(400);
  });

  it('filters by field selector, with Pod extras, and rejects unsupported fields with 400', () => {
    const { s } = server();
    s.create({ ...POD, metadata: { name: 'p1', namespace: 'default' }, spec: { nodeName: 'n1' } });
    s.create({ ...POD, metadata: { name: 'p2', namespace: 'default' }, spec: {} });
    s.patchStatus(POD, { namespace: 'default', name: 'p1' }, 'merge', { status: { phase: 'Running' } });
    expect(s.list(POD, { fieldSelector: 'spec.nodeName=n1' }).items.map((o) => o.metadata.name)).toEqual(['p1']);
    expect(s.list(POD, { fieldSelector: 'spec.nodeName=' }).items.map((o) => o.metadata.name)).toEqual(['p2']);
    expect(s.list(POD, { fieldSelector: 'status.phase!=Running' }).items.map((o) => o.metadata.name)).toEqual(['p2']);
    expect(s.list(POD, { fieldSelector: 'metadata.name==p2,metadata.namespace=default' }).items).toHaveLength(1);
    const e = thrown(() => s.list(CM, { fieldSelector: 'spec.nodeName=n1' }));
    expect(e.code).toBe(400);
    expect(e.message).toBe('field label not supported: spec.nodeName');
  });
});

describe('update', () => {
  it('bumps resourceVersion and keeps server-owned metadata', () => {
    const { s, clock } = server();
    const c = s.create(cm('a'));
    clock.advance(5000);
    const u = s.update({ ...c, metadata: { ...c.metadata, uid: undefined, creationTimestamp: '1999-01-01T00:00:00Z' }, data: { a: '2' } });
    expect(Number(u.metadata.resourceVersion)).toBeGreaterThan(Number(c.metadata.resourceVersion));
    expect(u.metadata.uid).toBe(c.metadata.uid);
    expect(u.metadata.creationTimestamp).toBe(c.metadata.creationTimestamp);
    expect(u.data).toEqual({ a: '2' });
  });

  it('accepts an unconditional update of a built-in and rejects a stale resourceVersion with 409', () => {
    const { s } = server();
    const c = s.create(cm('a'));
    s.update({ ...c, metadata: { name: 'a', namespace: 'default' }, data: { a: '2' } });
    const e = thrown(() => s.update({ ...c, data: { a: '3' } }));
    expect(isConflict(e)).toBe(true);
    expect(e.message).toBe('Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again');
  });

  it('answers 409 when the uid does not match the stored object (deleted and recreated)', () => {
    const { s } = server();
    const c = s.create(cm('a'));
    s.delete(CM, { namespace: 'default', name: 'a' });
    s.create(cm('a'));
    expect(isConflict(thrown(() => s.update({ ...c, metadata: { ...c.metadata, resourceVersion: undefined } })))).toBe(true);
  });

  it('answers 404 for a missing object', () => {
    const { s } = server();
    expect(isNotFound(thrown(() => s.update(cm('missing'))))).toBe(true);
  });

  it('does not persist a write that changes nothing: same resourceVersion, no event', () => {
    const { s, d } = server();
    const c = s.create(cm('a'));
    const events: string[] = [];
    s.watch(CM, { resourceVersion: c.metadata.resourceVersion }, (e) => events.push(e.type));
    const rv = s.revision;
    const u = s.update({ ...c });
    expect(u).toBe(c);
    expect(s.revision).toBe(rv);
    d.drain();
    expect(events).toEqual([]);
  });

  it('ignores status in a main-resource update where a status subresource exists', () => {
    const { s } = server();
    const d = s.create(deploy('d'));
    const st = s.updateStatus({ ...d, status: { replicas: 1 } });
    const u = s.update({ ...st, status: { replicas: 99 } });
    expect(u).toBe(st);
    expect(u.status).toEqual({ replicas: 1 });
  });

  it('bumps generation on spec changes only, never on metadata or status changes', () => {
    const { s } = server();
    let d = s.create(deploy('d'));
    d = s.update({ ...d, metadata: { ...d.metadata, labels: { a: 'b' } } });
    expect(d.metadata.generation).toBe(1);
    d = s.updateStatus({ ...d, status: { replicas: 3 } });
    expect(d.metadata.generation).toBe(1);
    d = s.update({ ...d, spec: { replicas: 2 } });
    expect(d.metadata.generation).toBe(2);
    d = s.patch(DEPLOY, { namespace: 'default', name: 'd' }, 'merge', { spec: { replicas: 3 } });
    expect(d.metadata.generation).toBe(3);
    d = s.update({ ...d, metadata: { ...d.metadata, generation: 40 } });
    expect(d.metadata.generation).toBe(3);
  });
});

describe('status subresource', () => {
  it('keeps only .status changes and ignores spec and labels', () => {
    const { s } = server();
    const d = s.create(deploy('d'));
    const u = s.updateStatus({ ...d, metadata: { ...d.metadata, labels: { x: 'y' } }, spec: { replicas: 9 }, status: { replicas: 2 } });
    expect(u.spec).toEqual(d.spec);
    expect(u.spec).toMatchObject({ replicas: 1 });
    expect(u.metadata.labels).toBeUndefined();
    expect(u.status).toEqual({ replicas: 2 });
    expect(u.metadata.generation).toBe(1);
  });

  it('merges and JSON-patches status', () => {
    const { s } = server();
    const d = s.create(deploy('d'));
    const key = { namespace: 'default', name: 'd' };
    s.patchStatus(DEPLOY, key, 'merge', { status: { replicas: 2, readyReplicas: 1 }, spec: { replicas: 5 } });
    const u = s.patchStatus(DEPLOY, key, 'json', [{ op: 'remove', path: '/status/readyReplicas' }]);
    expect(u.status).toEqual({ replicas: 2 });
    expect(u.spec).toEqual(d.spec);
  });

  it('answers 404 for a kind without a status subresource', () => {
    const { s } = server();
    const c = s.create(cm('a'));
    expect(thrown(() => s.updateStatus(c)).code).toBe(404);
    expect(thrown(() => s.patchStatus(CM, { namespace: 'default', name: 'a' }, 'merge', {})).code).toBe(404);
  });
});

describe('patch', () => {
  it('applies a merge patch: null deletes, arrays are replaced', () => {
    const { s } = server();
    s.create({ ...CM, metadata: { name: 'a', namespace: 'default', finalizers: ['x/a', 'x/b'] }, data: { a: '1', b: '2' } });
    const u = s.patch(CM, { namespace: 'default', name: 'a' }, 'merge', { data: { a: null, c: '3' }, metadata: { finalizers: ['x/c'] } });
    expect(u.data).toEqual({ b: '2', c: '3' });
    expect(u.metadata.finalizers).toEqual(['x/c']);
  });

  it('applies a JSON patch and answers 422 when a test operation fails', () => {
    const { s } = server();
    s.create(cm('a'));
    const key = { namespace: 'default', name: 'a' };
    const u = s.patch(CM, key, 'json', [
      { op: 'test', path: '/data/a', value: '1' },
      { op: 'add', path: '/data/b', value: '2' },
    ]);
    expect(u.data).toEqual({ a: '1', b: '2' });
    const e = thrown(() => s.patch(CM, key, 'json', [{ op: 'test', path: '/data/a', value: 'nope' }]));
    expect(e.code).toBe(422);
    expect(e.message).toBe('the server rejected our request due to an error in our request');
    expect(e.status.details?.causes?.[0].message).toContain('test operation failed');
    expect(thrown(() => s.patch(CM, key, 'json', { op: 'add' })).code).toBe(400);
  });

  it('treats metadata.resourceVersion in the body as a precondition', () => {
    const { s } = server();
    const c = s.create(cm('a'));
    const key = { namespace: 'default', name: 'a' };
    s.patch(CM, key, 'merge', { data: { a: '2' }, metadata: { resourceVersion: c.metadata.resourceVersion } });
    expect(isConflict(thrown(() => s.patch(CM, key, 'merge', { data: { a: '3' }, metadata: { resourceVersion: c.metadata.resourceVersion } })))).toBe(true);
  });

  it('answers 404 for a missing object and 400 for a rename', () => {
    const { s } = server();
    expect(isNotFound(thrown(() => s.patch(CM, { namespace: 'default', name: 'x' }, 'merge', {})))).toBe(true);
    s.create(cm('a'));
    expect(thrown(() => s.patch(CM, { namespace: 'default', name: 'a' }, 'merge', { metadata: { name: 'b' } })).code).toBe(400);
  });

  it('does not persist a patch that changes nothing', () => {
    const { s } = server();
    const c = s.create(cm('a'));
    const u = s.patch(CM, { namespace: 'default', name: 'a' }, 'merge', { data: { a: '1' } });
    expect(u.metadata.resourceVersion).toBe(c.metadata.resourceVersion);
  });
});

describe('apply', () => {
  const applied = (labels: Record<string, string>, data: Record<string, string>): KubeObject => ({ ...CM, metadata: { name: 'a', namespace: 'default', labels }, data });

  it('creates when absent and records a managedFields Apply entry', () => {
    const { s } = server();
    const c = s.apply(applied({ app: 'x' }, { a: '1' }), { fieldManager: 'lattice' });
    const mf = (c.metadata as { managedFields?: { manager: string; operation: string; fieldsType: string; fieldsV1: unknown; time: string }[] }).managedFields;
    expect(mf).toHaveLength(1);
    expect(mf?.[0]).toMatchObject({ manager: 'lattice', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', time: '2026-01-01T00:00:00Z' });
    expect(mf?.[0].fieldsV1).toEqual({ 'f:data': { 'f:a': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } });
  });

  it('replaces applied top-level fields, merges labels, and removes keys the manager dropped', () => {
    const { s } = server();
    s.apply(applied({ app: 'x', old: 'y' }, { a: '1' }), { fieldManager: 'lattice' });
    s.patch(CM, { namespace: 'default', name: 'a' }, 'merge', { metadata: { labels: { other: 'z' } } });
    const u = s.apply(applied({ app: 'x2' }, { b: '2' }), { fieldManager: 'lattice', force: true });
    expect(u.data).toEqual({ b: '2' });
    expect(u.metadata.labels).toEqual({ app: 'x2', other: 'z' });
  });

  it('keeps a label another apply manager still claims', () => {
    const { s } = server();
    s.apply(applied({ shared: 'v' }, { a: '1' }), { fieldManager: 'one' });
    s.apply({ ...CM, metadata: { name: 'a', namespace: 'default', labels: { shared: 'v' } } }, { fieldManager: 'two' });
    const u = s.apply(applied({}, { a: '1' }), { fieldManager: 'one' });
    expect(u.metadata.labels).toEqual({ shared: 'v' });
  });

  it('does not persist an unchanged apply', () => {
    const { s, clock } = server();
    const c = s.apply(applied({ app: 'x' }, { a: '1' }), { fieldManager: 'lattice' });
    clock.advance(60_000);
    const u = s.apply(applied({ app: 'x' }, { a: '1' }), { fieldManager: 'lattice' });
    expect(u).toBe(c);
  });

  it('ignores applied status where a status subresource exists and requires a fieldManager', () => {
    const { s } = server();
    const d = s.apply(deploy('d'), { fieldManager: 'm' });
    expect(d.status).toBeUndefined();
    const u = s.apply(deploy('d', 2), { fieldManager: 'm' });
    expect(u.status).toBeUndefined();
    expect(u.metadata.generation).toBe(2);
    expect(thrown(() => s.apply(deploy('d'), { fieldManager: '' })).code).toBe(400);
  });
});

describe('delete and finalizers', () => {
  it('removes an object without finalizers at once', () => {
    const { s } = server();
    s.create(cm('a'));
    const last = s.delete(CM, { namespace: 'default', name: 'a' });
    expect(last.metadata.resourceVersion).toBe(String(s.revision));
    expect(isNotFound(thrown(() => s.get(CM, { namespace: 'default', name: 'a' })))).toBe(true);
    expect(isNotFound(thrown(() => s.delete(CM, { namespace: 'default', name: 'a' })))).toBe(true);
  });

  it('marks an object with finalizers as deleting, bumps generation, and removes it when the last finalizer goes', () => {
    const { s, clock } = server();
    s.create({ ...deploy('d'), metadata: { name: 'd', namespace: 'default', finalizers: ['lattice.dev/cleanup'] } });
    clock.advance(3000);
    const del = s.delete(DEPLOY, { namespace: 'default', name: 'd' });
    expect(del.metadata.deletionTimestamp).toBe('2026-01-01T00:00:03Z');
    expect(del.metadata.generation).toBe(2);
    const again = s.delete(DEPLOY, { namespace: 'default', name: 'd' });
    expect(again).toBe(del);
    const e = thrown(() => s.update({ ...del, metadata: { ...del.metadata, finalizers: ['lattice.dev/cleanup', 'x.io/new'] } }));
    expect(isInvalid(e)).toBe(true);
    expect(e.status.details?.causes?.[0].field).toBe('metadata.finalizers');
    const kept = s.update({ ...del, metadata: { ...del.metadata, deletionTimestamp: undefined }, spec: { replicas: 4 } });
    expect(kept.metadata.deletionTimestamp).toBe(del.metadata.deletionTimestamp);
    s.patch(DEPLOY, { namespace: 'default', name: 'd' }, 'merge', { metadata: { finalizers: null } });
    expect(isNotFound(thrown(() => s.get(DEPLOY, { namespace: 'default', name: 'd' })))).toBe(true);
  });

  it('adds foregroundDeletion or orphan finalizers for those propagation policies', () => {
    const { s } = server();
    s.create(cm('f'));
    s.create(cm('o'));
    expect(s.delete(CM, { namespace: 'default', name: 'f' }, { propagationPolicy: 'Foreground' }).metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(s.delete(CM, { namespace: 'default', name: 'o' }, { propagationPolicy: 'Orphan' }).metadata.finalizers).toEqual(['orphan']);
  });

  it('checks uid and resourceVersion preconditions with 409', () => {
    const { s } = server();
    const c = s.create(cm('a'));
    expect(isConflict(thrown(() => s.delete(CM, { namespace: 'default', name: 'a' }, { preconditions: { uid: 'other' } })))).toBe(true);
    expect(isConflict(thrown(() => s.delete(CM, { namespace: 'default', name: 'a' }, { preconditions: { resourceVersion: '1' } })))).toBe(true);
    s.delete(CM, { namespace: 'default', name: 'a' }, { preconditions: { uid: c.metadata.uid, resourceVersion: c.metadata.resourceVersion } });
  });

  it('persists nothing on a dryRun delete', () => {
    const { s } = server();
    s.create(cm('a'));
    const rv = s.revision;
    s.delete(CM, { namespace: 'default', name: 'a' }, { dryRun: true });
    expect(s.revision).toBe(rv);
    expect(s.get(CM, { namespace: 'default', name: 'a' })).toBeDefined();
  });
});

describe('namespaces', () => {
  it('goes Terminating on delete and disappears once spec.finalizers is emptied', () => {
    const { s } = server();
    s.create({ ...NS, metadata: { name: 'team' } });
    const t = s.delete(NS, { name: 'team' });
    expect(t.status).toEqual({ phase: 'Terminating' });
    expect(t.metadata.deletionTimestamp).toBeDefined();
    const u = s.update({ ...t, spec: { finalizers: [] } });
    expect(u.metadata.deletionTimestamp).toBeDefined();
    expect(isNotFound(thrown(() => s.get(NS, { name: 'team' })))).toBe(true);
  });

  it('forbids deleting default, kube-system and kube-public', () => {
    const { s } = server();
    expect(thrown(() => s.delete(NS, { name: 'kube-system' })).code).toBe(403);
  });
});

describe('objects()', () => {
  it('returns every object sorted by kind, namespace and name', () => {
    const { s } = server();
    s.create(cm('b'));
    s.create(deploy('a'));
    s.create(cm('a'));
    const keys = s.objects().map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(keys.slice(0, 4)).toEqual(['ConfigMap/default/a', 'ConfigMap/default/b', 'Namespace//default', 'Namespace//kube-node-lease']);
    expect(keys.at(-1)).toBe('Deployment/default/a');
  });
});
