/**
 * The write path's shortcuts answer exactly as the full path would (issue 7, throughput): a repeated
 * unchanged server-side apply is answered without the merge, but still sees every change made
 * since (by anyone), still warns, and dry runs never feed it; writes of schema-less kinds share the
 * stored object's untouched frozen subtrees instead of copying them; the JSON size bound of a frozen
 * value is computed once; a timestamp's text is kept for the second it names.
 */
import { describe, expect, it } from 'vitest';
import { ApiServer } from './apiserver.ts';
import { rfc3339 } from './api/index.ts';
import type { KubeObject } from './api/index.ts';
import { cloneJson, cloneJsonMeasured, cloneJsonSharing, freezeMeasuringBelow, frozenCopy, jsonBytesUpperBound } from './internal/json.ts';
import { manualClock } from './testing/manual-clock.ts';

const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment' };
const deploy = (replicas: number, labels: Record<string, string> = { app: 'x' }): KubeObject => ({
  ...DEPLOY,
  metadata: { name: 'd', namespace: 'default', labels },
  spec: { replicas, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
});

function gadgetServer(): ApiServer {
  const server = new ApiServer({ clock: manualClock() });
  server.create({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gadgets.example.dev' },
    spec: {
      group: 'example.dev',
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { n: { type: 'integer' } } } } } } }],
    },
  });
  return server;
}
const gadget = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'example.dev/v1', kind: 'Gadget', metadata: { name: 'g', namespace: 'default' }, spec });

describe('server-side apply: an unchanged apply repeated', () => {
  it('changes nothing and returns the stored object, however often it is repeated', () => {
    const s = new ApiServer({ clock: manualClock() });
    const created = s.apply(deploy(1), { fieldManager: 'm' });
    const again = s.apply(deploy(1), { fieldManager: 'm' });
    const third = s.apply(deploy(1), { fieldManager: 'm' });
    expect(again).toBe(created);
    expect(third).toBe(created);
    expect(s.revision).toBe(Number(created.metadata.resourceVersion));
  });

  it('still applies a different body, and the same body again after someone else changed the object', () => {
    const s = new ApiServer({ clock: manualClock() });
    s.apply(deploy(1), { fieldManager: 'm' });
    s.apply(deploy(1), { fieldManager: 'm' });
    expect(s.apply(deploy(2), { fieldManager: 'm' }).spec).toMatchObject({ replicas: 2 });
    // Another writer sets replicas back to 5 (and owns them now); the same apply, forced, must win again (a change, not a no-op).
    s.patch(DEPLOY, { namespace: 'default', name: 'd' }, 'merge', { spec: { replicas: 5 } });
    expect(() => s.apply(deploy(2), { fieldManager: 'm' })).toThrow(/Apply failed with 1 conflict/);
    const out = s.apply(deploy(2), { fieldManager: 'm', force: true });
    expect(out.spec).toMatchObject({ replicas: 2 });
    expect(s.get(DEPLOY, { namespace: 'default', name: 'd' }).spec).toMatchObject({ replicas: 2 });
  });

  it('keys on the field manager: another manager applying the same body still records its ownership', () => {
    const s = new ApiServer({ clock: manualClock() });
    s.apply(deploy(1), { fieldManager: 'm' });
    s.apply(deploy(1), { fieldManager: 'm' });
    const other = s.apply(deploy(1), { fieldManager: 'n' });
    const managers = ((other.metadata as { managedFields?: { manager: string }[] }).managedFields ?? []).map((e) => e.manager);
    expect(managers.sort()).toEqual(['m', 'n']);
  });

  it('answers the same apply after a status write as the full apply does: the object as the status write left it, no write', () => {
    const s = new ApiServer({ clock: manualClock() });
    s.apply(deploy(1), { fieldManager: 'm' });
    s.apply(deploy(1), { fieldManager: 'm' });
    const statused = s.patchStatus(DEPLOY, { namespace: 'default', name: 'd' }, 'merge', { status: { replicas: 1 } }, { fieldManager: 'kcm' });
    const before = s.revision;
    // A dry run always takes the full path: the reference answer.
    expect(s.apply(deploy(1), { fieldManager: 'm', dryRun: true })).toEqual(statused);
    expect(s.apply(deploy(1), { fieldManager: 'm' })).toBe(statused);
    expect(s.revision).toBe(before);
    // A change outside status since (another manager's label) is not a status write: the apply runs and keeps their label.
    s.patch(DEPLOY, { namespace: 'default', name: 'd' }, 'merge', { metadata: { labels: { extra: 'y' } } }, { fieldManager: 'other' });
    s.patchStatus(DEPLOY, { namespace: 'default', name: 'd' }, 'merge', { status: { replicas: 2 } }, { fieldManager: 'kcm' });
    expect(s.apply(deploy(1), { fieldManager: 'm' }).metadata.labels).toEqual({ app: 'x', extra: 'y' });
    s.patch(DEPLOY, { namespace: 'default', name: 'd' }, 'merge', { spec: { replicas: 5 } }, { fieldManager: 'other' });
    s.patchStatus(DEPLOY, { namespace: 'default', name: 'd' }, 'merge', { status: { replicas: 3 } }, { fieldManager: 'kcm' });
    expect(() => s.apply(deploy(1), { fieldManager: 'm' })).toThrow(/Apply failed with 1 conflict/);
  });

  it('after a status write, asks a validating extension matching the kind again (it sees the new status)', () => {
    const seen: unknown[] = [];
    const s = new ApiServer({ clock: manualClock(), validatingAdmission: [{ name: 'v.example.dev', matches: (r) => r.kind === 'Deployment', admit: (r) => (seen.push(r.object.status), { allowed: true }) }] });
    s.apply(deploy(1), { fieldManager: 'm' });
    s.apply(deploy(1), { fieldManager: 'm' });
    s.patchStatus(DEPLOY, { namespace: 'default', name: 'd' }, 'merge', { status: { replicas: 1 } }, { fieldManager: 'kcm' });
    const asked = seen.length;
    s.apply(deploy(1), { fieldManager: 'm' });
    expect(seen.slice(asked)).toEqual([{ replicas: 1 }]);
  });

  it('warns about unknown fields every time, and a dry run neither writes nor is remembered', () => {
    const s = gadgetServer();
    s.apply(gadget({ n: 1, extra: true }), { fieldManager: 'm' });
    for (let i = 0; i < 2; i++) {
      const warnings: string[] = [];
      s.apply(gadget({ n: 1, extra: true }), { fieldManager: 'm', onWarning: (w) => warnings.push(w) });
      expect(warnings).toEqual(['unknown field "spec.extra"']);
    }
    const before = s.revision;
    expect(s.apply(gadget({ n: 2 }), { fieldManager: 'm', dryRun: true }).spec).toEqual({ n: 2 });
    expect(s.revision).toBe(before);
    expect(s.apply(gadget({ n: 2 }), { fieldManager: 'm' }).spec).toEqual({ n: 2 });
    expect(s.revision).toBe(before + 1);
  });
});

