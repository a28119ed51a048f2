import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { admissionOracle } from './admission.ts';
import { topologyArbitrary } from './arbitraries/topology.ts';
import { bilateralAgreementOracle } from './oracle-bilateral.ts';
import type { Topology, TopologyService } from './topology.ts';
import { testService } from './testing.ts';

const svc = (name: string, over: Partial<TopologyService> = {}, namespace = 'shop'): TopologyService => testService(namespace, name, over);
const topology = (services: TopologyService[]): Topology => ({ name: 'shop', services, probes: [] });
const agreements = (t: Topology) => bilateralAgreementOracle(t, admissionOracle(t));

describe('bilateralAgreementOracle (book §11.4: one-sided declarations warned on both members)', () => {
  it('a matched pair is True on both sides', () => {
    const a = agreements(topology([svc('web', { outbound: ['shop/api'] }), svc('api', { inbound: ['shop/web'] })]));
    expect(a.get('shop/web')).toEqual({ status: 'True', oneSided: [] });
    expect(a.get('shop/api')).toEqual({ status: 'True', oneSided: [] });
  });

  it('an unmatched outbound dependency is False on the caller (self) and on the callee (peer)', () => {
    const a = agreements(topology([svc('web', { outbound: ['shop/api'] }), svc('api')]));
    expect(a.get('shop/web')).toEqual({ status: 'False', oneSided: ['outbound dependency api declared but no matching inbound declaration'] });
    expect(a.get('shop/api')).toEqual({ status: 'False', oneSided: ['outbound dependency declared by web but no matching inbound declaration'] });
  });

  it('an unmatched inbound caller is False on both sides; peers across namespaces are named ns/name', () => {
    const a = agreements(topology([svc('web', {}, 'edge'), svc('api', { inbound: ['edge/web'] })]));
    expect(a.get('shop/api')!.oneSided).toEqual(['inbound caller edge/web declared but no matching outbound declaration']);
    expect(a.get('edge/web')!.oneSided).toEqual(['inbound caller declared by shop/api but no matching outbound declaration']);
  });

  it('wildcards match anything: any-caller inbound and depends-all are never one-sided', () => {
    const a = agreements(topology([svc('web', { outbound: ['shop/api'] }), svc('api', { wildcardInbound: true }), svc('all', { dependsAll: true }), svc('db', { inbound: ['shop/all'] })]));
    for (const key of ['shop/web', 'shop/api', 'shop/all', 'shop/db']) expect(a.get(key)).toEqual({ status: 'True', oneSided: [] });
  });

  it('a declaration naming a service without a LatticeMeshMember (refused by the compiler) is not one-sided, and that service is not judged', () => {
    const a = agreements(topology([svc('web', { outbound: ['shop/api'] }), svc('api', { invalidSpec: 'secret-without-id' })]));
    expect(a.get('shop/web')).toEqual({ status: 'True', oneSided: [] });
    expect(a.has('shop/api')).toBe(false);
  });

  it('admissionOracle attaches the expectation to Ready services only', () => {
    const t = topology([svc('web', { outbound: ['shop/api'] }), svc('api', { quota: 'capped' })]);
    const [web, api] = admissionOracle(t);
    expect(web.bilateralAgreement).toEqual({ status: 'True', oneSided: [] });
    expect(api.expected).toBe('Failed');
    expect(api.bilateralAgreement).toBeUndefined();
  });

  it('on random topologies every warning has its counterpart on the peer, and some topologies have warnings', () => {
    let warned = 0;
    fc.assert(
      fc.property(topologyArbitrary(), (t) => {
        const a = agreements(t);
        const home = (key: string) => key.slice(0, key.indexOf('/'));
        const name = (peerLabel: string, of: string) => (peerLabel.includes('/') ? peerLabel : `${home(of)}/${peerLabel}`);
        for (const [key, want] of a) {
          expect(want.status).toBe(want.oneSided.length > 0 ? 'False' : 'True');
          if (want.oneSided.length > 0) warned++;
          for (const sentence of want.oneSided) {
            const self = /^(outbound dependency|inbound caller) (\S+) declared but/.exec(sentence);
            const peer = /^(outbound dependency|inbound caller) declared by (\S+) but/.exec(sentence);
            const [direction, other] = self ? [self[1], name(self[2], key)] : [peer![1], name(peer![2], key)];
            const label = home(other) === home(key) ? key.slice(key.indexOf('/') + 1) : key;
            const counterpart = self ? `${direction} declared by ${label} but no matching ${direction === 'inbound caller' ? 'outbound' : 'inbound'} declaration` : `${direction} ${label} declared but no matching ${direction === 'inbound caller' ? 'outbound' : 'inbound'} declaration`;
            expect(a.get(other)?.oneSided).toContain(counterpart);
          }
        }
      }),
      { seed: 7, numRuns: 40 },
    );
    expect(warned).toBeGreaterThan(0);
  });
});
