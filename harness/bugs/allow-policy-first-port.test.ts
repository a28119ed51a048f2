import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { allowPolicyFirstPort, firstPortOnly } from './allow-policy-first-port.ts';
import { authorizationPolicyPorts, bugTestCluster, member, reconcileMember, storedIn } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(member('ns', 'client', { dependencies: [{ name: 'api' }] }));
  await c.client.create(
    member('ns', 'api', {
      allowedCallers: [{ name: 'client' }],
      ports: [{ name: 'http', port: 8080, servicePort: 80 }, { name: 'grpc', port: 50051, servicePort: 9090 }],
    }),
  );
  return c;
}

describe('allow-policy-first-port', () => {
  test('without the bug the inbound AuthorizationPolicy names every container port', async () => {
    const c = await cluster();
    await reconcileMember(c, c.client, 'ns', 'api');
    expect(authorizationPolicyPorts(await storedIn(c.client, StubTypes.AuthorizationPolicy, 'ns'), 'allow-to-')).toContainEqual(['8080', '50051']);
  });

  test('with the bug the inbound AuthorizationPolicies name only the first port', async () => {
    const c = await cluster();
    const { platformClient } = allowPolicyFirstPort.apply(c.seams, { clock: c.clock });
    await reconcileMember(c, platformClient, 'ns', 'api');
    const aps = await storedIn(c.client, StubTypes.AuthorizationPolicy, 'ns');
    const inbound = authorizationPolicyPorts(aps, 'allow-to-').filter((p) => p.includes('8080'));
    expect(inbound.length).toBeGreaterThan(0);
    for (const p of inbound) expect(p).toEqual(['8080']);
    expect(authorizationPolicyPorts(aps, 'allow-to-').flat()).not.toContain('50051');
  });

  test('firstPortOnly keeps single-port lists and rules without ports as they are', () => {
    const ap: KubeObject = {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'x' },
      spec: { rules: [{ to: [{ operation: { ports: ['8080', '9901', '50051'] } }, { operation: { ports: ['15008'] } }] }, {}] },
    };
    const out = firstPortOnly(ap);
    expect(out.spec.rules[0].to.map((t: { operation: { ports: string[] } }) => t.operation.ports)).toEqual([['8080'], ['15008']]);
    expect(out.spec.rules[1]).toEqual({});
  });
});
