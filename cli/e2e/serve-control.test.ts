/**
 * `lattice-sim serve` exposes its control endpoint: a fault rule posted while kubectl v1.35 works
 * against the server makes kubectl fail the way a real cluster's failure would read, and removing it
 * restores service; a snapshot taken before a deletion brings the object back.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractKubectl, runKubectl } from '../../fake-apiserver/http/testing/kubectl.ts';
import { startServe } from '../serve.ts';
import type { ServeHandle } from '../serve.ts';

const runnable = process.platform === 'linux' && process.arch === 'x64';
let s: ServeHandle;
let env: NodeJS.ProcessEnv;
let bin: string;
const lines: string[] = [];

beforeAll(async () => {
  if (!runnable) return;
  const dir = mkdtempSync(join(tmpdir(), 'lattice-sim-serve-control-'));
  bin = extractKubectl(dir);
  s = await startServe({ port: 0, kubeconfig: join(dir, 'kubeconfig') }, { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) });
  env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: s.kubeconfig };
});
afterAll(async () => {
  await s?.stop();
});

const control = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${s.url}/lattice-sim/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

describe.skipIf(!runnable)('lattice-sim serve control endpoint, with kubectl v1.35', () => {
  it('a 503 fault on configmap creates makes kubectl fail with the Status message; removing it restores service', async () => {
    const rule = await control('POST', 'faults', { verbs: ['create'], resource: 'configmaps', error: { code: 503, message: 'etcd cluster is unavailable or misconfigured' } });
    expect(rule.status).toBe(201);
    const failed = await runKubectl(bin, ['create', 'configmap', 'demo', '--from-literal=a=1'], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('etcd cluster is unavailable or misconfigured');
    expect((await control('DELETE', 'faults')).json).toEqual({ removed: 1 });
    expect((await runKubectl(bin, ['create', 'configmap', 'demo', '--from-literal=a=1'], env)).code).toBe(0);
  });

  it('a snapshot taken before a delete restores the object', async () => {
    const snap = await fetch(`${s.url}/lattice-sim/snapshot`).then((r) => r.text());
    expect((await runKubectl(bin, ['delete', 'configmap', 'demo'], env)).code).toBe(0);
    expect((await runKubectl(bin, ['get', 'configmap', 'demo'], env)).code).toBe(1);
    expect((await fetch(`${s.url}/lattice-sim/snapshot`, { method: 'PUT', body: snap })).status).toBe(200);
    const got = await runKubectl(bin, ['get', 'configmap', 'demo', '-o', 'jsonpath={.data.a}'], env);
    expect([got.code, got.stdout]).toEqual([0, '1']);
  });
});
