/**
 * The controller contract (DESIGN.md "Core contracts"; controller-runtime `reconcile.Reconciler`,
 * kube-rs `Controller`). A reconciler receives only a key (level-based: never the event, the object
 * or the reason) and returns done or requeue-after; a thrown error means backoff, a
 * {@link TerminalError} means no retry but counted. The runner that drives it lives in harness/runner.
 */
import type { Clock, KubeObject, ObjectKey, TypeRef } from '../../fake-apiserver/api/index.ts';

/** `done`: wait for the next event. `requeue`: reconcile again after `afterMs` (simulated ms under a VirtualClock). */
export type ReconcileResult = { outcome: 'done' } | { outcome: 'requeue'; afterMs: number };

/** Shorthands. */
export const done = (): ReconcileResult => ({ outcome: 'done' });
export const requeueAfter = (afterMs: number): ReconcileResult => ({ outcome: 'requeue', afterMs });

/** Structured log sink; the World keeps lines in memory, a real run may print them. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** What a reconcile may use besides its client: the clock and a logger. */
export interface ReconcileContext {
  clock: Clock;
  log: Logger;
}

/** One reconciler. Must be idempotent: it may run any number of times for the same key. */
export interface Reconciler {
  reconcile(key: ObjectKey, ctx: ReconcileContext): Promise<ReconcileResult>;
}

/** An error the runner must not retry (counted as a terminal failure). */
export class TerminalError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'TerminalError';
  }
}

/** Wraps `err` so the runner does not retry it. */
export function terminal(err: unknown): TerminalError {
  return err instanceof TerminalError ? err : new TerminalError(err instanceof Error ? err.message : String(err), err);
}

/** A secondary watch: every event on `type` maps to zero or more keys of the primary kind. */
export interface WatchSpec {
  type: TypeRef;
  /**
   * Keys to enqueue for an event on `obj` (the object after the change; the last state for
   * deletions); `old` is the state before an update (undefined for adds and deletions). Called at
   * once when the change is observed. May read through a client.
   */
  map: (obj: KubeObject, old?: KubeObject) => ObjectKey[] | Promise<ObjectKey[]>;
  /** Ignore MODIFIED events that do not change metadata.generation (status-only writes). */
  generationChangedOnly?: boolean;
}

/** How a controller is wired: its primary kind, secondary watches and reconciler. */
export interface ControllerDefinition {
  /** Unique name, also the field manager of its writes. */
  name: string;
  primary: TypeRef;
  /** Only enqueue primary MODIFIED events whose metadata.generation changed (or that start deletion). Status writes then do not re-trigger. */
  generationChangedOnly?: boolean;
  watches?: WatchSpec[];
  reconciler: Reconciler;
}
