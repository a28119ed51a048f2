/** Human-readable run summary: one line per fleet, one for the random topologies, then every failure with its reproduce command. */
import type { ResultsDocument, RunRecord } from '../reports/index.ts';
import type { Io } from './main.ts';
import type { RunFlags } from './options.ts';

const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

function phases(run: RunRecord): string {
  const counts = new Map<string, number>();
  for (const s of run.services) counts.set(s.phase, (counts.get(s.phase) ?? 0) + 1);
  return [...counts].map(([p, n]) => `${n} ${p}`).join(', ') || 'none';
}

/** Prints the summary to `io.out`. */
export function printSummary(doc: ResultsDocument, written: string[], io: Io, flags: RunFlags, injectBug?: string): void {
  io.out(`lattice-sim run: seed ${flags.seed}${injectBug ? `, injected bug ${injectBug}` : ''}`);
  for (const run of doc.runs.filter((r) => r.kind === 'fleet')) {
    io.out(`  fleet ${run.name}: ${plural(run.services.length, 'service')} (${phases(run)}), ${plural(run.probes.length, 'probe')}, ${plural(run.mismatches, 'mismatch', 'mismatches')}`);
    for (const s of run.services.filter((x) => x.phase !== 'Ready')) io.out(`    ${s.name} ${s.phase}: ${s.message ?? ''}`);
    for (const e of run.inputErrors) io.out(`    input error: ${e.file ? `${e.file}: ` : ''}${e.object}: ${e.message}`);
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
    io.out(`  random topologies: ${random.length} (${services} services), ${plural(probes, 'probe')}, ${mism} mismatches in ${random.filter((r) => r.mismatches > 0).length} topologies`);
  }
  for (const f of doc.failures) {
    io.out('');
    io.out(`FAILURE ${f.run}: shrunk from ${f.servicesBefore} to ${f.counterexample.services.length} services in ${f.shrinks} shrinks`);
    for (const s of f.counterexample.services) {
      const decl = [
        s.ports.length ? `ports ${s.ports.join(',')}` : 'no ports',
        s.outbound.length ? `outbound ${s.outbound.join(',')}` : '',
        s.inbound.length ? `inbound ${s.inbound.join(',')}` : '',
        s.wildcardInbound ? 'inbound *' : '',
      ].filter(Boolean);
      io.out(`  service ${s.name}: ${decl.join('; ')}`);
    }
    for (const p of f.mismatches) io.out(`  MISMATCH ${p.from} -> ${p.to}: expected ${p.expected} (${p.expectedReason}), observed ${p.observed} [${p.layer}${p.policy ? ` ${p.policy}` : ''}] ${p.reason}`);
    io.out(`  reproduce: ${f.reproduce}`);
  }
  io.out('');
  io.out(
    `summary: ${doc.summary.runs} runs (${doc.summary.topologies} random topologies), ${doc.summary.probes} probes, ${doc.summary.mismatches} mismatches, ${doc.summary.inputErrors} input errors, wall ${(doc.header.wallMs / 1000).toFixed(1)}s`,
  );
  io.out(`reports: ${written.join(', ')}`);
}
