/**
 * metrics-server (kubernetes-sigs/metrics-server) as a stub: the resource metrics API
 * `metrics.k8s.io/v1beta1` served through the API server (`ApiServer.serveVirtualResource`, as
 * kube-apiserver proxies an aggregated API), and the `v1beta1.metrics.k8s.io` APIService its manifest
 * installs, Available. Read by `kubectl top` and by any client of the API, in process or over HTTP.
 *
 * - `pods` (PodMetrics, namespaced): one per pod in the informer cache that is Running on a Ready
 *   node with every container running long enough for a rate (usage.ts `containerWindow`):
 *   `metadata` {name, namespace, labels of the pod, creationTimestamp = now}, `timestamp` = the last
 *   scrape, `window` (Go duration text), `containers` [{name, usage: {cpu, memory}}] in spec order.
 * - `nodes` (NodeMetrics, cluster-scoped): one per Ready node (Ready and created since before the
 *   scrape before the last): `metadata` {name, labels of the node, creationTimestamp}, `timestamp`,
 *   `window` = the resolution, `usage` = its running containers plus the system baseline.
 * - get of a pod or node without metrics: 404 `podmetrics.metrics.k8s.io "<ns>/<name>" not found` /
 *   `nodemetrics.metrics.k8s.io "<name>" not found`; of one that does not exist: the lister's
 *   `pods "<name>" not found` / `node "<name>" not found` (pkg/api pod.go, node.go).
 * - Table (`kubectl get podmetrics`): Name, cpu, memory (summed over containers), Window; no columns
 *   for an empty list (pkg/api table.go).
 * Usage values and their defaults: usage.ts. The workload of a pod (the SimulatedMetrics target
 * `ns/<name>`): the Deployment owning its ReplicaSet, else its controller, else the pod itself.
 */
import type { ApiServer } from '../../../fake-apiserver/index.ts';
import type { Clock, InformerCache, KubeObject } from '../../../fake-apiserver/api/index.ts';
import { INDEX_NAMESPACE, notFound, rfc3339 } from '../../../fake-apiserver/api/index.ts';
import type { ProvidedColumn, VirtualResourceProvider } from '../../../fake-apiserver/virtual/index.ts';
import type { SimulatedMetrics } from '../metrics.ts';
import { quantityScalar } from '../scheduler/fit.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { DEFAULT_RESOLUTION_MS, containerUsage, containerWindow, cpuQuantity, goDuration, lastScrape, memoryQuantity, nodeUsage } from './usage.ts';
import type { ContainerRequests, Usage } from './usage.ts';
import { NODE_METRICS_OPENAPI, POD_METRICS_OPENAPI } from './openapi.ts';

/** The group and version metrics-server serves. */
export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** The APIService object of metrics-server's manifest (manifests/base/apiservice.yaml). */
export const METRICS_API_SERVICE: KubeObject = {
  apiVersion: 'apiregistration.k8s.io/v1',
  kind: 'APIService',
  metadata: { name: `${METRICS_VERSION}.${METRICS_GROUP}`, labels: { 'k8s-app': 'metrics-server' } },
  spec: {
    service: { name: 'metrics-server', namespace: 'kube-system', port: 443 },
    group: METRICS_GROUP,
    version: METRICS_VERSION,
    insecureSkipTLSVerify: true,
    groupPriorityMinimum: 100,
    versionPriority: 100,
  },
};

/** What the stub reads. */
export interface MetricsServerOptions {
  clock: Clock;
  /** Informers of Pods, Nodes and ReplicaSets are taken from it (metrics-server's listers). */
  cache: InformerCache;
  /** Utilisation values of workloads (the World's, the HPA stub reads the same). */
  metrics: SimulatedMetrics;
  /** `--metric-resolution` (default 15 s). @unit ms */
  resolutionMs?: number;
}

interface ContainerSpec {
  name: string;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
}
interface ContainerStatus {
  name: string;
  state?: { running?: { startedAt?: string } };
}

/** A resource of a container in cores or bytes (requests, else limits), or undefined. */
function requested(c: ContainerSpec, resource: 'cpu' | 'memory'): number | undefined {
  const q = c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
  if (q === undefined) return undefined;
  try {
    return quantityScalar(q);
  } catch {
    return undefined;
  }
}

/** Whether the node's Ready condition is True (its kubelet answers scrapes) and since when (ms), else undefined. */
function readySince(node: KubeObject | undefined): number | undefined {
  const ready = ((node?.status?.conditions ?? []) as { type: string; status: string; lastTransitionTime?: string }[]).find((c) => c.type === 'Ready');
  if (!node || ready?.status !== 'True') return undefined;
  return Math.max(Date.parse(node.metadata.creationTimestamp ?? '') || 0, Date.parse(ready.lastTransitionTime ?? '') || 0);
}

/**
 * The metrics-server stub: computes PodMetrics and NodeMetrics on each read from the informer
 * caches and the simulated metrics (see the module docstring).
 */
export class MetricsServer {
  private readonly resolutionMs: number;
  private readonly pods;
  private readonly nodes;
  private readonly replicaSets;

