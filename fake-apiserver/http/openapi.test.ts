import { describe, expect, it } from 'vitest';
import { ApiServer } from '../apiserver.ts';
import { manualClock } from '../testing/manual-clock.ts';
import { loadOpenApiFormats, openApiV3Doc, openApiV3Index } from './openapi.ts';

type Doc = { paths: Record<string, unknown>; components: { schemas: Record<string, Record<string, unknown>> } };
const doc = (s: ApiServer, path: string) => openApiV3Doc(s, path) as Doc;

/** Every `$ref` in a document points at one of its own components. */
function danglingRefs(d: Doc): string[] {
  const refs = JSON.stringify(d).match(/#\/components\/schemas\/[^"]+/g) ?? [];
  return [...new Set(refs)].filter((r) => !d.components.schemas[r.slice('#/components/schemas/'.length)]);
}

const crd = {
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

describe('OpenAPI v3 documents', () => {
  it('publish each built-in kind of a group-version under its upstream name, self-contained', () => {
    const s = new ApiServer({ clock: manualClock() });
    const apps = doc(s, 'apis/apps/v1');
    expect(apps.components.schemas['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    expect(apps.components.schemas).toHaveProperty(['io.k8s.api.core.v1.PodSpec']);
    expect(apps.components.schemas).not.toHaveProperty(['io.k8s.api.core.v1.Service']);
    expect(danglingRefs(apps)).toEqual([]);
    const core = doc(s, 'api/v1');
    for (const kind of ['Pod', 'Service', 'ConfigMap', 'Namespace', 'Node', 'Secret', 'ServiceAccount', 'Event', 'Endpoints', 'PersistentVolumeClaim']) expect(core.components.schemas, kind).toHaveProperty([`io.k8s.api.core.v1.${kind}`]);
    expect(danglingRefs(core)).toEqual([]);
    expect(openApiV3Doc(s, 'apis/nope/v1')).toBeUndefined();
  });

  it('publish a custom resource with apiVersion, kind and metadata added, and rebuild only when the served kinds change', () => {
    const s = new ApiServer({ clock: manualClock() });
    const before = openApiV3Index(s) as { paths: Record<string, { serverRelativeURL: string }> };
    expect(before.paths).not.toHaveProperty(['apis/example.com/v1']);
    expect(openApiV3Doc(s, 'api/v1')).toBe(openApiV3Doc(s, 'api/v1'));
    s.create(crd);
    const widgets = doc(s, 'apis/example.com/v1');
    const widget = widgets.components.schemas['com.example.v1.Widget'] as { properties: Record<string, unknown> };
    expect(Object.keys(widget.properties)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(widget.properties.metadata).toMatchObject({ allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }] });
    expect(danglingRefs(widgets)).toEqual([]);
    const first = (openApiV3Index(s) as typeof before).paths['apis/example.com/v1'].serverRelativeURL;
    expect(first).toMatch(/^\/openapi\/v3\/apis\/example\.com\/v1\?hash=[0-9A-F]{128}$/);
    const live = s.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' }, { name: 'widgets.example.com' });
    const spec = structuredClone(crd.spec);
    spec.versions[0].schema.openAPIV3Schema.properties.spec.properties = { size: { type: 'integer' }, color: { type: 'string' } } as never;
    s.update({ ...live, spec });
    expect((openApiV3Index(s) as typeof before).paths['apis/example.com/v1'].serverRelativeURL).not.toBe(first);
    expect((openApiV3Index(s) as typeof before).paths['api/v1']).toEqual(before.paths['api/v1']);
  });

  it('carry integer formats and float types probed from the compiled validators once loaded', async () => {
    const s = new ApiServer({ clock: manualClock() });
    await loadOpenApiFormats();
    const props = (d: Doc, name: string) => d.components.schemas[name].properties as Record<string, Record<string, unknown>>;
    expect(props(doc(s, 'apis/apps/v1'), 'io.k8s.api.apps.v1.DeploymentSpec').replicas).toMatchObject({ type: 'integer', format: 'int32' });
    expect(props(doc(s, 'api/v1'), 'io.k8s.api.core.v1.PodSpec').terminationGracePeriodSeconds).toMatchObject({ type: 'integer', format: 'int64' });
    const jsonSchemaProps = props(doc(s, 'apis/apiextensions.k8s.io/v1'), 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps');
    expect(jsonSchemaProps.maximum).toMatchObject({ type: 'number', format: 'double' });
    expect(jsonSchemaProps.maxLength).toMatchObject({ type: 'integer', format: 'int64' });
    expect(props(doc(s, 'api/v1'), 'io.k8s.api.core.v1.ContainerPort').containerPort).toMatchObject({ type: 'integer', format: 'int32', description: expect.stringContaining('port') });
  });
});
