/**
 * The Cluster contract (DESIGN.md "Core contracts", in the spirit of controller-runtime's
 * `cluster.Cluster`): what the case runner, the verifier and the scenarios see of a cluster — a
 * client, a reader over its cache, a REST mapper, a clock that can be waited on, and a source of traffic
 * observations. `World` is the simulated one (the evaluator decides each probe); a kubeconfig-backed
 * one (clusters/) reads pod logs of real curl loops. The verifier reads nothing else, so it runs
 * unchanged against either.
 */
import type { Clock, KubeClient, KubeObject, ListOptions, StatusError, TypeRef } from '../fake-apiserver/api/index.ts';
import type { Verdict } from './evaluator/index.ts';
import type { GeneratorTarget } from './traffic/generator.ts';

/** A kind's resource as discovery serves it (Kubernetes API concepts: resources and kinds). */
export interface ResourceMapping {
  group: string;
  version: string;
  /** Plural, lower case: `deployments`. */
  resource: string;
  kind: string;
  namespaced: boolean;
}

/** kind ↔ resource (controller-runtime `meta.RESTMapper`). */
export interface RestMapper {
  /** The resource of a kind, or undefined when the cluster does not serve it. */
  resourceFor(type: TypeRef): ResourceMapping | undefined;
  /** The kind served as `resource` in `group` (any served version), or undefined. */
  kindFor(group: string, resource: string): ResourceMapping | undefined;
}

/** Reads the cluster's current state from its cache (synchronous: a snapshot, never a request). */
export interface ClusterReader {
  /** Objects of a kind, filtered like a list request (namespace, label and field selectors). */
  list<T extends KubeObject = KubeObject>(type: TypeRef, opts?: ListOptions): readonly T[];
  /**
   * A number that changes whenever anything in the cache changed (simulation: the store's global
   * resourceVersion), so a poll can skip work when nothing happened.
   */
  revision(): number;
}

/** A user object the API server refused, with the Status it answered. */
export interface ApplyFailure {
  object: KubeObject;
  error: StatusError;
}

/** One finished traffic cycle: when (ms on the cluster's clock) and, where the source knows it, each probe's verdict in detail. */
export interface ObservedCycle {
  startMs: number;
  endMs: number;
  /** Probe id → the dataplane's verdict (layer, policy, reason). Simulation only: real curl loops report ALLOWED / BLOCKED. */
  verdicts?: ReadonlyMap<string, Verdict>;
}

/** A running traffic generator for one source workload, writing the shared log format (harness/traffic/log-format.ts). */
export interface TrafficObservation {
  readonly from: string;
  /** The log lines so far, exactly as the generator printed them. */
  readonly log: readonly string[];
  /** False once the generator stopped for good (it was stopped, or its source has no pod to run in). */
  running(): boolean;
  /** Complete cycles that started at or after `sinceMs`. */
  countCyclesSince(sinceMs: number): number;
  /** The last complete cycle that started at or after `sinceMs`. */
  lastCycleSince(sinceMs: number): ObservedCycle | undefined;
  stop(): void;
}

/** Starts traffic generators (simulation: evaluator-judged; real cluster: a curl-loop pod whose logs are read). */
export interface TrafficSource {
  start(from: string, targets: readonly GeneratorTarget[]): TrafficObservation;
}

/** What the verifier and the scenarios see of a cluster. */
export interface Cluster {
  /** A short name for reports (`sim`, the kubeconfig context …). */
  readonly name: string;
  /** Writes (and reads that must be fresh) go through the API. */
  readonly client: KubeClient;
  /** Reads for polling, from the cluster's cache (simulation: the store itself; real cluster: informers). */
  readonly reader: ClusterReader;
  readonly restMapper: RestMapper;
  /** Simulated ms (VirtualClock) or wall ms (RealClock). */
  readonly clock: Clock;
  /**
   * Lets time pass until `untilMs` on the cluster's clock (simulation: runs every event due by
   * then; real cluster: sleeps). Never returns before `untilMs`.
   */
  advance(untilMs: number): Promise<void>;
  readonly traffic: TrafficSource;
  /** Creates user objects in dependency order; refused ones are returned with the Status, never thrown. */
  apply(objects: readonly KubeObject[]): Promise<ApplyFailure[]>;
  /** Things a person reading the report should know about this cluster (simulated backends, …). */
  notes(): string[];
  /** Stops what the cluster runs for the case (controllers and watches in simulation; nothing on a real cluster). */
  stop(): void;
}
