/**
 * Runs one case in a fresh World and judges it, cycle-based (DESIGN.md rule 4): create the inputs,
 * start one traffic generator per probe source, wait until the platform reports every
 * LatticeService Ready or Failed (and Ready services' pods are up), then wait until every running
 * generator has finished `cycles` complete cycles that started after that instant, and judge the
 * last complete cycle of each log with the shared log parser. No flat sleeps.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { parseKey } from '../../fake-apiserver/api/index.ts';
import type { LatticeService } from '../../platform/index.ts';
import { LatticeServiceType } from '../../platform/index.ts';
import type { InputErrorRecord, ProbeRecord, RunRecord, ServiceRecord, VerificationRecord } from '../../reports/model.ts';
import { World } from '../world.ts';
import type { InjectedBug } from '../world.ts';
import type { SimulationProfile } from '../profile.ts';
import { defaultProfile } from '../profile.ts';
import { evaluateIndexed } from '../evaluator/index.ts';
import type { Verdict } from '../evaluator/index.ts';
import { SimulatedTrafficGenerator } from '../traffic/generator.ts';
import type { GeneratorTarget } from '../traffic/generator.ts';
import { parseCycles, probeId } from '../traffic/log-format.ts';
import type { ParsedCycle } from '../traffic/log-format.ts';
import { CoreTypes } from '../stubs/third-party-crds.ts';
import { runStatus } from './status.ts';
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
}

/** A run record plus the World it ran in (for debugging and tests). */
export interface CaseOutcome {
  record: RunRecord;
  world: World;
}

