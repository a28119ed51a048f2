import { describe, expect, test } from 'vitest';
import { LatticeServiceType } from '../../platform/index.ts';
import { volumeConsentIgnored } from './volume-consent-ignored.ts';
import { bugTestCluster, cedarPolicy, reconcileService, service, storedStatus } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

const limits = { limits: { cpu: '100m', memory: '64Mi' } };

/** `ns/owner` owns shared volume `media` and consents to nobody; `ns/plex` mounts it. Cedar permits everything. */
async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(cedarPolicy('permit-all', 'permit (principal, action, resource);\n'));
  const owner = service('ns', 'owner');
  owner.spec.workload.containers.main.resources = limits;
  owner.spec.workload.resources = { media: { type: 'volume', id: 'media', params: { size: '1Gi', allowedConsumers: [] } } };
  const plex = service('ns', 'plex');
  plex.spec.workload.containers.main.resources = limits;
  plex.spec.workload.containers.main.volumes = { '/media': { source: '${resources.media}' } };
  plex.spec.workload.resources = { media: { type: 'volume', id: 'media' } };
  await c.client.create(owner);
  await c.client.create(plex);
  return c;
}

async function admit(c: BugTestCluster, client: BugTestCluster['client']): Promise<void> {
  await reconcileService(c, client, 'ns', 'plex'); // Pending → Compiling
  await reconcileService(c, client, 'ns', 'plex'); // gates
}

describe('volume-consent-ignored', () => {
  test('without the bug the consumer the owner never named is denied on AccessVolume', async () => {
    const c = await cluster();
    await admit(c, c.client);
    expect(await storedStatus(c.client, LatticeServiceType, 'ns', 'plex')).toMatchObject({ phase: 'Failed', message: "volume access denied: 'media': not in allowedConsumers of volume 'media' owned by 'ns/owner'" });
  });

  test('with the bug it passes every gate; the stored owner still consents to nobody', async () => {
    const c = await cluster();
    const { platformClient } = volumeConsentIgnored.apply(c.seams, { clock: c.clock });
    await admit(c, platformClient);
    const status = await storedStatus(c.client, LatticeServiceType, 'ns', 'plex');
    expect(status.phase).toBe('Compiling');
    expect(status.conditions).toContainEqual(expect.objectContaining({ type: 'PolicyAuthorized', status: 'True' }));
    const owner = (await c.client.get(LatticeServiceType, { namespace: 'ns', name: 'owner' })) as unknown as { spec: { workload: { resources: { media: { params: { allowedConsumers: string[] } } } } } };
    expect(owner.spec.workload.resources.media.params.allowedConsumers).toEqual([]);
  });
});
