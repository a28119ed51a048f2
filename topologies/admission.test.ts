import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CedarEngine, imageVerificationRequests, secretRequests, securityOverrideRequests, volumeRequests, workloadImages, type GateRequest } from '../platform/cedar/index.ts';
import type { CedarPolicy, LatticeJob, LatticeService } from '../platform/crds/types.ts';
import { ADMISSION_REASONS, type ExpectedAdmission, admissionOracle, admissionSize, decideGate, expectedProbesWithAdmission, serviceGateRequests, topologyGateRequests, withAdmission } from './admission.ts';
import { cedarStatementText } from './admission-render.ts';
import { topologyArbitrary } from './arbitraries/topology.ts';
import { oracle } from './oracle.ts';
import { renderTopology } from './render.ts';
import type { Topology, TopologyCedar, TopologyCedarStatement, TopologySecret, TopologyService } from './topology.ts';
import { AFTER_GATES_SPECS, IMAGE_TRUST_REGISTRY, INVALID_SPEC_FIELDS, UNSIGNED_SERVER_IMAGE, jobTaskOf } from './topology.ts';
import { validateTopology } from './validate.ts';
import { testService } from './testing.ts';

const secret = (name: string, over: Partial<TopologySecret> = {}): TopologySecret => ({ name, provider: 'vault-main', path: `shop/${name}`, keys: ['password'], route: 'env', ...over });
const svc = (name: string, over: Partial<TopologyService> = {}): TopologyService => testService('shop', name, over);
const permit = (id: string, key: string, path: string, over: Partial<TopologyCedarStatement> = {}): TopologyCedarStatement => ({
  id,
  effect: 'permit',
  action: 'AccessSecret',
  principal: { key },
  resource: { exact: { type: 'SecretPath', provider: 'vault-main', path } },
  style: 'uid',
  ...over,
});
const topology = (services: TopologyService[], cedar?: TopologyCedar): Topology => ({
  name: 'shop',
  services,
  probes: [],
  secretProviders: [{ name: 'vault-main', type: 'vault' }],
  ...(cedar ? { cedar } : {}),
});
const enabled = (statements: TopologyCedarStatement[], name = 'permits') => ({ name, enabled: true, statements });

