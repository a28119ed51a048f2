/**
 * LatticePackage in a World (issue 9): the real `helm template` renders our own chart
 * (`harness/testdata/charts/kv-cache`), the package controller applies it owned by the package with
 * `$secret` values through ESO behind Cedar AccessSecret (kind `package`); upgrade prunes, delete
 * uninstalls; admission refusals name the field; a warning when no mesh member covers the pods.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { LatticePackageType, type LatticePackage } from '../platform/index.ts';
import { World } from './world.ts';
import { CoreTypes, StubTypes } from './stubs/third-party-crds.ts';
import { localChartSource } from './charts.ts';
import { defaultProfile } from './profile.ts';

const NS: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cache' } };
const PERMIT: KubeObject = {
  apiVersion: 'lattice.dev/v1alpha1',
  kind: 'CedarPolicy',
  metadata: { name: 'kvc-secrets', namespace: 'lattice-system' },
  spec: { policies: 'permit(principal == Lattice::Service::"cache/kvc", action == Lattice::Action::"AccessSecret", resource == Lattice::SecretPath::"lattice-local:cache/kvc-token");' },
};

/** Our package: the kv-cache chart, its auth token from a `$secret` directive, optionally a mesh block. */
function kvc(version = '1.0.0', over: Partial<LatticePackage['spec']> = {}): LatticePackage {
  return {
    ...LatticePackageType,
    metadata: { name: 'kvc', namespace: 'cache' },
    spec: {
      chart: { repository: 'oci://charts.acme.dev/stable', name: 'kv-cache', version },
      resources: { token: { type: 'secret', id: 'cache/kvc-token', params: { provider: 'lattice-local', keys: ['token'] } } },
      values: { replicaCount: 1, auth: { existingSecret: { $secret: { token: '${token.token}' } } } },
      ...over,
    },
  } as LatticePackage;
}

const list = (world: World, type: { apiVersion: string; kind: string }, namespace = 'cache') => world.server.list(type, { namespace }).items;
const pkg = (world: World) => list(world, LatticePackageType)[0] as LatticePackage | undefined;
const condition = (p: LatticePackage | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type);

