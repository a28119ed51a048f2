/**
 * The book's scenario (issue #10): one store's backend answers in 3 minutes, longer than the
 * platform's 120 s wait for ExternalSecrets (service controller: poll 2 s, fail after 120 s), so the
 * LatticeService reading from it fails with no Deployment, while a service on a fast store is untouched.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { LatticeServiceType } from '../../../platform/index.ts';
import type { LatticeService } from '../../../platform/index.ts';
import { World } from '../../world.ts';
import { CoreTypes } from '../third-party-crds.ts';

const NS = 'shop';
const vault = (name: string): KubeObject => ({
  apiVersion: 'lattice.dev/v1alpha1',
  kind: 'SecretProvider',
  metadata: { name, namespace: 'lattice-system' },
  spec: { provider: { vault: { server: `https://${name}.test:8200`, path: 'secret', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role: 'shop' } } } } },
});

/** A LatticeService whose main container reads `password` of `<provider>:shop/<name>` (secret route 1). */
function service(name: string, provider: string): KubeObject {
  return {
    ...LatticeServiceType,
    metadata: { name, namespace: NS },
    spec: {
      replicas: 1,
      workload: {
        containers: {
          main: {
            image: 'python:3.12-alpine',
            command: ['/usr/local/bin/python3', '-m', 'http.server', '8080'],
            variables: { DB_PASSWORD: '${secret.creds.password}' },
            resources: { limits: { cpu: '250m', memory: '128Mi' } },
          },
        },
        service: { ports: { http: { port: 8080 } } },
        resources: { creds: { type: 'secret', id: `shop/${name}`, params: { provider, keys: ['password'] } } },
      },
    },
  };
}

const CEDAR: KubeObject = {
  apiVersion: 'lattice.dev/v1alpha1',
  kind: 'CedarPolicy',
  metadata: { name: 'shop-secrets', namespace: 'lattice-system' },
  spec: {
    priority: 10,
    policies: 'permit (principal is Lattice::Service, action == Lattice::Action::"AccessSecret", resource is Lattice::SecretPath) when { principal.namespace == "shop" };',
  },
};

describe('a 3-minute secret backend against the platform 120 s ExternalSecret wait', () => {
  it('fails the LatticeService on the slow store with no Deployment; the one on the fast store runs', async () => {
    const world = await World.create({ seed: 3 });
    const start = world.clock.now();
    world.secretBackends.configure('slow-vault', { latency: { delayMs: 180_000 } });
    const failures = await world.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }, vault('slow-vault'), vault('fast-vault'), CEDAR, service('cart', 'slow-vault'), service('shelf', 'fast-vault')]);
    expect(failures).toEqual([]);
    const ls = (name: string) => (world.server.list(LatticeServiceType, { namespace: NS }).items as LatticeService[]).find((s) => s.metadata.name === name)!;
    const deployment = (name: string) => world.server.list(CoreTypes.Deployment, { namespace: NS }).items.find((d) => d.metadata.name === name);

    await world.clock.run({ untilMs: start + 100_000 });
    expect(ls('cart').status?.phase).toBe('Compiling'); // still waiting inside the 120 s
    expect(ls('shelf').status?.phase).not.toBe('Failed');
    expect(deployment('shelf')).toBeDefined();

    await world.clock.run({ untilMs: start + 170_000 }); // past 120 s, before the 180 s read answers
    const cart = ls('cart');
    expect(cart.status?.phase).toBe('Failed');
    expect(cart.status?.message).toMatch(/^timed out after 120s waiting for ExternalSecrets to sync: cart-creds/);
    expect(deployment('cart')).toBeUndefined();
    expect(world.server.list(CoreTypes.Secret, { namespace: NS }).items.some((s) => s.metadata.name === 'cart-creds')).toBe(false);
    world.stop();
  });
});
