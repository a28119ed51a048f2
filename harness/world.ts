/**
 * World: one simulated cluster (DESIGN.md "Core contracts") — the in-memory API server, a
 * VirtualClock, the seeded RNG, the controller runner with the stubs (kube-controller-manager,
 * kubelet, ESO, node pool, garbage collector) and the platform's controllers. Everything a run does
 * is a function of (seed, inputs, options).
 */
import { ApiServer, InProcessClient } from '../fake-apiserver/index.ts';
import type { KubeClient, KubeObject, ListOptions, TypeRef } from '../fake-apiserver/api/index.ts';
import { StatusError, parseKey } from '../fake-apiserver/api/index.ts';
import { LATTICE_WEBHOOK_SERVICE, LatticeJobType, LatticeMeshMemberType, LatticeModelType, LatticePackageType, LatticeServiceType, latticeWebhookServer, platformControllers, platformValidatingWebhook } from '../platform/index.ts';
import type { Logger } from '../platform/index.ts';
import { VirtualClock } from './clock/index.ts';
import { DeliverySchedule, SeededRng, stableNameSuffix, stableUid } from './rng/index.ts';
import { ControllerRunner } from './runner/index.ts';
import { InformerFactory, cacheBackedClient } from './client/index.ts';
import { defaultProfile } from './profile.ts';
import type { NodeFaultSpec, SimulationProfile } from './profile.ts';
import { CoreTypes, StubTypes } from './stubs/third-party-crds.ts';
import { nodeObjects } from './stubs/nodes.ts';
import { installCluster } from './world-template.ts';
import { eventRecorder } from './stubs/events.ts';
import { deploymentController } from './stubs/kcm/deployment-controller.ts';
import { replicaSetController } from './stubs/kcm/replicaset-controller.ts';
import { endpointSliceController } from './stubs/kcm/endpointslice-controller.ts';
import { endpointsController } from './stubs/kcm/endpoints-controller.ts';
import { GarbageCollector } from './stubs/kcm/garbage-collector.ts';
import { namespaceController, namespacedKinds } from './stubs/kcm/namespace-controller.ts';
import { serviceAccountsController } from './stubs/kcm/serviceaccounts-controller.ts';
import { taintEvictionController } from './stubs/kcm/taint-eviction-controller.ts';
import { nodeSchedulableEvents } from './stubs/kubelet/node-events.ts';
import { resourceQuotaController } from './stubs/kcm/resourcequota-controller.ts';
import { disruptionController } from './stubs/kcm/disruption-controller.ts';
import { BatchTypes, jobController } from './stubs/kcm/job-controller.ts';
import { StatefulSetType, statefulSetController } from './stubs/kcm/statefulset-controller.ts';
import { ControllerRevisionType } from './stubs/kcm/controller-history.ts';
import { DaemonSetType, daemonSetController } from './stubs/kcm/daemonset-controller.ts';
import { cronJobController } from './stubs/kcm/cronjob-controller.ts';
import { Kubelet } from './stubs/kubelet/pod-lifecycle.ts';
import type { PodFault } from './stubs/kubelet/faults.ts';
import { SimulatedMetrics } from './stubs/metrics.ts';
import { hpaController, hpaSettings } from './stubs/autoscaling/hpa-controller.ts';
import { kedaOperator } from './stubs/keda/keda-operator.ts';
import { CANONICAL_NAME_LABEL, istioGatewayDeploymentController } from './stubs/istio/gateway-deployment.ts';
import { defaultScheduler } from './stubs/scheduler/scheduler.ts';
import { volcanoControllers } from './stubs/volcano/index.ts';
import { kthenaControllers } from './stubs/kthena/index.ts';
import { helmBinary, localChartSource } from './charts.ts';
import { NodeFaults } from './stubs/node-faults.ts';
import { startNodeLeases } from './stubs/kubelet/node-lease.ts';
import { simulatedImageVerifier } from './stubs/image-signatures.ts';
import { externalSecretsControllers } from './stubs/eso/external-secrets.ts';
import { SimulatedSecretBackends } from './stubs/eso/secret-backend.ts';
import { podReady } from './stubs/owners.ts';
import { evaluateExternalProbe, evaluateIndexed, indexDataplane } from './evaluator/index.ts';
import { externalProbeHost } from './verifier/expected-probe.ts';
import { DEFAULT_POLICY_PROPAGATION, PolicyPropagation } from './policy-propagation.ts';
import type { DataplaneIndex, DataplaneView, Verdict } from './evaluator/index.ts';
import { SimulatedTrafficGenerator } from './traffic/generator.ts';
import type { ApplyFailure, Cluster, ClusterReader, RestMapper, TrafficSource } from './cluster.ts';
import { applyBugs } from './bugs/index.ts';
import type { InjectedBug } from './bugs/index.ts';

