import { describe, expect, it } from 'vitest';
import { REASON_FORBIDDEN, REASON_NO_PERMIT } from './engine.ts';
import { denialItem, denialMessage, gateConditionMessage } from './format.ts';
import type { CedarPrincipal, CedarResource, GateAction, GateDecision } from './types.ts';

const api: CedarPrincipal = { namespace: 'webapp', name: 'api', kind: 'service' };
const denied = (action: GateAction, resource: CedarResource, subject: string, container?: string, reason = REASON_NO_PERMIT, policies: string[] = []): GateDecision => ({
  request: { action, principal: api, resource, subject, ...(container ? { container } : {}) },
  allowed: false,
  reason,
  policies,
});

const secretDenied = denied('AccessSecret', { type: 'SecretPath', provider: 'lattice-local', path: 'webapp/db-credentials' }, 'db-credentials');

describe('denial texts (reference §3.4)', () => {
  it('word a denied secret', () => {
    expect(denialItem(secretDenied)).toBe("secret access denied: 'db-credentials': no permit policy for this service and resource");
  });

  it('word container-level and pod-level security overrides', () => {
    expect(denialItem(denied('OverrideSecurity', { type: 'SecurityOverride', id: 'capability:NET_ADMIN', category: 'capability' }, 'capability:NET_ADMIN', 'vpn'))).toBe(
      "security override denied: 'capability:NET_ADMIN' (container 'vpn'): no permit policy for this service and resource",
    );
    expect(denialItem(denied('OverrideSecurity', { type: 'SecurityOverride', id: 'hostNetwork', category: 'pod' }, 'hostNetwork', undefined, REASON_FORBIDDEN))).toBe(
      "security override denied: 'hostNetwork': access explicitly forbidden by policy",
    );
  });

  it('word external endpoints, volumes and wildcards', () => {
    expect(denialItem(denied('AccessExternalEndpoint', { type: 'ExternalEndpoint', host: 'api.stripe.com', port: '443', protocol: 'https' }, 'stripe'))).toBe(
      "external endpoint access denied: 'stripe' (api.stripe.com:443): no permit policy for this service and resource",
    );
    expect(denialItem(denied('AccessVolume', { type: 'Volume', namespace: 'media', volumeId: 'media-storage' }, 'media'))).toBe(
      "volume access denied: 'media' (volume 'media-storage'): no permit policy for this service and resource",
    );
    expect(denialItem(denied('AllowWildcard', { type: 'Mesh', id: 'inbound' }, 'inbound'))).toBe(
      'Cedar policy denied allows_all (wildcard inbound) for webapp/api; add a permit policy for Action::"AllowWildcard" on Mesh::"inbound"',
    );
  });

  it('join every denied item with "; " and skip allowed decisions', () => {
    const allowed: GateDecision = { ...secretDenied, allowed: true, reason: '', policies: ['p_0'] };
    const override = denied('OverrideSecurity', { type: 'SecurityOverride', id: 'allowedBinary:*', category: 'binary' }, 'allowedBinary:*', 'main');
    expect(denialMessage([secretDenied, allowed, override])).toBe(
      "secret access denied: 'db-credentials': no permit policy for this service and resource; security override denied: 'allowedBinary:*' (container 'main'): no permit policy for this service and resource",
    );
    expect(denialMessage([allowed])).toBe('');
  });
});

describe('gateConditionMessage', () => {
  it('names the gate, the principal, the resource and the spec item', () => {
    expect(gateConditionMessage(secretDenied)).toBe(
      `Cedar gate AccessSecret denied Lattice::Service::"webapp/api" on Lattice::SecretPath::"lattice-local:webapp/db-credentials" (resource 'db-credentials'): no permit policy for this service and resource`,
    );
  });

  it('names the container of an override and the determining policies of a forbid', () => {
    const d = denied('OverrideSecurity', { type: 'SecurityOverride', id: 'privileged', category: 'container' }, 'privileged', 'main', REASON_FORBIDDEN, ['guard_0']);
    expect(gateConditionMessage(d)).toBe(
      `Cedar gate OverrideSecurity denied Lattice::Service::"webapp/api" on Lattice::SecurityOverride::"privileged" (override 'privileged', container 'main'): access explicitly forbidden by policy [policies: guard_0]`,
    );
  });

  it('words an allowed decision without a reason', () => {
    expect(gateConditionMessage({ ...secretDenied, allowed: true, reason: '', policies: ['webapp-permits_0'] })).toBe(
      `Cedar gate AccessSecret allowed Lattice::Service::"webapp/api" on Lattice::SecretPath::"lattice-local:webapp/db-credentials" (resource 'db-credentials') [policies: webapp-permits_0]`,
    );
  });
});
