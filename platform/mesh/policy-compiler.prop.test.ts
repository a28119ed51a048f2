import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { LatticeMeshMember, ServiceRef } from '../crds/types.ts';
import { buildServiceGraph } from './graph.ts';
import { compileMeshPolicies } from './policy-compiler.ts';
import { lmm } from './testing/members.ts';

const TD = 'lattice.test';
const KEYS = ['a/s0', 'a/s1', 'a/s2', 'b/s0', 'b/s3'];

interface Decl {
  key: string;
  deps: string[];
  callers: string[];
  wildcard: boolean;
  dependsAll: boolean;
  /** Whether same-namespace refs omit `namespace` (exercises defaulting). */
  implicitNs: boolean;
}

const declArb = (key: string): fc.Arbitrary<Decl> =>
  fc.record({
    key: fc.constant(key),
    deps: fc.subarray(KEYS),
    callers: fc.subarray(KEYS),
    wildcard: fc.boolean(),
    dependsAll: fc.boolean(),
    implicitNs: fc.boolean(),
  });

const topologyArb = fc.subarray(KEYS, { minLength: 1 }).chain((keys) => fc.tuple(...keys.map(declArb)));

const split = (key: string) => ({ ns: key.slice(0, key.indexOf('/')), name: key.slice(key.indexOf('/') + 1) });

function render(d: Decl): LatticeMeshMember {
  const { ns, name } = split(d.key);
  const ref = (k: string): ServiceRef => {
    const r = split(k);
    return r.ns === ns && d.implicitNs ? { name: r.name } : { name: r.name, namespace: r.ns };
  };
  return lmm(ns, name, {
    dependencies: d.deps.map(ref),
    allowedCallers: [...d.callers.map(ref), ...(d.wildcard ? [{ name: '*' }] : [])],
    dependsAll: d.dependsAll,
    serviceAccount: `sa-${name}`,
  });
}

/** Oracle from the declarations alone (DESIGN rule 1): who may call `s`. */
function expectedCallers(decls: readonly Decl[], s: Decl): string[] {
  return decls
    .filter((c) => c.deps.includes(s.key) || (c.dependsAll && c.key !== s.key))
    .filter((c) => s.wildcard || s.callers.includes(c.key))
    .map((c) => `${TD}/ns/${split(c.key).ns}/sa/sa-${split(c.key).name}`)
    .sort();
}

describe('compileMeshPolicies (property)', () => {
  test.prop([topologyArb], { numRuns: 200 })('AP principals of every member are exactly the callers that declared it and that it allows', (decls) => {
    const members = decls.map(render);
    const graph = buildServiceGraph(members);
    for (const [i, d] of decls.entries()) {
      const objs = compileMeshPolicies(members[i], graph, { trustDomain: TD });
      const ap = objs.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name.startsWith('allow-to-'));
      const got: string[] = ap ? ap.spec.rules[0].from[0].source.principals : [];
      expect(got).toEqual(expectedCallers(decls, d));
      const dns = objs.find((o) => o.kind === 'CiliumNetworkPolicy')!.spec.egress[0].toPorts[0].rules?.dns ?? [];
      const wantDns = decls
        .filter((s) => expectedCallers(decls, s).includes(`${TD}/ns/${split(d.key).ns}/sa/sa-${split(d.key).name}`))
        .map((s) => `${split(s.key).name}.${split(s.key).ns}.svc.cluster.local`)
        .sort();
      expect(dns.map((x: { matchName: string }) => x.matchName)).toEqual(wantDns);
    }
  });
});
