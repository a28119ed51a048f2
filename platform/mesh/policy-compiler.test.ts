import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { LatticeMeshMember } from '../crds/types.ts';
import { derivedName } from './derived-name.ts';
import { buildServiceGraph } from './graph.ts';
import { MeshCompileError, compileMeshPolicies, type MeshCompileOptions } from './policy-compiler.ts';
import { lmm } from './testing/members.ts';

const TD = 'lattice.test';

function compile(members: LatticeMeshMember[], key: string, opts: Partial<MeshCompileOptions> = {}): KubeObject[] {
  const member = members.find((m) => `${m.metadata.namespace}/${m.metadata.name}` === key)!;
  const graph = buildServiceGraph(members);
  return compileMeshPolicies(member, graph, { trustDomain: TD, ...opts });
}

const ofKind = (objs: KubeObject[], kind: string) => objs.filter((o) => o.kind === kind);
const cnpOf = (objs: KubeObject[]) => {
  const cnps = ofKind(objs, 'CiliumNetworkPolicy');
  expect(cnps).toHaveLength(1);
  return cnps[0];
};
const allowTo = (objs: KubeObject[]) => objs.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name.startsWith('allow-to-'));
const principalsOf = (ap: KubeObject | undefined): string[] => ap?.spec.rules[0].from?.[0].source.principals ?? [];
const dnsNames = (cnp: KubeObject): string[] => (cnp.spec.egress[0].toPorts[0].rules?.dns ?? []).map((d: { matchName: string }) => d.matchName);

const bilateral = () => [
  lmm('ns', 'client', { dependencies: [{ name: 'api' }] }),
  lmm('ns', 'api', { allowedCallers: [{ name: 'client' }], ports: [{ name: 'http', port: 8080, servicePort: 80 }, { name: 'grpc', port: 9090 }] }),
];

describe('compileMeshPolicies: bilateral agreements', () => {
  test('a bilateral pair gives the callee an AP naming the caller principal and the caller a DNS name for the callee', () => {
    const members = bilateral();
    const api = compile(members, 'ns/api');
    expect(principalsOf(allowTo(api))).toEqual([`${TD}/ns/ns/sa/client`]);
    const client = compile(members, 'ns/client');
    expect(dnsNames(cnpOf(client))).toEqual(['api.ns.svc.cluster.local']);
  });

  test('caller-only declaration gives no AP principal and no DNS name', () => {
    const members = [lmm('ns', 'client', { dependencies: [{ name: 'api' }] }), lmm('ns', 'api')];
    expect(allowTo(compile(members, 'ns/api'))).toBeUndefined();
    expect(dnsNames(cnpOf(compile(members, 'ns/client')))).toEqual([]);
  });

  test('callee-only declaration gives no AP principal and no DNS name', () => {
    const members = [lmm('ns', 'client'), lmm('ns', 'api', { allowedCallers: [{ name: 'client' }] })];
    expect(allowTo(compile(members, 'ns/api'))).toBeUndefined();
    expect(dnsNames(cnpOf(compile(members, 'ns/client')))).toEqual([]);
  });

  test('every member always gets exactly one CNP, even with no edges and no ports', () => {
    const lonely = [lmm('ns', 'x', { ports: [] })];
    const objs = compile(lonely, 'ns/x');
    expect(objs.map((o) => o.kind)).toEqual(['CiliumNetworkPolicy']);
    expect(objs[0].metadata.name).toBe(derivedName('cnp-mesh-', ['ns', 'x']));
  });

  test('a wildcard callee admits only callers that declare the dependency', () => {
    const members = [
      lmm('ns', 'public-api', { allowedCallers: [{ name: '*' }] }),
      lmm('ns', 'frontend-web', { dependencies: [{ name: 'public-api' }] }),
      lmm('ns', 'frontend-mobile'),
    ];
    expect(principalsOf(allowTo(compile(members, 'ns/public-api')))).toEqual([`${TD}/ns/ns/sa/frontend-web`]);
  });

  test('cross-namespace edges need explicit namespaces on both sides and use the caller namespace in the principal', () => {
    const implicit = [lmm('a', 'client', { dependencies: [{ name: 'api', namespace: 'b' }] }), lmm('b', 'api', { allowedCallers: [{ name: 'client' }] })];
    expect(allowTo(compile(implicit, 'b/api'))).toBeUndefined();
    const explicit = [lmm('a', 'client', { dependencies: [{ name: 'api', namespace: 'b' }] }), lmm('b', 'api', { allowedCallers: [{ name: 'client', namespace: 'a' }] })];
    expect(principalsOf(allowTo(compile(explicit, 'b/api')))).toEqual([`${TD}/ns/a/sa/client`]);
    expect(dnsNames(cnpOf(compile(explicit, 'a/client')))).toEqual(['api.b.svc.cluster.local']);
  });

  test('principals have no spiffe:// prefix and use the caller service account', () => {
    const members = [lmm('ns', 'client', { dependencies: [{ name: 'api' }], serviceAccount: 'client-sa' }), lmm('ns', 'api', { allowedCallers: [{ name: 'client' }] })];
    const ps = principalsOf(allowTo(compile(members, 'ns/api')));
    expect(ps).toEqual([`${TD}/ns/ns/sa/client-sa`]);
    expect(ps.every((p) => !p.startsWith('spiffe://'))).toBe(true);
  });

  test('AP ports are the target (container) ports as sorted strings', () => {
    const ap = allowTo(compile(bilateral(), 'ns/api'))!;
    expect(ap.spec.rules[0].to).toEqual([{ operation: { ports: ['8080', '9090'] } }]);
    expect(ap.spec.action).toBe('ALLOW');
    expect(ap.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'api' } });
  });

  test('no AP is emitted when the member has callers but no ports', () => {
    const members = [lmm('ns', 'client', { dependencies: [{ name: 'api' }] }), lmm('ns', 'api', { allowedCallers: [{ name: 'client' }], ports: [] })];
    expect(allowTo(compile(members, 'ns/api'))).toBeUndefined();
  });

  test('allowPeerTraffic adds the member own principal and HBONE ingress', () => {
    const objs = compile([lmm('ns', 'db', { allowPeerTraffic: true })], 'ns/db');
    expect(principalsOf(allowTo(objs))).toEqual([`${TD}/ns/ns/sa/db`]);
    expect(cnpOf(objs).spec.ingress[0]).toEqual({ fromEntities: ['cluster'], toPorts: [{ ports: [{ port: '15008', protocol: 'TCP' }] }] });
  });
});

