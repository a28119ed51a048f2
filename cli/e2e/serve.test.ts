import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { extractKubectl, runKubectl } from '../../fake-apiserver/http/testing/kubectl.ts';
import { repoPath, runCli } from './run-cli.ts';

/** Starts `bin/lattice-sim.mjs serve …` as a real process; resolves once it printed its URL and kubeconfig. */
function startServe(args: string[]) {
  const child = spawn(process.execPath, [repoPath('bin/lattice-sim.mjs'), 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const ready = new Promise<{ url: string; kubeconfig: string }>((done, fail) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const kubeconfig = /kubeconfig: (\S+)/.exec(out)?.[1];
      if (url && kubeconfig) done({ url, kubeconfig });
    });
    void exited.then((code) => fail(new Error(`serve exited (${code}) before it was ready: ${out}${err}`)));
  });
  ready.catch(() => undefined); // tests that expect an early exit await `exited` instead
  return { child, ready, exited, output: () => ({ out, err }) };
}

describe('lattice-sim serve', () => {
  it('serves on 127.0.0.1, writes a kubeconfig with the token, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-sim-serve-'));
    const kc = join(dir, 'kubeconfig');
    const s = startServe(['--port', '0', '--kubeconfig', kc, '--token', 'dev-token']);
    const { url, kubeconfig } = await s.ready;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(kubeconfig).toBe(kc);
    const cfg = parse(readFileSync(kc, 'utf8'));
    expect(cfg).toMatchObject({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'lattice-sim', cluster: { server: url } }],
      users: [{ name: 'lattice-sim', user: { token: 'dev-token' } }],
      contexts: [{ name: 'lattice-sim', context: { cluster: 'lattice-sim', user: 'lattice-sim' } }],
      'current-context': 'lattice-sim',
    });
    expect((await fetch(`${url}/api/v1/namespaces`)).status).toBe(401);
    const ns = await fetch(`${url}/api/v1/namespaces`, { headers: { authorization: 'Bearer dev-token' } });
    expect(((await ns.json()) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name)).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.output().out).toContain('stopped (SIGTERM)');
  });

  it('refuses a port in use with a coded error (exit 2) and a bad --port as bad input', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    try {
      const port = (blocker.address() as AddressInfo).port;
      const s = startServe(['--port', String(port), '--kubeconfig', join(mkdtempSync(join(tmpdir(), 'lattice-sim-serve-')), 'kc')]);
      expect(await s.exited).toBe(2);
      expect(s.output().err).toContain(`error [LATTICE_SIM_PORT_IN_USE]: port ${port} on 127.0.0.1 is in use`);
    } finally {
      blocker.close();
    }
    const bad = await runCli(['serve', '--port', '70000']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('must be an integer from 0 to 65535');
  });

  it.skipIf(process.platform !== 'linux' || process.arch !== 'x64')(
    '--platform runs the Lattice controllers in real time: kubectl apply of the shop fleet yields its Deployments',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lattice-sim-serve-'));
      const kc = join(dir, 'kubeconfig');
      const kubectl = extractKubectl(dir);
      const s = startServe(['--platform', '--seed', '7', '--kubeconfig', kc]);
      try {
        const { url } = await s.ready;
        expect(s.output().out).toContain('(platform: Lattice controllers and simulated cluster, seed 7, real time)');
        const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: kc };
        const nodes = await runKubectl(kubectl, ['get', 'nodes', '-o', 'name'], env);
        expect(nodes.stdout).toContain('node/sim-node-0');
        // kubectl applies a directory in file-name order: the Namespace first, as with a real cluster
        expect((await runKubectl(kubectl, ['apply', '-f', repoPath('topologies/examples/shop/namespace.yaml')], env)).code).toBe(0);
        const applied = await runKubectl(kubectl, ['apply', '-f', repoPath('topologies/examples/shop/')], env);
        expect(applied.code, applied.stderr).toBe(0);
        expect(applied.stdout).toContain('latticeservice.lattice.dev/storefront created');
        const want = ['cart', 'catalog', 'catalog-db', 'checkout', 'payments', 'storefront'].map((n) => `deployment.apps/${n}`);
        let got: string[] = [];
        for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
          const r = await fetch(`${url}/apis/apps/v1/namespaces/shop/deployments`);
          got = ((await r.json()) as { items: { metadata: { name: string } }[] }).items.map((i) => `deployment.apps/${i.metadata.name}`);
          if (want.every((w) => got.includes(w))) break;
        }
        expect(got).toEqual(want);
        const phases = await runKubectl(kubectl, ['get', 'latticeservices', '-n', 'shop', '-o', 'jsonpath={.items[*].status.phase}'], env);
        expect(phases.stdout.split(' ').every((p) => p === 'Ready'), phases.stdout).toBe(true);
      } finally {
        s.child.kill('SIGTERM');
      }
      expect(await s.exited).toBe(0);
    },
  );
});
