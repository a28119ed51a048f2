/**
 * Simulated metrics (what metrics-server and KEDA's metrics adapter would answer), driven by the
 * World as data: `set('ns/deployment', 'cpu', 0.9)` now, or a load schedule
 * `[{ atMs, target, metric, value }]` (atMs = simulated ms since the World started). Two families:
 * - resource metrics `cpu`, `memory`: the utilisation of *each* ready pod of the target, as a
 *   fraction of its request (0.9 = 90 %); every pod of the target sees the same value;
 * - any other name (`kv-cache`, `queue-length` ...): one value for the whole target, as a KEDA
 *   scaler's query returns it (the HPA divides it by the replica count for AverageValue targets).
 * External metric names served to the HPA (`s0-kv-cache`) are mapped to (target, metric) by the KEDA
 * operator ({@link SimulatedMetrics.serveExternal}), the way KEDA's adapter answers for its ScaledObjects.
 * metrics-server's stub (`metrics-server/`) reports `cpu` / `memory` × each container's request as
 * its usage (`kubectl top`), with documented defaults where nothing is set.
 * No randomness: values are exactly what was set.
 */
import type { Clock, KubeObject } from '../../fake-apiserver/api/index.ts';

/**
 * The resource metrics API (`metrics.k8s.io`) as the HPA reads it: the PodMetrics of a pod
 * (containers' `usage.cpu` / `usage.memory` quantities), undefined when metrics-server has none for it.
 */
export interface ResourceMetricsApi {
  podMetrics(pod: KubeObject): KubeObject | undefined;
}

/** One point of a load schedule. */
export interface MetricPoint {
  /** Simulated ms since the World started. */
  atMs: number;
  /** `ns/deployment`. */
  target: string;
  metric: string;
  value: number;
}

/** The World's metric values, by target and name. */
export class SimulatedMetrics {
  private readonly values = new Map<string, number>();
  private readonly external = new Map<string, { target: string; metric: string }>();
  private resourceApi: ResourceMetricsApi | undefined;

  /** @param startMs the clock reading a schedule's `atMs` counts from. */
  constructor(
    private readonly clock: Clock,
    private readonly startMs: number = clock.now(),
  ) {}

  /** Sets `metric` of `target` (`ns/deployment`) from now on. */
  set(target: string, metric: string, value: number): void {
    if (!Number.isFinite(value)) throw new Error(`metrics.set ${target} ${metric}: value must be a finite number, got ${value}`);
    this.values.set(`${target}|${metric}`, value);
  }

  /** The current value of `metric` for `target`, or undefined when never set. */
  get(target: string, metric: string): number | undefined {
    return this.values.get(`${target}|${metric}`);
  }

  /** Applies each point at its time (points in the past apply now, in order). */
  schedule(points: readonly MetricPoint[]): void {
    for (const p of [...points].sort((a, b) => a.atMs - b.atMs)) {
      const inMs = this.startMs + p.atMs - this.clock.now();
      if (inMs <= 0) this.set(p.target, p.metric, p.value);
      else this.clock.setTimer(inMs, () => this.set(p.target, p.metric, p.value));
    }
  }

  /**
   * Registers the resource metrics API (metrics-server's stub, once installed): where no value is set
   * for a workload, the HPA computes utilisation from what it reports, as a real HPA does.
   */
  serveResourceMetrics(api: ResourceMetricsApi | undefined): void {
    this.resourceApi = api;
  }

  /** The registered resource metrics API, or undefined (no metrics-server: a simulated run). */
  resourceMetrics(): ResourceMetricsApi | undefined {
    return this.resourceApi;
  }

  /** Serves external metric `name` of namespace `ns` from `metric` of `target` (KEDA's adapter). */
  serveExternal(ns: string, name: string, source: { target: string; metric: string }): void {
    this.external.set(`${ns}/${name}`, source);
  }

  /** Stops serving external metric `name` of `ns`. */
  stopServing(ns: string, name: string): void {
    this.external.delete(`${ns}/${name}`);
  }

  /** The value of external metric `name` of `ns`, or undefined (not served, or its source never set). */
  externalValue(ns: string, name: string): number | undefined {
    const src = this.external.get(`${ns}/${name}`);
    return src && this.get(src.target, src.metric);
  }
}
