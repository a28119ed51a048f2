/**
 * The contract of a seeded bug (DESIGN.md "Layout: harness/bugs"): a named, described change to what
 * the platform sees or writes, installed FROM OUTSIDE `platform/` through the seams a World exposes.
 * `platform/` carries no test hooks, so a bug is a wrapper around something the platform is given
 * (its KubeClient) or around the dependencies it runs on (the stubs' KubeClient), never a flag the
 * platform reads.
 */
import type { Clock, KubeClient } from '../../fake-apiserver/api/index.ts';
import type { ValidatingAdmissionExtension } from '../../fake-apiserver/index.ts';

/**
 * The part of the system a bug simulates a defect in (what a platform engineer would file it
 * under), not where the wrapper sits:
 * - `compiler`   — wrong objects out of the WorkloadCompiler or the mesh policy compiler;
 * - `mesh-graph` — wrong bilateral edges (who may call whom);
 * - `gates`      — a Cedar gate decides wrongly;
 * - `controller` — a reconcile step skipped, repeated or misordered;
 * - `status`     — phase / conditions that lie about what was applied;
 * - `lifecycle`  — creation, update and deletion ordering (finalizers, orphans, GC);
 * - `stubs`      — a dependency of the platform (kube-controller-manager, kubelet, ESO …) misbehaves.
 */
export type BugArea = 'compiler' | 'mesh-graph' | 'gates' | 'controller' | 'status' | 'lifecycle' | 'stubs';

/** Every {@link BugArea}, in the order listings print them. */
export const BUG_AREAS: readonly BugArea[] = ['compiler', 'mesh-graph', 'gates', 'controller', 'status', 'lifecycle', 'stubs'];

/** What a listing shows of a bug (`lattice-sim bugs`, reports): data only, no behaviour. */
export interface BugInfo<N extends string = string> {
  /** Stable kebab-case name, the value of `--inject-bug`; never renamed (old reproduce lines use it). */
  readonly name: N;
  /** One line, in platform-engineer words: what the platform gets wrong while this bug is on. */
  readonly description: string;
  /** The part of the platform the bug simulates a defect in. */
  readonly area: BugArea;
}

/**
 * The seams a World hands to bugs before it starts the platform. A bug returns the same shape with
 * some seams wrapped; seams it does not touch are returned as they came. New seams (the stubs'
 * client, the simulation profile …) are added here as new bug kinds need them; adding one changes
 * no existing bug.
 */
export interface BugSeams {
  /** The KubeClient every platform controller is constructed with (reads and writes of the system under test). */
  readonly platformClient: KubeClient;
  /**
   * The KubeClient the cluster stubs are constructed with: kube-controller-manager's controllers and
   * garbage collector, the kubelet, ESO. Their writes go through it; their reads come from the
   * World's informer cache, except the collector's live owner checks, which go through it too.
   */
  readonly stubsClient: KubeClient;
  /**
   * The validating admission extensions the World registers with its API server: the platform's
   * webhook (`validate.lattice.dev`, platform/install.ts `platformValidatingWebhook`); absent or empty
   * when the World runs without it. A bug may wrap or drop them (a webhook that admits everything).
   */
  readonly validatingAdmission?: readonly ValidatingAdmissionExtension[];
}

/** Read-only facts about the World a bug may use while installing itself. */
export interface BugContext {
  /** The World's clock (simulated ms); for bugs that act late or only once. */
  readonly clock: Clock;
}

/** A catalogue entry: {@link BugInfo} plus how to install it. */
export interface BugDefinition<N extends string = string> extends BugInfo<N> {
  /**
   * Installs the bug from outside the platform: returns `seams` with the bug's wrappers around
   * them. Pure apart from the wrappers it builds (no I/O at install time); never throws.
   */
  apply(seams: BugSeams, context: BugContext): BugSeams;
}
