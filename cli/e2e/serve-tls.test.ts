/**
 * `lattice-sim serve --tls --token T`: HTTPS with a generated CA. kubectl v1.35 verifies the
 * certificate against the kubeconfig's certificate-authority-data and, over TLS, sends the token —
 * so a wrong token is refused as a real cluster refuses it; @kubernetes/client-node verifies the CA too.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { extractKubectl, runKubectl } from '../../fake-apiserver/http/testing/kubectl.ts';
import { startServe } from '../serve.ts';
import type { ServeHandle } from '../serve.ts';

const runnable = process.platform === 'linux' && process.arch === 'x64';
let s: ServeHandle;
let dir: string;
let bin: string;
const lines: string[] = [];
const env = (kubeconfig: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: kubeconfig });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lattice-sim-serve-tls-'));
  if (runnable) bin = extractKubectl(dir);
  s = await startServe({ port: 0, kubeconfig: join(dir, 'kubeconfig'), token: 'tls-token', tls: true }, { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) });
});
afterAll(async () => {
  await s?.stop();
});

describe('lattice-sim serve --tls', () => {
  it('serves https on 127.0.0.1 and writes the CA into the kubeconfig (no insecure-skip-tls-verify)', () => {
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const cluster = (parse(readFileSync(s.kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, unknown> }[] }).clusters[0].cluster;
    expect(Buffer.from(String(cluster['certificate-authority-data']), 'base64').toString()).toContain('BEGIN CERTIFICATE');
    expect(cluster['insecure-skip-tls-verify']).toBeUndefined();
  });

  it.skipIf(!runnable)('kubectl verifies the certificate and sends the token; a wrong token is Unauthorized', async () => {
    const ok = await runKubectl(bin, ['get', 'namespaces', '-o', 'name'], env(s.kubeconfig));
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    expect(ok.stdout).toContain('namespace/default');
    const wrong = join(dir, 'wrong-token');
    const cfg = parse(readFileSync(s.kubeconfig, 'utf8')) as { users: { user: { token: string } }[] };
    cfg.users[0].user.token = 'nope';
    writeFileSync(wrong, stringify(cfg));
    const denied = await runKubectl(bin, ['get', 'namespaces'], env(wrong));
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('error: You must be logged in to the server (Unauthorized)');
  });

  it('client-node trusts the kubeconfig CA and authenticates with the token', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(s.kubeconfig);
    const names = (await kc.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).toContain('kube-system');
  });
});