describe('writes of schema-less kinds share untouched subtrees', () => {
  it('a status patch keeps the stored spec object (frozen, shared) and changes only status', () => {
    const s = new ApiServer({ clock: manualClock() });
    const created = s.create(deploy(1));
    const patched = s.patchStatus(DEPLOY, { namespace: 'default', name: 'd' }, 'merge', { status: { readyReplicas: 1 } });
    expect(patched.spec).toBe(created.spec);
    expect(patched.status).toEqual({ readyReplicas: 1 });
    expect(Object.isFrozen(patched) && Object.isFrozen(patched.metadata)).toBe(true);
    expect(created.status).toBeUndefined();
  });

  it('an apply that changes labels only keeps the spec object; one that changes the spec replaces it', () => {
    const s = new ApiServer({ clock: manualClock() });
    const first = s.apply(deploy(1), { fieldManager: 'm' });
    const relabelled = s.apply(deploy(1, { app: 'x', tier: 'web' }), { fieldManager: 'm' });
    expect(relabelled.metadata.labels).toEqual({ app: 'x', tier: 'web' });
    expect(relabelled.spec).toEqual(first.spec);
    const scaled = s.apply(deploy(3, { app: 'x', tier: 'web' }), { fieldManager: 'm' });
    expect(scaled.spec).not.toBe(first.spec);
    expect(scaled.spec).toMatchObject({ replicas: 3 });
    expect(first.spec).toMatchObject({ replicas: 1 });
  });
});

