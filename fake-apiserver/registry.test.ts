import { describe, expect, it } from 'vitest';
import { StatusError } from './api/index.ts';
import { Registry, builtinKinds } from './registry.ts';

describe('Registry', () => {
  it('serves the built-in kinds with their scope, status subresource and generation', () => {
    const r = new Registry();
    expect(r.lookup({ apiVersion: 'v1', kind: 'Namespace' })).toMatchObject({ namespaced: false, statusSubresource: true, hasGeneration: false, plural: 'namespaces' });
    expect(r.lookup({ apiVersion: 'apps/v1', kind: 'Deployment' })).toMatchObject({ group: 'apps', version: 'v1', namespaced: true, statusSubresource: true, hasGeneration: true, listKind: 'DeploymentList' });
    expect(r.lookup({ apiVersion: 'v1', kind: 'ConfigMap' })).toMatchObject({ statusSubresource: false, hasGeneration: false });
    expect(r.lookup({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' }).namespaced).toBe(false);
    expect(builtinKinds.map((k) => k.kind)).toContain('EndpointSlice');
  });

  it('throws 404 naming the kind for an unknown kind or version', () => {
    const r = new Registry();
    let err: unknown;
    try {
      r.lookup({ apiVersion: 'apps/v2', kind: 'Deployment' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).message).toBe('the server could not find the requested resource (kind Deployment in apiVersion apps/v2)');
    expect((err as StatusError).code).toBe(404);
  });

  it('registers and unregisters the versions of a CRD', () => {
    const r = new Registry();
    const base = { group: 'x.io', kind: 'W', plural: 'ws', listKind: 'WList', namespaced: true, statusSubresource: false, hasGeneration: true, custom: true, storageApiVersion: 'x.io/v1' };
    r.registerCrd('ws.x.io', [
      { ...base, version: 'v1', apiVersion: 'x.io/v1' },
      { ...base, version: 'v2', apiVersion: 'x.io/v2' },
    ]);
    expect(r.lookup({ apiVersion: 'x.io/v2', kind: 'W' }).crdName).toBe('ws.x.io');
    r.registerCrd('ws.x.io', [{ ...base, version: 'v1', apiVersion: 'x.io/v1' }]);
    expect(r.tryLookup({ apiVersion: 'x.io/v2', kind: 'W' })).toBeUndefined();
    expect(r.unregisterCrd('ws.x.io')).toHaveLength(1);
    expect(r.tryLookup({ apiVersion: 'x.io/v1', kind: 'W' })).toBeUndefined();
  });

  it('finds a kind by group, version and plural (a request path), following CRD changes', () => {
    const r = new Registry();
    expect(r.tryLookupResource('apps', 'v1', 'deployments')).toBe(r.lookup({ apiVersion: 'apps/v1', kind: 'Deployment' }));
    expect(r.tryLookupResource('', 'v1', 'namespaces')?.kind).toBe('Namespace');
    expect(r.tryLookupResource('apps', 'v1', 'deployment')).toBeUndefined();
    expect(r.tryLookupResource('x.io', 'v1', 'ws')).toBeUndefined();
    const base = { group: 'x.io', kind: 'W', plural: 'ws', listKind: 'WList', namespaced: true, statusSubresource: false, hasGeneration: true, custom: true, storageApiVersion: 'x.io/v1' };
    r.registerCrd('ws.x.io', [
      { ...base, version: 'v1', apiVersion: 'x.io/v1' },
      { ...base, version: 'v2', apiVersion: 'x.io/v2' },
    ]);
    expect(r.tryLookupResource('x.io', 'v2', 'ws')).toBe(r.lookup({ apiVersion: 'x.io/v2', kind: 'W' }));
    r.registerCrd('ws.x.io', [{ ...base, version: 'v1', apiVersion: 'x.io/v1' }]);
    expect(r.tryLookupResource('x.io', 'v2', 'ws')).toBeUndefined();
    expect(r.tryLookupResource('x.io', 'v1', 'ws')?.crdName).toBe('ws.x.io');
    r.unregisterCrd('ws.x.io');
    expect(r.tryLookupResource('x.io', 'v1', 'ws')).toBeUndefined();
    // Every served kind is found under its own path.
    for (const info of r.all()) expect(r.tryLookupResource(info.group, info.version, info.plural)).toBe(info);
  });
});
