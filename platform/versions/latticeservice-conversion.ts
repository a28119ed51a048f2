/**
 * LatticeService versions (book ch. 4, versioning and conversion): pure conversions between
 * `lattice.dev/v1alpha1` (deprecated) and `lattice.dev/v1beta1` (the storage version, which the
 * platform's controllers read: crds/types.ts `LatticeServiceType`), and the conversion webhook the
 * platform serves (ConversionReview v1, Kubernetes docs "Versions in CustomResourceDefinitions" —
 * webhook request and response).
 *
 * v1beta1 differs from v1alpha1 in two fields, and both directions are lossless on valid objects:
 * - `spec.replicas` is required in v1beta1. v1alpha1 defaults it to 1 at admission (before the API server
 *   converts a v1alpha1 write for storage), so every admitted v1alpha1 object has it; an object without it
 *   (stored by a release that did not default it) converts to 1, the value the compiler used for it.
 * - `spec.imagePullSecrets` (v1alpha1) is `spec.imageProviders` (v1beta1): it names ImageProvider objects.
 * Metadata (labels, annotations — the derivation epoch among them) and status are carried unchanged.
 */
import type { KubeObject } from '../../fake-apiserver/api/index.ts';

/** The two served versions. */
export const LATTICE_V1ALPHA1 = 'lattice.dev/v1alpha1';
export const LATTICE_V1BETA1 = 'lattice.dev/v1beta1';

type Spec = Record<string, unknown>;

function renameKey(spec: Spec, from: string, to: string): Spec {
  if (!(from in spec)) return spec;
  const out: Spec = {};
  for (const [k, v] of Object.entries(spec)) out[k === from ? to : k] = v;
  return out;
}

/**
 * One LatticeService at `desiredApiVersion` (v1alpha1 or v1beta1). A new object; the input is not changed.
 * @throws Error naming the kind or version when the object is not a LatticeService at a known version.
 */
export function convertLatticeService(obj: KubeObject, desiredApiVersion: string): KubeObject {
  if (obj.kind !== 'LatticeService') throw new Error(`cannot convert kind ${String(obj.kind)}: only LatticeService has more than one version`);
  for (const v of [obj.apiVersion, desiredApiVersion])
    if (v !== LATTICE_V1ALPHA1 && v !== LATTICE_V1BETA1) throw new Error(`unknown LatticeService version ${JSON.stringify(v)}: served are ${LATTICE_V1ALPHA1}, ${LATTICE_V1BETA1}`);
  const copy = structuredClone(obj);
  if (obj.apiVersion === desiredApiVersion) return copy;
  const spec = (copy.spec ?? {}) as Spec;
  if (desiredApiVersion === LATTICE_V1BETA1) {
    const beta = renameKey(spec, 'imagePullSecrets', 'imageProviders');
    if (beta.replicas === undefined) beta.replicas = 1;
    return { ...copy, apiVersion: LATTICE_V1BETA1, spec: beta };
  }
  return { ...copy, apiVersion: LATTICE_V1ALPHA1, spec: renameKey(spec, 'imageProviders', 'imagePullSecrets') };
}

/** Path of the conversion endpoint on the platform's webhook Service (`lattice-system/lattice-webhook`). */
export const CONVERSION_PATH = '/convert';

interface ConversionReviewLike {
  apiVersion?: unknown;
  kind?: unknown;
  request?: { uid?: unknown; desiredAPIVersion?: unknown; objects?: unknown };
}

/**
 * The conversion webhook, HTTP-shaped: the POSTed ConversionReview (apiextensions.k8s.io/v1) in, the
 * ConversionReview with `response` out (`{uid, convertedObjects, result: {status: 'Success'}}`, or
 * `result: {status: 'Failure', message}` when any object cannot be converted: all or nothing, as the API
 * server expects). A real cluster serves it over HTTPS behind the CRD's `conversion.webhook.clientConfig`;
 * a simulator registers it as the Service's in-process handler.
 * @throws Error for a body that is not a ConversionReview with a request (an HTTP server answers 400).
 */
export function latticeConversionWebhook(body: unknown): unknown {
  const review = body as ConversionReviewLike;
  const request = review?.request;
  if (review?.kind !== 'ConversionReview' || typeof request !== 'object' || request === null) throw new Error('expected a ConversionReview (apiextensions.k8s.io/v1) with a request');
  const uid = typeof request.uid === 'string' ? request.uid : '';
  const answer = (response: Record<string, unknown>) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid, ...response } });
  const objects = Array.isArray(request.objects) ? (request.objects as KubeObject[]) : [];
  try {
    const convertedObjects = objects.map((o) => convertLatticeService(o, String(request.desiredAPIVersion)));
    return answer({ convertedObjects, result: { status: 'Success' } });
  } catch (err) {
    return answer({ result: { status: 'Failure', message: err instanceof Error ? err.message : String(err) } });
  }
}
