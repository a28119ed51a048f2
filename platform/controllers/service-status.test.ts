import { describe, expect, test } from 'vitest';
import type { GateDecision, GateRequest } from '../cedar/index.ts';
import { REASON_FORBIDDEN, REASON_NO_PERMIT } from '../cedar/index.ts';
import { compiledResourcesSummary, denialConditionMessage } from './service-status.ts';

const principal = { namespace: 'commerce', name: 'checkout', kind: 'service' as const };
const secretReq: GateRequest = { action: 'AccessSecret', principal, resource: { type: 'SecretPath', provider: 'vault', path: 'payments/stripe' }, subject: 'stripe' };
const volumeReq: GateRequest = { action: 'AccessVolume', principal, resource: { type: 'Volume', namespace: 'commerce', volumeId: 'media' }, subject: 'shared' };
const denied = (request: GateRequest, reason: string, policies: string[] = []): GateDecision => ({ request, allowed: false, reason, policies });

describe('denialConditionMessage (book §4.8: which gate, which resource, what to do)', () => {
  test('no permit: names the secret path, the resource key, the Cedar uid, and the permit that is missing', () => {
    expect(denialConditionMessage([denied(secretReq, REASON_NO_PERMIT)])).toBe(
      'AccessSecret denied: Service commerce/checkout is not permitted to access secret payments/stripe (resource \'stripe\', Lattice::SecretPath::"vault:payments/stripe"): ' +
        'no permit policy for this service and resource. No Cedar policy grants Action::"AccessSecret" for Lattice::Service::"commerce/checkout" on Lattice::SecretPath::"vault:payments/stripe". ' +
        "Ask the platform team (or the owner of the secret) to add a CedarPolicy in lattice-system that permits it, or remove resource 'stripe' from the spec.",
    );
  });

  test('a forbid names the policy and its CedarPolicy; an owner-consent refusal sends the developer to the volume owner; several denials are separate paragraphs', () => {
    const m = denialConditionMessage([denied(secretReq, REASON_FORBIDDEN, ['freeze_0']), denied(volumeReq, "not in allowedConsumers of volume 'media' owned by 'commerce/plex'")]);
    const [forbid, consent] = m.split('\n\n');
    expect(forbid).toContain(': access explicitly forbidden by policy. It is forbidden by policy freeze_0 (CedarPolicy lattice-system/freeze); a permit cannot override a forbid');
    expect(consent).toMatch(/^AccessVolume denied: Service commerce\/checkout is not permitted to access volume commerce\/media \(resource 'shared', Lattice::Volume::"commerce\/media"\): not in allowedConsumers/);
    expect(consent).toContain("The volume's owner must consent first: ask its owner to list commerce/checkout in the volume's allowedConsumers");
  });
});

describe('compiledResourcesSummary (book §4.8 compiledResources)', () => {
  test('counts by kind (sorted), lists Kind/name sorted, keeps the generation; empty is count 0', () => {
    const o = (kind: string, name: string) => ({ kind, metadata: { name } });
    expect(compiledResourcesSummary([o('Service', 'a'), o('AuthorizationPolicy', 'y'), o('AuthorizationPolicy', 'x')], 3)).toEqual({
      count: 3,
      types: { AuthorizationPolicy: 2, Service: 1 },
      resources: ['AuthorizationPolicy/x', 'AuthorizationPolicy/y', 'Service/a'],
      generation: 3,
    });
    expect(compiledResourcesSummary([], undefined)).toEqual({ count: 0, types: {}, resources: [] });
  });
});
