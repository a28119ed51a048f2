/**
 * The book's checkout service through the derivation pipeline (Chapter 8 §8.6), with the status Chapter 4
 * designs (§4.8), in a World running the platform's real controllers and stubs (issue 9). The fleet is
 * ours: topologies/examples/checkout (its README says how it follows the book). Four cases:
 * - permitted: Ready with exactly the 13 resources the book lists, and a status that says so;
 * - the Stripe secret unpermitted (no permit, or a forbid): Failed, zero resources, the gate, the
 *   resource and what to do in the PolicyAuthorized condition;
 * - a secret backend that takes 3 simulated minutes: Failed at 120 s of ESO wait (2 s polls), no
 *   Deployment, then Ready once the secrets arrive;
 * - an unauthorized update: Failed for the new generation, everything of the previous one untouched
 *   and still serving.
 * Every case runs under image trust as the book's walk-through does ("checked against TrustPolicy"): an
 * ImageProvider enforcing trust for `registry.example.com/` with the book's authority
 * `production-signing-key`, whose key signs the fleet's images, so the status carries the book's
 * `ImageVerified=True CosignVerified` condition.
 */
import { describe, expect, test } from 'vitest';
import type { KubeObject, TypeRef } from '../fake-apiserver/api/index.ts';
import { World } from '../harness/world.ts';
import { defaultProfile } from '../harness/profile.ts';
import { loadSpecs } from '../harness/specs/load-specs.ts';
import { producedObjects } from '../harness/verifier/produced.ts';
import { evaluateIndexed } from '../harness/evaluator/index.ts';
import { podReady } from '../harness/stubs/owners.ts';
import { derivedName } from '../platform/mesh/index.ts';
import type { LatticeService, LatticeServiceStatus } from '../platform/crds/types.ts';
import { exampleFleetDir } from '../topologies/examples/index.ts';

const LS: TypeRef = { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService' };
const DEPLOYMENT: TypeRef = { apiVersion: 'apps/v1', kind: 'Deployment' };
const POD: TypeRef = { apiVersion: 'v1', kind: 'Pod' };
const NS = 'commerce';

/** The book's result (§8.6 "Result"; §4.8 `compiledResources.types`): 13 resources by kind. */
const BOOK_TYPES: Record<string, number> = {
  AuthorizationPolicy: 2,
  CiliumNetworkPolicy: 2,
  ConfigMap: 1,
  Deployment: 1,
  ExternalSecret: 2,
  PodDisruptionBudget: 1,
  Service: 1,
  ServiceAccount: 1,
  TracingPolicyNamespaced: 1,
  VMServiceScrape: 1,
};

/** The same 13 by name, as the platform names them (reference §2.3, §2.7, §4.5; platform/compiler/service-extensions.ts). */
const BOOK_RESOURCES = [
  `AuthorizationPolicy/${derivedName('allow-to-', [NS, 'checkout'])}`,
  'AuthorizationPolicy/allow-scrape-checkout',
  `CiliumNetworkPolicy/${derivedName('cnp-mesh-', [NS, 'checkout'])}`,
  'CiliumNetworkPolicy/cnp-scrape-checkout',
  'ConfigMap/checkout-api-env',
  'Deployment/checkout',
  'ExternalSecret/checkout-orders-db',
  'ExternalSecret/checkout-stripe',
  'PodDisruptionBudget/checkout',
  'Service/checkout',
  'ServiceAccount/checkout',
  'TracingPolicyNamespaced/allow-binaries-checkout',
  'VMServiceScrape/checkout-scrape',
].sort();

/** The fleet's objects (topologies/examples/checkout), minus the CedarPolicies named in `without`. */
function fleet(without: string[] = []): KubeObject[] {
  const loaded = loadSpecs([exampleFleetDir('checkout')]);
  expect(loaded.problems).toEqual([]);
  return loaded.objects.filter((o) => !(o.kind === 'CedarPolicy' && without.includes(o.metadata.name)));
}

/** The signing key of the book's authority (§4.8 `Image signed by key production-signing-key`), as the ImageProvider's key Secret holds it. */
const SIGNING_KEY = '-----BEGIN PUBLIC KEY-----\ncommerce-production-signing-key\n-----END PUBLIC KEY-----\n';
/** Image trust for the fleet's registry (the book's TrustPolicy, the reference's ImageProvider `trust`) and the authority's key Secret. */
const IMAGE_TRUST: KubeObject[] = [
  {
    apiVersion: 'lattice.dev/v1alpha1',
    kind: 'ImageProvider',
    metadata: { name: 'commerce-registry', namespace: 'lattice-system' },
    spec: { type: 'generic', registry: 'registry.example.com/', trust: { authorities: [{ name: 'production-signing-key', key: { id: 'cosign/production', provider: 'commerce-vault' } }] } },
  },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'commerce-registry-trust-production-signing-key-credentials', namespace: 'lattice-system' },
    data: { 'cosign.pub': Buffer.from(SIGNING_KEY).toString('base64') },
  } as KubeObject,
];

