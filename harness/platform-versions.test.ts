import { describe, expect, it } from 'vitest';
import { ApiServer, StatusError } from '../fake-apiserver/index.ts';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { manualClock } from '../fake-apiserver/testing/manual-clock.ts';
import { LATTICE_V1ALPHA1, LATTICE_V1BETA1, LATTICE_WEBHOOK_SERVICE, latticeWebhookServer } from '../platform/index.ts';
import { loadPlatformCrds } from '../platform/crds/index.ts';

// The platform's LatticeService versions held against the fake API server, wired as the World wires them
// (platform/versions: conversion webhook Service registered in process; CRDs from platform/crds).
const ALPHA = { apiVersion: LATTICE_V1ALPHA1, kind: 'LatticeService' };
const BETA = { apiVersion: LATTICE_V1BETA1, kind: 'LatticeService' };
const DEPRECATED = 'lattice.dev/v1alpha1 LatticeService is deprecated; use lattice.dev/v1beta1 LatticeService';
const workload = { containers: { main: { image: 'web:1' } } };

/** An API server with the platform's CRDs and its webhook Service registered (as the World does). */
function cluster(): ApiServer {
  const s = new ApiServer({ clock: manualClock() });
  s.registerWebhookService(LATTICE_WEBHOOK_SERVICE.namespace, LATTICE_WEBHOOK_SERVICE.name, latticeWebhookServer);
  for (const crd of loadPlatformCrds()) s.create(structuredClone(crd));
  return s;
}

const refusal = (fn: () => unknown): StatusError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('admitted');
};

describe('LatticeService served at v1alpha1 (stored, deprecated) and v1beta1 (through the conversion webhook)', () => {
  it('reads a v1alpha1 object at each version: v1beta1 names imagePullSecrets imageProviders and carries the defaulted replicas', () => {
    const s = cluster();
    s.create({ ...ALPHA, metadata: { name: 'web', namespace: 'default' }, spec: { workload, imagePullSecrets: ['ghcr'] } } as KubeObject);
    expect(s.get(ALPHA, { namespace: 'default', name: 'web' }).spec).toMatchObject({ replicas: 1, imagePullSecrets: ['ghcr'] });
    const beta = s.get(BETA, { namespace: 'default', name: 'web' });
    expect(beta.apiVersion).toBe(LATTICE_V1BETA1);
    expect(beta.spec).toMatchObject({ replicas: 1, imageProviders: ['ghcr'] });
    expect(beta.spec).not.toHaveProperty('imagePullSecrets');
    expect(s.list(BETA, { namespace: 'default' }).items.map((o) => o.apiVersion)).toEqual([LATTICE_V1BETA1]);
  });

  it('stores a v1beta1 write at v1alpha1 and refuses a v1beta1 object without replicas (422, required since v1beta1)', () => {
    const s = cluster();
    const err = refusal(() => s.create({ ...BETA, metadata: { name: 'web', namespace: 'default' }, spec: { workload } } as KubeObject));
    // The CRD's CEL rules are then not run, as upstream says in a second cause.
    expect(err.status).toMatchObject({
      code: 422,
      details: { causes: [{ reason: 'FieldValueRequired', field: 'spec.replicas' }, { message: expect.stringContaining('some validation rules were not checked because the object was invalid') }] },
    });
    const created = s.create({ ...BETA, metadata: { name: 'web', namespace: 'default' }, spec: { workload, replicas: 3, imageProviders: ['ghcr'] } } as KubeObject);
    expect(created).toMatchObject({ apiVersion: LATTICE_V1BETA1, spec: { replicas: 3, imageProviders: ['ghcr'] } });
    expect(s.objects().find((o) => o.kind === 'LatticeService')).toMatchObject({ apiVersion: LATTICE_V1ALPHA1, spec: { replicas: 3, imagePullSecrets: ['ghcr'] } });
    expect(s.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' }, { name: 'latticeservices.lattice.dev' }).status?.storedVersions).toEqual(['v1alpha1']);
  });

  it('warns on every write at the deprecated v1alpha1 (upstream default wording), never at v1beta1', () => {
    const s = cluster();
    const warnings: string[] = [];
    const onWarning = (w: string) => warnings.push(w);
    s.create({ ...ALPHA, metadata: { name: 'a', namespace: 'default' }, spec: { workload } } as KubeObject, { onWarning });
    s.patch(ALPHA, { namespace: 'default', name: 'a' }, 'merge', { spec: { replicas: 2 } }, { onWarning });
    expect(warnings).toEqual([DEPRECATED, DEPRECATED]);
    warnings.length = 0;
    s.patch(BETA, { namespace: 'default', name: 'a' }, 'merge', { spec: { replicas: 4 } }, { onWarning });
    s.create({ ...BETA, metadata: { name: 'b', namespace: 'default' }, spec: { workload, replicas: 1 } } as KubeObject, { onWarning });
    expect(warnings).toEqual([]);
    expect(s.get(ALPHA, { namespace: 'default', name: 'a' }).spec).toMatchObject({ replicas: 4 });
  });

});
