/**
 * Resources answered by a provider instead of the store: what kube-apiserver proxies to an aggregated
 * API server (an `APIService` with `spec.service`), such as metrics-server's `metrics.k8s.io`. Such a
 * server implements only some verbs of its storage (metrics-server: get and list, rest.Getter and
 * rest.Lister), so the others are refused: watch with the generic handler's 405 `watch is not supported
 * on resources of kind "pods.metrics.k8s.io"` (apiserver handlers `ListResource` with no rest.Watcher),
 * writes with 405 (no route for the method). The provider computes objects on each read; the API
 * server applies selectors, sorts, and wraps lists (`ApiServer.serveVirtualResource`). Providers are
 * registered from outside (the harness's stubs): nothing in fake-apiserver/ knows what they answer.
 */
import { statusError } from '../api/index.ts';
import type { KubeObject, StatusError } from '../api/index.ts';

/** One column of a provider's Table (`kubectl get <resource>`); `cell` reads it from an object. */
export interface ProvidedColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  cell: (o: KubeObject) => unknown;
}

/** The verbs a provided resource serves (discovery lists these; everything else is a 405). */
export const PROVIDED_VERBS: readonly string[] = ['get', 'list'];

/**
 * A resource an aggregated API server answers. Objects carry `apiVersion` and `kind` (the in-process
 * contract); the HTTP front leaves them out of list items, as typed lists are encoded upstream.
 */
export interface VirtualResourceProvider {
  /** API group, e.g. `metrics.k8s.io`. */
  group: string;
  version: string;
  kind: string;
  /** Resource name in paths, e.g. `pods`. */
  plural: string;
  namespaced: boolean;
  /**
   * One object (`namespace` undefined for a cluster-scoped resource).
   * @throws StatusError 404 as the aggregated server words it.
   */
  get(namespace: string | undefined, name: string): KubeObject;
  /**
   * The objects of `namespace` (every namespace when undefined). Each carries its source object's
   * labels (metrics-server copies the pod's or node's), so the server applies the label and field
   * selectors (`metadata.name`, `metadata.namespace`) to them and sorts by namespace and name.
   */
  list(namespace: string | undefined): KubeObject[];
  /** Table columns for `objects` (upstream's TableConvertor); default: Name and Age. */
  tableColumns?(objects: readonly KubeObject[]): ProvidedColumn[];
  /**
   * The OpenAPI v3 schemas the aggregated server publishes (kube-apiserver merges them into its
   * `/openapi/v3` document of the group/version: `kubectl explain`): `name` is the kind's component,
   * `components` it and the components it references beyond the built-in ones (`ObjectMeta`, `Time`,
   * `Quantity` … are the API server's). Absent: the kind has no schema (explain fails as upstream's would).
   */
  openApi?: { name: string; components: Readonly<Record<string, Record<string, unknown>>> };
  /** Discovery's short names (`kubectl get cs`); default none. */
  shortNames?: readonly string[];
  /** A Warning every request to the resource gets (a deprecated API's `v1 ComponentStatus is deprecated in v1.19+`). */
  warning?: string;
}

/** `group/resource` as upstream's GroupResource prints it (`pods.metrics.k8s.io`). */
function groupResource(p: VirtualResourceProvider): string {
  return p.group ? `${p.plural}.${p.group}` : p.plural;
}

/** 405 MethodNotAllowed for `verb` on a provided resource (apimachinery `NewMethodNotSupported`). */
export function methodNotSupported(p: VirtualResourceProvider, verb: string): StatusError {
  return statusError('MethodNotAllowed', `${verb} is not supported on resources of kind "${groupResource(p)}"`, { group: p.group, kind: p.plural });
}