describe('compileMeshPolicies: CNP shape for ambient members', () => {
  test('HBONE ingress is present only with an active inbound edge', () => {
    const members = bilateral();
    expect(cnpOf(compile(members, 'ns/api')).spec.ingress).toEqual([{ fromEntities: ['cluster'], toPorts: [{ ports: [{ port: '15008', protocol: 'TCP' }] }] }]);
    expect(cnpOf(compile(members, 'ns/client')).spec.ingress).toBeUndefined();
  });

  test('no dependencies gives a DNS rule without rules, then HBONE egress to cluster and world', () => {
    const cnp = cnpOf(compile([lmm('ns', 'x')], 'ns/x'));
    expect(cnp.spec.endpointSelector).toEqual({ matchLabels: { 'k8s:app.kubernetes.io/name': 'x' } });
    expect(cnp.spec.egress).toEqual([
      {
        toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } }],
        toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }, { port: '53', protocol: 'TCP' }] }],
      },
      { toEntities: ['cluster', 'world'], toPorts: [{ ports: [{ port: '15008', protocol: 'TCP' }] }] },
    ]);
  });

  test('spec egress rules map to toEntities, toCIDR and toFQDNs with their ports, and FQDNs join the DNS names', () => {
    const m = lmm('ns', 'x', {
      egress: [
        { target: { entity: 'kube-apiserver' }, ports: [] },
        { target: { cidr: '10.0.0.0/8' }, ports: [5432] },
        { target: { fqdn: 'api.example.com' }, ports: [443], protocol: 'TCP' },
        { target: { fqdn: 'dns.example.com' }, ports: [53], protocol: 'UDP' },
      ],
    });
    const cnp = cnpOf(compile([m], 'ns/x'));
    expect(dnsNames(cnp)).toEqual(['api.example.com', 'dns.example.com']);
    expect(cnp.spec.egress.slice(2)).toEqual([
      { toEntities: ['kube-apiserver'] },
      { toCIDR: ['10.0.0.0/8'], toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }] },
      { toFQDNs: [{ matchName: 'api.example.com' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
      { toFQDNs: [{ matchName: 'dns.example.com' }], toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }] }] },
    ]);
  });

  test('an ambient caller gets a direct egress rule to a non-ambient callee (with the namespace label across namespaces)', () => {
    const members = [
      lmm('a', 'client', { dependencies: [{ name: 'trainer', namespace: 'b' }] }),
      lmm('b', 'trainer', { ambient: false, allowedCallers: [{ name: 'client', namespace: 'a' }], ports: [{ name: 'p', port: 7000 }] }),
    ];
    const egress = cnpOf(compile(members, 'a/client')).spec.egress;
    expect(egress[2]).toEqual({
      toEndpoints: [{ matchLabels: { 'k8s:app.kubernetes.io/name': 'trainer', 'k8s:io.kubernetes.pod.namespace': 'b' } }],
      toPorts: [{ ports: [{ port: '7000', protocol: 'TCP' }] }],
    });
  });

  // Reference policy/cilium.rs:304-311: no target ports, no direct rule (the port used to open every port at L3).
  test('an ambient caller gets no direct egress rule to a non-ambient callee without ports', () => {
    const members = [
      lmm('ns', 'client', { dependencies: [{ name: 'trainer' }] }),
      lmm('ns', 'trainer', { ambient: false, allowedCallers: [{ name: 'client' }], ports: [] }),
    ];
    const egress = cnpOf(compile(members, 'ns/client')).spec.egress;
    // DNS (which still lists the callee's name) and HBONE only.
    expect(egress).toHaveLength(2);
    expect(egress.map((r: { toEndpoints?: { matchLabels: Record<string, string> }[] }) => r.toEndpoints?.[0].matchLabels['k8s:app.kubernetes.io/name'])).toEqual([undefined, undefined]);
  });

  test('CNP carries no ownerReferences, APs do, and everything has the managed-by and name labels', () => {
    const objs = compile(bilateral(), 'ns/api');
    for (const o of objs) {
      expect(o.metadata.namespace).toBe('ns');
      expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'lattice', 'app.kubernetes.io/name': o.metadata.name });
    }
    expect(cnpOf(objs).metadata.ownerReferences).toBeUndefined();
    expect(allowTo(objs)!.metadata.ownerReferences).toEqual([
      { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember', name: 'api', uid: 'uid-ns-api', controller: true, blockOwnerDeletion: true },
    ]);
  });

  test('a namespace-target member falls back to the app.kubernetes.io/name selector', () => {
    const objs = compile([lmm('ns', 'whole', { target: { namespace: 'ns' }, allowPeerTraffic: true })], 'ns/whole');
    expect(cnpOf(objs).spec.endpointSelector.matchLabels).toEqual({ 'k8s:app.kubernetes.io/name': 'whole' });
    expect(allowTo(objs)!.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'whole' });
  });

  test('throws MeshCompileError when an owned object is needed and the member has no uid', () => {
    const members = bilateral();
    delete members[1].metadata.uid;
    expect(() => compile(members, 'ns/api')).toThrow(MeshCompileError);
  });
});

