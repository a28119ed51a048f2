/**
 * The reflector of one kind (client-go `Reflector.ListAndWatch`, kube-rs `watcher.rs`; STYLE.md
 * rule 10): list, then watch from the list's resourceVersion, and recover when the watch ends.
 * The decisions are one pure function, {@link step}`(state, input) → [output, state]`; the
 * {@link Reflector} class only performs the commands it returns (I/O, timers, logging).
 *
 * | state            | input                          | output (events; commands)                     | next state       |
 * |------------------|--------------------------------|-----------------------------------------------|------------------|
 * | empty            | start                          | list                                          | listing          |
 * | listing          | listed(items, rv)              | initStart, initApply…, initDone; watch(rv)    | watching(rv)     |
 * | listing          | listFailed                     | log; sleep(attempt)                           | backoff(list)    |
 * | watching(rv)     | ADDED / MODIFIED               | apply                                         | watching(obj rv) |
 * | watching(rv)     | DELETED                        | delete                                        | watching(obj rv) |
 * | watching(rv)     | BOOKMARK                       | —                                             | watching(obj rv) |
 * | watching(rv)     | ERROR 410 Gone/Expired         | log "relisting"; list                         | listing          |
 * | watching(rv)     | ERROR (other)                  | log; sleep(attempt)                           | backoff(rv)      |
 * | watching(rv)     | closed                         | log; sleep(attempt)                           | backoff(rv)      |
 * | watching(rv)     | watchFailed 410                | log "relisting"; list                         | listing          |
 * | watching(rv)     | watchFailed (other)            | log; sleep(attempt)                           | backoff(rv)      |
 * | backoff(rv)      | wake                           | log "re-watching"; watch(rv)                  | watching(rv)     |
 * | backoff(list)    | wake                           | log "relisting"; list                         | listing          |
 * | any              | stop                           | —                                             | stopped          |
 * | stopped          | anything                       | —                                             | stopped          |
 *
 * `attempt` counts consecutive failures (reset by a successful list or any delivered event); the
 * driver turns it into simulated ms with {@link backoffMs} and the seeded jitter stream.
 */
import { isGone } from '../../fake-apiserver/api/index.ts';
import type { Clock, KubeObject, KubeReader, KubeWatcher, TypeRef, WatchEvent, WatchHandle } from '../../fake-apiserver/api/index.ts';
import type { Logger } from '../../platform/runtime/index.ts';
import type { RandomStream } from '../rng/index.ts';

/** Where the reflector is. `attempt` = consecutive failures so far. */
export type ReflectorState =
  | { phase: 'empty' }
  | { phase: 'listing'; attempt: number }
  | { phase: 'watching'; rv: string; attempt: number }
  | { phase: 'backoff'; next: 'list'; attempt: number }
  | { phase: 'backoff'; next: 'watch'; rv: string; attempt: number }
  | { phase: 'stopped' };

/** What happened. */
export type ReflectorInput =
  | { type: 'start' }
  | { type: 'listed'; items: readonly KubeObject[]; rv: string }
  | { type: 'listFailed'; error: unknown }
  | { type: 'event'; event: WatchEvent }
  | { type: 'watchFailed'; error: unknown }
  | { type: 'closed' }
  | { type: 'wake' }
  | { type: 'stop' };

/** What the store sees (kube-rs watcher events). */
export type ReflectorEvent =
  | { type: 'initStart' }
  | { type: 'initApply'; object: KubeObject }
  | { type: 'initDone'; rv: string }
  | { type: 'apply'; object: KubeObject }
  | { type: 'delete'; object: KubeObject }
  | { type: 'bookmark'; rv: string };

/** What the driver must do. */
export type ReflectorCommand =
  | { type: 'list' }
  | { type: 'watch'; rv: string }
  | { type: 'sleep'; attempt: number }
  | { type: 'log'; level: 'info' | 'warn'; message: string };

/** Output of one step. */
export interface ReflectorOutput {
  events: ReflectorEvent[];
  commands: ReflectorCommand[];
}

