/**
 * LatticeJob controller (reference crates/lattice-job controller.rs): the VCJob `state.phase` →
 * LatticeJob phase table, the pending timeout, Failed → Pending retry, and submit-once, over an
 * in-memory client and a fixed clock.
 */
import { describe, expect, it } from 'vitest';
import { keyString, notFound, rfc3339 } from '../../fake-apiserver/api/index.ts';
import type { KubeClient, KubeObject, ObjectKey, TypeRef } from '../../fake-apiserver/api/index.ts';
import { LatticeJobType } from '../crds/types.ts';
import type { LatticeJob } from '../crds/types.ts';
import { CedarLoader } from './cedar-loader.ts';
import { jobController } from './job-controller.ts';
import type { ImageVerifier } from './image-trust.ts';

const T0 = Date.UTC(2026, 0, 1);

/** Objects by `kind ns/name`; status patches merge into `status`; applies record the object. */
function memoryClient() {
  const objects = new Map<string, KubeObject>();
  const applied: string[] = [];
  const k = (t: TypeRef, key: { namespace?: string; name: string }) => `${t.kind} ${keyString(key)}`;
  const client = {
    get: async (t: TypeRef, key: ObjectKey) => {
      const o = objects.get(k(t, key));
      if (!o) throw notFound(t.kind.toLowerCase(), '', key.name);
      return o;
    },
    list: async (t: TypeRef) => ({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '1' }, items: [...objects.values()].filter((o) => o.kind === t.kind) }),
    apply: async (o: KubeObject) => {
      applied.push(`${o.kind} ${o.metadata.name}`);
      objects.set(k(o, o.metadata), o);
      return o;
    },
    patchStatus: async (t: TypeRef, key: ObjectKey, _type: string, patch: { status: Record<string, unknown> }) => {
      const o = objects.get(k(t, key))!;
      const next = { ...o, status: { ...o.status, ...patch.status } };
      objects.set(k(t, key), next);
      return next;
    },
  };
  return { client: client as unknown as KubeClient, objects, applied, put: (o: KubeObject) => objects.set(k(o, o.metadata), o) };
}

const JOB: LatticeJob = {
  ...LatticeJobType,
  metadata: { name: 'etl', namespace: 'data', uid: 'u-etl', generation: 1 },
  spec: { tasks: { run: { workload: { containers: { main: { image: 'etl:1', command: ['/etl'], resources: { limits: { cpu: '1', memory: '1Gi' } } } } } } } },
};

async function reconcileWith(vcjob: Record<string, unknown> | undefined, status: LatticeJob['status'], nowMs = T0 + 60_000, extra: { objects?: KubeObject[]; imageVerifier?: ImageVerifier } = {}) {
  const mem = memoryClient();
  mem.put({ ...JOB, status });
  if (vcjob) mem.put({ apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job', metadata: { name: 'etl', namespace: 'data', creationTimestamp: rfc3339(T0) }, ...vcjob });
  for (const o of extra.objects ?? []) mem.put(o);
  const def = jobController({ client: mem.client, cedar: new CedarLoader(mem.client), clusterName: 'test', imageVerifier: extra.imageVerifier });
  const log = { info: () => {}, warn: () => {} };
  const result = await def.reconciler.reconcile({ namespace: 'data', name: 'etl' }, { clock: { now: () => nowMs } as never, log });
  const lj = (await mem.client.get(LatticeJobType, { namespace: 'data', name: 'etl' })) as LatticeJob;
  return { result, status: lj.status, applied: mem.applied };
}

const submitted = { phase: 'Pending' as const, message: 'Job submitted to Volcano' };

/** An ImageProvider enforcing trust for the job's image (`etl:1` starts with `etl`), its authority's key Secret, and a verifier that signs `signed`. */
const PROVIDER: KubeObject = { apiVersion: 'lattice.dev/v1alpha1', kind: 'ImageProvider', metadata: { name: 'p', namespace: 'lattice-system' }, spec: { type: 'generic', registry: 'etl', trust: { authorities: [{ name: 'release', key: { id: 'k' } }] } } };
const KEY_SECRET = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'p-trust-release-credentials', namespace: 'lattice-system' }, data: { 'cosign.pub': Buffer.from('KEY').toString('base64') } } as KubeObject;
const verifierSigning = (signed: string[]): ImageVerifier => async ({ image, key }) => (signed.includes(image) && key === 'KEY' ? { verified: true } : { verified: false, reason: 'no matching signatures' });

