import { describe, expect, test } from 'vitest';
import type { GateDecision } from '../cedar/types.ts';
import { wildcardDenialMessage, wildcardRequests } from './wildcards.ts';
import { lmm } from './testing/members.ts';

describe('wildcardRequests', () => {
  test('asks nothing when the member uses no wildcard', () => {
    expect(wildcardRequests(lmm('ns', 'a', { allowedCallers: [{ name: 'b' }] }))).toEqual([]);
  });

  test('asks inbound, outbound and advertise with the service-account principal', () => {
    const m = lmm('ns', 'a', { allowedCallers: [{ name: '*' }], dependsAll: true, advertise: { allowedServices: ['*'] }, serviceAccount: 'sa-a' });
    const reqs = wildcardRequests(m);
    expect(reqs.map((r) => r.subject)).toEqual(['inbound', 'outbound', 'advertise']);
    for (const r of reqs) {
      expect(r.action).toBe('AllowWildcard');
      expect(r.principal).toEqual({ namespace: 'ns', name: 'sa-a', kind: 'service' });
      expect(r.resource).toEqual({ type: 'Mesh', id: r.subject });
    }
  });

  test('uses the LMM name when no service account is set', () => {
    expect(wildcardRequests(lmm('ns', 'a', { dependsAll: true }))[0].principal.name).toBe('a');
  });
});

describe('wildcardDenialMessage', () => {
  test('names the direction, the principal and the permit to add', () => {
    const m = lmm('ns', 'a', { allowedCallers: [{ name: '*' }], dependsAll: true });
    const [inbound, outbound] = wildcardRequests(m);
    const deny = (request: typeof inbound): GateDecision => ({ request, allowed: false, reason: 'no permit policy for this service and resource', policies: [] });
    expect(wildcardDenialMessage(deny(inbound), m)).toBe(
      'Cedar policy denied allows_all (wildcard inbound) for ns/a; add a permit policy for Action::"AllowWildcard" on Mesh::"inbound"',
    );
    expect(wildcardDenialMessage(deny(outbound), m)).toBe(
      'Cedar policy denied depends_all (wildcard outbound) for ns/a; add a permit policy for Action::"AllowWildcard" on Mesh::"outbound"',
    );
  });
});
