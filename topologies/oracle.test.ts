import { describe, expect, it } from 'vitest';
import { allowedPairs, ORACLE_REASONS, oracle, oracleMatrix, probePort } from './oracle.ts';
import { ingressGatewayKey } from './topology.ts';
import type { Topology, TopologyService } from './topology.ts';

const svc = (name: string, over: Partial<TopologyService> = {}): TopologyService => ({
  namespace: 'ns',
  name,
  layer: 1,
  ports: [{ name: 'http', port: 80, targetPort: 8080 }],
  outbound: [],
  inbound: [],
  wildcardInbound: false,
  ...over,
});

// client is a generator; each server pairs with client in one way.
const topology: Topology = {
  name: 't',
  services: [
    svc('client', { layer: 0, ports: [], outbound: ['ns/both', 'ns/wild', 'ns/deaf', 'ns/both-wild'] }),
    svc('both', { inbound: ['ns/client'] }),
    svc('wild', { wildcardInbound: true }),
    svc('deaf'),
    svc('listens', { inbound: ['ns/client'] }),
    svc('open', { wildcardInbound: true }),
    svc('both-wild', { inbound: ['ns/client'], wildcardInbound: true }),
    svc('other-gen', { layer: 0, ports: [], inbound: ['ns/client'] }),
  ],
  probes: [],
};
const probe = (to: string) => oracle({ ...topology, probes: [{ from: 'ns/client', to: `ns/${to}` }] })[0];

describe('oracle', () => {
  it('allows a bilateral pair: caller declares outbound, callee declares inbound', () => {
    expect(probe('both')).toEqual({ from: 'ns/client', to: 'ns/both', port: 80, expected: 'allow', reason: ORACLE_REASONS.bilateral });
  });

  it('allows a wildcard callee when the caller declares outbound', () => {
    expect(probe('wild')).toMatchObject({ expected: 'allow', reason: 'callee allows any caller (wildcard) and caller declares outbound' });
  });

  it('prefers the bilateral reason when a callee both names the caller and is wildcard', () => {
    expect(probe('both-wild')).toMatchObject({ expected: 'allow', reason: ORACLE_REASONS.bilateral });
  });

  it('denies a one-sided outbound declaration', () => {
    expect(probe('deaf')).toMatchObject({ expected: 'deny', reason: 'one-sided: caller declares outbound, callee does not allow it' });
  });

  it('denies when only the callee allows the caller, by name or by wildcard (the wildcard still needs the outbound)', () => {
    expect(probe('listens')).toMatchObject({ expected: 'deny', reason: 'one-sided: callee allows caller, caller does not declare outbound' });
    expect(probe('open')).toMatchObject({ expected: 'deny', reason: ORACLE_REASONS.inboundOnly });
  });

  it('denies a callee without ports whatever the declarations, with port null', () => {
    expect(probe('other-gen')).toEqual({ from: 'ns/client', to: 'ns/other-gen', port: null, expected: 'deny', reason: 'callee has no ports (no Service)' });
  });

  it('denies a pair without any declaration', () => {
    expect(oracle({ ...topology, probes: [{ from: 'ns/deaf', to: 'ns/both' }] })[0]).toMatchObject({ expected: 'deny', reason: 'no declaration on either side' });
  });

  it('judges probes in order and throws naming a probe whose service is unknown', () => {
    expect(oracle({ ...topology, probes: [{ from: 'ns/client', to: 'ns/deaf' }, { from: 'ns/client', to: 'ns/both' }] }).map((p) => p.expected)).toEqual(['deny', 'allow']);
    expect(() => oracle({ ...topology, probes: [{ from: 'ns/client', to: 'ns/ghost' }] })).toThrow('oracle: probe ns/client -> ns/ghost names a service that is not in topology t');
  });

  it('reads nothing but declarations: a probe list change does not change verdicts of the same pair', () => {
    const once = oracle({ ...topology, probes: [{ from: 'ns/client', to: 'ns/both' }] });
    const twice = oracle({ ...topology, probes: [{ from: 'ns/client', to: 'ns/deaf' }, { from: 'ns/client', to: 'ns/both' }] });
    expect(twice[1]).toEqual(once[0]);
  });
});

