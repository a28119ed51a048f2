/**
 * North-south ingress in a World (platform/mesh/ingress.ts + harness/stubs/istio + the evaluator): a
 * LatticeService with `spec.ingress` gets the namespace's Gateway, its HTTPRoute and the gateway
 * policies; Istio's proxy pod runs as `<ns>-ingress-istio`; the proxy reaches the routed service and
 * nothing that does not allow it (reference §4.4 step 2, §4.7).
 */
import { describe, expect, test } from 'vitest';
import { runCase } from '../harness/verifier/run-case.ts';
import { World } from '../harness/world.ts';
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

  // Reference controller.rs:468-499, 895-931: per-member field managers merge listeners; removing ingress releases them.
  test("two services share the namespace's Gateway (their listeners merged); one dropping ingress releases only its own listener and route", async () => {
    const both: Topology = { name: 'shop', services: [testService('shop', 'web', { ingress: true }), testService('shop', 'cart', { ingress: true })], probes: [] };
    const world = await World.create({ seed: 3 });
    await world.apply(renderTopology(both));
    await world.advance(world.clock.now() + 60_000);
    const gateway = () => world.reader.list({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway' });
    const listeners = () => gateway()[0].spec.listeners.map((l: { name: string }) => l.name).sort();
    expect(gateway().map((g: KubeObject) => g.metadata.name)).toEqual(['shop-ingress']);
    expect(listeners()).toEqual(['cart-public-http-0', 'web-public-http-0']);
    const type = { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService' };
    const cart = structuredClone(await world.client.get(type, { namespace: 'shop', name: 'cart' }));
    delete cart.spec.ingress;
    await world.client.update(cart);
    await world.advance(world.clock.now() + 60_000);
    expect(listeners()).toEqual(['web-public-http-0']);
    expect(world.reader.list({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' }).map((o: KubeObject) => o.metadata.name)).toEqual(['web-public-route']);
  });
});