describe('writes of custom resources share what their schema admitted', () => {
  const widgetCrd = (spec: Record<string, unknown>) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.dev' },
    spec: {
      group: 'example.dev',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', properties: { spec, status: { type: 'object', properties: { phase: { type: 'string' } } } } } } }],
    },
  });
  const WIDGET = { apiVersion: 'example.dev/v1', kind: 'Widget' };
  const key = { namespace: 'default', name: 'w' };

  it('a status patch and a patch keep the stored spec subtrees they leave alone, frozen, and store what a copy would', () => {
    const s = new ApiServer({ clock: manualClock() });
    s.create(widgetCrd({ type: 'object', properties: { a: { type: 'object', properties: { x: { type: 'integer', default: 1 } } }, b: { type: 'object', properties: { y: { type: 'string' } } } } }));
    const created = s.create({ ...WIDGET, metadata: { name: 'w', namespace: 'default' }, spec: { a: {}, b: { y: 'v' } } });
    expect(created.spec).toEqual({ a: { x: 1 }, b: { y: 'v' } });
    const statused = s.patchStatus(WIDGET, key, 'merge', { status: { phase: 'Ready', junk: 1 } });
    expect(statused.spec).toBe(created.spec);
    expect(statused.status).toEqual({ phase: 'Ready' });
    const patched = s.patch(WIDGET, key, 'merge', { spec: { b: { y: 'w' }, extra: true } });
    expect((patched.spec as { a: unknown }).a).toBe((created.spec as { a: unknown }).a);
    expect(patched.spec).toEqual({ a: { x: 1 }, b: { y: 'w' } });
    expect(Object.isFrozen((patched.spec as { b: object }).b)).toBe(true);
  });

  it('a default carrying a field its schema does not declare is still pruned on the next write, with its warning', () => {
    const s = new ApiServer({ clock: manualClock() });
    s.create(widgetCrd({ type: 'object', properties: { a: { type: 'object', default: { x: 1, junk: 2 }, properties: { x: { type: 'integer' } } } } }));
    const created = s.create({ ...WIDGET, metadata: { name: 'w', namespace: 'default' }, spec: {} });
    expect(created.spec).toEqual({ a: { x: 1, junk: 2 } });
    const warnings: string[] = [];
    const statused = s.patchStatus(WIDGET, key, 'merge', { status: { phase: 'Ready' } }, { onWarning: (w) => warnings.push(w) });
    expect(statused.spec).toEqual({ a: { x: 1 } });
    expect(statused.status).toEqual({ phase: 'Ready' });
    expect(warnings).toEqual(['unknown field "spec.a.junk"']);
  });
});

describe('jsonBytesUpperBound', () => {
  it('is the same for a frozen value as for an equal mutable one, and stays so when asked again', () => {
    const value = { a: 'xyz', b: [1, { c: 'é' }], d: null };
    const frozen = Object.freeze({ ...value, b: Object.freeze([1, Object.freeze({ c: 'é' })]) });
    const expected = jsonBytesUpperBound(value);
    expect(expected).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(value)));
    expect(jsonBytesUpperBound(frozen)).toBe(expected);
    expect(jsonBytesUpperBound(frozen)).toBe(expected);
  });
});

describe('measured copies and freezes', () => {
  const body = () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: 'é' }, skipped: undefined }, data: { k: 'v' }, list: [1, undefined, { x: null }, 'ü'] });

  it('cloneJsonMeasured copies as cloneJson does and measures as jsonBytesUpperBound does', () => {
    const v = body();
    const { value, bytes } = cloneJsonMeasured(v);
    expect(value).toEqual(JSON.parse(JSON.stringify(v)));
    expect(value.metadata).not.toBe(v.metadata);
    expect('skipped' in value.metadata).toBe(false);
    expect(bytes).toBe(jsonBytesUpperBound(v));
  });

  it('cloneJsonSharing shares only frozen subtrees of the base below the root members, and measures the same', () => {
    const base = Object.freeze({ metadata: Object.freeze({ labels: Object.freeze({ a: 'x' }) }), spec: Object.freeze({ containers: Object.freeze([Object.freeze({ name: 'c' })]), n: 1 }) });
    const sent = { ...base, metadata: { ...base.metadata, name: 'n' }, spec: { ...base.spec, n: 2 }, extra: { containers: base.spec.containers } };
    const { value, bytes } = cloneJsonSharing(sent, base);
    expect(value).toEqual(sent);
    expect(value.metadata).not.toBe(base.metadata);
    expect(value.spec).not.toBe(base.spec);
    expect(value.metadata.labels).toBe(base.metadata.labels);
    expect(value.spec.containers).toBe(base.spec.containers);
    // The same array under another path of the base is not the base's subtree there: copied.
    expect(value.extra.containers).not.toBe(base.spec.containers);
    expect(bytes).toBe(jsonBytesUpperBound(sent));
  });

  it('frozenCopy is a deep-frozen copy equal to cloneJson, sharing only the frozen subtrees and leaving its input mutable', () => {
    const spec = Object.freeze({ containers: Object.freeze([Object.freeze({ name: 'c' })]) });
    const v = { ...body(), spec, status: { phase: 'Running', list: [undefined, { a: 1 }] } };
    const copy = frozenCopy(v);
    expect(copy).toEqual(cloneJson(v));
    expect(JSON.stringify(copy)).toBe(JSON.stringify(cloneJson(v)));
    expect(copy.spec).toBe(spec);
    expect(copy.metadata).not.toBe(v.metadata);
    expect(copy.status.list[1]).not.toBe(v.status.list[1]);
    expect(Object.isFrozen(copy) && Object.isFrozen(copy.metadata.labels) && Object.isFrozen(copy.status.list[1])).toBe(true);
    expect(Object.isFrozen(v.metadata) || Object.isFrozen(v.status)).toBe(false);
    v.status.phase = 'Failed';
    expect(copy.status.phase).toBe('Running');
  });

  it('freezeMeasuringBelow freezes all but the root and metadata, and measures as jsonBytesUpperBound does', () => {
    const v = body();
    const expected = jsonBytesUpperBound(v);
    expect(freezeMeasuringBelow(v, 'metadata')).toBe(expected);
    expect(Object.isFrozen(v) || Object.isFrozen(v.metadata)).toBe(false);
    expect(Object.isFrozen(v.metadata.labels) && Object.isFrozen(v.data) && Object.isFrozen(v.list) && Object.isFrozen(v.list[2])).toBe(true);
    expect(freezeMeasuringBelow(v, 'metadata')).toBe(expected);
  });
});

