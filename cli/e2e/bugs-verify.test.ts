/**
 * `lattice-sim bugs --verify` judges each bug through the default command itself (`run --inject-bug
 * NAME`: fleets, random and evolving topologies), not a copy of its wiring: a bug only an evolving
 * topology catches must count as caught, with its smallest shrunk counterexample.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyBug } from '../bugs.ts';
import type { ResultsDocument } from '../../reports/model.ts';

describe('bugs --verify (verifyBug)', () => {
  it('runs the default command with the bug and reports the smallest shrunk counterexample and its reproduce line', { timeout: 600_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'lattice-sim-verify-'));
    const v = await verifyBug('unilateral-allow', 1, 3, out);
    expect(v.caught).toBe(true);
    expect(v.counterexampleServices).not.toBeNull();
    expect(v.counterexampleServices!).toBeLessThanOrEqual(3);
    expect(v.foundAfterWallMs).not.toBeNull();
    expect(v.foundAfterWallMs!).toBeLessThanOrEqual(v.wallMs);
    expect(v.reproduce).toMatch(/^lattice-sim run --seed 1 --(topology|evolution) \d+ (--path \S+ )?--inject-bug unilateral-allow$/);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsDocument;
    expect(doc.header.command).toContain('--inject-bug unilateral-allow');
    expect(doc.runs.some((r) => r.id.startsWith('evolution:'))).toBe(true);
    expect(doc.summary.status).not.toBe('verified');
  });

  it('counts a bug only evolving topologies catch (a delete that leaks) as caught', { timeout: 600_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'lattice-sim-verify-'));
    const v = await verifyBug('policies-not-owned', 1, 1, out);
    expect(v.caught).toBe(true);
    expect(v.reproduce).toMatch(/--evolution \d+ --path \S+ --inject-bug policies-not-owned$/);
    expect(v.counterexampleCommands).toBeGreaterThanOrEqual(1);
  });
});