/** Every seeded-bug name (readonly, listing order), re-exported from harness/bugs for cli/ and scenarios/. */
export { INJECTABLE_BUGS } from './bugs/index.ts';
/** Name of a seeded bug (string-literal union of the catalogue's names), re-exported from harness/bugs. */
export type { InjectedBug } from './bugs/index.ts';

/** Options of a World. */
export interface WorldOptions {
  seed: number;
  profile?: SimulationProfile;
  /** A catalogue bug (harness/bugs) installed from outside the platform: it wraps the client the platform controllers get. */
  injectBug?: InjectedBug;
  /** SPIFFE trust domain of the simulated mesh (default `lattice.sim`). */
  trustDomain?: string;
  clusterName?: string;
  /**
   * Register the platform's validating admission webhook (`validate.lattice.dev`, failurePolicy Fail)
   * with the API server, as the reference installs it (default true). false = only the controllers'
   * re-validation stands between an invalid spec and the cluster.
   */
  validatingWebhook?: boolean;
  /**
   * Install the Lattice platform: its CRDs, webhook, the `lattice-local` store and its controllers
   * (default true). false = the cluster stubs alone (`lattice-sim serve --stubs`: a cluster in which
   * a team runs its own operator).
   */
  platform?: boolean;
  /**
   * Upstream defaulting of built-in kinds in the API server (fake-apiserver/strategies: Pod
   * restartPolicy, Deployment strategy, Service type …; default false). Off keeps runs byte-identical
   * with runs made before it existed: defaulted pod templates hash differently, so pods get other
   * names and, through their seeded streams, other timings (verdicts unchanged).
   */
  builtinDefaulting?: boolean;
  /**
   * Simulated start instant, ms since the Unix epoch (default: the VirtualClock's fixed epoch, so runs
   * are reproducible). `lattice-sim serve` starts at the wall time, so clients computing ages from
   * timestamps (`kubectl describe`) see the same ages as the server's Tables.
   */
  startMs?: number;
}

/** A log line of the World (controllers and stubs), stamped with simulated ms since start. */
export interface WorldLogLine {
  atMs: number;
  level: 'info' | 'warn';
  message: string;
}

/** A user object the API server refused, with the Status it answered (the Cluster contract's type). */
export type { ApplyFailure } from './cluster.ts';

/** The policy kinds whose changes reach the dataplane with a propagation delay. */
const NETWORK_POLICY: TypeRef = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' };
const POLICY_TYPES: readonly TypeRef[] = [
  StubTypes.CiliumNetworkPolicy,
  StubTypes.CiliumClusterwideNetworkPolicy,
  StubTypes.AuthorizationPolicy,
  StubTypes.PeerAuthentication,
  NETWORK_POLICY,
];

/** Order in which input kinds are created. */
const APPLY_ORDER = ['Namespace', 'SecretProvider', 'CedarPolicy', 'LatticeMeshMember', 'LatticeService'];

