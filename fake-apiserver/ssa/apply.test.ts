/**
 * Server-side apply and field management through the ApiServer (Kubernetes API concepts:
 * server-side apply; structured-merge-diff merge/update semantics): merge by schema, ownership
 * per manager, conflicts and force, removal of fields a manager stops applying, Update entries
 * of non-apply writes, status subresource apply, CRD list types, the FieldsV1 layout.
 */
import { describe, expect, it } from 'vitest';
import { ApiServer } from '../apiserver.ts';
import { StatusError } from '../api/index.ts';
import type { KubeObject } from '../api/index.ts';
import { manualClock } from '../testing/manual-clock.ts';
import type { ManagedFieldsEntry } from './managed-fields.ts';
import { MAX_UPDATE_MANAGERS } from './managed-fields.ts';
import { defaultFieldManager } from './user-agent.ts';

const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment' };
const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const key = { namespace: 'default', name: 'd' };

const deploy = (spec: Record<string, unknown>, labels?: Record<string, string>): KubeObject => ({ ...DEPLOY, metadata: { name: 'd', namespace: 'default', ...(labels ? { labels } : {}) }, spec });
const container = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: `${name}:1`, ...extra });
const podSpec = (containers: unknown[]) => ({ selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers } } });

function setup() {
  const clock = manualClock();
  // Field ownership alone: defaulted fields would be the creator's too, as upstream.
  return { s: new ApiServer({ clock, builtinStrategies: { defaulting: false } }), clock };
}

const entries = (o: KubeObject): ManagedFieldsEntry[] => (o.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? [];
const entry = (o: KubeObject, manager: string, operation = 'Apply'): ManagedFieldsEntry | undefined => entries(o).find((e) => e.manager === manager && e.operation === operation);

function thrown(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected a StatusError');
}

describe('apply merges by schema', () => {
  it('merges containers by name, ports by containerPort+protocol and env by name, keeping items another writer added', () => {
    const { s } = setup();
    s.apply(deploy(podSpec([container('a', { ports: [{ containerPort: 80 }], env: [{ name: 'X', value: '1' }] })])), { fieldManager: 'one' });
    // A second manager adds a container, a port on `a` and an env var on `a`.
    s.apply(deploy(podSpec([container('a', { ports: [{ containerPort: 9090, protocol: 'UDP' }], env: [{ name: 'Y', value: '2' }] }), container('b')])), { fieldManager: 'two' });
    const out = s.get(DEPLOY, key);
    const containers = (out.spec as { template: { spec: { containers: { name: string; ports?: unknown[]; env?: unknown[] }[] } } }).template.spec.containers;
    expect(containers.map((c) => c.name)).toEqual(['a', 'b']);
    expect(containers[0].ports).toEqual([{ containerPort: 80 }, { containerPort: 9090, protocol: 'UDP' }]);
    expect(containers[0].env).toEqual([
      { name: 'X', value: '1' },
      { name: 'Y', value: '2' },
    ]);
  });

  it('writes FieldsV1 as upstream does: k: keys sorted with defaults, `.` on owned items, atomic selector, map keys', () => {
    const { s } = setup();
    const out = s.apply(deploy({ replicas: 2, ...podSpec([container('a', { ports: [{ containerPort: 80 }] })]) }, { app: 'd' }), { fieldManager: 'm' });
    expect(entry(out, 'm')?.fieldsV1).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"a"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    });
    expect(Object.keys(entry(out, 'm')!.fieldsV1)).toEqual(['f:metadata', 'f:spec']);
  });

  it('merges finalizers as a set and ownerReferences by uid; tolerations and args replace atomically', () => {
    const { s } = setup();
    const meta = (finalizers: string[], refs: string[]) => ({ name: 'd', namespace: 'default', finalizers, ownerReferences: refs.map((uid) => ({ apiVersion: 'v1', kind: 'X', name: uid, uid })) });
    s.apply({ ...DEPLOY, metadata: meta(['a.io/x'], ['u1']), spec: { template: { spec: { tolerations: [{ key: 'k1' }], containers: [container('c', { args: ['1', '2'] })] } } } }, { fieldManager: 'one' });
    const out = s.apply({ ...DEPLOY, metadata: meta(['b.io/y'], ['u2']), spec: { template: { spec: { tolerations: [{ key: 'k2' }], containers: [container('c', { args: ['3'] })] } } } }, { fieldManager: 'two', force: true });
    expect(out.metadata.finalizers).toEqual(['a.io/x', 'b.io/y']);
    expect(out.metadata.ownerReferences?.map((r) => r.uid)).toEqual(['u1', 'u2']);
    const spec = (out.spec as { template: { spec: { tolerations: unknown[]; containers: { args: string[] }[] } } }).template.spec;
    expect(spec.tolerations).toEqual([{ key: 'k2' }]);
    expect(spec.containers[0].args).toEqual(['3']);
    expect(entry(out, 'one')?.fieldsV1).toMatchObject({ 'f:metadata': { 'f:finalizers': { 'v:"a.io/x"': {} }, 'f:ownerReferences': { 'k:{"uid":"u1"}': {} } } });
  });

  it('answers 500 for a list-map item without its key, as upstream cannot type the patch', () => {
    const { s } = setup();
    const e = thrown(() => s.apply(deploy(podSpec([{ image: 'x' }])), { fieldManager: 'm' }));
    expect(e.code).toBe(500);
    expect(e.message).toBe(
      'failed to create typed patch object (apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    );
  });
});

