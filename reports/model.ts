/**
 * The results model every reporter reads (STYLE.md rule 20): stable, read-only, deterministic ids
 * and order. The simulator and a real-cluster replay produce the same records. Types only (the
 * statuses are computed in harness/verifier/status.ts).
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
  /** Set for a hand-written (escape-hatch) LatticeMeshMember; absent = a LatticeService. */
  kind?: 'LatticeMeshMember';
  phase: string;
  message?: string;
  conditions: { type: string; status: string; reason?: string; message?: string }[];
}

/**
 * One service's admission judged against the admission oracle (declarations and drawn Cedar permissions
 * only): the phase it ended in, the gate that failed it, and anything else that is not as expected
 * (outputs left by a denied service, a secret wired wrongly). `problems` empty = as expected.
 */
export interface AdmissionRecord {
  /** `ns/name` */
  service: string;
  /** The object judged: the LatticeService, the LatticeMeshMember of an escape hatch or of a job task, or the LatticeJob. */
  kind: 'LatticeService' | 'LatticeMeshMember' | 'LatticeJob';
  expected: 'Ready' | 'Failed' | 'Running';
  /** The phase observed at the end (`absent` when the object does not exist). */
  observed: string;
  /** When expected Failed: the gate the oracle expects (e.g. `AccessSecret`, `AllowWildcard`) and its first resource uid. */
  expectedGate?: string;
  expectedResource?: string;
  /** The gate the platform named (`Authorized` condition reason `<Gate>Denied`, or the mesh member's Cedar message). */
  observedGate?: string;
  /** The platform's own words (status message). */
  message?: string;
  /** The oracle's reason in words. */
  expectedReason: string;
  /** What differs from the expectation, one sentence each. */
  problems: string[];
}

