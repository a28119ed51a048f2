/**
 * CustomResourceDefinition versions (Kubernetes docs "Versions in CustomResourceDefinitions";
 * apiextensions-apiserver `pkg/apiserver/conversion/webhook_converter.go`,
 * `customresource_handler.go` defaultDeprecationWarning): converting custom resources between served
 * versions — strategy `None` (only apiVersion changes) or `Webhook` (a ConversionReview v1 sent through
 * the shared webhook client, service or URL) — and the deprecation warning of a version.
 */
import { statusError } from '../api/index.ts';
import type { KubeObject, StatusError } from '../api/index.ts';
import { requestUid } from '../admission/client.ts';
import type { WebhookClient } from '../admission/client.ts';
import type { WebhookClientConfig } from '../admission/types.ts';
import { cloneJson, deepFreeze, isPlainObject } from '../internal/json.ts';

/** CRD `spec.conversion`. */
export interface CrdConversion {
  /** `None` (default) or `Webhook`. */
  strategy?: 'None' | 'Webhook';
  webhook?: { clientConfig?: WebhookClientConfig; conversionReviewVersions?: string[] };
}

/** ConversionReview v1 `request`. */
export interface ConversionRequest {
  uid: string;
  desiredAPIVersion: string;
  objects: KubeObject[];
}

/** ConversionReview v1 `response`. */
export interface ConversionResponse {
  uid: string;
  convertedObjects?: KubeObject[];
  result?: { status?: 'Success' | 'Failure'; message?: string };
}

/** `{apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', request | response}`. */
export interface ConversionReview {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'ConversionReview';
  request?: ConversionRequest;
  response?: ConversionResponse;
}

/** Conversion webhooks get 30 s (apiextensions-apiserver's webhook client timeout). @unit seconds */
export const CONVERSION_TIMEOUT_SECONDS = 30;

/** `group/version, Kind=Kind`: how Go prints a GroupVersionKind in upstream messages. */
export function gvkString(apiVersion: string, kind: string): string {
  return `${apiVersion}, Kind=${kind}`;
}

function failure(objs: readonly KubeObject[], why: string): StatusError {
  const first = objs[0];
  return statusError('InternalError', `conversion webhook for ${gvkString(first.apiVersion, first.kind)} failed: ${why}`);
}

/**
 * Converts `objs` (all of one kind) to `desiredApiVersion`. Objects already there are returned as they
 * are; strategy None changes only apiVersion; strategy Webhook sends the others in ONE ConversionReview
 * (as upstream does for a list) and checks the answer: uid, count, Success, each converted object's
 * apiVersion and kind; of its metadata only labels and annotations are taken (upstream restoreObjectMeta).
 * Returns frozen objects in input order.
 * @throws StatusError 500 `conversion webhook for <group>/<version>, Kind=<Kind> failed: <why>`;
 *   PendingWebhookCall inside an asynchronous scope (see admission/client.ts).
 */
