import { describe, expect, it } from 'vitest';
import { ApiServer } from './apiserver.ts';
import { StatusError, isNotFound } from './api/index.ts';
import type { KubeObject, WatchEvent } from './api/index.ts';
import { manualClock, manualDelivery } from './testing/manual-clock.ts';

const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };
const WIDGET = { apiVersion: 'example.dev/v1alpha1', kind: 'Widget' };
const WIDGET_V1 = { apiVersion: 'example.dev/v1', kind: 'Widget' };

const schema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['workload'],
      properties: {
        replicas: { type: 'integer', minimum: 0, default: 1 },
        mode: { type: 'string', enum: ['fast', 'safe'], default: 'safe' },
        note: { type: 'string', nullable: true },
        port: { 'x-kubernetes-int-or-string': true },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        workload: {
          type: 'object',
          properties: {
            containers: {
              type: 'object',
              additionalProperties: {
                type: 'object',
                required: ['image'],
                properties: { image: { type: 'string', minLength: 1 }, pullPolicy: { type: 'string', default: 'IfNotPresent' } },
              },
            },
            ports: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer', maximum: 65535 } } } },
          },
        },
      },
    },
    status: { type: 'object', properties: { phase: { type: 'string' }, observedGeneration: { type: 'integer' } } },
  },
};

const crd = (over: Record<string, unknown> = {}): KubeObject => ({
  ...CRD,
  metadata: { name: 'widgets.example.dev' },
  spec: {
    group: 'example.dev',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [
      { name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: schema }, subresources: { status: {} } },
      { name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: schema }, subresources: { status: {} } },
    ],
    ...over,
  },
});

const widget = (name: string, spec: Record<string, unknown>): KubeObject => ({ ...WIDGET, metadata: { name, namespace: 'default' }, spec });

