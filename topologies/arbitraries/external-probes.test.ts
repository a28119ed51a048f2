import { describe, expect, it } from 'vitest';
import { externalProbeKey } from '../../harness/verifier/expected-probe.ts';
import { egressHosts, withExternalProbes } from './external-probes.ts';
import { EXTERNAL_REASONS, cidrRange, egressCovers, expectExternal, ipv4Text, ipv4Value } from '../oracle-external.ts';
import { oracle } from '../oracle.ts';
import type { Topology, TopologyService } from '../topology.ts';
import { testService } from '../testing.ts';
import { validateTopology } from '../validate.ts';

const fqdn = { fqdn: 'api.partner.example', port: 443 };
const cidr = { cidr: '203.0.113.0/24', port: 8443 };
const member = (name: string, over: Partial<TopologyService> = {}): TopologyService => testService('shop', name, { kind: 'mesh-member', ...over });

describe('expectExternal (oracle-external.ts): a caller reaches an external host only through its own egress rule', () => {
  it('an FQDN rule covers that name only, on its port', () => {
    const s = member('web', { egress: [fqdn] });
    expect(expectExternal(s, 'api.partner.example', 443)).toEqual({ expected: 'allow', reason: EXTERNAL_REASONS.declared });
    expect(expectExternal(s, 'api.partner.example', 444)).toEqual({ expected: 'deny', reason: EXTERNAL_REASONS.otherPort });
    expect(expectExternal(s, 'other.partner.example', 443)).toEqual({ expected: 'deny', reason: EXTERNAL_REASONS.undeclared });
    expect(expectExternal(s, 'x.api.partner.example', 443).expected).toBe('deny');
  });

  it('a CIDR rule covers the addresses inside it, on its port; no rule covers nothing', () => {
    const s = member('web', { egress: [cidr] });
    expect(expectExternal(s, '203.0.113.10', 8443).expected).toBe('allow');
    expect(expectExternal(s, '203.0.113.255', 8443).expected).toBe('allow');
    expect(expectExternal(s, '203.0.114.0', 8443).expected).toBe('deny');
    expect(expectExternal(member('api'), '203.0.113.10', 8443)).toEqual({ expected: 'deny', reason: EXTERNAL_REASONS.undeclared });
  });

  it('IPv4 helpers: values, ranges, containment', () => {
    expect(ipv4Value('203.0.113.10')).toBe(203 * 2 ** 24 + 113 * 256 + 10);
    expect(ipv4Value('256.0.0.1')).toBeUndefined();
    expect(ipv4Text(ipv4Value('198.51.100.7')!)).toBe('198.51.100.7');
    expect(cidrRange('203.0.113.77/24')).toEqual({ first: ipv4Value('203.0.113.0'), size: 256 });
    expect(egressCovers(cidr, 'api.partner.example')).toBe(false);
  });
});

describe('withExternalProbes: the probes of each egress rule, judged by the oracle', () => {
  it('probes the host inside on its port (allow), on the next port, a host just outside, and from another service (deny)', () => {
    const t: Topology = { name: 'shop', services: [testService('shop', 'gen', { ports: [] }), member('web', { egress: [fqdn, cidr] })], probes: [] };
    expect(egressHosts(fqdn)).toEqual({ inside: 'api.partner.example', outside: 'other.partner.example' });
    expect(egressHosts(cidr)).toEqual({ inside: '203.0.113.10', outside: '203.0.114.0' });
    const probed = withExternalProbes(t, [true, true]);
    expect(validateTopology(probed)).toEqual([]);
    expect(oracle(probed).map((p) => `${p.from}->${p.to}:${p.port} ${p.expected}`)).toEqual([
      `shop/web->${externalProbeKey('api.partner.example')}:443 allow`,
      `shop/web->${externalProbeKey('api.partner.example')}:444 deny`,
      `shop/web->${externalProbeKey('other.partner.example')}:443 deny`,
      `shop/gen->${externalProbeKey('api.partner.example')}:443 deny`,
      `shop/web->${externalProbeKey('203.0.113.10')}:8443 allow`,
      `shop/web->${externalProbeKey('203.0.113.10')}:8444 deny`,
      `shop/web->${externalProbeKey('203.0.114.0')}:8443 deny`,
      `shop/gen->${externalProbeKey('203.0.113.10')}:8443 deny`,
    ]);
    expect(withExternalProbes(t, [true, false])).toBe(t);
  });
});
