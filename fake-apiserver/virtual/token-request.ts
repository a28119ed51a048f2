/**
 * The `serviceaccounts/token` subresource (authentication.k8s.io/v1 TokenRequest; kube-apiserver's
 * pkg/registry/core/serviceaccount/storage/token.go): a bound service-account token for an existing
 * ServiceAccount, as `kubectl create token` asks for one.
 *
 * - `spec.expirationSeconds` defaults to 3600 and must be at least 600 (upstream's 10-minute floor);
 *   `spec.audiences` default to the API server's (`https://kubernetes.default.svc.cluster.local`).
 * - `spec.boundObjectRef`, when given, must name a Pod, Secret or Node.
 * - The token is a JWT with upstream's claims (iss, sub `system:serviceaccount:<ns>:<name>`, aud, exp,
 *   iat, nbf, jti, and the `kubernetes.io` claim naming the namespace and service account). It is
 *   signed HS256 with a fixed key: this server authenticates nobody, so the signature guards nothing.
 * Pure apart from reading the ServiceAccount; deterministic in (ServiceAccount, request, now).
 */
import { createHash, createHmac } from 'node:crypto';
import { invalid } from '../api/index.ts';
import type { KubeObject, StatusCause } from '../api/index.ts';
import type { ApiServer } from '../apiserver.ts';

/** The issuer and default audience of service-account tokens (kube-apiserver's default `--service-account-issuer`). */
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** The TokenRequest spec fields a token carries. */
export interface TokenSpec {
  audiences: string[];
  expirationSeconds: number;
  boundObjectRef?: { kind?: string; name?: string; uid?: string };
}

/**
 * A signed token of ServiceAccount `namespace/name` (uid `uid`) issued at `nowMs` (ms since the
 * epoch) as the TokenRequest above issues it (also what the kubelet projects into a pod's
 * service-account volume). @returns the JWT and its expiry (seconds since the epoch)
 */
export function serviceAccountToken(namespace: string, name: string, uid: string | undefined, spec: TokenSpec, nowMs: number): { token: string; exp: number } {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + spec.expirationSeconds;
  const k8s: Record<string, unknown> = { namespace, serviceaccount: { name, uid } };
  const bound = spec.boundObjectRef;
  if (bound?.kind) k8s[bound.kind.toLowerCase()] = { name: bound.name, uid: bound.uid };
  const jti = createHash('sha256').update(`${namespace}/${name}/${iat}/${JSON.stringify(spec)}`).digest('hex').slice(0, 32);
  const claims = { aud: spec.audiences, exp, iat, iss: SERVICE_ACCOUNT_ISSUER, jti, 'kubernetes.io': k8s, nbf: iat, sub: `system:serviceaccount:${namespace}:${name}` };
  const unsigned = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return { token: `${unsigned}.${createHmac('sha256', 'lattice-sim').update(unsigned).digest('base64url')}`, exp };
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

  const { token, exp } = serviceAccountToken(namespace, name, sa.metadata.uid, spec as TokenSpec, nowMs);
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: { name, namespace, creationTimestamp: null as unknown as string },
    spec,
    status: { token, expirationTimestamp: new Date(exp * 1000).toISOString().replace('.000Z', 'Z') },
  };
}