describe('admissionOracle: structural Cedar rules (reference §3.3)', () => {
  const cart = svc('cart', { secrets: [secret('db-creds')] });
  const request = serviceGateRequests(cart)[0];

  it('a matching permit admits the service: Ready, its secret wired', () => {
    const [a] = admissionOracle(topology([cart], { policies: [enabled([permit('p', 'shop/cart', 'shop/db-creds')])] }));
    expect(a).toMatchObject({ service: 'shop/cart', expected: 'Ready', denials: [], reason: ADMISSION_REASONS.ready });
    expect(a.secrets).toEqual([{ resource: 'db-creds', route: 'env', keys: ['password'], target: 'DB_CREDS_PASSWORD', key: 'password' }]);
  });

  it('forbid beats permit: Failed on AccessSecret with cause forbidden', () => {
    const t = topology([cart], { policies: [enabled([permit('p', 'shop/cart', 'shop/db-creds')]), enabled([permit('f', 'shop/cart', 'shop/db-creds', { effect: 'forbid' })], 'forbids')] });
    expect(decideGate(t.cedar, request)).toBe('forbidden');
    expect(admissionOracle(t)[0]).toMatchObject({
      expected: 'Failed',
      gate: 'AccessSecret',
      resource: 'Lattice::SecretPath::"vault-main:shop/db-creds"',
      denials: [{ gate: 'AccessSecret', subject: 'db-creds', cause: 'forbidden' }],
    });
  });

  it('an empty policy set denies every gate; a service meeting no gate is still Ready', () => {
    const t = topology([cart, svc('web', { wildcardInbound: true }), svc('plain')], { policies: [] });
    expect(admissionOracle(t).map((a) => [a.service, a.expected, a.gate, a.denials.map((d) => d.cause)])).toEqual([
      ['shop/cart', 'Failed', 'AccessSecret', ['no-permit']],
      ['shop/web', 'Failed', 'AllowWildcard', ['no-permit']],
      ['shop/plain', 'Ready', undefined, []],
    ]);
  });

  it('an erroring policy grants nothing, and an erroring forbid forbids nothing', () => {
    const erroringPermit = topology([cart], { policies: [enabled([permit('p', 'shop/cart', 'shop/db-creds', { erroring: true })])] });
    expect(admissionOracle(erroringPermit)[0]).toMatchObject({ expected: 'Failed', denials: [{ cause: 'no-permit' }] });
    const erroringForbid = topology([cart], { policies: [enabled([permit('p', 'shop/cart', 'shop/db-creds'), permit('f', 'shop/cart', 'shop/db-creds', { effect: 'forbid', erroring: true })])] });
    expect(admissionOracle(erroringForbid)[0].expected).toBe('Ready');
  });

  it('a disabled CedarPolicy is ignored, whether it permits or forbids', () => {
    const disabledPermit = topology([cart], { policies: [{ name: 'off', enabled: false, statements: [permit('p', 'shop/cart', 'shop/db-creds')] }] });
    expect(admissionOracle(disabledPermit)[0]).toMatchObject({ expected: 'Failed', gate: 'AccessSecret' });
    const disabledForbid = topology([cart], {
      policies: [enabled([permit('p', 'shop/cart', 'shop/db-creds')]), { name: 'off', enabled: false, statements: [permit('f', 'shop/cart', 'shop/db-creds', { effect: 'forbid' })] }],
    });
    expect(admissionOracle(disabledForbid)[0].expected).toBe('Ready');
  });

  it('namespace-wide principals and path prefixes match structurally; another provider does not', () => {
    const broad = permit('p', 'x', '', { principal: { namespace: 'shop' }, resource: { provider: 'vault-main', pathPrefix: 'shop/' }, style: 'attributes' });
    expect(decideGate({ policies: [enabled([broad])] }, request)).toBe('allow');
    expect(decideGate({ policies: [enabled([{ ...broad, resource: { provider: 'aws-secrets', pathPrefix: 'shop/' } }])] }, request)).toBe('no-permit');
    expect(decideGate({ policies: [enabled([{ ...broad, principal: { namespace: 'shop-2' } }])] }, request)).toBe('no-permit');
  });

  it('compile gates come first: a secret denial fails the service on AccessSecret even when its wildcard is denied too; all secret denials are listed in resource-key order', () => {
    const both = svc('api', { wildcardInbound: true, secrets: [secret('z-token'), secret('a-creds')] });
    const [a] = admissionOracle(topology([both], { policies: [] }));
    expect(a.gate).toBe('AccessSecret');
    expect(a.denials.map((d) => d.subject)).toEqual(['a-creds', 'z-token']);
  });

  it('asks AllowWildcard as the ServiceAccount of a mesh-member, and never AccessSecret of one', () => {
    const member = svc('legacy', { kind: 'mesh-member', serviceAccount: 'legacy-sa', wildcardInbound: true, dependsAll: true });
    expect(serviceGateRequests(member).map((r) => `${r.action} ${r.principal} ${r.subject}`)).toEqual(['AllowWildcard shop/legacy-sa inbound', 'AllowWildcard shop/legacy-sa outbound']);
    expect(admissionOracle(topology([member], { policies: [] }))[0]).toMatchObject({ kind: 'LatticeMeshMember', expected: 'Failed', gate: 'AllowWildcard' });
  });

  it('a CedarPolicy applied late revokes an admitted service: Failed on the gate, marked revoked, its traffic kept', () => {
    const late = { name: 'late', enabled: true, appliedAtMs: 75_000, statements: [permit('f', 'shop/cart', 'shop/db-creds', { effect: 'forbid' })] };
    const t = topology([cart], { policies: [enabled([permit('p', 'shop/cart', 'shop/db-creds')]), late] });
    expect(admissionOracle(t)[0]).toMatchObject({ expected: 'Failed', gate: 'AccessSecret', revoked: true, denials: [{ cause: 'forbidden' }] });
    // Denied from the start as well: never admitted, so not a revocation.
    const never = topology([cart], { policies: [late] });
    expect(admissionOracle(never)[0]).toMatchObject({ expected: 'Failed', denials: [{ cause: 'forbidden' }] });
    expect(admissionOracle(never)[0].revoked).toBeUndefined();
    const gen = svc('gen', { layer: 0, ports: [], outbound: ['shop/cart'] });
    const traffic = { ...t, services: [gen, { ...cart, inbound: ['shop/gen'] }], probes: [{ from: 'shop/gen', to: 'shop/cart' }] };
    expect(expectedProbesWithAdmission(traffic)).toEqual(oracle(traffic));
  });

  it('without a drawn set (cedar absent) everything needed is permitted', () => {
    expect(admissionOracle(topology([cart, svc('web', { wildcardInbound: true })])).every((a) => a.expected === 'Ready')).toBe(true);
  });
});

