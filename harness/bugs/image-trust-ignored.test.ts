import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { ImageProviderType, LATTICE_SYSTEM_NAMESPACE, LatticeServiceType } from '../../platform/index.ts';
import { imageTrustIgnored } from './image-trust-ignored.ts';
import { CedarLoader, serviceController } from '../../platform/index.ts';
import { simulatedImageVerifier } from '../stubs/image-signatures.ts';
import { bugTestCluster, cedarPolicy, service, storedStatus } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

/** An ImageProvider enforcing trust over `nginxinc/` with its key present; `ns/web` runs the (unsigned) nginx image; Cedar permits everything but SkipImageVerification. */
async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(cedarPolicy('all-but-skip', 'permit (principal, action, resource) unless { action == Lattice::Action::"SkipImageVerification" };\n'));
  await c.client.create({
    ...ImageProviderType,
    metadata: { name: 'signing', namespace: LATTICE_SYSTEM_NAMESPACE },
    spec: { type: 'generic', registry: 'nginxinc/', trust: { authorities: [{ name: 'release', key: { id: 'cosign/release', provider: 'lattice-local' } }] } },
  } as KubeObject);
  await c.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'signing-trust-release-credentials', namespace: LATTICE_SYSTEM_NAMESPACE }, data: { 'cosign.pub': Buffer.from('KEY').toString('base64') } } as KubeObject);
  await c.client.create(service('ns', 'web'));
  return c;
}

/** Two reconciles of `ns/web` (Pending → Compiling, then image trust and the gates) with the simulated registry (no signatures) as the verifier. */
async function admit(c: BugTestCluster, client: BugTestCluster['client']): Promise<void> {
  const controller = serviceController({ client, cedar: new CedarLoader(client), clusterName: 'test', imageVerifier: simulatedImageVerifier([]) });
  for (let i = 0; i < 2; i++) await controller.reconciler.reconcile({ namespace: 'ns', name: 'web' }, { clock: c.clock, log: { info: () => {}, warn: () => {} } });
}

describe('image-trust-ignored', () => {
  test('without the bug the unsigned image is denied on SkipImageVerification', async () => {
    const c = await cluster();
    await admit(c, c.client);
    const status = await storedStatus(c.client, LatticeServiceType, 'ns', 'web');
    expect(status.phase).toBe('Failed');
    expect(status.conditions).toContainEqual(expect.objectContaining({ type: 'PolicyAuthorized', status: 'False', reason: 'SkipImageVerificationDenied' }));
  });

  test('with the bug it passes every gate; the stored ImageProvider still enforces trust', async () => {
    const c = await cluster();
    const { platformClient } = imageTrustIgnored.apply(c.seams, { clock: c.clock });
    await admit(c, platformClient);
    const status = await storedStatus(c.client, LatticeServiceType, 'ns', 'web');
    expect(status.phase).toBe('Compiling');
    expect(status.conditions).toContainEqual(expect.objectContaining({ type: 'PolicyAuthorized', status: 'True' }));
    const stored = (await c.client.get(ImageProviderType, { namespace: LATTICE_SYSTEM_NAMESPACE, name: 'signing' })) as unknown as { spec: { trust?: unknown } };
    expect(stored.spec.trust).toBeDefined();
  });
});
