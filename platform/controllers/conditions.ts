/**
 * Condition list merging (reference §1.0): same type + status + reason keeps the old
 * lastTransitionTime and updates the message; otherwise the entry is replaced with a fresh
 * timestamp; a new type is appended; other types are kept.
 */
import type { Condition } from '../../fake-apiserver/api/index.ts';

/** Returns a new list with `next` merged in (inputs are not modified). `nowIso` is RFC 3339. */
export function mergeCondition(list: readonly Condition[] | undefined, next: Omit<Condition, 'lastTransitionTime'>, nowIso: string): Condition[] {
  const out = [...(list ?? [])];
  const i = out.findIndex((c) => c.type === next.type);
  if (i < 0) out.push({ ...next, lastTransitionTime: nowIso });
  else if (out[i].status === next.status && out[i].reason === next.reason) out[i] = { ...out[i], ...next, lastTransitionTime: out[i].lastTransitionTime };
  else out[i] = { ...next, lastTransitionTime: nowIso };
  return out;
}

/** Removes the condition of `type`. */
export function dropCondition(list: readonly Condition[] | undefined, type: string): Condition[] {
  return (list ?? []).filter((c) => c.type !== type);
}

/** True when both lists hold the same (type, status, reason, message) entries in order; timestamps ignored. */
export function sameConditions(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const key = (l: readonly Condition[] | undefined) => JSON.stringify((l ?? []).map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '']));
  return key(a) === key(b);
}
