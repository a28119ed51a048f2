/**
 * Human-readable run summary: one line per fleet (with its unsettled services, input errors,
 * warnings, notes and mismatches), one for the random topologies, then every failure with its
 * reproduce command, then the status line. The status word and the exit code printed are the ones
 * results.json and junit.xml carry.
 */
import { relative } from 'node:path';
import type { FailureRecord, ResultsDocument, RunRecord } from '../reports/index.ts';
import type { Io } from './main.ts';
import type { RunFlags } from './options.ts';

/** Unshrunk failures listed one per line before the rest are only counted. */
const MAX_UNSHRUNK_LINES = 5;

const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

function phases(run: RunRecord): string {
  const counts = new Map<string, number>();
  for (const s of run.services) counts.set(s.phase, (counts.get(s.phase) ?? 0) + 1);
  return [...counts].map(([p, n]) => `${n} ${p}`).join(', ') || 'none';
}

function printFailure(f: FailureRecord, io: Io): void {
  io.out('');
  const how =
    f.status === 'unverified'
      ? `UNVERIFIED (${f.verification ?? 'did not settle'})`
      : f.status === 'input-errors'
        ? 'INPUT ERRORS'
        : f.status === 'invariant-violations'
          ? 'INVARIANT VIOLATIONS'
          : 'MISMATCH';
  const shrunk = `shrunk from ${f.servicesBefore} to ${plural(f.counterexample.services.length, 'service')}${f.commands ? ` and ${plural(f.commands.length, 'command')}` : ''}`;
  io.out(`FAILURE ${f.run} (${f.commands ? 'evolving topology' : 'topology'} ${f.topologyIndex}): ${how}; ${shrunk} in ${plural(f.shrinks, 'shrink')}`);
  for (const s of f.counterexample.services) {
    const decl = [
      s.ports.length ? `ports ${s.ports.join(',')}` : 'no ports',
      s.outbound.length ? `outbound ${s.outbound.join(',')}` : '',
      s.inbound.length ? `inbound ${s.inbound.join(',')}` : '',
      s.wildcardInbound ? 'inbound *' : '',
      s.dependsAll ? 'outbound * (depends-all)' : '',
      s.kind === 'mesh-member' ? 'LatticeMeshMember over a Deployment' : '',
      s.jobName ? `task of LatticeJob ${s.jobName}` : '',
      s.serviceAccount ? `serviceAccount ${s.serviceAccount}` : '',
      s.ambient === false ? 'non-ambient' : '',
      s.replicas ? `${s.replicas} replicas` : '',
      s.createdAtMs ? `created at +${s.createdAtMs}ms (simulated)` : '',
      s.egress?.length ? `egress ${s.egress.join(',')}` : '',
      ...(s.secrets ?? []).map((x) => `secret ${x}`),
      ...(s.securityOverrides ?? []).map((x) => `security override ${x}`),
      s.sharedVolume ? `shared volume: ${s.sharedVolume}` : '',
      s.quota ? `LatticeQuota ${s.quota === 'capped' ? 'capped below its request' : 'with room'}` : '',
    ].filter(Boolean);
    io.out(`  service ${s.name}: ${decl.join('; ')}`);
  }
  for (const line of f.counterexample.cedar ?? []) io.out(`  cedar ${line}`);
  for (const p of f.mismatches) io.out(`  MISMATCH ${p.from} -> ${p.to}${p.port === null ? '' : `:${p.port}`}: expected ${p.expected} (${p.expectedReason}), observed ${p.observed} [${p.layer}${p.policy ? ` ${p.policy}` : ''}] ${p.reason}`);
  for (const a of f.admissionMismatches ?? []) io.out(`  ADMISSION ${a.service}: expected ${a.expected}${a.expectedGate === 'Validation' ? ` (spec validation of ${a.expectedResource})` : a.expectedGate === 'Quota' ? ' (refused by its LatticeQuota)' : a.expectedGate ? ` (${a.expectedGate}Denied on ${a.expectedResource})` : ''}, observed ${a.observed}${a.observedGate ? ` (${a.observedGate}Denied)` : ''}: ${a.problems.join('; ')}`);
  printTimeline(f, io);
  io.out(`  reproduce: ${f.reproduce}`);
}

