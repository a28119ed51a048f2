/**
 * Image trust through the running controllers (fidelity row "Gates the port asks": SkipImageVerification;
 * reference crates/lattice-service/src/controller.rs:961-980, 1201-1290, crates/lattice-workload/src/compiler.rs
 * `verify_images`): an ImageProvider enforcing `trust` for a registry prefix; its authority's key Secret
 * must be present (else the service waits, Compiling); an image the simulated registry holds a signature
 * for runs; an unsigned one needs a Cedar SkipImageVerification permit; images outside the prefix are
 * not checked. LatticeJobs and LatticeModels go through the same check (the book's shared pipeline; the
 * reference runs it for services only), and a service's status carries the book's `ImageVerified`
 * condition (Chapter 4 §4.8).
 */
import { describe, expect, test } from 'vitest';
import type { KubeObject, TypeRef } from '../fake-apiserver/api/index.ts';
import { World } from '../harness/world.ts';
import { defaultProfile } from '../harness/profile.ts';
import type { InjectedBug } from '../harness/world.ts';
import { admissionOracle } from '../topologies/index.ts';
import { runTopology } from './random-enforcement.ts';
import type { Topology, TopologyCedarStatement } from '../topologies/index.ts';
import { UNSIGNED_SERVER_IMAGE } from '../topologies/index.ts';
import { testService } from '../topologies/testing.ts';