describe('withAdmission: a Failed service sends and receives nothing', () => {
  it('turns every probe from or to a Failed service into an expected deny with an admission reason, the caller first', () => {
    const gen = svc('gen', { layer: 0, ports: [], outbound: ['shop/cart', 'shop/web'] });
    const cart = svc('cart', { inbound: ['shop/gen'], secrets: [secret('db-creds')], outbound: ['shop/web'] });
    const web = svc('web', { inbound: ['shop/gen', 'shop/cart'] });
    const t: Topology = { ...topology([gen, cart, web], { policies: [] }), probes: [{ from: 'shop/gen', to: 'shop/cart' }, { from: 'shop/gen', to: 'shop/web' }, { from: 'shop/cart', to: 'shop/web' }] };
    expect(oracle(t).map((p) => p.expected)).toEqual(['allow', 'allow', 'allow']);
    expect(expectedProbesWithAdmission(t).map((p) => [p.expected, p.reason])).toEqual([
      ['deny', `${ADMISSION_REASONS.calleeFailed} (AccessSecretDenied)`],
      ['allow', oracle(t)[1].reason],
      ['deny', `${ADMISSION_REASONS.callerFailed} (AccessSecretDenied)`],
    ]);
    expect(withAdmission(oracle(t), t, [])).toEqual(oracle(t));
  });

  it('a probe from the ingress gateway is a deny when every service routing ingress in its namespace is Failed (no Gateway, no proxy)', () => {
    const cart = svc('cart', { ingress: true, secrets: [secret('db-creds')] });
    const web = svc('web', { wildcardInbound: true });
    const gw = 'shop/shop-ingress-istio';
    const t: Topology = { ...topology([cart, web], { policies: [] }), probes: [{ from: gw, to: 'shop/web' }] };
    expect(oracle(t).map((p) => p.expected)).toEqual(['allow']);
    expect(expectedProbesWithAdmission(t).map((p) => [p.expected, p.reason])).toEqual([['deny', ADMISSION_REASONS.gatewayAbsent]]);
  });

  it('keeps the traffic verdict of probes to a wildcard-denied non-ambient member (no policy isolates its ingress, reference §4.8), not of an ambient one', () => {
    const gen = svc('gen', { layer: 0, ports: [], outbound: ['shop/legacy', 'shop/web'] });
    const legacy = svc('legacy', { kind: 'mesh-member', ambient: false, wildcardInbound: true, outbound: ['shop/web'] });
    const web = svc('web', { wildcardInbound: true, inbound: [] });
    const t: Topology = { ...topology([gen, legacy, web], { policies: [] }), probes: [{ from: 'shop/gen', to: 'shop/legacy' }, { from: 'shop/gen', to: 'shop/web' }, { from: 'shop/legacy', to: 'shop/web' }] };
    expect(expectedProbesWithAdmission(t).map((p) => [p.expected, p.reason])).toEqual([
      ['allow', oracle(t)[0].reason],
      ['deny', `${ADMISSION_REASONS.calleeFailed} (AllowWildcardDenied)`],
      ['deny', `${ADMISSION_REASONS.callerFailed} (AllowWildcardDenied)`],
    ]);
  });
});

