/**
 * The kubelet's container restart back-off (Kubernetes: "Pod Lifecycle", container restarts; the
 * kubelet keeps one client-go `flowcontrol.Backoff` entry per container): the first restart after an
 * exit is immediate, each later one waits 10 s, then 20 s, 40 s ... capped at 300 s; a container that
 * ran for more than twice the cap (10 min) before exiting starts over. While it waits, the container
 * shows `waiting: CrashLoopBackOff` with `back-off 20s restarting failed container=c pod=p_ns(uid)`.
 * Times are simulated ms.
 */

/** Initial back-off and cap (simulated ms). */
export const BACK_OFF_INITIAL_MS = 10_000;
export const BACK_OFF_MAX_MS = 300_000;

interface Entry {
  backOffMs: number;
  lastUpdateMs: number;
}

/** Back-off entries by container id (`<pod uid>/<container>`). */
export class RestartBackOff {
  private readonly entries = new Map<string, Entry>();

  private live(id: string, eventMs: number): Entry | undefined {
    const e = this.entries.get(id);
    return e && eventMs - e.lastUpdateMs <= 2 * BACK_OFF_MAX_MS ? e : undefined;
  }

  /** How long a container that exited at `exitMs` must wait before its restart (0: restart now). */
  waitMs(id: string, exitMs: number): number {
    return this.live(id, exitMs)?.backOffMs ?? 0;
  }

  /** Records a restart at `nowMs`: the next exit waits 10 s, or twice the last wait (cap 300 s). */
  restarted(id: string, nowMs: number): void {
    const e = this.live(id, nowMs);
    this.entries.set(id, { backOffMs: e ? Math.min(2 * e.backOffMs, BACK_OFF_MAX_MS) : BACK_OFF_INITIAL_MS, lastUpdateMs: nowMs });
  }

  /** Drops every entry of pod `uid` (deleted). */
  forgetPod(uid: string): void {
    for (const id of [...this.entries.keys()]) if (id.startsWith(`${uid}/`)) this.entries.delete(id);
  }
}
