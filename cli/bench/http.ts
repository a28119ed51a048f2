/**
 * Bench section for the HTTP front (issue 8): how long the server takes to answer its first
 * request, and how many writes per second go through @kubernetes/client-node. Wall ms; the numbers
 * are written by bench.ts into reports/out/bench.json, never asserted.
 * - httpStartToFirstAnswerMs: new ApiServer + listen on 127.0.0.1:0 + first GET answered (median of 5);
 * - serveProcessStartToFirstAnswerMs: `lattice-sim serve` as a process (node + tsx + CLI) until its
 *   first GET is answered (median of 3);
 * - httpWritesPerSecClientNode / …Concurrent16: ConfigMap creates through CoreV1Api, one at a time and
 *   16 in flight;
 * - httpExecutorCreatesPerSec: the same creates through parseRequest + executeRequest + JSON.stringify,
 *   no socket: what the front costs without the transport;
 * - httpBenchLoadAverage1m / httpBenchCores: the machine's load while this ran (shared cores make the
 *   socket numbers swing several-fold).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ApiServer } from '../../fake-apiserver/index.ts';
import { DEFAULT_VERSION, executeRequest, parseRequest, startHttpServer } from '../../fake-apiserver/http/index.ts';
import { RealClock } from '../../harness/clock/index.ts';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round2 = (x: number): number => Math.round(x * 100) / 100;

async function startToFirstAnswerMs(): Promise<number> {
  const t = performance.now();
  const http = await startHttpServer(new ApiServer({ clock: new RealClock() }));
  const res = await fetch(`${http.url}/api/v1/namespaces`);
  await res.arrayBuffer();
  const ms = performance.now() - t;
  await http.close();
  return ms;
}

/** Spawns `bin/lattice-sim.mjs serve --port 0`, waits for its URL, fetches once, stops it with SIGTERM. */
function serveProcessMs(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-sim-bench-'));
  const t = performance.now();
  const bin = new URL('../../bin/lattice-sim.mjs', import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--kubeconfig', join(dir, 'kubeconfig')], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0 && !out.includes('listening')) reject(new Error(`serve exited with ${code}: ${out}`));
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (!url || out.includes('\u0000')) return;
      out += '\u0000';
      void fetch(`${url}/api/v1/namespaces`)
        .then((r) => r.arrayBuffer())
        .then(() => {
          const ms = performance.now() - t;
          child.kill('SIGTERM');
          resolve(ms);
        }, reject);
    });
  });
}

async function writesPerSec(core: CoreV1Api, n: number, inFlight: number, prefix: string): Promise<number> {
  let next = 0;
  const t = performance.now();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `${prefix}-${i}` }, data: { i: String(i) } } });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return Math.round(n / ((performance.now() - t) / 1000));
}

function executorCreatesPerSec(n: number): number {
  const api = new ApiServer({ clock: new RealClock() });
  const ctx = { serverAddress: '127.0.0.1:0', now: () => Date.now(), version: DEFAULT_VERSION };
  const create = (name: string) => {
    const req = parseRequest({ method: 'POST', url: '/api/v1/namespaces/default/configmaps', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name }, data: { i: name } }) });
    JSON.stringify(executeRequest(api, req, ctx).body);
  };
  // Warm-up: the first write loads the built-in schemas (fake-apiserver/schemas, once per process).
  for (let i = 0; i < 200; i++) create(`warm-${i}`);
  const t = performance.now();
  for (let i = 0; i < n; i++) create(`x-${i}`);
  return Math.round(n / ((performance.now() - t) / 1000));
}

/** Runs the HTTP section; returns its numbers (keys as documented above). */
export async function benchHttp(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  out.httpExecutorCreatesPerSec = executorCreatesPerSec(5000);
  const starts: number[] = [];
  for (let i = 0; i < 5; i++) starts.push(await startToFirstAnswerMs());
  out.httpStartToFirstAnswerMs = round2(median(starts));
  const procs: number[] = [];
  for (let i = 0; i < 3; i++) procs.push(await serveProcessMs());
  out.serveProcessStartToFirstAnswerMs = Math.round(median(procs));

  const http = await startHttpServer(new ApiServer({ clock: new RealClock() }));
  try {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'bench', server: http.url, skipTLSVerify: true }],
      users: [{ name: 'bench' }],
      contexts: [{ name: 'bench', cluster: 'bench', user: 'bench' }],
      currentContext: 'bench',
    });
    const core = kc.makeApiClient(CoreV1Api);
    await writesPerSec(core, 200, 1, 'warm');
    out.httpWritesPerSecClientNode = await writesPerSec(core, 2000, 1, 'seq');
    out.httpWritesPerSecClientNodeConcurrent16 = await writesPerSec(core, 4000, 16, 'par');
  } finally {
    await http.close();
  }
  out.httpBenchLoadAverage1m = round2(loadavg()[0]);
  out.httpBenchCores = availableParallelism();
  return out;
}
