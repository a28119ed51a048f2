/**
 * results.json written in pieces (issue 7: `run --topologies 10000` serialises to about a gigabyte,
 * more than one JavaScript string holds) is the very text of `JSON.stringify(doc, null, 2)`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsJson, resultsJsonChunks, writeReports } from './index.ts';
import type { ResultsDocument, RunRecord } from './index.ts';

const run = (i: number): RunRecord => ({
  id: `topology:1:${i}`,
  name: `t${i}`,
  kind: 'random',
  status: 'verified',
  seed: 1,
  topologyIndex: i,
  services: [{ name: 'ns/a', phase: 'Ready', conditions: [{ type: 'Ready', status: 'True', message: 'line one\nline "two"' }] }],
  probes: [],
  mismatches: 0,
  inputErrors: [],
  warnings: [],
  notes: [],
  verification: { cyclesRequired: 2, platformReadyAtMs: null, judgedAtMs: 5 },
});

const doc = (runs: RunRecord[], extra: Partial<ResultsDocument> = {}): ResultsDocument => ({
  header: { tool: 'lattice-sim', version: '0.1.0', generatedAt: '2026-01-01T00:00:00.000Z', wallMs: 3, command: 'lattice-sim run' },
  summary: { status: 'verified', runs: runs.length, topologies: runs.length, probes: 0, mismatches: 0, failedRuns: 0, unverifiedRuns: 0, inputErrors: 0, warnings: 0 },
  runs,
  failures: [],
  ...extra,
});

describe('resultsJsonChunks', () => {
  it('joins to exactly resultsJson: runs, empty arrays, escaped newlines and quotes, an error member', () => {
    for (const d of [doc([run(0), run(1), run(2)]), doc([]), doc([run(0)], { error: { message: 'x\ny', stackFile: '/tmp/e.log' } })]) {
      expect([...resultsJsonChunks(d)].join('')).toBe(resultsJson(d));
    }
  });

  it('gives each run a piece of its own, so no piece grows with the number of runs', () => {
    const pieces = [...resultsJsonChunks(doc(Array.from({ length: 50 }, (_, i) => run(i))))];
    const longest = Math.max(...pieces.map((p) => p.length));
    expect(pieces.length).toBeGreaterThan(50);
    expect(longest).toBeLessThan(resultsJson(doc([run(0)])).length);
  });

  it('is what writeReports writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-sim-json-'));
    const d = doc([run(0), run(1)]);
    writeReports(d, dir);
    expect(readFileSync(join(dir, 'results.json'), 'utf8')).toBe(resultsJson(d));
  });
});
