/**
 * The ExpectedProbe contract: what the oracle (topologies/oracle.ts) expects of one probe, and what the
 * verifier (run-case.ts) judges against, and the key of a probe to a host outside the cluster. Types
 * and two pure key helpers only, and imports nothing, so the oracle can import it
 * without reaching platform/ through the verifier (DESIGN.md rule 1; lint enforces it).
 */

/** Prefix of a probe target outside the cluster (Cilium's `world`): see {@link externalProbeKey}. */
export const EXTERNAL_PROBE_PREFIX = 'world:';

/**
 * The `to` key of a probe to a host outside the cluster, by DNS name (an FQDN) or IPv4 address:
 * `world:<host>`. No namespace is spelt with a colon, so it never names a Service.
 */
export const externalProbeKey = (host: string): string => `${EXTERNAL_PROBE_PREFIX}${host}`;

/** The host of an {@link externalProbeKey} key, else undefined (a Service key `ns/name`). */
export const externalProbeHost = (key: string): string | undefined => (key.startsWith(EXTERNAL_PROBE_PREFIX) ? key.slice(EXTERNAL_PROBE_PREFIX.length) : undefined);

/** What the oracle expects of one probe (topologies/oracle.ts produces it from declarations only). */
export interface ExpectedProbe {
  /** Caller key `ns/name`. */
  from: string;
  /** Callee key `ns/name`, or a host outside the cluster ({@link externalProbeKey}). */
  to: string;
  /** Service port probed; null when the callee has no Service port. */
  port: number | null;
  expected: 'allow' | 'deny';
  /** The oracle's reason in words. */
  reason: string;
}
