/**
 * One row of the bench's scale table, run in its own process so peak RSS is this size's alone:
 * `node --import tsx cli/bench/scale-one.ts <services> <all|sampled>` prints one JSON line
 * {services, probes, probesPerCycle, wallMs, cpuMs, simMs, peakRssMiB, mismatches, ready}. `cpuMs` (user + system
 * CPU of this process) is the steadier number when other processes share the cores.
 */
import { runCase } from '../../harness/verifier/run-case.ts';
import { expectedProbes, renderTopology, shopShapedFleet } from '../../topologies/index.ts';
import type { ProbeSelection } from '../../topologies/index.ts';

const services = Number(process.argv[2]);
const probes = (process.argv[3] ?? 'sampled') as ProbeSelection;
if (!Number.isInteger(services) || services < 2 || (probes !== 'all' && probes !== 'sampled')) {
  console.error('usage: scale-one.ts <services ≥ 2> <all|sampled>');
  process.exit(2);
}
const seed = 1;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const fleet = shopShapedFleet(services);
const expected = expectedProbes(fleet, { seed, probes });
const { record } = await runCase({ id: `bench:${services}`, name: fleet.name, kind: 'fleet', seed, objects: renderTopology(fleet), expected });
const wallMs = Math.round(performance.now() - t0);
const cpu = process.cpuUsage(cpu0);
const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
console.log(
  JSON.stringify({
    services,
    probes,
    probesPerCycle: expected.length,
    wallMs,
    cpuMs,
    simMs: record.verification.judgedAtMs,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    mismatches: record.mismatches,
    ready: record.services.filter((s) => s.phase === 'Ready').length,
    ...(record.verification.timedOut ? { timedOut: record.verification.timedOut } : {}),
  }),
);
