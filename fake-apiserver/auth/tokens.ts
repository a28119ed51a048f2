/**
 * Service-account tokens: signing (TokenRequest, `kubectl create token`) and verification (the
 * API server's service-account token authenticator, k8s.io/kubernetes pkg/serviceaccount/jwt.go
 * and claims.go). Each ApiServer has its own RS256 key pair, made at the first token; a token
 * authenticates while its signature verifies, its issuer is the server's, its `exp`/`nbf` hold at
 * the server's clock, its audiences meet the API server's, its ServiceAccount (and bound Pod or
 * Secret) still exists with the uid the token names.
 */
import { createHash, createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { ApiServer } from '../apiserver.ts';
import type { UserInfo } from './user.ts';
import { SYSTEM_AUTHENTICATED, serviceAccountGroups, serviceAccountUsername } from './user.ts';

/** The issuer and default audience of service-account tokens (kube-apiserver's default `--service-account-issuer`). */
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** The `kubernetes.io` private claim. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
  node?: { name: string; uid: string };
}

/** The claims of a bound service-account token. @unit iat/nbf/exp: seconds since the epoch */
export interface ServiceAccountClaims {
  aud: string[];
  exp: number;
  iat: number;
  iss: string;
  jti: string;
  'kubernetes.io': KubernetesClaim;
  nbf: number;
  sub: string;
}

interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
}

const KEYS = new WeakMap<ApiServer, SigningKey>();

/** The server's signing key (an RSA 2048 pair, made on first use; `kid` the SHA-256 of the public key, as upstream). */
function keyOf(api: ApiServer): SigningKey {
  let key = KEYS.get(api);
  if (!key) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
    key = { privateKey, publicKey, kid };
    KEYS.set(api, key);
  }
  return key;
}

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** A JWT (RS256, the server's key) carrying `claims`. */
export function signServiceAccountToken(api: ApiServer, claims: ServiceAccountClaims): string {
  const key = keyOf(api);
  const unsigned = `${b64url(JSON.stringify({ alg: 'RS256', kid: key.kid }))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(key.privateKey).toString('base64url');
  return `${unsigned}.${signature}`;
}

function exists(api: ApiServer, kind: string, namespace: string | undefined, name: string, uid: string | undefined): boolean {
  const type = { apiVersion: 'v1', kind };
  const key = { namespace, name };
  if (!api.has(type, key)) return false;
  return !uid || api.get(type, key).metadata.uid === uid;
}

/**
 * Authenticates a bearer token as a service account.
 * @param nowMs the server's clock. @unit ms since the epoch
 * @param audiences the API server's audiences (default: the issuer).
 * @returns the user (`system:serviceaccount:<ns>:<name>`, uid, groups `system:serviceaccounts`,
 *   `system:serviceaccounts:<ns>`, `system:authenticated`, extra credential-id and bound pod), or
 *   undefined when the token is not one of this server's valid tokens (the API server answers 401).
 */
export function authenticateServiceAccountToken(api: ApiServer, token: string, nowMs: number, audiences: readonly string[] = [SERVICE_ACCOUNT_ISSUER]): UserInfo | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  let header: { alg?: string };
  let claims: ServiceAccountClaims;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as { alg?: string };
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as ServiceAccountClaims;
  } catch {
    return undefined;
  }
  if (header.alg !== 'RS256' || !KEYS.has(api)) return undefined;
  const ok = createVerify('RSA-SHA256').update(`${parts[0]}.${parts[1]}`).verify(keyOf(api).publicKey, Buffer.from(parts[2]!, 'base64url'));
  if (!ok || claims.iss !== SERVICE_ACCOUNT_ISSUER) return undefined;
  const now = Math.floor(nowMs / 1000);
  if (typeof claims.exp !== 'number' || now >= claims.exp || (typeof claims.nbf === 'number' && now < claims.nbf)) return undefined;
  if (!Array.isArray(claims.aud) || !claims.aud.some((a) => audiences.includes(a))) return undefined;
  const k8s = claims['kubernetes.io'];
  if (!k8s?.namespace || !k8s.serviceaccount?.name) return undefined;
  if (!exists(api, 'ServiceAccount', k8s.namespace, k8s.serviceaccount.name, k8s.serviceaccount.uid)) return undefined;
  if (k8s.pod && !exists(api, 'Pod', k8s.namespace, k8s.pod.name, k8s.pod.uid)) return undefined;
  if (k8s.secret && !exists(api, 'Secret', k8s.namespace, k8s.secret.name, k8s.secret.uid)) return undefined;
  const extra: Record<string, string[]> = { 'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`] };
  if (k8s.pod) {
    extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid];
  }
  return {
    username: serviceAccountUsername(k8s.namespace, k8s.serviceaccount.name),
    uid: k8s.serviceaccount.uid,
    groups: [...serviceAccountGroups(k8s.namespace), SYSTEM_AUTHENTICATED],
    extra,
  };
}
