import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CedarEngine, parseCedarText, securityOverrideRequests } from '../platform/cedar/index.ts';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import type { CedarPolicy, LatticeMeshMember, LatticeService } from '../platform/crds/types.ts';
import { topologyArbitrary } from './arbitraries/topology.ts';
import { topologyFromSpecs } from './from-specs.ts';
import { oracleMatrix } from './oracle.ts';
import { BASELINE_POLICY_NAME, MESH_MEMBER_SELECTOR_LABEL, renderServiceObjects, renderTopology, renderTopologySchedule, serviceResources, WILDCARD_POLICY_NAME } from './render.ts';
import type { Topology } from './topology.ts';
import { serviceKey } from './topology.ts';
import { testService } from './testing.ts';

const svc = testService;

const sample: Topology = {
  name: 'demo',
  services: [
    svc('a', 'gen', { layer: 0, ports: [], outbound: ['a/api', 'b/api'] }),
    svc('a', 'api', { inbound: ['a/gen', 'a/peer'], outbound: ['a/peer'] }),
    svc('a', 'peer', { inbound: ['a/api'], outbound: ['a/api'] }),
    svc('b', 'api', { wildcardInbound: true }),
  ],
  probes: [],
};
const services = (objs: ReturnType<typeof renderTopology>) => objs.filter((o): o is LatticeService => o.kind === 'LatticeService');
const policies = (objs: ReturnType<typeof renderTopology>) => objs.filter((o): o is CedarPolicy => o.kind === 'CedarPolicy');

