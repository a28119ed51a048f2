/**
 * DelayGate: makes a stub's reaction to a new desired state land after a drawn delay, the way
 * KWOK stages delay a transition. The first time an object is seen in a state, a due time
 * `now + delay` is drawn from that object's own stream `<purpose>/<ns>/<name>` (DESIGN.md
 * "Randomness"), so other objects coming or going never change its draws; later calls answer how
 * long is left. Times are simulated ms.
 */
import type { Clock } from '../../fake-apiserver/api/index.ts';
import type { StreamSource } from '../rng/index.ts';
import type { Delay } from '../profile.ts';

/** Per-object due times for the current state of each object. */
export class DelayGate {
  private readonly due = new Map<string, { state: string; dueMs: number }>();
  /**
   * @param purpose stream prefix, e.g. `kubelet/start`: object `ns/pod` draws from `kubelet/start/ns/pod`.
   */
  constructor(
    private readonly clock: Clock,
    private readonly rng: StreamSource,
    private readonly purpose: string,
    private readonly delay: Delay,
  ) {}

  /**
   * Simulated ms left before object `id` (`<ns>/<name>`) in `state` may act (0 = act now). A new
   * state draws a new delay; put the uid in `state` so a re-created object draws afresh.
   */
  remainingMs(id: string, state: string): number {
    let entry = this.due.get(id);
    if (!entry || entry.state !== state) {
      entry = { state, dueMs: this.clock.now() + this.rng.stream(`${this.purpose}/${id}`).delay(this.delay) };
      this.due.set(id, entry);
    }
    return Math.max(0, entry.dueMs - this.clock.now());
  }

  /** Forgets object `id` (deleted) and its stream: a later object of the same name starts the stream afresh. */
  forget(id: string): void {
    this.due.delete(id);
    this.rng.forget(`${this.purpose}/${id}`);
  }
}