/** The platform's GateRequest of one topology request, built from the rendered LatticeService where the compiler reads it. */
function platformRequests(t: Topology): { request: GateRequest; origin: ReturnType<typeof topologyGateRequests>[number] }[] {
  const rendered = renderTopology(t);
  const out: { request: GateRequest; origin: ReturnType<typeof topologyGateRequests>[number] }[] = [];
  for (const s of t.services) {
    const mine = serviceGateRequests(s);
    const service = rendered.find((o): o is LatticeService => o.kind === 'LatticeService' && o.metadata.name === s.name && o.metadata.namespace === s.namespace);
    // A job task is compiled from its LatticeJob task's workload, with principal kind `job` (reference job compiler).
    const job = rendered.find((o): o is LatticeJob => o.kind === 'LatticeJob' && o.metadata.name === s.jobName && o.metadata.namespace === s.namespace);
    const task = job?.spec.tasks[jobTaskOf(s) ?? ''];
    const ls = service ?? (task ? { spec: { ...task, workload: task.workload! } as LatticeService['spec'] } : undefined);
    const principal = { namespace: s.namespace, name: s.name, kind: s.kind === 'job' ? ('job' as const) : ('service' as const) };
    // The compile gates in the compiler's order: secrets, shared volumes, then security overrides (reference compiler.rs:441-502).
    // Last, image trust: the images the rendered ImageProvider's registry prefixes (no signature in the simulated registry).
    const unsigned = ls && t.imageTrust ? [...new Set(workloadImages(ls.spec.workload, ls.spec.sidecars).filter((i) => i.startsWith(IMAGE_TRUST_REGISTRY)))].sort() : [];
    const compile = ls ? [...secretRequests(principal, ls.spec.workload.resources), ...volumeRequests(principal, ls.spec.workload.resources), ...securityOverrideRequests(principal, ls.spec), ...imageVerificationRequests(principal, unsigned)] : [];
    expect(compile.map((r) => `${r.action} ${r.subject}`)).toEqual(mine.filter((r) => r.stage === 'compile').map((r) => `${r.action} ${r.subject}`));
    compile.forEach((request, i) => out.push({ request, origin: mine[i] }));
    for (const r of mine.filter((q) => q.action === 'AllowWildcard')) {
      const slash = r.principal.indexOf('/');
      out.push({
        request: { action: 'AllowWildcard', principal: { namespace: r.principal.slice(0, slash), name: r.principal.slice(slash + 1), kind: 'service' }, resource: { type: 'Mesh', id: r.subject as 'inbound' }, subject: r.subject },
        origin: r,
      });
    }
  }
  return out;
}

