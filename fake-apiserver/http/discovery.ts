/**
 * Discovery documents built from the registry (anchors-apiserver.md §3.2; Kubernetes API concepts:
 * discovery API): legacy `APIVersions`, `APIGroupList`, `APIGroup`, `APIResourceList`, and the
 * aggregated `APIGroupDiscoveryList` (apidiscovery.k8s.io/v2, KEP-3352). Pure functions of the
 * served kinds, so discovery follows CRDs as they come and go.
 */
import type { ApiServer } from '../apiserver.ts';
import type { KubeObject } from '../api/index.ts';
import type { ResourceInfo } from '../registry.ts';
import { CREATE_SUBRESOURCES, PROVIDED_VERBS, REVIEW_KINDS } from '../virtual/index.ts';
import type { ReviewKind } from '../virtual/index.ts';

/** Extra discovery facts about a served resource. */
export interface ResourceNames {
  singular: string;
  shortNames: string[];
  categories: string[];
}

/** Short names and categories of the built-in resources (as kube-apiserver serves them). */
const BUILTIN_NAMES: Record<string, { shortNames?: string[]; categories?: string[] }> = {
  namespaces: { shortNames: ['ns'] },
  nodes: { shortNames: ['no'] },
  pods: { shortNames: ['po'], categories: ['all'] },
  services: { shortNames: ['svc'], categories: ['all'] },
  configmaps: { shortNames: ['cm'] },
  serviceaccounts: { shortNames: ['sa'] },
  persistentvolumeclaims: { shortNames: ['pvc'] },
  events: { shortNames: ['ev'] },
  endpoints: { shortNames: ['ep'] },
  deployments: { shortNames: ['deploy'], categories: ['all'] },
  replicasets: { shortNames: ['rs'], categories: ['all'] },
  statefulsets: { shortNames: ['sts'], categories: ['all'] },
  daemonsets: { shortNames: ['ds'], categories: ['all'] },
  persistentvolumes: { shortNames: ['pv'] },
  resourcequotas: { shortNames: ['quota'] },
  limitranges: { shortNames: ['limits'] },
  ingresses: { shortNames: ['ing'] },
  priorityclasses: { shortNames: ['pc'] },
  storageclasses: { shortNames: ['sc'] },
  poddisruptionbudgets: { shortNames: ['pdb'] },
  jobs: { categories: ['all'] },
  cronjobs: { shortNames: ['cj'], categories: ['all'] },
  networkpolicies: { shortNames: ['netpol'] },
  horizontalpodautoscalers: { shortNames: ['hpa'], categories: ['all'] },
  customresourcedefinitions: { shortNames: ['crd', 'crds'], categories: ['api-extensions'] },
  replicationcontrollers: { shortNames: ['rc'], categories: ['all'] },
  certificatesigningrequests: { shortNames: ['csr'] },
};

/** Kinds with a `/scale` subresource here (apps Deployment, ReplicaSet and StatefulSet). */
export function hasScale(info: ResourceInfo): boolean {
  return !info.custom && info.group === 'apps' && (info.kind === 'Deployment' || info.kind === 'ReplicaSet' || info.kind === 'StatefulSet');
}

/** Kinds with an `/approval` subresource (certificates.k8s.io CertificateSigningRequest: `kubectl certificate approve|deny`). */
export function hasApproval(info: ResourceInfo): boolean {
  return !info.custom && info.group === 'certificates.k8s.io' && info.kind === 'CertificateSigningRequest';
}

/** The verbs this server serves on a main resource (a DELETE of a collection is `deletecollection`). */
export const RESOURCE_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUB_VERBS = ['get', 'patch', 'update'];
const CREATE_VERBS = ['create'];

/** Review kinds (create-only, not stored) served at group/version. */
function reviewsAt(group: string, version: string): ReviewKind[] {
  return REVIEW_KINDS.filter((r) => r.group === group && r.version === version);
}

/** The create-only subresources of a built-in kind (`pods/eviction`, `serviceaccounts/token`). */
function createSubresources(info: ResourceInfo): [string, (typeof CREATE_SUBRESOURCES)[string]][] {
  if (info.custom || info.group !== '') return [];
  return Object.entries(CREATE_SUBRESOURCES).filter(([path]) => path.startsWith(`${info.plural}/`));
}

/** Singular, short names and categories: from the CRD for custom resources, from a table for built-ins. */
export function resourceNames(server: ApiServer, info: ResourceInfo): ResourceNames {
  // An aggregated server's resource (metrics-server's): no singular name (its GetSingularName is empty), no short names.
  if (info.provider) return { singular: '', shortNames: [...(info.provider.shortNames ?? [])], categories: [] };
  if (info.custom && info.crdName) {
    let crd: KubeObject | undefined;
    try {
      crd = server.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' }, { name: info.crdName });
    } catch {
      crd = undefined;
    }
    const names = ((crd?.spec as { names?: Record<string, unknown> } | undefined)?.names ?? {}) as { singular?: string; shortNames?: string[]; categories?: string[] };
    return { singular: names.singular ?? info.kind.toLowerCase(), shortNames: names.shortNames ?? [], categories: names.categories ?? [] };
  }
  const b = BUILTIN_NAMES[info.plural] ?? {};
  return { singular: info.kind.toLowerCase(), shortNames: b.shortNames ?? [], categories: b.categories ?? [] };
}

