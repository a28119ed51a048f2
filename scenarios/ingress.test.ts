/**
 * North-south ingress in a World (platform/mesh/ingress.ts + harness/stubs/istio + the evaluator): a
 * LatticeService with `spec.ingress` gets the namespace's Gateway, its HTTPRoute and the gateway
 * policies; Istio's proxy pod runs as `<ns>-ingress-istio`; the proxy reaches the routed service and
 * nothing that does not allow it (reference §4.4 step 2, §4.7).
 */
import { describe, expect, test } from 'vitest';
import { runCase } from '../harness/verifier/run-case.ts';
import { expectedProbesWithAdmission, ingressGatewayKey, renderTopology } from '../topologies/index.ts';
import type { Topology } from '../topologies/index.ts';
import { testService } from '../topologies/testing.ts';
import type { KubeObject } from '../fake-apiserver/api/index.ts';

const gw = ingressGatewayKey('shop');
const topology: Topology = {
  name: 'shop',
  services: [
    testService('shop', 'web', { ingress: true }),
    testService('shop', 'cart'),
    testService('shop', 'front', { layer: 0, ports: [], outbound: ['shop/cart'] }),
  ],
  probes: [
    { from: gw, to: 'shop/web' },
    { from: gw, to: 'shop/cart' },
    { from: 'shop/front', to: 'shop/web' },
  ],
};

describe('ingress gateway as a mesh caller', () => {
  test('the gateway proxy reaches the routed service only, and the platform writes the Gateway API objects', async () => {
    const expected = expectedProbesWithAdmission(topology);
    expect(expected.map((p) => `${p.from}->${p.to}:${p.expected}`)).toEqual([`${gw}->shop/web:allow`, `${gw}->shop/cart:deny`, 'shop/front->shop/web:deny']);
    const { record, world } = await runCase({ id: 'ingress', name: 'ingress', kind: 'random', seed: 5, objects: renderTopology(topology), expected });
    expect(record.probes.map((p) => `${p.from}->${p.to}:${p.observed}`)).toEqual([`${gw}->shop/web:allow`, `${gw}->shop/cart:deny`, 'shop/front->shop/web:deny']);
    expect(record.invariants).toEqual([]);
    expect(record.status).toBe('verified');
    const list = (apiVersion: string, kind: string) => world.reader.list({ apiVersion, kind }).map((o: KubeObject) => o.metadata.name);
    expect(list('gateway.networking.k8s.io/v1', 'Gateway')).toEqual(['shop-ingress']);
    expect(list('gateway.networking.k8s.io/v1', 'HTTPRoute')).toEqual(['web-public-route']);
    const pod = world.reader.list({ apiVersion: 'v1', kind: 'Pod' }).find((p: KubeObject) => p.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] === 'shop-ingress');
    expect(pod?.spec?.serviceAccountName).toBe('shop-ingress-istio');
  });
});