describe('renderTopology', () => {
  const objects = renderTopology(sample);

  it('renders plain Namespaces, the baseline and wildcard CedarPolicies, then one LatticeService per service', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      'Namespace//a',
      'Namespace//b',
      'CedarPolicy/lattice-system/lattice-sim-baseline',
      'CedarPolicy/lattice-system/lattice-sim-wildcards',
      'LatticeService/a/gen',
      'LatticeService/a/api',
      'LatticeService/a/peer',
      'LatticeService/b/api',
    ]);
    expect(objects[0]).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
  });

  it('writes every LatticeService at v1beta1 (the storage version: no conversion, no deprecation warning), replicas set as v1beta1 requires', () => {
    for (const ls of services(objects)) {
      expect(ls.apiVersion).toBe('lattice.dev/v1beta1');
      expect(ls.spec.replicas).toBe(1);
    }
  });

  it('omits the wildcard CedarPolicy when no service is wildcard', () => {
    const names = renderTopology({ ...sample, services: sample.services.slice(0, 3) }).map((o) => o.metadata.name);
    expect(names).toContain('lattice-sim-baseline');
    expect(names).not.toContain('lattice-sim-wildcards');
  });

  it('renders servers as nginx with their ports and generators as curl without a Service, each with its role variable', () => {
    const [gen, api] = services(objects);
    expect(api.spec.workload.containers.main).toMatchObject({
      image: 'nginxinc/nginx-unprivileged:1.27-alpine',
      command: ['/usr/sbin/nginx', '-g', 'daemon off;'],
      variables: { LATTICE_SIM_ROLE: 'server' },
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    });
    expect(api.spec.workload.service).toEqual({ ports: { http: { port: 80, targetPort: 8080 } } });
    expect(gen.spec.workload.containers.main).toEqual({
      image: 'curlimages/curl:8.11.1',
      command: ['/bin/sh', '-c', 'sleep infinity'],
      variables: { LATTICE_SIM_ROLE: 'traffic-generator' },
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    });
    expect(gen.spec.workload.service).toBeUndefined();
  });

  it('declares outbound by callee name (namespace across namespaces), inbound by caller name, both when mutual, and any-caller for wildcards', () => {
    const [gen, api, peer, remote] = services(objects);
    expect(gen.spec.workload.resources).toEqual({
      api: { type: 'service', direction: 'outbound' },
      'b-api': { type: 'service', direction: 'outbound', id: 'api', namespace: 'b' },
    });
    expect(api.spec.workload.resources).toEqual({ peer: { type: 'service', direction: 'both' }, gen: { type: 'service', direction: 'inbound' } });
    expect(peer.spec.workload.resources).toEqual({ api: { type: 'service', direction: 'both' } });
    expect(remote.spec.workload.resources).toEqual({ 'any-caller': { type: 'service', direction: 'inbound', id: '*' } });
  });

  it('never lets a peer named any-caller collide with the wildcard key', () => {
    expect(serviceResources(svc('a', 's', { wildcardInbound: true, inbound: ['a/any-caller'] }))).toEqual({
      'a-any-caller': { type: 'service', direction: 'inbound', id: 'any-caller' },
      'any-caller': { type: 'service', direction: 'inbound', id: '*' },
    });
  });

  it('needs no OverrideSecurity permit: every container has an absolute command and the default security context', () => {
    for (const s of services(objects)) {
      expect(s.spec.workload.containers.main.command?.[0]).toMatch(/^\//);
      expect(securityOverrideRequests({ namespace: s.metadata.namespace!, name: s.metadata.name, kind: 'service' }, s.spec)).toEqual([]);
    }
  });

  it('writes Cedar text that parses: one baseline permit and one wildcard permit per wildcard service', () => {
    const [baseline, wildcards] = policies(objects);
    expect(parseCedarText(baseline.spec.policies)).toMatchObject({ ok: true, policies: [expect.any(String)] });
    const parsed = parseCedarText(wildcards.spec.policies);
    expect(parsed.ok && parsed.policies.length).toBe(1);
  });

  it('permits AllowWildcard inbound for the wildcard service only', () => {
    const engine = CedarEngine.fromPolicies(policies(objects));
    const ask = (namespace: string, name: string) =>
      engine.authorize([{ action: 'AllowWildcard', principal: { namespace, name, kind: 'service' }, resource: { type: 'Mesh', id: 'inbound' }, subject: 'any-caller' }])[0].allowed;
    expect(ask('b', 'api')).toBe(true);
    expect(ask('a', 'api')).toBe(false);
  });

  it('permits skipping image verification for the two rendered images in the topology namespaces only', () => {
    const engine = CedarEngine.fromPolicies(policies(objects));
    const ask = (namespace: string, image: string, name: string) =>
      engine.authorize([
        { action: 'SkipImageVerification', principal: { namespace, name: 'x', kind: 'service' }, resource: { type: 'ImageRef', image, registry: 'docker.io', name, tag: 't' }, subject: 'main' },
      ])[0].allowed;
    expect(ask('a', 'curlimages/curl:8.11.1', 'curlimages/curl')).toBe(true);
    expect(ask('other', 'curlimages/curl:8.11.1', 'curlimages/curl')).toBe(false);
    expect(ask('a', 'evil/image:1', 'evil/image')).toBe(false);
  });

  it('round-trips: the declarations read back from the rendered specs give the same oracle matrix', () => {
    const normalize = (t: Topology) =>
      t.services
        .map((s) => ({
          key: serviceKey(s),
          ports: s.ports,
          outbound: [...s.outbound].sort(),
          inbound: [...s.inbound].sort(),
          wildcard: s.wildcardInbound,
          // Mesh features read back from LatticeMeshMembers, `id: "*"` outbound and replicas (creation times are not in specs).
          kind: s.kind ?? 'service',
          serviceAccount: s.serviceAccount ?? s.name,
          ambient: s.ambient ?? true,
          dependsAll: s.dependsAll ?? false,
          replicas: s.replicas ?? 1,
          egress: s.egress ?? [],
        }))
        .sort((x, y) => x.key.localeCompare(y.key));
    const matrix = (t: Topology) => oracleMatrix(t).map((p) => `${p.from}->${p.to}:${p.expected}:${p.reason}`).sort();
    const check = (t: Topology) => {
      const back = topologyFromSpecs(renderTopology(t), t.name);
      expect(normalize(back)).toEqual(normalize(t));
      expect(matrix(back)).toEqual(matrix(t));
    };
    check(sample);
    // Valid specs only: an invalid field (a port renamed `HTTP`) is meant not to read back.
    // Jobs off: topologyFromSpecs reads LatticeServices and hand-written mesh members, not LatticeJobs.
    fc.assert(fc.property(topologyArbitrary({ minServices: 3, maxServices: 12, invalidSpecProbability: 0, jobProbability: 0 }), check), { seed: 5, numRuns: 40 });
  });

  it('returns fresh objects: mutating one rendering does not affect the next', () => {
    const first = services(renderTopology(sample))[1];
    first.spec.workload.containers.main.command!.push('--oops');
    expect(services(renderTopology(sample))[1].spec.workload.containers.main.command).toEqual(['/usr/sbin/nginx', '-g', 'daemon off;']);
  });
});