function setup() {
  const d = manualDelivery();
  const s = new ApiServer({ clock: manualClock(), deliver: d.deliver });
  return { s, d };
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

describe('CustomResourceDefinition registration', () => {
  it('registers the served kinds at once and reports Established and NamesAccepted', () => {
    const { s } = setup();
    expect(thrown(() => s.list(WIDGET)).code).toBe(404);
    const c = s.create(crd());
    const conds = (c.status as { conditions: { type: string; status: string }[] }).conditions;
    expect(conds.map((x) => `${x.type}=${x.status}`)).toEqual(['NamesAccepted=True', 'Established=True']);
    expect((c.status as { storedVersions: string[] }).storedVersions).toEqual(['v1alpha1']);
    expect(c.metadata.generation).toBe(1);
    expect(s.list(WIDGET).kind).toBe('WidgetList');
    expect(s.registry.lookup(WIDGET)).toMatchObject({ namespaced: true, statusSubresource: true, hasGeneration: true, custom: true, plural: 'widgets' });
  });

  it('rejects a CRD whose name is not <plural>.<group> with 422', () => {
    const { s } = setup();
    const e = thrown(() => s.create({ ...crd(), metadata: { name: 'widgets.other.dev' } }));
    expect(e.code).toBe(422);
    expect(e.message).toBe('CustomResourceDefinition.apiextensions.k8s.io "widgets.other.dev" is invalid: metadata.name: Invalid value: "widgets.other.dev": must be spec.names.plural+"."+spec.group');
  });

  it('rejects a CRD without exactly one storage version or with a bad scope', () => {
    const { s } = setup();
    const e = thrown(() => s.create(crd({ scope: 'Global', versions: [{ name: 'v1', served: true, storage: false }] })));
    expect(e.status.details?.causes?.map((c) => c.field)).toEqual(['spec.scope', 'spec.versions']);
  });

  it('unregisters its kinds and deletes its objects with DELETED events when the CRD is removed', () => {
    const { s, d } = setup();
    s.create(crd());
    s.create(widget('a', { workload: {} }));
    s.create(widget('b', { workload: {} }));
    const seen: WatchEvent[] = [];
    let closed = 0;
    s.watch(WIDGET, { resourceVersion: String(s.revision) }, (e) => seen.push(e), () => void closed++);
    s.delete(CRD, { name: 'widgets.example.dev' });
    d.drain();
    expect(seen.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['DELETED a', 'DELETED b']);
    expect(closed).toBe(1);
    expect(thrown(() => s.get(WIDGET, { namespace: 'default', name: 'a' })).message).toContain('kind Widget in apiVersion example.dev/v1alpha1');
    expect(s.objects().some((o) => o.kind === 'Widget')).toBe(false);
  });

  it('serves every served version from one storage, changing only apiVersion', () => {
    const { s } = setup();
    s.create(crd());
    s.create({ ...widget('a', { workload: {} }), apiVersion: 'example.dev/v1' });
    const stored = s.get(WIDGET, { namespace: 'default', name: 'a' });
    expect(stored.apiVersion).toBe('example.dev/v1alpha1');
    const v1 = s.get(WIDGET_V1, { namespace: 'default', name: 'a' });
    expect(v1.apiVersion).toBe('example.dev/v1');
    expect(v1.spec).toBe(stored.spec);
    expect(s.list(WIDGET_V1).items[0].apiVersion).toBe('example.dev/v1');
  });

  it('re-registers on CRD update: a version no longer served answers 404', () => {
    const { s } = setup();
    const c = s.create(crd());
    const spec = c.spec as { versions: object[] };
    s.update({ ...c, spec: { ...spec, versions: [spec.versions[0], { ...spec.versions[1], served: false }] } });
    expect(isNotFound(thrown(() => s.list(WIDGET_V1)))).toBe(true);
    expect(s.list(WIDGET).items).toEqual([]);
  });
});

describe('custom resources', () => {
  it('applies schema defaults on create, including inside map values', () => {
    const { s } = setup();
    s.create(crd());
    const w = s.create(widget('a', { workload: { containers: { main: { image: 'nginx' } } } }));
    expect(w.spec).toEqual({ replicas: 1, mode: 'safe', workload: { containers: { main: { image: 'nginx', pullPolicy: 'IfNotPresent' } } } });
    expect(w.metadata.generation).toBe(1);
  });

  it('prunes unknown fields but keeps those under preserve-unknown-fields', () => {
    const { s } = setup();
    s.create(crd());
    const w = s.create({ ...widget('a', { workload: { bogus: 1 }, unknown: 'x', extra: { free: { form: true } } }), topLevel: 'gone' });
    expect(w.spec).toEqual({ replicas: 1, mode: 'safe', workload: {}, extra: { free: { form: true } } });
    expect(w.topLevel).toBeUndefined();
  });

  it('answers 422 with every cause and dotted field paths (map keys as segments, indexes as [i])', () => {
    const { s } = setup();
    s.create(crd());
    const e = thrown(() =>
      s.create(
        widget('bad', {
          replicas: -1,
          mode: 'turbo',
          workload: { containers: { main: { image: '' }, side: {} }, ports: [{ port: 80 }, { port: 70000 }, { port: 'http' }] },
        }),
      ),
    );
    expect(e.code).toBe(422);
    const causes = e.status.details?.causes ?? [];
    const byField = Object.fromEntries(causes.map((c) => [c.field, c]));
    expect(byField['spec.replicas']).toMatchObject({ reason: 'FieldValueInvalid', message: 'Invalid value: -1: spec.replicas in body should be greater than or equal to 0' });
    expect(byField['spec.mode']).toMatchObject({ reason: 'FieldValueNotSupported', message: 'Unsupported value: "turbo": supported values: "fast", "safe"' });
    expect(byField['spec.workload.containers.main.image'].reason).toBe('FieldValueInvalid');
    expect(byField['spec.workload.containers.side.image']).toMatchObject({ reason: 'FieldValueRequired', message: 'Required value' });
    expect(byField['spec.workload.ports[1].port'].message).toContain('should be less than or equal to 65535');
    expect(byField['spec.workload.ports[2].port']).toMatchObject({ reason: 'FieldValueTypeInvalid', message: 'Invalid value: "string": spec.workload.ports[2].port in body must be of type integer: "string"' });
    expect(causes).toHaveLength(6);
    expect(e.message.startsWith('Widget.example.dev "bad" is invalid: ')).toBe(true);
    expect(e.message).toContain('spec.workload.containers.side.image: Required value');
  });

  it('reports a missing required object field', () => {
    const { s } = setup();
    s.create(crd());
    const e = thrown(() => s.create(widget('a', {})));
    expect(e.status.details?.causes).toEqual([{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.workload' }]);
  });

  it('accepts null for nullable fields and int-or-string values', () => {
    const { s } = setup();
    s.create(crd());
    expect(s.create(widget('a', { workload: {}, note: null, port: 'http' })).spec.note).toBeNull();
    expect(s.create(widget('b', { workload: {}, port: 8080 })).spec.port).toBe(8080);
    expect(thrown(() => s.create(widget('c', { workload: {}, port: true }))).code).toBe(422);
  });

  it('requires metadata.resourceVersion on update', () => {
    const { s } = setup();
    s.create(crd());
    const w = s.create(widget('a', { workload: {} }));
    const e = thrown(() => s.update({ ...w, metadata: { name: 'a', namespace: 'default' } }));
    expect(e.code).toBe(422);
    expect(e.message).toBe('Widget.example.dev "a" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
  });

  it('validates updates and patches against the schema and bumps generation on spec changes only', () => {
    const { s } = setup();
    s.create(crd());
    let w = s.create(widget('a', { workload: {} }));
    w = s.update({ ...w, spec: { ...w.spec, replicas: 3 } });
    expect(w.metadata.generation).toBe(2);
    w = s.updateStatus({ ...w, status: { phase: 'Ready', observedGeneration: 2, junk: 1 } });
    expect(w.status).toEqual({ phase: 'Ready', observedGeneration: 2 });
    expect(w.metadata.generation).toBe(2);
    expect(thrown(() => s.patch(WIDGET, { namespace: 'default', name: 'a' }, 'merge', { spec: { replicas: 'x' } })).code).toBe(422);
    expect(thrown(() => s.updateStatus({ ...w, status: { phase: 5 } })).code).toBe(422);
  });

  it('keeps the stored status on a main-resource update', () => {
    const { s } = setup();
    s.create(crd());
    const w = s.create({ ...widget('a', { workload: {} }), status: { phase: 'Dropped' } });
    expect(w.status).toBeUndefined();
    const st = s.updateStatus({ ...w, status: { phase: 'Ready' } });
    const u = s.update({ ...st, status: { phase: 'Hacked' }, spec: { ...st.spec, replicas: 2 } });
    expect(u.status).toEqual({ phase: 'Ready' });
  });

  it('supports cluster-scoped custom resources and forbids a namespace on them', () => {
    const { s } = setup();
    s.create(crd({ scope: 'Cluster' }));
    const c = s.create({ ...WIDGET, metadata: { name: 'g' }, spec: { workload: {} } });
    expect(c.metadata.namespace).toBeUndefined();
    expect(thrown(() => s.create(widget('n', { workload: {} }))).status.details?.causes?.[0].field).toBe('metadata.namespace');
  });
});
