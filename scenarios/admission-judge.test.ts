import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import { admissionOracle, expectedProbesWithAdmission, renderTopology, renderTopologySchedule } from '../topologies/index.ts';
import type { Topology, TopologyCedarStatement, TopologyService } from '../topologies/index.ts';
import type { InjectedBug } from '../harness/world.ts';
import type { ExpectedAdmission } from '../harness/verifier/expected-admission.ts';
import { runCase } from '../harness/verifier/run-case.ts';
import { testService } from '../topologies/testing.ts';

const svc = (name: string, over: Partial<TopologyService> = {}): TopologyService => testService('shop', name, over);
const secretPermit = (id: string, key: string, provider: string, path: string, over: Partial<TopologyCedarStatement> = {}): TopologyCedarStatement => ({
  id,
  effect: 'permit',
  action: 'AccessSecret',
  principal: { key },
  resource: { exact: { type: 'SecretPath', provider, path } },
  style: 'uid',
  ...over,
});

/**
 * cart: four secrets over two providers, one per route (env, mixed variable, file, bulk envFrom), all
 * permitted (one by attributes); web: its secret permitted and forbidden (Failed on AccessSecret);
 * wild: wildcard inbound without an AllowWildcard permit (Failed on AllowWildcard); gen calls all three.
 */
const topology: Topology = {
  name: 'shop',
  services: [
    svc('gen', { layer: 0, ports: [], outbound: ['shop/cart', 'shop/web', 'shop/wild'] }),
    svc('cart', {
      inbound: ['shop/gen'],
      securityOverrides: ['capability:NET_BIND_SERVICE'],
      secrets: [
        { name: 'db-creds', provider: 'vault-main', path: 'shop/db-creds', keys: ['username', 'password'], route: 'env', secretType: 'kubernetes.io/basic-auth' },
        { name: 'api-token', provider: 'aws-secrets', path: 'shop/api-token', keys: ['token'], route: 'env-mixed' },
        { name: 'signing-key', provider: 'vault-main', path: 'shop/signing-key', keys: ['certificate'], route: 'file' },
        { name: 'cache-auth', provider: 'aws-secrets', path: 'shop/cart/cache-auth', keys: [], route: 'envFrom' },
      ],
    }),
    svc('web', { inbound: ['shop/gen'], secrets: [{ name: 'smtp-login', provider: 'vault-main', path: 'shop/smtp-login', keys: ['password'], route: 'env' }] }),
    svc('wild', { wildcardInbound: true }),
  ],
  probes: [
    { from: 'shop/gen', to: 'shop/cart' },
    { from: 'shop/gen', to: 'shop/web' },
    { from: 'shop/gen', to: 'shop/wild' },
  ],
  secretProviders: [
    { name: 'vault-main', type: 'vault' },
    { name: 'aws-secrets', type: 'aws' },
  ],
  cedar: {
    policies: [
      {
        name: 'lattice-sim-permits',
        enabled: true,
        statements: [
          secretPermit('s0', 'shop/cart', 'vault-main', 'shop/db-creds', { style: 'attributes' }),
          secretPermit('s1', 'shop/cart', 'aws-secrets', '', { resource: { provider: 'aws-secrets', pathPrefix: 'shop/' }, style: 'attributes' }),
          secretPermit('s2', 'shop/cart', 'vault-main', 'shop/signing-key'),
          secretPermit('s3', 'shop/web', 'vault-main', 'shop/smtp-login'),
          {
            id: 's5',
            effect: 'permit',
            action: 'OverrideSecurity',
            principal: { namespace: 'shop' },
            resource: { exact: { type: 'SecurityOverride', id: 'capability:NET_BIND_SERVICE', category: 'capability' } },
            style: 'attributes',
          },
        ],
      },
      { name: 'lattice-sim-forbids', enabled: true, statements: [secretPermit('s4', 'shop/web', 'vault-main', 'shop/smtp-login', { effect: 'forbid' })] },
    ],
  },
};

async function judge(objects: KubeObject[], admissions: readonly ExpectedAdmission[], injectBug?: InjectedBug, t: Topology = topology, applyAtMs?: ReadonlyMap<KubeObject, number>) {
  const { record } = await runCase({ id: 'admission-test', name: 'admission', kind: 'random', seed: 7, objects, expected: expectedProbesWithAdmission(t), admissions, injectBug, applyAtMs });
  return record;
}

