import { describe, expect, it } from 'vitest';
import type { KubeObject, TypeRef } from '../../fake-apiserver/api/index.ts';
import { objectKey, producedObjects } from './produced.ts';

const obj = (kind: string, name: string, extra: Partial<KubeObject['metadata']> & { spec?: unknown; manager?: string } = {}): KubeObject => {
  const { spec, manager, ...meta } = extra;
  return {
    apiVersion: 'v1',
    kind,
    metadata: { namespace: 'ns', name, uid: `${kind}-${name}`, ...(manager ? { managedFields: [{ manager, operation: 'Apply' }] } : {}), ...meta },
    ...(spec ? { spec } : {}),
  } as KubeObject;
};
const owner = (o: KubeObject) => [{ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid! }];

describe('producedObjects', () => {
  const svc = obj('LatticeService', 'api');
  const lmm = obj('LatticeMeshMember', 'api', { manager: 'lattice-service-controller', ownerReferences: owner(svc) });
  const ap = obj('AuthorizationPolicy', 'allow-to-api', { manager: 'lattice-mesh-member-controller', ownerReferences: owner(lmm) });
  const cnp = obj('CiliumNetworkPolicy', 'cnp-mesh-1', { manager: 'lattice-mesh-member-controller', spec: { endpointSelector: { matchLabels: { 'k8s:app.kubernetes.io/name': 'api' } } } });
  const deploy = obj('Deployment', 'api', { manager: 'lattice-service-controller', ownerReferences: owner(svc) });
  const rs = obj('ReplicaSet', 'api-1', { manager: 'deployment-controller', ownerReferences: owner(deploy) });
  const defaults = obj('AuthorizationPolicy', 'mesh-default-deny', { manager: 'lattice-operator' });
  const all = [svc, lmm, ap, cnp, deploy, rs, defaults];
  const list = (t: TypeRef) => all.filter((o) => o.kind === t.kind);
  const types = [...new Set(all.map((o) => o.kind))].map((kind) => ({ apiVersion: 'v1', kind }));

  it('follows owners through generated objects, attributes unowned mesh policies by selector, and leaves cluster defaults platform-wide', () => {
    const p = producedObjects(list, types, [svc]);
    expect(p.byInput.get('LatticeService ns/api')!.map(objectKey)).toEqual([
      'AuthorizationPolicy ns/allow-to-api',
      'CiliumNetworkPolicy ns/cnp-mesh-1',
      'Deployment ns/api',
      'LatticeMeshMember ns/api',
    ]);
    expect(p.platformWide.map(objectKey)).toEqual(['AuthorizationPolicy ns/mesh-default-deny']);
  });

  it('never lists what the cluster made from the output (a ReplicaSet written by the deployment controller)', () => {
    const p = producedObjects(list, types, [svc]);
    expect([...p.byInput.values()].flat().concat(p.platformWide).map(objectKey)).not.toContain('ReplicaSet ns/api-1');
  });
});
