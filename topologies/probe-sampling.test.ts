// Not named oracle*.test.ts: it builds fleets with scale-fleet.ts, which the oracle itself may not import (lint).
import { describe, expect, it } from 'vitest';
import { oracleMatrix } from './oracle.ts';
import { FULL_MATRIX_MAX_SERVICES, expectedProbes, isDeclared, oracleSampled, probeSelection, sampleExpected } from './oracle-sampling.ts';
import { shopShapedFleet } from './scale-fleet.ts';
import type { Topology } from './topology.ts';

const byCaller = (l: { from: string; to: string }[]) => {
  const m = new Map<string, string[]>();
  for (const p of l) m.set(p.from, [...(m.get(p.from) ?? []), p.to]);
  return m;
};

describe('probe sampling', () => {
  const fleet = shopShapedFleet(60);

  it('keeps every declared pair and k undeclared pairs per caller', () => {
    const sampled = oracleSampled(fleet, { seed: 1, undeclaredPerCaller: 5 });
    const declared = oracleMatrix(fleet).filter(isDeclared);
    expect(sampled.filter(isDeclared)).toEqual(declared);
    for (const [, tos] of byCaller(sampled.filter((p) => !isDeclared(p)))) expect(tos).toHaveLength(5);
    expect(sampled.length).toBe(declared.length + 60 * 5);
  });

  it('samples the same pairs from the topology as from the materialised matrix', () => {
    for (const seed of [1, 2, 3]) expect(oracleSampled(fleet, { seed })).toEqual(sampleExpected(oracleMatrix(fleet), { seed }));
  });

  it('is deterministic by seed and differs across seeds', () => {
    expect(oracleSampled(fleet, { seed: 7 })).toEqual(oracleSampled(fleet, { seed: 7 }));
    expect(oracleSampled(fleet, { seed: 7 })).not.toEqual(oracleSampled(fleet, { seed: 8 }));
  });

  it('removing one service changes no other caller sample except where it was sampled', () => {
    const removed = fleet.services[17];
    const key = `${removed.namespace}/${removed.name}`;
    const smaller: Topology = {
      ...fleet,
      services: fleet.services
        .filter((s) => s !== removed)
        .map((s) => ({ ...s, outbound: s.outbound.filter((k) => k !== key), inbound: s.inbound.filter((k) => k !== key) })),
    };
    const before = byCaller(oracleSampled(fleet, { seed: 3 }).filter((p) => !isDeclared(p)));
    const after = byCaller(oracleSampled(smaller, { seed: 3 }).filter((p) => !isDeclared(p)));
    let changed = 0;
    for (const [from, tos] of after) {
      const old = before.get(from)!;
      if (old.includes(key)) {
        changed++;
        expect(tos.filter((t) => old.includes(t))).toHaveLength(old.length - 1); // one replaced, the rest kept
      } else if (tos.join() !== old.join()) {
        // callers whose declared set changed (they declared the removed service) may gain one pair
        expect(tos.filter((t) => !old.includes(t)).length).toBeLessThanOrEqual(1);
      }
    }
    expect(changed).toBeLessThan(after.size);
  });

  it('full matrix up to FULL_MATRIX_MAX_SERVICES services by default, sampled above', () => {
    expect(probeSelection(FULL_MATRIX_MAX_SERVICES)).toBe('all');
    expect(probeSelection(FULL_MATRIX_MAX_SERVICES + 1)).toBe('sampled');
    expect(probeSelection(10, 'sampled')).toBe('sampled');
    expect(expectedProbes(fleet, { seed: 1 })).toEqual(oracleMatrix(fleet));
    expect(expectedProbes(fleet, { seed: 1, probes: 'sampled' })).toEqual(oracleSampled(fleet, { seed: 1 }));
  });
});

describe('shopShapedFleet', () => {
  it('has fan-out 3 bilateral dependencies per service and a one-sided edge every 10th service', () => {
    const t = shopShapedFleet(100);
    const allowed = oracleMatrix(t).filter((p) => p.expected === 'allow');
    expect(allowed).toHaveLength(300);
    expect(t.services.every((s) => s.outbound.length === (Number(s.name.slice(4)) % 10 === 0 ? 4 : 3))).toBe(true);
    expect(new Set(t.services.map((s) => s.namespace)).size).toBe(10);
  });
});
