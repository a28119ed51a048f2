import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiServer } from '../apiserver.ts';
import type { Clock } from '../api/index.ts';
import { startHttpServer } from './server.ts';
import type { RunningHttpServer } from './server.ts';

const wallClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), setTimer: (ms, fn) => ({ cancel: clearTimeout.bind(null, setTimeout(fn, ms)) }) };

let api: ApiServer;
let http: RunningHttpServer;
beforeAll(async () => {
  api = new ApiServer({ clock: wallClock });
  http = await startHttpServer(api, { port: 0, bookmarkIntervalMs: 50 });
});
afterAll(async () => {
  await http.close();
});

const call = async (method: string, path: string, body?: unknown, contentType = 'application/json', headers: Record<string, string> = {}) => {
  const res = await fetch(`${http.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': contentType } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, headers: res.headers, json };
};

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'], categories: ['all'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } }, status: { type: 'object', properties: { ready: { type: 'boolean' } } } } } },
      },
    ],
  },
};

/** Reads a watch stream until `until(events)` holds or the stream ends; returns the events. */
async function readWatch(path: string, until: (events: { type: string; object: Record<string, unknown> }[]) => boolean, onOpen?: () => void) {
  const res = await fetch(`${http.url}${path}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: { type: string; object: Record<string, unknown> }[] = [];
  let buf = '';
  onOpen?.();
  let ended = false;
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    buf += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
    }
  }
  if (!ended) await reader.cancel();
  return { events, ended };
}

describe('HTTP front: non-resource paths', () => {
  it('serves /version and the health checks', async () => {
    const v = await call('GET', '/version');
    expect(v.status).toBe(200);
    expect(v.json).toMatchObject({ major: '1', minor: '35', emulationMajor: '1', emulationMinor: '35', minCompatibilityMajor: '1', minCompatibilityMinor: '34', gitVersion: expect.stringMatching(/^v1\.35\./) });
    for (const p of ['/healthz', '/readyz', '/livez']) expect((await call('GET', p)).json).toEqual({ text: 'ok' });
    const verbose = await call('GET', '/readyz?verbose&exclude=etcd');
    expect((verbose.json as { text: string }).text).toMatch(/^\[\+\]ping ok\n\[\+\]log ok\n\[\+\]etcd excluded: ok\n\[\+\]etcd-readiness ok\n[\s\S]*\[\+\]shutdown ok\nreadyz check passed\n$/);
    expect((await call('GET', '/livez/poststarthook/rbac/bootstrap-roles')).json).toEqual({ text: 'ok' });
    expect((await call('GET', '/livez/nosuch')).status).toBe(404);
  });

  it('answers 404 with the upstream Status for unknown paths and unknown resources', async () => {
    for (const p of ['/nope', '/api/v1/namespaces/default/gizmos', '/apis/example.org/v1', '/api/v1/namespaces/default/nodes/n1']) {
      const r = await call('GET', p);
      expect(r.status, p).toBe(404);
      expect(r.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });
    }
  });

  it('answers 405 for methods a path does not serve', async () => {
    const r = await call('POST', '/api/v1/namespaces/default/configmaps/a', {});
    expect(r.status).toBe(405);
    expect(r.json).toMatchObject({ reason: 'MethodNotAllowed', code: 405 });
  });
});