/** Kinds the garbage collector tracks (owners and dependents). */
const GC_KINDS: TypeRef[] = [
  // The platform's kinds at the versions its controllers read (LatticeService at its storage version
  // v1beta1, so the collector's informer converts nothing).
  LatticeServiceType,
  LatticeMeshMemberType,
  LatticeJobType,
  LatticeModelType,
  LatticePackageType,
  StubTypes.ModelServing,
  StubTypes.ModelServer,
  StubTypes.ModelRoute,
  StubTypes.AutoscalingPolicy,
  StubTypes.AutoscalingPolicyBinding,
  StubTypes.VolcanoJob,
  StubTypes.VolcanoCronJob,
  StubTypes.PodGroup,
  CoreTypes.Deployment,
  CoreTypes.ReplicaSet,
  StatefulSetType,
  DaemonSetType,
  ControllerRevisionType,
  BatchTypes.Job,
  BatchTypes.CronJob,
  CoreTypes.Pod,
  CoreTypes.Service,
  CoreTypes.ServiceAccount,
  CoreTypes.ConfigMap,
  CoreTypes.Secret,
  CoreTypes.PersistentVolumeClaim,
  CoreTypes.PodDisruptionBudget,
  CoreTypes.EndpointSlice,
  StubTypes.ExternalSecret,
  StubTypes.AuthorizationPolicy,
  StubTypes.PeerAuthentication,
  StubTypes.ScaledObject,
  // Owned by their LatticeService (vmagent's cnp-scrape-<svc>; the mesh's cnp-mesh-* carry no owner).
  StubTypes.CiliumNetworkPolicy,
  StubTypes.TracingPolicyNamespaced,
  StubTypes.VMServiceScrape,
  // Ingress objects owned by their LatticeMeshMember (platform/mesh/ingress.ts); a Gateway owns Istio's proxy Deployment.
  StubTypes.HTTPRoute,
  StubTypes.GRPCRoute,
  StubTypes.TCPRoute,
  StubTypes.Certificate,
  StubTypes.Gateway,
];

/**
 * One simulated cluster, and the simulated {@link Cluster}: its cache is the store itself (no watch
 * lag), its clock is the VirtualClock that `advance` runs, and its traffic comes from simulated
 * generators whose probes the enforcement evaluator decides. Create with {@link World.create}.
 */
export class World implements Cluster {
  private cachedIndex: { revision: number; policies: number; index: DataplaneIndex } | undefined;
  /** Per policy kind, the versions the dataplane enforces over time (harness/policy-propagation.ts). */
  private readonly propagation = new Map<string, PolicyPropagation>();
  /** The kubelet stub (pod lifecycle stages, faults); set by {@link World.create}. */
  private kubelet!: Kubelet;
  /**
   * Simulated metrics the HPA and KEDA read (harness/stubs/metrics.ts): `world.metrics.set('ns/web', 'cpu', 0.9)`
   * (per-pod utilisation of a Deployment's pods), `world.metrics.set('ns/llm', 'kv-cache', 0.8)` (a
   * workload-wide value a KEDA trigger reads), or `world.metrics.schedule([{ atMs, target, metric, value }])`.
   */
  metrics!: SimulatedMetrics;

  /**
   * The main process of `pod`'s stdin `container`, run through an attach session (`kubectl run -i`,
   * `kubectl debug -i`), exited with `exitCode`: the kubelet's containers (or that ephemeral
   * container) exit with it (see `Kubelet.mainProcessExited`).
   */
  containerProcessExited(pod: KubeObject, container: string, exitCode: number): void {
    const key = this.kubelet.mainProcessExited(pod, container, exitCode);
    if (key) this.runner.enqueue('kubelet', key);
  }

  /**
   * Injects a pod fault into the kubelet (harness/stubs/kubelet/faults.ts), e.g.
   * `world.injectPodFault({ fault: 'crash-loop', selector: { matchLabels: { app: 'api' } }, exitCode: 1, runMs: 5_000 })`:
   * matching pods, now and later, crash after `runMs` simulated ms of each run and restart under the
   * kubelet's CrashLoopBackOff back-off. Returns a function that lifts the fault (crashed containers
   * then restart once more, after their back-off, and keep running).
   */
  injectPodFault(fault: PodFault): () => void {
    for (const key of this.kubelet.injectFault(fault)) this.runner.enqueue('kubelet', key);
    return () => {
      for (const key of this.kubelet.removeFault(fault)) this.runner.enqueue('kubelet', key);
    };
  }
  private nodeFaults!: NodeFaults;
  /** Stops the node Lease renewals (profile `nodeLeases.enabled`). */
  private stopNodeLeases: () => void = () => {};

  /** The simulated cluster's name (the platform's `clusterName`). */
  get name(): string {
    return this.options.clusterName;
  }

