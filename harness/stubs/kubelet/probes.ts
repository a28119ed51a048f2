/**
 * Readiness from probes (Kubernetes: "Configure Liveness, Readiness and Startup Probes"; the
 * kubelet's prober worker). A probe worker starts with the container and probes at once, then every
 * `periodSeconds`; a probe before `initialDelaySeconds` has passed is skipped. A container with no
 * readinessProbe is ready as soon as it has started. A startupProbe holds readiness (and liveness)
 * back: until it succeeds the readiness worker's ticks are ignored, and the container's `started`
 * stays false. Readiness needs `successThreshold` consecutive successes. Simulated probes always
 * succeed (a failing container is modelled by a crash-loop fault, see `faults.ts`). Times in ms.
 */

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
