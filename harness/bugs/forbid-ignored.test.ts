import { describe, expect, test } from 'vitest';
import { CedarPolicyType, LatticeMeshMemberType } from '../../platform/index.ts';
import type { CedarPolicy } from '../../platform/index.ts';
import { CedarEngine } from '../../platform/cedar/index.ts';
import { forbidIgnored, permitsOnly } from './forbid-ignored.ts';
import { bugTestCluster, cedarPolicy, member, reconcileMember, storedStatus } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

const WILDCARD = (effect: 'permit' | 'forbid', id: string) =>
  `@id("${id}")\n${effect} (\n  principal == Lattice::Service::"ns/api",\n  action == Lattice::Action::"AllowWildcard",\n  resource == Lattice::Mesh::"inbound"\n);`;
const PERMIT_AND_FORBID = `${WILDCARD('permit', 'open')}\n\n${WILDCARD('forbid', 'closed')}\n`;

async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(cedarPolicy('wildcards', PERMIT_AND_FORBID));
  await c.client.create(member('ns', 'api', { allowedCallers: [{ name: '*' }] }));
  return c;
}

describe('permitsOnly', () => {
  test('a policy set with a forbid keeps only its permits, and the engine then allows what the forbid denied', () => {
    const [seen] = permitsOnly([cedarPolicy('wildcards', PERMIT_AND_FORBID)]) as CedarPolicy[];
    expect(seen.spec.policies).toContain('permit');
    expect(seen.spec.policies).toContain('@id("open")');
    expect(seen.spec.policies).not.toContain('forbid');
    const request = { action: 'AllowWildcard', principal: { name: 'api', namespace: 'ns', kind: 'service' }, resource: { type: 'Mesh', id: 'inbound' }, subject: 'api' } as const;
    expect(CedarEngine.fromText(PERMIT_AND_FORBID).authorize([request])[0].allowed).toBe(false);
    expect(CedarEngine.fromText(seen.spec.policies).authorize([request])[0].allowed).toBe(true);
  });

  test('permit-only sets and texts that do not parse are returned as the same objects', () => {
    const given = [cedarPolicy('permits', `${WILDCARD('permit', 'open')}\n`), cedarPolicy('broken', 'forbid (principal')];
    permitsOnly(given).forEach((p, i) => expect(p).toBe(given[i]));
  });
});

describe('forbid-ignored', () => {
  test('through the real mesh-member controller, a forbidden wildcard fails without the bug and goes Ready with it', async () => {
    const clean = await cluster();
    await reconcileMember(clean, clean.client, 'ns', 'api');
    expect(await storedStatus(clean.client, LatticeMeshMemberType, 'ns', 'api')).toMatchObject({ phase: 'Failed' });

    const buggy = await cluster();
    const { platformClient } = forbidIgnored.apply(buggy.seams, { clock: buggy.clock });
    await reconcileMember(buggy, platformClient, 'ns', 'api');
    expect(await storedStatus(buggy.client, LatticeMeshMemberType, 'ns', 'api')).toMatchObject({ phase: 'Ready' });
    const stored = (await buggy.client.get<CedarPolicy>(CedarPolicyType, { namespace: 'lattice-system', name: 'wildcards' })).spec.policies;
    expect(stored).toBe(PERMIT_AND_FORBID);
  });
});
