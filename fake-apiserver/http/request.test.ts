import { describe, expect, it } from 'vitest';
import { acceptKind, parseRequest } from './request.ts';
import type { ApiRequest, RawRequest, ResourceRequest } from './request.ts';

const req = (method: string, url: string, extra: Partial<RawRequest> = {}): ApiRequest => parseRequest({ method, url, headers: {}, body: '', ...extra });
const resource = (r: ApiRequest): ResourceRequest => {
  if (r.kind !== 'resource') throw new Error(`expected a resource request, got ${JSON.stringify(r)}`);
  return r;
};
const errorOf = (r: ApiRequest) => {
  if (r.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  return r.error.status;
};

describe('parseRequest: paths', () => {
  it('routes /version, health checks and OpenAPI', () => {
    expect(req('GET', '/version')).toEqual({ kind: 'version' });
    expect(req('GET', '/readyz?verbose')).toEqual({ kind: 'health', path: 'readyz', search: 'verbose' });
    expect(req('GET', '/livez/etcd')).toEqual({ kind: 'health', path: 'livez', check: 'etcd' });
    // pods|services proxy: any depth, the query kept for the backend, authorized by the HTTP method's verb.
    expect(req('POST', '/api/v1/namespaces/ns/services/http:web:80/proxy/a/b?limit=x')).toMatchObject({ kind: 'resource', verb: 'create', resource: 'services', namespace: 'ns', name: 'http:web:80', subresource: 'proxy', proxy: { path: '/a/b', search: 'limit=x' } });
    expect(req('GET', '/api/v1/namespaces/ns/pods/p:8080/proxy')).toMatchObject({ verb: 'get', resource: 'pods', name: 'p:8080', subresource: 'proxy', proxy: { path: '/', search: '' } });
    expect(req('GET', '/api/v1/namespaces/ns/configmaps/c/proxy/x')).toMatchObject({ kind: 'error' });
    expect(req('GET', '/livez')).toEqual({ kind: 'health', path: 'livez' });
    expect(req('GET', '/openapi/v3')).toEqual({ kind: 'openapi-v3-index' });
    expect(req('GET', '/openapi/v3/apis/apps/v1?hash=AB')).toEqual({ kind: 'openapi-v3-doc', path: 'apis/apps/v1' });
    expect(req('GET', '/openapi/v2')).toEqual({ kind: 'openapi-v2' });
  });

  it('routes discovery documents and reads the aggregated-discovery Accept', () => {
    expect(req('GET', '/api')).toEqual({ kind: 'discovery', doc: 'core-versions', accept: 'json' });
    expect(req('GET', '/apis', { headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' } })).toEqual({
      kind: 'discovery',
      doc: 'group-list',
      accept: 'aggregated-discovery',
    });
    expect(req('GET', '/apis/apps')).toMatchObject({ kind: 'discovery', doc: 'group', group: 'apps' });
    expect(req('GET', '/api/v1')).toMatchObject({ kind: 'discovery', doc: 'resource-list', group: '', version: 'v1' });
    expect(req('GET', '/apis/apps/v1')).toMatchObject({ kind: 'discovery', doc: 'resource-list', group: 'apps', version: 'v1' });
  });

  it('parses namespaced, cluster-scoped and cross-namespace resource paths', () => {
    expect(resource(req('GET', '/api/v1/namespaces/default/configmaps/a'))).toMatchObject({ verb: 'get', group: '', version: 'v1', resource: 'configmaps', namespace: 'default', name: 'a' });
    expect(resource(req('GET', '/api/v1/configmaps'))).toMatchObject({ verb: 'list', resource: 'configmaps' });
    expect(resource(req('GET', '/api/v1/configmaps')).namespace).toBeUndefined();
    expect(resource(req('GET', '/apis/apps/v1/namespaces/ns1/deployments/web/scale'))).toMatchObject({ group: 'apps', resource: 'deployments', name: 'web', subresource: 'scale' });
    expect(resource(req('GET', '/api/v1/nodes/n1/status'))).toMatchObject({ resource: 'nodes', name: 'n1', subresource: 'status' });
  });

  it('tells Namespace objects (and their status) from namespaced paths', () => {
    expect(resource(req('GET', '/api/v1/namespaces'))).toMatchObject({ verb: 'list', resource: 'namespaces' });
    expect(resource(req('GET', '/api/v1/namespaces/team-a'))).toMatchObject({ verb: 'get', resource: 'namespaces', name: 'team-a' });
    const st = resource(req('PUT', '/api/v1/namespaces/team-a/status', { body: '{}', headers: { 'content-type': 'application/json' } }));
    expect(st).toMatchObject({ verb: 'update', resource: 'namespaces', name: 'team-a', subresource: 'status' });
    expect(st.namespace).toBeUndefined();
    expect(resource(req('GET', '/api/v1/namespaces/team-a/pods'))).toMatchObject({ verb: 'list', resource: 'pods', namespace: 'team-a' });
  });

  it('reads paths as the WHATWG URL parser does: dot segments, percent-encoding, fragments, empty segments', () => {
    expect(resource(req('GET', '/api/v1/namespaces/x/../default/configmaps/./a'))).toMatchObject({ verb: 'get', namespace: 'default', resource: 'configmaps', name: 'a' });
    expect(resource(req('GET', '/api/v1/namespaces/x/%2e%2e/default/configmaps'))).toMatchObject({ verb: 'list', namespace: 'default' });
    expect(resource(req('GET', '/api/v1/namespaces/d/configmaps/a/..'))).toMatchObject({ verb: 'list', namespace: 'd' });
    expect(resource(req('GET', '/api/v1/namespaces/d/configmaps/a/.'))).toMatchObject({ verb: 'get', name: 'a' });
    expect(resource(req('GET', '/api/v1/namespaces/d/configmaps/a%3Ab'))).toMatchObject({ name: 'a:b' });
    expect(resource(req('GET', '/api//v1/namespaces/d//configmaps/.a..b'))).toMatchObject({ namespace: 'd', name: '.a..b' });
    expect(resource(req('GET', '/api/v1/namespaces/d/configmaps?labelSelector=a%3Db#limit=1')).query).toEqual({ labelSelector: 'a=b' });
    expect(resource(req('GET', '/api/v1/namespaces/d/configmaps#x')).verb).toBe('list');
    expect(resource(req('GET', 'http://localhost:6443/api/v1/namespaces/d/configmaps?limit=2')).query).toEqual({ limit: 2 });
    expect(resource(req('GET', '/api/v1/namespaces/d/configmaps?')).query).toEqual({});
  });

  it('answers the upstream 404 for paths no handler serves', () => {
    for (const url of ['/', '/foo', '/api/v2', '/api/v1/namespaces/a/configmaps/b/log', '/apis/apps/v1/namespaces/a/deployments/b/log', '/api/v1/a/b/c/d/e'])
      expect(errorOf(req('GET', url))).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the server could not find the requested resource',
        reason: 'NotFound',
        code: 404,
        details: {},
      });
  });
});