describe('HTTP front: /openapi/v2', () => {
  it('answers JSON Swagger 2.0 with v2 references, and kubectl\'s protobuf form (swagger, info, no definitions)', async () => {
    const doc = (await call('GET', '/openapi/v2')).json as { swagger: string; definitions: Record<string, { properties?: Record<string, unknown> }> };
    expect(doc.swagger).toBe('2.0');
    expect(doc.definitions['io.k8s.api.core.v1.Pod']?.properties?.spec).toMatchObject({ $ref: '#/definitions/io.k8s.api.core.v1.PodSpec' });
    const res = await fetch(`${http.url}/openapi/v2`, { headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
    expect(res.headers.get('content-type')).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    const bytes = Buffer.from(await res.arrayBuffer());
    // field 1 "2.0"; field 2 Info{1: "Kubernetes", 2: "v1.35.0"}; field 8 empty Paths.
    expect(bytes.toString('hex')).toBe(`0a03${Buffer.from('2.0').toString('hex')}1215 0a0a${Buffer.from('Kubernetes').toString('hex')}1207${Buffer.from('v1.35.0').toString('hex')}4200`.replace(/ /g, ''));
  });
});

describe('HTTP front: CertificateSigningRequest', () => {
  const request = Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n').toString('base64');
  it('stamps the requesting user on create; /approval changes conditions only and refuses Approved beside Denied', async () => {
    const created = await call('POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'c1' }, spec: { request, signerName: 'example.com/x', usages: ['client auth'], username: 'someone-else' }, status: { certificate: 'eA==' } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ spec: { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] } });
    expect(created.json.status).toBeUndefined();
    const url = '/apis/certificates.k8s.io/v1/certificatesigningrequests/c1/approval';
    const approved = await call('PUT', url, { ...created.json, spec: { ...(created.json.spec as object), signerName: 'changed' }, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'R' }] } });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ spec: { signerName: 'example.com/x' }, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'R', lastTransitionTime: expect.stringMatching(/Z$/) }] } });
    const both = await call('PUT', url, { ...approved.json, status: { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] } });
    expect(both.status).toBe(422);
    expect(both.json.message).toBe('CertificateSigningRequest.certificates.k8s.io "c1" is invalid: status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive');
    const dropped = await call('PUT', url, { ...approved.json, status: { conditions: [] } });
    expect(dropped.json.message).toMatch(/status\.conditions: Forbidden: updates may not remove a condition of type "Approved"/);
    expect((await call('PUT', '/api/v1/namespaces/default/configmaps/x/approval', {})).status).toBe(404);
  });
});

