/**
 * The ExpectedProbe contract: what the oracle (topologies/oracle.ts) expects of one probe, and what the
 * verifier (run-case.ts) judges against. Types only and imports nothing, so the oracle can import it
 * without reaching platform/ through the verifier (DESIGN.md rule 1; lint enforces it).
 */

/** What the oracle expects of one probe (topologies/oracle.ts produces it from declarations only). */
export interface ExpectedProbe {
  /** Caller key `ns/name`. */
  from: string;
  /** Callee key `ns/name`. */
  to: string;
  /** Service port probed; null when the callee has no Service port. */
  port: number | null;
  expected: 'allow' | 'deny';
  /** The oracle's reason in words. */
  reason: string;
}
