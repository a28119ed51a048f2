/**
 * Runs one case and judges it, cycle-based (DESIGN.md rule 4): `runCase` builds a fresh World;
 * `judgeCase` takes any {@link Cluster} and reads only through it. Create the inputs,
 * start one traffic generator per probe source, wait until the platform reports every
 * LatticeService Ready or Failed (and Ready services' pods are up), then wait until every running
 * generator has finished `cycles` complete cycles that started after that instant, and judge the
 * last complete cycle of each log with the shared log parser. No flat sleeps.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import type { LatticeMeshMember, LatticeService } from '../../platform/index.ts';
import { LABEL_MANAGED_BY, LatticeMeshMemberType, LatticeServiceType } from '../../platform/index.ts';
import type { InputErrorRecord, RunRecord, ServiceRecord, VerificationRecord } from '../../reports/model.ts';
import { World } from '../world.ts';
import type { InjectedBug } from '../world.ts';
import type { SimulationProfile } from '../profile.ts';
import { defaultProfile } from '../profile.ts';
import type { ApplyFailure, Cluster, ClusterReader } from '../cluster.ts';
import { CoreTypes } from '../stubs/third-party-crds.ts';
import { runStatus } from './status.ts';
import { judgeAdmissions } from './admission-judge.ts';
import type { ExpectedAdmission } from './expected-admission.ts';
import { cyclesDone, judgeProbes, makeWaiter, onRevision, startGenerators } from './case-parts.ts';
import { InvariantMonitor } from './invariants.ts';
import { unsettledJobs } from './job-judge.ts';
import type { ExpectedProbe } from './expected-probe.ts';

/** What the oracle expects of one probe: the contract lives in expected-probe.ts (imports nothing; DESIGN rule 1). */
export type { ExpectedProbe };

/** Input of {@link runCase}. `sources` maps objects to the file they came from (for error messages). */
export interface CaseInput {
  id: string;
  name: string;
  kind: 'fleet' | 'random';
  seed: number;
  topologyIndex?: number;
  objects: readonly KubeObject[];
  expected: readonly ExpectedProbe[];
  injectBug?: InjectedBug;
  profile?: SimulationProfile;
  sources?: Map<KubeObject, string>;
  /** 1-based document index of each object inside its file (for error messages). */
  documents?: Map<KubeObject, number>;
  /**
   * Staggered creation: simulated ms after the case starts at which an object is applied (objects
   * absent = at once). See {@link applyStaggered}.
   */
  applyAtMs?: ReadonlyMap<KubeObject, number>;
  /** What the admission oracle expects of each service (random topologies); judged after settling by admission-judge.ts. */
  admissions?: readonly ExpectedAdmission[];
}

/** A run record plus the World it ran in (for debugging and tests). */
export interface CaseOutcome {
  record: RunRecord;
  world: World;
}

/** Runs and judges one case in a fresh World. Never throws for refused inputs: they are recorded in `inputErrors`. */
export async function runCase(input: CaseInput): Promise<CaseOutcome> {
  const profile = input.profile ?? defaultProfile();
  const world = await World.create({ seed: input.seed, injectBug: input.injectBug, profile });
  const record = await judgeCase(world, input, profile.verifier);
  return { record, world };
}

/** The verifier's timing (from the profile in simulation): poll interval, how long to wait, cycles to judge. Simulated or wall ms, as the Cluster's clock. */
export interface VerifierTiming {
  pollMs: number;
  readyTimeoutMs: number;
  cycles: number;
}

/**
 * Applies the case's objects to `cluster` and judges it, cycle-based, reading only through the
 * Cluster contract (client, reader, clock, traffic), so the same code judges a simulated World and a
 * real cluster. Refused objects are recorded in `inputErrors` and get no probes.
 */