describe('HTTP front: discovery', () => {
  it('serves APIVersions, APIGroupList, APIGroup and APIResourceList', async () => {
    expect((await call('GET', '/api')).json).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await call('GET', '/apis')).json as { groups: { name: string; preferredVersion: { groupVersion: string } }[] };
    expect(groups.groups.map((g) => g.name)).toEqual(['admissionregistration.k8s.io', 'apiextensions.k8s.io', 'apiregistration.k8s.io', 'apps', 'authentication.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch', 'certificates.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io']);
    expect((await call('GET', '/apis/apps')).json).toMatchObject({ kind: 'APIGroup', name: 'apps', preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } });
    const core = (await call('GET', '/api/v1')).json as { groupVersion: string; resources: Record<string, unknown>[] };
    expect(core.groupVersion).toBe('v1');
    expect(core.resources.find((r) => r.name === 'configmaps')).toMatchObject({ singularName: 'configmap', namespaced: true, kind: 'ConfigMap', shortNames: ['cm'], verbs: expect.arrayContaining(['create', 'get', 'list', 'watch', 'patch', 'update', 'delete']) });
    expect(core.resources.find((r) => r.name === 'pods')).toMatchObject({ categories: ['all'], shortNames: ['po'] });
    expect(core.resources.find((r) => r.name === 'pods/status')).toMatchObject({ kind: 'Pod', verbs: ['get', 'patch', 'update'] });
    expect(core.resources.find((r) => r.name === 'namespaces')).toMatchObject({ namespaced: false });
    expect(core.resources.find((r) => r.name === 'replicationcontrollers')).toMatchObject({ kind: 'ReplicationController', shortNames: ['rc'], categories: ['all'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] });
    const certs = (await call('GET', '/apis/certificates.k8s.io/v1')).json as { resources: Record<string, unknown>[] };
    expect(certs.resources.find((r) => r.name === 'certificatesigningrequests/approval')).toMatchObject({ kind: 'CertificateSigningRequest', verbs: ['get', 'patch', 'update'] });
    const apps = (await call('GET', '/apis/apps/v1')).json as { resources: Record<string, unknown>[] };
    expect(apps.resources.find((r) => r.name === 'deployments/scale')).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
  });

  it('serves aggregated discovery (apidiscovery.k8s.io/v2) when asked for it', async () => {
    const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
    const r = await call('GET', '/apis', undefined, undefined, { accept });
    expect(r.headers.get('content-type')).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const items = (r.json as { items: { metadata: { name: string }; versions: { version: string; resources: Record<string, unknown>[] }[] }[] }).items;
    const apps = items.find((i) => i.metadata.name === 'apps')!;
    expect(apps.versions[0].resources.find((x) => x.resource === 'deployments')).toMatchObject({
      responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      scope: 'Namespaced',
      singularResource: 'deployment',
      shortNames: ['deploy'],
      subresources: [
        { subresource: 'status', verbs: ['get', 'patch', 'update'] },
        { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' } },
      ],
    });
    const core = (await call('GET', '/api', undefined, undefined, { accept })).json as { items: { metadata: { name: string } }[] };
    expect(core.items.map((i) => i.metadata.name)).toEqual(['']);
  });

  it('follows a CRD from creation to deletion, with its names, in discovery and OpenAPI', async () => {
    expect((await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd)).status).toBe(201);
    const list = (await call('GET', '/apis/example.com/v1')).json as { resources: Record<string, unknown>[] };
    expect(list.resources[0]).toMatchObject({ name: 'widgets', singularName: 'widget', kind: 'Widget', shortNames: ['wd'], categories: ['all'], namespaced: true });
    expect(list.resources[1]).toMatchObject({ name: 'widgets/status' });
    const index = (await call('GET', '/openapi/v3')).json as { paths: Record<string, { serverRelativeURL: string }> };
    const url = index.paths['apis/example.com/v1'].serverRelativeURL;
    expect(url).toMatch(/^\/openapi\/v3\/apis\/example\.com\/v1\?hash=[0-9A-F]+$/);
    const doc = (await call('GET', url)).json as { paths: Record<string, { patch?: { parameters: { name: string }[]; 'x-kubernetes-group-version-kind': unknown } }> };
    const patch = doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'].patch!;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'example.com', version: 'v1', kind: 'Widget' });
    expect(patch.parameters.map((p) => p.name)).toContain('fieldValidation');
    expect((await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com')).status).toBe(200);
    expect((await call('GET', '/apis/example.com/v1')).status).toBe(404);
    expect(((await call('GET', '/openapi/v3')).json as { paths: object }).paths).not.toHaveProperty('apis/example.com/v1');
  });
});

