/**
 * Cluster backends share one interface (STYLE.md rule 22; KWOK runtime registry): `available()` says
 * why a backend cannot run here (e.g. "no Docker engine"), so tests skip with that reason instead of
 * failing. Replays run the same scenarios against any backend's kubeconfig.
 */

/** A place to run scenarios: the simulator, a kind cluster, k3s in a container, or any kubeconfig. */
export interface ClusterRuntime {
  name: string;
  /** undefined when usable; otherwise the reason in words. */
  available(): Promise<string | undefined>;
  up(): Promise<void>;
  down(): Promise<void>;
  /** Path of the kubeconfig to reach the cluster. */
  kubeconfig(): string;
}
