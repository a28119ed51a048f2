import { describe, expect, it } from 'vitest';
import { builtinKinds } from '../registry.ts';
import { builtinSchemas, referencedComponents } from './builtin.ts';
import type { JsonSchema } from './builtin.ts';
import { DtsShapeError, parseDts, parseType } from './dts.ts';
import { unknownFieldPruner } from './fields.ts';

const schemas = builtinSchemas(builtinKinds);
const C = schemas.components;
const props = (name: string) => C[name].properties as Record<string, JsonSchema>;

describe('parseType / parseDts (kubernetes-models declaration files)', () => {
  it('reads the type expressions the generator writes', () => {
    expect(parseType('Array<IIoK8sApiCoreV1Container>')).toEqual({ t: 'array', items: { t: 'ref', name: 'IIoK8sApiCoreV1Container' } });
    expect(parseType('{ [key: string]: string; }')).toEqual({ t: 'map', values: { t: 'string' } });
    expect(parseType('"Always" | "Never"')).toEqual({ t: 'union', of: [{ t: 'literal', value: 'Always' }, { t: 'literal', value: 'Never' }] });
    expect(parseType('Array<"" | "IPv4">')).toEqual({ t: 'array', items: { t: 'union', of: [{ t: 'literal', value: '' }, { t: 'literal', value: 'IPv4' }] } });
  });

  it('throws, naming the file, on anything outside the generated shape', () => {
    expect(() => parseType('Partial<X>', 'x.d.ts')).toThrow(DtsShapeError);
    expect(() => parseDts('export interface IX {}\n', 'x.d.ts')).toThrow(/x\.d\.ts: not a kubernetes-models definition file/);
  });

  it('keeps member descriptions, optional markers and multi-line map types', () => {
    const dts = parseDts(
      [
        'import { IIoK8sApiCoreV1PodSpec } from "./PodSpec.js";',
        '/**',
        ' * A thing.',
        ' */',
        'export interface IThing {',
        '    /**',
        '     * First line.',
        '     *',
        '     * Second paragraph.',
        '     */',
        '    "spec": IIoK8sApiCoreV1PodSpec;',
        '    "labels"?: {',
        '        [key: string]: string;',
        '    };',
        '}',
        'export type { IThing as IIoK8sApiCoreV1Thing, Thing as IoK8sApiCoreV1Thing };',
      ].join('\n'),
      'Thing.d.ts',
    );
    expect(dts).toMatchObject({ localName: 'IThing', exportName: 'IoK8sApiCoreV1Thing', description: 'A thing.' });
    expect(dts.decl).toEqual({
      kind: 'interface',
      typeMeta: false,
      members: [
        { name: 'spec', optional: false, description: 'First line.\n\nSecond paragraph.', type: { t: 'ref', name: 'IIoK8sApiCoreV1PodSpec' } },
        { name: 'labels', optional: true, description: undefined, type: { t: 'map', values: { t: 'string' } } },
      ],
    });
    expect(dts.imports.get('IIoK8sApiCoreV1PodSpec')).toBe('./PodSpec.js');
  });
});