describe('drawn topologies: the rendered Cedar set decides as the structural oracle says', () => {
  const samples = fc.sample(topologyArbitrary(), { seed: 23, numRuns: 200 });

  it('every rendered CedarPolicy parses, and Cedar itself agrees with decideGate on every gate request of 100 topologies', () => {
    let requests = 0;
    const causes = new Set<string>();
    // Job tasks' compile gates (principal kind `job`): Cedar must agree on them too.
    const jobCauses = new Set<string>();
    for (const t of samples.slice(0, 100)) {
      const engine = CedarEngine.fromPolicies(renderTopology(t).filter((o): o is CedarPolicy => o.kind === 'CedarPolicy'));
      expect(engine.loadErrors).toEqual([]);
      for (const { request, origin } of platformRequests(t)) {
        const [decision] = engine.authorize([request]);
        const expected = decideGate(t.cedar, origin);
        causes.add(expected);
        requests++;
        if (origin.principalKind === 'job') jobCauses.add(expected);
        expect({ origin, allowed: decision.allowed, reason: decision.reason }).toEqual({
          origin,
          allowed: expected === 'allow',
          reason: expected === 'allow' ? '' : expected === 'forbidden' ? 'access explicitly forbidden by policy' : 'no permit policy for this service and resource',
        });
      }
    }
    expect(requests).toBeGreaterThan(500);
    expect(causes).toEqual(new Set(['allow', 'forbidden', 'no-permit']));
    expect(jobCauses.has('allow') && jobCauses.has('no-permit')).toBe(true);
  });

  it('draws both Ready and Failed services, Failed ones in a minority of topologies (10-45 %, revocations included), over every gate and every denial kind', () => {
    let withFailed = 0;
    const gates = new Set<string>();
    const kinds = new Set<string>();
    for (const t of samples) {
      expect(validateTopology(t)).toEqual([]);
      const admissions = admissionOracle(t);
      expect(admissions.some((a) => a.expected === 'Ready')).toBe(true);
      // Gate failures only: spec-validation failures (invalidSpecProbability) and quota refusals
      // (quotaProbability) are counted by their own tests.
      const failed = admissions.filter((a) => a.expected === 'Failed' && !a.invalidField && !a.quotaExceeded);
      if (failed.length > 0) withFailed++;
      for (const a of failed) gates.add(a.gate!);
      if (failed.some((a) => a.revoked)) kinds.add('revocation');
      if (t.cedar?.policies.length === 0 && topologyGateRequests(t).length > 0) kinds.add('empty set');
      for (const p of t.cedar?.policies ?? []) {
        for (const st of p.statements) {
          if (!p.enabled) kinds.add(`disabled ${st.effect}`);
          if (st.erroring) kinds.add(`erroring ${st.effect}`);
          if (st.effect === 'forbid' && p.enabled && !st.erroring) kinds.add('forbid');
        }
      }
    }
    expect(withFailed / samples.length).toBeGreaterThan(0.1);
    // Shared volumes (sharedVolumeProbability) add owner-consent refusals: about 0.4 with them, 0.28 without.
    expect(withFailed / samples.length).toBeLessThan(0.45);
    expect(gates).toEqual(new Set(['AccessSecret', 'AccessVolume', 'OverrideSecurity', 'SkipImageVerification', 'AllowWildcard']));
    expect(kinds).toEqual(new Set(['empty set', 'disabled permit', 'disabled forbid', 'erroring permit', 'erroring forbid', 'forbid', 'revocation']));
  });

  it('draws several secrets per service over several providers and every route', () => {
    const routes = new Set<string>();
    const providers = new Set<string>();
    let multi = 0;
    let bulk = 0;
    for (const t of samples) {
      for (const s of t.services) {
        if ((s.secrets?.length ?? 0) > 1) multi++;
        for (const x of s.secrets ?? []) {
          routes.add(x.route);
          providers.add(x.provider);
          if (x.keys.length === 0) bulk++;
        }
      }
    }
    expect(routes).toEqual(new Set(['env', 'env-mixed', 'file', 'envFrom']));
    expect(providers).toEqual(new Set(['vault-main', 'aws-secrets', 'webhook-store']));
    expect(multi).toBeGreaterThan(50);
    expect(bulk).toBeGreaterThan(10);
  });

  it('shrinks a failing admission to a small topology with one plain denial left', () => {
    const result = fc.check(
      // Image trust off: its draw is the last one, so this is the seed-3 topology the test was written
      // for (an image draw that errors shrinks to a plain permit, not to a missing one, like any verdict).
      // Quotas off: a capped quota fails a service without any Cedar denial.
      // Jobs off: their draw comes after every other, so the seed-3 topology is the same.
      fc.property(topologyArbitrary({ imageTrustProbability: 0, quotaProbability: 0, jobProbability: 0 }), (t) => admissionOracle(t).every((a) => a.expected === 'Ready')),
      { seed: 3 },
    );
    expect(result.failed).toBe(true);
    const t = result.counterexample![0] as Topology;
    expect(t.services.length).toBeLessThanOrEqual(3);
    expect(admissionOracle(t).filter((a) => a.expected === 'Failed')).toHaveLength(1);
    // Nothing but the denial is left to simplify: one gate request off plain (or, for a volume its owner
    // refuses, none: consent is not Cedar's), every statement in uid scope.
    const size = admissionSize(t);
    const [denial] = admissionOracle(t).find((a) => a.expected === 'Failed')!.denials;
    expect(size.cedarForms).toBe(0);
    expect(size.cedarDeviations).toBe(denial?.cause === 'no-consent' ? 0 : 1);
    expect(topologyGateRequests(t).length).toBeLessThanOrEqual(2);
  });
});

