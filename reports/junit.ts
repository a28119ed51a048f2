/**
 * junit.xml writer: one `<testsuite>` per run, one `<testcase>` per probe (a `<failure>` when observed
 * differs from expected) and one per input error. CI systems read it as test results.
 */
import type { ResultsDocument } from './model.ts';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Serialises the results as JUnit XML. */
export function junitXml(doc: ResultsDocument): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = doc.summary.mismatches + doc.summary.inputErrors;
  const tests = doc.summary.probes + doc.summary.inputErrors;
  out.push(`<testsuites name="lattice-sim" tests="${tests}" failures="${failures}" errors="0">`);
  for (const run of doc.runs) {
    const runTests = run.probes.length + run.inputErrors.length;
    out.push(`  <testsuite name="${esc(run.id)}" tests="${runTests}" failures="${run.mismatches + run.inputErrors.length}" errors="0">`);
    for (const p of run.probes) {
      const name = `${p.from} -> ${p.to}${p.port === null ? '' : `:${p.port}`} expected ${p.expected}`;
      if (p.expected === p.observed) out.push(`    <testcase classname="${esc(run.name)}" name="${esc(name)}"/>`);
      else {
        out.push(`    <testcase classname="${esc(run.name)}" name="${esc(name)}">`);
        out.push(`      <failure message="${esc(`expected ${p.expected}, observed ${p.observed} (${p.layer})`)}">${esc(`${p.reason}\noracle: ${p.expectedReason}`)}</failure>`);
        out.push('    </testcase>');
      }
    }
    for (const e of run.inputErrors) {
      out.push(`    <testcase classname="${esc(run.name)}" name="${esc(`input ${e.object}`)}">`);
      out.push(`      <failure message="${esc(e.message)}">${esc((e.causes ?? []).map((c) => `${c.field ?? ''}: ${c.message}`).join('\n'))}</failure>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