/**
 * Kubernetes version priority (apimachinery `CompareKubeAwareVersionStrings`): GA before beta
 * before alpha, higher numbers first; versions not of the form `v<N>[alpha|beta<M>]` last, by name.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return { major: Number(m[1]), stage: m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0, minor: Number(m[3] ?? 0) };
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa && !pb) return -1;
  if (!pa && pb) return 1;
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  if (pa.stage !== pb.stage) return pb.stage - pa.stage;
  if (pa.major !== pb.major) return pb.major - pa.major;
  return pb.minor - pa.minor;
}

/** group → its served versions, in priority order; the core group is `''`. */
export function servedGroups(server: ApiServer): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const info of [...server.registry.all(), ...REVIEW_KINDS]) {
    let s = out.get(info.group);
    if (!s) out.set(info.group, (s = new Set()));
    s.add(info.version);
  }
  const sorted = new Map<string, string[]>();
  for (const g of [...out.keys()].sort()) sorted.set(g, [...out.get(g)!].sort(compareVersions));
  return sorted;
}

/** Kinds served at group/version, sorted by plural. */
export function resourcesAt(server: ApiServer, group: string, version: string): ResourceInfo[] {
  return server.registry
    .all()
    .filter((i) => i.group === group && i.version === version)
    .sort((a, b) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0));
}

const gv = (group: string, version: string) => (group ? `${group}/${version}` : version);

/** `/api`: APIVersions. `serverAddress` is `host:port` as the client reached it. */
export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(group: string, versions: string[]): object {
  const vs = versions.map((v) => ({ groupVersion: gv(group, v), version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

/** `/apis`: APIGroupList of every named group. */
export function apiGroupList(server: ApiServer): object {
  const groups = [...servedGroups(server)].filter(([g]) => g !== '').map(([g, vs]) => apiGroup(g, vs));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** `/apis/<group>`: APIGroup, or undefined when the group is not served. */
export function apiGroupDoc(server: ApiServer, group: string): object | undefined {
  const vs = servedGroups(server).get(group);
  if (!vs || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, vs) };
}

/** `/api/v1`, `/apis/<g>/<v>`: APIResourceList with subresources as `<plural>/status`, or undefined when not served. */
export function apiResourceList(server: ApiServer, group: string, version: string): object | undefined {
  const infos = resourcesAt(server, group, version);
  const reviews = reviewsAt(group, version);
  if (infos.length === 0 && reviews.length === 0) return undefined;
  const resources: object[] = reviews.map((r) => ({ name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: CREATE_VERBS }));
  for (const info of infos) {
    const n = resourceNames(server, info);
    resources.push({
      name: info.plural,
      singularName: n.singular,
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: info.provider ? PROVIDED_VERBS : RESOURCE_VERBS,
      ...(n.shortNames.length ? { shortNames: n.shortNames } : {}),
      ...(n.categories.length ? { categories: n.categories } : {}),
      ...(info.provider ? {} : { storageVersionHash: '' }),
    });
    if (info.statusSubresource) resources.push({ name: `${info.plural}/status`, singularName: '', namespaced: info.namespaced, kind: info.kind, verbs: SUB_VERBS });
    if (hasScale(info)) resources.push({ name: `${info.plural}/scale`, singularName: '', namespaced: info.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: SUB_VERBS });
    if (hasApproval(info)) resources.push({ name: `${info.plural}/approval`, singularName: '', namespaced: info.namespaced, kind: info.kind, verbs: SUB_VERBS });
    for (const [path, sub] of createSubresources(info)) resources.push({ name: path, singularName: '', namespaced: true, group: sub.group, version: sub.version, kind: sub.kind, verbs: CREATE_VERBS });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv(group, version), resources };
}

/** Media type of aggregated discovery responses. */
export const AGGREGATED_DISCOVERY_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/**
 * Aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList): for `/api` the core group
 * only (`core: true`), for `/apis` every named group.
 */
export function aggregatedDiscovery(server: ApiServer, core: boolean): object {
  const items: object[] = [];
  for (const [group, versions] of servedGroups(server)) {
    if ((group === '') !== core) continue;
    items.push({
      metadata: { name: group, creationTimestamp: null },
      versions: versions.map((version) => ({
        version,
        freshness: 'Current',
        resources: [
          ...reviewsAt(group, version).map((r) => ({
            resource: r.plural,
            responseKind: { group, version, kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.kind.toLowerCase(),
            verbs: CREATE_VERBS,
          })),
          ...resourcesAt(server, group, version).map((info) => {
          const n = resourceNames(server, info);
          const subresources: object[] = [];
          if (info.statusSubresource) subresources.push({ subresource: 'status', responseKind: { group, version, kind: info.kind }, verbs: SUB_VERBS });
          if (hasScale(info)) subresources.push({ subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: SUB_VERBS });
          if (hasApproval(info)) subresources.push({ subresource: 'approval', responseKind: { group, version, kind: info.kind }, verbs: SUB_VERBS });
          for (const [path, sub] of createSubresources(info)) subresources.push({ subresource: path.split('/')[1], responseKind: { group: sub.group, version: sub.version, kind: sub.kind }, verbs: CREATE_VERBS });
          return {
            resource: info.plural,
            responseKind: { group, version, kind: info.kind },
            scope: info.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: n.singular,
            verbs: info.provider ? PROVIDED_VERBS : RESOURCE_VERBS,
            ...(n.shortNames.length ? { shortNames: n.shortNames } : {}),
            ...(n.categories.length ? { categories: n.categories } : {}),
            ...(subresources.length ? { subresources } : {}),
          };
          }),
        ],
      })),
    });
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

/** The served kind at (group, version, plural), or undefined. */
export function findResource(server: ApiServer, group: string, version: string, plural: string): ResourceInfo | undefined {
  return server.registry.tryLookupResource(group, version, plural);
}