describe('compileMeshPolicies: peerAuth modes', () => {
  test('a permissive port gives a PeerAuthentication, a plaintext AP and a Cilium cluster-entity rule', () => {
    const m = lmm('ns', 'web', { ports: [{ name: 'http', port: 8080, peerAuth: 'Permissive' }, { name: 'admin', port: 9000 }] });
    const objs = compile([m], 'ns/web');
    const h = ['ns', 'web'];
    const pa = objs.find((o) => o.kind === 'PeerAuthentication')!;
    expect(pa.metadata.name).toBe(derivedName('permissive-', h));
    expect(pa.spec).toEqual({ selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { '8080': { mode: 'PERMISSIVE' } } });
    expect(pa.metadata.ownerReferences).toHaveLength(1);
    const plain = objs.find((o) => o.metadata.name === derivedName('allow-plaintext-', h))!;
    expect(plain.spec.rules).toEqual([{ to: [{ operation: { ports: ['8080'] } }] }]);
    expect(cnpOf(objs).spec.ingress).toEqual([
      { fromEntities: ['cluster'], toPorts: [{ ports: [{ port: '15008', protocol: 'TCP' }] }] },
      { fromEntities: ['cluster'], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] },
    ]);
  });

  test('a webhook port opens the wider Cilium source set', () => {
    const objs = compile([lmm('ns', 'hook', { ports: [{ name: 'https', port: 9443, peerAuth: 'Webhook' }] })], 'ns/hook');
    expect(cnpOf(objs).spec.ingress[1]).toEqual({
      fromEntities: ['cluster', 'remote-node', 'kube-apiserver', 'host', 'world'],
      toPorts: [{ ports: [{ port: '9443', protocol: 'TCP' }] }],
    });
    expect(ofKind(objs, 'PeerAuthentication')).toHaveLength(1);
  });
});

