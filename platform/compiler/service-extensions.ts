/**
 * The LatticeService wrapper's infrastructure extensions (book §8.6 "Wrapping"; reference §2.7):
 * runtime enforcement (Tetragon `TracingPolicyNamespaced`) and metrics scraping (VictoriaMetrics
 * `VMServiceScrape` with the mesh access vmagent needs to reach the metrics port). Pure: no I/O.
 */
import type { KubeObject, OwnerReference } from '../../fake-apiserver/api/index.ts';
import { LABEL_NAME, type ContainerSpec, type LatticeServiceSpec, type Probe } from '../crds/types.ts';
import { makeObject, objectMeta, sortedUnique } from './objects.ts';

/** Tetragon's API version (cilium.io/v1alpha1, reference lattice-common policy/tetragon.rs). */
export const TETRAGON_API_VERSION = 'cilium.io/v1alpha1';
/** VictoriaMetrics operator API version (reference vm_service_scrape.rs). */
export const VM_OPERATOR_API_VERSION = 'operator.victoriametrics.com/v1beta1';
/** Namespace and service account of the cluster's vmagent (reference lattice-core `MONITORING_NAMESPACE`, `VMAGENT_SA_NAME`). */
export const VMAGENT = { namespace: 'monitoring', name: 'vmagent', serviceAccount: 'vmagent-lattice-metrics' } as const;
/** Port name a service exposes metrics on by default (reference vm_service_scrape.rs). */
export const METRICS_PORT_NAME = 'metrics';
/** Istio ambient's HBONE port: vmagent's connections arrive there at L4 (anchors-netpol, reference §4.5). */
const HBONE_PORT = '15008';

type Containers = Record<string, Pick<ContainerSpec, 'command' | 'livenessProbe' | 'readinessProbe' | 'startupProbe' | 'security'>>;

/** First word of each command and exec probe of `c` (reference tetragon-policy `collect_entrypoints`). */
function entrypoints(c: Containers[string]): string[] {
  const out: string[] = [];
  if (c.command && c.command.length > 0) out.push(c.command[0]);
  for (const p of [c.livenessProbe, c.readinessProbe, c.startupProbe] as (Probe | undefined)[]) {
    const exec = (p as { exec?: { command?: string[] } } | undefined)?.exec?.command;
    if (exec && exec.length > 0) out.push(exec[0]);
  }
  return out;
}

/**
 * The Tetragon runtime policy of a LatticeService (reference lattice-tetragon-policy
 * `compile_tracing_policies`): `TracingPolicyNamespaced` `allow-binaries-<name>`, pods
 * `app.kubernetes.io/name: <name>`, a `security_bprm_check` kprobe that SIGKILLs an exec whose filename
 * is not in the allowed set (every container's and sidecar's `security.allowedBinaries`, the first word
 * of every `command` and exec probe; sorted).
 *
 * Output: `[]` when any allowed binary is `*` or any container or sidecar has neither a `command` nor
 * `allowedBinaries` (its entrypoint is the image's, unknown to the platform: the reference's implicit
 * wildcard), else one policy. The reference writes no ownerReference; here `owners` are set so the
 * policy goes with its service. Never throws.
 */
export function tracingPolicies(name: string, namespace: string, spec: LatticeServiceSpec, owners: OwnerReference[]): KubeObject[] {
  const containers: Containers[string][] = [...Object.values(spec.workload.containers ?? {}), ...Object.values(spec.sidecars ?? {})];
  const allowed = containers.flatMap((c) => c.security?.allowedBinaries ?? []);
  const unknownEntrypoint = containers.some((c) => c.command === undefined && (c.security?.allowedBinaries ?? []).length === 0);
  if (allowed.includes('*') || unknownEntrypoint) return [];
  const values = sortedUnique([...allowed, ...containers.flatMap(entrypoints)]);
  const selector: Record<string, unknown> = { matchActions: [{ action: 'Sigkill' }] };
  if (values.length > 0) selector.matchArgs = [{ index: 0, operator: 'NotEqual', values }];
  const policyName = `allow-binaries-${name}`;
  return [
    makeObject(TETRAGON_API_VERSION, 'TracingPolicyNamespaced', objectMeta(policyName, namespace, owners), {
      spec: {
        podSelector: { matchLabels: { [LABEL_NAME]: name } },
        kprobes: [
          {
            call: 'security_bprm_check',
            syscall: false,
            args: [{ index: 0, type: 'linux_binprm', label: 'filename' }],
            selectors: [selector],
          },
        ],
      },
    }),
  ];
}

