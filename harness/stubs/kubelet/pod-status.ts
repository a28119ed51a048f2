/**
 * The kubelet's own record of a pod (its status manager) and the status templates the stages name
 * (`next.statusTemplate`). The kubelet is the only writer of a pod's status, so it keeps what it
 * wrote and renders the full `status` from it (core/v1 PodStatus: phase, conditions, podIP,
 * containerStatuses with state / lastState / ready / started / restartCount). Pure: the caller
 * passes the time (simulated ms) and writes the rendered status.
 */
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { rfc3339 } from '../../../fake-apiserver/api/index.ts';

/** One of the three states of a container (core/v1 ContainerState). */
export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; reason: string; startedAt: string; finishedAt: string } };

/** The kubelet's view of one container. */
export interface ContainerRecord {
  name: string;
  image: string;
  state: ContainerState;
  lastState?: ContainerState;
  ready: boolean;
  started: boolean;
  restartCount: number;
}

/** Where the pod's containers are, as the stage selectors see it (`.kubelet.containers`). */
export type ContainersPhase = 'none' | 'waiting' | 'running' | 'exited' | 'terminated' | 'stopped';

/** The kubelet's record of one pod (by uid). */
export interface PodRecord {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  containersPhase: ContainersPhase;
  podIP?: string;
  startTime?: string;
  /** When the current run of the containers started (simulated ms). */
  runStartedMs?: number;
  containers: ContainerRecord[];
  /** Ephemeral containers the kubelet started (`kubectl debug`), in start order. */
  ephemeral: ContainerRecord[];
  /** Condition type → status and last transition (rfc3339). */
  conditions: Map<string, { status: 'True' | 'False'; at: string; reason?: string }>;
  /** Bumped on every transition: stages counted from when they matched start over. */
  epoch: number;
  /** resourceVersion of the last status write: the cache must reach it before the next stage. */
  writtenRv: number;
  /** The waiting message shown now (`mount-failed`, `config-error`): a changed cause shows again. */
  shown?: string;
  /** The image pull failure shown now (`image-pull-failed`, `image-pull-back-off`); cleared when the containers start. */
  pull?: 'ErrImagePull' | 'ImagePullBackOff';
}

/** A new record for `pod` (nothing written yet). */
export function newRecord(pod: KubeObject): PodRecord {
  return {
    phase: 'Pending',
    containersPhase: 'none',
    containers: ((pod.spec?.containers ?? []) as { name: string; image: string }[]).map((c) => ({
      name: c.name,
      image: c.image,
      state: { waiting: { reason: 'ContainerCreating' } },
      ready: false,
      started: false,
      restartCount: 0,
    })),
    ephemeral: [],
    conditions: new Map(),
    epoch: 0,
    writtenRv: 0,
  };
}

function setCondition(rec: PodRecord, type: string, status: 'True' | 'False', now: string, reason?: string): void {
  const cur = rec.conditions.get(type);
  if (!cur || cur.status !== status) rec.conditions.set(type, { status, at: now, reason });
  else if (cur.reason !== reason) cur.reason = reason;
}

/** True when every readinessGate of the pod has its condition True in the pod's current status (others write them). */
export function gatesPass(pod: KubeObject): boolean {
  const gates = ((pod.spec?.readinessGates ?? []) as { conditionType: string }[]).map((g) => g.conditionType);
  const current = (pod.status?.conditions ?? []) as { type: string; status: string }[];
  return gates.every((t) => current.some((c) => c.type === t && c.status === 'True'));
}

/** True when the record's Ready condition no longer matches its ready containers and the pod's readinessGates. */
export function readyStale(rec: PodRecord, pod: KubeObject): boolean {
  const all = rec.containers.length > 0 && rec.containers.every((c) => c.ready);
  if (!all) return false;
  return (rec.conditions.get('Ready')?.status === 'True') !== gatesPass(pod);
}

/** Sets Ready / ContainersReady from the containers (and the pod's readinessGates, read from its current status). */
function syncReadiness(rec: PodRecord, pod: KubeObject, now: string): void {
  const all = rec.containers.length > 0 && rec.containers.every((c) => c.ready);
  setCondition(rec, 'ContainersReady', all ? 'True' : 'False', now, all ? undefined : 'ContainersNotReady');
  const ready = all && gatesPass(pod);
  setCondition(rec, 'Ready', ready ? 'True' : 'False', now, ready ? undefined : all ? 'ReadinessGatesNotReady' : 'ContainersNotReady');
}

