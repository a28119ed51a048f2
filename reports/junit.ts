/**
 * junit.xml writer: one `<testsuite>` per run (its status as a property), one `<testcase>` per
 * probe (a `<failure>` when observed differs from expected), one per judged admission (a `<failure>`
 * when the service's admission is not as the admission oracle expects), one per input error, and one
 * `verification` case per run that is an `<error>` when the run was unverified (the platform never
 * settled, or the generators fell short of their cycles). A document that did not finish
 * (`incomplete`, `internal-error`) is one suite with one erroring case saying why. CI systems read
 * it as test results, so it must fail exactly when the exit code does.
 */
import type { ResultsDocument, RunRecord } from './model.ts';

const esc = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // XML 1.0 forbids most control characters even when escaped.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '\uFFFD');

/**
 * The cases of what a run judged over time: one failing case per invariant violation, and one per
 * over-allow during an evolving topology's transitions (already counted in `mismatches`, so only the
 * invariants add failures).
 */
function timelineCases(run: RunRecord): { tests: number; failures: number; lines: string[] } {
  const lines: string[] = [];
  const failing = (name: string, message: string, body: string) =>
    lines.push(`    <testcase classname="${esc(run.name)}" name="${esc(name)}">`, `      <failure message="${esc(message)}">${esc(body)}</failure>`, '    </testcase>');
  for (const v of run.invariants ?? []) failing(`invariant ${v.rule} ${v.object}`, `${v.rule} at ${v.atMs} ms (simulated)`, v.message);
  let transitions = 0;
  for (const s of run.evolution?.steps ?? []) {
    for (const t of s.transitions) {
      transitions++;
      failing(`transition "${s.command}": ${t.from} -> ${t.to}${t.port === null ? '' : `:${t.port}`} cycle ${t.cycle}`, `observed ${t.observed} during the transition`, t.reason);
    }
  }
  const invariants = run.invariants?.length ?? 0;
  return { tests: invariants + transitions, failures: invariants, lines };
}

function suite(run: RunRecord): string[] {
  const out: string[] = [];
  const unverified = run.verification.timedOut !== undefined;
  const tests = run.probes.length + run.inputErrors.length + 1 + (run.admissions?.length ?? 0);
  const failures = run.mismatches + run.inputErrors.length + (run.admissionMismatches ?? 0);
  const timeline = timelineCases(run);
  out.push(`  <testsuite name="${esc(run.id)}" tests="${tests + timeline.tests}" failures="${failures + timeline.failures}" errors="${unverified ? 1 : 0}">`);
  out.push('    <properties>');
  out.push(`      <property name="status" value="${esc(run.status)}"/>`);
  out.push('    </properties>');
  if (unverified) {
    out.push(`    <testcase classname="${esc(run.name)}" name="verification">`);
    out.push(`      <error message="${esc(`unverified: ${run.verification.timedOut}`)}">${esc(`cycles required: ${run.verification.cyclesRequired}; judged at ${run.verification.judgedAtMs} ms (simulated)`)}</error>`);
    out.push('    </testcase>');
  } else out.push(`    <testcase classname="${esc(run.name)}" name="verification"/>`);
  for (const p of run.probes) {
    const name = `${p.from} -> ${p.to}${p.port === null ? '' : `:${p.port}`} expected ${p.expected}`;
    if (p.expected === p.observed) out.push(`    <testcase classname="${esc(run.name)}" name="${esc(name)}"/>`);
    else {
      out.push(`    <testcase classname="${esc(run.name)}" name="${esc(name)}">`);
      out.push(`      <failure message="${esc(`expected ${p.expected}, observed ${p.observed} (${p.layer})`)}">${esc(`${p.reason}\noracle: ${p.expectedReason}`)}</failure>`);
      out.push('    </testcase>');
    }
  }
  for (const a of run.admissions ?? []) {
    const name = `admission ${a.service} expected ${a.expected}${a.expectedGate ? ` (${a.expectedGate}Denied)` : ''}`;
    if (a.problems.length === 0) out.push(`    <testcase classname="${esc(run.name)}" name="${esc(name)}"/>`);
    else {
      out.push(`    <testcase classname="${esc(run.name)}" name="${esc(name)}">`);
      out.push(`      <failure message="${esc(`expected ${a.expected}, observed ${a.observed}${a.observedGate ? ` (${a.observedGate}Denied)` : ''}`)}">${esc(`${a.problems.join('\n')}\noracle: ${a.expectedReason}`)}</failure>`);
      out.push('    </testcase>');
    }
  }
  for (const e of run.inputErrors) {
    out.push(`    <testcase classname="${esc(run.name)}" name="${esc(`input ${e.file ? `${e.file} ` : ''}${e.object}`)}">`);
    out.push(`      <failure message="${esc(e.message)}">${esc((e.causes ?? []).map((c) => `${c.field ?? ''}: ${c.message}`).join('\n'))}</failure>`);
    out.push('    </testcase>');
  }
  out.push(...timeline.lines);
  out.push('  </testsuite>');
  return out;
}

/** Serialises the results as JUnit XML. */
export function junitXml(doc: ResultsDocument): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const status = doc.summary.status;
  if (status === 'incomplete' || status === 'internal-error') {
    out.push(`<testsuites name="lattice-sim" tests="1" failures="0" errors="1">`);
    out.push(`  <testsuite name="lattice-sim" tests="1" failures="0" errors="1">`);
    out.push(`    <properties>\n      <property name="status" value="${status}"/>\n    </properties>`);
    out.push(`    <testcase classname="lattice-sim" name="run">`);
    out.push(`      <error message="${esc(`${status}: ${doc.error?.message ?? ''}`)}">${esc(doc.header.command)}</error>`);
    out.push('    </testcase>');
    out.push('  </testsuite>');
    out.push('</testsuites>');
    return `${out.join('\n')}\n`;
  }
  const tests = doc.runs.reduce((n, r) => n + r.probes.length + r.inputErrors.length + 1 + (r.admissions?.length ?? 0), 0);
  const failures = doc.summary.mismatches + doc.summary.inputErrors + doc.runs.reduce((n, r) => n + (r.admissionMismatches ?? 0), 0);
  const timeline = doc.runs.map(timelineCases);
  out.push(
    `<testsuites name="lattice-sim" tests="${tests + timeline.reduce((n, c) => n + c.tests, 0)}" failures="${failures + timeline.reduce((n, c) => n + c.failures, 0)}" errors="${doc.summary.unverifiedRuns}">`,
  );
  for (const run of doc.runs) out.push(...suite(run));
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
