/**
 * Pod lifecycle stub (kubelet), KWOK-style: the pod's life is a table of stages (`stages.ts`, the
 * default table `stages/default/pod-stages.yaml`): ContainerCreating while a Secret/ConfigMap volume
 * is missing, CreateContainerConfigError while an env reference is missing, Running with a podIP,
 * Ready after the readiness latency and its probes (`probes.ts`), exit after a run time for
 * Never/OnFailure pods (annotations `sim.lattice.dev/run-ms`, `sim.lattice.dev/exit-code`) or under a
 * crash-loop fault (`faults.ts`), restarts in place under the kubelet's back-off (`back-off.ts`),
 * containers stopped on a graceful delete. Each stage's delay comes from the pod's own stream
 * `<stream>/<ns>/<pod>` (`kubelet/start`, `kubelet/ready` ...), so other pods never shift its timings.
 * Pod IPs are handed out in order (unique; they carry no timing).
 *
 * The kubelet keeps its own record of each pod (`pod-status.ts`) and writes the full status from it;
 * after a write it waits until the informer cache shows that write (resourceVersion) before the next
 * stage, so a lagging cache never makes it write a stage twice. A missing Secret/ConfigMap is waited
 * for by watch: a change of that object enqueues the pods blocked on it (no polling).
 * Binding (spec.nodeName) is the scheduler's (`../scheduler/scheduler.ts`, Volcano for its pods): the
 * kubelet acts only on pods bound to a node.
 */
