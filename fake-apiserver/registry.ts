/**
 * The kind registry: which kinds this API server serves, at which versions, with which storage
 * behaviour (scope, status subresource, generation) and, for custom resources, which schema
 * (Kubernetes API concepts: API groups and versioning; CustomResourceDefinitions).
 */
import { statusError } from './api/index.ts';
import type { StatusError, TypeRef } from './api/index.ts';
import { compareKubeAwareVersions } from './conversion/conversion.ts';
import type { CrdConversion } from './conversion/conversion.ts';
import type { VirtualResourceProvider } from './virtual/provider.ts';

/** One served (group, version, kind). */
export interface ResourceInfo {
  /** API group; `""` for the core group. */
  group: string;
  /** Version, e.g. `v1`, `v1alpha1`. */
  version: string;
  /** `group/version`, or `version` for the core group. */
  apiVersion: string;
  kind: string;
  /** Lowercase plural resource name, e.g. `deployments`; used in error messages. */
  plural: string;
  /** Kind of the list response, `<Kind>List`. */
  listKind: string;
  namespaced: boolean;
  /** Main-resource writes ignore `.status`; `/status` writes ignore everything else. */
  statusSubresource: boolean;
  /** `metadata.generation` is kept (1 on create, +1 on spec changes). */
  hasGeneration: boolean;
  /** CRD version `schema.openAPIV3Schema`; custom resources are pruned, defaulted and validated against it. */
  schema?: object;
  /** True for kinds registered by a CustomResourceDefinition (update requires resourceVersion). */
  custom: boolean;
  /** apiVersion objects of this kind are stored at (the CRD's storage version; equal to apiVersion for built-ins). */
  storageApiVersion: string;
  /** Name of the CRD that registered this kind. */
  crdName?: string;
  /** CRD `spec.conversion` (strategy None when absent): how objects move between this kind's versions. */
  conversion?: CrdConversion;
  /** The Warning every request at this deprecated version gets: a CRD version's (`deprecated: true`; conversion/ `deprecationWarning`), or a deprecated built-in's (`v1 Endpoints is deprecated in v1.33+; …`). */
  deprecationWarning?: string;
  /** Set for a resource answered by a provider (an aggregated API server), never stored: get and list only. */
  provider?: VirtualResourceProvider;
}

/** Storage identity of a kind across its versions: `group/Kind` (`/Pod` for the core group). */
export function resourceKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

interface BuiltinSpec {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced?: boolean;
  status?: boolean;
  generation?: boolean;
  /** The API's deprecation Warning (kube-apiserver's deprecated-API warning), for deprecated built-ins. */
  deprecated?: string;
}

