import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { CedarPolicy, LatticeService } from '../crds/types.ts';
import { CedarEngine, REASON_NO_PERMIT } from './engine.ts';
import { denialMessage } from './format.ts';
import { externalEndpointRequests, secretRequests, securityOverrideRequests } from './overrides.ts';
import type { CedarPrincipal, GateRequest } from './types.ts';
import { validateCedarPolicy } from './validation.ts';

// The project's example policy (topologies/examples/webapp-cedar) against the reference webapp specs.
const policyFile = fileURLToPath(new URL('../../topologies/examples/webapp-cedar/cedar-policy.yaml', import.meta.url));
const webappDir = fileURLToPath(new URL('../../../shared/fixtures/reference/webapp/', import.meta.url));
const haveWebapp = existsSync(webappDir);
/** Appended to each reference-fixture test's name, so a skip says why. */
const absent = haveWebapp ? '' : ' (reference fixtures not present (../shared/fixtures/reference/webapp): skipped)';
const SERVICES = ['api', 'postgres', 'redis', 'frontend', 'worker'];

function gateRequests(name: string): GateRequest[] {
  const svc = parse(readFileSync(`${webappDir}${name}.yaml`, 'utf8')) as LatticeService;
  const principal: CedarPrincipal = { namespace: svc.metadata.namespace!, name: svc.metadata.name, kind: 'service' };
  return [
    ...secretRequests(principal, svc.spec.workload.resources),
    ...securityOverrideRequests(principal, svc.spec),
    ...externalEndpointRequests(principal, svc.spec.workload.resources),
  ];
}

const webappPolicy = (): CedarPolicy => parse(readFileSync(policyFile, 'utf8')) as CedarPolicy;

describe('webapp example CedarPolicy', () => {
  it('is a valid, described CedarPolicy named webapp-permits in lattice-system with two permits', () => {
    const obj = webappPolicy();
    expect(obj).toMatchObject({ apiVersion: 'lattice.dev/v1alpha1', kind: 'CedarPolicy', metadata: { name: 'webapp-permits', namespace: 'lattice-system' } });
    expect(obj.spec.description).toBeTruthy();
    expect(validateCedarPolicy(obj)).toMatchObject({ phase: 'Valid', permitCount: 2, forbidCount: 0 });
  });

  if (!haveWebapp) it.skip(`reference fixtures not found at ${webappDir}; skipped`, () => {});

  it.skipIf(!haveWebapp)(`allows every request of all five webapp services${absent}`, () => {
    const engine = CedarEngine.fromPolicies([webappPolicy()]);
    expect(engine.loadErrors).toEqual([]);
    for (const name of SERVICES) {
      const decisions = engine.authorize(gateRequests(name));
      expect(denialMessage(decisions), name).toBe('');
      expect(decisions.every((d) => d.policies.every((id) => id.startsWith('webapp-permits_')))).toBe(true);
    }
  });

  it.skipIf(!haveWebapp)(`denies api's secret requests without it, with the reference message${absent}`, () => {
    const decisions = CedarEngine.fromPolicies([]).authorize(gateRequests('api'));
    expect(decisions.map((d) => [d.request.subject, d.allowed, d.reason])).toEqual([
      ['db-credentials', false, REASON_NO_PERMIT],
      ['redis-credentials', false, REASON_NO_PERMIT],
    ]);
    expect(denialMessage(decisions)).toBe(
      "secret access denied: 'db-credentials': no permit policy for this service and resource; secret access denied: 'redis-credentials': no permit policy for this service and resource",
    );
  });

  it('permits nothing outside namespace webapp, outside lattice-local, or outside webapp/ paths', () => {
    const engine = CedarEngine.fromPolicies([webappPolicy()]);
    const other: CedarPrincipal = { namespace: 'shop', name: 'api', kind: 'service' };
    const api: CedarPrincipal = { namespace: 'webapp', name: 'api', kind: 'service' };
    const decisions = engine.authorize([
      { action: 'AccessSecret', principal: other, resource: { type: 'SecretPath', provider: 'lattice-local', path: 'webapp/db-credentials' }, subject: 'a' },
      { action: 'AccessSecret', principal: api, resource: { type: 'SecretPath', provider: 'vault', path: 'webapp/db-credentials' }, subject: 'b' },
      { action: 'AccessSecret', principal: api, resource: { type: 'SecretPath', provider: 'lattice-local', path: 'shop/db-credentials' }, subject: 'c' },
      { action: 'OverrideSecurity', principal: other, resource: { type: 'SecurityOverride', id: 'allowedBinary:*', category: 'binary' }, subject: 'd' },
      { action: 'OverrideSecurity', principal: api, resource: { type: 'SecurityOverride', id: 'runAsRoot', category: 'container' }, subject: 'e' },
    ]);
    expect(decisions.map((d) => d.allowed)).toEqual([false, false, false, false, false]);
  });
});
