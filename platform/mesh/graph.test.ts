import { describe, expect, test } from 'vitest';
import type { LatticeMeshMember } from '../crds/types.ts';
import { buildServiceGraph, memberNode, oneSidedDeclarations } from './graph.ts';
import type { DeclarationGraph } from './graph.ts';
import { LiveServiceGraph } from './live-graph.ts';
import { lmm } from './testing/members.ts';

const keys = (nodes: { key: string }[]) => nodes.map((n) => n.key);

describe('buildServiceGraph', () => {
  test('forms an edge when the caller depends on the callee and the callee allows the caller', () => {
    const g = buildServiceGraph([lmm('ns', 'a', { dependencies: [{ name: 'b' }] }), lmm('ns', 'b', { allowedCallers: [{ name: 'a' }] })]);
    expect(keys(g.activeOutbound('ns/a'))).toEqual(['ns/b']);
    expect(keys(g.activeInbound('ns/b'))).toEqual(['ns/a']);
    expect(g.edges()).toEqual([{ from: 'ns/a', to: 'ns/b' }]);
  });

  test('forms no edge when only the caller declares', () => {
    const g = buildServiceGraph([lmm('ns', 'a', { dependencies: [{ name: 'b' }] }), lmm('ns', 'b')]);
    expect(g.edges()).toEqual([]);
  });

  test('forms no edge when only the callee declares', () => {
    const g = buildServiceGraph([lmm('ns', 'a'), lmm('ns', 'b', { allowedCallers: [{ name: 'a' }] })]);
    expect(g.edges()).toEqual([]);
  });

  test('forms no edge to or from a member that does not exist', () => {
    const g = buildServiceGraph([lmm('ns', 'a', { dependencies: [{ name: 'ghost' }] }), lmm('ns', 'b', { allowedCallers: [{ name: 'ghost' }] })]);
    expect(g.edges()).toEqual([]);
    expect(g.node('ns/ghost')).toBeUndefined();
    expect(g.activeInbound('ns/ghost')).toEqual([]);
  });

  test('a wildcard callee still needs the caller to declare the dependency', () => {
    const g = buildServiceGraph([lmm('ns', 'a'), lmm('ns', 'b', { dependencies: [{ name: 'api' }] }), lmm('ns', 'api', { allowedCallers: [{ name: '*' }] })]);
    expect(keys(g.activeInbound('ns/api'))).toEqual(['ns/b']);
    expect(g.node('ns/api')!.allowsAll).toBe(true);
    expect(g.node('ns/api')!.allowedCallers).toEqual([]);
  });

  test('cross-namespace edges need explicit namespaces on both sides', () => {
    const implicit = buildServiceGraph([lmm('x', 'a', { dependencies: [{ name: 'b' }] }), lmm('y', 'b', { allowedCallers: [{ name: 'a' }] })]);
    expect(implicit.edges()).toEqual([]);
    const explicit = buildServiceGraph([
      lmm('x', 'a', { dependencies: [{ name: 'b', namespace: 'y' }] }),
      lmm('y', 'b', { allowedCallers: [{ name: 'a', namespace: 'x' }] }),
    ]);
    expect(explicit.edges()).toEqual([{ from: 'x/a', to: 'y/b' }]);
  });

  test('dependsAll links to every other member that allows the caller, and never to itself', () => {
    const g = buildServiceGraph([
      lmm('ns', 'gw', { dependsAll: true, allowedCallers: [{ name: '*' }] }),
      lmm('ns', 'a', { allowedCallers: [{ name: 'gw' }] }),
      lmm('ns', 'b', { allowedCallers: [{ name: '*' }] }),
      lmm('ns', 'c'),
    ]);
    expect(keys(g.activeOutbound('ns/gw'))).toEqual(['ns/a', 'ns/b']);
  });

  test('defaults: service account is the LMM name, ambient is true, servicePort falls back to port', () => {
    const n = buildServiceGraph([lmm('ns', 'a', { ports: [{ name: 'p', port: 9000 }] })]).node('ns/a')!;
    expect(n.serviceAccount).toBe('a');
    expect(n.ambient).toBe(true);
    expect(n.ports).toEqual([{ name: 'p', servicePort: 9000, targetPort: 9000, peerAuth: 'Strict' }]);
  });

  test('a port named metrics adds monitoring/vmagent as an allowed caller', () => {
    const n = buildServiceGraph([lmm('ns', 'a', { ports: [{ name: 'metrics', port: 9090 }] })]).node('ns/a')!;
    expect(n.allowedCallers).toEqual(['monitoring/vmagent']);
  });

  test('edgeHash is 16 hex and changes with the edges and with the Cedar epoch', () => {
    const one = buildServiceGraph([lmm('ns', 'a', { dependencies: [{ name: 'b' }] }), lmm('ns', 'b', { allowedCallers: [{ name: 'a' }] })]);
    const none = buildServiceGraph([lmm('ns', 'a', { dependencies: [{ name: 'b' }] }), lmm('ns', 'b')]);
    expect(one.edgeHash('ns/a', 0)).toMatch(/^[0-9a-f]{16}$/);
    expect(one.edgeHash('ns/a', 0)).toBe(one.edgeHash('ns/a', 0));
    expect(one.edgeHash('ns/a', 0)).not.toBe(one.edgeHash('ns/a', 1));
    expect(one.edgeHash('ns/a', 0)).not.toBe(none.edgeHash('ns/a', 0));
    expect(one.edgeHash('ns/a', 0)).not.toBe(one.edgeHash('ns/b', 0));
  });
});