/** Runs and judges one case. Never throws for refused inputs: they are recorded in `inputErrors`. */
export async function runCase(input: CaseInput): Promise<CaseOutcome> {
  const profile = input.profile ?? defaultProfile();
  const world = await World.create({ seed: input.seed, injectBug: input.injectBug, profile });
  const refused = await world.apply(input.objects);
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

  const bySource = new Map<string, GeneratorTarget[]>();
  for (const p of expected) {
    const list = bySource.get(p.from) ?? [];
    list.push({ to: p.to, port: p.port });
    bySource.set(p.from, list);
  }
  const generators = new Map<string, SimulatedTrafficGenerator>();
  for (const [from, targets] of [...bySource].sort(([a], [b]) => a.localeCompare(b))) {
    const src = parseKey(from);
    // The source's Ready pod, looked up again only after a store write (the generator asks before every probe).
    let pod: { revision: number; pod: KubeObject | undefined } | undefined;
    const findPod = (): KubeObject | undefined => {
      if (pod?.revision !== world.server.revision) pod = { revision: world.server.revision, pod: world.readyPodOf(src.namespace!, src.name) };
      return pod.pod;
    };
    const g = new SimulatedTrafficGenerator(from, targets, {
      clock: world.clock,
      // Each generator draws from its own stream, so other generators never shift its cycle times.
      latency: world.rng.stream(`traffic/${from}`),
      timing: profile.traffic,
      findPod,
      probe: (pod, t): Verdict => {
        if (t.port === null) return { decision: 'deny', layer: 'none', policy: null, reason: `${t.to} has no Service port: nothing to connect to` };
        const to = parseKey(t.to);
        return evaluateIndexed(world.dataplane(), {
          fromPod: { namespace: pod.metadata.namespace, name: pod.metadata.name },
          toService: { namespace: to.namespace, name: to.name },
          port: t.port,
        });
      },
    });
    generators.set(from, g);
    g.start();
  }

  const { pollMs, readyTimeoutMs, cycles } = profile.verifier;
  const startMs = world.clock.now();
  const waitFor = async (pred: () => boolean, timeoutMs: number): Promise<boolean> => {
    const deadline = world.clock.now() + timeoutMs;
    while (!pred()) {
      if (world.clock.now() >= deadline) return false;
      await world.clock.run({ untilMs: Math.min(deadline, world.clock.now() + pollMs) });
    }
    return true;
  };

  // Polled every pollMs, so nothing here may cost O(services) per poll when nothing changed: the settle
  // check runs again only after a store write, and generators leave `pending` once they have their cycles.
  let settledAt: { revision: number; settled: boolean } | undefined;
  const settledNow = (): boolean => {
    if (settledAt?.revision !== world.server.revision) settledAt = { revision: world.server.revision, settled: platformSettled(world) };
    return settledAt.settled;
  };
  const settled = await waitFor(settledNow, readyTimeoutMs);
  const readyAt = world.clock.now();
  const verification: VerificationRecord = { cyclesRequired: cycles, platformReadyAtMs: settled ? readyAt - startMs : null, judgedAtMs: 0 };
  if (!settled) verification.timedOut = `platform not Ready after ${readyTimeoutMs / 1000}s: ${unsettledServices(world).join(', ')}`;
  const pending = new Set(generators.values());
  const cycled = await waitFor(() => {
    for (const g of pending) if (g.countCyclesSince(readyAt) >= cycles) pending.delete(g);
    for (const g of pending) if (g.running()) return false;
    return true;
  }, readyTimeoutMs);
  if (!cycled) verification.timedOut = `${verification.timedOut ? `${verification.timedOut}; ` : ''}generators did not finish ${cycles} cycles`;
  verification.judgedAtMs = world.clock.now() - startMs;
  for (const g of generators.values()) g.stop();
  world.stop();

  const services = serviceRecords(world);
  // The last complete cycle of each generator's log, parsed once per generator (not once per probe).
  const lastParsed = new Map<SimulatedTrafficGenerator, ParsedCycle | undefined>();
  const lastCompleteCycle = (g: SimulatedTrafficGenerator): ParsedCycle | undefined => {
    if (!lastParsed.has(g)) lastParsed.set(g, parseCycles(g.log).filter((c) => c.complete).pop());
    return lastParsed.get(g);
  };
  const phaseOf = new Map(services.map((s) => [s.name, s.phase]));
  const probes: ProbeRecord[] = expected.map((p) => {
    const g = generators.get(p.from)!;
    const judged = g.lastCycleSince(readyAt);
    const parsed = lastCompleteCycle(g);
    const id = probeId(p.from, p.to);
    const observed = judged ? parsed?.results.get(id) : undefined;
    const verdict = judged?.verdicts.get(id);
    if (!observed || !verdict) {
      return {
        from: p.from,
        to: p.to,
        port: p.port,
        expected: p.expected,
        observed: 'deny',
        layer: 'none',
        policy: null,
        reason: `no traffic: ${p.from} has no running pod (LatticeService phase ${phaseOf.get(p.from) ?? 'absent'})`,
        expectedReason: p.reason,
      };
    }
    return { from: p.from, to: p.to, port: p.port, expected: p.expected, observed, layer: verdict.layer, policy: verdict.policy, reason: verdict.reason, expectedReason: p.reason };
  });
  const notes: string[] = [];
  if (unjudged > 0) notes.push(`${unjudged} probe${unjudged === 1 ? '' : 's'} not judged: ${[...refusedKeys].sort().join(', ')} refused at input`);
  notes.push(...[...world.secretBackends.undefinedStores].sort().map(
    (s) => `secret provider '${s}' is named by ExternalSecrets but defined by no SecretProvider or ClusterSecretStore: simulated backend with generated values (values are never reported)`,
  ));
  const mismatches = probes.filter((p) => p.expected !== p.observed).length;
  return {
    world,
    record: {
      id: input.id,
      name: input.name,
      kind: input.kind,
      ...(input.kind === 'random' ? { seed: input.seed, topologyIndex: input.topologyIndex } : {}),
      services,
      probes,
      status: runStatus({ inputErrors, mismatches, verification }),
      mismatches,
      inputErrors,
      warnings: [],
      notes,
      verification,
    },
  };
}

/** True when every LatticeService is Ready or Failed and each Ready one's Deployment has all replicas ready. */
export function platformSettled(world: World): boolean {
  return unsettledServices(world).length === 0;
}

/** Keys of LatticeServices not yet settled (see {@link platformSettled}). */
export function unsettledServices(world: World): string[] {
  const out: string[] = [];
  const deployments = new Map(world.server.list(CoreTypes.Deployment).items.map((d) => [`${d.metadata.namespace}/${d.metadata.name}`, d]));
  for (const ls of world.server.list(LatticeServiceType).items as LatticeService[]) {
    const key = `${ls.metadata.namespace}/${ls.metadata.name}`;
    const phase = ls.status?.phase;
    if (phase === 'Failed') continue;
    if (phase !== 'Ready') {
      out.push(key);
      continue;
    }
    const dep = deployments.get(key);
    const want = dep?.spec?.replicas ?? 1;
    if (!dep || (dep.status?.readyReplicas ?? 0) < want) out.push(key);
  }
  return out;
}

function serviceRecords(world: World): ServiceRecord[] {
  return (world.server.list(LatticeServiceType).items as LatticeService[]).map((ls) => ({
    name: `${ls.metadata.namespace}/${ls.metadata.name}`,
    phase: ls.status?.phase ?? 'Pending',
    ...(ls.status?.message ? { message: ls.status.message } : {}),
    conditions: (ls.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) })),
  }));
}
