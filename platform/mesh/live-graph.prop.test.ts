import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { graphFromNodes, memberNode } from './graph.ts';
import type { GraphNode, ServiceGraph } from './graph.ts';
import { LiveServiceGraph } from './live-graph.ts';
import { lmm } from './testing/members.ts';

const KEYS = ['a/x', 'a/y', 'a/z', 'b/x', 'b/w'];

/** A node over a small key universe (including keys of absent members and itself). */
const nodeArb: fc.Arbitrary<GraphNode> = fc
  .record({
    key: fc.constantFrom(...KEYS),
    dependencies: fc.uniqueArray(fc.constantFrom(...KEYS, 'c/ghost'), { maxLength: 4 }),
    allowedCallers: fc.uniqueArray(fc.constantFrom(...KEYS, 'c/ghost'), { maxLength: 4 }),
    allowsAll: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    dependsAll: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  })
  .map(({ key, dependencies, allowedCallers, allowsAll, dependsAll }) => {
    const [namespace, name] = key.split('/');
    return {
      ...memberNode(lmm(namespace, name)),
      dependencies: [...dependencies].sort(),
      allowedCallers: [...allowedCallers].sort(),
      allowsAll,
      dependsAll,
    };
  });

type Op = { op: 'upsert'; node: GraphNode } | { op: 'remove'; key: string };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: nodeArb.map((node) => ({ op: 'upsert' as const, node })) },
  { weight: 1, arbitrary: fc.constantFrom(...KEYS).map((key) => ({ op: 'remove' as const, key })) },
);

function apply(g: LiveServiceGraph, o: Op): string[] {
  return o.op === 'upsert' ? g.upsert(o.node) : g.remove(o.key);
}

/** Everything a reader of a ServiceGraph can observe, as plain data. */
function observe(g: ServiceGraph) {
  const keys = (ns: GraphNode[]) => ns.map((n) => n.key);
  return {
    nodes: keys(g.nodes()),
    edges: g.edges(),
    perKey: KEYS.map((k) => ({ k, node: g.node(k), in: keys(g.activeInbound(k)), out: keys(g.activeOutbound(k)), hash: g.edgeHash(k, 3) })),
  };
}

describe('LiveServiceGraph', () => {
  test.prop([fc.array(opArb, { maxLength: 40 })], { numRuns: 300 })(
    'equals the graph built from scratch after any sequence of adds, updates and deletes',
    (ops) => {
      const live = new LiveServiceGraph();
      const current = new Map<string, GraphNode>();
      for (const o of ops) {
        if (o.op === 'upsert') {
          live.upsert(o.node);
          current.set(o.node.key, o.node);
        } else {
          live.remove(o.key);
          current.delete(o.key);
        }
        expect(observe(live)).toEqual(observe(graphFromNodes([...current.values()])));
      }
    },
  );

  test.prop([fc.array(opArb, { maxLength: 30 }), opArb])('reports every key whose active edges changed', (ops, last) => {
    const live = new LiveServiceGraph();
    for (const o of ops) apply(live, o);
    const edgesOf = (k: string) => JSON.stringify([live.activeInbound(k).map((n) => n.key), live.activeOutbound(k).map((n) => n.key)]);
    const before = new Map(KEYS.map((k) => [k, edgesOf(k)]));
    const changed = apply(live, last);
    for (const k of KEYS) if (before.get(k) !== edgesOf(k)) expect(changed).toContain(k);
  });

  test.prop([fc.array(opArb, { maxLength: 30 })])('neighbours include every active caller and callee', (ops) => {
    const live = new LiveServiceGraph();
    for (const o of ops) apply(live, o);
    for (const k of KEYS) {
      const nb = live.neighbours(k);
      for (const n of [...live.activeInbound(k), ...live.activeOutbound(k)]) if (n.key !== k) expect(nb).toContain(n.key);
    }
  });
});