const LS: TypeRef = { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService' };
const DEPLOYMENT: TypeRef = { apiVersion: 'apps/v1', kind: 'Deployment' };
const KEY = '-----BEGIN PUBLIC KEY-----\nlattice-sim-release\n-----END PUBLIC KEY-----\n';
const cedar = (name: string, policies: string): KubeObject => ({ apiVersion: 'lattice.dev/v1alpha1', kind: 'CedarPolicy', metadata: { name, namespace: 'lattice-system' }, spec: { policies } });
const PROVIDER: KubeObject = {
  apiVersion: 'lattice.dev/v1alpha1',
  kind: 'ImageProvider',
  metadata: { name: 'signing', namespace: 'lattice-system' },
  spec: { type: 'ghcr', registry: 'ghcr.io/team/', trust: { authorities: [{ name: 'release', key: { id: 'cosign/release', provider: 'lattice-local' } }] } },
};
const KEY_SECRET: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'signing-trust-release-credentials', namespace: 'lattice-system' },
  data: { 'cosign.pub': Buffer.from(KEY).toString('base64') },
} as KubeObject;
const LJ: TypeRef = { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeJob' };
const LM: TypeRef = { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeModel' };
const VCJOB: TypeRef = { apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job' };
const MODEL_SERVING: TypeRef = { apiVersion: 'workload.serving.volcano.sh/v1alpha1', kind: 'ModelServing' };
const container = (image: string) => ({ image, command: ['/app'], resources: { limits: { cpu: '100m', memory: '64Mi' } } });
const job = (name: string, image: string): KubeObject => ({ ...LJ, metadata: { name, namespace: 'trust' }, spec: { tasks: { run: { workload: { containers: { main: container(image) } } } } } });
const model = (name: string, image: string): KubeObject => ({ ...LM, metadata: { name, namespace: 'trust' }, spec: { roles: { serve: { replicas: 1, entryWorkload: { containers: { engine: container(image) } } } } } });
const svc = (name: string, image: string): KubeObject => ({
  ...LS,
  metadata: { name, namespace: 'trust' },
  spec: { workload: { containers: { main: { image, command: ['/app'], resources: { limits: { cpu: '100m', memory: '64Mi' } } } }, service: { ports: { http: { port: 80 } } } } },
});

/**
 * A World (seed 5) where only `ghcr.io/team/signed:1` carries a signature by KEY, with namespace
 * `trust`, a policy permitting everything but SkipImageVerification, the enforcing ImageProvider (its key
 * Secret not yet there) and `workloads`, every one admitted.
 */
async function trustWorld(workloads: KubeObject[]): Promise<World> {
  const profile = defaultProfile();
  profile.images = { signatures: [{ image: 'ghcr.io/team/signed:1', key: KEY }] };
  const w = await World.create({ seed: 5, trustDomain: 'lattice.test', profile });
  const refused = await w.apply([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'trust' } },
    cedar('all-but-unsigned', 'permit(principal, action, resource) unless { action == Lattice::Action::"SkipImageVerification" };'),
    PROVIDER,
    ...workloads,
  ]);
  expect(refused.map((f) => f.error.message)).toEqual([]);
  return w;
}

describe('image trust (SkipImageVerification)', () => {
  test('signed images run, unsigned ones need a SkipImageVerification permit, uncovered ones are not checked; a missing key waits', async () => {
    const w = await trustWorld([
      svc('signed', 'ghcr.io/team/signed:1'),
      svc('unsigned', 'ghcr.io/team/unsigned:1'),
      svc('public', 'busybox:1.37'),
    ]);
    const status = (name: string) => (w.server.get(LS, { namespace: 'trust', name }) as { status?: { phase?: string; message?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] } }).status ?? {};
    const deployments = () => w.server.list(DEPLOYMENT, { namespace: 'trust' }).items.map((o) => o.metadata.name).sort();
    const run = (ms: number) => w.clock.run({ untilMs: w.clock.now() + ms });

    // The authority's key Secret is not there yet: every service waits (reference TrustNotReady), nothing is applied.
    await run(30_000);
    for (const name of ['signed', 'unsigned', 'public']) {
      expect(status(name)).toMatchObject({
        phase: 'Compiling',
        message: "Waiting for image trust key material: trust authority 'release' for registry 'ghcr.io/team/' not ready: cosign key secret not found (ESO not synced yet) (secret: signing-trust-release-credentials)",
      });
    }
    expect(deployments()).toEqual([]);
    expect(status('signed').conditions?.find((c) => c.type === 'ImageVerified')).toMatchObject({ status: 'Unknown', reason: 'WaitingForKeyMaterial', message: status('signed').message });

    await w.client.create(KEY_SECRET);
    await run(90_000);
    expect(status('signed').phase).toBe('Ready');
    expect(status('public').phase).toBe('Ready');
    const unsigned = status('unsigned');
    expect(unsigned.phase).toBe('Failed');
    expect(unsigned.message).toBe(
      'image verification denied: image signature verification failed: ghcr.io/team/unsigned:1 [verify: release: no valid signature for ghcr.io/team/unsigned:1: Error: no matching signatures] [cedar: no permit policy for this service and resource]',
    );
    expect(unsigned.conditions?.find((c) => c.type === 'PolicyAuthorized')).toMatchObject({ status: 'False', reason: 'SkipImageVerificationDenied' });
    expect(unsigned.conditions?.find((c) => c.type === 'PolicyAuthorized')?.message).toContain('Lattice::ImageRef::"ghcr.io/team/unsigned:1"');
    expect(deployments()).toEqual(['public', 'signed']);
    // The book's ImageVerified condition (§4.8) says what signature verification found, whatever Cedar decided.
    const imageVerified = (name: string) => status(name).conditions?.find((c) => c.type === 'ImageVerified');
    expect(imageVerified('signed')).toMatchObject({ status: 'True', reason: 'CosignVerified', message: 'Image signed by key release' });
    expect(imageVerified('public')).toMatchObject({ status: 'False', reason: 'NotEnforced', message: 'no ImageProvider enforces signature trust for busybox:1.37' });
    expect(imageVerified('unsigned')).toMatchObject({
      status: 'False',
      reason: 'CosignVerificationFailed',
      message:
        'image signature verification failed: ghcr.io/team/unsigned:1 [verify: release: no valid signature for ghcr.io/team/unsigned:1: Error: no matching signatures]; running an unverified image needs a Cedar SkipImageVerification permit',
    });

    // A permit to skip verification for that image admits it.
    await w.client.create(cedar('skip-unsigned', 'permit(principal == Lattice::Service::"trust/unsigned", action == Lattice::Action::"SkipImageVerification", resource) when { resource.registry == "ghcr.io/team" && resource.name == "unsigned" };'));
    await run(90_000);
    expect(status('unsigned').phase).toBe('Ready');
    expect(deployments()).toEqual(['public', 'signed', 'unsigned']);
    expect(imageVerified('unsigned')).toMatchObject({ status: 'False', reason: 'CosignVerificationFailed' });
    w.stop();
  });

  test('jobs and models verify images as services do: the key wait, signed ones run, unsigned ones need a SkipImageVerification permit', async () => {
    const w = await trustWorld([
      job('signed-job', 'ghcr.io/team/signed:1'),
      job('unsigned-job', 'ghcr.io/team/unsigned:1'),
      model('signed-model', 'ghcr.io/team/signed:1'),
      model('unsigned-model', 'ghcr.io/team/unsigned:1'),
    ]);
    const status = (type: TypeRef, name: string) => (w.server.get(type, { namespace: 'trust', name }) as { status?: { phase?: string; message?: string } }).status ?? {};
    const names = (type: TypeRef) => w.server.list(type, { namespace: 'trust' }).items.map((o) => o.metadata.name).sort();
    const run = (ms: number) => w.clock.run({ untilMs: w.clock.now() + ms });

    // No key yet: every job and model waits, Pending, with the service controller's message; nothing is applied.
    await run(30_000);
    const waiting = "Waiting for image trust key material: trust authority 'release' for registry 'ghcr.io/team/' not ready: cosign key secret not found (ESO not synced yet) (secret: signing-trust-release-credentials)";
    for (const [type, name] of [[LJ, 'signed-job'], [LJ, 'unsigned-job'], [LM, 'signed-model'], [LM, 'unsigned-model']] as const) {
      expect(status(type, name), `${type.kind} ${name}`).toEqual(expect.objectContaining({ phase: 'Pending', message: waiting }));
    }
    expect(names(VCJOB)).toEqual([]);
    expect(names(MODEL_SERVING)).toEqual([]);

    await w.client.create(KEY_SECRET);
    // The unsigned job fails to compile and is retried (Failed → Pending → Failed): sample its messages.
    const jobMessages = new Set<string>();
    for (let i = 0; i < 90; i++) {
      await run(1_000);
      jobMessages.add(status(LJ, 'unsigned-job').message ?? '');
    }
    const denied = (prefix: string) =>
      `${prefix}image verification denied: image signature verification failed: ghcr.io/team/unsigned:1 [verify: release: no valid signature for ghcr.io/team/unsigned:1: Error: no matching signatures] [cedar: no permit policy for this service and resource]`;
    expect(jobMessages).toContain(denied("Failed to compile job: compilation failed for task 'run': "));
    expect(status(LM, 'unsigned-model')).toEqual(expect.objectContaining({ phase: 'Failed', message: denied("Failed to compile: compilation failed for role 'serve': ") }));
    expect(names(VCJOB)).toEqual(['signed-job']);
    expect(names(MODEL_SERVING).filter((n) => n.startsWith('signed-model'))).toHaveLength(1);
    expect(names(MODEL_SERVING).filter((n) => n.startsWith('unsigned-model'))).toEqual([]);
    expect(status(LM, 'signed-model').phase).toMatch(/^(Loading|Serving)$/);

    // A permit to skip verification for the job's task (principal `<job>-<task>`) admits it on its next retry.
    await w.client.create(cedar('skip-unsigned-job', 'permit(principal == Lattice::Service::"trust/unsigned-job-run", action == Lattice::Action::"SkipImageVerification", resource) when { resource.name == "unsigned" };'));
    await run(90_000);
    expect(names(VCJOB)).toEqual(['signed-job', 'unsigned-job']);
    w.stop();
  });

  test('reachability: a topology under image trust is judged as the admission oracle predicts, and image-trust-ignored is caught', async () => {
    const image = { type: 'ImageRef' as const, id: UNSIGNED_SERVER_IMAGE.image, registry: UNSIGNED_SERVER_IMAGE.registry, name: UNSIGNED_SERVER_IMAGE.name, tag: UNSIGNED_SERVER_IMAGE.tag };
    const skip = (id: string, effect: 'permit' | 'forbid', key: string, style: 'uid' | 'attributes'): TopologyCedarStatement => ({ id, effect, action: 'SkipImageVerification', principal: { key }, resource: { exact: image }, style });
    const t: Topology = {
      name: 'img',
      services: [
        testService('img', 'gen', { layer: 0, ports: [], outbound: ['img/ok', 'img/forbidden', 'img/unpermitted'] }),
        ...['ok', 'forbidden', 'unpermitted'].map((n) => testService('img', n, { inbound: ['img/gen'], unsignedImage: true })),
      ],
      probes: ['ok', 'forbidden', 'unpermitted'].map((n) => ({ from: 'img/gen', to: `img/${n}` })),
      imageTrust: true,
      cedar: {
        policies: [
          { name: 'lattice-sim-permits', enabled: true, statements: [skip('p0', 'permit', 'img/ok', 'attributes'), skip('p1', 'permit', 'img/forbidden', 'uid')] },
          { name: 'lattice-sim-forbids', enabled: true, statements: [skip('f0', 'forbid', 'img/forbidden', 'uid')] },
        ],
      },
    };
    const admissions = admissionOracle(t);
    expect(admissions.map((a) => [a.service, a.expected, a.gate ?? null, a.denials.map((d) => d.cause)])).toEqual([
      ['img/gen', 'Ready', null, []],
      ['img/ok', 'Ready', null, []],
      ['img/forbidden', 'Failed', 'SkipImageVerification', ['forbidden']],
      ['img/unpermitted', 'Failed', 'SkipImageVerification', ['no-permit']],
    ]);
    const judge = (injectBug?: InjectedBug) => runTopology(t, 5, 0, injectBug);
    const record = await judge();
    expect(record.admissions!.map((a) => [a.service, a.observed, a.problems])).toEqual([
      ['img/gen', 'Ready', []],
      ['img/ok', 'Ready', []],
      ['img/forbidden', 'Failed', []],
      ['img/unpermitted', 'Failed', []],
    ]);
    expect(record.status).toBe('verified');
    const buggy = await judge('image-trust-ignored');
    expect(buggy.admissions!.filter((a) => a.problems.length > 0).map((a) => [a.service, a.observed])).toEqual([
      ['img/forbidden', 'Ready'],
      ['img/unpermitted', 'Ready'],
    ]);
  });
});
