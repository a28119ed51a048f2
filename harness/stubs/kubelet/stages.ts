/**
 * Pod lifecycle stages as data (KWOK `Stage`, kwok.x-k8s.io/v1alpha1: `resourceRef`, `selector`
 * with `matchExpressions` on the object's fields, `delay` with `durationMilliseconds` +
 * `jitterDurationMilliseconds`, `next`). Each stage says *when* a pod moves (a selector over the
 * pod view below, a delay drawn from the pod's own stream) and *where to* (`next.statusTemplate`,
 * one of a closed set of named status transitions the kubelet applies: KWOK renders Go templates,
 * we name typed templates instead). The default table lives in `stages/default/pod-stages.yaml`
 * (described stage by stage in `stages/default/README.md`); a profile may replace it with its own
 * list (`kubelet.stages`).
 *
 * Selection differs from KWOK in one point: of all stages whose selector matches, the one *due
 * first* fires (ties: table order), so a batch pod's exit timer keeps running while it becomes
 * Ready. Delays take the seeded stream `<stream>/<ns>/<pod>` and the VirtualClock (STYLE rule 11).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Delay } from '../../profile.ts';

/** Operators of a field expression (Kubernetes label-selector operators applied to a field's value as a string). */
export type StageOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** `key` is a path into the pod view: `.status.phase`, `.metadata.annotations["sim.lattice.dev/run-ms"]`, `.kubelet.containers`. */
export interface StageExpression {
  key: string;
  operator: StageOperator;
  values?: string[];
}

/** Named transitions (the kubelet's status templates), see `pod-status.ts`. */
export type StatusTemplate = 'stop' | 'mount-failed' | 'config-error' | 'image-pull-failed' | 'image-pull-back-off' | 'start' | 'ready' | 'exit' | 'liveness-kill' | 'restart' | 'ephemeral-start' | 'ephemeral-exit';

/** Extra wait a stage adds to its drawn delay, computed by the kubelet from the pod. */
export type StageExtra = 'probes' | 'back-off' | 'pull-back-off';

/** When a stage's delay (simulated ms) is counted from. */
export type StageSince = 'matched' | 'container-start';

/** One stage. */
export interface PodStage {
  name: string;
  selector: { matchExpressions: StageExpression[] };
  delay?: {
    /** Fixed part (simulated ms); ignored when `profileDelay` is set. */
    durationMilliseconds?: number;
    /** Uniform jitter in [0, jitterDurationMilliseconds] (simulated ms). */
    jitterDurationMilliseconds?: number;
    /** Name of a kubelet delay of the profile (`containerStart`, `readiness`, `batchRun` ...) used instead of the two numbers. */
    profileDelay?: string;
    /** Path whose numeric value (simulated ms) replaces the drawn delay when present (KWOK `durationFrom`). */
    durationFrom?: string;
    /** Path whose numeric value, in seconds, caps the delay (`.spec.terminationGracePeriodSeconds`). */
    maxSecondsFrom?: string;
    /** Stream purpose; the pod `ns/p` draws from `<stream>/ns/p`. */
    stream: string;
    /** Added wait computed from the pod: readiness-probe timing, the crash-loop back-off or the image pull back-off. */
    extra?: StageExtra;
    /** Count from when the stage first matched (default) or from the container's (re)start. */
    since?: StageSince;
  };
  /** The transition, and for `exit` / `liveness-kill` the path of the exit code (0 when absent). */
  next: { statusTemplate: StatusTemplate; exitCodeFrom?: string };
}

/** Reads the value at `path` (`.a.b["c/d"].e`) of `obj`; undefined when any step is missing. */
export function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const step of pathSteps(path)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[step];
  }
  return cur;
}