/** Where {@link metricsScrape} reads the cluster's monitoring settings. */
export interface MonitoringContext {
  /** Monitoring (VictoriaMetrics) enabled on the cluster (reference `MonitoringConfig.enabled`, default true). */
  enabled: boolean;
  /** SPIFFE trust domain of vmagent's principal in the scrape AuthorizationPolicy. */
  trustDomain: string;
}

/** Result of {@link metricsScrape}: the objects, or the reference's compile error text. */
export type MetricsScrapeResult = { ok: true; objects: KubeObject[] } | { ok: false; message: string };

/**
 * Metrics scraping of a LatticeService (reference crates/lattice-service compiler
 * `vm_service_scrape.rs`; book §8.6 counts one VMServiceScrape, and CiliumNetworkPolicy ×2 /
 * AuthorizationPolicy ×2 for a service with one caller). The port scraped: `observability.metrics.port`
 * (it must name a service port, else the error `observability.metrics.port '<p>' not found in
 * service.ports`), else the port named `metrics`; `observability.metrics.mappings` without such a port is
 * the error `observability.metrics.mappings defined but no 'metrics' port in service.ports (add a port
 * named 'metrics' or set observability.metrics.port)`. Nothing when monitoring is off or no port.
 *
 * Objects (all owned by `owners`, labelled as every generated object):
 * - `VMServiceScrape` `<name>-scrape`: Services `app.kubernetes.io/name: <name>`, endpoint
 *   `{port: <port name>, path: /metrics, interval: 30s}` (reference shape);
 * - `AuthorizationPolicy` `allow-scrape-<name>`: ALLOW `<td>/ns/monitoring/sa/vmagent-lattice-metrics`
 *   to the metrics port's target port only (the reference module's "AuthorizationPolicy allowing VMAgent to
 *   scrape");
 * - `CiliumNetworkPolicy` `cnp-scrape-<name>`: ingress from vmagent's pods (`monitoring`,
 *   `app.kubernetes.io/name: vmagent`) on HBONE 15008, the L4 half of the same grant.
 * Divergence (platform/README.md "Fidelity"): the reference's current graph instead adds
 * monitoring/vmagent as an allowed caller of every port of a service with a `metrics` port; here vmagent
 * reaches the metrics port and nothing else. Never throws.
 */
export function metricsScrape(name: string, namespace: string, spec: LatticeServiceSpec, owners: OwnerReference[], monitoring: MonitoringContext): MetricsScrapeResult {
  if (!monitoring.enabled) return { ok: true, objects: [] };
  const metrics = (spec.observability as { metrics?: { port?: string; mappings?: Record<string, string> } } | undefined)?.metrics;
  const ports = spec.workload.service?.ports ?? {};
  let portName: string;
  if (metrics?.port !== undefined) {
    if (!ports[metrics.port]) return { ok: false, message: `observability.metrics.port '${metrics.port}' not found in service.ports` };
    portName = metrics.port;
  } else if (ports[METRICS_PORT_NAME]) {
    portName = METRICS_PORT_NAME;
  } else if (metrics?.mappings && Object.keys(metrics.mappings).length > 0) {
    return { ok: false, message: "observability.metrics.mappings defined but no 'metrics' port in service.ports (add a port named 'metrics' or set observability.metrics.port)" };
  } else {
    return { ok: true, objects: [] };
  }
  const port = ports[portName];
  const targetPort = String(port.targetPort ?? port.port);
  const scrape = makeObject(VM_OPERATOR_API_VERSION, 'VMServiceScrape', objectMeta(`${name}-scrape`, namespace, owners), {
    spec: {
      selector: { matchLabels: { [LABEL_NAME]: name } },
      endpoints: [{ port: portName, path: '/metrics', interval: '30s' }],
    },
  });
  const ap = makeObject('security.istio.io/v1', 'AuthorizationPolicy', objectMeta(`allow-scrape-${name}`, namespace, owners), {
    spec: {
      selector: { matchLabels: { [LABEL_NAME]: name } },
      action: 'ALLOW',
      rules: [
        {
          from: [{ source: { principals: [`${monitoring.trustDomain}/ns/${VMAGENT.namespace}/sa/${VMAGENT.serviceAccount}`] } }],
          to: [{ operation: { ports: [targetPort] } }],
        },
      ],
    },
  });
  const cnp = makeObject('cilium.io/v2', 'CiliumNetworkPolicy', objectMeta(`cnp-scrape-${name}`, namespace, owners), {
    spec: {
      endpointSelector: { matchLabels: { [`k8s:${LABEL_NAME}`]: name } },
      ingress: [
        {
          fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': VMAGENT.namespace, [`k8s:${LABEL_NAME}`]: VMAGENT.name } }],
          toPorts: [{ ports: [{ port: HBONE_PORT, protocol: 'TCP' }] }],
        },
      ],
    },
  });
  return { ok: true, objects: [scrape, cnp, ap] };
}