describe('HTTP front: resources', () => {
  const cms = '/api/v1/namespaces/default/configmaps';

  it('creates (201), reads, updates, and deletes with a Status Success for built-ins', async () => {
    const c = await call('POST', cms, { metadata: { name: 'crud', labels: { app: 'x' } }, data: { a: '1' } });
    expect(c.status).toBe(201);
    expect(c.json).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'crud', namespace: 'default', uid: expect.any(String), resourceVersion: expect.any(String) } });
    const got = (await call('GET', `${cms}/crud`)).json as { metadata: { resourceVersion: string } };
    const put = await call('PUT', `${cms}/crud`, { ...got, data: { a: '2' } });
    expect(put.status).toBe(200);
    const stale = await call('PUT', `${cms}/crud`, { ...got, data: { a: '3' } });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on configmaps "crud": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'crud', kind: 'configmaps' },
    });
    const del = await call('DELETE', `${cms}/crud`);
    expect(del.status).toBe(200);
    expect(del.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name: 'crud', kind: 'configmaps', uid: expect.any(String) } });
    const missing = await call('GET', `${cms}/crud`);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'configmaps "crud" not found', reason: 'NotFound', details: { name: 'crud', group: '', kind: 'configmaps' }, code: 404 });
  });

  it('answers 422 Invalid with one cause per field, and 400 when body and URL disagree', async () => {
    const bad = await call('POST', cms, { metadata: { name: 'Not_Valid' } });
    expect(bad.status).toBe(422);
    expect(bad.json).toMatchObject({ reason: 'Invalid', details: { kind: 'ConfigMap', causes: [{ reason: 'FieldValueInvalid', field: 'metadata.name' }] } });
    const ns = await call('POST', cms, { metadata: { name: 'x', namespace: 'kube-system' } });
    expect(ns.status).toBe(400);
    expect(ns.json).toMatchObject({ reason: 'BadRequest', message: 'the namespace of the provided object does not match the namespace sent on the request' });
    const kind = await call('POST', cms, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } });
    expect(kind.status).toBe(400);
  });

  it('patches with merge, JSON patch and strategic merge on built-ins; 415 strategic on custom resources', async () => {
    await call('POST', cms, { metadata: { name: 'p' }, data: { a: '1' } });
    expect((await call('PATCH', `${cms}/p`, { data: { b: '2' } }, 'application/merge-patch+json')).json).toMatchObject({ data: { a: '1', b: '2' } });
    expect((await call('PATCH', `${cms}/p`, [{ op: 'remove', path: '/data/a' }], 'application/json-patch+json')).json).toMatchObject({ data: { b: '2' } });
    const smp = await call('PATCH', `${cms}/p`, { metadata: { labels: { l: 'v' }, finalizers: ['f'], '$deleteFromPrimitiveList/finalizers': ['f'] }, data: { c: '3' } }, 'application/strategic-merge-patch+json');
    expect(smp.status).toBe(200);
    expect(smp.json).toMatchObject({ metadata: { labels: { l: 'v' } }, data: { b: '2', c: '3' } });
    const failedTest = await call('PATCH', `${cms}/p`, [{ op: 'test', path: '/data/b', value: 'nope' }], 'application/json-patch+json');
    expect(failedTest.status).toBe(422);
    const badType = await call('PATCH', `${cms}/p`, { data: {} }, 'text/plain');
    expect(badType.status).toBe(415);
    expect(badType.json).toMatchObject({ reason: 'UnsupportedMediaType', code: 415 });

    await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd);
    await call('POST', '/apis/example.com/v1/namespaces/default/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } });
    const crSmp = await call('PATCH', '/apis/example.com/v1/namespaces/default/widgets/w', { spec: { size: 2 } }, 'application/strategic-merge-patch+json');
    expect(crSmp.status).toBe(415);
    expect(crSmp.json).toMatchObject({ reason: 'UnsupportedMediaType', message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml' });
    expect((await call('PATCH', '/apis/example.com/v1/namespaces/default/widgets/w/status', { status: { ready: true } }, 'application/merge-patch+json')).json).toMatchObject({ status: { ready: true }, spec: { size: 1 } });
    const del = await call('DELETE', '/apis/example.com/v1/namespaces/default/widgets/w');
    expect(del.json).toMatchObject({ kind: 'Widget', metadata: { name: 'w' } });
    await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
  });

  it('sends the in-process warnings as Warning: 299 headers', async () => {
    await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd);
    const r = await call('POST', '/apis/example.com/v1/namespaces/default/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'warn' }, spec: { size: 1, sise: 2, colour: 'red' } });
    expect(r.status).toBe(201);
    expect(r.headers.get('warning')).toBe('299 - "unknown field \\"spec.sise\\"", 299 - "unknown field \\"spec.colour\\""');
    const strict = await call('POST', '/apis/example.com/v1/namespaces/default/widgets?fieldValidation=Strict', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'strict' }, spec: { sise: 2 } });
    expect(strict.status).toBe(400);
    expect(strict.json.message).toContain('strict decoding error: unknown field "spec.sise"');
    await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
  });

  it('applies server-side (201 then 200; fieldManager required) and honours dryRun=All', async () => {
    const body = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  k: v\n';
    const noMgr = await call('PATCH', `${cms}/ssa`, body, 'application/apply-patch+yaml');
    expect(noMgr.status).toBe(400);
    expect(noMgr.json.message).toBe('PATCH, application/apply-patch+yaml requests require the fieldManager parameter');
    expect((await call('PATCH', `${cms}/ssa?fieldManager=test`, body, 'application/apply-patch+yaml')).status).toBe(201);
    const again = await call('PATCH', `${cms}/ssa?fieldManager=test&force=true`, body.replace('k: v', 'k: w'), 'application/apply-patch+yaml');
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ data: { k: 'w' }, metadata: { managedFields: [{ manager: 'test', operation: 'Apply' }] } });
    const rv = api.revision;
    expect((await call('POST', `${cms}?dryRun=All`, { metadata: { name: 'dry' } })).status).toBe(201);
    expect((await call('DELETE', `${cms}/ssa?dryRun=All`)).status).toBe(200);
    expect(api.revision).toBe(rv);
    expect((await call('GET', `${cms}/dry`)).status).toBe(404);
  });

  it('lists with label and field selectors, across namespaces, and as a Table', async () => {
    await call('POST', cms, { metadata: { name: 'sel-a', labels: { team: 'a' } } });
    await call('POST', '/api/v1/namespaces/kube-system/configmaps', { metadata: { name: 'sel-b', labels: { team: 'b' } } });
    const names = async (path: string) => ((await call('GET', path)).json as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name);
    expect(await names('/api/v1/configmaps?labelSelector=team')).toEqual(['sel-a', 'sel-b']);
    expect(await names('/api/v1/configmaps?labelSelector=team%3Db')).toEqual(['sel-b']);
    expect(await names(`${cms}?labelSelector=team`)).toEqual(['sel-a']);
    expect(await names('/api/v1/configmaps?fieldSelector=metadata.name%3Dsel-a')).toEqual(['sel-a']);
    const bad = await call('GET', '/api/v1/configmaps?fieldSelector=spec.x%3D1');
    expect(bad.status).toBe(400);
    const t = await call('GET', `${cms}?labelSelector=team`, undefined, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    expect(t.json).toMatchObject({
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      columnDefinitions: [{ name: 'Name', format: 'name' }, { name: 'Data', type: 'string' }, { name: 'Age', type: 'string' }],
      rows: [{ cells: ['sel-a', 0, expect.stringMatching(/^\d+s$/)], object: { kind: 'PartialObjectMetadata', metadata: { name: 'sel-a' } } }],
    });
  });

  it('serves /scale for Deployments: get, update with a resourceVersion precondition, patch', async () => {
    const deps = '/apis/apps/v1/namespaces/default/deployments';
    await call('POST', deps, { metadata: { name: 'web' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } } } } });
    const s = await call('GET', `${deps}/web/scale`);
    expect(s.json).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 2 }, status: { replicas: 0, selector: 'app=web' } });
    const put = await call('PUT', `${deps}/web/scale`, { ...s.json, spec: { replicas: 5 } });
    expect(put.json).toMatchObject({ spec: { replicas: 5 } });
    expect((await call('PUT', `${deps}/web/scale`, { ...s.json, spec: { replicas: 6 } })).status).toBe(409);
    expect((await call('PATCH', `${deps}/web/scale`, { spec: { replicas: 1 } }, 'application/merge-patch+json')).json).toMatchObject({ spec: { replicas: 1 } });
    expect((await call('GET', `${deps}/web`)).json).toMatchObject({ spec: { replicas: 1 }, metadata: { generation: 3 } });
    expect((await call('GET', '/api/v1/namespaces/default/configmaps/sel-a/scale')).status).toBe(404);
  });
});

