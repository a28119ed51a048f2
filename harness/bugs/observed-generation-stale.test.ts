import { describe, expect, test } from 'vitest';
import { LatticeServiceType } from '../../platform/index.ts';
import type { LatticeService } from '../../platform/index.ts';
import { observedGenerationStale } from './observed-generation-stale.ts';
import { bugTestCluster, reconcileMember, reconcileService, service, storedStatus } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

/**
 * Drives `ns/api` to Ready through the real controllers (the service, its mesh member, the service
 * again), then changes its spec (generation 2) and reconciles once more. Returns the status after
 * each of the two Ready writes.
 */
async function readyTwice(wrap: (c: BugTestCluster) => BugTestCluster['client']): Promise<Record<string, unknown>[]> {
  const c = await bugTestCluster();
  await c.client.create(service('ns', 'api'));
  const client = wrap(c);
  await reconcileService(c, client, 'ns', 'api');
  await reconcileService(c, client, 'ns', 'api');
  await reconcileMember(c, c.client, 'ns', 'api');
  await reconcileService(c, client, 'ns', 'api');
  const first = await storedStatus(c.client, LatticeServiceType, 'ns', 'api');
  const ls = await c.client.get<LatticeService>(LatticeServiceType, { namespace: 'ns', name: 'api' });
  await c.client.update({ ...ls, spec: { ...ls.spec, replicas: 2 } });
  await reconcileService(c, client, 'ns', 'api');
  return [first, await storedStatus(c.client, LatticeServiceType, 'ns', 'api')];
}

describe('observed-generation-stale', () => {
  test('without the bug observedGeneration follows the generation (1, then 2)', async () => {
    const [first, second] = await readyTwice((c) => c.client);
    expect(first).toMatchObject({ phase: 'Ready', observedGeneration: 1 });
    expect(second).toMatchObject({ phase: 'Ready', observedGeneration: 2 });
  });

  test('with the bug the service is Ready both times and observedGeneration is never written', async () => {
    const [first, second] = await readyTwice((c) => observedGenerationStale.apply(c.seams, { clock: c.clock }).platformClient);
    for (const status of [first, second]) {
      expect(status.phase).toBe('Ready');
      expect(status).not.toHaveProperty('observedGeneration');
    }
  });
});
