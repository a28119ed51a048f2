import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { compileService } from '../compiler/index.ts';
import type { CompiledService } from '../compiler/index.ts';
import { allowAll } from '../compiler/testing.ts';
import type { LatticeService } from '../crds/types.ts';
import { LATTICE_EPOCH_ANNOTATION, LATTICE_V1ALPHA1, LATTICE_V1BETA1, convertLatticeService, latticeWebhookServer } from './index.ts';

const ALPHA = { apiVersion: LATTICE_V1ALPHA1, kind: 'LatticeService' };
const workload = { containers: { main: { image: 'web:1' } } };

describe('the platform webhook Service', () => {
  it('the webhook Service answers a ConversionReview by path, and Failure (all or nothing) for an object it cannot convert', () => {
    const object = { ...ALPHA, metadata: { name: 'a', namespace: 'n' }, spec: { workload, replicas: 2 } };
    const ok = latticeWebhookServer({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', request: { uid: 'u1', desiredAPIVersion: LATTICE_V1BETA1, objects: [object] } }, '/convert') as { response: Record<string, unknown> };
    expect(ok.response).toEqual({ uid: 'u1', convertedObjects: [convertLatticeService(object as KubeObject, LATTICE_V1BETA1)], result: { status: 'Success' } });
    const bad = latticeWebhookServer({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', request: { uid: 'u2', desiredAPIVersion: 'lattice.dev/v2', objects: [object] } }, '/convert') as { response: Record<string, unknown> };
    expect(bad.response).toEqual({ uid: 'u2', result: { status: 'Failure', message: 'unknown LatticeService version "lattice.dev/v2": served are lattice.dev/v1alpha1, lattice.dev/v1beta1' } });
    expect(() => latticeWebhookServer({}, '/mutate')).toThrow('no webhook at /mutate');
  });
});

describe('derivation epochs (platform.lattice.dev/epoch)', () => {
  const service = (replicas: number, epoch?: string): LatticeService => ({
    ...ALPHA,
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-web', ...(epoch ? { annotations: { [LATTICE_EPOCH_ANNOTATION]: epoch } } : {}) },
    spec: { workload: { containers: { main: { image: 'web:1', command: ['/web'] } } }, replicas },
  });
  const pdb = (ls: LatticeService) => {
    const r = compileService(ls, { authorizer: allowAll(), clusterName: 'sim' });
    if (!r.ok) throw new Error(r.message);
    return (r as CompiledService).layers.infrastructure.find((o) => o.kind === 'PodDisruptionBudget');
  };

  it('give a single-replica service a PodDisruptionBudget only from epoch 2026; unknown epochs derive as 2025', () => {
    expect(pdb(service(1))).toBeUndefined();
    expect(pdb(service(1, '2025'))).toBeUndefined();
    expect(pdb(service(1, 'someday'))).toBeUndefined();
    expect(pdb(service(1, '2026'))?.spec).toEqual({ minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } });
    expect(pdb(service(0, '2026'))).toBeUndefined();
    expect(pdb(service(3))?.spec).toMatchObject({ minAvailable: 2 });
  });
});