import type { Clock, InformerCache, KubeClient, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { ignoreNotFound } from '../../../fake-apiserver/api/index.ts';
import type { ControllerDefinition } from '../../../platform/runtime/index.ts';
import { done, requeueAfter } from '../../../platform/runtime/index.ts';
import type { StreamSource } from '../../rng/index.ts';
import type { Delay, SimulationProfile } from '../../profile.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { eventRecorder } from '../events.ts';
import type { EventRecorder } from '../events.ts';
import type { PodStage } from './stages.ts';
import { defaultPodStages, stageBaseDelay, stageMatches, validateStages, valueAt } from './stages.ts';
import { configBlock } from './config-refs.ts';
import type { ConfigKind } from './config-refs.ts';
import { livenessFailure, podReadyAfterMs } from './probes.ts';
import { RestartBackOff } from './back-off.ts';
import { imagePullError } from './image-registry.ts';
import type { PodFault } from './faults.ts';
import { faultFor } from './faults.ts';
import { applyTemplate, newRecord, readyStale, renderStatus } from './pod-status.ts';
import { containerProgram, outputUntil } from './container-program.ts';
import type { ContainerProgram } from './container-program.ts';
import type { PodRecord, TemplateInput } from './pod-status.ts';

/** Annotation: run time of a Never/OnFailure pod's containers (simulated ms, decimal string). */
export const RUN_MS_ANNOTATION = 'sim.lattice.dev/run-ms';
/** Annotation: exit code of a Never/OnFailure pod's containers (decimal string; default 0). */
export const EXIT_CODE_ANNOTATION = 'sim.lattice.dev/exit-code';
/** Annotation holding what each container of the pod prints when it runs (its simulated output, for `kubectl logs`). */
export const LOG_ANNOTATION = 'sim.lattice.dev/log';

const HOST_IP = '172.18.0.2';

/** The modelled programs of a pod's containers (by name) with the pod's run time and exit code; null when not every container's is modelled. */
type PodProgram = { runMs: number; exitCode: number; containers: Map<string, ContainerProgram> } | null;
/** Per pod spec (stored specs are frozen: one entry per stored version). */
const podPrograms = new WeakMap<object, PodProgram>();

/**
 * The pod's modelled program (container-program.ts), unless the pod carries the harness's
 * `run-ms` / `exit-code` annotations (they decide), a container keeps stdin open (its process reads
 * what an attach sends: `Kubelet.mainProcessExited`) or a container's program is not modelled: the
 * longest run time, and the first non-zero exit code of the containers (else 0).
 */
export function podProgram(pod: KubeObject): PodProgram {
  const ann = pod.metadata.annotations ?? {};
  if (ann[RUN_MS_ANNOTATION] !== undefined || ann[EXIT_CODE_ANNOTATION] !== undefined || !pod.spec || keepsStdin(pod)) return null;
  const spec = pod.spec as object;
  const known = podPrograms.get(spec);
  if (known !== undefined) return known;
  const containers = new Map<string, ContainerProgram>();
  let result: PodProgram = null;
  const list = (pod.spec.containers ?? []) as { name: string }[];
  if (list.length > 0) {
    for (const c of list) {
      const p = containerProgram(c, pod.spec.hostname ?? pod.metadata.name);
      if (!p) break;
      containers.set(c.name, p);
    }
    if (containers.size === list.length) {
      const runs = [...containers.values()];
      result = { runMs: Math.max(...runs.map((p) => p.runMs)), exitCode: runs.find((p) => p.exitCode !== 0)?.exitCode ?? 0, containers };
    }
  }
  if (Object.isFrozen(spec)) podPrograms.set(spec, result);
  return result;
}

/** Whether a container of the pod keeps stdin open (`stdin: true`: `kubectl run -i`). */
function keepsStdin(pod: KubeObject): boolean {
  return ((pod.spec?.containers ?? []) as { stdin?: boolean }[]).some((c) => c.stdin === true);
}

/** The kubelet's resolved settings: every named delay a stage may use, the stage table, the faults. */
export interface KubeletSettings {
  delays: Record<string, Delay>;
  stages: PodStage[];
  faults: PodFault[];
}

/**
 * The kubelet section of `profile` with defaults for the optional fields (simulated ms):
 * `batchRun` 10 s + [0, 20 s], `crashRun` 5 s + [0, 5 s], `containerRestart` 0.5 s + [0, 0.5 s],
 * `containerStop` 0.5 s + [0, 1.5 s], `containerCreate` 1 s + [0, 1 s]; stages from the default table.
 */
export function kubeletSettings(profile: SimulationProfile): KubeletSettings {
  const k = profile.kubelet;
  return {
    delays: {
      schedule: k.schedule,
      containerStart: k.containerStart,
      readiness: k.readiness,
      batchRun: k.batchRun ?? { delayMs: 10_000, jitterMs: 20_000 },
      crashRun: k.crashRun ?? { delayMs: 5_000, jitterMs: 5_000 },
      containerRestart: k.containerRestart ?? { delayMs: 500, jitterMs: 500 },
      containerStop: k.containerStop ?? { delayMs: 500, jitterMs: 1_500 },
      containerCreate: k.containerCreate ?? { delayMs: 1_000, jitterMs: 1_000 },
    },
    stages: k.stages ? validateStages(k.stages, 'profile spec.kubelet.stages') : defaultPodStages(),
    faults: (k.faults ?? []).map((f, i) => validFault(f, `profile spec.kubelet.faults[${i}]`)),
  };
}

/** A fault read from a profile. @throws Error naming the field when `fault` is not a known kind. */
function validFault(f: unknown, where: string): PodFault {
  const kind = (f as Partial<PodFault> | undefined)?.fault;
  if (kind !== 'crash-loop') throw new Error(`${where}.fault: Unsupported value: ${JSON.stringify(kind)}: supported values: "crash-loop"`);
  return f as PodFault;
}

const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

/** `.kubelet.program` of the stage view: the pod's modelled run, or undefined. */
function programView(pod: KubeObject): { runMs: number; exitCode: number } | undefined {
  const p = podProgram(pod);
  return p ? { runMs: p.runMs, exitCode: p.exitCode } : undefined;
}

/** The first container of `pod` whose image the registry lacks (image-registry.ts): its name, image and the pull error. */
function imageFailure(pod: KubeObject): { container: string; image: string; error: string } | undefined {
  for (const c of (pod.spec?.containers ?? []) as { name: string; image?: string }[]) {
    const error = c.image === undefined ? undefined : imagePullError(c.image);
    if (error !== undefined) return { container: c.name, image: c.image!, error };
  }
  return undefined;
}

/** Whether a running container's spec image differs from the one it runs (`kubectl set image pod/…`): the kubelet restarts it. */
function imageChanged(rec: PodRecord, pod: KubeObject): boolean {
  const specs = (pod.spec?.containers ?? []) as { name: string; image?: string }[];
  return rec.containers.some((c) => {
    const image = specs.find((s) => s.name === c.name)?.image;
    return image !== undefined && image !== c.image;
  });
}

/** The simulated kubelet of every node: build once per World, register {@link Kubelet.definition}. */
export class Kubelet {
  private readonly settings: KubeletSettings;
  private readonly records = new Map<string, PodRecord>();
  private readonly uidByKey = new Map<string, string>();
  /** Per stage name, per pod uid: the key its due time was drawn for, and the due time (simulated ms). */
  private readonly dues = new Map<string, Map<string, { key: string; dueMs: number }>>();
  /** `Kind/ns/name` of a missing Secret/ConfigMap → keys of the pods waiting for it. */
  private readonly blockers = new Map<string, Set<string>>();
  private readonly blockedOn = new Map<string, string[]>();
  private readonly backOff = new RestartBackOff();
  /** Exit codes of stdin containers' main processes that ran as attach sessions, by pod uid (until the exit is applied). */
  private readonly attachedExits = new Map<string, number>();
  /** Exit codes of ephemeral containers' attached processes, by pod uid and container name (until applied). */
  private readonly ephemeralExits = new Map<string, Map<string, number>>();
  /** The image pull back-off, by pod uid (same curve as the restart back-off: 10 s doubling to 300 s). */
  private readonly pullBackOff = new RestartBackOff();
  private readonly recorder: EventRecorder;
  private nextIp = 0;
  /** Pod IPs handed out per node, by the node's `spec.podCIDR` (host-local IPAM: sequential, wrapping in the /24). */
  private readonly nextIpOnNode = new Map<string, number>();

  constructor(
    private readonly client: KubeClient,
    private readonly clock: Clock,
    private readonly rng: StreamSource,
    private readonly profile: SimulationProfile,
    private readonly cache: InformerCache,
  ) {
    this.settings = kubeletSettings(profile);
    this.recorder = eventRecorder(client, clock, { component: 'kubelet' }, { normal: profile.events?.normal === true });
  }

  /**
   * The simulated output of `container` in `pod` (what `kubectl logs` shows; the API server's
   * pods/log asks for it once it found the pod and a started container): the text of the pod's
   * `sim.lattice.dev/log` annotation, ending with a newline, for the running instance and for the
   * previous one alike (every instance of a simulated container prints the same). Without it, the
   * output of the container's modelled program (container-program.ts; a running instance: what it
   * printed by now, from its `startedAt`); else no output.
   */
  containerLog(pod: KubeObject, container: string, previous: boolean): string {
    const text = pod.metadata.annotations?.[LOG_ANNOTATION];
    if (text) return text.endsWith('\n') ? text : `${text}\n`;
    const program = podProgram(pod)?.containers.get(container);
    if (!program) return '';
    // The running instance has printed what it printed so far; an exited or previous one, everything.
    const status = ((pod.status?.containerStatuses ?? []) as { name: string; state?: { running?: { startedAt: string } } }[]).find((c) => c.name === container);
    const startedAt = status?.state?.running?.startedAt;
    return outputUntil(program, previous || !startedAt ? Infinity : this.clock.now() - Date.parse(startedAt));
  }

  /** The node's Node object as the cache holds it, or undefined. */
  private node(nodeName: string | undefined): KubeObject | undefined {
    return nodeName ? this.cache.informerFor(CoreTypes.Node).getByKey(nodeName) : undefined;
  }

  /**
   * The next pod IP on `nodeName`: from its `spec.podCIDR` (a /24: .1 to .254, then again from .1) as
   * the CNI's host-local IPAM hands them out; from one cluster-wide sequence when the node has none.
   */
  private allocatePodIp(nodeName: string | undefined): string {
    const cidr = /^(\d+\.\d+\.\d+)\.0\/24$/.exec(String(this.node(nodeName)?.spec?.podCIDR ?? ''));
    if (!cidr || !nodeName) {
      const n = this.nextIp++;
      return `10.244.${(n >> 8) & 255}.${(n & 255) + 1}`;
    }
    const n = this.nextIpOnNode.get(nodeName) ?? 0;
    this.nextIpOnNode.set(nodeName, n + 1);
    return `${cidr[1]}.${(n % 254) + 1}`;
  }

  /** The node's InternalIP (the pod's `status.hostIP`), or the simulated default when it reports none. */
  private hostIp(nodeName: string | undefined): string {
    const addresses = (this.node(nodeName)?.status?.addresses ?? []) as { type?: string; address?: string }[];
    return addresses.find((a) => a.type === 'InternalIP')?.address ?? HOST_IP;
  }

  /**
   * The main process of `pod`'s `container` kept stdin open (`stdin: true`) and ran as an attach
   * session that has ended with `exitCode` (exec-runtime.ts): the containers exit with it now (the
   * one-shot model does not run such a process: it waits for its stdin); an ephemeral container
   * terminates alone. Returns the pod's key
   * (`ns/name`) for the caller to enqueue.
   */
  mainProcessExited(pod: KubeObject, container: string, exitCode: number): string | undefined {
    const uid = pod.metadata.uid;
    if (!uid) return undefined;
    if (((pod.spec?.ephemeralContainers ?? []) as { name: string }[]).some((c) => c.name === container)) {
      // An ephemeral container (`kubectl debug -i`) ends on its own; the pod's containers run on.
      let exits = this.ephemeralExits.get(uid);
      if (!exits) this.ephemeralExits.set(uid, (exits = new Map()));
      exits.set(container, exitCode);
    } else this.attachedExits.set(uid, exitCode);
    return `${pod.metadata.namespace}/${pod.metadata.name}`;
  }

  /**
   * Adds a fault (see `faults.ts`); returns the keys (`ns/name`) of the pods it selects now, for the
   * caller to enqueue. Pods created later are selected when the kubelet reconciles them.
   */
  injectFault(fault: PodFault): string[] {
    this.settings.faults.push(fault);
    return this.cache
      .informerFor(CoreTypes.Pod)
      .items()
      .filter((p) => faultFor([fault], p))
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  }

  /** Removes a fault added by {@link Kubelet.injectFault} (same object); returns the keys of the pods it selected, to enqueue. */
  removeFault(fault: PodFault): string[] {
    const i = this.settings.faults.indexOf(fault);
    if (i < 0) return [];
    this.settings.faults.splice(i, 1);
    return this.cache
      .informerFor(CoreTypes.Pod)
      .items()
      .filter((p) => faultFor([fault], p))
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  }

  /** The kubelet as a runner definition (name `kubelet`, primary Pod, Secret/ConfigMap watches for blocked pods). */
  definition(): ControllerDefinition {
    const { cache } = this;
    const blockedPods = (kind: ConfigKind) => (obj: KubeObject) =>
      [...(this.blockers.get(`${kind}/${obj.metadata.namespace}/${obj.metadata.name}`) ?? [])].map((k) => {
        const [namespace, name] = k.split('/');
        return { namespace, name };
      });
    return {
      name: 'kubelet',
      primary: CoreTypes.Pod,
      watches: [
        { type: CoreTypes.Secret, map: blockedPods('Secret') },
        { type: CoreTypes.ConfigMap, map: blockedPods('ConfigMap') },
      ],
      reconciler: {
        reconcile: async (key) => {
          const pod = await cache.get(CoreTypes.Pod, key).catch(ignoreNotFound);
          const podKey = `${key.namespace}/${key.name}`;
          if (!pod || (this.uidByKey.has(podKey) && this.uidByKey.get(podKey) !== pod.metadata.uid)) {
            this.forget(podKey);
            if (!pod) return done();
          }
          this.uidByKey.set(podKey, pod.metadata.uid!);
          if (!pod.spec?.nodeName) return done();
          return this.sync(pod, podKey);
        },
      },
    };
  }

  /** One pass over a bound pod: pick the stage due first, wait for it or apply it. */
  private async sync(pod: KubeObject, podKey: string) {
    const uid = pod.metadata.uid!;
    const rec = this.records.get(uid);
    // Our last write has not reached the cache yet: its watch event re-triggers us.
    if (rec && Number(pod.metadata.resourceVersion ?? '0') < rec.writtenRv) return done();
    // Succeeded and Failed are final (Kubernetes: pod phases), whoever wrote them.
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return done();
    await Promise.all([this.cache.informerFor(CoreTypes.Secret).synced(), this.cache.informerFor(CoreTypes.ConfigMap).synced()]);
    const view = this.view(pod, podKey, rec);
    const now = this.clock.now();
    let best: { stage: PodStage; dueMs: number } | undefined;
    for (const stage of this.settings.stages) {
      if (!stageMatches(stage, view)) continue;
      const dueMs = this.dueMs(stage, view, podKey, uid, rec);
      if (!best || dueMs < best.dueMs) best = { stage, dueMs };
    }
    if (!best) return done();
    if (best.dueMs > now) return requeueAfter(best.dueMs - now);
    await this.apply(best.stage, pod, view);
    return done();
  }

  /** The pod as the stage selectors see it: the object plus the kubelet's facts under `.kubelet`. */
  private view(pod: KubeObject, podKey: string, rec: PodRecord | undefined) {
    const phase = rec?.containersPhase ?? 'none';
    const creating = phase === 'none' || phase === 'waiting';
    const block = creating && !pod.metadata.deletionTimestamp ? this.checkConfig(pod, podKey) : undefined;
    if (!creating) this.unblock(podKey);
    const fault = faultFor(this.settings.faults, pod);
    const pull = creating ? imageFailure(pod) : undefined;
    return {
      metadata: pod.metadata,
      spec: pod.spec,
      status: pod.status,
      kubelet: {
        containers: phase,
        ready: String(!!rec && rec.containers.length > 0 && rec.containers.every((c) => c.ready)),
        readyStale: String(!!rec && phase === 'running' && readyStale(rec, pod)),
        mountError: block?.mount?.message,
        mountErrorShown: String(block?.mount !== undefined && rec?.shown === block.mount.message),
        configError: block?.config?.message,
        configErrorContainer: block?.config?.container,
        configErrorShown: String(block?.config !== undefined && rec?.shown === block.config.message),
        imageError: pull?.error,
        imageChanged: String(!!rec && phase === 'running' && imageChanged(rec, pod)),
        liveness: phase === 'running' ? livenessFailure(pod.spec?.containers ?? [], rec?.podIP ?? '', pod.spec?.hostname ?? pod.metadata.name!) : undefined,
        imagePull: rec?.pull ?? 'none',
        fault: fault && { kind: fault.fault, exitCode: fault.exitCode ?? 1, runMs: fault.runMs },
        ephemeralPending: String(phase === 'running' && !!rec && ((pod.spec?.ephemeralContainers ?? []) as { name: string }[]).some((c) => !rec.ephemeral.some((e) => e.name === c.name))),
        ephemeralExited: String((this.ephemeralExits.get(pod.metadata.uid!)?.size ?? 0) > 0),
        attachedStdin: String(keepsStdin(pod) && !this.attachedExits.has(pod.metadata.uid!)),
        program: this.attachedExits.has(pod.metadata.uid!) ? { runMs: 0, exitCode: this.attachedExits.get(pod.metadata.uid!)! } : programView(pod),
      },
    };
  }

  /** Config check against the informer caches; records what the pod waits for (the Secret/ConfigMap watches read it). */
  private checkConfig(pod: KubeObject, podKey: string) {
    const ns = pod.metadata.namespace!;
    const block = configBlock(pod, (kind, name) => this.cache.informerFor(kind === 'Secret' ? CoreTypes.Secret : CoreTypes.ConfigMap).getByKey(`${ns}/${name}`));
    this.unblock(podKey);
    const on = block.waitingFor.map((w) => {
      const [kind, name] = w.split('/');
      return `${kind}/${ns}/${name}`;
    });
    for (const b of on) this.blockers.set(b, (this.blockers.get(b) ?? new Set()).add(podKey));
    if (on.length) this.blockedOn.set(podKey, on);
    return block;
  }

  private unblock(podKey: string): void {
    for (const b of this.blockedOn.get(podKey) ?? []) {
      const pods = this.blockers.get(b);
      pods?.delete(podKey);
      if (pods?.size === 0) this.blockers.delete(b);
    }
    this.blockedOn.delete(podKey);
  }

  /**
   * Due time (simulated ms) of `stage` for this pod, drawn once per stage and key: a stage counted
   * from the container start keys on the run (restartCount), others on the record's epoch (so a
   * stage that stops and starts matching again draws afresh).
   */
  private dueMs(stage: PodStage, view: ReturnType<Kubelet['view']>, podKey: string, uid: string, rec: PodRecord | undefined): number {
    const d = stage.delay;
    if (!d) return this.clock.now();
    const fromStart = d.since === 'container-start' && rec?.runStartedMs !== undefined;
    const key = fromStart ? `run${rec!.containers[0]?.restartCount ?? 0}` : `e${rec?.epoch ?? 0}`;
    let byPod = this.dues.get(stage.name);
    if (!byPod) this.dues.set(stage.name, (byPod = new Map()));
    const cur = byPod.get(uid);
    if (cur?.key === key) return cur.dueMs;
    const now = this.clock.now();
    const from = d.durationFrom !== undefined ? num(valueAt(view, d.durationFrom)) : undefined;
    let wait = from ?? this.rng.stream(`${d.stream}/${podKey}`).delay(stageBaseDelay(stage, this.settings.delays));
    if (d.maxSecondsFrom !== undefined) wait = Math.min(wait, (num(valueAt(view, d.maxSecondsFrom)) ?? 30) * 1000);
    const base = fromStart ? rec!.runStartedMs! : now;
    let extra = 0;
    if (d.extra === 'probes' && rec?.runStartedMs !== undefined) extra = Math.max(0, rec.runStartedMs + podReadyAfterMs(view.spec?.containers ?? []) - now);
    if (d.extra === 'back-off') extra = this.backOff.waitMs(uid, now);
    if (d.extra === 'pull-back-off') extra = this.pullBackOff.waitMs(`${uid}/pull`, now);
    const dueMs = base + wait + extra;
    byPod.set(uid, { key, dueMs });
    return dueMs;
  }

  /** Applies the stage's template to the record and writes the status (and the kubelet's Events). */
  private async apply(stage: PodStage, pod: KubeObject, view: ReturnType<Kubelet['view']>): Promise<void> {
    const uid = pod.metadata.uid!;
    const now = this.clock.now();
    const rec = this.records.get(uid) ?? newRecord(pod);
    this.records.set(uid, rec);
    const input: TemplateInput = { pod, nowMs: now };
    const template = stage.next.statusTemplate;
    const events: { type?: 'Normal'; reason: string; message: string }[] = [];
    if (template === 'mount-failed') {
      input.message = view.kubelet.mountError;
      events.push({ reason: 'FailedMount', message: input.message! });
    }
    if (template === 'config-error') {
      input.message = view.kubelet.configError;
      input.container = view.kubelet.configErrorContainer;
      events.push({ reason: 'Failed', message: `Error: ${input.message}` });
    }
    if (template === 'image-pull-failed' || template === 'image-pull-back-off') {
      const failed = imageFailure(pod);
      input.container = failed?.container;
      input.image = failed?.image;
      input.message = failed?.error;
      const image = JSON.stringify(failed?.image ?? '');
      if (template === 'image-pull-failed') {
        this.pullBackOff.restarted(`${uid}/pull`, now);
        events.push({ type: 'Normal', reason: 'Pulling', message: `Pulling image ${image}` }, { reason: 'Failed', message: `Failed to pull image ${image}: ${failed?.error}` }, { reason: 'Failed', message: 'Error: ErrImagePull' });
      } else {
        events.push({ type: 'Normal', reason: 'BackOff', message: `Back-off pulling image ${image}` }, { reason: 'Failed', message: 'Error: ImagePullBackOff' });
      }
    }
    if (template === 'ephemeral-start') {
      for (const c of (pod.spec?.ephemeralContainers ?? []) as { name: string; image?: string }[]) {
        if (rec.ephemeral.some((e) => e.name === c.name)) continue;
        events.push(
          { type: 'Normal', reason: 'Pulled', message: `Container image "${c.image ?? ''}" already present on machine` },
          { type: 'Normal', reason: 'Created', message: `Created container: ${c.name}` },
          { type: 'Normal', reason: 'Started', message: `Started container ${c.name}` },
        );
      }
    }
    if (template === 'ephemeral-exit') {
      input.ephemeralExits = this.ephemeralExits.get(uid);
      this.ephemeralExits.delete(uid);
    }
    if (template === 'start' || template === 'restart' || template === 'stop') {
      // The Normal Events of a container start (image already on the node: pulls are not modelled) and stop.
      for (const c of (pod.spec?.containers ?? []) as { name: string; image?: string }[]) {
        if (template === 'stop') events.push({ type: 'Normal', reason: 'Killing', message: `Stopping container ${c.name}` });
        else
          events.push(
            { type: 'Normal', reason: 'Pulled', message: `Container image "${c.image ?? ''}" already present on machine` },
            { type: 'Normal', reason: 'Created', message: `Created container: ${c.name}` },
            { type: 'Normal', reason: 'Started', message: `Started container ${c.name}` },
          );
      }
    }
    if (template === 'start' && rec.podIP === undefined) input.podIP = this.allocatePodIp(pod.spec?.nodeName);
    if (template === 'liveness-kill') {
      const failed = view.kubelet.liveness;
      if (failed) {
        for (let i = 0; i < failed.failureThreshold; i++) events.push({ reason: 'Unhealthy', message: `Liveness probe failed: ${failed.message}` });
        events.push({ type: 'Normal', reason: 'Killing', message: `Container ${failed.container} failed liveness probe, will be restarted` });
      }
    }
    // The attached process's exit is applied once: a restarted container waits for its stdin again.
    if (template === 'exit' || template === 'liveness-kill') this.attachedExits.delete(uid);
    if (template === 'exit' || template === 'liveness-kill') {
      const code = (stage.next.exitCodeFrom !== undefined ? num(valueAt(view, stage.next.exitCodeFrom)) : undefined) ?? 0;
      const policy = pod.spec?.restartPolicy ?? 'Always';
      input.exitCode = code;
      input.willRestart = policy === 'Always' || (policy === 'OnFailure' && code !== 0);
      input.backOffMs = input.willRestart ? this.backOff.waitMs(uid, now) : 0;
      if (input.backOffMs > 0) {
        const ref = `${pod.metadata.name}_${pod.metadata.namespace}(${uid})`;
        for (const c of rec.containers) events.push({ reason: 'BackOff', message: `Back-off restarting failed container ${c.name} in pod ${ref}` });
      }
    }
    // A restart for a changed image is the kubelet's own doing, not a crash: no back-off.
    if (template === 'restart' && view.kubelet.imageChanged !== 'true') this.backOff.restarted(uid, now);
    if (template === 'restart' && view.kubelet.imageChanged === 'true') {
      for (const c of rec.containers) events.unshift({ type: 'Normal', reason: 'Killing', message: `Container ${c.name} definition changed, will be restarted` });
    }
    applyTemplate(rec, template, input);
    const written = await this.client.patchStatus(CoreTypes.Pod, { namespace: pod.metadata.namespace, name: pod.metadata.name }, 'merge', { status: renderStatus(rec, this.hostIp(pod.spec?.nodeName), pod.status?.conditions ?? []) }, { fieldManager: 'kubelet' }).catch(ignoreNotFound);
    if (written) rec.writtenRv = Number(written.metadata.resourceVersion ?? '0');
    for (const e of events) await this.event(pod, e.type ?? 'Warning', e.reason, e.message);
  }

  /** An Event from the kubelet of `pod`'s node about `pod` (harness/stubs/events.ts). */
  private event(pod: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return this.recorder.event(pod, type, reason, message, pod.spec?.nodeName);
  }

  /** Forgets a deleted (or re-created) pod: record, due times, blockers, back-off, its streams. */
  private forget(podKey: string): void {
    const uid = this.uidByKey.get(podKey);
    this.uidByKey.delete(podKey);
    this.unblock(podKey);
    if (uid === undefined) return;
    this.records.delete(uid);
    this.backOff.forgetPod(uid);
    this.pullBackOff.forgetPod(uid);
    this.attachedExits.delete(uid);
    this.ephemeralExits.delete(uid);
    for (const byPod of this.dues.values()) byPod.delete(uid);
    const streams = new Set(this.settings.stages.map((s) => s.delay?.stream).filter((s): s is string => !!s));
    for (const s of streams) this.rng.forget(`${s}/${podKey}`);
  }
}
