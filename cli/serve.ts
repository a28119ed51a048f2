/**
 * `lattice-sim serve`: the in-memory API server over HTTP on 127.0.0.1, for kubectl and client
 * libraries (issue 8). Writes a kubeconfig (one cluster, one user with a static token or none, one
 * context, current-context), prints the URL and the kubeconfig path, and serves until SIGINT or
 * SIGTERM. Time is the wall clock (RealClock): nothing here is simulated.
 *
 * `--platform` serves a World instead (harness/world.ts: the platform's controllers, the stubs of
 * kube-controller-manager, kubelet, ESO, nodes): the World keeps its VirtualClock and seeded watch
 * delivery, and a pump advances the virtual clock to follow the wall clock every `PUMP_MS`, so
 * controllers react in (approximately) real time without restructuring the World. Watch
 * bookmarks are off there: the World delivers events on its own schedule, so the server's
 * revision is not a safe bookmark (fake-apiserver/http README).
 *
 * `--stubs` serves the same World without the Lattice platform (no platform CRDs, webhook or
 * controllers): the cluster stubs alone — kube-controller-manager (deployments, ReplicaSets, Jobs,
 * garbage collector, namespace controller, EndpointSlices), scheduler, kubelet, nodes — a cluster in
 * which a team runs its own operator by kubeconfig. Both also serve metrics-server's `metrics.k8s.io`
 * (`kubectl top`) from the World's simulated metrics (harness/stubs/metrics-server). Bare `serve` is
 * an API server alone, as envtest runs one: nothing collects garbage, a deleted namespace stays Terminating, no pod is scheduled.
 *
 * Authentication and RBAC as envtest's kube-apiserver (fake-apiserver/auth): the kubeconfig's user is
 * the cluster administrator (`system:masters`); a service-account token from `kubectl create token`
 * authenticates as that ServiceAccount and is authorized by the stored Roles and bindings, seeded
 * with the upstream bootstrap policy; `--as` impersonation is authorized as upstream. kubectl sends
 * tokens and impersonation headers only over TLS: use `--tls` for them.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { ApiServer, FaultInjector } from '../fake-apiserver/index.ts';
import type { KubeObject } from '../fake-apiserver/api/index.ts';
import type { PodStreamSource, RunningHttpServer } from '../fake-apiserver/http/index.ts';
import type { World } from '../harness/world.ts';
import { CliError } from './errors.ts';
import type { Io } from './main.ts';

/** Flags of `serve`. */
export interface ServeFlags {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Where the kubeconfig is written. */
  kubeconfig: string;
  /** Static bearer token the server requires (and the kubeconfig carries); none when unset. */
  token?: string;
  /** Serve a World (platform controllers and stubs) pumped in real time instead of a bare API server. */
  platform?: boolean;
  /** Serve a World with the cluster stubs but without the platform (ignored with `platform`). */
  stubs?: boolean;
  /** Seed of the World (with `platform` or `stubs`). */
  seed?: number;
  /** Serve HTTPS with a freshly generated CA and serving certificate; the kubeconfig carries the CA. */
  tls?: boolean;
  /**
   * Kubeconfigs for ServiceAccounts (needs `tls`): each ServiceAccount (and its namespace) is created
   * when missing and `file` gets a kubeconfig with a token of it (TokenRequest, valid {@link SA_TOKEN_SECONDS}).
   */
  kubeconfigFor?: { namespace: string; name: string; file: string }[];
}

/** Lifetime of the tokens `--kubeconfig-for` writes. @unit seconds (a year) */
export const SA_TOKEN_SECONDS = 365 * 86_400;

/** How often the virtual clock of a `--platform` World is brought up to wall time. @unit ms */
export const PUMP_MS = 25;

/** What a running `serve` exposes (tests and the bench use it). */
export interface ServeHandle {
  url: string;
  kubeconfig: string;
  api: ApiServer;
  http: RunningHttpServer;
  /** The fault rules the control endpoint `/lattice-sim/faults` edits (fake-apiserver/http/control.ts). */
  faults: FaultInjector;
  /** The World when `platform` or `stubs` is set. */
  world?: World;
  /** Stops the pump (if any), the World's controllers and the server. */
  stop(): Promise<void>;
}

function seedArg(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 2 ** 31 - 1) throw new InvalidArgumentError('must be an integer from 0 to 2147483647');
  return Number(v);
}