describe('updates and patches of built-in kinds share what the client sent back', () => {
  const POD = { apiVersion: 'v1', kind: 'Pod' };
  const pod: KubeObject = { ...POD, metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i', env: [{ name: 'A', value: '1' }] }] } };

  it('an update keeps the stored containers the body carries, and stores what a copy of the body would', () => {
    const s = new ApiServer({ clock: manualClock() });
    const created = s.create(pod);
    const spec = created.spec as { containers: unknown[] };
    const updated = s.update({ ...created, spec: { ...spec, activeDeadlineSeconds: 5 } });
    expect((updated.spec as { containers: unknown[] }).containers).toBe(spec.containers);
    expect(updated.spec).toEqual({ ...spec, activeDeadlineSeconds: 5 });
    expect(Object.isFrozen(updated.spec)).toBe(true);
    // A body with the same content in fresh objects (as over HTTP) gives the same stored object.
    const t = new ApiServer({ clock: manualClock() });
    const again = t.create(pod);
    const fresh = JSON.parse(JSON.stringify({ ...again, spec: { ...(again.spec as object), activeDeadlineSeconds: 5 } })) as KubeObject;
    expect(t.update(fresh)).toEqual(updated);
  });

  it('an update whose managedFields are not the stored ones keeps them where the body has them', () => {
    const s = new ApiServer({ clock: manualClock() });
    const created = s.create(pod);
    const { managedFields, ...rest } = created.metadata as KubeObject['metadata'] & { managedFields: unknown };
    const body = { ...created, metadata: { managedFields: JSON.parse(JSON.stringify(managedFields)) as unknown, ...rest }, spec: { ...(created.spec as object), activeDeadlineSeconds: 7 } };
    const updated = s.update(body);
    expect(Object.keys(updated.metadata)[0]).toBe('managedFields');
  });
});

describe('a create\'s FieldsV1 document', () => {
  it('is one shared frozen object for objects of one shape, and its own for another shape', () => {
    const s = new ApiServer({ clock: manualClock() });
    const cm = (name: string, data: Record<string, string>) => s.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { app: name } }, data });
    const fields = (o: KubeObject) => (o.metadata as unknown as { managedFields: { fieldsV1: object }[] }).managedFields[0].fieldsV1;
    const a = fields(cm('a', { x: '1', y: '2' }));
    const b = fields(cm('b', { x: '3', y: '4' }));
    const c = fields(cm('c', { x: '1', z: '2' }));
    expect(b).toBe(a);
    // Members met in another order: the same document content (sorted), whether shared or not.
    expect(JSON.stringify(fields(cm('d', { y: '3', x: '4' })))).toBe(JSON.stringify(a));
    expect(Object.isFrozen(a)).toBe(true);
    expect(JSON.stringify(a)).toBe('{"f:data":{".":{},"f:x":{},"f:y":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}');
    expect(c).not.toBe(a);
    expect(JSON.stringify(c)).toBe('{"f:data":{".":{},"f:x":{},"f:z":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}');
  });
});

describe('rfc3339', () => {
  it('names the second of any instant, forwards, backwards and repeated', () => {
    const at = (iso: string) => Date.parse(iso);
    const cases: [number, string][] = [
      [at('2026-01-01T00:00:00.999Z'), '2026-01-01T00:00:00Z'],
      [at('2026-01-01T00:00:01.000Z'), '2026-01-01T00:00:01Z'],
      [at('2026-01-01T00:00:01.500Z'), '2026-01-01T00:00:01Z'],
      [at('2025-12-31T23:59:59.001Z'), '2025-12-31T23:59:59Z'],
      [at('2026-01-01T00:00:01.000Z'), '2026-01-01T00:00:01Z'],
    ];
    for (const [ms, text] of cases) expect(rfc3339(ms)).toBe(text);
    expect(() => rfc3339(Number.NaN)).toThrow(RangeError);
  });
});
