/**
 * The LatticeService wrapper (reference §2.7, book §8.6 "Wrapping"): runs the shared WorkloadCompiler and
 * adds the ServiceAccount, Service, PodDisruptionBudget, Tetragon TracingPolicyNamespaced, VMServiceScrape
 * (with vmagent's access to the metrics port), Deployment and ScaledObject, all owned by the
 * LatticeService. Pure: no I/O, no clock.
 */
import type { KubeObject, OwnerReference } from '../../fake-apiserver/api/index.ts';
import { LABEL_NAME, LatticeServiceType, type LatticeMeshMember, type LatticeService } from '../crds/types.ts';
import { makeObject, objectMeta, withOwnerReferences } from './objects.ts';
import type { CompileContext, ServiceCompileResult } from './types.ts';
import { compileWorkload } from './workload-compiler.ts';
import { derivationEpoch } from '../versions/epoch.ts';
import { metricsScrape, tracingPolicies } from './service-extensions.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** The controller owner reference every object of a LatticeService carries (reference §2.7). */
export function serviceOwnerReference(ls: LatticeService): OwnerReference {
  return {
    apiVersion: LatticeServiceType.apiVersion,
    kind: 'LatticeService',
    name: ls.metadata.name,
    uid: ls.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Deployment strategy: RollingUpdate 25%/25% (rolling) or maxUnavailable 0 / maxSurge 100% (canary). */
export function deploymentStrategy(strategy: 'rolling' | 'canary' | undefined): Json {
  return strategy === 'canary'
    ? { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '100%' } }
    : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
}

/**
 * Compiles a LatticeService into its layered objects (reference §2.7, §2.8 step 9).
 * Input: the LatticeService as read from the API server (`metadata.uid` required, it goes into every
 * ownerReference) and a {@link CompileContext}.
 * Output: `{ok: true, layers: {infrastructure, workload, scaling}, externalSecretNames, secretNames,
 * meshMember, configHash, notModelled}`, or the WorkloadCompiler's failure (`denied` / `invalid`),
 * or `invalid` for wrapper-level errors (missing uid, ingress with an external serviceType, custom
 * autoscaling metrics, which need monitoring, a bad `observability.metrics`). Never throws for bad specs.
 */
export function compileService(ls: LatticeService, ctx: CompileContext): ServiceCompileResult {
  const { name, namespace } = ls.metadata;
  if (!namespace) return { ok: false, reason: 'invalid', message: `LatticeService '${name}' has no metadata.namespace` };
  if (!ls.metadata.uid) {
    return { ok: false, reason: 'invalid', message: `LatticeService '${namespace}/${name}' has no metadata.uid; compile objects read from the API server` };
  }
  const spec = ls.spec ?? ({} as LatticeService['spec']);
  if (!spec.workload) return { ok: false, reason: 'invalid', message: `LatticeService '${namespace}/${name}': spec.workload is required` };
  const svc = spec.workload.service;
  const external = svc?.serviceType === 'NodePort' || svc?.serviceType === 'LoadBalancer';
  if (external && spec.ingress) {
    return { ok: false, reason: 'invalid', message: `LatticeService '${namespace}/${name}': spec.ingress and an external workload.service.serviceType (${svc!.serviceType}) are mutually exclusive` };
  }
  const metrics = spec.autoscaling?.metrics ?? [];
  const custom = metrics.filter((m) => m.metric !== 'cpu' && m.metric !== 'memory').map((m) => m.metric);
  if (custom.length > 0) {
    return { ok: false, reason: 'invalid', message: `custom Prometheus metrics [${custom.join(', ')}] require monitoring to be enabled on the cluster (not modelled by this simulator)` };
  }

  const owner = serviceOwnerReference(ls);
  const result = compileWorkload(
    {
      name,
      namespace,
      kind: 'service',
      workload: spec.workload,
      runtime: {
        sidecars: spec.sidecars,
        sysctls: spec.sysctls,
        hostNetwork: spec.hostNetwork,
        shareProcessNamespace: spec.shareProcessNamespace,
        automountServiceAccountToken: spec.automountServiceAccountToken,
        imagePullSecrets: spec.imageProviders,
      },
      annotations: ls.metadata.annotations,
      replicas: spec.replicas ?? 1,
      ownerReferences: [owner],
      ingress: spec.ingress,
      advertise: spec.advertise,
    },
    ctx,
  );
  if (!result.ok) return result;

  const scrape = metricsScrape(name, namespace, spec, [owner], { enabled: ctx.monitoring ?? true, trustDomain: ctx.trustDomain ?? 'cluster.local' });
  if (!scrape.ok) return { ok: false, reason: 'invalid', message: scrape.message };

  const notModelled = [...result.notModelled];
  for (const [field, what] of [
    ['topology', 'spec.topology: Volcano PodGroup and network-topology scheduling'],
    ['backup', 'spec.backup: Velero annotations and hooks'],
  ] as const) {
    if (spec[field] !== undefined) notModelled.push(what);
  }
  if (svc?.tls !== undefined) notModelled.push('workload.service.tls: Certificate and the lattice-tls volume');
  if (svc?.serviceType === 'LoadBalancer') notModelled.push('LoadBalancer provider annotations');

  const refs = [owner];
  const meta = (n: string, extra?: Record<string, string>) => objectMeta(n, namespace, refs, extra);
  const selector = { [LABEL_NAME]: name };
  const replicas = spec.replicas ?? 1;

  const infrastructure: KubeObject[] = [];
  infrastructure.push(makeObject('v1', 'ServiceAccount', meta(name), { automountServiceAccountToken: false }));
  infrastructure.push(...result.persistentVolumeClaims, ...result.configMaps, ...result.secrets);
  if (svc) {
    const ports = Object.keys(svc.ports ?? {})
      .sort()
      .map((n) => {
        const p = svc.ports[n];
        const out: Json = { name: n, port: p.port };
        if (p.targetPort !== undefined) out.targetPort = p.targetPort;
        if (p.protocol !== undefined) out.protocol = p.protocol;
        return out;
      });
    const body: Json = {};
    if (svc.serviceType && svc.serviceType !== 'ClusterIP') body.type = svc.serviceType;
    body.selector = { ...selector };
    body.ports = ports;
    const m = meta(name, spec.advertise ? { 'istio.io/global': 'true' } : undefined);
    if (svc.publishDns && svc.hostnames && svc.hostnames.length > 0) {
      m.annotations = { 'external-dns.alpha.kubernetes.io/hostname': svc.hostnames.join(',') };
    }
    infrastructure.push(makeObject('v1', 'Service', m, { spec: body }));
  }
  // Epoch 2026 (platform/versions/epoch.ts): a single-replica service gets a PodDisruptionBudget too.
  if (replicas >= 2 || (replicas === 1 && derivationEpoch(ls) >= 2026)) {
    infrastructure.push(
      makeObject('policy/v1', 'PodDisruptionBudget', meta(name), { spec: { minAvailable: Math.max(replicas - 1, 1), selector: { matchLabels: { ...selector } } } }),
    );
  }
  infrastructure.push(...result.externalSecrets);
  const meshMember = withOwnerReferences(result.meshMember, refs) as LatticeMeshMember;
  infrastructure.push(meshMember);
  infrastructure.push(...tracingPolicies(name, namespace, spec, refs), ...scrape.objects);

  const deployment = makeObject('apps/v1', 'Deployment', meta(name), {
    spec: {
      replicas,
      selector: { matchLabels: { ...selector } },
      strategy: deploymentStrategy(spec.deploy?.strategy),
      template: result.podTemplate,
    },
  });

  const scaling: KubeObject[] = [];
  if (spec.autoscaling) {
    const triggers = (metrics.length > 0 ? metrics : [{ metric: 'cpu', target: 80 }]).map((m) => ({
      type: m.metric,
      metricType: 'Utilization',
      metadata: { value: String(m.target) },
    }));
    scaling.push(
      makeObject('keda.sh/v1alpha1', 'ScaledObject', meta(name), {
        spec: { scaleTargetRef: { name }, minReplicaCount: replicas, maxReplicaCount: spec.autoscaling.max, triggers },
      }),
    );
  }

  return {
    ok: true,
    layers: { infrastructure, workload: [deployment], scaling },
    externalSecretNames: result.externalSecrets.map((e) => e.metadata.name),
    secretNames: result.secretNames,
    meshMember,
    configHash: result.configHash,
    notModelled,
  };
}
