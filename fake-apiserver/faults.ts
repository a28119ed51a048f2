/**
 * Programmable API faults (issue 8): rules matched by verb, resource, namespace and name that make a
 * request fail with a Status, wait before it is served, answer 429 with Retry-After (API Priority and
 * Fairness rejecting a request), or close a watch as soon as it opens. The same {@link FaultInjector}
 * is consulted by the in-process client wrapper ({@link withFaults}: latency in the server clock's
 * time, simulated ms in a World) and by the HTTP front (`startHttpServer(api, { faults })`: wall ms),
 * whose control endpoint (`http/control.ts`) edits the rules at run time. Forced compaction and
 * server-side watch drops are not rules but actions: `ApiServer.compact()` and
 * `ApiServer.disconnectWatches()`.
 *
 * Semantics: every rule whose matchers all hold applies to a request. Latencies add up; the first
 * matching rule (in the order added) that carries an error or a 429 decides the failure; a request is
 * counted against a rule's `times` only when the rule applied. Matching is pure: the same requests in
 * the same order get the same answers (no randomness).
 */
import { reasonCodes, statusError } from './api/index.ts';
import type { DeleteOptions, KubeClient, KubeObject, ListOptions, ObjectKey, PatchType, StatusCause, StatusError, StatusReason, TypeRef, WatchEvent, WatchOptions, WriteOptions, ApplyOptions } from './api/index.ts';
import { withInterceptors } from './in-process-client.ts';

/** Kubernetes API verbs a fault can match (`apply` arrives as `patch`, as on the wire). */
export const FAULT_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;
/** One of {@link FAULT_VERBS}. */
export type FaultVerb = (typeof FAULT_VERBS)[number];

/** What a fault knows of a request: the attributes kube-apiserver's request info carries. */
export interface FaultRequest {
  verb: FaultVerb;
  /** API group, '' for the core group. */
  group: string;
  /** Plural resource, e.g. `deployments`. */
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** A fault rule as written by a user (YAML/JSON body of the control endpoint, or code). Every matcher is optional: an absent one matches anything. */
export interface FaultRule {
  /** Verbs the rule applies to; default every verb. */
  verbs?: FaultVerb[];
  /** API group ('' for core); default any group. */
  group?: string;
  /** Plural resource, or `resource.group` (`deployments.apps`); default any resource. */
  resource?: string;
  /** Subresource (`status`, `scale`); default: requests with or without one. */
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Answer with this Status instead of serving the request (the reason defaults from the code). */
  error?: { code: number; reason?: StatusReason; message?: string };
  /** 429 TooManyRequests with `Retry-After` / `details.retryAfterSeconds`, as API Priority and Fairness rejects. @unit seconds */
  retryAfterSeconds?: number;
  /** Wait this long before serving (or failing) the request. @unit ms: simulated ms in-process (server clock), wall ms over HTTP */
  latencyMs?: number;
  /** Watch requests only: the watch is accepted and closed at once (the client sees the stream end and re-watches). */
  dropWatch?: boolean;
  /** Apply to the next N matching requests only, then expire; default unlimited. */
  times?: number;
}

/** A stored rule: its id and how often it applied. */
export interface ActiveFaultRule extends FaultRule {
  id: string;
  hits: number;
}

/** What the matching rules decide for one request. */
export interface FaultDecision {
  /** Sum of the matching rules' latencies. @unit ms */
  latencyMs: number;
  /** The Status to answer with instead of serving, if any. */
  error?: StatusError;
  /** Close the watch at once (watch requests only). */
  dropWatch: boolean;
  /** Ids of the rules that applied. */
  applied: string[];
}

/** The rule set. Not thread-safe by design: one per API server, consulted synchronously. */
export class FaultInjector {
  private rules: ActiveFaultRule[] = [];
  private seq = 0;

  /**
   * Adds a rule (validated) and returns its id (`fault-1`, `fault-2`, …).
   * @throws StatusError 400 BadRequest naming every invalid field (see {@link validateFaultRule}).
   */
  add(rule: unknown): string {
    const valid = validateFaultRule(rule);
    const id = `fault-${++this.seq}`;
    this.rules.push({ ...valid, id, hits: 0 });
    return id;
  }

  /** Removes one rule; false when no rule has that id. */
  remove(id: string): boolean {
    const n = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== n;
  }

  /** Removes every rule; returns how many there were. */
  clear(): number {
    const n = this.rules.length;
    this.rules = [];
    return n;
  }

