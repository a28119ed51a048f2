/**
 * Parsing and validation of CedarPolicy text (reference §1.6; the CedarPolicy status written by
 * the reference validation controller). Uses Cedar's own parser (`@cedar-policy/cedar-wasm`).
 */
import { policySetTextToParts, policyToJson, type DetailedError } from './wasm.ts';
import type { CedarPolicy, CedarPolicyStatus } from '../crds/types.ts';

/** Result of splitting Cedar text into static policies: the policy texts in source order, or parse errors. */
export type CedarParseResult = { ok: true; policies: string[] } | { ok: false; errors: string[] };

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

function describeError(text: string, e: DetailedError): string {
  const loc = e.sourceLocations?.[0];
  if (!loc) return e.message;
  const where = lineColumn(text, loc.start);
  return loc.label ? `${e.message} (${where}: ${loc.label})` : `${e.message} (${where})`;
}

/**
 * Splits Cedar policy text into its static policies with Cedar's parser.
 *
 * Input: the text of `spec.policies`. Output: `{ok: true, policies}` (each entry is one policy's
 * text, annotations included; empty text or comments only ⇒ no policies) or `{ok: false, errors}`
 * with one message per parse error, each with its line and column. Templates (policies with
 * `?principal` / `?resource` slots) are dropped: nothing links them, so they never apply
 * (as in the reference, whose PolicySet holds them unlinked). Never throws.
 */
export function parseCedarText(text: string): CedarParseResult {
  let answer: ReturnType<typeof policySetTextToParts>;
  try {
    answer = policySetTextToParts(text);
  } catch (err) {
    return { ok: false, errors: [(err as Error).message] };
  }
  if (answer.type === 'failure') return { ok: false, errors: answer.errors.map((e) => describeError(text, e)) };
  return { ok: true, policies: answer.policies };
}

/** The effect of one policy text (as returned by {@link parseCedarText}). Throws an Error when the text is not one policy. */
export function policyEffect(policyText: string): 'permit' | 'forbid' {
  const answer = policyToJson(policyText);
  if (answer.type === 'failure') throw new Error(answer.errors.map((e) => e.message).join('; '));
  return answer.json.effect;
}

/**
 * Validates a CedarPolicy and returns its new status, without `lastValidated` (the caller adds
 * the clock's time) and without `observedGeneration`.
 *
 * Output: disabled ⇒ `{phase: Valid, message: "Policy is disabled", counts 0, no errors}`
 * (whatever the text); parse errors ⇒ `{phase: Invalid, message: "<n> parse error(s)",
 * counts 0, validationErrors}`; else `{phase: Valid, message: "<p> permit, <f> forbid
 * statements", permitCount, forbidCount, validationErrors: []}`. Never throws.
 * Source: reference §1.6 (crates/lattice-api/src/cedar/validation.rs).
 */
export function validateCedarPolicy(obj: CedarPolicy): CedarPolicyStatus {
  if (obj.spec?.enabled === false) {
    return { phase: 'Valid', message: 'Policy is disabled', permitCount: 0, forbidCount: 0, validationErrors: [] };
  }
  const parsed = parseCedarText(typeof obj.spec?.policies === 'string' ? obj.spec.policies : '');
  if (!parsed.ok) {
    return { phase: 'Invalid', message: `${parsed.errors.length} parse error(s)`, permitCount: 0, forbidCount: 0, validationErrors: parsed.errors };
  }
  let permitCount = 0;
  let forbidCount = 0;
  for (const p of parsed.policies) {
    if (policyEffect(p) === 'permit') permitCount++;
    else forbidCount++;
  }
  return { phase: 'Valid', message: `${permitCount} permit, ${forbidCount} forbid statements`, permitCount, forbidCount, validationErrors: [] };
}