describe('LatticeJob controller', () => {
  it('submits once: layer 1 then the VCJob, status Pending "Job submitted to Volcano"', async () => {
    const { status, applied, result } = await reconcileWith(undefined, undefined);
    expect(applied).toEqual(['ServiceAccount etl-run', 'LatticeMeshMember etl-run', 'Job etl']);
    expect(status).toMatchObject({ phase: 'Pending', message: 'Job submitted to Volcano', observedGeneration: 1 });
    expect(result).toEqual({ outcome: 'requeue', afterMs: 15_000 });
    expect((await reconcileWith({ spec: {} }, submitted)).applied).toEqual([]);
  });

  it.each([
    ['Running', undefined, 'Running', 'Job running'],
    ['Completing', undefined, 'Running', 'Job running'],
    ['SomethingNew', undefined, 'Running', 'Job running'],
    ['Restarting', 2, 'Running', 'Job running'],
    ['Restarting', 0, 'Failed', 'Job failed'],
    ['Completed', undefined, 'Succeeded', 'All tasks completed successfully'],
    ['Failed', undefined, 'Failed', 'Job failed'],
    ['Terminated', undefined, 'Failed', 'Job failed'],
    ['Aborted', undefined, 'Failed', 'Job failed'],
    ['Pending', undefined, 'Pending', 'Job submitted to Volcano'],
    ['Inqueue', undefined, 'Pending', 'Job submitted to Volcano'],
  ])('VCJob %s (maxRetry %s) → LatticeJob %s "%s"', async (vcPhase, maxRetry, phase, message) => {
    const { status } = await reconcileWith({ spec: maxRetry === undefined ? {} : { maxRetry }, status: { state: { phase: vcPhase } } }, submitted);
    expect(status).toMatchObject({ phase, message });
    if (phase === 'Succeeded' || phase === 'Failed') expect(status?.completionTime).toBe(rfc3339(T0 + 60_000));
  });

  it('image trust as the service controller checks it: a missing key waits Pending (5 s) with nothing applied; an unsigned image is denied by SkipImageVerification, a signed one submitted', async () => {
    const wait = await reconcileWith(undefined, undefined, undefined, { objects: [PROVIDER], imageVerifier: verifierSigning(['etl:1']) });
    expect(wait.status).toMatchObject({
      phase: 'Pending',
      message: "Waiting for image trust key material: trust authority 'release' for registry 'etl' not ready: cosign key secret not found (ESO not synced yet) (secret: p-trust-release-credentials)",
    });
    expect(wait.result).toEqual({ outcome: 'requeue', afterMs: 5_000 });
    expect(wait.applied).toEqual([]);

    const unsigned = await reconcileWith(undefined, undefined, undefined, { objects: [PROVIDER, KEY_SECRET], imageVerifier: verifierSigning([]) });
    expect(unsigned.status).toMatchObject({
      phase: 'Failed',
      message: "Failed to compile job: compilation failed for task 'run': image verification denied: image signature verification failed: etl:1 [verify: release: no matching signatures] [cedar: no permit policy for this service and resource]",
    });
    expect(unsigned.applied).toEqual([]);

    const signed = await reconcileWith(undefined, undefined, undefined, { objects: [PROVIDER, KEY_SECRET], imageVerifier: verifierSigning(['etl:1']) });
    expect(signed.status).toMatchObject(submitted);
    expect(signed.applied).toContain('Job etl');

    const broken = await reconcileWith(undefined, undefined, undefined, { objects: [PROVIDER, KEY_SECRET], imageVerifier: async () => Promise.reject(new Error('registry unreachable')) });
    expect(broken.status?.message).toBe("Failed to compile job: compilation failed for task 'run': image verification error for etl:1 (authority release): registry unreachable");
  });

  it('a VCJob Pending for more than 300 s fails the LatticeJob; a Failed LatticeJob goes back to Pending "Retrying compilation" in 5 s', async () => {
    const late = await reconcileWith({ spec: {}, status: { state: { phase: 'Pending' } } }, submitted, T0 + 301_000);
    expect(late.status).toMatchObject({ phase: 'Failed', message: 'Job failed' });
    expect(late.result).toEqual({ outcome: 'requeue', afterMs: 300_000 });
    const retry = await reconcileWith({ spec: {} }, { phase: 'Failed', message: 'Job failed' });
    expect(retry.status).toMatchObject({ phase: 'Pending', message: 'Retrying compilation' });
    expect(retry.result).toEqual({ outcome: 'requeue', afterMs: 5_000 });
  });
});
