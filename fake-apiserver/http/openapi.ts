/**
 * OpenAPI v3 documents, just enough for kubectl (anchors-apiserver.md §3.3): the `/openapi/v3`
 * index (group/version → `serverRelativeURL` with a content hash) and one document per served
 * group/version whose paths carry the operations of each resource, tagged with
 * `x-kubernetes-group-version-kind` and `x-kubernetes-action`, and the PATCH operation listing the
 * `fieldValidation` query parameter. kubectl's query-param verifier (cli-runtime) reads exactly
 * that to decide that the server validates fields, so it sends `fieldValidation=Strict` instead of
 * validating against a client-side schema. Component schemas (what `kubectl explain` reads) are
 * the built-in kinds' upstream schemas (`../schemas/builtin.ts`: named as upstream, e.g.
 * `io.k8s.api.apps.v1.Deployment`, with every definition they reference, so each document is
 * self-contained as upstream's are) and each custom resource's CRD schema, to which, as
 * kube-apiserver does, `apiVersion`, `kind` and `metadata` (a reference to ObjectMeta) are added.
 */
import { createHash } from 'node:crypto';
import type { ApiServer } from '../apiserver.ts';
import { builtinKinds } from '../registry.ts';
import type { ResourceInfo } from '../registry.ts';
import { builtinSchemas, referencedComponents } from '../schemas/builtin.ts';
import type { JsonSchema } from '../schemas/builtin.ts';
import { probeNumericTypes, withNumericTypes } from '../schemas/formats.ts';
import { resourcesAt, servedGroups } from './discovery.ts';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** A custom resource's published schema: its CRD schema plus apiVersion, kind and metadata, described as upstream describes them. */
function customResourceSchema(info: ResourceInfo, components: Record<string, JsonSchema>): JsonSchema {
  const schema = info.schema as JsonSchema;
  const typeMeta = (components['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']?.properties ?? {}) as Record<string, JsonSchema>;
  const own = (schema.properties ?? {}) as Record<string, JsonSchema>;
  return {
    ...schema,
    properties: {
      apiVersion: typeMeta.apiVersion ?? { type: 'string' },
      kind: typeMeta.kind ?? { type: 'string' },
      metadata: { allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }], description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
      ...own,
    },
    'x-kubernetes-group-version-kind': [{ group: info.group, version: info.version, kind: info.kind }],
  };
}

const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

function param(name: string, where: 'query' | 'path'): object {
  return { name, in: where, ...(where === 'path' ? { required: true } : {}), schema: { type: where === 'query' && name === 'force' ? 'boolean' : 'string', uniqueItems: true } };
}

const WRITE_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation'];

function operations(info: ResourceInfo): Record<string, object> {
  const prefix = `/${gvPath(info.group, info.version)}`;
  const base = info.namespaced ? `${prefix}/namespaces/{namespace}/${info.plural}` : `${prefix}/${info.plural}`;
  const gvk = { group: info.group, version: info.version, kind: info.kind };
  const nsParams = info.namespaced ? [param('namespace', 'path')] : [];
  const op = (action: string, extra: string[], id: string) => ({
    operationId: `${action}${info.kind}${id}`,
    parameters: extra.map((p) => param(p, 'query')),
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
  });
  const out: Record<string, object> = {
    [base]: { parameters: nsParams, get: op('list', ['labelSelector', 'fieldSelector', 'watch', 'resourceVersion', 'timeoutSeconds'], ''), post: op('post', WRITE_PARAMS, '') },
    [`${base}/{name}`]: {
      parameters: [param('name', 'path'), ...nsParams],
      get: op('get', [], ''),
      put: op('put', WRITE_PARAMS, ''),
      patch: op('patch', [...WRITE_PARAMS, 'force'], ''),
      delete: op('delete', ['dryRun', 'propagationPolicy'], ''),
    },
  };
  if (info.statusSubresource)
    out[`${base}/{name}/status`] = { parameters: [param('name', 'path'), ...nsParams], get: op('get', [], 'Status'), put: op('put', WRITE_PARAMS, 'Status'), patch: op('patch', [...WRITE_PARAMS, 'force'], 'Status') };
  return out;
}

/** The built-in components with numeric types and formats, once probed (`../schemas/formats.ts`). */
let numericComponents: Record<string, JsonSchema> | undefined;
let probing: Promise<void> | undefined;