describe('parseRequest: pods/log', () => {
  it('parses the log subresource of a pod with its PodLogOptions', () => {
    const r = req('GET', '/api/v1/namespaces/a/pods/b/log?container=app&tailLines=2&previous=true');
    expect(r).toMatchObject({ kind: 'resource', verb: 'get', resource: 'pods', name: 'b', subresource: 'log', query: { container: 'app', tailLines: 2, previous: true } });
    expect(errorOf(req('GET', '/api/v1/namespaces/a/pods/b/log?tailLines=x'))).toMatchObject({ code: 400 });
    expect(errorOf(req('DELETE', '/api/v1/namespaces/a/pods/b/log'))).toMatchObject({ code: 405 });
  });
});

describe('parseRequest: verbs', () => {
  it('maps methods to verbs on collections and objects', () => {
    const json = { headers: { 'content-type': 'application/json' }, body: '{"metadata":{"name":"a"}}' };
    expect(resource(req('GET', '/api/v1/namespaces/d/configmaps?watch=true')).verb).toBe('watch');
    expect(resource(req('GET', '/api/v1/namespaces/d/configmaps?watch=1')).verb).toBe('watch');
    expect(resource(req('GET', '/api/v1/watch/namespaces/d/configmaps')).verb).toBe('watch');
    expect(resource(req('POST', '/api/v1/namespaces/d/configmaps', json)).verb).toBe('create');
    expect(resource(req('PUT', '/api/v1/namespaces/d/configmaps/a', json)).verb).toBe('update');
    expect(resource(req('DELETE', '/api/v1/namespaces/d/configmaps/a')).verb).toBe('delete');
    expect(resource(req('DELETE', '/api/v1/namespaces/d/configmaps')).verb).toBe('deletecollection');
  });

  it('turns a watch of one named object into a field selector on the collection', () => {
    const r = resource(req('GET', '/api/v1/watch/namespaces/d/configmaps/a?fieldSelector=metadata.namespace%3Dd'));
    expect(r).toMatchObject({ verb: 'watch', resource: 'configmaps' });
    expect(r.name).toBeUndefined();
    expect(r.query.fieldSelector).toBe('metadata.namespace=d,metadata.name=a');
  });

  it('answers 405 MethodNotAllowed for POST on an object, PUT on a collection, unknown methods', () => {
    const json = { headers: { 'content-type': 'application/json' }, body: '{}' };
    for (const [m, url] of [
      ['POST', '/api/v1/namespaces/d/configmaps/a'],
      ['PUT', '/api/v1/namespaces/d/configmaps'],
      ['OPTIONS', '/api/v1/namespaces/d/configmaps'],
      ['POST', '/version'],
      ['DELETE', '/api'],
    ]) {
      const st = errorOf(req(m, url, json));
      expect(st.code).toBe(405);
      expect(st.reason).toBe('MethodNotAllowed');
      expect(st.message).toBe('the server does not allow this method on the requested resource');
    }
  });
});

