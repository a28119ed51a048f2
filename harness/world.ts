/**
 * World: one simulated cluster (DESIGN.md "Core contracts") — the in-memory API server, a
 * VirtualClock, the seeded RNG, the controller runner with the stubs (kube-controller-manager,
 * kubelet, ESO, node pool, garbage collector) and the platform's controllers. Everything a run does
 * is a function of (seed, inputs, options).
 */
import { ApiServer, InProcessClient } from '../fake-apiserver/index.ts';
import type { KubeClient, KubeObject, ListOptions, TypeRef } from '../fake-apiserver/api/index.ts';
import { StatusError, matchesSelector, parseKey } from '../fake-apiserver/api/index.ts';
import { installPlatform, platformControllers, platformValidatingWebhook } from '../platform/index.ts';
import type { Logger } from '../platform/index.ts';
import { VirtualClock } from './clock/index.ts';
import { DeliverySchedule, SeededRng, stableNameSuffix, stableUid } from './rng/index.ts';
import { ControllerRunner } from './runner/index.ts';
import { InformerFactory, cacheBackedClient } from './client/index.ts';
import { defaultProfile } from './profile.ts';
import type { SimulationProfile } from './profile.ts';
import { CoreTypes, StubTypes, thirdPartyCrds } from './stubs/third-party-crds.ts';
import { nodeObjects } from './stubs/nodes.ts';
import { deploymentController } from './stubs/kcm/deployment-controller.ts';
import { replicaSetController } from './stubs/kcm/replicaset-controller.ts';
import { endpointSliceController } from './stubs/kcm/endpointslice-controller.ts';
import { GarbageCollector } from './stubs/kcm/garbage-collector.ts';
import { podLifecycle } from './stubs/kubelet/pod-lifecycle.ts';
import { externalSecretsControllers } from './stubs/eso/external-secrets.ts';
import { SimulatedSecretBackends } from './stubs/eso/secret-backend.ts';
import { podReady } from './stubs/owners.ts';
import { evaluateIndexed, indexDataplane } from './evaluator/index.ts';
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
}

/** A log line of the World (controllers and stubs), stamped with simulated ms since start. */
export interface WorldLogLine {
  atMs: number;
  level: 'info' | 'warn';
  message: string;
}

/** A user object the API server refused, with the Status it answered (the Cluster contract's type). */
export type { ApplyFailure } from './cluster.ts';

/** Order in which input kinds are created. */
const APPLY_ORDER = ['Namespace', 'SecretProvider', 'CedarPolicy', 'LatticeMeshMember', 'LatticeService'];

/** Kinds the garbage collector tracks (owners and dependents). */
const GC_KINDS: TypeRef[] = [
  { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeService' },
  { apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember' },
  CoreTypes.Deployment,
  CoreTypes.ReplicaSet,
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
];

/**
 * One simulated cluster, and the simulated {@link Cluster}: its cache is the store itself (no watch
 * lag), its clock is the VirtualClock that `advance` runs, and its traffic comes from simulated
 * generators whose probes the enforcement evaluator decides. Create with {@link World.create}.
 */
export class World implements Cluster {
  private cachedIndex: { revision: number; index: DataplaneIndex } | undefined;

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

  /** Simulated backends standing in for what the input does not define. */
  notes(): string[] {
    return [...this.secretBackends.undefinedStores]
      .sort()
      .map(
        (s) =>
          `secret provider '${s}' is named by ExternalSecrets but defined by no SecretProvider or ClusterSecretStore: simulated backend with generated values (values are never reported)`,
      );
  }

  private constructor(
    readonly options: Required<Omit<WorldOptions, 'injectBug'>> & { injectBug?: InjectedBug },
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
    const options = { profile: defaultProfile(), trustDomain: 'lattice.sim', clusterName: 'sim', validatingWebhook: true, ...opts };
    const profile = options.profile;
    const clock = new VirtualClock();
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
    for (const crd of thirdPartyCrds()) await client.create(crd);
    for (const node of nodeObjects(profile)) await client.create(node);
    await installPlatform(client);
    const backends = new SimulatedSecretBackends(rng);
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
      { platformClient: cacheBackedClient(client, cache), stubsClient: client, validatingAdmission: options.validatingWebhook === false ? [] : [platformValidatingWebhook] },
      { clock },
    );
    for (const extension of validatingAdmission ?? []) server.addValidatingAdmission(extension);
    const gc = new GarbageCollector(stubsClient, log, cache);
    const world = new World(options, clock, rng, server, client, runner, gc, backends, logs, log, cache);
    await gc.start(GC_KINDS);
    await runner.start([
      deploymentController(stubsClient, cache),
      replicaSetController(stubsClient, cache),
      podLifecycle(stubsClient, clock, rng, profile, cache),
      endpointSliceController(stubsClient, clock, rng, profile.endpointSlices.sync, cache),
      ...externalSecretsControllers(stubsClient, clock, rng, profile.externalSecrets.sync, backends, cache),
      ...platformControllers({ client: platformClient, clusterName: options.clusterName, trustDomain: options.trustDomain }),
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

  /** What the dataplane holds now (frozen stored objects; no copies). */
  dataplaneView(): DataplaneView {
    const list = (type: TypeRef) => this.server.list(type).items;
    return {
      namespaces: list(CoreTypes.Namespace),
      pods: list(CoreTypes.Pod),
      services: list(CoreTypes.Service),
      endpointSlices: list(CoreTypes.EndpointSlice),
      ciliumNetworkPolicies: list(StubTypes.CiliumNetworkPolicy),
      ciliumClusterwideNetworkPolicies: list(StubTypes.CiliumClusterwideNetworkPolicy),
      authorizationPolicies: list(StubTypes.AuthorizationPolicy),
      peerAuthentications: list(StubTypes.PeerAuthentication),
      // Kinds a World may not serve (NetworkPolicy is not registered unless a test adds it).
      networkPolicies: this.listIfServed({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' }),
      gateways: this.listIfServed({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway' }),
      trustDomain: this.options.trustDomain,
      rootNamespace: 'istio-system',
    };
  }

  private listIfServed(type: TypeRef): readonly KubeObject[] {
    return this.server.registry.tryLookup(type) ? this.server.list(type).items : [];
  }

  /** The evaluator's index of the current dataplane, rebuilt only when the store changed. */
  dataplane(): DataplaneIndex {
    const revision = this.server.revision;
    if (!this.cachedIndex || this.cachedIndex.revision !== revision) this.cachedIndex = { revision, index: indexDataplane(this.dataplaneView()) };
    return this.cachedIndex.index;
  }

  /** A Ready pod of the workload `ns/name` (label app.kubernetes.io/name), first by name, if any. */
  readyPodOf(namespace: string, name: string): KubeObject | undefined {
    return this.server
      .list(CoreTypes.Pod, { namespace })
      .items.find((p) => matchesSelector({ matchLabels: { 'app.kubernetes.io/name': name } }, p.metadata.labels) && podReady(p));
  }

  /** Stops controllers and watches; the clock is left as it is. */
  stop(): void {
    this.runner.stop();
    this.gc.stop();
    this.cache.stop();
  }
}