/** An input object refused by the API server (file, object, field causes), never lost silently. */
export interface InputErrorRecord {
  file?: string;
  /** 1-based document index inside `file`. */
  document?: number;
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

/**
 * How a run ended, worst first: `input-errors` (some input was refused), `mismatches` (a probe's
 * observed verdict differed from the oracle's), `invariant-violations` (a rule that must hold at every
 * instant broke: see {@link InvariantViolationRecord}), `unverified` (the platform never settled or the
 * generators fell short of their cycles: nothing proves enforcement), `verified`.
 */
export type RunStatus = 'input-errors' | 'mismatches' | 'invariant-violations' | 'unverified' | 'verified';

/**
 * A rule that must hold at every instant of a run and broke (harness/verifier/invariants.ts):
 * `ready-without-mesh-policies`, `output-for-denied-service`, `observed-generation-lag`,
 * `left-behind-after-delete`.
 */
export interface InvariantViolationRecord {
  rule: string;
  /** Simulated ms since the run started (wall ms on a real cluster) at which it was seen or its bound ran out. */
  atMs: number;
  /** `Kind ns/name` of the object the rule is about. */
  object: string;
  message: string;
}

/** A probe observed allowed during a transition whose pair neither the old nor the new declarations allow. */
export interface TransitionViolationRecord {
  from: string;
  to: string;
  port: number | null;
  /** 1-based complete cycle of the source's generator after the change. */
  cycle: number;
  observed: 'allow';
  reason: string;
}

/** One step of an evolving topology: a command applied as a diff of rendered objects, then judged. */
export interface EvolutionStepRecord {
  /** The command in words (`initial` for the first state). */
  command: string;
  /** `Kind ns/name` of the objects created, updated and deleted by the step. */
  changes: { created: string[]; updated: string[]; deleted: string[] };
  /** Simulated ms since the run started: when the diff was applied, when the platform settled for it (null: never), when judged. */
  appliedAtMs: number;
  settledAtMs: number | null;
  judgedAtMs: number;
  /** Probes judged against the new oracle. */
  probes: number;
  /** Probes whose judged cycle (the bound: 2 complete cycles after settling) differed from the new oracle. */
  mismatches: ProbeRecord[];
  /** Over-allows seen in any complete cycle between the change and the judged one. */
  transitions: TransitionViolationRecord[];
  /** Non-empty when the step could not be judged: what was waited for. */
  timedOut?: string;
}

/**
 * How the whole results document ended: the worst {@link RunStatus} of its runs, or `incomplete`
 * (written when a run starts: a file that still says so belongs to a run that crashed or was
 * killed), or `internal-error` (lattice-sim itself failed; `error` says how).
 */
export type ResultsStatus = RunStatus | 'incomplete' | 'internal-error';

/** One sample of a metric: simulated ms since the World started, and the value (unit in the series). */
export type MetricPoint = [atMs: number, value: number];

/** A time series a run records (writes/s, queue depth, reconciles/s, memory …). */
export interface MetricSeries {
  name: string;
  /** Unit of the values, e.g. `writes/s`, `items`, `bytes`. */
  unit: string;
  points: MetricPoint[];
}

/** One run: a fleet of specs, one random topology, or a scenario. */
export interface RunRecord {
  /** Deterministic id: `fleet:<name>`, `topology:<seed>:<index>`, `evolution:<seed>:<index>` or `scenario:<name>`. */
  id: string;
  name: string;
  kind: 'fleet' | 'random' | 'evolution' | 'scenario';
  status: RunStatus;
  seed?: number;
  topologyIndex?: number;
  services: ServiceRecord[];
  probes: ProbeRecord[];
  mismatches: number;
  inputErrors: InputErrorRecord[];
  /** Input accepted with something a person should know (unknown fields dropped, dangling dependencies …). */
  warnings: InputErrorRecord[];
  notes: string[];
  verification: VerificationRecord;
  /** Invariants broken during the run, in the order seen (absent = none were checked, e.g. an older record). */
  invariants?: InvariantViolationRecord[];
  /** An evolving topology (kind `evolution`): its steps, the first being the initial state. */
  evolution?: { steps: EvolutionStepRecord[] };
  /** Time series recorded during the run, if any. */
  metrics?: MetricSeries[];
  /** Admissions judged (random topologies: every service), in topology order; absent when the run judged none. */
  admissions?: AdmissionRecord[];
  /** Admissions with problems (counted as failures: status `mismatches`). */
  admissionMismatches?: number;
}

/** A failing random topology after shrinking (fast-check), with the command that reproduces it. */
export interface FailureRecord {
  run: string;
  seed: number;
  topologyIndex: number;
  /** fast-check replay path of the counterexample (shrunk when `shrunk`). */
  path: string;
  /** False for failures reported as found, without shrinking (only the first failure of a run is shrunk by default). */
  shrunk: boolean;
  shrinks: number;
  /** How the counterexample failed: mismatches, or unverified (then `verification` says what was waited for). */
  status: Exclude<RunStatus, 'verified'>;
  verification?: string;
  servicesBefore: number;
  /** The shrunk topology, in words and as data. */
  counterexample: {
    services: CounterexampleService[];
    /** The drawn Cedar policy set, one line per statement (absent when the topology has the implicit permits). */
    cedar?: string[];
  };
  mismatches: ProbeRecord[];
  /** Admissions of the counterexample that were not as expected (absent when none). */
  admissionMismatches?: AdmissionRecord[];
  reproduce: string;
  /** Invariants the counterexample broke (absent when none). */
  invariants?: InvariantViolationRecord[];
  /** An evolving topology's counterexample: the shrunk commands in order (the initial topology is `counterexample`). */
  commands?: string[];
  /** The evolving counterexample's over-allows during transitions. */
  transitions?: TransitionViolationRecord[];
}

/**
 * One service of a shrunk counterexample. Mesh-feature fields appear only when they differ from their
 * default (topologies/topology.ts documents each): an escape-hatch LatticeMeshMember, its ServiceAccount
 * when not its name, `ambient: false`, depends-all, replicas above 1, and the creation time
 * (simulated ms after the start) when created late.
 */
export interface CounterexampleService {
  name: string;
  ports: number[];
  outbound: string[];
  inbound: string[];
  wildcardInbound: boolean;
  kind?: 'mesh-member';
  /** A LatticeJob task: the job's name (its LatticeJob `<ns>/<jobName>`, task = the rest of the name). */
  jobName?: string;
  serviceAccount?: string;
  ambient?: false;
  dependsAll?: true;
  replicas?: number;
  createdAtMs?: number;
  /** External egress of a mesh-member, `<fqdn|cidr>:<port>` each. */
  egress?: string[];
  /** Its secrets, one line each: `<name> <provider>:<path> keys=… route=…` (absent when none). */
  secrets?: string[];
  /** Security overrides of its main container (override ids, absent when none). */
  securityOverrides?: string[];
  /** Shared volume: `owns <id> consumers=<a,b>` or `mounts <id>` (absent when none). */
  sharedVolume?: string;
  /** Its own LatticeQuota: `within` (room left) or `capped` (below its request); absent when none. */
  quota?: 'within' | 'capped';
}

/** The whole results.json. Everything but `header` is a pure function of (seed, inputs, options). */
export interface ResultsDocument {
  header: { tool: 'lattice-sim'; version: string; generatedAt: string; wallMs: number; command: string };
  summary: {
    status: ResultsStatus;
    runs: number;
    topologies: number;
    probes: number;
    mismatches: number;
    failedRuns: number;
    unverifiedRuns: number;
    /** Invariant violations over every run (absent in documents written before invariants existed). */
    invariantViolations?: number;
    /** Services whose admission was judged, and those not as the admission oracle expects (absent in documents written before admissions were judged). */
    admissions?: number;
    admissionMismatches?: number;
    inputErrors: number;
    warnings: number;
  };
  runs: RunRecord[];
  failures: FailureRecord[];
  /** Set when `summary.status` is `incomplete` or `internal-error`: what happened, in words. */
  error?: { message: string; stackFile?: string };
}
