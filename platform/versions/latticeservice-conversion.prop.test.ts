import { fc, test } from '@fast-check/vitest';
import { Ajv } from 'ajv';
import { describe, expect } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { loadPlatformCrds } from '../crds/index.ts';
import { LATTICE_EPOCH_ANNOTATION } from './epoch.ts';
import { LATTICE_V1ALPHA1, LATTICE_V1BETA1, convertLatticeService } from './latticeservice-conversion.ts';

const crd = loadPlatformCrds().find((c) => c.metadata.name === 'latticeservices.lattice.dev')!;
const schemaOf = (version: string) => (crd.spec.versions as { name: string; schema: { openAPIV3Schema: object } }[]).find((v) => v.name === version)!.schema.openAPIV3Schema;
// The API server's ajv options (defaults applied, as admission does).
const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true });
const validAt = { v1alpha1: ajv.compile(schemaOf('v1alpha1')), v1beta1: ajv.compile(schemaOf('v1beta1')) };

const dnsLabel = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const container = fc.record({ image: fc.stringMatching(/^[a-z]{1,8}:[0-9]{1,3}$/), command: fc.option(fc.array(fc.constantFrom('/bin/app', '--port', '8080'), { maxLength: 3 }), { nil: undefined }) }, { requiredKeys: ['image'] });
/** A spec valid at both versions, without the fields that differ. */
const commonSpec = fc.record(
  {
    workload: fc.record({ containers: fc.dictionary(dnsLabel, container, { minKeys: 1, maxKeys: 3 }) }),
    autoscaling: fc.record({ max: fc.integer({ min: 1, max: 50 }) }),
    deploy: fc.record({ strategy: fc.constantFrom('rolling', 'canary') }),
    hostNetwork: fc.boolean(),
    sysctls: fc.dictionary(fc.constantFrom('net.core.somaxconn', 'vm.swappiness'), fc.stringMatching(/^[0-9]{1,4}$/)),
    topology: fc.record({ mode: fc.constantFrom('Hard', 'Soft') }),
  },
  { requiredKeys: ['workload'] },
);
const providers = fc.array(dnsLabel, { maxLength: 3 });
const metadata = fc.record({
  name: dnsLabel,
  namespace: dnsLabel,
  labels: fc.dictionary(dnsLabel, dnsLabel, { maxKeys: 2 }),
  annotations: fc.option(fc.record({ [LATTICE_EPOCH_ANNOTATION]: fc.constantFrom('2025', '2026') }), { nil: undefined }),
});
const status = fc.option(fc.record({ phase: fc.constantFrom('Pending', 'Ready'), observedGeneration: fc.integer({ min: 1, max: 9 }) }), { nil: undefined });

const withOptional = <T extends object>(o: T, k: string, v: unknown): T => (v === undefined ? o : { ...o, [k]: v });

/** Valid v1alpha1 objects as admitted: after admission defaulting (replicas always present). */
const v1alpha1 = fc.tuple(metadata, commonSpec, fc.integer({ min: 0, max: 100 }), fc.option(providers, { nil: undefined }), status).map(([m, spec, replicas, pulls, st]) => {
  const obj = withOptional({ apiVersion: LATTICE_V1ALPHA1, kind: 'LatticeService', metadata: withOptional({ name: m.name, namespace: m.namespace, labels: m.labels }, 'annotations', m.annotations), spec: withOptional({ ...spec, replicas }, 'imagePullSecrets', pulls) }, 'status', st);
  return obj as unknown as KubeObject;
});
/** Valid v1beta1 objects (replicas required). */
const v1beta1 = fc.tuple(metadata, commonSpec, fc.integer({ min: 0, max: 100 }), fc.option(providers, { nil: undefined }), status).map(([m, spec, replicas, provs, st]) => {
  const obj = withOptional({ apiVersion: LATTICE_V1BETA1, kind: 'LatticeService', metadata: withOptional({ name: m.name, namespace: m.namespace, labels: m.labels }, 'annotations', m.annotations), spec: withOptional({ ...spec, replicas }, 'imageProviders', provs) }, 'status', st);
  return obj as unknown as KubeObject;
});

const strip = (o: KubeObject) => ({ spec: o.spec, status: o.status });

describe('LatticeService conversion v1alpha1 ⇄ v1beta1 (properties)', () => {
  test.prop([v1alpha1])('v1alpha1 → v1beta1 → v1alpha1 is the identity on valid admitted objects, and the v1beta1 form is valid', (obj) => {
    expect(validAt.v1alpha1(structuredClone(strip(obj)))).toBe(true);
    const beta = convertLatticeService(obj, LATTICE_V1BETA1);
    expect(beta.apiVersion).toBe(LATTICE_V1BETA1);
    expect(validAt.v1beta1(structuredClone(strip(beta)))).toBe(true);
    expect(beta.metadata).toEqual(obj.metadata);
    expect(convertLatticeService(beta, LATTICE_V1ALPHA1)).toEqual(obj);
  });

  test.prop([v1beta1])('v1beta1 → v1alpha1 → v1beta1 is the identity on valid objects (the conversion is lossless both ways)', (obj) => {
    expect(validAt.v1beta1(structuredClone(strip(obj)))).toBe(true);
    const alpha = convertLatticeService(obj, LATTICE_V1ALPHA1);
    expect(validAt.v1alpha1(structuredClone(strip(alpha)))).toBe(true);
    expect((alpha.spec as Record<string, unknown>).imageProviders).toBeUndefined();
    expect(convertLatticeService(alpha, LATTICE_V1BETA1)).toEqual(obj);
  });

  test.prop([v1alpha1])('conversion never changes the derivation epoch, labels or status, and never mutates its input', (obj) => {
    const before = structuredClone(obj);
    const beta = convertLatticeService(obj, LATTICE_V1BETA1);
    expect(obj).toEqual(before);
    expect(beta.metadata.annotations?.[LATTICE_EPOCH_ANNOTATION]).toBe(obj.metadata.annotations?.[LATTICE_EPOCH_ANNOTATION]);
    expect(beta.status).toEqual(obj.status);
  });
});