/** An evolving counterexample's commands (in order, after its initial services), over-allows in transit, and broken invariants. */
function printTimeline(f: FailureRecord, io: Io): void {
  (f.commands ?? []).forEach((c, i) => io.out(`  command ${i + 1}: ${c}`));
  for (const t of f.transitions ?? []) io.out(`  OVER-ALLOW ${t.from} -> ${t.to}${t.port === null ? '' : `:${t.port}`} in cycle ${t.cycle} after a change: ${t.reason}`);
  for (const v of f.invariants ?? []) io.out(`  INVARIANT ${v.rule} ${v.object} at ${v.atMs} ms (simulated): ${v.message}`);
}

/** Invariant violations listed one per line before the rest are only counted. */
const MAX_INVARIANT_LINES = 5;

/** Evolving topologies and invariant violations: one line each, then the first violations. */
function printTimelines(doc: ResultsDocument, io: Io): void {
  const evolving = doc.runs.filter((r) => r.kind === 'evolution');
  if (evolving.length > 0) {
    const steps = evolving.flatMap((r) => r.evolution?.steps.slice(1) ?? []);
    const mismatched = steps.reduce((n, s) => n + s.mismatches.length, 0);
    const overAllows = steps.reduce((n, s) => n + s.transitions.length, 0);
    io.out(
      `  evolving topologies: ${evolving.length} (${plural(steps.length, 'command')} applied while traffic ran), ${plural(mismatched, 'mismatch', 'mismatches')} after settling, ${plural(overAllows, 'over-allow')} in transit, ${plural(evolving.filter((r) => r.status !== 'verified').length, 'failing case')}`,
    );
  }
  const violations = doc.runs.flatMap((r) => (r.invariants ?? []).map((v) => ({ run: r.id, ...v })));
  if (violations.length === 0) return;
  io.out(`  invariants: ${plural(violations.length, 'violation')} in ${plural(new Set(violations.map((v) => v.run)).size, 'run')}`);
  for (const v of violations.slice(0, MAX_INVARIANT_LINES)) io.out(`    INVARIANT ${v.rule} ${v.object} at ${v.atMs} ms (${v.run}): ${v.message}`);
  if (violations.length > MAX_INVARIANT_LINES) io.out(`    … ${violations.length - MAX_INVARIANT_LINES} more in results.json (runs[].invariants)`);
}

