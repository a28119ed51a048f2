/**
 * The platform's one boundary to Cedar's evaluator (`@cedar-policy/cedar-wasm`): every call into the
 * WebAssembly module goes through here, and nowhere else imports the package's functions.
 *
 * Why a boundary (measured on Node 20.20, V8 11.3): TurboFan inlines a JavaScript → Wasm call into
 * the optimized code of its caller. When that optimized caller is lazily deoptimized while the Wasm
 * call is running (the Wasm module calls back into JavaScript to build its answer, which can change
 * object maps the caller's code depends on), V8 11.3 must rebuild a "JS to Wasm builtin continuation"
 * frame for the inlined call. It can do that for i32/i64/f32/f64 results only; every cedar-wasm
 * export returns an `externref`, and the deoptimizer aborts the process
 * (`Fatal error … unreachable code` in `Deoptimizer::DoComputeBuiltinContinuation`, exit 133).
 * `lattice-sim run --inject-bug unilateral-allow` hit it in the CedarPolicy controller
 * (validateCedarPolicy → policyToJson) and in `CedarEngine.decide` (statefulIsAuthorized).
 *
 * Two measures, both here:
 * 1. V8's `turbo-inline-js-wasm-calls` optimization is switched off for the process when this module
 *    loads, before any caller can be optimized: with no inlined JS → Wasm call there is no such frame
 *    to rebuild, so the abort cannot happen. All other optimization stays on. The cost is one generic
 *    call wrapper per Wasm call.
 * 2. The pure calls are memoized by their input (Cedar parsing and authorization are deterministic
 *    functions of their arguments), so the hot paths — one CedarPolicy validation per reconcile, one
 *    authorization per gate request — reach Wasm once per distinct input.
 *
 * Memo tables are bounded ({@link MEMO_LIMIT} entries each, oldest dropped first). A memoized answer
 * is shared between callers: read it, never mutate it.
 */
import { setFlagsFromString } from 'node:v8';
import {
  policySetTextToParts as wasmPolicySetTextToParts,
  policyToJson as wasmPolicyToJson,
  preparsePolicySet as wasmPreparsePolicySet,
  statefulIsAuthorized as wasmStatefulIsAuthorized,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { AuthorizationAnswer, DetailedError } from '@cedar-policy/cedar-wasm/nodejs';

export type { AuthorizationAnswer, DetailedError };

setFlagsFromString('--no-turbo-inline-js-wasm-calls');

/** Entries kept per memo table before the oldest are dropped. */
export const MEMO_LIMIT = 50_000;

function memo<A, R>(fn: (arg: A) => R, keyOf: (arg: A) => string): (arg: A) => R {
  const table = new Map<string, R>();
  return (arg: A): R => {
    const key = keyOf(arg);
    const hit = table.get(key);
    if (hit !== undefined) return hit;
    const value = fn(arg);
    if (table.size >= MEMO_LIMIT) table.delete(table.keys().next().value as string);
    table.set(key, value);
    return value;
  };
}

/** Cedar's parser: policy set text → its static policies' texts, or parse errors. Memoized by text. Throws what cedar-wasm throws. */
export const policySetTextToParts: typeof wasmPolicySetTextToParts = memo(wasmPolicySetTextToParts, (text) => text);

/** Cedar's parser: one policy's text → its JSON form (effect, scope, conditions). Memoized by text. Throws what cedar-wasm throws. */
export const policyToJson: typeof wasmPolicyToJson = memo(wasmPolicyToJson, (text) => (typeof text === 'string' ? text : JSON.stringify(text)));

/**
 * Hands a policy set to Cedar's per-thread cache under `id`. Not memoized here: the caller
 * (CedarEngine) keeps the set of ids already handed over. Throws what cedar-wasm throws.
 */
export const preparsePolicySet: typeof wasmPreparsePolicySet = (id, policies) => wasmPreparsePolicySet(id, policies);

/**
 * One authorization request against a preparsed policy set. Memoized by the whole call (policy set
 * id, principal, action, resource, context, entities): the answer is a pure function of them.
 * Throws what cedar-wasm throws.
 */
export const statefulIsAuthorized: (call: Parameters<typeof wasmStatefulIsAuthorized>[0]) => AuthorizationAnswer = memo(wasmStatefulIsAuthorized, (call) =>
  JSON.stringify(call),
);
