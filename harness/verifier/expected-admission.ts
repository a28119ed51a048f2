/**
 * The ExpectedAdmission contract: what the admission oracle (topologies/admission.ts) expects of one
 * service, and what the admission judge (admission-judge.ts) checks. Types only and imports nothing, so
 * the oracle can import it without reaching platform/ through the verifier (DESIGN.md rule 1).
 */

/** One Cedar denial the oracle expects (reference §3.3, §3.4). */
export interface ExpectedDenial {
  /** Cedar action (gate): `AccessSecret`, `AllowWildcard`. */
  gate: string;
  /** Resource uid as the platform prints it, e.g. `Lattice::SecretPath::"vault-main:shop/db-creds"`, `Lattice::Mesh::"inbound"`. */
  resource: string;
  /** What the spec calls it: the secret resource key, or the mesh direction (`inbound` / `outbound`). */
  subject: string;
  /**
   * `forbidden` when a forbid matched (`access explicitly forbidden by policy`), `no-consent` when the
   * owner of a shared volume does not list the service (AccessVolume's first layer), else `no-permit`.
   */
  cause: 'forbidden' | 'no-permit' | 'no-consent';
  /** With `no-consent`: the platform's reason text (it names the volume and its owner). */
  reason?: string;
}

/**
 * How a Ready service's main container must consume one secret (reference §2.3), for the content check.
 * `<svc>-<resource>` is the base Secret the ESO stub syncs from the resource's ExternalSecret.
 */
export interface ExpectedSecretUse {
  /** Resource key R of the `type: secret` resource. */
  resource: string;
  route: 'env' | 'env-mixed' | 'file' | 'envFrom';
  /** Declared `params.keys` (empty = bulk extraction: the Secret holds whatever the remote key has). */
  keys: string[];
  /** `params.secretType` (the base Secret's type); absent = Opaque. */
  secretType?: string;
  /** env / env-mixed: the variable name; file: the mount path. */
  target: string;
  /** The key K referenced (env, env-mixed, file). */
  key?: string;
  /** env-mixed / file: the consumed text is `prefix + value of K + suffix`. */
  prefix?: string;
  suffix?: string;
}

/**
 * The `BilateralAgreement` condition a mesh member must carry (topologies/oracle-bilateral.ts): False when
 * some declaration involving it is one-sided, with each one-sided declaration's sentence (sorted), else
 * True with none.
 */
export interface ExpectedBilateralAgreement {
  status: 'True' | 'False';
  oneSided: string[];
}

/** What the admission oracle expects of one service (declarations and drawn Cedar permissions only). */
export interface ExpectedAdmission {
  /** `ns/name` of the service. */
  service: string;
  /**
   * The object whose phase is judged: a LatticeService, (escape hatch, or a job task's generated one) a
   * LatticeMeshMember, or a LatticeJob (`service` = `ns/<job>`).
   */
  kind: 'LatticeService' | 'LatticeMeshMember' | 'LatticeJob';
  /** `Running` only for a LatticeJob (its workers run; reference job controller `Job running`). */
  expected: 'Ready' | 'Failed' | 'Running';
  /** A LatticeJob's task workloads (`ns/<job>-<task>`): what sends nothing when it is Failed. */
  tasks?: string[];
  /**
   * A LatticeJob expected Failed by a compile gate: its status message starts with `prefix` (`Failed
   * to compile job: compilation failed for task '<t>': `) and contains every text of `includes` (each
   * denial's gate words, subject and reason).
   */
  jobMessage?: { prefix: string; includes: string[] };
  /** When Failed: the gate the platform names (`PolicyAuthorized` condition reason `<gate>Denied`, or the mesh member's message for AllowWildcard). */
  gate?: string;
  /** When Failed: the first denied resource (uid). */
  resource?: string;
  /** Every expected denial of that gate, in request order (empty when Ready). */
  denials: ExpectedDenial[];
  /**
   * Failed only by a CedarPolicy applied after the service was admitted (a revocation): reference §2.8
   * step 7 deletes its ExternalSecrets and keeps its other outputs, and its traffic goes on.
   */
  revoked?: boolean;
  /**
   * Failed by spec validation, before any gate (reference crates/lattice-service/src/controller.rs:818-829):
   * the field path the platform must name (status message and `Ready/False/ValidationFailed`); `gate`
   * is then `Validation` and `denials` empty, and the service must have produced nothing.
   */
  invalidField?: string;
  /**
   * With `invalidField`: the platform's validating webhook refuses the object at the API (403 naming
   * the field), so it is never stored; absent = it is stored and fails in the controller.
   */
  refusedAtAdmission?: boolean;
  /**
   * Failed by the compile-time quota check (reference crates/lattice-workload compiler.rs:430-438), after
   * spec validation and before any Cedar gate: the platform's whole status message (`quota exceeded: …`);
   * `gate` is then `Quota` and `denials` empty, and the service must have produced nothing.
   */
  quotaExceeded?: string;
  /** The oracle's reason in words. */
  reason: string;
  /** Secrets a Ready service must wire into its pod template (empty when Failed or none). */
  secrets: ExpectedSecretUse[];
  /**
   * When Ready: the `BilateralAgreement` condition of its LatticeMeshMember (the generated one of a
   * LatticeService, or the escape hatch itself). Absent = not judged.
   */
  bilateralAgreement?: ExpectedBilateralAgreement;
}