describe('oracle: namespaces and ports', () => {
  const multi: Topology = {
    name: 'm',
    services: [
      svc('client', { namespace: 'a', layer: 0, ports: [], outbound: ['b/api', 'b/deaf'] }),
      svc('api', { namespace: 'b', inbound: ['a/client'], ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'grpc', port: 9090, targetPort: 50051 }] }),
      svc('deaf', { namespace: 'b', inbound: ['b/client'], ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'grpc', port: 9090, targetPort: 50051 }] }),
    ],
    probes: [
      { from: 'a/client', to: 'b/api', port: 80 },
      { from: 'a/client', to: 'b/api', port: 9090 },
      { from: 'a/client', to: 'b/deaf', port: 9090 },
    ],
  };

  it('judges per service pair across namespaces: every port of an agreed pair is allowed, the probe keeps its port', () => {
    expect(oracle(multi).map((p) => [p.to, p.port, p.expected])).toEqual([
      ['b/api', 80, 'allow'],
      ['b/api', 9090, 'allow'],
      // deaf names b/client, not a/client: the namespace is part of the caller's identity.
      ['b/deaf', 9090, 'deny'],
    ]);
  });

  it('throws naming a probe whose port the callee does not have', () => {
    expect(() => oracle({ ...multi, probes: [{ from: 'a/client', to: 'b/api', port: 81 }] })).toThrow('oracle: probe a/client -> b/api names port 81, which b/api does not have');
  });
});

describe('probePort', () => {
  it('uses the port named http, else the first port, else null', () => {
    expect(probePort(svc('a', { ports: [{ name: 'grpc', port: 9000 }, { name: 'http', port: 8080 }] }))).toBe(8080);
    expect(probePort(svc('a', { ports: [{ name: 'tcp', port: 5432 }, { name: 'metrics', port: 9090 }] }))).toBe(5432);
    expect(probePort(svc('a', { ports: [] }))).toBeNull();
  });
});

describe('oracleMatrix', () => {
  it('judges every ordered pair of distinct services, ignoring topology.probes', () => {
    const matrix = oracleMatrix({ ...topology, probes: [{ from: 'ns/client', to: 'ns/both' }] });
    expect(matrix).toHaveLength(8 * 7);
    expect(matrix.some((p) => p.from === p.to)).toBe(false);
    expect(allowedPairs(matrix)).toEqual(['ns/client->ns/both', 'ns/client->ns/both-wild', 'ns/client->ns/wild']);
  });
});

describe('oracle: mesh features (one rule each)', () => {
  const judge = (services: TopologyService[], from: string, to: string) => oracle({ name: 'm', services, probes: [{ from: `ns/${from}`, to: `ns/${to}` }] })[0];
  const gen = (over: Partial<TopologyService> = {}) => svc('gen', { layer: 0, ports: [], ...over });

  it('denies a one-sided declaration from the callee side: the callee names a caller that never declared outbound', () => {
    expect(judge([gen(), svc('api', { inbound: ['ns/gen'] })], 'gen', 'api')).toMatchObject({ expected: 'deny', reason: ORACLE_REASONS.inboundOnly });
  });

  it('judges an escape-hatch mesh-member like a LatticeService, whatever its service account (callees name callers by ns/name)', () => {
    const member = gen({ kind: 'mesh-member', serviceAccount: 'gen-sa', outbound: ['ns/api'] });
    expect(judge([member, svc('api', { inbound: ['ns/gen'] })], 'gen', 'api')).toMatchObject({ expected: 'allow', reason: ORACLE_REASONS.bilateral });
    expect(judge([gen({ outbound: ['ns/api'] }), svc('api', { kind: 'mesh-member', serviceAccount: 'api-sa', inbound: ['ns/gen'] })], 'gen', 'api')).toMatchObject({ expected: 'allow' });
  });

  it('depends-all reaches a callee that names the caller or is wildcard, and nothing else', () => {
    const services = [gen({ dependsAll: true }), svc('named', { inbound: ['ns/gen'] }), svc('wild', { wildcardInbound: true }), svc('deaf')];
    expect(judge(services, 'gen', 'named')).toMatchObject({ expected: 'allow', reason: ORACLE_REASONS.dependsAll });
    expect(judge(services, 'gen', 'wild')).toMatchObject({ expected: 'allow', reason: ORACLE_REASONS.dependsAll });
    expect(judge(services, 'gen', 'deaf')).toMatchObject({ expected: 'deny', reason: ORACLE_REASONS.dependsAllNotAllowed });
  });

  it('keeps the explicit reason when a depends-all caller also declares the callee', () => {
    const services = [gen({ dependsAll: true, outbound: ['ns/api'] }), svc('api', { inbound: ['ns/gen'] })];
    expect(judge(services, 'gen', 'api')).toMatchObject({ expected: 'allow', reason: ORACLE_REASONS.bilateral });
  });

  it('denies everything from a non-ambient caller, even over an active edge (no egress rule to callees, reference §4.6)', () => {
    const caller = svc('batch', { kind: 'mesh-member', ambient: false, outbound: ['ns/api', 'ns/wild'] });
    const services = [caller, svc('api', { inbound: ['ns/batch'] }), svc('wild', { wildcardInbound: true })];
    expect(judge(services, 'batch', 'api')).toMatchObject({ expected: 'deny', reason: ORACLE_REASONS.nonAmbientCaller });
    expect(judge(services, 'batch', 'wild')).toMatchObject({ expected: 'deny', reason: ORACLE_REASONS.nonAmbientCaller });
    // Without an active edge the declaration rules decide first.
    expect(judge([caller, svc('api'), svc('wild')], 'batch', 'api')).toMatchObject({ expected: 'deny', reason: ORACLE_REASONS.outboundOnly });
  });

  it('allows an active edge to a non-ambient callee (direct Cilium path) and denies one without an edge', () => {
    const callee = svc('db', { kind: 'mesh-member', ambient: false, serviceAccount: 'db-sa', inbound: ['ns/gen'] });
    expect(judge([gen({ outbound: ['ns/db'] }), callee], 'gen', 'db')).toMatchObject({ expected: 'allow', reason: ORACLE_REASONS.nonAmbientCallee });
    expect(judge([gen({ dependsAll: true }), callee], 'gen', 'db')).toMatchObject({ expected: 'allow', reason: ORACLE_REASONS.nonAmbientCallee });
    expect(judge([gen(), callee], 'gen', 'db')).toMatchObject({ expected: 'deny', reason: ORACLE_REASONS.inboundOnly });
  });

  it('ignores replicas and creation times: verdicts depend on declarations only', () => {
    const base = [gen({ outbound: ['ns/api'] }), svc('api', { inbound: ['ns/gen'] })];
    const varied = [gen({ outbound: ['ns/api'], replicas: 3, createdAtMs: 25_000 }), svc('api', { inbound: ['ns/gen'], replicas: 2, createdAtMs: 1 })];
    expect(judge(varied, 'gen', 'api')).toEqual(judge(base, 'gen', 'api'));
  });
});

