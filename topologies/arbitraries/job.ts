/**
 * LatticeJobs of a random topology (constraints `jobProbability`; topology.ts `jobName`): which traffic
 * generator LatticeServices are LatticeJob tasks instead. A generator is a caller without ports, the
 * shape of a batch job's workers (reference §1.3, §2.9: each task is compiled by the same workload
 * compiler as a service, as workload `<job>-<task>`, with its own mesh member, so its outbound
 * declarations, secrets, security overrides and wildcard outbound mean what they mean for a service).
 * A service `<prefix>-<i>` becomes task `<i>` of the LatticeJob `<prefix>` of its namespace, so its
 * workload name, principal and every declaration naming it stay the same.
 */
import fc from 'fast-check';
import type { Topology, TopologyService } from '../topology.ts';
import { chanceArbitrary } from './chance.ts';

/** The job draws of `slots` slots (index = slot, so a draw stays with its service when others are shrunk away). Shrinks towards off. */
export function jobDrawsArbitrary(probability: number, slots: number): fc.Arbitrary<boolean[]> {
  return fc.array(chanceArbitrary(probability), { minLength: slots, maxLength: slots });
}

/**
 * True when `s` may be a job task: a traffic generator (layer 0, no ports) LatticeService named
 * `<prefix>-<i>`, without an invalid field, a quota or a shared volume (those are judged on a
 * LatticeService's status only) and created with the Namespaces (a job's tasks are one object). So a
 * shrink that drops one of those makes a service a job only while lowering a more significant size
 * (validate.ts `TOPOLOGY_SIZE_ORDER`, where `jobs` comes last). Never throws.
 */
export function jobEligible(s: TopologyService): boolean {
  const dash = s.name.lastIndexOf('-');
  return (
    s.layer === 0 &&
    s.ports.length === 0 &&
    (s.kind === undefined || s.kind === 'service') &&
    dash > 0 &&
    dash < s.name.length - 1 &&
    s.invalidSpec === undefined &&
    s.quota === undefined &&
    s.sharedVolume === undefined &&
    s.volumeRef === undefined &&
    !s.ingress &&
    (s.createdAtMs ?? 0) === 0
  );
}

/**
 * `t` with the eligible services whose draw is on (`draws[i]` = the draw of service i; absent = off)
 * turned into job tasks: `kind: 'job'`, `jobName` = the name before its last `-`, everything else
 * kept. `t` unchanged when no draw applies.
 * Never throws.
 */
export function withJobs(t: Topology, draws: readonly (boolean | undefined)[]): Topology {
  if (!t.services.some((s, i) => draws[i] && jobEligible(s))) return t;
  return {
    ...t,
    services: t.services.map((s, i) => {
      if (!draws[i] || !jobEligible(s)) return s;
      return { ...s, kind: 'job', jobName: s.name.slice(0, s.name.lastIndexOf('-')) };
    }),
  };
}
