/**
 * The results model every reporter reads (STYLE.md rule 20): stable, read-only, deterministic ids
 * and order. The simulator and a real-cluster replay produce the same records. Types only.
 */

/** One judged probe. `expected` comes from the oracle (declarations only); `observed` from the traffic log. */
export interface ProbeRecord {
  from: string;
  to: string;
  /** Service port probed; null when the callee has no Service port. */
  port: number | null;
  expected: 'allow' | 'deny';
  observed: 'allow' | 'deny';
  /** cilium-egress | cilium-ingress | ztunnel | waypoint | none */
  layer: string;
  /** `Kind ns/name` of the deciding policy, or null. */
  policy: string | null;
  /** The dataplane's reason in words. */
  reason: string;
  /** The oracle's reason in words. */
  expectedReason: string;
}

/** A LatticeService at the end of a run. */
export interface ServiceRecord {
  /** `ns/name` */
  name: string;
  phase: string;
  message?: string;
  conditions: { type: string; status: string; reason?: string; message?: string }[];
}

/** An input object refused by the API server (file, object, field causes), never lost silently. */
export interface InputErrorRecord {
  file?: string;
  object: string;
  message: string;
  causes?: { field?: string; message: string }[];
}

/** How the cycle-based verification went. Times are simulated ms since the World started. */
export interface VerificationRecord {
  cyclesRequired: number;
  /** When every LatticeService was Ready or Failed and Ready services' pods were up; null when it never happened. */
  platformReadyAtMs: number | null;
  /** When the judged cycles were complete. */
  judgedAtMs: number;
  /** Non-empty when verification could not complete: what was waited for. */
  timedOut?: string;
}

/** One run: a fleet of specs or one random topology. */
export interface RunRecord {
  /** Deterministic id: `fleet:<name>` or `topology:<seed>:<index>`. */
  id: string;
  name: string;
  kind: 'fleet' | 'random';
  seed?: number;
  topologyIndex?: number;
  services: ServiceRecord[];
  probes: ProbeRecord[];
  mismatches: number;
  inputErrors: InputErrorRecord[];
  notes: string[];
  verification: VerificationRecord;
}

/** A failing random topology after shrinking (fast-check), with the command that reproduces it. */
export interface FailureRecord {
  run: string;
  seed: number;
  topologyIndex: number;
  /** fast-check replay path of the shrunk counterexample. */
  path: string;
  shrinks: number;
  servicesBefore: number;
  /** The shrunk topology, in words and as data. */
  counterexample: { services: { name: string; ports: number[]; outbound: string[]; inbound: string[]; wildcardInbound: boolean }[] };
  mismatches: ProbeRecord[];
  reproduce: string;
}

/** The whole results.json. Everything but `header` is a pure function of (seed, inputs, options). */
export interface ResultsDocument {
  header: { tool: 'lattice-sim'; version: string; generatedAt: string; wallMs: number; command: string };
  summary: { runs: number; topologies: number; probes: number; mismatches: number; failedRuns: number; inputErrors: number };
  runs: RunRecord[];
  failures: FailureRecord[];
}
