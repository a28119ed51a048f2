import { describe, expect, it } from 'vitest';
import type { FailureRecord, ResultsDocument, RunRecord } from '../reports/index.ts';
import { junitXml } from '../reports/index.ts';
import { runStatus, summarize } from '../harness/verifier/status.ts';
import { exitCodeOf } from './exit-codes.ts';
import { printSummary } from './summary.ts';

/**
 * What a run judged over time reaches every report alike: an invariant violation and an over-allow in
 * transit make the status, the exit code, the summary, junit.xml and results.json's summary fail
 * together (the rule of harness/verifier/status.ts).
 */
const verification = { cyclesRequired: 2, platformReadyAtMs: 9_000, judgedAtMs: 30_000 };

const fleet: RunRecord = {
  id: 'fleet:shop',
  name: 'shop',
  kind: 'fleet',
  status: 'verified',
  services: [],
  probes: [],
  mismatches: 0,
  inputErrors: [],
  warnings: [],
  notes: [],
  verification,
  invariants: [{ rule: 'ready-without-mesh-policies', atMs: 5_017, object: 'LatticeService shop/api', message: 'written Ready (generation 1) while its LatticeMeshMember has phase (none)' }],
};
fleet.status = runStatus(fleet);

const transition = { from: 'a/client', to: 'a/api', port: 80, cycle: 1, observed: 'allow' as const, reason: 'allowed by neither the old nor the new declarations' };
const evolving: RunRecord = {
  id: 'evolution:7:0',
  name: 'evolve',
  kind: 'evolution',
  status: 'verified',
  services: [],
  probes: [],
  mismatches: 1,
  inputErrors: [],
  warnings: [],
  notes: [],
  verification,
  invariants: [],
  evolution: {
    steps: [
      { command: 'initial', changes: { created: ['LatticeService a/api'], updated: [], deleted: [] }, appliedAtMs: 0, settledAtMs: 9_000, judgedAtMs: 20_000, probes: 0, mismatches: [], transitions: [] },
      { command: 'remove inbound a/api <- a/client', changes: { created: [], updated: ['LatticeService a/api'], deleted: [] }, appliedAtMs: 20_000, settledAtMs: 21_000, judgedAtMs: 33_000, probes: 0, mismatches: [], transitions: [transition] },
    ],
  },
};
evolving.status = runStatus(evolving);

const failure: FailureRecord = {
  run: evolving.id,
  seed: 1,
  topologyIndex: 0,
  path: '0:1@A:B',
  shrunk: true,
  shrinks: 1,
  status: 'mismatches',
  servicesBefore: 3,
  counterexample: { services: [{ name: 'a/api', ports: [80], outbound: [], inbound: [], wildcardInbound: false }] },
  mismatches: [],
  commands: ['remove inbound a/api <- a/client'],
  transitions: [transition],
  reproduce: 'lattice-sim run --seed 1 --evolution 0 --path 0:1@A:B',
};

describe('invariants and evolving topologies in the reports', () => {
  const doc: ResultsDocument = {
    header: { tool: 'lattice-sim', version: '0', generatedAt: '', wallMs: 0, command: 'lattice-sim run' },
    summary: summarize([fleet, evolving]),
    runs: [fleet, evolving],
    failures: [failure],
  };

  it('an invariant violation alone fails a run, after mismatches in the worst-first order', () => {
    expect(fleet.status).toBe('invariant-violations');
    expect(evolving.status).toBe('mismatches');
    expect(doc.summary).toMatchObject({ status: 'mismatches', invariantViolations: 1, mismatches: 1, failedRuns: 2 });
    expect(exitCodeOf('invariant-violations')).toBe(1);
  });

  it('junit.xml has one failing case per invariant and per over-allow, and counts only the invariants as extra failures', () => {
    const xml = junitXml(doc);
    expect(xml).toContain('name="invariant ready-without-mesh-policies LatticeService shop/api"');
    expect(xml).toContain('name="transition &quot;remove inbound a/api &lt;- a/client&quot;: a/client -&gt; a/api:80 cycle 1"');
    expect(xml).toMatch(/<testsuites name="lattice-sim" tests="\d+" failures="2"/);
    expect(xml).toContain('<testsuite name="fleet:shop" tests="2" failures="1"');
  });

  it('the summary prints the evolving line, the violations and the shrunk commands with the reproduce line', () => {
    const lines: string[] = [];
    printSummary(doc, [], { out: (l) => lines.push(l), err: () => {} }, { seed: 1, injectBug: undefined }, 1);
    const text = lines.join('\n');
    expect(text).toContain('evolving topologies: 1 (1 command applied while traffic ran), 0 mismatches after settling, 1 over-allow in transit, 1 failing case');
    expect(text).toContain('invariants: 1 violation in 1 run');
    expect(text).toContain('INVARIANT ready-without-mesh-policies LatticeService shop/api at 5017 ms (fleet:shop)');
    expect(text).toContain('FAILURE evolution:7:0 (evolving topology 0): MISMATCH; shrunk from 3 to 1 service and 1 command in 1 shrink');
    expect(text).toContain('  command 1: remove inbound a/api <- a/client');
    expect(text).toContain('  OVER-ALLOW a/client -> a/api:80 in cycle 1 after a change');
    expect(text).toContain('1 invariant violation');
  });
});
