/**
 * Wiring of a random topology (reference §5.6 "Wiring"): places the present slots into layers, names
 * them, and derives every declaration from the slot draws. Pure functions of the draws: removing a slot
 * never changes the declarations between the remaining ones (only their layers and names may move).
 */
import type { TopologyService } from '../topology.ts';
import { serviceKey } from '../topology.ts';
import { layerOfEach, layerSizes, serviceName } from './layers.ts';
import type { SlotDraws } from './slot.ts';

/** The first port of every server of a random topology (reference §5.2: nginx on 8080 behind port 80). */
export const SERVER_PORT = Object.freeze({ name: 'http', port: 80, targetPort: 8080 });
/**
 * The ports a server takes, in order, as many as its slot draws (`maxPortsPerService`): named, each
 * Service port different from its target port. No port is named `metrics` (that name adds an implicit
 * caller, reference §4.1).
 */
export const SERVER_PORTS = Object.freeze([SERVER_PORT, Object.freeze({ name: 'grpc', port: 9090, targetPort: 50051 }), Object.freeze({ name: 'admin', port: 8081, targetPort: 9901 })]);

/** Namespace of index `i`: `namespace` itself for 0, else `<namespace>-<i + 1>`. */
export const namespaceName = (namespace: string, i: number): string => (i === 0 ? namespace : `${namespace}-${i + 1}`);

/** A present slot with its layer and name. */
export interface PlacedSlot {
  slot: number;
  layer: number;
  name: string;
}

/**
 * Input: present slot indices (ascending), layer count, sizing draws. Output: one {@link PlacedSlot} per
 * present slot, in slot order; names `<prefix>-<i>` with `i` the 0-based index within the layer.
 */
export function placeSlots(present: readonly number[], layers: number, layerDraws: readonly number[]): PlacedSlot[] {
  if (present.length === 0) return [];
  const layerOf = layerOfEach(layerSizes(present.length, layers, layerDraws));
  const seen = new Map<number, number>();
  return present.map((slot, i) => {
    const layer = layerOf[i];
    const index = seen.get(layer) ?? 0;
    seen.set(layer, index + 1);
    return { slot, layer, name: serviceName(layer, index) };
  });
}

/**
 * Declarations of the placed services. Layer 0 = traffic generators (no ports); every other layer =
 * servers with {@link SERVER_PORT}, wildcard when their slot draws it. Caller a declares outbound to
 * callee b (b in a later layer) when `slots[a].outbound[b]`; b then declares inbound from a when it is
 * not wildcard and `slots[b].reciprocate[a]` (a declared outbound) or `slots[b].inboundOnly[a]` (a did
 * not: one-sided from the callee side). Mesh features (kind, service account, ambient, depends-all,
 * replicas, creation time) come from the slot's own draws.
 * A service lives in namespace `namespaceName(namespace, slots[s].namespace ?? 0)` and a server has the
 * first `slots[s].ports ?? 1` of {@link SERVER_PORTS}.
 * Input: placed slots, the draws of every slot (indexed by slot), the first namespace. Output: services
 * in placed order; outbound and inbound lists follow that order.
 */
export function wireServices(placed: readonly PlacedSlot[], slots: readonly SlotDraws[], namespace: string): TopologyService[] {
  const services: TopologyService[] = placed.map((p) => ({
    namespace: namespaceName(namespace, slots[p.slot].namespace ?? 0),
    name: p.name,
    layer: p.layer,
    ports: p.layer === 0 ? [] : SERVER_PORTS.slice(0, slots[p.slot].ports ?? 1).map((q) => ({ ...q })),
    outbound: [],
    inbound: [],
    wildcardInbound: p.layer > 0 && slots[p.slot].wildcard,
    ...meshFeatures(p, slots[p.slot]),
  }));
  for (let a = 0; a < placed.length; a++) {
    for (let b = 0; b < placed.length; b++) {
      if (placed[b].layer <= placed[a].layer) continue;
      const outbound = slots[placed[a].slot].outbound[placed[b].slot];
      if (outbound) services[a].outbound.push(serviceKey(services[b]));
      if (services[b].wildcardInbound) continue;
      // The callee names the caller: reciprocating its outbound, or one-sided (the caller never asked).
      const named = outbound ? slots[placed[b].slot].reciprocate[placed[a].slot] : (slots[placed[b].slot].inboundOnly?.[placed[a].slot] ?? false);
      if (named) services[b].inbound.push(serviceKey(services[a]));
    }
  }
  return services;
}

/**
 * External egress targets a mesh-member draws from (documentation addresses, RFC 2606 / RFC 5737): an
 * FQDN on 443 and a CIDR on 8443.
 */
export const EXTERNAL_EGRESS = Object.freeze([Object.freeze({ fqdn: 'api.partner.example', port: 443 }), Object.freeze({ cidr: '203.0.113.0/24', port: 8443 })]);

/** ServiceAccount of a mesh-member drawn to run as another account than its name. */
export const serviceAccountName = (name: string): string => `${name}-sa`;

/**
 * The mesh-feature fields of one placed slot: only those that differ from their default are set, so a
 * topology drawn with every feature off is the same object as before the features existed.
 * A service account and `ambient: false` apply to mesh-members only (a LatticeService always runs as
 * its name and is ambient, reference §2.5, §2.6).
 */
function meshFeatures(p: PlacedSlot, d: SlotDraws): Partial<TopologyService> {
  const member = d.meshMember === true;
  return {
    ...(member ? { kind: 'mesh-member' as const } : {}),
    ...(member && d.customServiceAccount ? { serviceAccount: serviceAccountName(p.name) } : {}),
    ...(member && d.nonAmbient ? { ambient: false } : {}),
    ...(d.dependsAll ? { dependsAll: true } : {}),
    ...(d.multiReplica && d.replicaCount !== undefined ? { replicas: d.replicaCount } : {}),
    ...(d.staggered && d.createdAtMs !== undefined && d.createdAtMs > 0 ? { createdAtMs: d.createdAtMs } : {}),
    ...(member && d.externalEgress && d.egressTarget !== undefined ? { egress: [{ ...EXTERNAL_EGRESS[d.egressTarget % EXTERNAL_EGRESS.length] }] } : {}),
  };
}
