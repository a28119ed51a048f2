import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { StubTypes } from '../stubs/third-party-crds.ts';
import { allowPolicyServicePort, withServicePorts } from './allow-policy-service-port.ts';
import { authorizationPolicyPorts, bugTestCluster, member, reconcileMember, storedIn } from './testing/cluster.ts';
import type { BugTestCluster } from './testing/cluster.ts';

async function cluster(): Promise<BugTestCluster> {
  const c = await bugTestCluster();
  await c.client.create(member('ns', 'client', { dependencies: [{ name: 'api' }] }));
  await c.client.create(
    member('ns', 'api', {
      allowedCallers: [{ name: 'client' }],
      ports: [{ name: 'http', port: 8080, servicePort: 80 }, { name: 'grpc', port: 9090 }],
      egress: [{ target: { fqdn: 'example.com' }, ports: [443] }],
    }),
  );
  return c;
}

describe('allow-policy-service-port', () => {
  test('without the bug the inbound AuthorizationPolicy names the container ports ztunnel sees', async () => {
    const c = await cluster();
    await reconcileMember(c, c.client, 'ns', 'api');
    expect(authorizationPolicyPorts(await storedIn(c.client, StubTypes.AuthorizationPolicy, 'ns'), 'allow-to-')).toContainEqual(['8080', '9090']);
  });

  test('with the bug the inbound AuthorizationPolicies name the Service port where it differs from the container port', async () => {
    const c = await cluster();
    const { platformClient } = allowPolicyServicePort.apply(c.seams, { clock: c.clock });
    await reconcileMember(c, platformClient, 'ns', 'api');
    const aps = await storedIn(c.client, StubTypes.AuthorizationPolicy, 'ns');
    expect(authorizationPolicyPorts(aps, 'allow-to-').filter((p) => p.includes('9090'))).toEqual([['80', '9090']]);
    expect(authorizationPolicyPorts(aps, 'allow-wp-to-')).toEqual([['80', '9090']]);
  });

  test('ports the member does not declare, and ServiceEntry-bound policies, are kept', async () => {
    const c = await cluster();
    const { platformClient } = allowPolicyServicePort.apply(c.seams, { clock: c.clock });
    await reconcileMember(c, platformClient, 'ns', 'api');
    const aps = await storedIn(c.client, StubTypes.AuthorizationPolicy, 'ns');
    expect(authorizationPolicyPorts(aps, 'allow-to-waypoint')).toEqual([['15008']]);
    expect(authorizationPolicyPorts(aps, 'allow-fqdn-')).toEqual([['443']]);
  });

  test('withServicePorts maps only the ports it knows', () => {
    const ap: KubeObject = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'x' }, spec: { rules: [{ to: [{ operation: { ports: ['8080', '15008'] } }] }, {}] } };
    expect(withServicePorts(ap, new Map([['8080', '80']])).spec.rules[0].to[0].operation.ports).toEqual(['80', '15008']);
  });
});
