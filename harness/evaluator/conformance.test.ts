/**
 * Runs the policy conformance table (conformance-cases.ts): each case builds the fixed world
 * with its changes, evaluates its probe, and checks the verdict, the deciding layer and, where the case
 * names them, the deciding policy and a phrase of the reason. Cases marked `todo` document behaviour
 * that is not modelled yet (README "Not modelled"); they are listed as todo, with the reason.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.ts';
import { CONFORMANCE_CASES } from './conformance-cases.ts';
import { conformanceProbe, conformanceWorld } from './conformance-world.ts';

describe('policy conformance table (Cilium and Istio ambient documented semantics)', () => {
  it('has at least 80 cases, unique names, and a citation on each', () => {
    expect(CONFORMANCE_CASES.length).toBeGreaterThanOrEqual(80);
    expect(new Set(CONFORMANCE_CASES.map((c) => c.name)).size).toBe(CONFORMANCE_CASES.length);
    for (const c of CONFORMANCE_CASES) expect(c.cite.length, c.name).toBeGreaterThan(0);
  });

  it('cites every anchors-netpol §3 pitfall that a dataplane decides', () => {
    const cited = new Set(CONFORMANCE_CASES.flatMap((c) => [...c.cite.matchAll(/A§3\.(\d+)/g)].map((m) => Number(m[1]))));
    // 17 (kubelet probes SNAT) is node → pod traffic, never a pod → Service probe: not a dataplane case here.
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19]) expect(cited.has(n), `A§3.${n}`).toBe(true);
  });

  for (const c of CONFORMANCE_CASES) {
    const title = `${c.name} [${c.cite}]`;
    if (c.todo) {
      it.todo(`${title} — not modelled: ${c.todo}`);
      continue;
    }
    it(title, () => {
      const v = evaluate(conformanceWorld(c.world), conformanceProbe(c.probe));
      const got = { decision: v.decision, layer: v.layer };
      expect(got, v.reason).toEqual({ decision: c.expect.decision, layer: c.expect.layer });
      if (c.expect.policy !== undefined) expect(v.policy, v.reason).toBe(c.expect.policy);
      if (c.expect.reason !== undefined) expect(v.reason).toContain(c.expect.reason);
    });
  }
});
