/**
 * Loads the Cedar engine from the CedarPolicy objects in `lattice-system` (reference §3.3), rebuilt
 * only when one of them changed (cache keyed by name + resourceVersion). `epoch` increments on every
 * rebuild and feeds the mesh-member edge hash, like the reference's reload epoch.
 */
import type { KubeReader } from '../../fake-apiserver/api/index.ts';
import { CedarEngine } from '../cedar/index.ts';
import { CedarPolicyType, LATTICE_SYSTEM_NAMESPACE } from '../crds/types.ts';
import type { CedarPolicy } from '../crds/types.ts';

/** A cached engine loader shared by the controllers of one platform instance. */
export class CedarLoader {
  private key = '';
  private engine: CedarEngine = CedarEngine.fromPolicies([]);
  /** Number of rebuilds so far. */
  epoch = 0;

  constructor(private readonly client: KubeReader) {}

  /** The engine for the current policies (lists CedarPolicies; rebuilds on change). */
  async load(): Promise<CedarEngine> {
    const list = await this.client.list<CedarPolicy>(CedarPolicyType, { namespace: LATTICE_SYSTEM_NAMESPACE });
    const key = list.items.map((p) => `${p.metadata.name}@${p.metadata.resourceVersion}`).join(',');
    if (key !== this.key) {
      this.key = key;
      this.engine = CedarEngine.fromPolicies(list.items);
      this.epoch++;
    }
    return this.engine;
  }
}
