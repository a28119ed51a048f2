import { describe, expect, it } from 'vitest';
import { ApiServer, InProcessClient } from '../fake-apiserver/index.ts';
import { LATTICE_WEBHOOK_SERVICE, latticeWebhookServer } from '../platform/index.ts';
import { VirtualClock } from './clock/index.ts';
import { stableUid } from './rng/index.ts';
import { defaultProfile } from './profile.ts';
import { nodeObjects } from './stubs/nodes.ts';
import { installCluster, writeInstall } from './world-template.ts';
import type { ClusterInstall } from './world-template.ts';
import { World } from './world.ts';

/** A World's API server before its install (the options World.create gives it that the install reads). */
function freshServer(seed: number, install: ClusterInstall): ApiServer {
  const server = new ApiServer({ clock: new VirtualClock(install.startMs), newUid: (id) => stableUid(seed, id), builtinStrategies: { defaulting: install.builtinDefaulting } });
  server.registerWebhookService(LATTICE_WEBHOOK_SERVICE.namespace, LATTICE_WEBHOOK_SERVICE.name, latticeWebhookServer);
  return server;
}

describe('cluster template', () => {
  const install: ClusterInstall = { nodes: nodeObjects(defaultProfile()), platform: true, builtinDefaulting: false, startMs: new VirtualClock().now() };

  it('starts a server in the state the install writes leave: same objects, resourceVersions, managedFields, and uids of its own seed', async () => {
    for (const seed of [3, 11]) {
      const written = freshServer(seed, install);
      await writeInstall(new InProcessClient(written), install);
      const started = freshServer(seed, install);
      await installCluster(started, install);
      expect(started.revision).toBe(written.revision);
      expect(started.snapshot()).toEqual(written.snapshot());
      // Every kind the install registers is served, and the next write gets the next revision on both.
      expect(started.registry.all().map((i) => `${i.apiVersion}/${i.kind}`)).toEqual(written.registry.all().map((i) => `${i.apiVersion}/${i.kind}`));
      const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'next', namespace: 'default' } };
      expect(started.create(cm).metadata).toEqual(written.create(cm).metadata);
    }
  });

  it('gives each seed its own uids and without the platform holds none of its objects', async () => {
    const [a, b] = [freshServer(1, install), freshServer(2, install)];
    await installCluster(a, install);
    await installCluster(b, install);
    const node = { apiVersion: 'v1', kind: 'Node' };
    const name = install.nodes[0].metadata.name;
    expect(a.get(node, { name }).metadata.uid).not.toBe(b.get(node, { name }).metadata.uid);
    const bare = { ...install, platform: false };
    const stubs = freshServer(1, bare);
    await installCluster(stubs, bare);
    expect(stubs.registry.tryLookup({ apiVersion: 'lattice.dev/v1beta1', kind: 'LatticeService' })).toBeUndefined();
    expect(a.registry.tryLookup({ apiVersion: 'lattice.dev/v1beta1', kind: 'LatticeService' })).toBeDefined();
  });

  it('is what World.create starts from', async () => {
    const world = await World.create({ seed: 3 });
    world.stop();
    const written = freshServer(3, install);
    await writeInstall(new InProcessClient(written), install);
    // Every installed object is in the World with the uid of the World's seed (controllers started since may have written some).
    const key = (o: { kind: string; metadata: { namespace?: string; name: string; uid?: string } }) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}/${o.metadata.uid}`;
    const inWorld = new Set(world.server.objects().map(key));
    expect(written.objects().map(key).filter((k) => !inWorld.has(k))).toEqual([]);
    expect(written.objects().length).toBeGreaterThan(60);
  });
});
