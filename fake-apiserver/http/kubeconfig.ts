/**
 * A kubeconfig for a served fake API server: one cluster, one user (a static bearer token, or
 * none), one context, set as current-context.
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

/** What goes in the kubeconfig. */
export interface KubeconfigOptions {
  /** Server URL, e.g. `http://127.0.0.1:41234`. */
  server: string;
  /** Bearer token of the user; omitted: a user with no credentials. */
  token?: string;
  /** Name of the cluster, user and context (default `lattice-sim`). */
  name?: string;
  /** PEM of the CA that signed an `https://` server's certificate: written as `certificate-authority-data`. */
  certificateAuthority?: string;
}

/** The kubeconfig as YAML. */
export function kubeconfigYaml(opts: KubeconfigOptions): string {
  const name = opts.name ?? 'lattice-sim';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // Plain HTTP on loopback: @kubernetes/client-node refuses an http:// server unless
    // insecure-skip-tls-verify is set (kubectl does not mind it).
    clusters: [
      {
        name,
        cluster: {
          server: opts.server,
          ...(opts.server.startsWith('http://') ? { 'insecure-skip-tls-verify': true } : {}),
          ...(opts.certificateAuthority ? { 'certificate-authority-data': Buffer.from(opts.certificateAuthority).toString('base64') } : {}),
        },
      },
    ],
    users: [{ name, user: opts.token !== undefined ? { token: opts.token } : {} }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

/** Writes the kubeconfig to `file` (mode 0600: it may hold a token). */
export function writeKubeconfig(file: string, opts: KubeconfigOptions): void {
  writeFileSync(file, kubeconfigYaml(opts), { mode: 0o600 });
}
