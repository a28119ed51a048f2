import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/index.ts';
import { notFound } from '../api/index.ts';
import { ApiServer } from '../apiserver.ts';
import { manualClock } from '../testing/manual-clock.ts';
import type { VirtualResourceProvider } from '../virtual/index.ts';
import { AGGREGATED_DISCOVERY_TYPE } from './discovery.ts';
import { startHttpServer } from './server.ts';
import type { RunningHttpServer } from './server.ts';
import { wireCall } from './testing/wire.ts';

/** A provider of two namespaced objects computed on read (an aggregated API's resource, as metrics-server's pods). */
const samples: VirtualResourceProvider = {
  group: 'example.io',
  version: 'v1beta1',
  kind: 'Sample',
  plural: 'samples',
  namespaced: true,
  get: (namespace, name) => {
    const found = samples.list(namespace).find((o) => o.metadata.name === name);
    if (!found) throw notFound('samples', 'example.io', `${namespace}/${name}`);
    return found;
  },
  list: (namespace) =>
    [
      { apiVersion: 'example.io/v1beta1', kind: 'Sample', metadata: { name: 'b', namespace: 'ns', labels: { app: 'x' } }, value: '2' },
      { apiVersion: 'example.io/v1beta1', kind: 'Sample', metadata: { name: 'a', namespace: 'ns', labels: { app: 'y' } }, value: '1' },
      { apiVersion: 'example.io/v1beta1', kind: 'Sample', metadata: { name: 'c', namespace: 'other' }, value: '3' },
    ].filter((o) => namespace === undefined || o.metadata.namespace === namespace) as KubeObject[],
  tableColumns: (objects) =>
    objects.length ? [{ name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', cell: (o) => o.metadata.name }, { name: 'Value', type: 'string', format: '', description: '', cell: (o) => o.value }] : [],
};

describe('HTTP front: resources of a provider (aggregated API)', () => {
  let api: ApiServer;
  let http: RunningHttpServer;
  let stop: () => void;
  beforeAll(async () => {
    api = new ApiServer({ clock: manualClock() });
    stop = api.serveVirtualResource(samples);
    http = await startHttpServer(api);
  });
  afterAll(async () => {
    await http.close();
  });
  const path = '/apis/example.io/v1beta1';

  it('is discovered with verbs get and list, no singular name, in legacy and aggregated discovery', async () => {
    const list = await wireCall(http.url, 'GET', path);
    expect(list.json.resources).toEqual([{ name: 'samples', singularName: '', namespaced: true, kind: 'Sample', verbs: ['get', 'list'] }]);
    const agg = await wireCall(http.url, 'GET', '/apis', undefined, 'application/json', { accept: AGGREGATED_DISCOVERY_TYPE });
    const group = (agg.json.items as { metadata: { name: string }; versions: { resources: unknown[] }[] }[]).find((i) => i.metadata.name === 'example.io');
    expect(group?.versions[0]?.resources).toEqual([{ resource: 'samples', responseKind: { group: 'example.io', version: 'v1beta1', kind: 'Sample' }, scope: 'Namespaced', singularResource: '', verbs: ['get', 'list'] }]);
  });

  it('lists as a typed list (no resourceVersion, items without apiVersion and kind), sorted, with selectors; gets one; 404 from the provider', async () => {
    const all = await wireCall(http.url, 'GET', `${path}/samples`);
    expect(all.json).toEqual({
      kind: 'SampleList',
      apiVersion: 'example.io/v1beta1',
      metadata: {},
      items: [
        { metadata: { name: 'a', namespace: 'ns', labels: { app: 'y' } }, value: '1' },
        { metadata: { name: 'b', namespace: 'ns', labels: { app: 'x' } }, value: '2' },
        { metadata: { name: 'c', namespace: 'other' }, value: '3' },
      ],
    });
    const names = async (p: string) => ((await wireCall(http.url, 'GET', p)).json.items as { metadata: { name: string } }[]).map((i) => i.metadata.name);
    expect(await names(`${path}/namespaces/ns/samples`)).toEqual(['a', 'b']);
    expect(await names(`${path}/namespaces/ns/samples?labelSelector=app%3Dx`)).toEqual(['b']);
    expect(await names(`${path}/samples?fieldSelector=metadata.namespace%3Dother`)).toEqual(['c']);
    expect((await wireCall(http.url, 'GET', `${path}/samples?fieldSelector=value%3D1`)).json).toMatchObject({ code: 400, message: 'field label not supported: value' });
    expect((await wireCall(http.url, 'GET', `${path}/namespaces/ns/samples/a`)).json).toEqual({ apiVersion: 'example.io/v1beta1', kind: 'Sample', metadata: { name: 'a', namespace: 'ns', labels: { app: 'y' } }, value: '1' });
    expect((await wireCall(http.url, 'GET', `${path}/namespaces/ns/samples/z`)).json).toMatchObject({ code: 404, message: 'samples.example.io "ns/z" not found' });
  });

  it('answers Tables with the provider columns, none for an empty list', async () => {
    const accept = { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' };
    const t = await wireCall(http.url, 'GET', `${path}/namespaces/ns/samples`, undefined, 'application/json', accept);
    expect(t.json.metadata).toEqual({});
    expect((t.json.columnDefinitions as { name: string }[]).map((c) => c.name)).toEqual(['Name', 'Value']);
    expect((t.json.rows as { cells: unknown[] }[]).map((r) => r.cells)).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    const empty = await wireCall(http.url, 'GET', `${path}/namespaces/ns/samples?labelSelector=app%3Dnone`, undefined, 'application/json', accept);
    expect(empty.json).toMatchObject({ kind: 'Table', columnDefinitions: [], rows: [] });
  });

  it('refuses watch, writes and deletes with 405, in process and over HTTP', async () => {
    expect((await wireCall(http.url, 'GET', `${path}/samples?watch=true`)).json).toMatchObject({ code: 405, reason: 'MethodNotAllowed', message: 'watch is not supported on resources of kind "samples.example.io"' });
    expect((await wireCall(http.url, 'POST', `${path}/namespaces/ns/samples`, { metadata: { name: 'n' } })).json).toMatchObject({ code: 405, message: 'the server does not allow this method on the requested resource' });
    expect((await wireCall(http.url, 'DELETE', `${path}/namespaces/ns/samples/a`)).status).toBe(405);
    const type = { apiVersion: 'example.io/v1beta1', kind: 'Sample' };
    expect(() => api.create({ ...type, metadata: { name: 'n', namespace: 'ns' } })).toThrow('create is not supported on resources of kind "samples.example.io"');
    expect(() => api.apply({ ...type, metadata: { name: 'n', namespace: 'ns' } }, { fieldManager: 'm' })).toThrow(/not supported/);
    expect(() => api.delete(type, { namespace: 'ns', name: 'a' })).toThrow('delete is not supported on resources of kind "samples.example.io"');
    expect(() => api.watch(type, {}, () => {})).toThrow('watch is not supported on resources of kind "samples.example.io"');
    expect(api.get(type, { namespace: 'ns', name: 'b' }).value).toBe('2');
  });

  it('stops being served when the provider is removed', async () => {
    stop();
    expect((await wireCall(http.url, 'GET', `${path}/samples`)).status).toBe(404);
    expect((await wireCall(http.url, 'GET', path)).status).toBe(404);
  });
});