export function convertObjects(client: WebhookClient, conversion: CrdConversion | undefined, objs: readonly KubeObject[], desiredApiVersion: string): KubeObject[] {
  const todo = objs.filter((o) => o.apiVersion !== desiredApiVersion);
  if (todo.length === 0) return [...objs];
  if ((conversion?.strategy ?? 'None') !== 'Webhook') return objs.map((o) => (o.apiVersion === desiredApiVersion ? o : Object.freeze({ ...o, apiVersion: desiredApiVersion })));
  const cfg = conversion?.webhook?.clientConfig;
  if (!cfg) throw failure(todo, 'spec.conversion.webhook.clientConfig is missing');
  const body: ConversionReview = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', request: { uid: '', desiredAPIVersion: desiredApiVersion, objects: todo } };
  body.request!.uid = requestUid(body);
  const outcome = client.call(cfg, body, CONVERSION_TIMEOUT_SECONDS);
  if (!outcome.ok) throw failure(todo, outcome.error);
  const r = (outcome.body as ConversionReview | undefined)?.response;
  if (!isPlainObject(outcome.body) || (outcome.body as unknown as ConversionReview).kind !== 'ConversionReview' || !isPlainObject(r)) throw failure(todo, 'the response is not a ConversionReview with a response');
  if (r.uid !== body.request!.uid) throw failure(todo, `expected response.uid=${JSON.stringify(body.request!.uid)}, got ${JSON.stringify(r.uid)}`);
  if (r.result?.status !== 'Success') throw failure(todo, r.result?.message ?? 'the conversion did not succeed');
  const converted = Array.isArray(r.convertedObjects) ? r.convertedObjects : [];
  const first = todo[0];
  if (converted.length !== todo.length)
    throw statusError('InternalError', `conversion webhook for ${gvkString(first.apiVersion, first.kind)} returned ${converted.length} objects, expected ${todo.length}`);
  let i = 0;
  return objs.map((orig) => {
    if (orig.apiVersion === desiredApiVersion) return orig;
    const index = i;
    const out = converted[i++];
    if (!isPlainObject(out) || out.apiVersion !== desiredApiVersion || out.kind !== orig.kind)
      throw failure(todo, `invalid converted object at index ${index}: expected ${gvkString(desiredApiVersion, orig.kind)}, got ${isPlainObject(out) ? gvkString(String(out.apiVersion), String(out.kind)) : typeof out}`);
    const meta = (isPlainObject(out.metadata) ? out.metadata : {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
    const copy = cloneJson(out) as KubeObject;
    copy.metadata = { ...cloneJson(orig.metadata) };
    if (meta.labels === undefined) delete copy.metadata.labels;
    else copy.metadata.labels = cloneJson(meta.labels);
    if (meta.annotations === undefined) delete copy.metadata.annotations;
    else copy.metadata.annotations = cloneJson(meta.annotations);
    return deepFreeze(copy);
  });
}

/** A version name's place in kube-aware order (`v2` > `v1` > `v1beta2` > `v1beta1` > `v1alpha1` > anything else). */
function rank(v: string): [number, number, number, string] {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return [-1, 0, 0, v];
  return [m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0, Number(m[1]), m[3] === undefined ? 0 : Number(m[3]), v];
}

/**
 * Kube-aware version comparison (apimachinery `version.CompareKubeAwareVersionStrings`): negative when
 * `a` has lower priority than `b`. GA before beta before alpha, then higher major, then higher minor;
 * names not of that form come last, ordered by name.
 */
export function compareKubeAwareVersions(a: string, b: string): number {
  const [sa, ma, na, ta] = rank(a);
  const [sb, mb, nb, tb] = rank(b);
  if (sa !== sb) return sa - sb;
  if (sa === -1) return ta < tb ? 1 : ta > tb ? -1 : 0;
  if (ma !== mb) return ma - mb;
  return na - nb;
}

interface CrdVersionLike {
  name: string;
  served?: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
}

/**
 * The Warning a request at a deprecated CRD version gets: the version's `deprecationWarning`, or
 * upstream's default `<group>/<version> <Kind> is deprecated; use <group>/<newest> <Kind>` naming the
 * newest served, non-deprecated version of higher priority (without `; use …` when there is none).
 * Undefined when the version is not deprecated.
 */
export function deprecationWarning(group: string, kind: string, versions: readonly CrdVersionLike[], version: string): string | undefined {
  const v = versions.find((x) => x.name === version);
  if (!v?.deprecated) return undefined;
  if (v.deprecationWarning !== undefined) return v.deprecationWarning;
  const msg = `${group}/${version} ${kind} is deprecated`;
  const better = versions.filter((x) => x.served !== false && !x.deprecated && compareKubeAwareVersions(version, x.name) < 0).map((x) => x.name);
  if (better.length === 0) return msg;
  better.sort((x, y) => compareKubeAwareVersions(y, x));
  return `${msg}; use ${group}/${better[0]} ${kind}`;
}