  /** The active rules, in the order added (copies). */
  list(): ActiveFaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** True when no rule is active (callers skip the lookup entirely). */
  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** Decides one request and counts it against the rules that applied (expired rules are dropped). */
  decide(req: FaultRequest): FaultDecision {
    const d: FaultDecision = { latencyMs: 0, dropWatch: false, applied: [] };
    if (this.rules.length === 0) return d;
    for (const r of this.rules) {
      if (!matches(r, req)) continue;
      if (r.dropWatch && req.verb !== 'watch' && !r.error && r.retryAfterSeconds === undefined && !r.latencyMs) continue;
      r.hits++;
      d.applied.push(r.id);
      d.latencyMs += r.latencyMs ?? 0;
      if (r.dropWatch && req.verb === 'watch') d.dropWatch = true;
      if (!d.error && r.error) d.error = faultError(r.error, req);
      if (!d.error && r.retryAfterSeconds !== undefined) d.error = tooManyRequests(r.retryAfterSeconds);
    }
    this.rules = this.rules.filter((r) => r.times === undefined || r.hits < r.times);
    return d;
  }
}

function matches(r: FaultRule, q: FaultRequest): boolean {
  if (r.verbs && !r.verbs.includes(q.verb)) return false;
  if (r.resource !== undefined) {
    const dot = r.resource.indexOf('.');
    const [res, grp] = dot < 0 ? [r.resource, undefined] : [r.resource.slice(0, dot), r.resource.slice(dot + 1)];
    if (res !== q.resource) return false;
    if (grp !== undefined && grp !== q.group) return false;
  }
  if (r.group !== undefined && r.group !== q.group) return false;
  if (r.subresource !== undefined && r.subresource !== (q.subresource ?? '')) return false;
  if (r.namespace !== undefined && r.namespace !== q.namespace) return false;
  if (r.name !== undefined && r.name !== q.name) return false;
  return true;
}

function faultError(e: NonNullable<FaultRule['error']>, q: FaultRequest): StatusError {
  const reason = e.reason ?? (Object.keys(reasonCodes) as StatusReason[]).find((k) => reasonCodes[k] === e.code) ?? 'InternalError';
  const err = statusError(reason, e.message ?? `injected fault: ${q.verb} ${q.group ? `${q.resource}.${q.group}` : q.resource}${q.name ? ` "${q.name}"` : ''}`);
  if (e.code !== reasonCodes[reason]) (err.status as { code: number }).code = e.code;
  return err;
}

/** 429 as kube-apiserver's priority-and-fairness filter words it. */
export function tooManyRequests(retryAfterSeconds: number): StatusError {
  return statusError('TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds });
}

/**
 * Checks a rule given as data (a control-endpoint body) and returns it typed.
 * @throws StatusError 400 BadRequest `invalid fault rule` with one cause per bad field
 *   (unknown field, wrong type, unknown verb, a code outside 400–599, a rule that does nothing).
 */
export function validateFaultRule(input: unknown): FaultRule {
  const causes: StatusCause[] = [];
  const bad = (field: string, message: string) => causes.push({ reason: 'FieldValueInvalid', field, message });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw statusError('BadRequest', 'invalid fault rule: the body must be an object');
  const o = input as Record<string, unknown>;
  const known = new Set(['verbs', 'group', 'resource', 'subresource', 'namespace', 'name', 'error', 'retryAfterSeconds', 'latencyMs', 'dropWatch', 'times']);
  for (const k of Object.keys(o)) if (!known.has(k)) causes.push({ reason: 'FieldValueNotSupported', field: k, message: `unknown field "${k}"` });
  if (o.verbs !== undefined && (!Array.isArray(o.verbs) || o.verbs.some((v) => !(FAULT_VERBS as readonly unknown[]).includes(v))))
    bad('verbs', `must be a list of ${FAULT_VERBS.join(', ')}`);
  for (const k of ['group', 'resource', 'subresource', 'namespace', 'name'] as const) if (o[k] !== undefined && typeof o[k] !== 'string') bad(k, 'must be a string');
  const num = (k: 'retryAfterSeconds' | 'latencyMs' | 'times', min: number) => {
    if (o[k] !== undefined && (typeof o[k] !== 'number' || !Number.isInteger(o[k]) || (o[k] as number) < min)) bad(k, `must be an integer >= ${min}`);
  };
  num('retryAfterSeconds', 1);
  num('latencyMs', 0);
  num('times', 1);
  if (o.dropWatch !== undefined && typeof o.dropWatch !== 'boolean') bad('dropWatch', 'must be true or false');
  if (o.error !== undefined) {
    const e = o.error as Record<string, unknown>;
    if (typeof e !== 'object' || e === null) bad('error', 'must be an object {code, reason?, message?}');
    else {
      if (typeof e.code !== 'number' || !Number.isInteger(e.code) || e.code < 400 || e.code > 599) bad('error.code', 'must be an HTTP error code from 400 to 599');
      if (e.reason !== undefined && !(typeof e.reason === 'string' && e.reason in reasonCodes)) bad('error.reason', `must be one of ${Object.keys(reasonCodes).join(', ')}`);
      if (e.message !== undefined && typeof e.message !== 'string') bad('error.message', 'must be a string');
    }
  }
  if (causes.length === 0 && o.error === undefined && o.retryAfterSeconds === undefined && !o.latencyMs && o.dropWatch !== true)
    bad('error', 'a rule needs an effect: error, retryAfterSeconds, latencyMs or dropWatch');
  if (causes.length) throw statusError('BadRequest', `invalid fault rule: ${causes.map((c) => `${c.field}: ${c.message}`).join('; ')}`, { causes });
  return o as FaultRule;
}

/** How {@link withFaults} resolves a type and waits. */
export interface FaultClientContext {
  /** `TypeRef` → group and plural resource (an ApiServer's `registry.lookup`). */
  resolve: (type: TypeRef) => { group: string; plural: string };
  /** Waits `ms` in the client's time (the server clock's `sleep`: simulated ms in a World). */
  sleep: (ms: number) => Promise<void>;
}

/**
 * Wraps a KubeClient so that every call is first decided by `faults`: failed with the rule's Status
 * (a rejected promise, as the HTTP client would), delayed by its latency, or, for watches, closed at
 * once (`onClose()` on the next microtask; no event is delivered). Calls matching no rule pass through.
 */
export function withFaults(client: KubeClient, faults: FaultInjector, ctx: FaultClientContext): KubeClient {
  const gate = async (verb: FaultVerb, type: TypeRef, namespace: string | undefined, name: string | undefined, subresource?: string): Promise<FaultDecision> => {
    if (faults.empty) return { latencyMs: 0, dropWatch: false, applied: [] };
    const { group, plural } = ctx.resolve(type);
    const d = faults.decide({ verb, group, resource: plural, subresource, namespace, name });
    if (d.latencyMs > 0) await ctx.sleep(d.latencyMs);
    if (d.error) throw d.error;
    return d;
  };
  const nsOf = (o: KubeObject) => o.metadata.namespace;
  return withInterceptors(client, {
    get: async (inner, type: TypeRef, key: ObjectKey) => (await gate('get', type, key.namespace, key.name), inner.get(type, key)),
    list: async (inner, type: TypeRef, opts?: ListOptions) => (await gate('list', type, opts?.namespace, undefined), inner.list(type, opts)),
    create: async (inner, obj: KubeObject, opts?: WriteOptions) => (await gate('create', obj, nsOf(obj), obj.metadata.name || undefined), inner.create(obj, opts)),
    update: async (inner, obj: KubeObject, opts?: WriteOptions) => (await gate('update', obj, nsOf(obj), obj.metadata.name), inner.update(obj, opts)),
    patch: async (inner, type: TypeRef, key: ObjectKey, pt: PatchType, body: unknown, opts?: WriteOptions) => (await gate('patch', type, key.namespace, key.name), inner.patch(type, key, pt, body, opts)),
    apply: async (inner, obj: KubeObject, opts: ApplyOptions) => (await gate('patch', obj, nsOf(obj), obj.metadata.name), inner.apply(obj, opts)),
    delete: async (inner, type: TypeRef, key: ObjectKey, opts?: DeleteOptions) => (await gate('delete', type, key.namespace, key.name), inner.delete(type, key, opts)),
    updateStatus: async (inner, obj: KubeObject, opts?: WriteOptions) => (await gate('update', obj, nsOf(obj), obj.metadata.name, 'status'), inner.updateStatus(obj, opts)),
    patchStatus: async (inner, type: TypeRef, key: ObjectKey, pt: PatchType, body: unknown, opts?: WriteOptions) =>
      (await gate('patch', type, key.namespace, key.name, 'status'), inner.patchStatus(type, key, pt, body, opts)),
    watch: async (inner, type: TypeRef, opts: WatchOptions, onEvent: (e: WatchEvent) => void, onClose?: (err?: unknown) => void) => {
      const d = await gate('watch', type, opts.namespace, undefined);
      if (!d.dropWatch) return inner.watch(type, opts, onEvent, onClose);
      let stopped = false;
      queueMicrotask(() => {
        if (!stopped) onClose?.();
      });
      return { stop: () => void (stopped = true) };
    },
  });
}