export async function judgeCase(cluster: Cluster, input: CaseInput, timing: VerifierTiming): Promise<RunRecord> {
  // Invariants are judged on every watch event from before the first object is applied (invariants.ts).
  const invariants = new InvariantMonitor(cluster);
  await invariants.start();
  const applyFailures = await applyStaggered(cluster, input.objects, input.applyAtMs);
  // Objects the admission oracle expects the platform's validating webhook to refuse (an invalid
  // spec) are judged by the admission judge, not reported as input errors; their probes are judged.
  const expectRefused = new Set((input.admissions ?? []).filter((a) => a.refusedAtAdmission).map((a) => `${a.kind}/${a.service}`));
  const refused = applyFailures.filter(({ object }) => !expectRefused.has(`${object.kind}/${object.metadata.namespace ?? 'default'}/${object.metadata.name}`));
  const inputErrors: InputErrorRecord[] = refused.map(({ object, error }) => ({
    ...(input.sources?.get(object) ? { file: input.sources.get(object) } : {}),
    ...(input.documents?.get(object) ? { document: input.documents.get(object) } : {}),
    object: `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`,
    message: error.message,
    ...(error.status.details?.causes ? { causes: error.status.details.causes.map((c) => ({ field: c.field, message: c.message })) } : {}),
  }));

  // A probe is judged only between objects that were admitted: one naming a refused object would
  // report a mismatch for something that never ran.
  const refusedKeys = new Set(
    refused.filter(({ object }) => object.kind === 'LatticeService' || object.kind === 'LatticeMeshMember').map(({ object }) => `${object.metadata.namespace ?? 'default'}/${object.metadata.name}`),
  );
  const expected = input.expected.filter((p) => !refusedKeys.has(p.from) && !refusedKeys.has(p.to));
  const unjudged = input.expected.length - expected.length;

  const generators = startGenerators(cluster, expected);

  const { pollMs, readyTimeoutMs, cycles } = timing;
  const { clock, reader } = cluster;
  const startMs = clock.now();
  const waitFor = makeWaiter(cluster, pollMs, () => invariants.poll());

  // Polled every pollMs, so nothing here may cost O(services) per poll when nothing changed: the settle
  // check runs again only after a store write, and generators leave `pending` once they have their cycles.
  const settled = await waitFor(onRevision(reader, platformSettled), readyTimeoutMs);
  const readyAt = clock.now();
  const verification: VerificationRecord = { cyclesRequired: cycles, platformReadyAtMs: settled ? readyAt - startMs : null, judgedAtMs: 0 };
  if (!settled) verification.timedOut = `platform not Ready after ${readyTimeoutMs / 1000}s: ${unsettledServices(reader).join(', ')}`;
  const cycled = await waitFor(cyclesDone(generators.values(), readyAt, cycles), readyTimeoutMs);
  if (!cycled) verification.timedOut = `${verification.timedOut ? `${verification.timedOut}; ` : ''}generators did not finish ${cycles} cycles`;
  verification.judgedAtMs = clock.now() - startMs;
  for (const g of generators.values()) g.stop();
  const violations = invariants.finish();
  cluster.stop();

  const services = serviceRecords(reader);
  const probes = judgeProbes(expected, generators, readyAt, new Map(services.map((s) => [s.name, s.phase])));
  const notes: string[] = [];
  if (unjudged > 0) notes.push(`${unjudged} probe${unjudged === 1 ? '' : 's'} not judged: ${[...refusedKeys].sort().join(', ')} refused at input`);
  notes.push(...cluster.notes(), ...invariants.notes);
  const mismatches = probes.filter((p) => p.expected !== p.observed).length;
  const admissions = input.admissions ? judgeAdmissions(reader, input.admissions, { refused: applyFailures }) : undefined;
  const admissionMismatches = admissions?.filter((a) => a.problems.length > 0).length ?? 0;
  return {
      id: input.id,
      name: input.name,
      kind: input.kind,
      ...(input.kind === 'random' ? { seed: input.seed, topologyIndex: input.topologyIndex } : {}),
      services,
      probes,
      status: runStatus({ inputErrors, mismatches, verification, invariants: violations, admissionMismatches }),
      mismatches,
      inputErrors,
      warnings: [],
      notes,
      verification,
      invariants: violations,
      ...(admissions ? { admissions, admissionMismatches } : {}),
  };
}

/**
 * Applies `objects` to `cluster`, staggered: those without a time in `applyAtMs` at once, then the
 * others in time order (stable within a time), each group after advancing the cluster's clock to
 * start + its time (simulated ms, or wall ms on a real cluster). Output: every refusal, in apply order.
 */
export async function applyStaggered(cluster: Cluster, objects: readonly KubeObject[], applyAtMs?: ReadonlyMap<KubeObject, number>): Promise<ApplyFailure[]> {
  const startMs = cluster.clock.now();
  const at = (o: KubeObject): number => applyAtMs?.get(o) ?? 0;
  const times = [...new Set(objects.map(at))].sort((a, b) => a - b);
  const refused: ApplyFailure[] = [];
  for (const t of times) {
    if (t > 0 && cluster.clock.now() < startMs + t) await cluster.advance(startMs + t);
    refused.push(...(await cluster.apply(objects.filter((o) => at(o) === t))));
  }
  return refused;
}