  /** The store as the Cluster's reader: what it holds now, filtered like a list request. */
  readonly reader: ClusterReader = {
    list: <T extends KubeObject = KubeObject>(type: TypeRef, opts?: ListOptions): readonly T[] => this.server.list(type, opts).items as T[],
    revision: () => this.server.revision,
  };

  /** kind ↔ resource from the API server's registry (built-ins and every established CRD). */
  readonly restMapper: RestMapper = {
    resourceFor: (type) => {
      const info = this.server.registry.tryLookup(type);
      return info && { group: info.group, version: info.version, resource: info.plural, kind: info.kind, namespaced: info.namespaced };
    },
    kindFor: (group, resource) => {
      const info = this.server.registry.all().find((i) => i.group === group && i.plural === resource);
      return info && { group: info.group, version: info.version, resource: info.plural, kind: info.kind, namespaced: info.namespaced };
    },
  };

  /**
   * Simulated traffic: one generator per source workload, running cycles on the VirtualClock while
   * the source has a Ready pod, each probe decided by the evaluator at that instant. Each generator
   * draws its timing from its own stream (`traffic/<from>`), so other generators never shift it.
   */
  readonly traffic: TrafficSource = {
    start: (from, targets) => {
      const src = parseKey(from);
      // The source's Ready pod, looked up again only after a store write (the generator asks before every probe).
      let pod: { revision: number; pod: KubeObject | undefined } | undefined;
      const findPod = (): KubeObject | undefined => {
        if (pod?.revision !== this.server.revision) pod = { revision: this.server.revision, pod: this.readyPodOf(src.namespace!, src.name) };
        return pod.pod;
      };
      const g = new SimulatedTrafficGenerator(from, targets, {
        clock: this.clock,
        latency: this.rng.stream(`traffic/${from}`),
        timing: this.options.profile.traffic,
        findPod,
        probe: (p, t): Verdict => {
          if (t.port === null) return { decision: 'deny', layer: 'none', policy: null, reason: `${t.to} has no Service port: nothing to connect to` };
          const host = externalProbeHost(t.to);
          if (host !== undefined) return evaluateExternalProbe(this.dataplane(), { fromPod: { namespace: p.metadata.namespace, name: p.metadata.name }, host, port: t.port });
          const to = parseKey(t.to);
          return evaluateIndexed(this.dataplane(), {
            fromPod: { namespace: p.metadata.namespace, name: p.metadata.name },
            toService: { namespace: to.namespace, name: to.name },
            port: t.port,
          });
        },
      });
      g.start();
      return g;
    },
  };

  /** Runs every simulated event due by `untilMs`. */
  async advance(untilMs: number): Promise<void> {
    await this.clock.run({ untilMs });
  }

  /**
   * Schedules a node fault (harness/stubs/node-faults.ts) at `fault.atMs` simulated ms after the
   * World started (at once when that is past): node-lost, node-restored, gpu-xid-79, gpu-ecc-dbe.
   * The profile's `nodes.faults` are injected the same way at creation.
   * @throws Error for an unknown fault kind or a negative atMs.
   */
  injectNodeFault(fault: NodeFaultSpec): void {
    this.nodeFaults.inject(fault);
  }

  /** Stores that ExternalSecrets name but no object defines (their syncs fail, as with ESO). */
  notes(): string[] {
    return [...this.secretBackends.undefinedStores]
      .sort()
      .map(
        (s) =>
          `secret store '${s}' is named by ExternalSecrets but defined by no SecretProvider, ClusterSecretStore or SecretStore: their sync fails (SecretSyncedError), as with ESO`,
      );
  }

  private constructor(
    readonly options: Required<Omit<WorldOptions, 'injectBug' | 'startMs'>> & { injectBug?: InjectedBug; startMs?: number },
    readonly clock: VirtualClock,
    readonly rng: SeededRng,
    readonly server: ApiServer,
    readonly client: KubeClient,
    readonly runner: ControllerRunner,
    readonly gc: GarbageCollector,
    readonly secretBackends: SimulatedSecretBackends,
    /** Controller and stub log lines, in simulated order. */
    readonly logs: WorldLogLine[],
    readonly log: Logger,
    /** The shared informers (one per kind) every controller, stub and the runner read and watch through. */
    readonly cache: InformerFactory,
  ) {}