const out = (events: ReflectorEvent[] = [], commands: ReflectorCommand[] = []): ReflectorOutput => ({ events, commands });
const describe = (err: unknown) => (err instanceof Error ? err.message : typeof err === 'object' && err && 'message' in err ? String((err as { message: unknown }).message) : String(err));
/** 410 as a thrown StatusError or as the Status object of an ERROR event. */
const gone = (err: unknown) => isGone(err) || (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 410);

/** The reflector's transition function (see the table in the file header). Pure. */
export function step(state: ReflectorState, input: ReflectorInput, kind = 'object'): [ReflectorOutput, ReflectorState] {
  if (input.type === 'stop' || state.phase === 'stopped') return [out(), { phase: 'stopped' }];
  switch (state.phase) {
    case 'empty':
      return input.type === 'start' ? [out([], [{ type: 'list' }]), { phase: 'listing', attempt: 0 }] : [out(), state];
    case 'listing':
      if (input.type === 'listed') {
        const events: ReflectorEvent[] = [{ type: 'initStart' }, ...input.items.map((object) => ({ type: 'initApply' as const, object })), { type: 'initDone', rv: input.rv }];
        return [out(events, [{ type: 'watch', rv: input.rv }]), { phase: 'watching', rv: input.rv, attempt: 0 }];
      }
      if (input.type === 'listFailed') {
        const attempt = state.attempt + 1;
        return [out([], [log('warn', `${kind}: list failed (${describe(input.error)}); relisting after backoff (attempt ${attempt})`), { type: 'sleep', attempt }]), { phase: 'backoff', next: 'list', attempt }];
      }
      return [out(), state];
    case 'watching': {
      if (input.type === 'event') {
        const ev = input.event;
        if (ev.type === 'ERROR') {
          if (gone(ev.object)) return relist(kind, `watch from resourceVersion ${state.rv} answered 410 Gone (${describe(ev.object)})`);
          return rewatch(kind, state, `watch ERROR event (${describe(ev.object)})`);
        }
        const rv = ev.object.metadata.resourceVersion ?? state.rv;
        const next: ReflectorState = { phase: 'watching', rv, attempt: 0 };
        if (ev.type === 'BOOKMARK') return [out([{ type: 'bookmark', rv }]), next];
        if (ev.type === 'DELETED') return [out([{ type: 'delete', object: ev.object }]), next];
        return [out([{ type: 'apply', object: ev.object }]), next];
      }
      if (input.type === 'closed') return rewatch(kind, state, 'watch closed');
      if (input.type === 'watchFailed') {
        if (gone(input.error)) return relist(kind, `watch from resourceVersion ${state.rv} answered 410 Gone (${describe(input.error)})`);
        return rewatch(kind, state, `watch failed (${describe(input.error)})`);
      }
      return [out(), state];
    }
    case 'backoff':
      if (input.type !== 'wake') return [out(), state];
      if (state.next === 'list') return [out([], [log('info', `${kind}: relisting (attempt ${state.attempt})`), { type: 'list' }]), { phase: 'listing', attempt: state.attempt }];
      return [
        out([], [log('info', `${kind}: re-watching from resourceVersion ${state.rv} (attempt ${state.attempt})`), { type: 'watch', rv: state.rv }]),
        { phase: 'watching', rv: state.rv, attempt: state.attempt },
      ];
  }
}

function log(level: 'info' | 'warn', message: string): ReflectorCommand {
  return { type: 'log', level, message };
}

function relist(kind: string, why: string): [ReflectorOutput, ReflectorState] {
  return [out([], [log('warn', `${kind}: ${why}; relisting`), { type: 'list' }]), { phase: 'listing', attempt: 0 }];
}

function rewatch(kind: string, state: { rv: string; attempt: number }, why: string): [ReflectorOutput, ReflectorState] {
  const attempt = state.attempt + 1;
  return [
    out([], [log('warn', `${kind}: ${why}; re-watching from resourceVersion ${state.rv} after backoff (attempt ${attempt})`), { type: 'sleep', attempt }]),
    { phase: 'backoff', next: 'watch', rv: state.rv, attempt },
  ];
}

/** Backoff of re-watches and relists, simulated ms. */
export interface ReflectorBackoff {
  /** Delay of attempt 1 (default 800, client-go's initial backoff). */
  initialMs: number;
  /** Cap (default 30 000, client-go's max backoff). */
  maxMs: number;
  /** Uniform jitter in [0, jitterMs] added to each delay (default 200). */
  jitterMs: number;
}