// Reference §4.4 step 2 (the gateway proxy is a depends-all caller), §2.6 (a service with ingress allows it), §4.8 (mesh-proxy-egress).
describe('oracle: probes from an ingress gateway proxy', () => {
  const gw = ingressGatewayKey('ns');
  const t: Topology = {
    name: 'ingress',
    services: [
      svc('gen', { layer: 0, ports: [], outbound: ['ns/legacy-used'] }),
      svc('web', { ingress: true }),
      svc('plain'),
      svc('wild', { wildcardInbound: true }),
      svc('far', { namespace: 'other', ingress: true }),
      svc('legacy', { kind: 'mesh-member', ambient: false }),
      svc('legacy-used', { kind: 'mesh-member', ambient: false, inbound: ['ns/gen'] }),
      svc('legacy-wild', { kind: 'mesh-member', ambient: false, wildcardInbound: true }),
    ],
    probes: ['web', 'plain', 'wild', 'legacy', 'legacy-used', 'legacy-wild', 'gen'].map((n) => ({ from: gw, to: `ns/${n}` })).concat([{ from: gw, to: 'other/far' }]),
  };

  it('allows the services routing ingress in its namespace and wildcard servers; denies the rest', () => {
    expect(oracle(t).map((p) => `${p.to}:${p.expected}:${p.reason}`)).toEqual([
      `ns/web:allow:${ORACLE_REASONS.ingress}`,
      `ns/plain:deny:${ORACLE_REASONS.ingressNotAllowed}`,
      `ns/wild:allow:${ORACLE_REASONS.ingressWildcard}`,
      `ns/legacy:allow:${ORACLE_REASONS.ingressUnisolated}`,
      `ns/legacy-used:deny:${ORACLE_REASONS.ingressNotAllowed}`,
      `ns/legacy-wild:allow:${ORACLE_REASONS.ingressNonAmbientCallee}`,
      `ns/gen:deny:${ORACLE_REASONS.noPorts}`,
      // Another namespace's gateway is not this one's caller.
      `other/far:deny:${ORACLE_REASONS.ingressNotAllowed}`,
    ]);
  });

  it('throws for a gateway probe to an unknown service, as for any probe', () => {
    expect(() => oracle({ ...t, probes: [{ from: gw, to: 'ns/none' }] })).toThrow(/names a service that is not in topology/);
  });
});