describe('LatticePackage in a World', () => {
  it('install → Ready with the rendered objects owned by the package and the secret wired; upgrade prunes; delete uninstalls', async () => {
    const world = await World.create({ seed: 21 });
    expect(await world.apply([NS, PERMIT, kvc()])).toEqual([]);
    await world.advance(world.clock.now() + 30_000);
    const p = pkg(world)!;
    expect(p.status).toMatchObject({ phase: 'Ready', chartVersion: '1.0.0', observedGeneration: 1 });
    expect(condition(p, 'Ready')).toMatchObject({ status: 'True', reason: 'Installed' });
    const dep = list(world, CoreTypes.Deployment).find((d) => d.metadata.name === 'kvc')!;
    expect(dep.metadata.ownerReferences).toContainEqual(expect.objectContaining({ kind: 'LatticePackage', name: 'kvc', controller: true }));
    expect(dep.metadata.labels).toMatchObject({ 'lattice.dev/package': 'kvc' });
    // The $secret directive became an ExternalSecret whose target Secret name the chart received.
    const [es] = list(world, StubTypes.ExternalSecret);
    expect(es.spec).toMatchObject({ secretStoreRef: { name: 'lattice-local', kind: 'ClusterSecretStore' }, data: [{ secretKey: 'token', remoteRef: { key: 'cache/kvc-token', property: 'token' } }] });
    expect(dep.spec.template.spec.containers[0].env).toEqual([{ name: 'AUTH_TOKEN', valueFrom: { secretKeyRef: { name: es.metadata.name, key: 'token' } } }]);
    expect(list(world, CoreTypes.ConfigMap).map((c) => c.metadata.name)).toContain('kvc-config');
    // No mesh block and no other member: the pods are covered by nothing, which the status warns about.
    expect(condition(p, 'MeshCovered')).toMatchObject({ status: 'False', reason: 'NoMeshMember' });
    expect(world.logs.some((l) => l.level === 'warn' && l.message.includes('no mesh member covers Deployment/kvc'))).toBe(true);

    // Upgrade: 1.1.0 drops the ConfigMap and adds a PodDisruptionBudget.
    await world.client.patch(LatticePackageType, { namespace: 'cache', name: 'kvc' }, 'merge', { spec: { chart: { version: '1.1.0' } } });
    await world.advance(world.clock.now() + 30_000);
    expect(pkg(world)?.status).toMatchObject({ phase: 'Ready', chartVersion: '1.1.0', observedGeneration: 2 });
    expect(list(world, CoreTypes.ConfigMap).map((c) => c.metadata.name)).not.toContain('kvc-config');
    expect(list(world, CoreTypes.PodDisruptionBudget).map((c) => c.metadata.name)).toEqual(['kvc']);

    // Uninstall.
    await world.client.delete(LatticePackageType, { namespace: 'cache', name: 'kvc' });
    await world.advance(world.clock.now() + 30_000);
    expect(list(world, CoreTypes.Deployment)).toEqual([]);
    expect(list(world, StubTypes.ExternalSecret)).toEqual([]);
    expect(list(world, CoreTypes.Service)).toEqual([]);
    world.stop();
  }, 60_000);

  it('the mesh block becomes a LatticeMeshMember named like the package; the pods are then covered', async () => {
    const world = await World.create({ seed: 22 });
    const mesh = { selector: { 'app.kubernetes.io/name': 'kvc' }, ports: [{ name: 'tcp', port: 6379 }], allowedCallers: [{ namespace: 'shop', name: 'cart' }] };
    await world.apply([NS, PERMIT, kvc('1.0.0', { mesh })]);
    await world.advance(world.clock.now() + 30_000);
    const [mm] = list(world, { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember' });
    expect(mm.metadata).toMatchObject({ name: 'kvc', labels: { 'lattice.dev/service': 'kvc' } });
    expect(mm.spec).toMatchObject({ target: { selector: { 'app.kubernetes.io/name': 'kvc' } }, ports: [{ port: 6379, name: 'tcp', peerAuth: 'Strict' }], ambient: true, allowedCallers: [{ namespace: 'shop', name: 'cart' }] });
    expect(condition(pkg(world), 'MeshCovered')).toMatchObject({ status: 'True' });
    world.stop();
  }, 60_000);

  it('Cedar denies the secret: Failed naming the gate, nothing rendered', async () => {
    const world = await World.create({ seed: 23 });
    await world.apply([NS, kvc()]);
    await world.advance(world.clock.now() + 30_000);
    expect(pkg(world)?.status?.phase).toBe('Failed');
    expect(condition(pkg(world), 'Ready')).toMatchObject({ status: 'False', reason: 'SecretAccessDenied' });
    expect(pkg(world)?.status?.message).toMatch(/^secret access denied: 'token'/);
    expect(list(world, CoreTypes.Deployment)).toEqual([]);
    world.stop();
  }, 60_000);

  it('admission: HTTP repository, floating version and system namespace are refused by the webhook naming the field; an unlisted repository fails in the controller', async () => {
    const world = await World.create({ seed: 24, profile: { ...defaultProfile(), packages: { allowedRepositories: ['oci://charts.acme.dev'] } } });
    const refused = await world.apply([
      NS,
      { ...kvc(), metadata: { name: 'plain-http', namespace: 'cache' }, spec: { ...kvc().spec, chart: { repository: 'http://charts.acme.dev', name: 'kv-cache', version: '1.0.0' } } } as KubeObject,
      { ...kvc(), metadata: { name: 'floating', namespace: 'cache' }, spec: { ...kvc().spec, chart: { repository: 'oci://charts.acme.dev', name: 'kv-cache', version: '^1.0' } } } as KubeObject,
      { ...kvc(), metadata: { name: 'sys', namespace: 'kube-system' } } as KubeObject,
    ]);
    const messages = refused.map((f) => `${f.object.metadata.name}: ${f.error.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^plain-http: .*spec\.chart\.repository: must be an HTTPS \(https:\/\/\) or OCI \(oci:\/\/\) repository, got 'http:\/\/charts\.acme\.dev'/),
      expect.stringMatching(/^floating: .*spec\.chart\.version: must be a pinned version/),
      expect.stringMatching(/^sys: .*metadata\.namespace: workload CRDs cannot be deployed in system namespace 'kube-system'/),
    ]);
    await world.apply([{ ...kvc(), metadata: { name: 'elsewhere', namespace: 'cache' }, spec: { ...kvc().spec, chart: { repository: 'oci://ghcr.io/other', name: 'kv-cache', version: '1.0.0' } } } as KubeObject]);
    await world.advance(world.clock.now() + 30_000);
    const p = list(world, LatticePackageType).find((x) => x.metadata.name === 'elsewhere') as LatticePackage;
    expect(p.status).toMatchObject({ phase: 'Failed', message: "spec.chart.repository: 'oci://ghcr.io/other' is not an allowed chart repository" });
    world.stop();
  }, 60_000);
});

describe('localChartSource', () => {
  it('serves <dir>/<name>/<version>/ for any repository and nothing else', () => {
    const source = localChartSource();
    expect(source({ repository: 'oci://x', name: 'kv-cache', version: '1.0.0' })?.chart).toMatch(/testdata\/charts\/kv-cache\/1\.0\.0$/);
    expect(source({ repository: 'oci://x', name: 'kv-cache', version: '9.9.9' })).toBeUndefined();
  });
});
