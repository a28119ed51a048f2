/**
 * Fleets of any size in the shop's shape (examples/shop: servers calling each other through bilateral
 * declarations, with the odd one-sided declaration), generated from a count, for scale benches and
 * tests. No randomness: the fleet is a function of (services, options).
 */
import type { Topology, TopologyService } from './topology.ts';
import { serviceKey } from './topology.ts';

/** Options of {@link shopShapedFleet}. */
export interface ShopShapedFleetOptions {
  /** Services per namespace. @defaultValue 10 */
  perNamespace?: number;
  /** Callee offsets (service index + offset, modulo the fleet size): one bilateral dependency each. @defaultValue [1, 4, 37] */
  offsets?: readonly number[];
  /** Every `oneSidedEvery`-th service also declares outbound to index + 7 with no inbound on the callee (storefront → checkout in the shop). 0 = never. @defaultValue 10 */
  oneSidedEvery?: number;
}

/**
 * A fleet of `services` servers (port `http` 8080), `perNamespace` to a namespace (`fleet-000`, …),
 * named `svc-00000` …. Service i declares outbound to i + each offset and each of those callees
 * declares inbound from i (fan-out 3 bilateral dependencies with the default offsets); every
 * `oneSidedEvery`-th service adds a one-sided outbound. `probes` is empty: fleets are judged on the
 * matrix or a sample of it (oracle-sampling.ts `expectedProbes`), never on `topology.probes`.
 */
export function shopShapedFleet(services: number, opts: ShopShapedFleetOptions = {}): Topology {
  const perNamespace = opts.perNamespace ?? 10;
  const offsets = opts.offsets ?? [1, 4, 37];
  const oneSidedEvery = opts.oneSidedEvery ?? 10;
  const width = String(Math.max(0, services - 1)).length;
  const nsWidth = Math.max(3, String(Math.floor(Math.max(0, services - 1) / perNamespace)).length);
  const all: TopologyService[] = Array.from({ length: services }, (_, i) => ({
    namespace: `fleet-${String(Math.floor(i / perNamespace)).padStart(nsWidth, '0')}`,
    name: `svc-${String(i).padStart(Math.max(5, width), '0')}`,
    layer: 1,
    ports: [{ name: 'http', port: 8080 }],
    outbound: [],
    inbound: [],
    wildcardInbound: false,
  }));
  const keys = all.map(serviceKey);
  all.forEach((s, i) => {
    const callees = new Set(offsets.map((o) => (i + o) % services).filter((j) => j !== i));
    for (const j of callees) {
      s.outbound.push(keys[j]);
      all[j].inbound.push(keys[i]);
    }
    const oneSided = (i + 7) % services;
    if (oneSidedEvery > 0 && i % oneSidedEvery === 0 && oneSided !== i && !callees.has(oneSided)) s.outbound.push(keys[oneSided]);
  });
  for (const s of all) {
    s.outbound.sort();
    s.inbound.sort();
  }
  return { name: `shop-shaped-${services}`, services: all, probes: [] };
}
