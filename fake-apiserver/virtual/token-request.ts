/**
 * The `serviceaccounts/token` subresource (authentication.k8s.io/v1 TokenRequest; kube-apiserver's
 * pkg/registry/core/serviceaccount/storage/token.go): a bound service-account token for an existing
 * ServiceAccount, as `kubectl create token` asks for one.
 *
 * - `spec.expirationSeconds` defaults to 3600 and must be at least 600 (upstream's 10-minute floor);
 *   `spec.audiences` default to the API server's (`https://kubernetes.default.svc.cluster.local`).
 * - `spec.boundObjectRef`, when given, must name a Pod, Secret or Node that exists (its 404
 *   otherwise; a `uid` that is not the object's is a 409); its uid goes into the claim. A Pod must run
 *   as the ServiceAccount (400 `cannot bind token for serviceaccount "<sa>" to pod running with
 *   different serviceaccount name.`; a pod without `serviceAccountName` runs as `default`, what the
 *   ServiceAccount admission plugin would have set), and its node is named in the claim too
 *   (ServiceAccountTokenPodNodeInfo).
 * - The token is a JWT with upstream's claims (iss, sub `system:serviceaccount:<ns>:<name>`, aud, exp,
 *   iat, nbf, jti, and the `kubernetes.io` claim naming the namespace and service account), signed
 *   RS256 with the server's key (auth/tokens.ts): the HTTP front authenticates it as that service account.
 * Reads the ServiceAccount; the claims are deterministic in (ServiceAccount, request, now), the signature in the server's key.
 */
import { createHash } from 'node:crypto';
import { invalid, statusError } from '../api/index.ts';
import type { KubeObject, StatusCause } from '../api/index.ts';
import type { ApiServer } from '../apiserver.ts';
import { SERVICE_ACCOUNT_ISSUER, signServiceAccountToken } from '../auth/tokens.ts';
import type { KubernetesClaim, ServiceAccountClaims } from '../auth/tokens.ts';

export { SERVICE_ACCOUNT_ISSUER };

/** What a token is issued for: TokenRequest's `spec` after defaulting. */
export interface TokenSpec {
  audiences: string[];
  expirationSeconds: number;
  boundObjectRef?: { kind?: string; name?: string; uid?: string };
  /** The node of a bound Pod (name and uid), named in the claim beside the pod. */
  podNode?: { name: string; uid: string };
}

/**
 * A token of ServiceAccount `namespace/name` (uid `uid`) issued at `nowMs` (ms since the epoch), as
 * the TokenRequest below issues it and as the kubelet projects it into a pod's service-account volume:
 * upstream's claims, signed RS256 with `server`'s key (auth/tokens.ts), so the HTTP front
 * authenticates it. @returns the JWT and its expiry (seconds since the epoch)
 */
export function serviceAccountToken(server: ApiServer, namespace: string, name: string, uid: string | undefined, spec: TokenSpec, nowMs: number): { token: string; exp: number } {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + spec.expirationSeconds;
  const k8s: KubernetesClaim = { namespace, serviceaccount: { name, uid: uid ?? '' } };
  const bound = spec.boundObjectRef;
  if (bound?.kind) k8s[bound.kind.toLowerCase() as 'pod' | 'secret' | 'node'] = { name: bound.name ?? '', uid: bound.uid ?? '' };
  if (spec.podNode) k8s.node = spec.podNode;
  const jti = createHash('sha256').update(`${namespace}/${name}/${iat}/${JSON.stringify(spec)}`).digest('hex').slice(0, 32);
  const claims: ServiceAccountClaims = { aud: spec.audiences, exp, iat, iss: SERVICE_ACCOUNT_ISSUER, jti, 'kubernetes.io': k8s, nbf: iat, sub: `system:serviceaccount:${namespace}:${name}` };
  return { token: signServiceAccountToken(server, claims), exp };
}

/**
 * Answers `POST …/serviceaccounts/<name>/token` with `body` (a TokenRequest) at `nowMs` (ms since the epoch).
 * @returns the TokenRequest with spec defaulted and `status.token` / `status.expirationTimestamp`.
 * @throws the ServiceAccount's 404; 422 for a too-short expiration or an unsupported bound object kind.
 */
export function requestToken(server: ApiServer, namespace: string, name: string, body: Record<string, unknown>, nowMs: number): KubeObject {
  const sa = server.get({ apiVersion: 'v1', kind: 'ServiceAccount' }, { namespace, name });
  const spec = { ...((body.spec ?? {}) as { audiences?: string[]; expirationSeconds?: number; boundObjectRef?: { kind?: string; name?: string; uid?: string; apiVersion?: string } }) };
  spec.expirationSeconds ??= 3600;
  if (!spec.audiences?.length) spec.audiences = [SERVICE_ACCOUNT_ISSUER];
  const causes: StatusCause[] = [];
  if (spec.expirationSeconds < 600) causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${spec.expirationSeconds}: may not specify a duration less than 10 minutes` });
  if (spec.expirationSeconds > 2 ** 32) causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${spec.expirationSeconds}: may not specify a duration larger than 2^32 seconds` });
  const bound = spec.boundObjectRef;
  if (bound && !['Pod', 'Secret', 'Node'].includes(bound.kind ?? '')) causes.push({ reason: 'FieldValueNotSupported', field: 'spec.boundObjectRef.kind', message: `Unsupported value: "${bound.kind ?? ''}": supported values: "Pod", "Secret", "Node"` });
  if (causes.length) throw invalid('TokenRequest', 'authentication.k8s.io', name, causes);

  const issued: TokenSpec = { ...(spec as TokenSpec) };
  if (bound) {
    const kind = bound.kind as 'Pod' | 'Secret' | 'Node';
    const obj = server.get({ apiVersion: 'v1', kind }, { namespace: kind === 'Node' ? undefined : namespace, name: bound.name ?? '' });
    if (kind === 'Pod' && ((obj.spec?.serviceAccountName as string | undefined) || 'default') !== name)
      throw statusError('BadRequest', `cannot bind token for serviceaccount ${JSON.stringify(name)} to pod running with different serviceaccount name.`);
    if (bound.uid && bound.uid !== obj.metadata.uid)
      throw statusError('Conflict', `Operation cannot be fulfilled on ${kind} ${JSON.stringify(bound.name ?? '')}: the UID in the bound object reference (${bound.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    issued.boundObjectRef = { ...bound, uid: obj.metadata.uid ?? '' };
    const nodeName = kind === 'Pod' ? (obj.spec?.nodeName as string | undefined) : undefined;
    const node = nodeName && server.has({ apiVersion: 'v1', kind: 'Node' }, { name: nodeName }) ? server.get({ apiVersion: 'v1', kind: 'Node' }, { name: nodeName }) : undefined;
    if (node) issued.podNode = { name: node.metadata.name, uid: node.metadata.uid ?? '' };
  }
  const { token, exp } = serviceAccountToken(server, namespace, name, sa.metadata.uid, issued, nowMs);
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: { name, namespace, creationTimestamp: null as unknown as string },
    spec,
    status: { token, expirationTimestamp: new Date(exp * 1000).toISOString().replace('.000Z', 'Z') },
  };
}
