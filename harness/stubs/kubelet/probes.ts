/**
 * Readiness from probes (Kubernetes: "Configure Liveness, Readiness and Startup Probes"; the
 * kubelet's prober worker). A probe worker starts with the container and probes at once, then every
 * `periodSeconds`; a probe before `initialDelaySeconds` has passed is skipped. A container with no
 * readinessProbe is ready as soon as it has started. A startupProbe holds readiness (and liveness)
 * back: until it succeeds the readiness worker's ticks are ignored, and the container's `started`
 * stays false. Readiness needs `successThreshold` consecutive successes. Readiness and startup
 * probes always succeed. A livenessProbe fails ({@link livenessFailure}) where the model can tell:
 * an `exec` command of the one-shot program model (container-program.ts) exiting non-zero, or an
 * `httpGet` / `tcpSocket` on a numeric port no container of the pod declares while some are declared
 * (the connection is refused, as `kubectl port-forward` finds it); every other probe succeeds. The
 * kubelet kills the container after `failureThreshold` consecutive failures. Times in ms.
 */
import { containerProgram } from './container-program.ts';

/** The probe fields this model reads (core/v1 Probe). */
export interface ProbeTiming {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
}

/** The container fields this model reads. */
export interface ProbedContainer {
  readinessProbe?: ProbeTiming;
  startupProbe?: ProbeTiming;
}

/** A livenessProbe (core/v1 Probe: its handler and timing). */
interface LivenessProbe extends ProbeTiming {
  failureThreshold?: number;
  exec?: { command?: unknown };
  httpGet?: { port?: number | string; path?: string; host?: string; scheme?: string };
  tcpSocket?: { port?: number | string; host?: string };
}

interface LivenessContainer extends ProbedContainer {
  name: string;
  livenessProbe?: LivenessProbe;
  ports?: { containerPort?: number }[];
}

/** A container's failing liveness probe: when the kubelet kills it and what its Events say. */
export interface LivenessFailure {
  container: string;
  /** Simulated ms after the container started at which the last failure before the kill happens. */
  afterMs: number;
  /** The probe's failure output (`Liveness probe failed: <this>`). */
  message: string;
  failureThreshold: number;
  /** The killed container's exit code: 137 (SIGKILL once the grace period is over: the model does not tell a program that exits on SIGTERM). */
  exitCode: number;
}

/** The probe's failure output, or undefined when it succeeds (see the module docstring). */
function probeFailure(probe: LivenessProbe, pod: { podIP: string; hostname: string; declaredPorts: ReadonlySet<number> }): string | undefined {
  if (probe.exec) {
    const program = containerProgram({ command: probe.exec.command }, pod.hostname);
    if (!program || program.exitCode === 0) return undefined;
    return program.output.map((o) => o.text).join('').trimEnd();
  }
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
  if (typeof port !== 'number' || pod.declaredPorts.size === 0 || pod.declaredPorts.has(port)) return undefined;
  const host = probe.httpGet?.host ?? probe.tcpSocket?.host ?? pod.podIP;
  const refused = `dial tcp ${host}:${port}: connect: connection refused`;
  if (!probe.httpGet) return refused;
  const scheme = (probe.httpGet.scheme ?? 'HTTP').toLowerCase();
  const path = probe.httpGet.path ?? '';
  return `Get "${scheme}://${host}:${port}${path.startsWith('/') || path === '' ? path : `/${path}`}": ${refused}`;
}

/**
 * The first container of the pod whose livenessProbe fails (see the module docstring), with the time
 * of its `failureThreshold`-th failure: the probe's first tick at or after `initialDelaySeconds` (and
 * the startup probe's success), then one per `periodSeconds`. Undefined when every probe succeeds.
 */
export function livenessFailure(containers: readonly LivenessContainer[], podIP: string, hostname: string): LivenessFailure | undefined {
  const declaredPorts = new Set(containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort).filter((p): p is number => typeof p === 'number')));
  for (const c of containers) {
    const probe = c.livenessProbe;
    if (!probe) continue;
    const message = probeFailure(probe, { podIP, hostname, declaredPorts });
    if (message === undefined) continue;
    const period = periodMs(probe);
    const failureThreshold = Math.max(1, probe.failureThreshold ?? 3);
    const first = firstTickAtOrAfter(Math.max((probe.initialDelaySeconds ?? 0) * 1000, startupSucceedsAfterMs(c)), period);
    return { container: c.name, afterMs: first + (failureThreshold - 1) * period, message, failureThreshold, exitCode: 137 };
  }
  return undefined;
}

const periodMs = (p: ProbeTiming) => Math.max(1, p.periodSeconds ?? 10) * 1000;

/** First tick of a worker started at 0 with `period` at or after `fromMs`. */
const firstTickAtOrAfter = (fromMs: number, period: number) => Math.ceil(fromMs / period) * period;

/** Simulated ms after the container started at which its startupProbe first succeeds (0 without one). */
export function startupSucceedsAfterMs(c: ProbedContainer): number {
  const p = c.startupProbe;
  return p ? firstTickAtOrAfter((p.initialDelaySeconds ?? 0) * 1000, periodMs(p)) : 0;
}

/**
 * Simulated ms after the container started at which it becomes ready: with a readinessProbe, the
 * first readiness tick at or after both `initialDelaySeconds` and the startup probe's success,
 * plus `successThreshold − 1` more periods; without one, when the startup probe succeeds (0 with
 * neither). The profile's readiness latency is added by the kubelet stage, not here.
 */
export function readyAfterMs(c: ProbedContainer): number {
  const started = startupSucceedsAfterMs(c);
  const p = c.readinessProbe;
  if (!p) return started;
  const period = periodMs(p);
  const first = firstTickAtOrAfter(Math.max((p.initialDelaySeconds ?? 0) * 1000, started), period);
  return first + (Math.max(1, p.successThreshold ?? 1) - 1) * period;
}

/** The pod's wait for readiness (simulated ms after its containers started): its slowest container. */
export function podReadyAfterMs(containers: readonly ProbedContainer[]): number {
  return containers.reduce((m, c) => Math.max(m, readyAfterMs(c)), 0);
}
