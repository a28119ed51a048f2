/**
 * Probes of a random topology (reference §5.6 "Negatives", extended to every service): each service
 * probes every target it declares outbound to, up to `negativesPerLayer` non-dependencies in each later
 * layer, and one same-layer peer when its layer has >= 2 services. Targets are picked by the caller's
 * rank draws, which never shrink, so probes follow the services and declarations as they shrink.
 * A target with several Service ports is probed once per port (`port` set); a target with one port or
 * none is probed once, without `port` (its only port, as before ports were drawn).
 */
import type { TopologyProbe, TopologyService } from '../topology.ts';
import { serviceKey } from '../topology.ts';
import type { SlotDraws } from './slot.ts';
import type { PlacedSlot } from './wiring.ts';

/**
 * Input: placed slots, their wired services (same order), every slot's draws, the per-layer negative cap.
 * Output: probes in service order: declared targets, then negatives layer by layer, then the peer.
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
    for (const to of services[i].outbound) push(from, to);
    const declared = new Set(services[i].outbound);
    for (let layer = placed[i].layer + 1; layer <= maxLayer; layer++) {
      const candidates = placed.map((_, j) => j).filter((j) => placed[j].layer === layer && !declared.has(serviceKey(services[j])));
      for (const j of candidates.sort(byRank).slice(0, negativesPerLayer)) push(from, serviceKey(services[j]));
    }
    const peers = placed.map((_, j) => j).filter((j) => j !== i && placed[j].layer === placed[i].layer);
    if (peers.length > 0) push(from, serviceKey(services[peers.sort(byRank)[0]]));
  }
  return probes;
}