  constructor(private readonly opts: MetricsServerOptions) {
    this.resolutionMs = opts.resolutionMs ?? DEFAULT_RESOLUTION_MS;
    this.pods = opts.cache.informerFor(CoreTypes.Pod);
    this.nodes = opts.cache.informerFor(CoreTypes.Node);
    this.replicaSets = opts.cache.informerFor(CoreTypes.ReplicaSet);
  }

  /** The SimulatedMetrics target of a pod: `ns/<deployment>` through its ReplicaSet, else `ns/<controller>`, else `ns/<pod>`. */
  workloadOf(pod: KubeObject): string {
    const ns = pod.metadata.namespace ?? '';
    const ctrl = pod.metadata.ownerReferences?.find((r) => r.controller);
    if (!ctrl) return `${ns}/${pod.metadata.name}`;
    if (ctrl.kind === 'ReplicaSet') {
      const rs = this.replicaSets.getByKey(`${ns}/${ctrl.name}`);
      const dep = rs?.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'Deployment');
      if (dep) return `${ns}/${dep.name}`;
    }
    return `${ns}/${ctrl.name}`;
  }

  /** Usage of each container of a running pod (spec order), or undefined when the pod is not Running. */
  private containersOf(pod: KubeObject): { name: string; usage: Usage; startedAtMs: number | undefined }[] | undefined {
    if (pod.status?.phase !== 'Running') return undefined;
    const statuses = (pod.status?.containerStatuses ?? []) as ContainerStatus[];
    const target = this.workloadOf(pod);
    const utilisation = { cpu: this.opts.metrics.get(target, 'cpu'), memory: this.opts.metrics.get(target, 'memory') };
    return ((pod.spec?.containers ?? []) as ContainerSpec[]).map((c) => {
      const requests: ContainerRequests = { cpu: requested(c, 'cpu'), memory: requested(c, 'memory') };
      const startedAt = statuses.find((s) => s.name === c.name)?.state?.running?.startedAt;
      return {
        name: c.name,
        usage: containerUsage(requests, utilisation, `${pod.metadata.namespace}/${pod.metadata.name}/${c.name}`),
        startedAtMs: startedAt ? Date.parse(startedAt) : undefined,
      };
    });
  }

  /** The PodMetrics of a pod, or undefined when it has none (not Running, node not Ready, a container without a rate yet). */
  podMetrics(pod: KubeObject): KubeObject | undefined {
    const containers = this.containersOf(pod);
    if (!containers?.length) return undefined;
    const node = pod.spec?.nodeName ? this.nodes.getByKey(pod.spec.nodeName as string) : undefined;
    if (readySince(node) === undefined) return undefined;
    const now = this.opts.clock.now();
    const scrape = lastScrape(now, this.resolutionMs);
    let window: number | undefined;
    for (const c of containers) {
      const w = c.startedAtMs === undefined ? undefined : containerWindow(c.startedAtMs, scrape, this.resolutionMs);
      if (w === undefined) return undefined;
      window ??= w;
    }
    return {
      kind: 'PodMetrics',
      apiVersion: API_VERSION,
      metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: rfc3339(now), ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}) },
      timestamp: rfc3339(scrape),
      window: goDuration(window!),
      containers: containers.map((c) => ({ name: c.name, usage: { cpu: cpuQuantity(c.usage.nanocores), memory: memoryQuantity(c.usage.bytes) } })),
    };
  }

  /** Usage of the containers running at `scrapeMs`, by node name (one pass over the pods). */
  private runningByNode(scrapeMs: number, only?: string): Map<string, Usage[]> {
    const out = new Map<string, Usage[]>();
    for (const pod of this.pods.items()) {
      const node = pod.spec?.nodeName as string | undefined;
      if (!node || (only !== undefined && node !== only)) continue;
      for (const c of this.containersOf(pod) ?? []) {
        if (c.startedAtMs === undefined || c.startedAtMs >= scrapeMs) continue;
        let list = out.get(node);
        if (!list) out.set(node, (list = []));
        list.push(c.usage);
      }
    }
    return out;
  }

  /**
   * The NodeMetrics of a node, or undefined when it has none (not Ready, or not since the scrape
   * before the last). `running`: {@link runningByNode} of the last scrape, when already computed.
   */
  nodeMetrics(node: KubeObject, running?: Map<string, Usage[]>): KubeObject | undefined {
    const since = readySince(node);
    const now = this.opts.clock.now();
    const scrape = lastScrape(now, this.resolutionMs);
    if (since === undefined || since >= scrape - this.resolutionMs) return undefined;
    const byNode = running ?? this.runningByNode(scrape, node.metadata.name);
    const usage = nodeUsage(byNode.get(node.metadata.name) ?? [], node.metadata.name);
    return {
      kind: 'NodeMetrics',
      apiVersion: API_VERSION,
      metadata: { name: node.metadata.name, creationTimestamp: rfc3339(now), ...(node.metadata.labels ? { labels: node.metadata.labels } : {}) },
      timestamp: rfc3339(scrape),
      window: goDuration(this.resolutionMs),
      usage: { cpu: cpuQuantity(usage.nanocores), memory: memoryQuantity(usage.bytes) },
    };
  }

  /** The `pods` resource of metrics.k8s.io/v1beta1. */
  podsProvider(): VirtualResourceProvider {
    return {
      group: METRICS_GROUP,
      version: METRICS_VERSION,
      kind: 'PodMetrics',
      plural: 'pods',
      namespaced: true,
      get: (namespace, name) => {
        const pod = this.pods.getByKey(`${namespace}/${name}`);
        if (!pod) throw notFound('pods', '', name);
        const m = this.podMetrics(pod);
        if (!m) throw notFound('podmetrics', METRICS_GROUP, `${namespace}/${name}`);
        return m;
      },
      list: (namespace) => {
        const pods = namespace === undefined ? this.pods.items() : this.pods.byIndex(INDEX_NAMESPACE, namespace);
        return pods.map((p) => this.podMetrics(p)).filter((m): m is KubeObject => m !== undefined);
      },
      tableColumns: (objects) => metricsColumns(objects, (o) => (o.containers as { usage: Record<string, string> }[]).map((c) => c.usage)),
      openApi: POD_METRICS_OPENAPI,
    };
  }

  /** The `nodes` resource of metrics.k8s.io/v1beta1. */
  nodesProvider(): VirtualResourceProvider {
    return {
      group: METRICS_GROUP,
      version: METRICS_VERSION,
      kind: 'NodeMetrics',
      plural: 'nodes',
      namespaced: false,
      get: (_namespace, name) => {
        const node = this.nodes.getByKey(name);
        if (!node) throw notFound('node', '', name);
        const m = this.nodeMetrics(node);
        if (!m) throw notFound('nodemetrics', METRICS_GROUP, name);
        return m;
      },
      list: () => {
        const running = this.runningByNode(lastScrape(this.opts.clock.now(), this.resolutionMs));
        return this.nodes.items().map((n) => this.nodeMetrics(n, running)).filter((m): m is KubeObject => m !== undefined);
      },
      tableColumns: (objects) => metricsColumns(objects, (o) => [o.usage as Record<string, string>]),
      openApi: NODE_METRICS_OPENAPI,
    };
  }
}

