import { describe, expect, test } from 'vitest';
import { LatticeMeshMemberType, LatticeServiceType } from '../../platform/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { WAITING_FOR_MESH_MESSAGE, readyBeforePolicies, readyInsteadOfWaiting } from './ready-before-policies.ts';
import { bugTestCluster, reconcileService, service, storedIn, storedStatus } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

/** Runs the service reconcile until it waits for its mesh member (which no controller reconciles here). */
async function upToMeshWait(client: (c: BugTestCluster) => BugTestCluster['client']): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(service('ns', 'api'));
  for (let i = 0; i < 3; i++) await reconcileService(c, client(c), 'ns', 'api');
  return c;
}

describe('ready-before-policies', () => {
  test('without the bug the service waits for its mesh member', async () => {
    const c = await upToMeshWait((c) => c.client);
    expect(await storedStatus(c.client, LatticeServiceType, 'ns', 'api')).toMatchObject({ phase: 'Compiling', message: WAITING_FOR_MESH_MESSAGE });
  });

  test('with the bug the service is Ready while its member has no status and no AuthorizationPolicy exists', async () => {
    const c = await upToMeshWait((c) => readyBeforePolicies.apply(c.seams, { clock: c.clock }).platformClient);
    const status = await storedStatus(c.client, LatticeServiceType, 'ns', 'api');
    expect(status).toMatchObject({ phase: 'Ready', message: 'Service is operational', observedGeneration: 1 });
    expect(status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True', reason: 'ServiceReady' }));
    expect(status.conditions).not.toContainEqual(expect.objectContaining({ type: 'Compiling' }));
    expect(await storedStatus(c.client, LatticeMeshMemberType, 'ns', 'api')).toEqual({});
    expect(await storedIn(c.client, StubTypes.AuthorizationPolicy, 'ns')).toEqual([]);
  });

  test('readyInsteadOfWaiting leaves every other status write alone', () => {
    for (const status of [
      { phase: 'Compiling', message: 'Compiling service dependencies' },
      { phase: 'Failed', message: 'MeshMember failed: denied' },
      { phase: 'Compiling', message: 'Waiting for ExternalSecrets to sync: db' },
    ]) {
      const given = structuredClone(status);
      expect(readyInsteadOfWaiting(given, 3, '2026-01-01T00:00:00Z')).toEqual(status);
    }
  });
});