describe('renderTopology: mesh features', () => {
  const member = svc('b', 'db', {
    kind: 'mesh-member',
    serviceAccount: 'db-sa',
    ambient: false,
    replicas: 2,
    inbound: ['a/api'],
    outbound: ['a/api'],
    ports: [
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'grpc', port: 9090, targetPort: 50051 },
    ],
    createdAtMs: 12_000,
    egress: [
      { fqdn: 'api.partner.example', port: 443 },
      { cidr: '203.0.113.0/24', port: 8443 },
    ],
  });
  const t: Topology = {
    name: 'mesh',
    services: [svc('a', 'api', { dependsAll: true, replicas: 3, inbound: ['b/db'], outbound: ['b/db'] }), member, svc('a', 'wild', { kind: 'mesh-member', serviceAccount: 'wild-sa', wildcardInbound: true, dependsAll: true })],
    probes: [],
  };
  const { objects, applyAtMs } = renderTopologySchedule(t);
  const of = (kind: string, namespace: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name)!;

  it('renders a mesh-member as a ServiceAccount, a Deployment running as it, a Service and a LatticeMeshMember (reference §1.2)', () => {
    expect(objects.filter((o) => o.metadata.namespace === 'b').map((o) => o.kind)).toEqual(['ServiceAccount', 'Deployment', 'Service', 'LatticeMeshMember']);
    expect(of('ServiceAccount', 'b', 'db-sa')).toBeDefined();
    const lmm = of('LatticeMeshMember', 'b', 'db') as LatticeMeshMember;
    expect(lmm.spec).toEqual({
      target: { selector: { [MESH_MEMBER_SELECTOR_LABEL]: 'db' } },
      ports: [
        { port: 8080, servicePort: 80, name: 'http' },
        { port: 50051, servicePort: 9090, name: 'grpc' },
      ],
      allowedCallers: [{ name: 'api', namespace: 'a' }],
      dependencies: [{ name: 'api', namespace: 'a' }],
      serviceAccount: 'db-sa',
      ambient: false,
      egress: [
        { target: { fqdn: 'api.partner.example' }, ports: [443], protocol: 'TCP' },
        { target: { cidr: '203.0.113.0/24' }, ports: [8443], protocol: 'TCP' },
      ],
    });
    const dep = of('Deployment', 'b', 'db') as KubeObject & {
      spec: { replicas: number; template: { metadata: { labels: Record<string, string> }; spec: { serviceAccountName: string; containers: { ports?: unknown[] }[] } } };
    };
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.template.spec.serviceAccountName).toBe('db-sa');
    // Selected by the LMM, found by the traffic generator (name label), and out of the ambient mesh (owner's label, reference §1.2).
    expect(dep.spec.template.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'db', [MESH_MEMBER_SELECTOR_LABEL]: 'db', 'istio.io/dataplane-mode': 'none' });
    expect(dep.spec.template.spec.containers[0].ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'grpc', containerPort: 50051, protocol: 'TCP' },
    ]);
    expect((of('Service', 'b', 'db') as KubeObject & { spec: unknown }).spec).toEqual({
      selector: { [MESH_MEMBER_SELECTOR_LABEL]: 'db' },
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
        { name: 'grpc', port: 9090, targetPort: 50051, protocol: 'TCP' },
      ],
    });
  });

  it('renders wildcard callers as [{name: "*"}], same-namespace references without a namespace, and no Service for a member without ports', () => {
    const wild = of('LatticeMeshMember', 'a', 'wild') as LatticeMeshMember;
    expect(wild.spec).toMatchObject({ allowedCallers: [{ name: '*' }], dependencies: [], dependsAll: true, serviceAccount: 'wild-sa' });
    expect(wild.spec.ambient).toBeUndefined();
    const gen = renderServiceObjects(svc('a', 'load', { kind: 'mesh-member', layer: 0, ports: [], outbound: ['a/api'] }));
    expect(gen.map((o) => o.kind)).toEqual(['ServiceAccount', 'Deployment', 'LatticeMeshMember']);
    expect((gen[2] as LatticeMeshMember).spec.dependencies).toEqual([{ name: 'api' }]);
  });

  it('renders depends-all of a LatticeService as an outbound id "*" resource, and its replicas', () => {
    const api = of('LatticeService', 'a', 'api') as LatticeService;
    expect(api.spec.replicas).toBe(3);
    expect(api.spec.workload.resources?.['any-callee']).toEqual({ type: 'service', direction: 'outbound', id: '*' });
  });

  it('permits AllowWildcard outbound for depends-all services and inbound for wildcard ones, on their service accounts, in one CedarPolicy', () => {
    const cedar = policies(objects);
    expect(cedar.map((p) => p.metadata.name)).toEqual([BASELINE_POLICY_NAME, WILDCARD_POLICY_NAME]);
    const engine = CedarEngine.fromPolicies(cedar);
    const ask = (namespace: string, name: string, id: 'inbound' | 'outbound') =>
      engine.authorize([{ action: 'AllowWildcard', principal: { namespace, name, kind: 'service' }, resource: { type: 'Mesh', id }, subject: id }])[0].allowed;
    expect(ask('a', 'api', 'outbound')).toBe(true);
    expect(ask('a', 'wild-sa', 'outbound')).toBe(true);
    expect(ask('a', 'wild-sa', 'inbound')).toBe(true);
    // The LMM name is not the principal when the member has its own service account (reference §3.2).
    expect(ask('a', 'wild', 'inbound')).toBe(false);
    expect(ask('a', 'api', 'inbound')).toBe(false);
    expect(ask('b', 'db-sa', 'outbound')).toBe(false);
  });

  it('schedules the objects of a staggered service at its creation time and nothing else', () => {
    expect([...applyAtMs.values()]).toEqual([12_000, 12_000, 12_000, 12_000]);
    expect([...applyAtMs.keys()].every((o) => o.metadata.namespace === 'b')).toBe(true);
    expect(renderTopology(t)).toEqual(objects);
  });
});
