/**
 * The API error: a Kubernetes `Status` carried by an Error (Kubernetes API concepts: Status object;
 * kube-rs `Status` as error). The in-process client throws it, the HTTP front serialises the same
 * object, so both clients fail the same way. No imports: usable from every layer.
 */

/** One field-level cause of a 422 Invalid (or an apply conflict). `field` is a dotted path such as `spec.replicas`. */
export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

/** Status reasons used by this server, with their HTTP codes in {@link reasonCodes}. */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

/** HTTP code for each reason (Kubernetes API conventions). */
export const reasonCodes: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  Invalid: 422,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

/** The wire shape `{kind: "Status", apiVersion: "v1", status: "Failure", ...}`. */
export interface ApiStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: StatusReason;
  code: number;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
}

/**
 * An API error. `status` is the exact object a real API server would return. It is an answer, not a
 * fault of the program, so it captures no stack trace (`stack` is `StatusError: <message>`): capturing
 * one cost about 30 µs per error, and a simulation gets thousands of them (every 404 of a delete or read).
 */
export class StatusError extends Error {
  readonly status: ApiStatus;
  constructor(status: ApiStatus) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(status.message);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.name = 'StatusError';
    this.status = status;
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): StatusReason {
    return this.status.reason;
  }
}

/** Builds a StatusError for `reason` with `message` and optional details. */
export function statusError(reason: StatusReason, message: string, details?: ApiStatus['details']): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code: reasonCodes[reason], ...(details ? { details } : {}) });
}

/** `<resource>.<group> "<name>" not found` (group omitted for the core group). */
export function notFound(resource: string, group: string, name: string, kind?: string): StatusError {
  return statusError('NotFound', `${group ? `${resource}.${group}` : resource} "${name}" not found`, { name, group, kind: kind ?? resource });
}

/** 409 AlreadyExists. */
export function alreadyExists(resource: string, group: string, name: string, kind?: string): StatusError {
  return statusError('AlreadyExists', `${group ? `${resource}.${group}` : resource} "${name}" already exists`, { name, group, kind: kind ?? resource });
}

/** 409 Conflict for a stale resourceVersion (upstream wording). */
export function conflict(resource: string, group: string, name: string, kind?: string): StatusError {
  return statusError(
    'Conflict',
    `Operation cannot be fulfilled on ${group ? `${resource}.${group}` : resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: kind ?? resource },
  );
}

/** 422 Invalid: `<Kind>.<group> "<name>" is invalid: <field>: <detail>, ...` with one cause per field. */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): StatusError {
  // utilerrors.NewAggregate: one error prints alone, several as `[a, b]`, duplicates once.
  const parts = [...new Set(causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)))];
  const detail = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return statusError('Invalid', `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${detail}`, { name, group, kind, causes });
}

/** 410 Gone for a compacted resourceVersion. */
export function gone(message: string): StatusError {
  return statusError('Expired', message);
}

const hasReason = (err: unknown, ...reasons: StatusReason[]): boolean => err instanceof StatusError && reasons.includes(err.reason);
/** True for 404 NotFound. */
export const isNotFound = (err: unknown): boolean => hasReason(err, 'NotFound');
/** True for 409 Conflict (stale resourceVersion or apply conflict). */
export const isConflict = (err: unknown): boolean => hasReason(err, 'Conflict');
/** True for 409 AlreadyExists. */
export const isAlreadyExists = (err: unknown): boolean => hasReason(err, 'AlreadyExists');
/** True for 422 Invalid. */
export const isInvalid = (err: unknown): boolean => hasReason(err, 'Invalid');
/** True for 410 Gone / Expired. */
export const isGone = (err: unknown): boolean => hasReason(err, 'Gone', 'Expired');

/** Returns `undefined` for a NotFound error and rethrows anything else (controller-runtime IgnoreNotFound). */
export function ignoreNotFound(err: unknown): undefined {
  if (isNotFound(err)) return undefined;
  throw err;
}