async function world(objects: KubeObject[], configure?: (w: World) => void): Promise<World> {
  const profile = defaultProfile();
  // The simulated registry holds a signature by the authority's key for every image of the fleet.
  const images = objects.flatMap((o) => (o.kind === 'LatticeService' ? Object.values((o as LatticeService).spec.workload.containers ?? {}).map((c) => c.image) : []));
  profile.images = { signatures: images.map((image) => ({ image, key: SIGNING_KEY })) };
  const w = await World.create({ seed: 9, trustDomain: 'lattice.test', profile });
  configure?.(w);
  const refused = await w.apply([...IMAGE_TRUST, ...objects]);
  expect(refused.map((f) => f.error.message)).toEqual([]);
  return w;
}

const startOf = (w: World) => w.clock.now();
const run = (w: World, ms: number) => w.clock.run({ untilMs: w.clock.now() + ms });
const checkout = (w: World): LatticeService => w.server.get(LS, { namespace: NS, name: 'checkout' }) as LatticeService;
const statusOf = (w: World): LatticeServiceStatus => checkout(w).status ?? {};
const condition = (s: LatticeServiceStatus, type: string) => (s.conditions ?? []).find((c) => c.type === type);

/** What the platform wrote for checkout, read back from the store (harness/verifier/produced.ts), as `Kind/name`; the LatticeMeshMember is an intermediate the book does not count. */
function producedForCheckout(w: World): KubeObject[] {
  const types = w.server.registry.all().map((i) => ({ apiVersion: i.group ? `${i.group}/${i.version}` : i.version, kind: i.kind }));
  const inputs = w.server.list(LS, { namespace: NS }).items;
  const produced = producedObjects((t) => w.server.list(t).items, types, inputs);
  return (produced.byInput.get(`LatticeService ${NS}/checkout`) ?? []).filter((o) => o.kind !== 'LatticeMeshMember');
}
const names = (objects: readonly KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
const readyPods = (w: World, app: string) => w.server.list(POD, { namespace: NS, labelSelector: { matchLabels: { 'app.kubernetes.io/name': app } } }).items.filter(podReady);

/** Runs the clock in `stepMs` steps until `pred` holds (at most `maxMs`); returns the simulated ms it took, or undefined. */
async function until(w: World, pred: () => boolean, maxMs: number, stepMs = 500): Promise<number | undefined> {
  const t0 = startOf(w);
  while (w.clock.now() - t0 <= maxMs) {
    if (pred()) return w.clock.now() - t0;
    await run(w, stepMs);
  }
  return undefined;
}

/** storefront → checkout:8080 as the dataplane decides it now (the evaluator, harness/evaluator). */
function storefrontReachesCheckout(w: World): string {
  const from = w.readyPodOf(NS, 'storefront');
  if (!from) return 'no Ready storefront pod';
  return evaluateIndexed(w.dataplane(), { fromPod: { namespace: NS, name: from.metadata.name }, toService: { namespace: NS, name: 'checkout' }, port: 8080 }).decision;
}

describe('book §8.6: checkout through the pipeline, with the Chapter 4 status', () => {
  test('permitted: Ready with exactly the 13 resources the book lists, and the status says so', async () => {
    const w = await world(fleet());
    const readyAfterMs = await until(w, () => statusOf(w).phase === 'Ready', 120_000);
    expect(readyAfterMs, 'checkout Ready within 120 simulated s (book: ~16 s)').toBeDefined();
    await run(w, 30_000);

    const s = statusOf(w);
    expect(s.phase).toBe('Ready');
    expect(s.observedGeneration).toBe(checkout(w).metadata.generation);
    expect(s.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['ImageVerified', 'True', 'CosignVerified'],
      ['PolicyAuthorized', 'True', 'GatesPassed'],
      ['SecretsResolved', 'True', 'ExternalSecretsSynced'],
      ['Compiled', 'True', 'ResourcesCompiled'],
      ['Ready', 'True', 'ServiceReady'],
    ]);
    expect(condition(s, 'ImageVerified')?.message).toBe('Image signed by key production-signing-key');
    expect(condition(s, 'Compiled')?.message).toBe('13 resources compiled');
    expect(s.compiledResources).toEqual({ count: 13, types: BOOK_TYPES, resources: BOOK_RESOURCES, generation: 1 });
    // The status is held against the cluster: exactly these 13 exist, written for checkout.
    expect(names(producedForCheckout(w))).toEqual(BOOK_RESOURCES);
    expect(readyPods(w, 'checkout')).toHaveLength(3);
    expect(storefrontReachesCheckout(w)).toBe('allow');
    w.stop();
  });

  test.each([
    { variant: 'no permit (the payments team never granted it)', without: ['payments-grants-checkout'], extra: [] as KubeObject[], reason: 'no permit policy for this service and resource', remedy: 'No Cedar policy grants Action::"AccessSecret" for Lattice::Service::"commerce/checkout"' },
    {
      variant: 'a forbid beside the permit',
      without: [],
      extra: [
        {
          apiVersion: 'lattice.dev/v1alpha1',
          kind: 'CedarPolicy',
          metadata: { name: 'payments-freeze', namespace: 'lattice-system' },
          spec: { policies: '@id("no-stripe")\nforbid (principal, action == Lattice::Action::"AccessSecret", resource) when { resource.path like "payments/stripe*" };' },
        },
      ],
      reason: 'access explicitly forbidden by policy',
      remedy: 'It is forbidden by policy payments-freeze_0 (CedarPolicy lattice-system/payments-freeze)',
    },
  ])('stripe unpermitted ($variant): Failed, zero resources, and a condition naming the gate, the secret and what to do', async ({ without, extra, reason, remedy }) => {
    const w = await world([...fleet(without), ...extra]);
    const failedAfterMs = await until(w, () => statusOf(w).phase === 'Failed', 60_000);
    expect(failedAfterMs).toBeDefined();
    await run(w, 60_000);

    const s = statusOf(w);
    expect(s.phase).toBe('Failed');
    expect(s.observedGeneration).toBe(1);
    // The book's failed compilation: image verification passed, policy authorization failed.
    expect(condition(s, 'ImageVerified')).toMatchObject({ status: 'True', reason: 'CosignVerified' });
    const authorized = condition(s, 'PolicyAuthorized')!;
    expect(authorized).toMatchObject({ status: 'False', reason: 'AccessSecretDenied' });
    const message = authorized.message!;
    expect(message).toMatch(/^AccessSecret denied: Service commerce\/checkout is not permitted to access secret payments\/stripe-webhook-secret \(resource 'stripe', Lattice::SecretPath::"commerce-vault:payments\/stripe-webhook-secret"\): /);
    expect(message).toContain(`: ${reason}. `);
    expect(message).toContain(remedy);
    expect(message).toContain("or remove resource 'stripe' from the spec");
    expect(message, 'orders-db was permitted: only the denied secret is named').not.toContain('orders-db');
    expect(condition(s, 'SecretsResolved')).toMatchObject({ status: 'Unknown', reason: 'BlockedByAuthorization' });
    expect(condition(s, 'Compiled')).toMatchObject({ status: 'False', reason: 'AuthorizationFailed', message: 'no resources compiled for generation 1 (all-or-nothing)' });
    expect(s.compiledResources).toEqual({ count: 0, types: {}, resources: [] });
    // All-or-nothing (book §8.3): nothing of checkout exists, not even its mesh member; the others run.
    expect(names(producedForCheckout(w))).toEqual([]);
    expect(w.server.list({ apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember' }, { namespace: NS }).items.map((m) => m.metadata.name).sort()).toEqual(['payments', 'storefront']);
    expect(readyPods(w, 'checkout')).toEqual([]);
    expect(statusOf(w).phase).toBe('Failed');
    expect((w.server.get(LS, { namespace: NS, name: 'payments' }) as LatticeService).status?.phase).toBe('Ready');
    w.stop();
  });

  test('a secret backend that takes 3 minutes: Failed after 120 s of ESO wait (2 s polls) with no Deployment, then Ready once the secrets arrive', async () => {
    const w = await world(fleet(), (x) => x.secretBackends.configure('commerce-vault', { latency: { delayMs: 180_000 } }));
    const deployments = () => w.server.list(DEPLOYMENT, { namespace: NS }).items.filter((d) => d.metadata.name === 'checkout');

    // The wait: infrastructure applied, Compiling, SecretsResolved False, no Deployment.
    expect(await until(w, () => condition(statusOf(w), 'SecretsResolved')?.status === 'False', 30_000, 100)).toBeDefined();
    const waitStartMs = Date.parse(condition(statusOf(w), 'SecretsResolved')!.lastTransitionTime!);
    expect(statusOf(w)).toMatchObject({ phase: 'Compiling', message: 'Waiting for ExternalSecrets to sync: checkout-orders-db, checkout-stripe' });
    expect(condition(statusOf(w), 'Compiled')).toMatchObject({ status: 'Unknown', reason: 'WaitingForExternalSecrets' });

    // Failed once 120 s have passed since the wait began, at the first 2 s poll after that.
    expect(await until(w, () => statusOf(w).phase === 'Failed', 180_000, 100)).toBeDefined();
    const failedAtMs = w.clock.now() - waitStartMs;
    expect(failedAtMs).toBeGreaterThanOrEqual(120_000);
    expect(failedAtMs).toBeLessThanOrEqual(122_100);
    const s = statusOf(w);
    expect(s.message).toBe('timed out after 120s waiting for ExternalSecrets to sync: checkout-orders-db, checkout-stripe');
    expect(condition(s, 'SecretsResolved')).toMatchObject({ status: 'False', reason: 'WaitingForExternalSecrets' });
    expect(condition(s, 'SecretsResolved')!.message).toContain('no Deployment was created');
    expect(condition(s, 'Compiled')).toMatchObject({ status: 'False', reason: 'SecretsNotResolved' });
    expect(condition(s, 'PolicyAuthorized')).toMatchObject({ status: 'True' });
    expect(s.observedGeneration).toBe(1);
    expect(deployments(), 'no Deployment without its secrets (book §8.4 layer 2 after the ESO wait)').toEqual([]);
    expect(names(producedForCheckout(w))).not.toContain('Deployment/checkout');

    // The backend answers at 180 s: the next retry finds the secrets, applies the Deployment, goes Ready.
    expect(await until(w, () => statusOf(w).phase === 'Ready', 120_000)).toBeDefined();
    expect(w.clock.now() - waitStartMs).toBeGreaterThanOrEqual(180_000);
    expect(deployments()).toHaveLength(1);
    expect(statusOf(w).compiledResources?.count).toBe(13);
    w.stop();
  });

  test('an unauthorized update: Failed for the new generation, the previous Deployment and every other resource untouched and still serving', async () => {
    const w = await world(fleet());
    expect(await until(w, () => statusOf(w).phase === 'Ready', 120_000)).toBeDefined();
    await run(w, 30_000);
    const before = producedForCheckout(w);
    expect(names(before)).toEqual(BOOK_RESOURCES);
    const versions = (objs: readonly KubeObject[]) => objs.map((o) => `${o.kind}/${o.metadata.name}@${o.metadata.resourceVersion}`).sort();
    const podsBefore = readyPods(w, 'checkout').map((p) => p.metadata.name).sort();
    expect(podsBefore).toHaveLength(3);

    // Generation 2 adds a fraud-scoring secret no Cedar policy grants.
    const spec = checkout(w).spec;
    await w.client.patch(LS, { namespace: NS, name: 'checkout' }, 'merge', {
      spec: {
        workload: {
          containers: { api: { variables: { ...spec.workload.containers.api.variables, FRAUD_API_KEY: '${secret.fraud.api-key}' } } },
          resources: { fraud: { type: 'secret', id: 'payments/fraud-api-key', params: { provider: 'commerce-vault', keys: ['api-key'] } } },
        },
      },
    });
    expect(checkout(w).metadata.generation).toBe(2);
    expect(await until(w, () => statusOf(w).phase === 'Failed', 60_000)).toBeDefined();
    await run(w, 120_000);

    const s = statusOf(w);
    expect(s.phase).toBe('Failed');
    expect(s.observedGeneration, 'the status speaks of the new generation').toBe(2);
    expect(condition(s, 'PolicyAuthorized')).toMatchObject({ status: 'False', reason: 'AccessSecretDenied' });
    expect(condition(s, 'PolicyAuthorized')!.message).toContain('secret payments/fraud-api-key');
    expect(condition(s, 'Compiled')).toMatchObject({
      status: 'False',
      reason: 'AuthorizationFailed',
      message: 'no resources compiled for generation 2 (all-or-nothing); the 13 resources of generation 1 are left running',
    });
    expect(s.compiledResources, 'the running resources are still those of generation 1').toEqual({ count: 13, types: BOOK_TYPES, resources: BOOK_RESOURCES, generation: 1 });
    // Untouched: the same 13 objects at the same resourceVersions, the same pods, still Ready and reachable.
    expect(versions(producedForCheckout(w))).toEqual(versions(before));
    expect(readyPods(w, 'checkout').map((p) => p.metadata.name).sort()).toEqual(podsBefore);
    expect(storefrontReachesCheckout(w)).toBe('allow');
    w.stop();
  });
});