  /** Builds and starts a World: CRDs of the stubbed components, nodes, the platform, then every controller. */
  static async create(opts: WorldOptions): Promise<World> {
    const options = { profile: defaultProfile(), trustDomain: 'lattice.sim', clusterName: 'sim', validatingWebhook: true, platform: true, builtinDefaulting: false, ...opts };
    const profile = options.profile;
    const clock = new VirtualClock(opts.startMs);
    const rng = new SeededRng(options.seed);
    // Watch delivery at the first slot of a seeded schedule after commit + latency: a function of the
    // commit instant alone, so order holds and other objects never shift an event. Events due at the
    // same instant share one timer and run in commit order.
    const delivery = new DeliverySchedule(options.seed, profile.apiserver.watchDelivery);
    const dueBatches = new Map<number, (() => void)[]>();
    const server = new ApiServer({
      clock,
      newUid: (id) => stableUid(options.seed, id),
      nameSuffix: (req) => stableNameSuffix(rng, req),
      builtinStrategies: { defaulting: options.builtinDefaulting, validation: true },
      deliver: (fn) => {
        const due = delivery.dueMs(clock.now());
        const batch = dueBatches.get(due);
        if (batch) return void batch.push(fn);
        dueBatches.set(due, [fn]);
        clock.setTimer(due - clock.now(), () => {
          const fns = dueBatches.get(due)!;
          dueBatches.delete(due);
          for (const f of fns) f();
        });
      },
    });
    const client = new InProcessClient(server);
    // The platform's webhook Service (LatticeService conversion v1alpha1 ⇄ v1beta1), served in process.
    server.registerWebhookService(LATTICE_WEBHOOK_SERVICE.namespace, LATTICE_WEBHOOK_SERVICE.name, latticeWebhookServer);
    // CRDs of the stubbed components, nodes, the platform, Volcano's default Queue, the `lattice-local`
    // store: started from the process's installed template (world-template.ts), not written again.
    await installCluster(server, { nodes: nodeObjects(profile), platform: options.platform, builtinDefaulting: options.builtinDefaulting, startMs: clock.now() });
    // Secret backends of every store (data, latency, outages, missing keys, rotation): the profile's
    // defaults, changed at run time through `world.secretBackends` (configure, outage, removeKey, rotate ...).
    const backends = new SimulatedSecretBackends(rng, clock, { backend: profile.externalSecrets.backend, stores: profile.externalSecrets.stores });
    const logs: WorldLogLine[] = [];
    const startMs = clock.now();
    const log: Logger = {
      info: (message) => logs.push({ atMs: clock.now() - startMs, level: 'info', message }),
      warn: (message) => logs.push({ atMs: clock.now() - startMs, level: 'warn', message }),
    };
    // One shared informer per kind: watches recover (relist on 410, re-watch on close), logged to `log`.
    const cache = new InformerFactory({ client, clock, log, jitter: rng });
    const runner = new ControllerRunner({ clock, informers: cache, log, jitter: rng });
    // A seeded bug is installed from outside: the platform and the stubs get wrapped clients, the World the real one.
    // The platform's client reads from the informer cache and writes to the API server.
    const { platformClient, stubsClient, validatingAdmission } = applyBugs(
      options.injectBug,
      { platformClient: cacheBackedClient(client, cache), stubsClient: client, validatingAdmission: options.validatingWebhook === false || !options.platform ? [] : [platformValidatingWebhook] },
      { clock },
    );
    for (const extension of validatingAdmission ?? []) server.addValidatingAdmission(extension);
    const gc = new GarbageCollector(stubsClient, log, cache);
    const world = new World(options, clock, rng, server, client, runner, gc, backends, logs, log, cache);
    // Policy kinds served from the start are tracked from the start: every change is delayed.
    for (const type of POLICY_TYPES) world.enforcedPolicies(type);
    world.kubelet = new Kubelet(stubsClient, clock, rng, profile, cache);
    world.metrics = new SimulatedMetrics(clock, startMs);
    world.metrics.schedule(profile.autoscaling?.metrics ?? []);
    await gc.start(options.platform ? GC_KINDS : GC_KINDS.filter((k) => !k.apiVersion.startsWith('lattice.dev/')));
    world.nodeFaults = new NodeFaults(stubsClient, clock, profile, log, startMs);
    for (const fault of profile.nodes.faults) world.nodeFaults.inject(fault);
    // The kubelets' node Leases in kube-node-lease, when the profile asks (serve: `kubectl describe node`).
    if (profile.nodeLeases?.enabled) {
      const nodes = (await client.list(CoreTypes.Node)).items;
      world.stopNodeLeases = startNodeLeases(stubsClient, clock, nodes, (n) => world.nodeFaults.isLost(n), log.warn);
    }
    // kube-controller-manager's Event recorder (Normal Events only when the profile asks: harness/stubs/events.ts).
    const kcmEvents = (component: string) => eventRecorder(stubsClient, clock, { component }, { normal: profile.events?.normal === true });
    await runner.start([
      deploymentController(stubsClient, cache, kcmEvents('deployment-controller')),
      replicaSetController(stubsClient, cache, kcmEvents('replicaset-controller')),
      defaultScheduler(stubsClient, clock, rng, profile, cache, log),
      world.kubelet.definition(),
      nodeSchedulableEvents(cache, kcmEvents('kubelet')),
      hpaController(stubsClient, clock, cache, world.metrics, hpaSettings(profile), kcmEvents('horizontal-pod-autoscaler')),
      kedaOperator(stubsClient, clock, cache, world.metrics),
      istioGatewayDeploymentController(stubsClient, cache),
      endpointSliceController(stubsClient, clock, rng, profile.endpointSlices.sync, cache),
      endpointsController(stubsClient, cache),
      namespaceController(stubsClient, cache, () => namespacedKinds(server.registry.all())),
      ...(profile.serviceAccounts?.rootCaCert !== undefined ? [serviceAccountsController(stubsClient, cache, profile.serviceAccounts.rootCaCert)] : []),
      disruptionController(stubsClient, cache),
      taintEvictionController(stubsClient, clock, cache, kcmEvents('taint-eviction-controller')),
      resourceQuotaController(stubsClient, cache, (plural, group) => server.registry.all().find((i) => i.plural === plural && i.group === group && !i.provider && i.apiVersion === i.storageApiVersion)),
      jobController(stubsClient, cache, kcmEvents('job-controller')),
      statefulSetController(stubsClient, cache),
      daemonSetController(stubsClient, cache),
      cronJobController(stubsClient, cache),
      ...volcanoControllers(stubsClient, clock, cache, profile, log),
      ...kthenaControllers(stubsClient, clock, cache, world.metrics),
      ...externalSecretsControllers(stubsClient, clock, rng, profile.externalSecrets.sync, backends, cache),
      ...(options.platform
        ? platformControllers({
            client: platformClient,
            clusterName: options.clusterName,
            trustDomain: options.trustDomain,
            imageVerifier: simulatedImageVerifier(profile.images?.signatures ?? []),
            // LatticePackages: the real helm (extracted on first use), local charts, and helm's wall time held out of simulated time.
            packages: { helmBinary, chartSource: localChartSource(profile.packages?.chartsDir), runWallWork: (w) => clock.hold(w), allowedRepositories: profile.packages?.allowedRepositories },
          })
        : []),
    ]);
    return world;
  }

