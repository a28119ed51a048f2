/**
 * Loads the Cedar engine from the CedarPolicy objects in `lattice-system` (reference §3.3). The engine
 * is rebuilt when one of them changed (cache keyed by name + resourceVersion). `epoch` increments on
 * every reload: on a change, and — like the reference operator, which reloads every 60 s
 * (`crates/lattice-operator/src/main.rs:712-760`, `crates/lattice-cedar/src/engine.rs:298-343`) — at
 * least once per `reloadIntervalMs` when callers pass the time. The mesh-member controller re-applies
 * a member's policies whenever the epoch moved since it last did, which is what repairs drift
 * (fidelity row "Drift repair").
 */
import type { KubeReader } from '../../fake-apiserver/api/index.ts';
import { CedarEngine } from '../cedar/index.ts';
import { CedarPolicyType, LATTICE_SYSTEM_NAMESPACE } from '../crds/types.ts';
import type { CedarPolicy } from '../crds/types.ts';

/** The reference operator's periodic Cedar reload, in ms. */
export const DEFAULT_CEDAR_RELOAD_INTERVAL_MS = 60_000;

/** Options of a {@link CedarLoader}. */
export interface CedarLoaderOptions {
  /** Periodic reload (epoch bump) in ms; 0 = reload only when a CedarPolicy changed. Default 60 000. */
  reloadIntervalMs?: number;
}

/** A cached engine loader shared by the controllers of one platform instance. */
export class CedarLoader {
  private key = '';
  private engine: CedarEngine = CedarEngine.fromPolicies([]);
  private lastReloadMs: number | undefined;
  private readonly reloadIntervalMs: number;
  /** Number of reloads so far. */
  epoch = 0;

  constructor(
    private readonly client: KubeReader,
    opts: CedarLoaderOptions = {},
  ) {
    this.reloadIntervalMs = opts.reloadIntervalMs ?? DEFAULT_CEDAR_RELOAD_INTERVAL_MS;
  }

  /**
   * The engine for the current policies (lists CedarPolicies; rebuilds on change). `nowMs` (the
   * caller's clock, ms): when at least `reloadIntervalMs` passed since the last reload, this call
   * reloads (bumps `epoch`) even if nothing changed. Without `nowMs` only changes reload.
   */
  async load(nowMs?: number): Promise<CedarEngine> {
    const list = await this.client.list<CedarPolicy>(CedarPolicyType, { namespace: LATTICE_SYSTEM_NAMESPACE });
    const key = list.items.map((p) => `${p.metadata.name}@${p.metadata.resourceVersion}`).join(',');
    const due = nowMs !== undefined && this.reloadIntervalMs > 0 && (this.lastReloadMs === undefined || nowMs - this.lastReloadMs >= this.reloadIntervalMs);
    if (key !== this.key) {
      this.key = key;
      this.engine = CedarEngine.fromPolicies(list.items);
    } else if (!due) {
      return this.engine;
    }
    this.epoch++;
    if (nowMs !== undefined) this.lastReloadMs = nowMs;
    return this.engine;
  }
}
