import { describe, expect, test } from 'vitest';
import { LatticeMeshMemberType } from '../../platform/index.ts';
import type { LatticeMeshMember } from '../../platform/index.ts';
import { DATAPLANE_MODE_LABEL, ambientEnrolmentLost, withoutEnrolment } from './ambient-enrolment-lost.ts';
import { bugTestCluster, member, reconcileMember } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

const NamespaceType = { apiVersion: 'v1', kind: 'Namespace' };

async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(member('ns', 'api'));
  return c;
}

const nsLabels = async (c: BugTestCluster) => (await c.client.get(NamespaceType, { name: 'ns' })).metadata.labels ?? {};
const phase = async (c: BugTestCluster) => (await c.client.get<LatticeMeshMember>(LatticeMeshMemberType, { namespace: 'ns', name: 'api' })).status?.phase;

describe('ambient-enrolment-lost', () => {
  test('without the bug the mesh-member controller enrols the namespace in ambient mode', async () => {
    const c = await cluster();
    await reconcileMember(c, c.client, 'ns', 'api');
    expect((await nsLabels(c))[DATAPLANE_MODE_LABEL]).toBe('ambient');
  });

  test('with the bug the namespace stays out of the mesh while the member still reports Ready', async () => {
    const c = await cluster();
    const { platformClient } = ambientEnrolmentLost.apply(c.seams, { clock: c.clock });
    await reconcileMember(c, platformClient, 'ns', 'api');
    expect(await nsLabels(c)).not.toHaveProperty(DATAPLANE_MODE_LABEL);
    expect(await phase(c)).toBe('Ready');
  });

  test('other label changes in the same patch still reach the API server', async () => {
    const c = await cluster();
    const { platformClient } = ambientEnrolmentLost.apply(c.seams, { clock: c.clock });
    await platformClient.patch(NamespaceType, { name: 'ns' }, 'merge', { metadata: { labels: { [DATAPLANE_MODE_LABEL]: 'ambient', team: 'a' } } });
    expect(await nsLabels(c)).toEqual(expect.objectContaining({ team: 'a' }));
    expect(await nsLabels(c)).not.toHaveProperty(DATAPLANE_MODE_LABEL);
  });

  test('withoutEnrolment drops only the dataplane-mode label of merge patches', () => {
    expect(withoutEnrolment('merge', { metadata: { labels: { [DATAPLANE_MODE_LABEL]: 'ambient' } } })).toBeUndefined();
    expect(withoutEnrolment('merge', { metadata: { labels: { [DATAPLANE_MODE_LABEL]: 'ambient' }, annotations: { a: 'b' } } })).toEqual({ metadata: { annotations: { a: 'b' } } });
    const json = [{ op: 'add', path: '/metadata/labels/x', value: 'y' }];
    expect(withoutEnrolment('json', json)).toBe(json);
  });
});
