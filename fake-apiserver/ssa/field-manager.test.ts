/**
 * The field manager's shortcuts give exactly what the general set algebra gives: a create's entry
 * encoded in one walk (wholeFieldsV1) equals the compare-and-encode result, byte for byte, for
 * built-in kinds (status subresource, list-maps, sets, struct fields) and CRD schemas.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/index.ts';
import { updateManagedFields } from './field-manager.ts';
import { scopeFor } from './index.ts';
import type { FieldManagerScope } from './field-manager.ts';

const POD = { group: '', kind: 'Pod', statusSubresource: true };

/** A Pod as a ReplicaSet writes it (two containers, ports by containerPort+protocol, env, resources, a probe). */
const pod = (i: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: `web-7d9f8b6c5d-${i}`,
    namespace: 'ns',
    labels: { app: 'web', 'pod-template-hash': '7d9f8b6c5d' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f8b6c5d', uid: '00000000-0000-4000-8000-000000000001', controller: true, blockOwnerDeletion: true }],
  },
  spec: {
    containers: [
      { name: 'main', image: 'web:1', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { containerPort: 9090, protocol: 'UDP' }], env: [{ name: 'PORT', value: '8080' }], resources: { requests: { cpu: '100m' } }, readinessProbe: { httpGet: { path: '/healthz', port: 8080 } } },
      { name: 'log-shipper', image: 'shipper:2', resources: { requests: { cpu: '10m', memory: '32Mi' } } },
    ],
    restartPolicy: 'Always',
  },
});
const CM = { group: '', kind: 'ConfigMap', statusSubresource: false };
const DEPLOY = { group: 'apps', kind: 'Deployment', statusSubresource: true };
const CRD_KIND = {
  group: 'example.com',
  kind: 'Widget',
  statusSubresource: true,
  schema: {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          size: { type: 'integer' },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } } },
          config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          atomic: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { a: { type: 'string' } } },
        },
      },
      status: { type: 'object', properties: { ready: { type: 'boolean' } } },
    },
  },
};

/** The entries of a create through the general path: the same write compared with an object that has no fields (live is set, so no shortcut). */
function general(next: KubeObject, scope: FieldManagerScope) {
  return updateManagedFields({ live: { apiVersion: next.apiVersion, kind: next.kind, metadata: {} } as KubeObject, next, manager: 'creator', apiVersion: next.apiVersion, time: '2024-01-01T00:00:00Z', scope });
}

function created(next: KubeObject, scope: FieldManagerScope) {
  return updateManagedFields({ live: undefined, next, manager: 'creator', apiVersion: next.apiVersion, time: '2024-01-01T00:00:00Z', scope });
}

const cases: [string, { group: string; kind: string; statusSubresource: boolean; schema?: object }, KubeObject][] = [
  ['a realistic Pod (list-maps by name and by containerPort+protocol, status ignored)', POD, { ...pod(7), status: { phase: 'Pending' } }],
  ['a ConfigMap with labels, annotations and data', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', labels: { app: 'x', tier: 'web' }, annotations: { note: 'n' }, finalizers: ['b', 'a'] }, data: { b: '2', a: '1', empty: '' } }],
  ['a ConfigMap with empty and null fields', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', labels: {} }, data: {} } as KubeObject],
  ['a Deployment (struct fields with and without members)', DEPLOY, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns' }, spec: { replicas: 2, selector: { matchLabels: { app: 'd' } }, strategy: {}, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'b', image: 'b' }, { name: 'a', image: 'a', args: ['x', 'y'] }] } } } }],
  ['a Deployment whose list-map items lack their key (owned atomically)', DEPLOY, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns' }, spec: { template: { spec: { containers: [{ image: 'a' }, { image: 'b' }] } } } }],
  ['a custom resource (set, map list, preserved and atomic objects)', CRD_KIND, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ns' }, spec: { size: 3, tags: ['z', 'a'], ports: [{ name: 'web', port: 80 }, { name: 'api', port: 81 }], config: { deep: { x: [1, 2] } }, atomic: { a: 'b' } }, status: { ready: true } }],
  ['an object with nothing but identity (no entry)', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' } }],
];

describe('updateManagedFields on create', () => {
  it.each(cases)('encodes %s exactly as the general path does', (_, kind, obj) => {
    const scope = scopeFor(kind);
    const fast = created(obj, scope);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(general(obj, scope)));
  });

  it('owns the fields of a created Pod but not its status, apiVersion, kind or identity', () => {
    const [e] = created({ ...pod(1), status: { phase: 'Pending' } }, scopeFor(POD))!;
    expect(Object.keys(e.fieldsV1)).toEqual(['f:metadata', 'f:spec']);
    expect(Object.keys(e.fieldsV1['f:metadata'] as object)).toEqual(['f:labels', 'f:ownerReferences']);
    const containers = (e.fieldsV1['f:spec'] as Record<string, Record<string, unknown>>)['f:containers'];
    // Items by key, in key order; an item both owned and holding owned fields starts with `.`.
    expect(Object.keys(containers).filter((k) => k !== '.')).toEqual(['k:{"name":"log-shipper"}', 'k:{"name":"main"}']);
    expect(Object.keys(containers['k:{"name":"main"}'] as object)[0]).toBe('.');
  });

  it('records no entry when the object has only server-owned fields', () => {
    expect(created({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' } }, scopeFor(CM))).toBeUndefined();
  });
});

describe('updateManagedFields on update', () => {
  const scope = scopeFor(CM);
  const cm = (data: Record<string, string>, mf?: unknown): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', labels: { app: 'x' }, ...(mf ? { managedFields: mf } : {}) }, data }) as KubeObject;
  const write = (live: KubeObject, next: KubeObject, manager: string) => updateManagedFields({ live, next, manager, apiVersion: 'v1', time: `t-${manager}`, scope });

  it('keeps the entry of a manager owning none of the changed fields as it is, and moves changed fields to the writer', () => {
    const first = cm({ x: '1' });
    const created = created_(first);
    const live = cm({ x: '1' }, created);
    const mf = write(live, cm({ x: '1', y: '2' }), 'b')!;
    expect(mf[0]).toBe(created[0]);
    expect(mf.map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['a', { 'f:data': { '.': {}, 'f:x': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } }],
      ['b', { 'f:data': { 'f:y': {} } }],
    ]);
    // b now changes a's field: a loses it, b owns both.
    const again = write(cm({ x: '1', y: '2' }, mf), cm({ x: '3', y: '2' }), 'b')!;
    expect(again.map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['a', { 'f:data': {}, 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } }],
      ['b', { 'f:data': { 'f:x': {}, 'f:y': {} } }],
    ]);
  });

  function created_(o: KubeObject) {
    return updateManagedFields({ live: undefined, next: o, manager: 'a', apiVersion: 'v1', time: 't-a', scope })!;
  }
});
