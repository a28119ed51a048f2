/**
 * The `run` command's flags as one typed table (STYLE.md rule 21): every option of {@link RunFlags} has
 * exactly one entry (the mapped type forces it), with its description, argument and default. `--help`
 * is generated from it.
 */

/** Parsed flags of `lattice-sim run`. */
export interface RunFlags {
  specs: string[];
  seed: number;
  topologies: number | undefined;
  topology: number | undefined;
  evolutions: number | undefined;
  evolution: number | undefined;
  path: string | undefined;
  injectBug: string | undefined;
  shrink: 'first' | 'all' | 'none';
  probes: 'all' | 'sampled' | undefined;
  shard: { index: number; count: number } | undefined;
  budgetMs: number | undefined;
  /** Worker threads for the random topologies; undefined: the default (cli/workers.ts defaultWorkers). */
  workers: number | undefined;
  strict: boolean;
  out: string;
  debug: boolean;
}

/** One row of the table. */
export interface FlagSpec {
  flag: string;
  description: string;
  defaultText: string;
}

/** The table: one entry per flag, enforced by the mapped type. */
export const RUN_FLAGS: { [K in keyof RunFlags]: FlagSpec } = {
  specs: {
    flag: '--specs <dir>',
    description: 'load real specs (Namespace, every platform kind: LatticeService, LatticeJob, LatticeMeshMember, CedarPolicy, SecretProvider, ImageProvider, and the Deployment, Service and ServiceAccount under a LatticeMeshMember) from a directory of YAML files; repeatable',
    defaultText: 'the example fleets topologies/examples/shop and harbor, one run each',
  },
  seed: { flag: '--seed <n>', description: 'seed of the run, 0 to 4294967295: same seed, same results.json', defaultText: '1' },
  topologies: { flag: '--topologies <n>', description: 'number of random bilateral topologies, at most 1000000', defaultText: '100 (0 with --specs)' },
  topology: { flag: '--topology <index>', description: 'run only random topology <index> of the seed (reproduce a failure)', defaultText: 'all' },
  evolutions: {
    flag: '--evolutions <n>',
    description: 'number of evolving topologies: a small random topology changed by up to 4 commands (declarations, wildcards, services, namespaces, ports, replicas) while traffic runs, each change applied as a diff and judged in transit and after it settles',
    defaultText: '12 in the default run; 0 with --topologies, --topology, --specs or --budget',
  },
  evolution: { flag: '--evolution <index>', description: 'run only evolving topology <index> of the seed (reproduce a failure)', defaultText: 'all' },
  path: { flag: '--path <path>', description: 'fast-check replay path of a shrunk counterexample (with --topology or --evolution)', defaultText: 'none' },
  injectBug: { flag: '--inject-bug <name>', description: 'start the platform with a known bug to prove the verifier catches it (the bug catalogue: lattice-sim bugs)', defaultText: 'none' },
  shrink: { flag: '--shrink <which>', description: 'failing random topologies to shrink: first | all | none (the others are reported unshrunk, each with its reproduce command)', defaultText: 'first' },
  probes: {
    flag: '--probes <which>',
    description: 'fleet probes to judge: all (every ordered pair of services) | sampled (every declared edge plus a deterministic sample of undeclared pairs per caller)',
    defaultText: 'all up to 200 services, sampled above',
  },
  shard: {
    flag: '--shard <i/n>',
    description: 'run shard i of n (1-based) of the random topologies: those whose index modulo n is i-1; the fleet runs in shard 1 only. Merge the shards\' results with lattice-sim merge',
    defaultText: 'all (1/1)',
  },
  budgetMs: {
    flag: '--budget <time>',
    description: 'run random topologies until this much wall time has passed (e.g. 90s, 10m, 1h); without --topologies, up to the maximum count. What ran depends on the machine, so a budgeted run is not reproducible as a whole: each failure still is, by its reproduce line',
    defaultText: 'none',
  },
  workers: {
    flag: '--workers <k>',
    description:
      'run the random topologies on k threads: k-1 worker threads, and this one once the fleets and evolving topologies are done (1 to 64; 1 runs them all in this thread). Results, reports and the summary are the same for every k: records come back in index order, and --shrink first shrinks the lowest failing index',
    defaultText: 'one per core, at most 4 and at most one per 10 topologies',
  },
  strict: { flag: '--strict', description: 'refuse spec fields the schema does not declare (server-side field validation Strict) instead of warning', defaultText: 'off (Warn)' },
  out: { flag: '--out <dir>', description: 'directory for results.json and junit.xml (checked writable before the run starts)', defaultText: 'reports/out/latest' },
  debug: { flag: '--debug', description: 'print the full stack of an internal error (exit 3) on stderr', defaultText: 'off' },
};
