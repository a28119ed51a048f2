/**
 * Simulated secret backends behind ClusterSecretStores. Values are generated the first time a
 * (store, key, property) is read, from that value's own one-off stream of the World's seed
 * (`secrets/` + store, key, property, NUL-separated), then kept: a run is reproducible and other
 * secrets never change a value. Values never leave the World: reports and logs only name stores and keys.
 */
import type { SeededRng } from '../../rng/index.ts';

/** One generated-value backend per store name. */
export class SimulatedSecretBackends {
  private readonly values = new Map<string, string>();
  /** Stores that specs named but no ClusterSecretStore object defined (reported, never silently assumed). */
  readonly undefinedStores = new Set<string>();
  /** Stores backed by a ClusterSecretStore object. */
  readonly definedStores = new Set<string>();

  constructor(private readonly rng: Pick<SeededRng, 'once'>) {}

  /** The value of `store`/`key`/`property` (generated on first read). */
  value(store: string, key: string, property: string): string {
    const id = `${store}\u0000${key}\u0000${property}`;
    let v = this.values.get(id);
    if (v === undefined) {
      v = this.rng.once(`secrets/${id}`).alnum(24);
      this.values.set(id, v);
    }
    return v;
  }

  /** Properties of a whole remote key (bulk `dataFrom.extract`): the ones already read, or `password` and `username`. */
  properties(store: string, key: string): string[] {
    const prefix = `${store}\u0000${key}\u0000`;
    const known = [...this.values.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    return known.length ? known.sort() : ['password', 'username'];
  }
}
