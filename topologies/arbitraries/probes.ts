/**
 * Probes of a random topology (reference §5.6 "Negatives", extended to every service): each service
 * probes every target it declares outbound to, up to `negativesPerLayer` non-dependencies in each later
 * layer, and one same-layer peer when its layer has >= 2 services. Targets are picked by the caller's
 * rank draws, which never shrink, so probes follow the services and declarations as they shrink.
 * A target with several Service ports is probed once per port (`port` set); a target with one port or
 * none is probed once, without `port` (its only port, as before ports were drawn). Every service that
 * names the caller as an allowed caller is probed too (so one-sided inbound declarations are judged),
 * and a depends-all caller probes every wildcard server, in any layer.
 */
import type { TopologyProbe, TopologyService } from '../topology.ts';
import { serviceKey } from '../topology.ts';
import type { SlotDraws } from './slot.ts';
import type { PlacedSlot } from './wiring.ts';

/**
 * Input: placed slots, their wired services (same order), every slot's draws, the per-layer negative cap.
 * Output: probes in service order: declared targets, then negatives layer by layer, then the peer, then
 * the services naming the caller and (depends-all) the wildcard servers not probed yet.
 * Every probe names two distinct services of the list.
 */
export function chooseProbes(placed: readonly PlacedSlot[], services: readonly TopologyService[], slots: readonly SlotDraws[], negativesPerLayer: number): TopologyProbe[] {
  const probes: TopologyProbe[] = [];
  const byKey = new Map(services.map((s) => [serviceKey(s), s]));
  const push = (from: string, to: string): void => {
    const ports = byKey.get(to)?.ports ?? [];
    if (ports.length <= 1) probes.push({ from, to });
    else for (const p of ports) probes.push({ from, to, port: p.port });
  };
  const maxLayer = placed.reduce((m, p) => Math.max(m, p.layer), 0);
  for (let i = 0; i < placed.length; i++) {
    const from = serviceKey(services[i]);
    const rank = slots[placed[i].slot].rank;
    const byRank = (a: number, b: number): number => rank[placed[a].slot] - rank[placed[b].slot] || placed[a].slot - placed[b].slot;
    // Targets in order, each once: declared, negatives, the peer, then (mesh features) every service
    // naming this one as a caller and, for a depends-all caller, every wildcard server.
    const targets = new Set<string>(services[i].outbound);
    const declared = new Set(services[i].outbound);
    for (let layer = placed[i].layer + 1; layer <= maxLayer; layer++) {
      const candidates = placed.map((_, j) => j).filter((j) => placed[j].layer === layer && !declared.has(serviceKey(services[j])));
      for (const j of candidates.sort(byRank).slice(0, negativesPerLayer)) targets.add(serviceKey(services[j]));
    }
    const peers = placed.map((_, j) => j).filter((j) => j !== i && placed[j].layer === placed[i].layer);
    if (peers.length > 0) targets.add(serviceKey(services[peers.sort(byRank)[0]]));
    for (let j = 0; j < services.length; j++) {
      if (j !== i && (services[j].inbound.includes(from) || (services[i].dependsAll === true && services[j].wildcardInbound))) targets.add(serviceKey(services[j]));
    }
    for (const to of targets) push(from, to);
  }
  return probes;
}