describe('judgeAdmissions inside judgeCase', () => {
  it('judges a revocation: a forbid applied after cart was admitted fails it, deletes only its ExternalSecrets, and its traffic goes on', async () => {
    const late: Topology = {
      ...topology,
      cedar: {
        policies: [
          ...topology.cedar!.policies,
          { name: 'lattice-sim-revocation', enabled: true, appliedAtMs: 75_000, statements: [secretPermit('late0', 'shop/cart', 'vault-main', 'shop/signing-key', { effect: 'forbid' })] },
        ],
      },
    };
    const admissions = admissionOracle(late);
    expect(admissions.find((a) => a.service === 'shop/cart')).toMatchObject({ expected: 'Failed', gate: 'AccessSecret', revoked: true });
    const { objects, applyAtMs } = renderTopologySchedule(late);
    expect([...applyAtMs.values()]).toEqual([75_000]);
    const record = await judge(objects, admissions, undefined, late, applyAtMs);
    expect(record.admissions!.map((a) => [a.service, a.observed, a.problems])).toEqual([
      ['shop/gen', 'Ready', []],
      ['shop/cart', 'Failed', []],
      ['shop/web', 'Failed', []],
      ['shop/wild', 'Failed', []],
    ]);
    expect(record.probes.map((p) => `${p.to} ${p.observed}`)).toEqual(['shop/cart allow', 'shop/web deny', 'shop/wild deny']);
    expect(record.status).toBe('verified');
  });

  it('finds every admission as expected: cart Ready with all four secret routes wired, web Failed on AccessSecret (forbidden), wild Failed on AllowWildcard, no outputs left', async () => {
    const admissions = admissionOracle(topology);
    expect(admissions.map((a) => [a.service, a.expected, a.gate])).toEqual([
      ['shop/gen', 'Ready', undefined],
      ['shop/cart', 'Ready', undefined],
      ['shop/web', 'Failed', 'AccessSecret'],
      ['shop/wild', 'Failed', 'AllowWildcard'],
    ]);
    const record = await judge(renderTopology(topology), admissions);
    expect(record.admissions!.map((a) => [a.service, a.observed, a.observedGate ?? null, a.problems])).toEqual([
      ['shop/gen', 'Ready', null, []],
      ['shop/cart', 'Ready', null, []],
      ['shop/web', 'Failed', 'AccessSecret', []],
      ['shop/wild', 'Failed', 'AllowWildcard', []],
    ]);
    expect(record.admissionMismatches).toBe(0);
    expect(record.mismatches).toBe(0);
    expect(record.status).toBe('verified');
    // Traffic: only gen -> cart flows; the Failed services receive nothing.
    expect(record.probes.map((p) => `${p.to} ${p.observed}`)).toEqual(['shop/cart allow', 'shop/web deny', 'shop/wild deny']);
  });

  it('reports a service expected Failed that the platform let through (seeded bug forbid-ignored), and counts it as a mismatch', async () => {
    const record = await judge(renderTopology(topology), admissionOracle(topology), 'forbid-ignored');
    const web = record.admissions!.find((a) => a.service === 'shop/web')!;
    expect(web).toMatchObject({ expected: 'Failed', observed: 'Ready', expectedGate: 'AccessSecret' });
    expect(web.problems[0]).toBe('expected Failed, observed Ready (Service is operational)');
    // Admitted by mistake, it has everything a Ready service has: each is reported as a leftover of a denied service.
    expect(web.problems[1]).toMatch(/^denied by AccessSecret, yet has outputs: AuthorizationPolicy shop\/allow-to-\w+, CiliumNetworkPolicy shop\/cnp-mesh-\w+, ConfigMap shop\/web-main-env, Deployment shop\/web, ExternalSecret shop\/web-smtp-login, LatticeMeshMember shop\/web, Pod shop\/web-/);
    expect(record.admissionMismatches).toBe(1);
    expect(record.status).toBe('mismatches');
  });

  it('reports outputs a denied service must not have (here an env ConfigMap labelled as its own)', async () => {
    const leftover: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-main-env', namespace: 'shop', labels: { 'lattice.dev/service': 'web' } }, data: { A: 'b' } } as KubeObject;
    const record = await judge([...renderTopology(topology), leftover], admissionOracle(topology));
    const web = record.admissions!.find((a) => a.service === 'shop/web')!;
    expect(web.problems).toEqual(['denied by AccessSecret, yet has outputs: ConfigMap shop/web-main-env']);
    expect(record.status).toBe('mismatches');
  });

  it('reports a secret wired other than the declaration implies, and a wrong gate or denial', async () => {
    const admissions = admissionOracle(topology).map((a): ExpectedAdmission => {
      if (a.service === 'shop/cart') return { ...a, secrets: a.secrets.map((u) => (u.route === 'env' ? { ...u, key: 'password' } : u.route === 'file' ? { ...u, prefix: 'cert=' } : u)) };
      if (a.service === 'shop/web') return { ...a, denials: a.denials.map((d) => ({ ...d, cause: 'no-permit' as const })) };
      if (a.service === 'shop/wild') return { ...a, gate: 'AccessSecret' };
      return a;
    });
    const record = await judge(renderTopology(topology), admissions);
    const problems = Object.fromEntries(record.admissions!.map((a) => [a.service, a.problems]));
    expect(problems['shop/cart']).toEqual([
      "secret 'db-creds' (route env): variable DB_CREDS_USERNAME should read secretKeyRef cart-db-creds/password, found cart-db-creds/username",
      "secret 'signing-key' (route file): file /etc/secrets/signing-key (Secret cart-main-file-etc-secrets-signing-key, key etc-secrets-signing-key) does not hold the templated value of cart-signing-key/certificate",
    ]);
    expect(problems['shop/web']).toEqual([
      'expected denials [AccessSecret Lattice::SecretPath::"vault-main:shop/smtp-login": no permit policy for this service and resource], the platform reports [AccessSecret Lattice::SecretPath::"vault-main:shop/smtp-login": access explicitly forbidden by policy]',
    ]);
    // A compile-gate denial would leave nothing: the workload a wildcard denial keeps is reported too.
    expect(problems['shop/wild']).toEqual([
      'expected gate AccessSecret, the platform names AllowWildcard',
      expect.stringMatching(/^denied by AccessSecret, yet has outputs: ConfigMap shop\/wild-main-env, Deployment shop\/wild, LatticeMeshMember shop\/wild, Pod shop\/wild-\S+, Service shop\/wild, ServiceAccount shop\/wild$/),
    ]);
    expect(record.admissionMismatches).toBe(3);
  });
});
