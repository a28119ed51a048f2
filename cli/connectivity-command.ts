/**
 * Registers `lattice-sim connectivity` (the command is described in connectivity.ts). Apart from that
 * module so that the CLI can register the command without loading the YAML parser, the spec loader,
 * the evaluator and the run replayer: the action imports connectivity.ts when the command runs.
 */
import type { Command } from 'commander';
import type { ConnectivityFlags, ConnectivityResult } from './connectivity.ts';
import { CliError } from './errors.ts';
import { EXIT_BAD_INPUT } from './exit-codes.ts';
import type { Io } from './main.ts';

/**
 * Registers `connectivity` on `program`. `setExit` (optional) receives the exit code; without it a bad
 * input is thrown as a CliError (exit 2) for the caller to report.
 */
export function registerConnectivityCommand(program: Command, io: Io, setExit?: (code: number) => void): void {
  program
    .command('connectivity')
    .description('judge one probe against a directory of dataplane objects (pods, Services, Cilium and Istio policies): verdict, deciding layer, policy, reason')
    .option('--state <dir>', 'directory (or file) of YAML objects: Namespaces, Pods, Services, EndpointSlices (optional), CiliumNetworkPolicies, CiliumClusterwideNetworkPolicies, AuthorizationPolicies, PeerAuthentications, NetworkPolicies, waypoint Gateways')
    .option('--from-run <dir>', 'instead of --state: the --out directory of a lattice-sim run; the run is replayed (same seed, same state) and the question asked of the dataplane it ended with')
    .option('--run <id>', 'with --from-run: the run record to replay (fleet:<name> or topology:<seed>:<index>, as results.json names it); optional when the run holds one record')
    .requiredOption('--from <ns/name>', 'source: a pod, or a workload whose pods carry app.kubernetes.io/name or app = name (first ready pod by name)')
    .requiredOption('--to <ns/name:port>', 'target Service and Service port')
    .option('--method <method>', 'HTTP method (default: GET)')
    .option('--path <path>', 'HTTP path (default: /)')
    .option('--json', 'print {"verdict","layer","policy","reason"} as JSON')
    .option('--trust-domain <domain>', 'mesh trust domain', 'cluster.local')
    .option('--root-namespace <ns>', 'Istio root namespace', 'istio-system')
    .addHelpText('after', '\nExit codes:\n  0  the verdict was computed (allow or deny)\n  2  bad flags or bad input (file, document, object and field are named)')
    .action(async (flags: ConnectivityFlags) => {
      const { connectivity, connectivityFromRun, formatStateProblem } = await import('./connectivity.ts');
      let result: ConnectivityResult & { replayed?: string };
      try {
        if ((flags.state === undefined) === (flags.fromRun === undefined)) throw new CliError('LATTICE_SIM_BAD_FLAG', 'give exactly one of --state DIR and --from-run DIR');
        if (flags.run !== undefined && flags.fromRun === undefined) throw new CliError('LATTICE_SIM_BAD_FLAG', '--run needs --from-run');
        result = flags.fromRun !== undefined ? await connectivityFromRun({ ...flags, fromRun: flags.fromRun }) : connectivity({ ...flags, state: flags.state! });
      } catch (err) {
        if (!(err instanceof CliError) || !setExit) throw err;
        io.err(`error [${err.code}]: ${err.message}`);
        setExit(EXIT_BAD_INPUT);
        return;
      }
      for (const w of result.warnings) io.err(`warning: ${formatStateProblem(w)}`);
      const v = result.verdict;
      if (flags.json) {
        io.out(JSON.stringify({ verdict: v.decision, layer: v.layer, policy: v.policy, reason: v.reason }));
      } else {
        const http = `${result.probe.method ?? 'GET'} ${result.probe.path ?? '/'}`;
        if (result.replayed) io.out(`state:   ${result.replayed}`);
        io.out(`${result.source} → ${result.probe.toService.namespace}/${result.probe.toService.name}:${result.probe.port} (${http})`);
        if (result.note) io.out(`  from:    ${result.note}`);
        io.out(`  verdict: ${v.decision}`);
        io.out(`  layer:   ${v.layer}`);
        io.out(`  policy:  ${v.policy ?? '(none)'}`);
        io.out(`  reason:  ${v.reason}`);
      }
      setExit?.(0);
    });
}