/** The steps of a path, parsed once per distinct path (stage selectors are matched on every pod sync; their keys are few). */
const parsedPaths = new Map<string, readonly string[]>();
function pathSteps(path: string): readonly string[] {
  let steps = parsedPaths.get(path);
  if (!steps) {
    steps = [...path.matchAll(/\.([A-Za-z0-9_-]+)|\["([^"]+)"\]/g)].map((m) => m[1] ?? m[2]);
    if (parsedPaths.size < 1024) parsedPaths.set(path, steps);
  }
  return steps;
}

/** True when every expression of the selector holds on `view` (a missing value is DoesNotExist and is NotIn anything). */
export function stageMatches(stage: PodStage, view: unknown): boolean {
  return stage.selector.matchExpressions.every((e) => {
    const v = valueAt(view, e.key);
    const present = v !== undefined && v !== null;
    switch (e.operator) {
      case 'Exists':
        return present;
      case 'DoesNotExist':
        return !present;
      case 'In':
        return present && (e.values ?? []).includes(String(v));
      case 'NotIn':
        return !present || !(e.values ?? []).includes(String(v));
    }
  });
}

/** The delay of a stage's `profileDelay`, from the resolved kubelet settings. @throws Error naming the stage when unknown. */
export function stageBaseDelay(stage: PodStage, delays: Readonly<Record<string, Delay | undefined>>): Delay {
  const d = stage.delay;
  if (!d) return { delayMs: 0 };
  if (d.profileDelay !== undefined) {
    const found = delays[d.profileDelay];
    if (!found) throw new Error(`kubelet stage ${stage.name}: delay.profileDelay: Unsupported value: ${JSON.stringify(d.profileDelay)}`);
    return found;
  }
  return { delayMs: d.durationMilliseconds ?? 0, jitterMs: d.jitterDurationMilliseconds ?? 0 };
}

const TEMPLATES: readonly StatusTemplate[] = ['stop', 'mount-failed', 'config-error', 'image-pull-failed', 'image-pull-back-off', 'start', 'ready', 'exit', 'liveness-kill', 'restart', 'ephemeral-start', 'ephemeral-exit'];
const OPERATORS: readonly StageOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * Checks a stage list read from YAML. @throws Error naming the file, the stage and the field path.
 */
export function validateStages(stages: unknown, where: string): PodStage[] {
  if (!Array.isArray(stages)) throw new Error(`${where}: expected a list of stages`);
  stages.forEach((s: Partial<PodStage>, i) => {
    const at = `${where}: stages[${i}]${s?.name ? ` (${s.name})` : ''}`;
    if (!s?.name) throw new Error(`${at}.name: Required value`);
    if (!Array.isArray(s.selector?.matchExpressions)) throw new Error(`${at}.selector.matchExpressions: Required value`);
    for (const [j, e] of s.selector.matchExpressions.entries()) {
      if (!OPERATORS.includes(e.operator)) throw new Error(`${at}.selector.matchExpressions[${j}].operator: Unsupported value: ${JSON.stringify(e.operator)}`);
    }
    if (!s.next || !TEMPLATES.includes(s.next.statusTemplate)) throw new Error(`${at}.next.statusTemplate: Unsupported value: ${JSON.stringify(s.next?.statusTemplate)}`);
    if (s.delay && !s.delay.stream) throw new Error(`${at}.delay.stream: Required value`);
  });
  return stages as PodStage[];
}

let defaults: PodStage[] | undefined;

/** The default stage table (`stages/default/pod-stages.yaml`), parsed once. */
export function defaultPodStages(): PodStage[] {
  if (!defaults) {
    const file = new URL('./stages/default/pod-stages.yaml', import.meta.url);
    const doc = parse(readFileSync(file, 'utf8')) as { apiVersion?: string; kind?: string; stages?: unknown };
    if (doc?.apiVersion !== 'lattice-sim.dev/v1alpha1' || doc.kind !== 'PodStages') throw new Error(`${file.pathname}: expected apiVersion lattice-sim.dev/v1alpha1, kind PodStages`);
    defaults = validateStages(doc.stages, file.pathname);
  }
  return defaults;
}