describe('builtinSchemas', () => {
  it('names every served kind as upstream does and tags it with its group-version-kind', () => {
    expect(schemas.kinds.get('apps/v1/Deployment')).toBe('io.k8s.api.apps.v1.Deployment');
    expect(schemas.kinds.get('/v1/Pod')).toBe('io.k8s.api.core.v1.Pod');
    expect(schemas.kinds.get('apiextensions.k8s.io/v1/CustomResourceDefinition')).toBe('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition');
    expect(schemas.kinds.get('coordination.k8s.io/v1/Lease')).toBe('io.k8s.api.coordination.v1.Lease');
    for (const info of builtinKinds) {
      const name = schemas.kinds.get(`${info.group}/${info.version}/${info.kind}`);
      expect(name, info.kind).toBeDefined();
      expect(C[name!]['x-kubernetes-group-version-kind']).toEqual([{ group: info.group, kind: info.kind, version: info.version }]);
    }
  });

  it('carries upstream descriptions, required fields, enums and references wrapped in allOf', () => {
    const spec = props('io.k8s.api.apps.v1.DeploymentSpec');
    expect(C['io.k8s.api.apps.v1.DeploymentSpec'].required).toEqual(['selector', 'template']);
    expect(spec.replicas).toMatchObject({ type: 'integer', description: expect.stringContaining('Defaults to 1') });
    expect(spec.template).toMatchObject({ allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec' }] });
    expect(props('io.k8s.api.core.v1.PodSpec').restartPolicy).toMatchObject({ type: 'string', enum: ['Always', 'Never', 'OnFailure'] });
    expect(props('io.k8s.api.core.v1.PodSpec').containers).toMatchObject({ type: 'array', items: { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' } });
    expect(props('io.k8s.api.core.v1.PodSpec').nodeSelector).toMatchObject({ type: 'object', additionalProperties: { type: 'string' } });
    expect(C['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({ type: 'string', format: 'int-or-string' });
    expect(C['io.k8s.apimachinery.pkg.apis.meta.v1.Time']).toMatchObject({ type: 'string', format: 'date-time' });
    expect(props('io.k8s.api.apps.v1.Deployment').apiVersion.description).toMatch(/^APIVersion defines the versioned schema/);
    expect(C['io.k8s.api.apps.v1.Deployment'].required).toBeUndefined();
  });

  it('resolves every reference to a component that exists', () => {
    const all = referencedComponents(C, Object.keys(C));
    expect(all).toEqual(Object.keys(C).sort());
    const refs = JSON.stringify(C).match(/#\/components\/schemas\/[^"]+/g) ?? [];
    for (const r of new Set(refs)) expect(C[r.slice('#/components/schemas/'.length)], r).toBeDefined();
  });

  it('gives a group-version the closure of its kinds (ObjectMeta, PodSpec, Quantity …) and nothing unrelated', () => {
    const apps = referencedComponents(C, ['io.k8s.api.apps.v1.Deployment']);
    expect(apps).toContain('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    expect(apps).toContain('io.k8s.api.core.v1.PodSpec');
    expect(apps).toContain('io.k8s.apimachinery.pkg.api.resource.Quantity');
    expect(apps).not.toContain('io.k8s.api.batch.v1.JobSpec');
  });
});

describe('unknownFieldPruner', () => {
  it('drops and reports fields the upstream type lacks, at any depth, leaving maps and free-form objects alone', () => {
    const prune = unknownFieldPruner(schemas, 'apps', 'v1', 'Deployment')!;
    const obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'a', labels: { anything: 'goes' }, managedFields: [{ fieldsV1: { 'f:spec': { 'f:x': {} } } }], bogus: 1 },
      spec: {
        replicass: 2,
        selector: { matchLabels: { app: 'a' } },
        template: { spec: { containers: [{ name: 'c', image: 'i', imagee: 'x', resources: { limits: { cpu: '1' } } }], nodeSelector: { zone: 'a' } } },
      },
      status: { replicas: 1, extra: true },
    };
    expect(prune(obj)).toEqual(['metadata.bogus', 'spec.replicass', 'spec.template.spec.containers[0].imagee', 'status.extra']);
    expect(obj.spec).not.toHaveProperty('replicass');
    expect(obj.spec.template.spec.containers[0]).toEqual({ name: 'c', image: 'i', resources: { limits: { cpu: '1' } } });
    expect(obj.metadata.managedFields[0].fieldsV1).toEqual({ 'f:spec': { 'f:x': {} } });
  });

  it('walks recursive types (a CRD schema inside a CustomResourceDefinition)', () => {
    const prune = unknownFieldPruner(schemas, 'apiextensions.k8s.io', 'v1', 'CustomResourceDefinition')!;
    const crd = {
      spec: {
        group: 'x.io',
        versions: [{ name: 'v1', schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, typo: 1 } } } } }],
      },
    };
    expect(prune(crd)).toEqual(['spec.versions[0].schema.openAPIV3Schema.properties.spec.typo']);
  });

  it('leaves frozen (stored) parts alone: they were checked when written', () => {
    const prune = unknownFieldPruner(schemas, '', 'v1', 'ConfigMap')!;
    expect(prune({ metadata: Object.freeze({ name: 'a', odd: 1 }), data: {} })).toEqual([]);
    expect(unknownFieldPruner(schemas, 'x.io', 'v1', 'Widget')).toBeUndefined();
  });
});