describe('HTTP front: streaming lists (sendInitialEvents)', () => {
  it('sends the current objects as ADDED, then a bookmark annotated k8s.io/initial-events-end, then later events', async () => {
    const cms = '/api/v1/namespaces/default/configmaps';
    await call('POST', cms, { metadata: { name: 'stream-a', labels: { sl: '1' } } });
    // Periodic bookmarks (every 50 ms on this server) carry no annotation; they are left out.
    const marked = (ev: { type: string; object: Record<string, unknown> }[]) => ev.filter((e) => e.type !== 'BOOKMARK' || (e.object.metadata as { annotations?: unknown }).annotations);
    const read = await readWatch(`${cms}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=sl%3D1`, (ev) => marked(ev).length >= 3, () => {
      void call('POST', cms, { metadata: { name: 'stream-b', labels: { sl: '1' } } });
    });
    const events = marked(read.events);
    expect(events.map((e) => [e.type, (e.object.metadata as { name: string }).name])).toEqual([
      ['ADDED', 'stream-a'],
      ['BOOKMARK', ''],
      ['ADDED', 'stream-b'],
    ]);
    expect((events[1]!.object.metadata as { annotations?: Record<string, string> }).annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
  });

  it('refuses sendInitialEvents without resourceVersionMatch=NotOlderThan and bookmarks (422 ListOptions)', async () => {
    const r = await call('GET', '/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true');
    expect(r.status).toBe(422);
    expect(r.json.message).toContain('sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
  });
});

describe('HTTP front: watch', () => {
  const cms = '/api/v1/namespaces/default/configmaps';

  it('streams ADDED, MODIFIED, DELETED as JSON lines from a resourceVersion', async () => {
    const rv = String(api.revision);
    const { events } = await readWatch(`${cms}?watch=true&resourceVersion=${rv}&labelSelector=w%3D1`, (ev) => ev.length >= 3, () => {
      void (async () => {
        await call('POST', cms, { metadata: { name: 'watched', labels: { w: '1' } } });
        await call('PATCH', `${cms}/watched`, { data: { x: 'y' } }, 'application/merge-patch+json');
        await call('DELETE', `${cms}/watched`);
      })();
    });
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(events.map((e) => (e.object.metadata as { name: string }).name)).toEqual(['watched', 'watched', 'watched']);
  });

  it('ends the stream after timeoutSeconds, sending bookmarks when allowed', async () => {
    const t0 = Date.now();
    const { events, ended } = await readWatch(`${cms}?watch=1&timeoutSeconds=1&allowWatchBookmarks=true&resourceVersion=${api.revision}`, () => false);
    expect(ended).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e.type).toBe('BOOKMARK');
      expect(e.object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: String(api.revision) } });
    }
  });

  it('reports a compacted resourceVersion in-band: one ERROR event with a 410 Expired Status, then the end', async () => {
    await call('POST', cms, { metadata: { name: 'before-compaction' } });
    const old = api.revision - 1;
    api.compact();
    const { events, ended } = await readWatch(`${cms}?watch=true&resourceVersion=${old}`, () => false);
    expect(ended).toBe(true);
    expect(events).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired', message: `too old resource version: ${old} (${api.revision})` }) }]);
  });

  it('streams one-row Tables when the client asks for Tables (kubectl get -w), columns on the first event only', async () => {
    const res = await fetch(`${http.url}${cms}?watch=true&timeoutSeconds=1&fieldSelector=metadata.name%3Dsel-a`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } });
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { kind: string; columnDefinitions: unknown[]; rows: { cells: unknown[] }[] } });
    expect(lines).toHaveLength(1);
    expect(lines[0].type).toBe('ADDED');
    expect(lines[0].object.kind).toBe('Table');
    expect(lines[0].object.columnDefinitions.length).toBe(3);
    expect(lines[0].object.rows[0].cells[0]).toBe('sel-a');
  });

  it('refuses a watch with a bad selector before streaming', async () => {
    const r = await call('GET', `${cms}?watch=true&labelSelector=a%3D%3D%3Db`);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
  });
});

describe('HTTP front: authentication and binding', () => {
  it('requires the bearer token when one is set (not for /version and health)', async () => {
    const s = await startHttpServer(new ApiServer({ clock: wallClock }), { token: 'secret' });
    try {
      const denied = await fetch(`${s.url}/api/v1/namespaces`);
      expect(denied.status).toBe(401);
      expect(await denied.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
      expect((await fetch(`${s.url}/api/v1/namespaces`, { headers: { authorization: 'Bearer secret' } })).status).toBe(200);
      expect((await fetch(`${s.url}/version`)).status).toBe(200);
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('binds loopback only', async () => {
    await expect(startHttpServer(new ApiServer({ clock: wallClock }), { host: '0.0.0.0' as '127.0.0.1' })).rejects.toThrow(/loopback/);
    expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
