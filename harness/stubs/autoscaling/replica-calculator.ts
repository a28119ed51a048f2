/**
 * The HorizontalPodAutoscaler's arithmetic (Kubernetes: "Horizontal Pod Autoscaling", algorithm
 * details and configurable scaling behavior; kube-controller-manager's replica calculator), pure:
 * - per metric: `ratio = current / target`; within `tolerance` (0.1) of 1 → keep the current
 *   count; otherwise `ceil(ratio × pods)` (Utilization / AverageValue over the ready pods) or
 *   `ceil(total / targetAverage)` (External AverageValue) or `ceil(ratio × current)` (Value);
 *   several metrics → the largest proposal;
 * - stabilization: scale-up takes the lowest, scale-down the highest recommendation of its window
 *   (`behavior.scaleUp.stabilizationWindowSeconds`, default 0; `scaleDown`, default 300 s);
 * - rate policies over the last `periodSeconds` (defaults: up max(+100 %, +4 pods) per 15 s, down
 *   −100 % per 15 s; `selectPolicy` Max picks the policy allowing the largest change, Min the
 *   smallest, Disabled none), then the min/max clamp.
 * Times are simulated ms.
 */

/** One HPA scaling policy (autoscaling/v2 HPAScalingPolicy). */
export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

/** One direction of `spec.behavior` (autoscaling/v2 HPAScalingRules). */
export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: ScalingPolicy[];
}

/** `spec.behavior`. */
export interface Behavior {
  scaleUp?: ScalingRules;
  scaleDown?: ScalingRules;
}

/** Defaults of `spec.behavior` (kube-controller-manager), with the scale-down window given. */
export function defaultBehavior(downscaleStabilizationMs: number): Required<Behavior> {
  return {
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
    scaleDown: { stabilizationWindowSeconds: downscaleStabilizationMs / 1000, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
  };
}

/** A replica proposal from one metric: `current` (the measured value, ratio units of `target`) against `target`. */
export function proposeReplicas(m: { kind: 'per-pod' | 'total-average' | 'value'; current: number; target: number }, currentReplicas: number, readyPods: number, tolerance: number): number {
  const pods = m.kind === 'per-pod' ? readyPods : currentReplicas;
  const ratio = m.kind === 'total-average' ? m.current / (m.target * Math.max(1, currentReplicas)) : m.current / m.target;
  if (Math.abs(ratio - 1) <= tolerance) return currentReplicas;
  if (m.kind === 'total-average') return Math.ceil(m.current / m.target);
  return Math.ceil(ratio * pods);
}

/** A recommendation and a scale event, kept per HPA (simulated ms). */
export interface Recommendation {
  atMs: number;
  replicas: number;
}
export interface ScaleEvent {
  atMs: number;
  /** Replicas added (> 0) or removed (< 0). */
  change: number;
}

/** What {@link normalize} decided, with the reason for the HPA's conditions. */
export interface Normalized {
  replicas: number;
  /** Why it differs from the proposal: stabilized, rate-limited, or clamped. */
  limitedBy?: 'ScaleDownStabilized' | 'ScaleUpStabilized' | 'ScaleUpLimit' | 'ScaleDownLimit' | 'TooManyReplicas' | 'TooFewReplicas';
}

function rateLimit(rules: ScalingRules, up: boolean, current: number, events: readonly ScaleEvent[], nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const limits = (rules.policies ?? []).map((p) => {
    const inPeriod = events.filter((e) => e.atMs > nowMs - p.periodSeconds * 1000);
    const added = inPeriod.filter((e) => e.change > 0).reduce((n, e) => n + e.change, 0);
    const removed = inPeriod.filter((e) => e.change < 0).reduce((n, e) => n - e.change, 0);
    const periodStart = current - added + removed;
    if (up) return p.type === 'Pods' ? periodStart + p.value : Math.ceil(periodStart * (1 + p.value / 100));
    return p.type === 'Pods' ? periodStart - p.value : Math.floor(periodStart * (1 - p.value / 100));
  });
  if (limits.length === 0) return up ? Infinity : -Infinity;
  const pickMostChange = (rules.selectPolicy ?? 'Max') === 'Max';
  return up === pickMostChange ? Math.max(...limits) : Math.min(...limits);
}

/**
 * Stabilizes `proposal` against the recommendation history (which must already hold it), applies the
 * rate policies and clamps to [minReplicas, maxReplicas].
 */
export function normalize(
  proposal: number,
  current: number,
  history: readonly Recommendation[],
  events: readonly ScaleEvent[],
  behavior: Required<Behavior>,
  bounds: { minReplicas: number; maxReplicas: number },
  nowMs: number,
): Normalized {
  const upCut = nowMs - (behavior.scaleUp.stabilizationWindowSeconds ?? 0) * 1000;
  const downCut = nowMs - (behavior.scaleDown.stabilizationWindowSeconds ?? 300) * 1000;
  let upRec = proposal;
  let downRec = proposal;
  for (const r of history) {
    if (r.atMs > upCut) upRec = Math.min(upRec, r.replicas);
    if (r.atMs > downCut) downRec = Math.max(downRec, r.replicas);
  }
  let replicas = current;
  let limitedBy: Normalized['limitedBy'];
  if (replicas < upRec) replicas = upRec;
  if (replicas > downRec) replicas = downRec;
  if (replicas !== proposal) limitedBy = proposal < current ? 'ScaleDownStabilized' : 'ScaleUpStabilized';
  if (replicas > current) {
    const limit = rateLimit(behavior.scaleUp, true, current, events, nowMs);
    if (replicas > limit) [replicas, limitedBy] = [Math.max(current, limit), 'ScaleUpLimit'];
  } else if (replicas < current) {
    const limit = rateLimit(behavior.scaleDown, false, current, events, nowMs);
    if (replicas < limit) [replicas, limitedBy] = [Math.min(current, limit), 'ScaleDownLimit'];
  }
  if (replicas > bounds.maxReplicas) [replicas, limitedBy] = [bounds.maxReplicas, 'TooManyReplicas'];
  if (replicas < bounds.minReplicas) [replicas, limitedBy] = [bounds.minReplicas, 'TooFewReplicas'];
  return { replicas, limitedBy };
}