/** Prints the summary to `io.out`. `written` lists the report files (empty when none could be written). */
export function printSummary(doc: ResultsDocument, written: string[], io: Io, flags: Pick<RunFlags, 'seed' | 'injectBug'>, exitCode: number): void {
  io.out(`lattice-sim run: seed ${flags.seed}${flags.injectBug ? `, injected bug ${flags.injectBug}` : ''}`);
  for (const run of doc.runs.filter((r) => r.kind === 'fleet')) {
    io.out(`  fleet ${run.name}: ${plural(run.services.length, 'service')} (${phases(run)}), ${plural(run.probes.length, 'probe')}, ${plural(run.mismatches, 'mismatch', 'mismatches')}`);
    if (run.verification.timedOut) io.out(`    UNVERIFIED: ${run.verification.timedOut}`);
    for (const s of run.services.filter((x) => x.phase !== 'Ready')) io.out(`    ${s.name} ${s.phase}: ${s.message ?? ''}`);
    if (run.inputErrors.length > 0) io.out(`    ${plural(run.inputErrors.length, 'input error')}: refused objects are not run and get no probes (listed on stderr and in results.json)`);
    if (run.warnings.length > 0) io.out(`    ${plural(run.warnings.length, 'warning')} about the input (listed on stderr and in results.json)`);
    for (const n of run.notes) io.out(`    note: ${n}`);
    for (const p of run.probes.filter((x) => x.expected !== x.observed)) {
      io.out(`    MISMATCH ${p.from} -> ${p.to}${p.port === null ? '' : `:${p.port}`}: expected ${p.expected}, observed ${p.observed} [${p.layer}] ${p.reason}`);
    }
  }
  const random = doc.runs.filter((r) => r.kind === 'random');
  if (random.length > 0) {
    const probes = random.reduce((n, r) => n + r.probes.length, 0);
    const mism = random.reduce((n, r) => n + r.mismatches, 0);
    const services = random.reduce((n, r) => n + r.services.length, 0);
    const unverified = random.filter((r) => r.verification.timedOut !== undefined).length;
    io.out(
      `  random topologies: ${random.length} (${services} services), ${plural(probes, 'probe')}, ${plural(mism, 'mismatch', 'mismatches')} in ${plural(random.filter((r) => r.mismatches > 0).length, 'topology', 'topologies')}, ${unverified} unverified`,
    );
    const admissions = random.flatMap((r) => r.admissions ?? []);
    if (admissions.length > 0) {
      const failed = admissions.filter((a) => a.expected === 'Failed' && a.expectedGate !== 'Validation' && a.expectedGate !== 'Quota').length;
      const invalid = admissions.filter((a) => a.expected === 'Failed' && a.expectedGate === 'Validation').length;
      const quota = admissions.filter((a) => a.expected === 'Failed' && a.expectedGate === 'Quota').length;
      const wrong = random.reduce((n, r) => n + (r.admissionMismatches ?? 0), 0);
      io.out(
        `  admissions: ${admissions.length} judged (${failed} expected Failed by a Cedar gate${invalid > 0 ? `, ${invalid} by spec validation` : ''}${quota > 0 ? `, ${quota} by a LatticeQuota` : ''}), ${plural(wrong, 'admission mismatch', 'admission mismatches')}`,
      );
    }
  }
  printTimelines(doc, io);
  const unshrunk = doc.failures.filter((f) => !f.shrunk);
  if (unshrunk.length > 0) {
    io.out('');
    io.out(`also failing, not shrunk (--shrink all shrinks every one): ${plural(unshrunk.length, 'topology', 'topologies')}`);
    for (const f of unshrunk.slice(0, MAX_UNSHRUNK_LINES)) {
      const what = f.status === 'unverified' ? 'unverified' : plural(f.mismatches.length + (f.admissionMismatches?.length ?? 0), 'mismatch', 'mismatches');
      io.out(`  ${f.commands ? 'evolving topology' : 'topology'} ${f.topologyIndex} (${plural(f.counterexample.services.length, 'service')}, ${what}): ${f.reproduce}`);
    }
    if (unshrunk.length > MAX_UNSHRUNK_LINES) io.out(`  … ${unshrunk.length - MAX_UNSHRUNK_LINES} more in results.json (failures)`);
  }
  for (const f of doc.failures.filter((x) => x.shrunk)) printFailure(f, io);
  io.out('');
  const s = doc.summary;
  io.out(
    `summary: ${s.status.toUpperCase()} (exit ${exitCode}): ${plural(s.runs, 'run')} (${s.topologies} random topologies), ${plural(s.probes, 'probe')}, ${plural(s.mismatches, 'mismatch', 'mismatches')}, ${s.unverifiedRuns} unverified, ${plural(s.invariantViolations ?? 0, 'invariant violation')}, ${plural(s.inputErrors, 'input error')}, ${plural(s.warnings, 'warning')}, wall ${(doc.header.wallMs / 1000).toFixed(1)}s`,
  );
  const shown = written.map((p) => (relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p)));
  io.out(`reports: ${shown.length > 0 ? shown.join(', ') : 'none'}`);
}