describe('ownership: conflicts, force, shared values', () => {
  it('refuses to change a field another apply manager owns: 409 with one cause per field', () => {
    const { s } = setup();
    s.apply(deploy({ replicas: 1, paused: false }), { fieldManager: 'first' });
    const e = thrown(() => s.apply(deploy({ replicas: 3 }), { fieldManager: 'second' }));
    expect(e.code).toBe(409);
    expect(e.reason).toBe('Conflict');
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "first": .spec.replicas');
    expect(e.status.details?.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "first"', field: '.spec.replicas' }]);
    expect((s.get(DEPLOY, key).spec as { replicas: number }).replicas).toBe(1);
  });

  it('names Update managers with their apiVersion and lists several conflicts per manager', () => {
    const { s } = setup();
    s.create(deploy({ replicas: 1, paused: false }), { fieldManager: 'kubectl-create' });
    const e = thrown(() => s.apply(deploy({ replicas: 3, paused: true }), { fieldManager: 'second' }));
    expect(e.message).toBe('Apply failed with 2 conflicts: conflicts with "kubectl-create" using apps/v1:\n- .spec.paused\n- .spec.replicas');
    expect(e.status.details?.causes?.map((c) => [c.field, c.message])).toEqual([
      ['.spec.paused', 'conflict with "kubectl-create" using apps/v1'],
      ['.spec.replicas', 'conflict with "kubectl-create" using apps/v1'],
    ]);
  });

  it('force takes the conflicting fields: the old owner keeps the rest', () => {
    const { s } = setup();
    s.apply(deploy({ replicas: 1, paused: false }), { fieldManager: 'first' });
    const out = s.apply(deploy({ replicas: 3 }), { fieldManager: 'second', force: true });
    expect((out.spec as { replicas: number }).replicas).toBe(3);
    expect(entry(out, 'first')?.fieldsV1).toEqual({ 'f:spec': { 'f:paused': {} } });
    expect(entry(out, 'second')?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
  });

  it('applying the value a field already has shares it, without conflict', () => {
    const { s } = setup();
    s.apply(deploy({ replicas: 2 }), { fieldManager: 'first' });
    const out = s.apply(deploy({ replicas: 2 }), { fieldManager: 'second' });
    expect(entry(out, 'first')?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(entry(out, 'second')?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    // Now both must let go before it changes hands without force.
    expect(thrown(() => s.apply(deploy({ replicas: 5 }), { fieldManager: 'third' })).message).toBe('Apply failed with 2 conflicts: conflicts with "first":\n- .spec.replicas\nconflicts with "second":\n- .spec.replicas');
  });
});

describe('removal of fields a manager stops applying', () => {
  it('removes what this manager alone applied, keeps what another manager also owns', () => {
    const { s } = setup();
    s.apply({ ...CM, metadata: { name: 'c', namespace: 'default', labels: { a: '1', shared: 'x' } }, data: { k: 'v', gone: 'y' } }, { fieldManager: 'one' });
    s.apply({ ...CM, metadata: { name: 'c', namespace: 'default', labels: { shared: 'x' } } }, { fieldManager: 'two' });
    const out = s.apply({ ...CM, metadata: { name: 'c', namespace: 'default' }, data: { k: 'v' } }, { fieldManager: 'one' });
    expect(out.metadata.labels).toEqual({ shared: 'x' });
    expect(out.data).toEqual({ k: 'v' });
  });

  it('removes a container it dropped (the item with it), keeps a container another writer added', () => {
    const { s } = setup();
    s.apply(deploy(podSpec([container('a'), container('b')])), { fieldManager: 'm' });
    s.patch(DEPLOY, key, 'json', [{ op: 'add', path: '/spec/template/spec/containers/-', value: container('c') }], { fieldManager: 'editor' });
    const out = s.apply(deploy(podSpec([container('a')])), { fieldManager: 'm' });
    const containers = (out.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers;
    expect(containers).toEqual([container('a'), container('c')]);
    // Dropping the whole template leaves only what the editor owns in it.
    const dropped = s.apply(deploy({ selector: { matchLabels: { app: 'd' } } }), { fieldManager: 'm' });
    expect((dropped.spec as { template?: unknown }).template).toEqual({ spec: { containers: [container('c')] } });
  });

  it('a field removed by the write leaves every owner', () => {
    const { s } = setup();
    s.apply(deploy({ replicas: 2, paused: true }), { fieldManager: 'm' });
    const out = s.patch(DEPLOY, key, 'merge', { spec: { paused: null } }, { fieldManager: 'editor' });
    expect(entry(out, 'm')?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(entry(out, 'editor', 'Update')).toBeUndefined();
  });
});

describe('non-apply writes record Update entries', () => {
  it('create, update and patch own what they change, per manager and apiVersion, taking it from others', () => {
    const { s, clock } = setup();
    const created = s.create({ ...CM, metadata: { name: 'c', namespace: 'default', labels: { a: '1' } }, data: { k: 'v' } }, { fieldManager: 'creator' });
    expect(entries(created)).toEqual([
      { manager: 'creator', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:k': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } } } },
    ]);
    clock.advance(5_000);
    const patched = s.patch(CM, { namespace: 'default', name: 'c' }, 'merge', { data: { k: 'w', n: 'x' } }, { fieldManager: 'patcher' });
    expect(entry(patched, 'creator', 'Update')?.fieldsV1).toEqual({ 'f:data': {}, 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } } });
    expect(entry(patched, 'patcher', 'Update')).toMatchObject({ time: '2026-01-01T00:00:05Z', fieldsV1: { 'f:data': { 'f:k': {}, 'f:n': {} } } });
    // Update never conflicts; an unchanged write changes no entry.
    const again = s.patch(CM, { namespace: 'default', name: 'c' }, 'merge', { data: { k: 'w' } }, { fieldManager: 'other' });
    expect(again).toBe(patched);
  });

  it('writes without fieldManager are the server default manager; status writes are their own entry', () => {
    const { s } = setup();
    s.create(deploy({ replicas: 1 }));
    const st = s.patchStatus(DEPLOY, key, 'merge', { status: { readyReplicas: 1 } }, { fieldManager: 'kcm' });
    expect(entry(st, 'in-process', 'Update')?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(entry(st, 'kcm', 'Update')).toMatchObject({ subresource: 'status', fieldsV1: { 'f:status': { 'f:readyReplicas': {} } } });
  });

  it('keeps at most 10 Update managers, merging the oldest into ancient-changes', () => {
    const { s, clock } = setup();
    s.create({ ...CM, metadata: { name: 'c', namespace: 'default' }, data: { k0: 'v' } }, { fieldManager: 'w0' });
    for (let i = 1; i <= 11; i++) {
      clock.advance(1000);
      s.patch(CM, { namespace: 'default', name: 'c' }, 'merge', { data: { [`k${i}`]: 'v' } }, { fieldManager: `w${i}` });
    }
    const out = s.get(CM, { namespace: 'default', name: 'c' });
    const names = entries(out).map((e) => e.manager);
    expect(names).toHaveLength(MAX_UPDATE_MANAGERS);
    expect(names[0]).toBe('ancient-changes');
    expect(entry(out, 'ancient-changes', 'Update')?.fieldsV1).toEqual({ 'f:data': { '.': {}, 'f:k0': {}, 'f:k1': {}, 'f:k2': {} } });
  });

  it('the HTTP default manager is the User-Agent up to its first slash', () => {
    expect(defaultFieldManager(undefined, 'kubectl/v1.35.0 (linux/amd64) kubernetes/abc')).toBe('kubectl');
    expect(defaultFieldManager('kubectl-edit', 'kubectl/v1.35.0')).toBe('kubectl-edit');
    expect(defaultFieldManager(undefined, 'x'.repeat(200))).toHaveLength(128);
  });
});

describe('no-op applies and timestamps', () => {
  it('an apply that changes neither object nor ownership stores nothing; a changing one stamps its time', () => {
    const { s, clock } = setup();
    const first = s.apply(deploy({ replicas: 1 }), { fieldManager: 'm' });
    expect(entry(first, 'm')?.time).toBe('2026-01-01T00:00:00Z');
    clock.advance(60_000);
    expect(s.apply(deploy({ replicas: 1 }), { fieldManager: 'm' })).toBe(first);
    const changed = s.apply(deploy({ replicas: 2 }), { fieldManager: 'm' });
    expect(entry(changed, 'm')?.time).toBe('2026-01-01T00:01:00Z');
    expect(Number(changed.metadata.resourceVersion)).toBeGreaterThan(Number(first.metadata.resourceVersion));
  });
});

describe('status subresource apply', () => {
  it('merges and owns status only, under subresource status, without touching the main managers', () => {
    const { s } = setup();
    s.apply(deploy({ replicas: 1 }), { fieldManager: 'm' });
    const out = s.applyStatus({ ...DEPLOY, metadata: { name: 'd', namespace: 'default', labels: { ignored: 'x' } }, spec: { replicas: 9 }, status: { replicas: 1, conditions: [{ type: 'Available', status: 'True' }] } } as KubeObject, { fieldManager: 'ctl' });
    expect(out.spec).toEqual({ replicas: 1 });
    expect(out.metadata.labels).toBeUndefined();
    expect(out.status).toEqual({ replicas: 1, conditions: [{ type: 'Available', status: 'True' }] });
    expect(entry(out, 'ctl')).toMatchObject({ subresource: 'status', fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"Available"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:replicas': {} } } });
    expect(entry(out, 'm')?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    // A main-resource apply neither changes nor owns status.
    const main = s.apply({ ...deploy({ replicas: 1 }), status: { replicas: 7 } } as KubeObject, { fieldManager: 'm' });
    expect((main.status as { replicas: number }).replicas).toBe(1);
  });
});

describe('custom resources take list and map types from the CRD schema', () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gadgets.example.dev' },
    spec: {
      group: 'example.dev',
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port'], items: { type: 'object', properties: { port: { type: 'integer' }, name: { type: 'string' } } } },
                    tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
                    hosts: { type: 'array', items: { type: 'string' } },
                    ref: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { a: { type: 'string' }, b: { type: 'string' } } },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
  const gadget = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'example.dev/v1', kind: 'Gadget', metadata: { name: 'g', namespace: 'default' }, spec });

  it('merges map lists by key and sets by value, replaces atomic lists and atomic maps', () => {
    const { s } = setup();
    s.create(crd);
    s.apply(gadget({ ports: [{ port: 1, name: 'a' }], tags: ['x'], hosts: ['h1'], ref: { a: '1', b: '2' } }), { fieldManager: 'one' });
    const out = s.apply(gadget({ ports: [{ port: 2 }], tags: ['y'], hosts: ['h2'], ref: { a: '3' } }), { fieldManager: 'two', force: true });
    expect(out.spec).toEqual({ ports: [{ port: 1, name: 'a' }, { port: 2 }], tags: ['x', 'y'], hosts: ['h2'], ref: { a: '3' } });
    expect(entry(out, 'two')?.fieldsV1).toEqual({ 'f:spec': { 'f:hosts': {}, 'f:ports': { 'k:{"port":2}': { '.': {}, 'f:port': {} } }, 'f:ref': {}, 'f:tags': { 'v:"y"': {} } } });
    expect(entry(out, 'one')?.fieldsV1).toEqual({ 'f:spec': { 'f:ports': { 'k:{"port":1}': { '.': {}, 'f:name': {}, 'f:port': {} } }, 'f:tags': { 'v:"x"': {} } } });
  });
});
