/**
 * `/openapi/v2`, the Swagger 2.0 document kube-apiserver still serves beside v3 (Kubernetes docs
 * "OpenAPI"; kube-openapi). As JSON (`kubectl get --raw /openapi/v2`, other clients): the v3
 * documents of every served group/version (openapi.ts) merged and rewritten in v2's shape —
 * components as `definitions` (references `#/definitions/<name>`, a v3 `allOf: [{$ref}]` wrapper as a
 * plain `$ref`), path parameters with their type inline.
 *
 * As protobuf (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, gnostic's
 * openapi_v2.Document, what kubectl asks for when the v3 field-validation probe has no answer for a
 * kind — a custom resource applied in the same file as its CRD): `swagger`, `info` and empty `paths`,
 * no definitions. kubectl's client-side validation then finds no schema for the kind and lets it
 * through, so the apply fails as on a real cluster whose document predates the CRD: `no matches for
 * kind … ensure CRDs are installed first`. (Not modelled: the definitions in protobuf.)
 */
import type { ApiServer } from '../apiserver.ts';
import { openApiV3Doc } from './openapi.ts';
import { servedGroups } from './discovery.ts';

/** Content-Type of the protobuf form (gnostic openapi_v2.Document; kube-openapi's, the `@` of the Accept form being no valid media type). */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type Json = Record<string, unknown>;

/** A v3 schema (or any JSON under it) in v2's shape. */
function toV2Schema(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toV2Schema);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Json;
  const out: Json = {};
  const allOf = o.allOf;
  if (Array.isArray(allOf) && allOf.length === 1 && typeof (allOf[0] as Json).$ref === 'string') out.$ref = ((allOf[0] as Json).$ref as string).replace('#/components/schemas/', '#/definitions/');
  for (const [k, x] of Object.entries(o)) {
    if (k === 'allOf' && out.$ref !== undefined) continue;
    out[k] = k === '$ref' && typeof x === 'string' ? x.replace('#/components/schemas/', '#/definitions/') : toV2Schema(x);
  }
  return out;
}

/** A v3 operation's parameters in v2's shape (type beside name, no `schema`). */
function toV2Parameters(params: unknown): unknown {
  if (!Array.isArray(params)) return params;
  return params.map((p: Json) => {
    const { schema, ...rest } = p;
    return { ...rest, ...((schema ?? {}) as Json) };
  });
}

function toV2PathItem(item: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(item)) {
    if (k === 'parameters') out[k] = toV2Parameters(v);
    else out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...(v as Json), parameters: toV2Parameters((v as Json).parameters) } : v;
  }
  return out;
}

/** The JSON Swagger 2.0 document of everything `server` serves now (built per call). */
export function openApiV2Json(server: ApiServer): Json {
  const paths: Json = {};
  const definitions: Json = {};
  for (const [group, versions] of servedGroups(server)) {
    for (const version of versions) {
      const doc = openApiV3Doc(server, group ? `apis/${group}/${version}` : `api/${version}`) as { paths?: Json; components?: { schemas?: Json } } | undefined;
      if (!doc) continue;
      for (const [p, item] of Object.entries(doc.paths ?? {})) paths[p] = toV2PathItem(item as Json);
      for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) definitions[name] ??= toV2Schema(schema);
    }
  }
  const sortedDefinitions = Object.fromEntries(Object.keys(definitions).sort().map((k) => [k, definitions[k]]));
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.35.0' }, paths, definitions: sortedDefinitions };
}

/** Protobuf wire bytes: a length-delimited field. */
function field(num: number, payload: Buffer): Buffer {
  const bytes: number[] = [];
  let n = (num << 3) | 2;
  const varint = (x: number) => {
    while (x > 0x7f) {
      bytes.push((x & 0x7f) | 0x80);
      x >>>= 7;
    }
    bytes.push(x);
  };
  varint(n);
  n = payload.length;
  varint(n);
  return Buffer.concat([Buffer.from(bytes), payload]);
}

/** The protobuf form: openapi_v2.Document{swagger: "2.0", info: {title, version}, paths: {}}. */
export function openApiV2Protobuf(): Buffer {
  const info = Buffer.concat([field(1, Buffer.from('Kubernetes')), field(2, Buffer.from('v1.35.0'))]);
  return Buffer.concat([field(1, Buffer.from('2.0')), field(2, info), field(8, Buffer.alloc(0))]);
}
