import { describe, expect, test } from 'vitest';
import { SYSTEM_NAMESPACES, clusterDefaultPolicies } from './cluster-defaults.ts';

const byName = (name: string) => clusterDefaultPolicies().find((o) => o.metadata.name === name)!;

describe('clusterDefaultPolicies', () => {
  test('installs the reference set of cluster-wide objects', () => {
    expect(clusterDefaultPolicies().map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      'CiliumClusterwideNetworkPolicy//default-deny',
      'CiliumClusterwideNetworkPolicy//allow-node-ingress',
      'CiliumClusterwideNetworkPolicy//allow-ambient-hostprobes',
      'CiliumClusterwideNetworkPolicy//mesh-proxy-egress',
      'PeerAuthentication/istio-system/default',
      'AuthorizationPolicy/istio-system/mesh-default-deny',
      'AuthorizationPolicy/istio-system/waypoint-default-deny',
      'AuthorizationPolicy/lattice-system/lattice-operator-allow',
    ]);
  });

  test('default-deny selects non-system namespaces, has egress to DNS and the API server, and no ingress section', () => {
    const spec = byName('default-deny').spec;
    expect(spec.endpointSelector.matchExpressions).toEqual([{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'NotIn', values: [...SYSTEM_NAMESPACES] }]);
    expect('ingress' in spec).toBe(false);
    expect(spec.egress[0].toPorts[0].rules.dns).toEqual([{ matchName: 'kubernetes.default.svc.cluster.local' }]);
    expect(spec.egress[1]).toEqual({ toEntities: ['kube-apiserver'] });
  });

  test('lattice-system is not a system namespace, as in the reference code', () => {
    expect(SYSTEM_NAMESPACES).toContain('kube-system');
    expect(SYSTEM_NAMESPACES).not.toContain('lattice-system');
  });

  test('mesh-wide Istio defaults are STRICT mTLS and an allow-nothing policy', () => {
    expect(byName('default').spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(byName('mesh-default-deny').spec).toEqual({});
  });

  test('returns fresh objects on every call', () => {
    const a = clusterDefaultPolicies();
    a[0].spec.egress = [];
    expect(clusterDefaultPolicies()[0].spec.egress).toHaveLength(2);
  });
});
