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
import { jsonBytesUpperBound } from './internal/json.ts';
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