/** What a template needs besides the record. */
export interface TemplateInput {
  pod: KubeObject;
  nowMs: number;
  /** `mount-failed` / `config-error` / `image-pull-failed`: the kubelet's message; `config-error` and the image pull templates also name the container (and its image). */
  message?: string;
  container?: string;
  image?: string;
  /** `start`: the pod IP to hand out. */
  podIP?: string;
  /** `exit`: the exit code of every container. */
  exitCode?: number;
  /** `exit`: the back-off the next restart waits (simulated ms; 0 = restart now, no CrashLoopBackOff). */
  backOffMs?: number;
  /** `exit`: false when the restartPolicy does not restart this exit (Never, or OnFailure with code 0). */
  willRestart?: boolean;
  /** `ephemeral-exit`: exit codes of the ephemeral containers whose process ended, by name. */
  ephemeralExits?: ReadonlyMap<string, number>;
}

/**
 * Applies a named transition to the record (mutates it; bumps `epoch`):
 * - `mount-failed`: Pending, containers waiting ContainerCreating.
 * - `config-error`: Pending, the named container waiting CreateContainerConfigError with the message, the others ContainerCreating.
 * - `image-pull-failed`: Pending, the named container waiting ErrImagePull with the pull error, the others ContainerCreating.
 * - `image-pull-back-off`: the same container waiting ImagePullBackOff, `Back-off pulling image "<image>": ErrImagePull: <error>`.
 * - `ephemeral-start`: the spec's new ephemeral containers running (never ready, never restarted).
 * - `ephemeral-exit`: the ephemeral containers of `ephemeralExits` terminated with their codes.
 * - `start`: Running with a podIP; containers running (started=false while a startupProbe is pending), not ready.
 * - `ready`: containers ready and started; Ready/ContainersReady True unless a readinessGate is not True.
 * - `exit`: containers terminated (exitCode, reason Completed/Error). Restarted later: the state is
 *   `waiting: CrashLoopBackOff` with the kubelet's message when a back-off applies, and the
 *   terminated state moves to lastState. Not restarted: phase Succeeded (all 0) or Failed.
 * - `liveness-kill`: as `exit` (the kubelet killed the containers after their livenessProbe failed).
 * - `restart`: containers running again with the spec's image, restartCount + 1, lastState = the exit
 *   (a container restarted while running, its image changed, ends with exit code 0, Completed).
 * - `stop` (graceful deletion): running containers terminated with exit code 0, phase Succeeded.
 */
