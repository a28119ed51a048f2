import { describe, expect, test } from 'vitest';
import { CedarPolicyType, LatticeMeshMemberType } from '../../platform/index.ts';
import type { CedarPolicy } from '../../platform/index.ts';
import { disabledPolicyEnforced, everyPolicyEnabled } from './disabled-policy-enforced.ts';
import { bugTestCluster, cedarPolicy, member, reconcileMember, storedStatus } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

const wildcard = (effect: 'permit' | 'forbid') =>
  `${effect} (\n  principal == Lattice::Service::"ns/api",\n  action == Lattice::Action::"AllowWildcard",\n  resource == Lattice::Mesh::"inbound"\n);\n`;

/** `api` allows any caller; an enabled policy permits its wildcard, a disabled one forbids it. */
async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(cedarPolicy('open', wildcard('permit')));
  const off = cedarPolicy('switched-off', wildcard('forbid'));
  off.spec.enabled = false;
  await c.client.create(off);
  await c.client.create(member('ns', 'api', { allowedCallers: [{ name: '*' }] }));
  return c;
}

describe('disabled-policy-enforced', () => {
  test('through the real mesh-member controller, the disabled forbid is ignored without the bug and fails the member with it', async () => {
    const clean = await cluster();
    await reconcileMember(clean, clean.client, 'ns', 'api');
    expect(await storedStatus(clean.client, LatticeMeshMemberType, 'ns', 'api')).toMatchObject({ phase: 'Ready' });

    const buggy = await cluster();
    const { platformClient } = disabledPolicyEnforced.apply(buggy.seams, { clock: buggy.clock });
    await reconcileMember(buggy, platformClient, 'ns', 'api');
    expect(await storedStatus(buggy.client, LatticeMeshMemberType, 'ns', 'api')).toMatchObject({ phase: 'Failed' });
    const stored = await buggy.client.get<CedarPolicy>(CedarPolicyType, { namespace: 'lattice-system', name: 'switched-off' });
    expect(stored.spec.enabled).toBe(false);
  });

  test('everyPolicyEnabled returns enabled policies (explicit or default) as the same objects', () => {
    const on = cedarPolicy('on', wildcard('permit'));
    const explicit = cedarPolicy('explicit', wildcard('permit'));
    explicit.spec.enabled = true;
    const off = cedarPolicy('off', wildcard('forbid'));
    off.spec.enabled = false;
    const seen = everyPolicyEnabled([on, explicit, off]);
    expect(seen[0]).toBe(on);
    expect(seen[1]).toBe(explicit);
    expect(seen[2].spec).not.toHaveProperty('enabled');
    expect(off.spec.enabled).toBe(false);
  });
});