function kubeconfigForArg(v: string, prev: ServeFlags['kubeconfigFor'] = []): NonNullable<ServeFlags['kubeconfigFor']> {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)=(.+)$/.exec(v);
  if (!m) throw new InvalidArgumentError('must be <namespace>/<serviceaccount>=<file>, e.g. team-a/operator=operator.kubeconfig');
  return [...prev, { namespace: m[1]!, name: m[3]!, file: m[5]! }];
}

function portArg(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError('must be an integer from 0 to 65535 (0 picks a free port)');
  return Number(v);
}

/**
 * Starts the server and writes the kubeconfig; does not wait for a signal. The API server, its HTTP
 * front and (with `platform` or `stubs`) the World are imported here, when a server starts: the CLI
 * registers `serve` without them, and a bare server never loads the platform or the simulator.
 */
export async function startServe(flags: ServeFlags, io?: Io): Promise<ServeHandle> {
  if (flags.kubeconfigFor?.length && !flags.tls)
    throw new CliError('LATTICE_SIM_KUBECONFIG_FOR_NEEDS_TLS', '--kubeconfig-for needs --tls: kubectl and client-go send tokens only over TLS, so over plain HTTP the ServiceAccount\'s kubeconfig would act as the administrator');
  const [{ ApiServer, FaultInjector, kubernetesServiceObjects, systemPriorityClasses }, { generateServingCertificate, startHttpServer, writeKubeconfig }, { RealClock }, { installBootstrapPolicy }, { componentStatusProvider, notRunning, requestToken }] = await Promise.all([
    import('../fake-apiserver/index.ts'),
    import('../fake-apiserver/http/index.ts'),
    import('../harness/clock/index.ts'),
    import('../fake-apiserver/auth/index.ts'),
    import('../fake-apiserver/virtual/index.ts'),
  ]);
  const certificate = flags.tls ? await generateServingCertificate() : undefined;
  // The cluster's root CA (kube-root-ca.crt in every namespace of a World): the serving CA with --tls.
  const world = flags.platform || flags.stubs ? await createWorld(flags, (certificate ?? (await generateServingCertificate())).caCert) : undefined;
  const api = world ? world.server : new ApiServer({ clock: new RealClock(), builtinStrategies: { validation: true } });
  // kube-apiserver's bootstrap controller: the `kubernetes` Service in `default`, with its endpoints.
  for (const o of kubernetesServiceObjects()) if (!api.has(o, { namespace: 'default', name: o.metadata.name })) api.create(o);
  // … and its post-start hook's system PriorityClasses (system-node-critical, system-cluster-critical).
  for (const o of systemPriorityClasses()) if (!api.has(o, { name: o.metadata.name })) api.create(o);
  // `kubectl get componentstatuses`: the scheduler and controller manager answer when the World runs them (--stubs, --platform).
  api.serveVirtualResource(componentStatusProvider(() => [world ? { name: 'controller-manager' } : notRunning('controller-manager'), { name: 'etcd-0' }, world ? { name: 'scheduler' } : notRunning('scheduler')]));
  // metrics-server in a served World: `metrics.k8s.io` (kubectl top) from the World's simulated metrics.
  if (world) await serveMetrics(world);
  // kube-apiserver's RBAC bootstrap policy (cluster-admin, admin, edit, view, system:discovery, …) and the clusterrole aggregation controller.
  const stopAggregation = installBootstrapPolicy(api);
  let http: RunningHttpServer;
  const faults = new FaultInjector();
  // Over TLS kubectl sends the kubeconfig's credentials, or prompts for a password when it has none: the administrator gets a token (wall-clock randomness: outside the simulation).
  const adminToken = flags.token ?? (flags.tls ? randomBytes(24).toString('base64url') : undefined);
  // The kubelet stub's container runtime behind pods/exec and pods/attach (kubectl exec, cp, attach).
  const podStreams = world ? await containerRuntime(world) : undefined;
  try {
    http = await startHttpServer(api, {
      port: flags.port,
      token: flags.token,
      ...(adminToken !== undefined ? { adminToken } : {}),
      faults,
      // Over TLS kubectl always sends the kubeconfig's token: a request without one is system:anonymous, as on a cluster.
      ...(certificate ? { tls: certificate, anonymous: true } : {}),
      ...(world ? { now: () => world.clock.now(), bookmarks: false, podLogs: (pod, container, previous) => world.containerLog(pod, container, previous), podStreams } : {}),
    });
  } catch (e) {
    stopAggregation();
    world?.stop();
    const code = (e as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new CliError('LATTICE_SIM_PORT_IN_USE', `port ${flags.port} on 127.0.0.1 is in use: pick another with --port, or --port 0 for a free one`);
    if (code === 'EACCES') throw new CliError('LATTICE_SIM_PORT_DENIED', `port ${flags.port} needs privileges: pick one above 1023 with --port, or --port 0`);
    throw e;
  }
  const kubeconfig = resolve(flags.kubeconfig);
  try {
    writeKubeconfig(kubeconfig, { server: http.url, token: adminToken, ...(certificate ? { certificateAuthority: certificate.caCert } : {}) });
  } catch (e) {
    await http.close();
    world?.stop();
    throw new CliError('LATTICE_SIM_KUBECONFIG_WRITE', `cannot write the kubeconfig ${kubeconfig}: ${(e as Error).message.split('\n')[0]}; pick a writable path with --kubeconfig`);
  }
  for (const sa of flags.kubeconfigFor ?? []) {
    const file = resolve(sa.file);
    try {
      writeKubeconfig(file, { server: http.url, token: kubeconfigToken(api, sa.namespace, sa.name, requestToken, world ? world.clock.now() : Date.now()), name: `${sa.namespace}-${sa.name}`, ...(certificate ? { certificateAuthority: certificate.caCert } : {}) });
    } catch (e) {
      stopAggregation();
      await http.close();
      world?.stop();
      throw new CliError('LATTICE_SIM_KUBECONFIG_WRITE', `cannot write the kubeconfig ${file} for ${sa.namespace}/${sa.name}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  let pump: ReturnType<typeof setInterval> | undefined;
  if (world) followCustomResources(world, io);
  if (world) {
    const simStartMs = world.clock.now();
    const wallStartMs = Date.now();
    let running = false;
    pump = setInterval(() => {
      if (running) return;
      running = true;
      world
        .advance(simStartMs + (Date.now() - wallStartMs))
        .catch((e: unknown) => io?.err(`platform: ${e instanceof Error ? e.message : String(e)}`))
        .finally(() => (running = false));
    }, PUMP_MS);
  }
  return {
    url: http.url,
    kubeconfig,
    api,
    http,
    faults,
    ...(world ? { world } : {}),
    stop: async () => {
      clearInterval(pump);
      stopAggregation();
      world?.stop();
      await http.close();
    },
  };
}

/** Installs the metrics-server stub (harness/stubs/metrics-server) into a served World. */
async function serveMetrics(world: World): Promise<void> {
  const { installMetricsServer } = await import('../harness/stubs/metrics-server/metrics-server.ts');
  installMetricsServer(world.server, { clock: world.clock, cache: world.cache, metrics: world.metrics });
}

/** Creates the namespace and ServiceAccount when missing; a token of it valid {@link SA_TOKEN_SECONDS} from `nowMs` (the server's clock, ms since the epoch). */
function kubeconfigToken(api: ApiServer, namespace: string, name: string, request: typeof import('../fake-apiserver/virtual/index.ts').requestToken, nowMs: number): string {
  if (!api.has({ apiVersion: 'v1', kind: 'Namespace' }, { name: namespace })) api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (!api.has({ apiVersion: 'v1', kind: 'ServiceAccount' }, { namespace, name })) api.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  const tr = request(api, namespace, name, { spec: { expirationSeconds: SA_TOKEN_SECONDS } }, nowMs);
  return (tr.status as { token: string }).token;
}

/** The container runtime of a served World's kubelet stub (harness/stubs/kubelet/exec-runtime.ts), over the World's API server and clock. */
async function containerRuntime(world: World): Promise<PodStreamSource> {
  const { ContainerRuntime, apiRuntimeSources } = await import('../harness/stubs/kubelet/exec-runtime.ts');
  return new ContainerRuntime(apiRuntimeSources(world.server, (pod, container) => world.containerLog(pod, container, false), () => world.clock.now(), (pod, container, code) => world.containerProcessExited(pod, container, code)));
}

/** The World of `--platform` / `--stubs`, on the wall clock's current second. */
async function createWorld(flags: ServeFlags, rootCaCert: string): Promise<World> {
  const [{ World }, { defaultProfile }] = await Promise.all([import('../harness/world.ts'), import('../harness/profile.ts')]);
  return World.create({ seed: flags.seed ?? 1, platform: flags.platform === true, builtinDefaulting: true, startMs: Math.floor(Date.now() / 1000) * 1000, profile: { ...defaultProfile(), events: { normal: true }, nodeLeases: { enabled: true }, serviceAccounts: { rootCaCert } } });
}

/**
 * The garbage collector of a served World also observes the kinds CRDs add while it runs (upstream's
 * collector follows discovery), so a team's custom resources own Deployments, ConfigMaps … as on a
 * real cluster. Only `serve` does this: a simulated run's World keeps its fixed kinds.
 */
function followCustomResources(world: World, io?: Io): void {
  const crdType = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };
  const follow = (crd: KubeObject) => {
    const spec = crd.spec as { group: string; names: { kind: string }; versions: { name: string; storage?: boolean }[] };
    const version = spec.versions.find((v) => v.storage)?.name ?? spec.versions[0]?.name;
    if (!version) return;
    world.gc.track({ apiVersion: `${spec.group}/${version}`, kind: spec.names.kind }).catch((e: unknown) => io?.err(`garbage-collector: ${e instanceof Error ? e.message : String(e)}`));
  };
  world.cache.informerFor(crdType).addEventHandler({ onAdd: follow, onUpdate: (_old, crd) => follow(crd) });
}

/** Resolves on the first SIGINT or SIGTERM (listeners removed afterwards). */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      done(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** Registers `lattice-sim serve [--port N] [--kubeconfig FILE] [--token T] [--tls] [--kubeconfig-for NS/SA=FILE]… [--platform | --stubs] [--seed N]`. */
export function registerServeCommand(program: Command, io: Io): void {
  program
    .command('serve')
    .description('serve the in-memory Kubernetes API server over HTTP on 127.0.0.1 and write a kubeconfig for kubectl; runs until SIGINT/SIGTERM')
    .option('--port <n>', 'TCP port on 127.0.0.1, 0 picks a free one (default: 0)', portArg)
    .option('--kubeconfig <file>', 'where to write the kubeconfig (default: lattice-sim-<pid>.kubeconfig in the temp directory)')
    .option('--token <token>', 'static bearer token of the administrator, required of every request and carried by the kubeconfig; kubectl sends tokens only over TLS, so use it with --tls for kubectl (default: none, a request without credentials is the administrator\'s; service-account tokens from `kubectl create token` authenticate either way)')
    .option('--tls', 'serve HTTPS with a generated CA and serving certificate (localhost, 127.0.0.1, ::1); the kubeconfig carries the CA and an administrator token, and a request without credentials is system:anonymous, as on a cluster (default: plain HTTP)')
    .option('--platform', 'run the Lattice controllers and the simulated cluster (stubs, nodes) in real time behind the server')
    .option('--stubs', 'run the simulated cluster (kube-controller-manager, scheduler, kubelet, nodes) in real time behind the server, without the Lattice platform')
    .option('--seed <n>', 'seed of the simulated cluster with --platform or --stubs (default: 1)', seedArg)
    .option('--kubeconfig-for <ns/sa=file>', 'also write a kubeconfig authenticating as that ServiceAccount (created when missing; RBAC applies to it); repeatable; needs --tls', kubeconfigForArg)
    .action(async (given: { port?: number; kubeconfig?: string; token?: string; platform?: boolean; stubs?: boolean; seed?: number; tls?: boolean; kubeconfigFor?: ServeFlags['kubeconfigFor'] }) => {
      const flags: ServeFlags = {
        port: given.port ?? 0,
        kubeconfig: given.kubeconfig ?? join(tmpdir(), `lattice-sim-${process.pid}.kubeconfig`),
        ...(given.token !== undefined ? { token: given.token } : {}),
        ...(given.tls ? { tls: true } : {}),
        ...(given.kubeconfigFor?.length ? { kubeconfigFor: given.kubeconfigFor } : {}),
        ...(given.platform ? { platform: true } : given.stubs ? { stubs: true } : {}),
        ...(given.platform || given.stubs ? { seed: given.seed ?? 1 } : {}),
      };
      const stopped = untilSignal();
      const s = await startServe(flags, io);
      const what = flags.platform
        ? ` (platform: Lattice controllers and simulated cluster, seed ${flags.seed}, real time)`
        : flags.stubs
          ? ` (stubs: simulated cluster without the Lattice platform, seed ${flags.seed}, real time)`
          : ' (bare API server: no controllers, so no garbage collection, namespaces stay Terminating, pods stay Pending; --stubs runs the cluster)';
      io.out(`lattice-sim API server listening on ${s.url}${what}`);
      io.out(`kubeconfig: ${s.kubeconfig}`);
      for (const sa of flags.kubeconfigFor ?? []) io.out(`kubeconfig for serviceaccount ${sa.namespace}/${sa.name}: ${resolve(sa.file)}`);
      io.out(`try: KUBECONFIG=${s.kubeconfig} kubectl get namespaces`);
      io.out(`control: ${s.url}/lattice-sim/ (faults, compact, watches, snapshot)`);
      const sig = await stopped;
      await s.stop();
      io.out(`stopped (${sig})`);
    });
}