export function applyTemplate(rec: PodRecord, template: string, t: TemplateInput): void {
  const now = rfc3339(t.nowMs);
  const { pod } = t;
  const ref = `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
  rec.epoch++;
  setCondition(rec, 'PodScheduled', 'True', now);
  switch (template) {
    case 'mount-failed':
    case 'config-error':
      rec.phase = 'Pending';
      rec.containersPhase = 'waiting';
      rec.startTime ??= now;
      rec.shown = t.message;
      setCondition(rec, 'Initialized', 'True', now);
      for (const c of rec.containers) {
        const failed = template === 'config-error' && (c.name === t.container || t.container === undefined);
        c.state = failed ? { waiting: { reason: 'CreateContainerConfigError', message: t.message } } : { waiting: { reason: 'ContainerCreating' } };
        c.ready = false;
      }
      break;
    case 'image-pull-failed':
    case 'image-pull-back-off': {
      rec.phase = 'Pending';
      rec.containersPhase = 'waiting';
      rec.startTime ??= now;
      rec.pull = template === 'image-pull-failed' ? 'ErrImagePull' : 'ImagePullBackOff';
      setCondition(rec, 'Initialized', 'True', now);
      const waiting = template === 'image-pull-failed'
        ? { reason: 'ErrImagePull', message: t.message }
        : { reason: 'ImagePullBackOff', message: `Back-off pulling image ${JSON.stringify(t.image ?? '')}: ErrImagePull: ${t.message ?? ''}` };
      for (const c of rec.containers) {
        c.state = c.name === t.container ? { waiting } : { waiting: { reason: 'ContainerCreating' } };
        c.ready = false;
      }
      break;
    }
    case 'ephemeral-start':
      for (const c of (pod.spec?.ephemeralContainers ?? []) as { name: string; image: string }[]) {
        if (rec.ephemeral.some((e) => e.name === c.name)) continue;
        rec.ephemeral.push({ name: c.name, image: c.image, state: { running: { startedAt: now } }, ready: false, started: true, restartCount: 0 });
      }
      break;
    case 'ephemeral-exit':
      for (const e of rec.ephemeral) {
        const code = t.ephemeralExits?.get(e.name);
        if (code === undefined || !('running' in e.state)) continue;
        e.state = { terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAt: e.state.running.startedAt, finishedAt: now } };
        e.started = false;
      }
      break;
    case 'start': {
      rec.phase = 'Running';
      rec.pull = undefined;
      rec.containersPhase = 'running';
      rec.podIP ??= t.podIP;
      rec.startTime ??= now;
      rec.runStartedMs = t.nowMs;
      setCondition(rec, 'Initialized', 'True', now);
      const specs = (pod.spec?.containers ?? []) as { name: string; image?: string; startupProbe?: object }[];
      for (const c of rec.containers) {
        c.image = specs.find((s) => s.name === c.name)?.image ?? c.image;
        c.state = { running: { startedAt: now } };
        c.ready = false;
        c.started = !specs.find((s) => s.name === c.name)?.startupProbe;
      }
      break;
    }
    case 'ready':
      for (const c of rec.containers) {
        c.ready = true;
        c.started = true;
      }
      break;
    case 'exit':
    case 'liveness-kill': {
      const code = t.exitCode ?? 0;
      const willRestart = t.willRestart ?? false;
      rec.containersPhase = willRestart ? 'exited' : 'terminated';
      for (const c of rec.containers) {
        const startedAt = 'running' in c.state ? c.state.running.startedAt : now;
        const terminated: ContainerState = { terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAt, finishedAt: now } };
        c.ready = false;
        c.started = false;
        if (willRestart && (t.backOffMs ?? 0) > 0) {
          c.lastState = terminated;
          c.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(t.backOffMs! / 1000)}s restarting failed container=${c.name} pod=${ref}` } };
        } else {
          c.state = terminated;
        }
      }
      if (!willRestart) rec.phase = code === 0 ? 'Succeeded' : 'Failed';
      break;
    }
    case 'restart': {
      rec.containersPhase = 'running';
      rec.runStartedMs = t.nowMs;
      const specs = (pod.spec?.containers ?? []) as { name: string; image?: string }[];
      for (const c of rec.containers) {
        // A running container is restarted because its spec changed (a new image): it was stopped gracefully.
        if ('running' in c.state) c.lastState = { terminated: { exitCode: 0, reason: 'Completed', startedAt: c.state.running.startedAt, finishedAt: now } };
        if ('terminated' in c.state) c.lastState = c.state;
        c.image = specs.find((s) => s.name === c.name)?.image ?? c.image;
        c.state = { running: { startedAt: now } };
        c.restartCount++;
        c.ready = false;
        c.started = !((pod.spec?.containers ?? []) as { name: string; startupProbe?: object }[]).find((s) => s.name === c.name)?.startupProbe;
      }
      break;
    }
    case 'stop':
      rec.containersPhase = 'stopped';
      for (const c of rec.containers) {
        if ('running' in c.state) c.state = { terminated: { exitCode: 0, reason: 'Completed', startedAt: c.state.running.startedAt, finishedAt: now } };
        c.ready = false;
      }
      if (rec.phase === 'Running' || rec.phase === 'Pending') {
        const codes = rec.containers.map((c) => ('terminated' in c.state ? c.state.terminated.exitCode : 0));
        rec.phase = codes.every((c) => c === 0) ? 'Succeeded' : 'Failed';
      }
      break;
    default:
      throw new Error(`kubelet: unknown status template ${JSON.stringify(template)}`);
  }
  syncReadiness(rec, pod, now);
}

/**
 * The pod status the record stands for (the body of the kubelet's status write). Conditions of
 * other types in `current` (readinessGates' conditions, written by other controllers) are kept.
 */
export function renderStatus(rec: PodRecord, hostIP: string, current: readonly { type: string }[] = []): Record<string, unknown> {
  const order = ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'];
  const rank = (t: string) => (order.includes(t) ? order.indexOf(t) : order.length);
  const types = [...rec.conditions.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const status: Record<string, unknown> = { phase: rec.phase };
  if (rec.podIP) {
    status.podIP = rec.podIP;
    status.podIPs = [{ ip: rec.podIP }];
  }
  status.hostIP = hostIP;
  status.hostIPs = [{ ip: hostIP }];
  if (rec.startTime) status.startTime = rec.startTime;
  status.conditions = types.map((type) => {
    const c = rec.conditions.get(type)!;
    return c.reason ? { type, status: c.status, reason: c.reason, lastTransitionTime: c.at } : { type, status: c.status, lastTransitionTime: c.at };
  });
  (status.conditions as unknown[]).push(...current.filter((c) => !rec.conditions.has(c.type)));
  const render = (c: ContainerRecord) => ({
    name: c.name,
    image: c.image,
    ready: c.ready,
    restartCount: c.restartCount,
    started: c.started,
    state: c.state,
    ...(c.lastState ? { lastState: c.lastState } : {}),
  });
  status.containerStatuses = rec.containers.map(render);
  if (rec.ephemeral.length > 0) status.ephemeralContainerStatuses = rec.ephemeral.map(render);
  return status;
}