/**
 * Probes, once per process, the numeric types and formats of the built-in schemas (int32 / int64 /
 * double: a second or so, reading kubernetes-models' compiled validators); documents built after it
 * resolved carry them. Started by the first `/openapi/v3` request; await it to get formatted
 * documents from the start. Never rejects: should probing fail, documents stay without formats.
 */
export function loadOpenApiFormats(): Promise<void> {
  probing ??= probeNumericTypes(builtinSchemas(builtinKinds))
    .then((types) => {
      numericComponents = withNumericTypes(builtinSchemas(builtinKinds).components as Record<string, JsonSchema>, types);
    })
    .catch(() => undefined);
  return probing;
}

interface Rendered {
  /** The component set the document was built from (it changes once, when numeric formats arrive). */
  components: Record<string, JsonSchema>;
  /** The served kinds the document was built from (identity-compared: the registry replaces a ResourceInfo when a CRD changes). */
  infos: readonly ResourceInfo[];
  doc: object;
  /** Upper-case hex SHA-512 of the document's JSON, as kube-apiserver's index hashes are. */
  hash: string;
}

/** Documents built so far, per server and group/version path: rebuilt only when the kinds served there change. */
const rendered = new WeakMap<ApiServer, Map<string, Rendered>>();

function render(server: ApiServer, path: string): Rendered | undefined {
  const m = /^(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (!m) return undefined;
  const group = m[1] ? '' : m[2];
  const version = m[1] ?? m[3];
  const infos = resourcesAt(server, group, version);
  if (infos.length === 0) return undefined;
  let byPath = rendered.get(server);
  if (!byPath) rendered.set(server, (byPath = new Map()));
  const builtin = builtinSchemas(builtinKinds);
  const components = numericComponents ?? (builtin.components as Record<string, JsonSchema>);
  const prev = byPath.get(path);
  if (prev && prev.components === components && prev.infos.length === infos.length && prev.infos.every((x, i) => x === infos[i])) return prev;
  const paths: Record<string, object> = {};
  const roots: string[] = [];
  const custom: Record<string, object> = {};
  for (const info of infos) {
    Object.assign(paths, operations(info));
    const name = builtin.kinds.get(`${info.group}/${info.version}/${info.kind}`);
    if (!info.custom && name) roots.push(name);
    // An aggregated server's kinds: its published components, with the built-in ones they reference.
    if (info.provider?.openApi) {
      for (const [n, schema] of Object.entries(info.provider.openApi.components)) custom[n] = { ...schema, ...(n === info.provider.openApi.name ? { 'x-kubernetes-group-version-kind': [{ group: info.group, version: info.version, kind: info.kind }] } : {}) };
      for (const ref of JSON.stringify(info.provider.openApi.components).matchAll(/#\/components\/schemas\/([\w.-]+)/g)) if (components[ref[1]]) roots.push(ref[1]);
    }
    if (info.custom && info.schema) {
      custom[`${info.group.split('.').reverse().join('.')}.${info.version}.${info.kind}`] = customResourceSchema(info, components);
      roots.push(OBJECT_META);
    }
  }
  const schemas: Record<string, object> = {};
  for (const name of referencedComponents(components, roots)) schemas[name] = components[name];
  Object.assign(schemas, custom);
  const doc = { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'unversioned' }, paths, components: { schemas } };
  const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 128).toUpperCase();
  const out = { components, infos, doc, hash };
  byPath.set(path, out);
  return out;
}

/**
 * The OpenAPI v3 document of one group/version (`api/v1`, `apis/apps/v1`), or undefined when not
 * served. Built once per set of kinds served there (a CRD change rebuilds its group's document);
 * the returned object is shared between requests and must not be mutated.
 */
export function openApiV3Doc(server: ApiServer, path: string): object | undefined {
  return render(server, path)?.doc;
}

/**
 * `/openapi/v3`: `{paths: {"api/v1": {serverRelativeURL: "/openapi/v3/api/v1?hash=…"}, …}}`. The
 * first call starts {@link loadOpenApiFormats}; hashes change once when the formats arrive.
 */
export function openApiV3Index(server: ApiServer): object {
  void loadOpenApiFormats();
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [group, versions] of servedGroups(server)) {
    for (const version of versions) {
      const p = gvPath(group, version);
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${render(server, p)?.hash ?? ''}` };
    }
  }
  return { paths };
}