describe('compileMeshPolicies: wildcards and dependsAll', () => {
  test('dependsAll resolves every member that allows the caller into DNS names', () => {
    const members = [
      lmm('ns', 'gw', { dependsAll: true }),
      lmm('ns', 'a', { allowedCallers: [{ name: 'gw' }] }),
      lmm('ns', 'b', { allowedCallers: [{ name: '*' }] }),
      lmm('ns', 'c'),
    ];
    expect(dnsNames(cnpOf(compile(members, 'ns/gw')))).toEqual(['a.ns.svc.cluster.local', 'b.ns.svc.cluster.local']);
    expect(principalsOf(allowTo(compile(members, 'ns/c')))).toEqual([]);
  });

  test('advertise * gives an allow-to AP with no from (any source)', () => {
    const objs = compile([lmm('ns', 'pub', { advertise: { allowedServices: ['*'] } })], 'ns/pub');
    expect(allowTo(objs)!.spec.rules).toEqual([{ to: [{ operation: { ports: ['8080'] } }] }]);
  });

  // Reference policy/istio_ambient.rs:80-113: the open-advertise AP is emitted even without ports, its rule then has no `to`.
  test('advertise * without ports still gives the allow-to AP: one rule with neither from nor to', () => {
    const objs = compile([lmm('ns', 'pub', { ports: [], advertise: { allowedServices: ['*'] } })], 'ns/pub');
    expect(allowTo(objs)!.spec.rules).toEqual([{}]);
  });

  // Reference policy/istio_ambient.rs:114-117 and crd/workload/ingress.rs `to_spiffe_principals`: `ns/name` ⇒ sa = name.
  test('restricted advertise adds each ns/name entry as a principal (malformed entries skipped), beside the active callers', () => {
    const members = [
      lmm('ns', 'client', { dependencies: [{ name: 'api' }] }),
      lmm('ns', 'api', { allowedCallers: [{ name: 'client' }], advertise: { allowedServices: ['edge/haproxy-fw', 'bad', 'x/', 'other/web'] } }),
    ];
    expect(principalsOf(allowTo(compile(members, 'ns/api')))).toEqual([`${TD}/ns/edge/sa/haproxy-fw`, `${TD}/ns/ns/sa/client`, `${TD}/ns/other/sa/web`]);
  });

  test('restricted advertise alone (no inbound edge) is enough for the allow-to AP', () => {
    const objs = compile([lmm('ns', 'api', { advertise: { allowedServices: ['edge/gw'] } })], 'ns/api');
    expect(principalsOf(allowTo(objs))).toEqual([`${TD}/ns/edge/sa/gw`]);
  });
});

describe('compileMeshPolicies: non-ambient members', () => {
  test('get only a CNP with direct L4 rules and no HBONE', () => {
    const members = [
      lmm('ns', 'client', { dependencies: [{ name: 'job' }] }),
      lmm('ns', 'job', { ambient: false, allowPeerTraffic: true, allowedCallers: [{ name: 'client' }], ports: [{ name: 'p', port: 7000 }] }),
    ];
    const objs = compile(members, 'ns/job');
    expect(objs.map((o) => o.kind)).toEqual(['CiliumNetworkPolicy']);
    const spec = objs[0].spec;
    const own = { 'k8s:app.kubernetes.io/name': 'job' };
    expect(spec.ingress).toEqual([
      { fromEndpoints: [{ matchLabels: own }] },
      { fromEndpoints: [{ matchLabels: { 'k8s:app.kubernetes.io/name': 'client' } }], toPorts: [{ ports: [{ port: '7000', protocol: 'TCP' }] }] },
    ]);
    expect(spec.egress.slice(1)).toEqual([{ toEndpoints: [{ matchLabels: own }] }]);
    expect(JSON.stringify(spec)).not.toContain('15008');
  });
});