/** Sum of quantities as text, in the unit metrics-server's Table shows (`Quantity.Add`, canonical text). */
function sumQuantities(values: readonly string[], resource: 'cpu' | 'memory'): string {
  const total = values.reduce((n, v) => n + Math.round(quantityScalar(v) * (resource === 'cpu' ? 1e9 : 1)), 0);
  return resource === 'cpu' ? cpuQuantity(total) : memoryQuantity(total);
}

/** metrics-server's Table columns: Name, cpu, memory (quantities summed over containers), Window; none for no rows. */
function metricsColumns(objects: readonly KubeObject[], usages: (o: KubeObject) => Record<string, string>[]): ProvidedColumn[] {
  if (objects.length === 0) return [];
  const quantity = (resource: 'cpu' | 'memory'): ProvidedColumn => ({
    name: resource,
    type: 'string',
    format: 'quantity',
    description: '',
    cell: (o) => sumQuantities(usages(o).map((u) => u[resource] ?? '0'), resource),
  });
  return [
    { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', cell: (o) => o.metadata.name },
    quantity('cpu'),
    quantity('memory'),
    { name: 'Window', type: 'string', format: 'duration', description: '', cell: (o) => o.window },
  ];
}

/**
 * Installs metrics-server into `server`: serves `metrics.k8s.io/v1beta1` pods and nodes from a
 * {@link MetricsServer} (also registered as the HPA's resource metrics API, `SimulatedMetrics.serveResourceMetrics`) and stores the {@link METRICS_API_SERVICE} with its Available condition (what
 * kube-aggregator's availability check writes once the server answers). Returns the stub and a
 * function that stops serving (the APIService stays, as after metrics-server's pods go away).
 */
export function installMetricsServer(server: ApiServer, opts: MetricsServerOptions): { metricsServer: MetricsServer; stop: () => void } {
  const metricsServer = new MetricsServer(opts);
  const stops = [server.serveVirtualResource(metricsServer.podsProvider()), server.serveVirtualResource(metricsServer.nodesProvider()), () => opts.metrics.serveResourceMetrics(undefined)];
  opts.metrics.serveResourceMetrics(metricsServer);
  const key = { name: METRICS_API_SERVICE.metadata.name };
  if (!server.has(METRICS_API_SERVICE, key)) server.create(METRICS_API_SERVICE, { fieldManager: 'kubectl-client-side-apply' });
  const stored = server.get(METRICS_API_SERVICE, key);
  const now = rfc3339(opts.clock.now());
  server.updateStatus(
    { ...stored, status: { conditions: [{ type: 'Available', status: 'True', lastTransitionTime: now, reason: 'Passed', message: 'all checks passed' }] } },
    { fieldManager: 'kube-apiserver' },
  );
  return { metricsServer, stop: () => stops.forEach((s) => s()) };
}