/**
 * True when every LatticeService (and hand-written LatticeMeshMember) is Ready or Failed and each Ready
 * one's Deployment has all its replicas ready: as many as the Deployment asks for and, for a
 * LatticeService that is not autoscaled, at least its `spec.replicas`; and every LatticeJob settled
 * (job-judge.ts `unsettledJobs`: failed, succeeded, or running with its workers up and their mesh members decided).
 */
export function platformSettled(reader: ClusterReader): boolean {
  return unsettledServices(reader).length === 0;
}

/** Keys of LatticeServices not yet settled (see {@link platformSettled}). */
export function unsettledServices(reader: ClusterReader): string[] {
  const out: string[] = [];
  const deployments = new Map(reader.list(CoreTypes.Deployment).map((d) => [`${d.metadata.namespace}/${d.metadata.name}`, d]));
  for (const ls of reader.list<LatticeService>(LatticeServiceType)) {
    const key = `${ls.metadata.namespace}/${ls.metadata.name}`;
    const phase = ls.status?.phase;
    if (phase === 'Failed') continue;
    if (phase !== 'Ready') {
      out.push(key);
      continue;
    }
    const dep = deployments.get(key);
    // The replicas the LatticeService declares (unless autoscaled), not only those its Deployment asks for:
    // a platform that drops spec.replicas never settles.
    const want = Math.max(dep?.spec?.replicas ?? 1, ls.spec?.autoscaling ? 1 : (ls.spec?.replicas ?? 1));
    if (!dep || (dep.status?.readyReplicas ?? 0) < want) out.push(key);
  }
  out.push(...unsettledMeshMembers(reader, deployments));
  out.push(...unsettledGatewayProxies(reader, deployments));
  out.push(...unsettledJobs(reader));
  return out;
}

/**
 * Keys `ns/<gateway>-istio` of ingress gateway proxies not yet up: for every Gateway API Gateway of
 * class `istio` (the platform's ingress Gateways), Istio's Deployment `<gateway>-istio` must exist with a
 * ready replica, or the gateway's probes would find no pod ([] when Gateways are not served).
 */
function unsettledGatewayProxies(reader: ClusterReader, deployments: ReadonlyMap<string, KubeObject>): string[] {
  const out: string[] = [];
  for (const gw of reader.list({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway' })) {
    if (gw.spec?.gatewayClassName !== 'istio' || (gw.spec?.listeners ?? []).length === 0) continue;
    const key = `${gw.metadata.namespace}/${gw.metadata.name}-istio`;
    if ((deployments.get(key)?.status?.readyReplicas ?? 0) < 1) out.push(key);
  }
  return out;
}

/**
 * Keys of hand-written LatticeMeshMembers (escape hatches: not owned by a LatticeService) not yet
 * settled: phase neither Ready nor Failed, or Ready while the Deployment of the same name (when there
 * is one) has fewer ready replicas than it asks for.
 */
function unsettledMeshMembers(reader: ClusterReader, deployments: ReadonlyMap<string, KubeObject>): string[] {
  const out: string[] = [];
  for (const m of reader.list<LatticeMeshMember>(LatticeMeshMemberType)) {
    if ((m.metadata.ownerReferences ?? []).some((o) => o.kind === 'LatticeService')) continue;
    const key = `${m.metadata.namespace}/${m.metadata.name}`;
    const phase = m.status?.phase;
    if (phase === 'Failed') continue;
    const dep = deployments.get(key);
    if (phase !== 'Ready' || (dep && (dep.status?.readyReplicas ?? 0) < (dep.spec?.replicas ?? 1))) out.push(key);
  }
  return out;
}

/** The LatticeServices as the run's records (phase, message, conditions), in store order. */
export function serviceRecords(reader: ClusterReader): ServiceRecord[] {
  const record = (o: LatticeService | LatticeMeshMember): ServiceRecord => ({
    name: `${o.metadata.namespace}/${o.metadata.name}`,
    ...(o.kind === 'LatticeMeshMember' ? { kind: 'LatticeMeshMember' as const } : {}),
    phase: o.status?.phase ?? 'Pending',
    ...(o.status?.message ? { message: o.status.message } : {}),
    conditions: (o.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) })),
  });
  // Hand-written LatticeMeshMembers (escape hatches) are services of the topology too; generated ones are their
  // LatticeService's, and those the platform writes for itself (managed-by set: ESO's `egress-sp-<provider>`) none.
  const members = reader
    .list<LatticeMeshMember>(LatticeMeshMemberType)
    .filter((m) => !(m.metadata.ownerReferences ?? []).some((o) => o.kind === 'LatticeService') && m.metadata.labels?.[LABEL_MANAGED_BY] === undefined);
  return [...reader.list<LatticeService>(LatticeServiceType).map(record), ...members.map(record)];
}