describe('compileMeshPolicies: external egress (ServiceEntry + waypoint)', () => {
  test('an FQDN egress gives a ServiceEntry, an allow-fqdn AP, and the waypoint objects', () => {
    const objs = compile([lmm('ns', 'x', { egress: [{ target: { fqdn: 'api.example.com' }, ports: [443] }, { target: { entity: 'world' }, ports: [80] }] })], 'ns/x');
    const se = ofKind(objs, 'ServiceEntry');
    expect(se).toHaveLength(1);
    expect(se[0].metadata.name).toBe(derivedName('se-auto-', ['ns', 'api.example.com']));
    expect(se[0].metadata.labels?.['istio.io/use-waypoint']).toBe('ns-waypoint');
    expect(se[0].spec).toEqual({ hosts: ['api.example.com'], resolution: 'DNS', location: 'MESH_EXTERNAL', ports: [{ number: 443, name: 'https-443', protocol: 'HTTPS' }] });
    const fqdnAp = objs.find((o) => o.metadata.name === derivedName('allow-fqdn-', ['ns', 'x', 'api.example.com']))!;
    expect(fqdnAp.spec.rules[0].from[0].source.principals).toEqual([`${TD}/ns/ns/sa/x`]);
    expect(ofKind(objs, 'Gateway').map((o) => o.metadata.name)).toEqual(['ns-waypoint']);
    expect(objs.some((o) => o.metadata.name === 'allow-to-waypoint')).toBe(true);
    expect(objs.find((o) => o.metadata.name === derivedName('allow-wp-to-', ['ns', 'x']))!.spec.rules[0].from[0].source.principals).toEqual([`${TD}/ns/ns/sa/ns-waypoint`]);
  });

  test('a UDP rule gives a UDP ServiceEntry port and a CIDR gives a STATIC synthetic host', () => {
    const objs = compile([lmm('ns', 'x', { egress: [{ target: { cidr: '1.2.3.4/32' }, ports: [53], protocol: 'UDP' }] })], 'ns/x');
    expect(ofKind(objs, 'ServiceEntry')[0].spec).toEqual({
      hosts: ['ip-1-2-3-4.svc.external'],
      endpoints: [{ address: '1.2.3.4' }],
      resolution: 'STATIC',
      location: 'MESH_EXTERNAL',
      ports: [{ number: 53, name: 'udp-53', protocol: 'UDP' }],
    });
  });

  test('entity-only egress creates no ServiceEntry and no waypoint', () => {
    const objs = compile([lmm('ns', 'x', { egress: [{ target: { entity: 'world' }, ports: [443] }] })], 'ns/x');
    expect(ofKind(objs, 'ServiceEntry')).toEqual([]);
    expect(ofKind(objs, 'Gateway')).toEqual([]);
  });

  // platform/README.md "Several egress rules to one host": a deliberate divergence (the reference races same-named applies).
  test('several egress rules to one host give one ServiceEntry and one allow-fqdn AP with every port', () => {
    const egress = [
      { target: { fqdn: 'h.example.com' }, ports: [443] },
      { target: { fqdn: 'h.example.com' }, ports: [8080] },
    ];
    const objs = compile([lmm('ns', 'x', { egress })], 'ns/x');
    const ses = ofKind(objs, 'ServiceEntry');
    expect(ses).toHaveLength(1);
    expect(ses[0].spec.ports).toEqual([
      { number: 443, name: 'https-443', protocol: 'HTTPS' },
      { number: 8080, name: 'tcp-8080', protocol: 'TCP' },
    ]);
    const aps = objs.filter((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name.startsWith('allow-fqdn-'));
    expect(aps.map((a) => a.spec.rules[0].to[0].operation.ports)).toEqual([['443', '8080']]);
  });
});

describe('compileMeshPolicies: determinism', () => {
  test('the output is deterministic across calls and member order', () => {
    const members = bilateral();
    const a = compile(members, 'ns/api');
    const b = compile([...members].reverse(), 'ns/api');
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