export const DEFAULT_REFLECTOR_BACKOFF: ReflectorBackoff = { initialMs: 800, maxMs: 30_000, jitterMs: 200 };

/** `min(maxMs, initialMs · 2^(attempt-1))` plus jitter drawn from `jitter` (none without a stream). */
export function backoffMs(attempt: number, b: ReflectorBackoff, jitter?: RandomStream): number {
  const base = Math.min(b.maxMs, b.initialMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return base + (jitter && b.jitterMs > 0 ? jitter.int(0, b.jitterMs) : 0);
}

/** Options of a {@link Reflector}. */
export interface ReflectorOptions {
  type: TypeRef;
  client: KubeReader & KubeWatcher;
  clock: Clock;
  log: Logger;
  /** Seeded stream for backoff jitter (never Math.random). */
  jitter?: RandomStream;
  backoff?: Partial<ReflectorBackoff>;
  /** Receives the store events of each step, in order. */
  onEvents: (events: ReflectorEvent[]) => void;
  /** Told of each failed list (the reflector retries it after backoff). */
  onListFailed?: (error: unknown) => void;
}

/**
 * Drives {@link step}: performs list / watch / sleep / log commands and feeds their outcomes back.
 * Only the current watch's callbacks are fed in; a replaced watch is stopped and its late
 * callbacks ignored.
 */
export class Reflector {
  private state: ReflectorState = { phase: 'empty' };
  private watch: WatchHandle | undefined;
  private watchSerial = 0;
  private readonly backoff: ReflectorBackoff;
  private readonly kind: string;
  /** Counters: lists done (first one included) and watches opened. */
  readonly stats = { lists: 0, watches: 0, relists: 0, rewatches: 0 };

  constructor(private readonly opts: ReflectorOptions) {
    this.backoff = { ...DEFAULT_REFLECTOR_BACKOFF, ...opts.backoff };
    this.kind = `informer ${opts.type.kind}`;
  }

  /** The current state (for tests and diagnostics). */
  current(): ReflectorState {
    return this.state;
  }

  start(): void {
    this.feed({ type: 'start' });
  }

  stop(): void {
    this.feed({ type: 'stop' });
    this.watch?.stop();
    this.watch = undefined;
  }

  private feed(input: ReflectorInput): void {
    const [output, next] = step(this.state, input, this.kind);
    this.state = next;
    if (output.events.length > 0) this.opts.onEvents(output.events);
    for (const c of output.commands) this.run(c);
  }

  private run(c: ReflectorCommand): void {
    switch (c.type) {
      case 'log':
        this.opts.log[c.level](c.message);
        return;
      case 'sleep':
        this.opts.clock.setTimer(backoffMs(c.attempt, this.backoff, this.opts.jitter), () => this.feed({ type: 'wake' }));
        return;
      case 'list': {
        this.closeWatch();
        if (this.stats.lists++ > 0) this.stats.relists++;
        this.opts.client.list(this.opts.type).then(
          (l) => this.feed({ type: 'listed', items: l.items, rv: l.metadata.resourceVersion }),
          (error) => {
            this.opts.onListFailed?.(error);
            this.feed({ type: 'listFailed', error });
          },
        );
        return;
      }
      case 'watch': {
        this.closeWatch();
        if (this.stats.watches++ > 0) this.stats.rewatches++;
        const serial = ++this.watchSerial;
        const current = () => serial === this.watchSerial && this.state.phase === 'watching';
        this.opts.client
          .watch(
            this.opts.type,
            { resourceVersion: c.rv },
            (event) => current() && this.feed({ type: 'event', event }),
            () => current() && this.feed({ type: 'closed' }),
          )
          .then(
            (h) => {
              if (serial === this.watchSerial && this.state.phase !== 'stopped') this.watch = h;
              else h.stop();
            },
            (error) => current() && this.feed({ type: 'watchFailed', error }),
          );
        return;
      }
    }
  }

  private closeWatch(): void {
    this.watchSerial++;
    this.watch?.stop();
    this.watch = undefined;
  }
}