describe('cedarStatementText', () => {
  it('writes uid scope, attribute conditions, a namespace-wide principal, a path prefix and an erroring read', () => {
    expect(cedarStatementText(permit('s0', 'shop/cart', 'shop/db-creds'))).toBe(
      '@id("s0")\npermit (\n  principal == Lattice::Service::"shop/cart",\n  action == Lattice::Action::"AccessSecret",\n  resource == Lattice::SecretPath::"vault-main:shop/db-creds"\n);',
    );
    expect(cedarStatementText(permit('s1', 'shop/cart', 'shop/db-creds', { style: 'attributes', erroring: true, effect: 'forbid' }))).toBe(
      [
        '@id("s1")',
        'forbid (',
        '  principal,',
        '  action == Lattice::Action::"AccessSecret",',
        '  resource',
        ')',
        'when {',
        '  principal.team == "platform" &&',
        '  principal.kind == "service" &&',
        '  principal.namespace == "shop" &&',
        '  principal.name == "cart" &&',
        '  resource.provider == "vault-main" &&',
        '  resource.path == "shop/db-creds"',
        '};',
      ].join('\n'),
    );
    expect(cedarStatementText(permit('s2', '', '', { principal: { namespace: 'shop' }, resource: { provider: 'aws-secrets', pathPrefix: 'shop/' }, style: 'attributes' }))).toContain(
      'principal.namespace == "shop" &&\n  resource.provider == "aws-secrets" &&\n  resource.path like "shop/*"',
    );
  });
});

describe('invalid specs (invalidSpecProbability): the spec-validation rule of the admission oracle', () => {
  // Image trust off: an unsigned image denied by Cedar comes before metrics-port-missing (checked after the
  // gates; see the test below), and this test is about validation failures alone.
  const samples = fc.sample(topologyArbitrary({ invalidSpecProbability: 0.3, imageTrustProbability: 0 }), { seed: 29, numRuns: 40 });
  it('draws every invalid field on LatticeServices only; each such service is expected Failed by validation, before any gate, naming its field', () => {
    const drawn = new Set<string>();
    for (const t of samples) {
      expect(validateTopology(t)).toEqual([]);
      // By key: a LatticeJob's expectation stands for its tasks (a failed job's tasks have none of their own).
      const admissions = new Map(admissionOracle(t).map((a) => [a.service, a]));
      t.services.forEach((s) => {
        const own = admissions.get(`${s.namespace}/${s.name}`);
        if (s.kind !== 'job') expect(own).toBeDefined();
        if (!s.invalidSpec) return expect(own?.invalidField).toBeUndefined();
        drawn.add(s.invalidSpec);
        expect(s.kind).not.toBe('mesh-member');
        expect(s.kind).not.toBe('job');
        expect(own).toMatchObject({ expected: 'Failed', gate: 'Validation', invalidField: INVALID_SPEC_FIELDS[s.invalidSpec], denials: [], secrets: [] });
      });
    }
    expect([...drawn].sort()).toEqual(Object.keys(INVALID_SPEC_FIELDS).sort());
  });
  it('denies every probe from or to a service refused by validation, naming ValidationFailed', () => {
    const t = samples.find((x) => x.services.some((s) => s.invalidSpec && s.ports.length > 0))!;
    const bad = t.services.find((s) => s.invalidSpec && s.ports.length > 0)!;
    const key = `${bad.namespace}/${bad.name}`;
    const touching = expectedProbesWithAdmission(t).filter((p) => p.from === key || p.to === key);
    expect(touching.length).toBeGreaterThan(0);
    for (const p of touching) expect(p).toMatchObject({ expected: 'deny', reason: expect.stringContaining('(ValidationFailed)') });
  });
  it('metrics-port-missing (checked by the VMServiceScrape phase, after the gates) yields to a compile gate that denies', () => {
    const bad = svc('cart', { secrets: [secret('db-creds')], invalidSpec: 'metrics-port-missing' });
    const [permitted] = admissionOracle(topology([bad], { policies: [enabled([permit('p', 'shop/cart', 'shop/db-creds')])] }));
    expect(permitted).toMatchObject({ expected: 'Failed', gate: 'Validation', invalidField: "observability.metrics.port 'lattice-sim-prom' not found in service.ports" });
    expect(permitted.reason).toContain('the compiler fails it once the gates passed');
    const [denied] = admissionOracle(topology([bad], { policies: [enabled([])] }));
    expect(denied).toMatchObject({ expected: 'Failed', gate: 'AccessSecret' });
    expect(denied.invalidField).toBeUndefined();
    const [secretWithoutId] = admissionOracle(topology([{ ...bad, invalidSpec: 'secret-without-id' }], { policies: [enabled([])] }));
    expect(secretWithoutId, 'a secret without id is refused before any gate').toMatchObject({ gate: 'Validation' });
  });
  it('counts invalid fields in the shrinking measure, so turning one off is a strictly smaller topology', () => {
    const t = samples.find((x) => x.services.some((s) => s.invalidSpec))!;
    const fixed = { ...t, services: t.services.map(({ invalidSpec: _drop, ...s }) => s) };
    expect(admissionSize(t).invalidSpecs).toBeGreaterThan(admissionSize(fixed).invalidSpecs);
  });
});