describe('parseRequest: query, body, content types', () => {
  it('types every query parameter', () => {
    const r = resource(
      req(
        'GET',
        '/api/v1/namespaces/d/pods?watch=true&labelSelector=app%3Dweb%2Ctier!%3Dx&fieldSelector=spec.nodeName%3Dn1&resourceVersion=42&timeoutSeconds=30&allowWatchBookmarks=true&includeObject=Object',
      ),
    );
    expect(r.query).toEqual({
      labelSelector: 'app=web,tier!=x',
      fieldSelector: 'spec.nodeName=n1',
      resourceVersion: '42',
      watch: true,
      timeoutSeconds: 30,
      allowWatchBookmarks: true,
      includeObject: 'Object',
    });
    const w = resource(
      req('PATCH', '/apis/apps/v1/namespaces/d/deployments/a?dryRun=All&fieldManager=kubectl&force=true&fieldValidation=Strict', {
        headers: { 'content-type': 'application/apply-patch+yaml' },
        body: 'apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 2\n',
      }),
    );
    expect(w.query).toEqual({ dryRun: true, fieldManager: 'kubectl', force: true, fieldValidation: 'Strict' });
    expect(w.patchType).toBe('apply');
    expect(w.body).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 2 } });
    expect(resource(req('DELETE', '/api/v1/namespaces/d/pods/a?propagationPolicy=Foreground')).query).toEqual({ propagationPolicy: 'Foreground' });
  });

  it('refuses bad query values with 400 BadRequest', () => {
    for (const q of ['dryRun=Some', 'fieldValidation=Loud', 'propagationPolicy=Later', 'timeoutSeconds=-1', 'includeObject=All']) {
      const st = errorOf(req('DELETE', `/api/v1/namespaces/d/pods/a?${q}`));
      expect(st.code, q).toBe(400);
      expect(st.reason).toBe('BadRequest');
    }
  });

  it('maps PATCH content types to patch types and answers 415 for others', () => {
    const patch = (ct: string) => req('PATCH', '/api/v1/namespaces/d/configmaps/a', { headers: { 'content-type': ct }, body: '{}' });
    expect(resource(patch('application/merge-patch+json')).patchType).toBe('merge');
    expect(resource(patch('application/json-patch+json; charset=utf-8')).patchType).toBe('json');
    expect(resource(patch('application/strategic-merge-patch+json')).patchType).toBe('strategic');
    const st = errorOf(patch('application/json'));
    expect(st).toMatchObject({ code: 415, reason: 'UnsupportedMediaType' });
    expect(st.message).toContain('accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json');
    expect(errorOf(req('POST', '/api/v1/namespaces/d/configmaps', { headers: { 'content-type': 'text/plain' }, body: '{}' })).code).toBe(415);
  });

  it('answers 400 for a malformed or missing body', () => {
    const post = (body: string) => req('POST', '/api/v1/namespaces/d/configmaps', { headers: { 'content-type': 'application/json' }, body });
    expect(errorOf(post('{"metadata":'))).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(errorOf(post(''))).toMatchObject({ code: 400, reason: 'BadRequest', message: 'the request body is empty' });
    expect(resource(post('{"kind":"ConfigMap"}')).body).toEqual({ kind: 'ConfigMap' });
  });

  it('reads Table and aggregated discovery from Accept, in the client’s order', () => {
    expect(acceptKind('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json')).toBe('table');
    expect(acceptKind('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json')).toBe('aggregated-discovery');
    expect(acceptKind('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json')).toBe('json');
    expect(acceptKind('application/json, */*')).toBe('json');
    expect(acceptKind('')).toBe('json');
  });
});
