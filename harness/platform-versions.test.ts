import { describe, expect, it } from 'vitest';
import { ApiServer, StatusError } from '../fake-apiserver/index.ts';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { manualClock } from '../fake-apiserver/testing/manual-clock.ts';
import { LATTICE_V1ALPHA1, LATTICE_V1BETA1, LATTICE_WEBHOOK_SERVICE, LatticeServiceType, latticeWebhookServer, platformValidatingWebhook } from '../platform/index.ts';
import { loadPlatformCrds } from '../platform/crds/index.ts';

// The platform's LatticeService versions held against the fake API server, wired as the World wires them
// (platform/versions: conversion webhook Service registered in process; CRDs from platform/crds).
const ALPHA = { apiVersion: LATTICE_V1ALPHA1, kind: 'LatticeService' };
const BETA = { apiVersion: LATTICE_V1BETA1, kind: 'LatticeService' };
const DEPRECATED = 'lattice.dev/v1alpha1 LatticeService is deprecated; use lattice.dev/v1beta1 LatticeService';
const workload = { containers: { main: { image: 'web:1' } } };

/**
 * An API server with the platform's CRDs and its webhook Service registered (as the World does);
 * `conversions` counts the ConversionReviews the webhook Service answered.
 */
function cluster(): ApiServer & { conversions: number } {
  const s = Object.assign(new ApiServer({ clock: manualClock() }), { conversions: 0 });
  s.registerWebhookService(LATTICE_WEBHOOK_SERVICE.namespace, LATTICE_WEBHOOK_SERVICE.name, (body, path) => {
    s.conversions++;
    return latticeWebhookServer(body, path);
  });
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

describe('LatticeService served at v1beta1 (stored, read by the platform) and v1alpha1 (deprecated, through the conversion webhook)', () => {
  it('the platform reads the storage version', () => {
    expect(LatticeServiceType.apiVersion).toBe(LATTICE_V1BETA1);
  });

  it('reads a v1alpha1 object at each version: v1beta1 names imagePullSecrets imageProviders and carries the defaulted replicas', () => {
    const s = cluster();
    s.create({ ...ALPHA, metadata: { name: 'web', namespace: 'default' }, spec: { workload, imagePullSecrets: ['ghcr'] } } as KubeObject);
    expect(s.get(ALPHA, { namespace: 'default', name: 'web' }).spec).toMatchObject({ replicas: 1, imagePullSecrets: ['ghcr'] });
    const beta = s.get(BETA, { namespace: 'default', name: 'web' });
    expect(beta.apiVersion).toBe(LATTICE_V1BETA1);
    expect(beta.spec).toMatchObject({ replicas: 1, imageProviders: ['ghcr'] });
    expect(beta.spec).not.toHaveProperty('imagePullSecrets');
    expect(s.list(BETA, { namespace: 'default' }).items.map((o) => o.apiVersion)).toEqual([LATTICE_V1BETA1]);
    // Stored at v1beta1: converted once on the way in.
    expect(s.objects().find((o) => o.kind === 'LatticeService')).toMatchObject({ apiVersion: LATTICE_V1BETA1, spec: { replicas: 1, imageProviders: ['ghcr'] } });
  });

  it('round-trips a v1alpha1 object through v1beta1 storage: a v1alpha1 update reads back as written', () => {
    const s = cluster();
    const spec = { workload, replicas: 2, imagePullSecrets: ['ghcr', 'quay'], deploy: { strategy: 'canary' } };
    s.create({ ...ALPHA, metadata: { name: 'web', namespace: 'default', labels: { team: 'a' } }, spec } as KubeObject);
    s.patch(ALPHA, { namespace: 'default', name: 'web' }, 'merge', { spec: { imagePullSecrets: ['quay'] } });
    const alpha = s.get(ALPHA, { namespace: 'default', name: 'web' });
    expect(alpha).toMatchObject({ apiVersion: LATTICE_V1ALPHA1, metadata: { labels: { team: 'a' }, generation: 2 }, spec: { ...spec, imagePullSecrets: ['quay'] } });
    expect(alpha.spec).not.toHaveProperty('imageProviders');
    expect(s.get(BETA, { namespace: 'default', name: 'web' }).spec).toMatchObject({ replicas: 2, imageProviders: ['quay'] });
  });

  it('stores a v1beta1 write as is, without a conversion, and refuses a v1beta1 object without replicas (422, required since v1beta1)', () => {
    const s = cluster();
    const err = refusal(() => s.create({ ...BETA, metadata: { name: 'web', namespace: 'default' }, spec: { workload } } as KubeObject));
    // The CRD's CEL rules are then not run, as upstream says in a second cause.
    expect(err.status).toMatchObject({
      code: 422,
      details: { causes: [{ reason: 'FieldValueRequired', field: 'spec.replicas' }, { message: expect.stringContaining('some validation rules were not checked because the object was invalid') }] },
    });
    const created = s.create({ ...BETA, metadata: { name: 'web', namespace: 'default' }, spec: { workload, replicas: 3, imageProviders: ['ghcr'] } } as KubeObject);
    expect(created).toMatchObject({ apiVersion: LATTICE_V1BETA1, spec: { replicas: 3, imageProviders: ['ghcr'] } });
    expect(s.objects().find((o) => o.kind === 'LatticeService')).toMatchObject({ apiVersion: LATTICE_V1BETA1, spec: { replicas: 3, imageProviders: ['ghcr'] } });
    expect(s.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' }, { name: 'latticeservices.lattice.dev' }).status?.storedVersions).toEqual(['v1beta1']);
    // Writes, reads and status writes at the storage version (what the platform's controllers do) convert nothing.
    s.patch(BETA, { namespace: 'default', name: 'web' }, 'merge', { spec: { replicas: 4 } });
    s.patchStatus(BETA, { namespace: 'default', name: 'web' }, 'merge', { status: { phase: 'Ready' } });
    s.get(BETA, { namespace: 'default', name: 'web' });
    s.list(BETA, {});
    expect(s.conversions).toBe(0);
    // A read at v1alpha1 does.
    expect(s.get(ALPHA, { namespace: 'default', name: 'web' }).spec).toMatchObject({ replicas: 4, imagePullSecrets: ['ghcr'] });
    expect(s.conversions).toBe(1);
  });

  it("checks the CRD's CEL rules and the validating webhook at both versions", () => {
    const s = cluster();
    s.addValidatingAdmission(platformValidatingWebhook);
    for (const type of [ALPHA, BETA]) {
      const tooMany = refusal(() => s.create({ ...type, metadata: { name: 'web', namespace: 'default' }, spec: { workload, replicas: 5, autoscaling: { max: 2 } } } as KubeObject));
      expect(tooMany.status).toMatchObject({ code: 422, details: { causes: [{ field: 'spec.replicas', message: expect.stringContaining('replicas cannot exceed autoscaling max') }] } });
      const system = refusal(() => s.create({ ...type, metadata: { name: 'web', namespace: 'kube-system' }, spec: { workload, replicas: 1 } } as KubeObject));
      expect(system.message).toBe(`admission webhook "validate.lattice.dev" denied the request: metadata.namespace: workload CRDs cannot be deployed in system namespace 'kube-system'`);
    }
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