const builtinSpecs: BuiltinSpec[] = [
  { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, status: true },
  { apiVersion: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, status: true },
  { apiVersion: 'v1', kind: 'Pod', plural: 'pods', status: true },
  { apiVersion: 'v1', kind: 'Service', plural: 'services', status: true },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' },
  { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', status: true },
  { apiVersion: 'v1', kind: 'Event', plural: 'events' },
  { apiVersion: 'v1', kind: 'Endpoints', plural: 'endpoints', deprecated: 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice' },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', status: true, generation: true },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets', status: true, generation: true },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets', status: true, generation: true },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets', status: true, generation: true },
  { apiVersion: 'apps/v1', kind: 'ControllerRevision', plural: 'controllerrevisions' },
  { apiVersion: 'v1', kind: 'PodTemplate', plural: 'podtemplates' },
  { apiVersion: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, status: true },
  { apiVersion: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', status: true },
  { apiVersion: 'v1', kind: 'LimitRange', plural: 'limitranges' },
  { apiVersion: 'v1', kind: 'ReplicationController', plural: 'replicationcontrollers', status: true, generation: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', plural: 'rolebindings' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses', status: true, generation: true },
  { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', plural: 'ingressclasses', namespaced: false, generation: true },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false },
  { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', plural: 'storageclasses', namespaced: false },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', status: true, generation: true },
  { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs', status: true, generation: true },
  { apiVersion: 'batch/v1', kind: 'CronJob', plural: 'cronjobs', status: true, generation: true },
  { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', plural: 'endpointslices' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies', generation: true },
  { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', status: true, generation: true },
  { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false, status: true, generation: true },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', plural: 'validatingwebhookconfigurations', namespaced: false, generation: true },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', plural: 'mutatingwebhookconfigurations', namespaced: false, generation: true },
  { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', plural: 'apiservices', namespaced: false, status: true },
  { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', plural: 'certificatesigningrequests', namespaced: false, status: true },
];

/**
 * The built-in kinds (Kubernetes API reference): core v1 Namespace and Node (cluster-scoped), Pod,
 * Service, ConfigMap, Secret, ServiceAccount, PersistentVolumeClaim, Event, Endpoints; apps/v1
 * Deployment, ReplicaSet, StatefulSet, DaemonSet and ControllerRevision; core v1 PodTemplate,
 * PersistentVolume (cluster-scoped), ResourceQuota, LimitRange and ReplicationController (stored: no
 * controller runs them); rbac.authorization.k8s.io/v1 Role,
 * RoleBinding, ClusterRole and ClusterRoleBinding (stored, not enforced: every request is allowed);
 * networking.k8s.io/v1 Ingress and IngressClass; scheduling.k8s.io/v1 PriorityClass; storage.k8s.io/v1
 * StorageClass; policy/v1 PodDisruptionBudget; batch/v1 Job and CronJob;
 * discovery.k8s.io/v1 EndpointSlice; networking.k8s.io/v1 NetworkPolicy; coordination.k8s.io/v1 Lease;
 * autoscaling/v2 HorizontalPodAutoscaler;
 * apiextensions.k8s.io/v1 CustomResourceDefinition (cluster-scoped); admissionregistration.k8s.io/v1
 * ValidatingWebhookConfiguration and MutatingWebhookConfiguration (cluster-scoped, honoured by admission/);
 * apiregistration.k8s.io/v1 APIService (cluster-scoped; stored: the resources of an aggregated API are
 * served by a provider registered with `ApiServer.serveVirtualResource`, not by calling `spec.service`);
 * certificates.k8s.io/v1 CertificateSigningRequest (cluster-scoped; `status` and `approval` subresources).
 */
export const builtinKinds: readonly ResourceInfo[] = Object.freeze(
  builtinSpecs.map((s) => {
    const { group, version } = splitApiVersion(s.apiVersion);
    return Object.freeze({
      group,
      version,
      apiVersion: s.apiVersion,
      kind: s.kind,
      plural: s.plural,
      listKind: `${s.kind}List`,
      namespaced: s.namespaced ?? true,
      statusSubresource: s.status ?? false,
      hasGeneration: s.generation ?? false,
      custom: false,
      storageApiVersion: s.apiVersion,
      ...(s.deprecated !== undefined ? { deprecationWarning: s.deprecated } : {}),
    } satisfies ResourceInfo);
  }),
);

/** 404 for a kind the server does not serve (upstream wording of a missing resource). */
export function unknownKind(type: TypeRef): StatusError {
  const { group } = splitApiVersion(type.apiVersion);
  return statusError('NotFound', `the server could not find the requested resource (kind ${type.kind} in apiVersion ${type.apiVersion})`, {
    group,
    kind: type.kind,
  });
}

/**
 * The set of served kinds. Built-ins are present from the start; CRDs add and remove theirs through
 * {@link Registry.registerCrd} / {@link Registry.unregisterCrd} (done by the ApiServer when a
 * CustomResourceDefinition is written or removed).
 */
export class Registry {
  private readonly byType = new Map<string, ResourceInfo>();
  private readonly byCrd = new Map<string, ResourceInfo[]>();
  /** `group/version/plural` → kind (the first in {@link Registry.all}'s order); rebuilt on first use after a CRD change. */
  private byResource: Map<string, ResourceInfo> | undefined;

  constructor() {
    for (const info of builtinKinds) this.byType.set(`${info.apiVersion}|${info.kind}`, info);
  }

  /** The kind served at `type.apiVersion`, or undefined. */
  tryLookup(type: TypeRef): ResourceInfo | undefined {
    return this.byType.get(`${type.apiVersion}|${type.kind}`);
  }

  /**
   * The kind served at `type.apiVersion`.
   * @throws StatusError 404 NotFound `the server could not find the requested resource (kind Foo in apiVersion x/v1)`.
   */
  lookup(type: TypeRef): ResourceInfo {
    const info = this.byType.get(`${type.apiVersion}|${type.kind}`);
    if (!info) throw unknownKind(type);
    return info;
  }

  /** Every served version of `info`'s group and kind, `info` first, then by kube-aware priority (matchPolicy Equivalent). */
  versionsOf(info: ResourceInfo): ResourceInfo[] {
    if (!info.crdName) return [info];
    const others = (this.byCrd.get(info.crdName) ?? []).map((i) => this.byType.get(`${i.apiVersion}|${i.kind}`)).filter((i): i is ResourceInfo => !!i && i.apiVersion !== info.apiVersion);
    return [info, ...others.sort((a, b) => compareKubeAwareVersions(b.version, a.version))];
  }

  /** Every served (apiVersion, kind), sorted by apiVersion then kind. */
  all(): ResourceInfo[] {
    return [...this.byType.values()].sort((a, b) => (a.apiVersion === b.apiVersion ? (a.kind < b.kind ? -1 : 1) : a.apiVersion < b.apiVersion ? -1 : 1));
  }

  /**
   * The kind served at `group`/`version` under the resource name `plural` (the core group is `''`),
   * or undefined: what a request path names (the HTTP front resolves every request with it).
   */
  tryLookupResource(group: string, version: string, plural: string): ResourceInfo | undefined {
    if (this.byResource === undefined) {
      this.byResource = new Map();
      for (const info of this.all()) {
        const key = `${info.group}/${info.version}/${info.plural}`;
        if (!this.byResource.has(key)) this.byResource.set(key, info);
      }
    }
    return this.byResource.get(`${group}/${version}/${plural}`);
  }

  /** Registers (or replaces) the kinds of CRD `crdName`: one ResourceInfo per served version. */
  registerCrd(crdName: string, infos: ResourceInfo[]): void {
    this.unregisterCrd(crdName);
    for (const info of infos) this.byType.set(`${info.apiVersion}|${info.kind}`, Object.freeze({ ...info, crdName }));
    this.byCrd.set(crdName, infos);
  }

  /**
   * Serves `provider`'s resource (replacing one at the same apiVersion and kind); returns a function
   * that stops serving it. See `ApiServer.serveVirtualResource`.
   */
  registerProvided(provider: VirtualResourceProvider): () => void {
    const apiVersion = provider.group ? `${provider.group}/${provider.version}` : provider.version;
    const info: ResourceInfo = Object.freeze({
      group: provider.group,
      version: provider.version,
      apiVersion,
      kind: provider.kind,
      plural: provider.plural,
      listKind: `${provider.kind}List`,
      namespaced: provider.namespaced,
      statusSubresource: false,
      hasGeneration: false,
      custom: false,
      storageApiVersion: apiVersion,
      provider,
    });
    const key = `${apiVersion}|${provider.kind}`;
    this.byType.set(key, info);
    this.byResource = undefined;
    return () => {
      if (this.byType.get(key) !== info) return;
      this.byType.delete(key);
      this.byResource = undefined;
    };
  }

  /** Removes every version registered by CRD `crdName`; returns what was removed. */
  unregisterCrd(crdName: string): ResourceInfo[] {
    const infos = this.byCrd.get(crdName) ?? [];
    this.byResource = undefined;
    for (const info of infos) this.byType.delete(`${info.apiVersion}|${info.kind}`);
    this.byCrd.delete(crdName);
    return infos;
  }
}