describe('image trust (imageTrustProbability): SkipImageVerification in the admission oracle', () => {
  const image = { type: 'ImageRef' as const, id: UNSIGNED_SERVER_IMAGE.image, registry: UNSIGNED_SERVER_IMAGE.registry, name: UNSIGNED_SERVER_IMAGE.name, tag: UNSIGNED_SERVER_IMAGE.tag };
  const skip = (id: string, effect: 'permit' | 'forbid', style: 'uid' | 'attributes' = 'uid'): TopologyCedarStatement => ({ id, effect, action: 'SkipImageVerification', principal: { key: 'shop/web' }, resource: { exact: image }, style });
  const web = svc('web', { unsignedImage: true, secrets: [secret('db-creds')] });
  const trusted = (cedar: TopologyCedar): Topology => ({ ...topology([web], cedar), imageTrust: true });

  it('asks SkipImageVerification on the server image last among the compile gates; a permit admits, a forbid or no permit fails it on that gate', () => {
    expect(serviceGateRequests(web).map((r) => `${r.action} ${r.stage}`)).toEqual(['AccessSecret compile', 'SkipImageVerification compile']);
    const secretOk = permit('p', 'shop/web', 'shop/db-creds');
    expect(admissionOracle(trusted({ policies: [enabled([secretOk, skip('i', 'permit')])] }))[0].expected).toBe('Ready');
    expect(admissionOracle(trusted({ policies: [enabled([secretOk])] }))[0]).toMatchObject({
      expected: 'Failed',
      gate: 'SkipImageVerification',
      resource: 'Lattice::ImageRef::"nginxinc/nginx-unprivileged:1.27-alpine"',
      denials: [{ gate: 'SkipImageVerification', cause: 'no-permit', subject: UNSIGNED_SERVER_IMAGE.image }],
    });
    expect(admissionOracle(trusted({ policies: [enabled([secretOk, skip('i', 'permit')]), enabled([skip('f', 'forbid')], 'forbids')] }))[0].denials[0].cause).toBe('forbidden');
    // An earlier gate's denial wins: the image gate is not reported.
    expect(admissionOracle(trusted({ policies: [enabled([skip('i', 'forbid')])] }))[0].gate).toBe('AccessSecret');
  });

  it('renders the enforcing ImageProvider with its key Secret, and attribute statements in the reference ImageRef attributes', () => {
    const objects = renderTopology(trusted({ policies: [] }));
    const provider = objects.find((o) => o.kind === 'ImageProvider') as unknown as { metadata: { namespace: string }; spec: { registry: string; trust: { authorities: { name: string }[] } } };
    expect(provider.metadata.namespace).toBe('lattice-system');
    expect(UNSIGNED_SERVER_IMAGE.image.startsWith(provider.spec.registry)).toBe(true);
    expect(objects.find((o) => o.kind === 'Secret')?.metadata.name).toBe(`lattice-sim-signing-trust-${provider.spec.trust.authorities[0].name}-credentials`);
    expect(renderTopology(topology([svc('web')])).some((o) => o.kind === 'ImageProvider')).toBe(false);
    expect(cedarStatementText(skip('i', 'permit', 'attributes'))).toContain('resource.registry == "docker.io" &&\n  resource.name == "nginxinc/nginx-unprivileged" &&\n  resource.tag == "1.27-alpine"');
  });

  it('refuses an unsigned image without the topology ImageProvider or on a generator', () => {
    expect(validateTopology(topology([web]))).toEqual([expect.stringContaining('an unsigned image needs')]);
    expect(validateTopology({ ...topology([svc('gen', { ports: [], unsignedImage: true })]), imageTrust: true })).toEqual([expect.stringContaining('an unsigned image needs')]);
  });
});