describe('oneSidedDeclarations', () => {
  const messages = (g: DeclarationGraph, key: string) => oneSidedDeclarations(g, key).map((d) => d.message);
  const live = (members: LatticeMeshMember[]) => {
    const g = new LiveServiceGraph();
    for (const m of members) g.upsert(memberNode(m));
    return g;
  };

  test('an outbound dependency the callee does not allow is reported on both: the caller made it, the callee did not match it', () => {
    const members = [lmm('ns', 'checkout', { dependencies: [{ name: 'redis', namespace: 'data' }, { name: 'cart' }] }), lmm('data', 'redis'), lmm('ns', 'cart', { allowedCallers: [{ name: 'checkout' }] })];
    for (const g of [buildServiceGraph(members), live(members)]) {
      expect(oneSidedDeclarations(g, 'ns/checkout')).toEqual([{ direction: 'outbound', declaredBy: 'self', peer: 'data/redis', message: 'outbound dependency data/redis declared but no matching inbound declaration' }]);
      expect(oneSidedDeclarations(g, 'data/redis')).toEqual([{ direction: 'outbound', declaredBy: 'peer', peer: 'ns/checkout', message: 'outbound dependency declared by ns/checkout but no matching inbound declaration' }]);
      expect(messages(g, 'ns/cart')).toEqual([]);
    }
  });

  test('an allowed caller that does not depend on the callee is reported on both', () => {
    const members = [lmm('ns', 'cart', { allowedCallers: [{ name: 'web' }] }), lmm('ns', 'web')];
    for (const g of [buildServiceGraph(members), live(members)]) {
      expect(messages(g, 'ns/cart')).toEqual(['inbound caller web declared but no matching outbound declaration']);
      expect(messages(g, 'ns/web')).toEqual(['inbound caller declared by cart but no matching outbound declaration']);
    }
  });

  test('matched declarations, wildcards (allow-all callee, dependsAll caller) and absent members are silent', () => {
    const members = [
      lmm('ns', 'a', { dependencies: [{ name: 'b' }, { name: 'open' }, { name: 'ghost' }], allowedCallers: [{ name: 'all' }, { name: 'phantom' }] }),
      lmm('ns', 'b', { allowedCallers: [{ name: 'a' }] }),
      lmm('ns', 'open', { allowedCallers: [{ name: '*' }] }),
      lmm('ns', 'all', { dependsAll: true }),
    ];
    for (const g of [buildServiceGraph(members), live(members)]) {
      for (const key of ['ns/a', 'ns/b', 'ns/open', 'ns/all']) expect(messages(g, key)).toEqual([]);
      expect(oneSidedDeclarations(g, 'ns/ghost')).toEqual([]);
    }
  });

  test('the scraper caller the platform adds for a metrics port is not a declaration of either side', () => {
    const members = [lmm('ns', 'a', { ports: [{ name: 'metrics', port: 9090 }] }), lmm('monitoring', 'vmagent')];
    for (const g of [buildServiceGraph(members), live(members)]) {
      expect(messages(g, 'ns/a')).toEqual([]);
      expect(messages(g, 'monitoring/vmagent')).toEqual([]);
    }
  });

  test('lists own outbound, own inbound, then the peers\' declarations, each sorted by peer', () => {
    const members = [lmm('ns', 'm', { dependencies: [{ name: 'z' }, { name: 'y' }], allowedCallers: [{ name: 'x' }] }), lmm('ns', 'x'), lmm('ns', 'y'), lmm('ns', 'z'), lmm('ns', 'p', { dependencies: [{ name: 'm' }] }), lmm('ns', 'q', { allowedCallers: [{ name: 'm' }] })];
    for (const g of [buildServiceGraph(members), live(members)]) {
      expect(oneSidedDeclarations(g, 'ns/m').map((d) => `${d.declaredBy}/${d.direction}:${d.peer}`)).toEqual(['self/outbound:ns/y', 'self/outbound:ns/z', 'self/inbound:ns/x', 'peer/outbound:ns/p', 'peer/inbound:ns/q']);
    }
  });
});