  /**
   * Creates user objects in dependency order (Namespaces, SecretProviders, CedarPolicies,
   * LatticeMeshMembers, LatticeServices). Refused objects are returned with the API's Status, not thrown.
   */
  async apply(objects: readonly KubeObject[]): Promise<ApplyFailure[]> {
    const rank = (o: KubeObject) => {
      const i = APPLY_ORDER.indexOf(o.kind);
      return i < 0 ? APPLY_ORDER.length : i;
    };
    const failures: ApplyFailure[] = [];
    for (const obj of [...objects].sort((a, b) => rank(a) - rank(b))) {
      try {
        await this.client.create(obj);
      } catch (err) {
        if (err instanceof StatusError) failures.push({ object: obj, error: err });
        else throw err;
      }
    }
    return failures;
  }

  /**
   * What the dataplane holds now (frozen stored objects; no copies). Policies (CNP, CCNP, NetworkPolicy,
   * AuthorizationPolicy, PeerAuthentication) are the versions enforced at this simulated instant: each
   * change takes effect `dataplane.policyPropagation` after it reaches the dataplane's watch (profile;
   * harness/policy-propagation.ts), so a new policy is absent, a deleted one still enforced, an updated
   * one still at its previous version until then.
   */
  dataplaneView(): DataplaneView {
    const list = (type: TypeRef) => this.server.list(type).items;
    return {
      namespaces: list(CoreTypes.Namespace),
      pods: list(CoreTypes.Pod),
      services: list(CoreTypes.Service),
      endpointSlices: list(CoreTypes.EndpointSlice),
      ciliumNetworkPolicies: this.enforcedPolicies(StubTypes.CiliumNetworkPolicy),
      ciliumClusterwideNetworkPolicies: this.enforcedPolicies(StubTypes.CiliumClusterwideNetworkPolicy),
      authorizationPolicies: this.enforcedPolicies(StubTypes.AuthorizationPolicy),
      peerAuthentications: this.enforcedPolicies(StubTypes.PeerAuthentication),
      // Gateways are served only once a CRD for them is installed.
      networkPolicies: this.enforcedPolicies(NETWORK_POLICY),
      gateways: this.listIfServed({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway' }),
      trustDomain: this.options.trustDomain,
      rootNamespace: 'istio-system',
    };
  }

  private listIfServed(type: TypeRef): readonly KubeObject[] {
    return this.server.registry.tryLookup(type) ? this.server.list(type).items : [];
  }

  /**
   * The policies of one kind the dataplane enforces now ([] when the kind is not served). A kind is
   * tracked from the first call on (at creation for the kinds served then); objects already stored when
   * a kind starts being tracked count as enforced.
   */
  private enforcedPolicies(type: TypeRef): readonly KubeObject[] {
    let p = this.propagation.get(type.kind);
    if (!p) {
      if (!this.server.registry.tryLookup(type)) return [];
      const tracker = new PolicyPropagation(type.kind, () => this.clock.now(), this.rng, this.options.profile.dataplane?.policyPropagation ?? DEFAULT_POLICY_PROPAGATION);
      tracker.seed(this.server.list(type).items);
      this.cache.informerFor(type).addEventHandler({ onAdd: (o) => tracker.changed(o), onUpdate: (_old, o) => tracker.changed(o), onDelete: (o) => tracker.deleted(o) });
      this.propagation.set(type.kind, (p = tracker));
    }
    return p.enforced();
  }

  /** The evaluator's index of the current dataplane, rebuilt only when the store changed or a policy change took effect. */
  dataplane(): DataplaneIndex {
    const revision = this.server.revision;
    let policies = 0;
    for (const p of this.propagation.values()) policies += p.version();
    const c = this.cachedIndex;
    if (!c || c.revision !== revision || c.policies !== policies) this.cachedIndex = { revision, policies, index: indexDataplane(this.dataplaneView()) };
    return this.cachedIndex!.index;
  }

  /**
   * A Ready pod of the workload `ns/name` (label app.kubernetes.io/name, or for a gateway proxy Istio's
   * `service.istio.io/canonical-name`, e.g. `<ns>-ingress-istio`), first by name, if any.
   */
  readyPodOf(namespace: string, name: string): KubeObject | undefined {
    return this.server
      .list(CoreTypes.Pod, { namespace })
      .items.find((p) => (p.metadata.labels?.['app.kubernetes.io/name'] === name || p.metadata.labels?.[CANONICAL_NAME_LABEL] === name) && podReady(p));
  }

  /** The simulated output of a pod's container, as the kubelet stub gives it (`kubectl logs` through `serve`). */
  containerLog(pod: KubeObject, container: string, previous: boolean): string {
    return this.kubelet.containerLog(pod, container, previous);
  }

  /** Stops controllers and watches; the clock is left as it is. */
  stop(): void {
    this.stopNodeLeases();
    this.runner.stop();
    this.gc.stop();
    this.cache.stop();
  }
}