describe('quotas (quotaProbability): the quota rule of the admission oracle', () => {
  const samples = fc.sample(topologyArbitrary({ quotaProbability: 0.3 }), { seed: 31, numRuns: 40 });

  it('draws quotas with room and capped ones on LatticeServices only; a capped service is Failed on Quota with the platform text, the others keep their verdict', () => {
    let capped = 0;
    let within = 0;
    for (const t of samples) {
      expect(validateTopology(t)).toEqual([]);
      const byKey = new Map(admissionOracle(t).map((a) => [a.service, a]));
      const plain = new Map(admissionOracle({ ...t, services: t.services.map(({ quota: _q, ...s }) => s) }).map((a) => [a.service, a]));
      const quotas = renderTopology(t).filter((o) => o.kind === 'LatticeQuota');
      expect(quotas.map((o) => o.metadata.name).sort()).toEqual(t.services.filter((s) => s.quota).map((s) => `${s.namespace}.${s.name}`).sort());
      for (const s of t.services) {
        const key = `${s.namespace}/${s.name}`;
        if (s.quota) expect(s.kind).not.toBe('mesh-member');
        const invalidFirst = s.invalidSpec !== undefined && !AFTER_GATES_SPECS.includes(s.invalidSpec);
        if (s.quota === 'capped' && !invalidFirst) {
          capped++;
          expect(byKey.get(key)).toMatchObject({ expected: 'Failed', gate: 'Quota', denials: [], quotaExceeded: `quota exceeded: cpu (${50 * (s.replicas ?? 1)}m) exceeds per-workload cap (${50 * (s.replicas ?? 1) - 1}m)` });
        } else {
          if (s.quota === 'within') within++;
          // The gate verdict is unchanged; the BilateralAgreement expectation may differ (a capped peer has no mesh member).
          // A task of a failed LatticeJob has no expectation of its own, with or without quotas (a job has no quota).
          if (s.kind !== 'job') expect(byKey.get(key)).toBeDefined();
          const verdictOf = (a: ExpectedAdmission | undefined) => a && (({ bilateralAgreement: _a, ...rest }: ExpectedAdmission) => rest)(a);
          expect(verdictOf(byKey.get(key))).toEqual(verdictOf(plain.get(key)));
        }
      }
    }
    expect(capped).toBeGreaterThan(5);
    expect(within).toBeGreaterThan(5);
  });

  it('a capped service sends and receives nothing', () => {
    const t: Topology = { name: 'q', services: [testService('q', 'gen', { layer: 0, ports: [], outbound: ['q/api'] }), testService('q', 'api', { inbound: ['q/gen'], quota: 'capped' })], probes: [{ from: 'q/gen', to: 'q/api' }] };
    expect(expectedProbesWithAdmission(t)).toEqual([expect.objectContaining({ from: 'q/gen', to: 'q/api', expected: 'deny', reason: `${ADMISSION_REASONS.calleeFailed} (QuotaExceeded)` })]);
    expect(validateTopology({ ...t, services: [t.services[0], { ...t.services[1], kind: 'mesh-member' }] })).toEqual(expect.arrayContaining([expect.stringContaining('only a LatticeService has a quota')]));
  });
});
