/**
 * Bench section for the HTTP front (issue 8): how long the server takes to answer its first
 * request, and how many writes per second go through @kubernetes/client-node. Wall ms; the numbers
 * are written by bench.ts into reports/out/bench.json, never asserted.
 * - httpStartToFirstAnswerMs: new ApiServer + listen on 127.0.0.1:0 + first GET answered (median of 5);
 * - serveProcessStartToFirstAnswerMs: `lattice-sim serve` as a process (node + tsx + CLI) until its
 *   first GET is answered (median of 3);
 * - ConfigMap creates through client-node's CoreV1Api from a client in its own process (as a user's
 *   operator runs), against the HTTP front served from this process, one at a time and 16 in flight,
 *   with two client configurations:
 *   - `KeepAlive` (the headline `httpWritesPerSecClientNode` / `…Concurrent16`): one
 *     `http.Agent({ keepAlive: true })` set on every request by a client-node middleware, as a user
 *     who cares about throughput configures it;
 *   - `DefaultAgent`: `kc.makeApiClient(CoreV1Api)` as it comes: client-node 1.4's
 *     `KubeConfig.applySecurityAuthentication` builds a new `http.Agent` (no keep-alive) for every
 *     request, so each write opens and closes a TCP connection (`Connection: close`);
 *   for each: writes per wall second, and CPU µs per write of the server process (this one; it does
 *   nothing else meanwhile) and of the client process (`…ServerCpuUsPerWrite…`, `…ClientCpuUsPerWrite…`);
 * - httpWritesPerCpuSecondKeepAlive16: 1e6 / (server + client CPU µs per write, keep-alive, 16 in flight):
 *   the writes per second the two cores would carry if this bench had them to itself (wall numbers
 *   swing several-fold when other processes share the cores);
 * - httpExecutorCreatesPerSec / …PerCpuSec: the same creates through parseRequest + executeRequest +
 *   JSON.stringify, no socket (per wall second / per CPU second): what the front costs without the transport;
 * - httpBenchLoadAverage1m / httpBenchCores: the machine's load while this ran.
 * `node --import tsx cli/bench/http.ts --client-child <url> <KeepAlive|DefaultAgent>` is the client process.
 */
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig, ServerConfiguration, createConfiguration } from '@kubernetes/client-node';
import { ApiServer } from '../../fake-apiserver/index.ts';
import { DEFAULT_VERSION, executeRequest, parseRequest, startHttpServer } from '../../fake-apiserver/http/index.ts';
import { RealClock } from '../../harness/clock/index.ts';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** How the client process configures client-node (see the module comment). */
type ClientConfig = 'KeepAlive' | 'DefaultAgent';

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

/** A CoreV1Api for `url` configured as `config` says. */
function coreApi(url: string, config: ClientConfig): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'bench', server: url, skipTLSVerify: true }],
    users: [{ name: 'bench' }],
    contexts: [{ name: 'bench', cluster: 'bench', user: 'bench' }],
    currentContext: 'bench',
  });
  if (config === 'DefaultAgent') return kc.makeApiClient(CoreV1Api);
  // The KubeConfig still authenticates each request (and sets its own agent); the middleware then
  // replaces that agent with one keep-alive agent shared by every request.
  const agent = new Agent({ keepAlive: true });
  return new CoreV1Api(
    createConfiguration({
      baseServer: new ServerConfiguration(url, {}),
      authMethods: { default: kc },
      promiseMiddleware: [
        {
          pre: (ctx) => {
            ctx.setAgent(agent);
            return Promise.resolve(ctx);
          },
          post: (res) => Promise.resolve(res),
        },
      ],
    }),
  );
}

/** One batch of creates, asked of the client process. */
interface ClientRun {
  n: number;
  inFlight: number;
  prefix: string;
}

/** The client process's answer: wall ms of the batch and its own CPU µs. */
interface ClientResult {
  wallMs: number;
  cpuUs: number;
}

/** `n` ConfigMap creates, `inFlight` at a time; wall ms and this process's CPU µs. */
async function createConfigMaps(core: CoreV1Api, { n, inFlight, prefix }: ClientRun): Promise<ClientResult> {
  let next = 0;
  const t = performance.now();
  const cpu = process.cpuUsage();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `${prefix}-${i}` }, data: { i: String(i) } } });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - t, cpuUs: used.user + used.system };
}

/** The client process: answers each ClientRun message with a ClientResult; exits when the parent disconnects. */
async function clientChild(url: string, config: ClientConfig): Promise<void> {
  const core = coreApi(url, config);
  process.on('message', (run: ClientRun) => {
    createConfigMaps(core, run).then(
      (r) => process.send?.(r),
      (e: unknown) => {
        console.error(`bench client: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      },
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.('ready');
}

/** Writes per wall second and CPU µs per write of both processes, for one client configuration. */
async function clientNodeWrites(url: string, config: ClientConfig, n: number): Promise<Record<string, number>> {
  const self = fileURLToPath(import.meta.url);
  const child = fork(self, ['--client-child', url, config], { execArgv: ['--import', 'tsx'] });
  // The child answers each message in turn ('ready' first, then one ClientResult per ClientRun).
  const waiting: { resolve: (m: unknown) => void; reject: (e: Error) => void }[] = [];
  child.on('message', (m) => waiting.shift()?.resolve(m));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`bench client exited with ${code}`));
  });
  const next = () => new Promise<unknown>((resolve, reject) => waiting.push({ resolve, reject }));
  const ready = next();
  const run = async (r: ClientRun) => {
    const answer = next();
    const cpu = process.cpuUsage();
    child.send(r);
    const res = (await answer) as ClientResult;
    const used = process.cpuUsage(cpu);
    return { perSec: Math.round(r.n / (res.wallMs / 1000)), serverCpuUs: Math.round((used.user + used.system) / r.n), clientCpuUs: Math.round(res.cpuUs / r.n) };
  };
  try {
    await ready;
    await run({ n: 300, inFlight: 1, prefix: `warm-${config.toLowerCase()}` });
    const seq = await run({ n, inFlight: 1, prefix: `seq-${config.toLowerCase()}` });
    const par = await run({ n: 2 * n, inFlight: 16, prefix: `par-${config.toLowerCase()}` });
    const tag = config === 'KeepAlive' ? '' : config;
    return {
      [`httpWritesPerSecClientNode${tag}`]: seq.perSec,
      [`httpWritesPerSecClientNode${tag}Concurrent16`]: par.perSec,
      [`httpServerCpuUsPerWrite${config}`]: seq.serverCpuUs,
      [`httpServerCpuUsPerWrite${config}Concurrent16`]: par.serverCpuUs,
      [`httpClientCpuUsPerWrite${config}`]: seq.clientCpuUs,
      [`httpClientCpuUsPerWrite${config}Concurrent16`]: par.clientCpuUs,
    };
  } finally {
    child.removeAllListeners('exit');
    if (child.connected) child.disconnect();
  }
}

/** Creates through parseRequest + executeRequest + JSON.stringify: per wall second and per CPU second. */
function executorCreatesPerSec(n: number): { perSec: number; perCpuSec: number } {
  const api = new ApiServer({ clock: new RealClock() });
  const ctx = { serverAddress: '127.0.0.1:0', now: () => Date.now(), version: DEFAULT_VERSION };
  const create = (name: string) => {
    const req = parseRequest({ method: 'POST', url: '/api/v1/namespaces/default/configmaps', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name }, data: { i: name } }) });
    JSON.stringify(executeRequest(api, req, ctx).body);
  };
  // Warm-up: the first write loads the built-in schemas (fake-apiserver/schemas, once per process).
  for (let i = 0; i < 200; i++) create(`warm-${i}`);
  const t = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) create(`x-${i}`);
  const used = process.cpuUsage(cpu);
  return { perSec: Math.round(n / ((performance.now() - t) / 1000)), perCpuSec: Math.round(n / ((used.user + used.system) / 1e6)) };
}

/** Runs the HTTP section; returns its numbers (keys as documented above). */
export async function benchHttp(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const executor = executorCreatesPerSec(5000);
  out.httpExecutorCreatesPerSec = executor.perSec;
  out.httpExecutorCreatesPerCpuSec = executor.perCpuSec;
  const starts: number[] = [];
  for (let i = 0; i < 5; i++) starts.push(await startToFirstAnswerMs());
  out.httpStartToFirstAnswerMs = round2(median(starts));
  const procs: number[] = [];
  for (let i = 0; i < 3; i++) procs.push(await serveProcessMs());
  out.serveProcessStartToFirstAnswerMs = Math.round(median(procs));

  const http = await startHttpServer(new ApiServer({ clock: new RealClock() }));
  try {
    console.log(`HTTP writes: ConfigMap creates through @kubernetes/client-node from a client process; KeepAlive = one http.Agent({ keepAlive: true }) set by a middleware, DefaultAgent = makeApiClient as the KubeConfig gives it (a new agent and TCP connection per request)`);
    Object.assign(out, await clientNodeWrites(http.url, 'KeepAlive', 2000), await clientNodeWrites(http.url, 'DefaultAgent', 1000));
    out.httpWritesPerCpuSecondKeepAlive16 = Math.round(1e6 / (out.httpServerCpuUsPerWriteKeepAliveConcurrent16 + out.httpClientCpuUsPerWriteKeepAliveConcurrent16));
  } finally {
    await http.close();
  }
  out.httpBenchLoadAverage1m = round2(loadavg()[0]);
  out.httpBenchCores = availableParallelism();
  return out;
}

if (process.argv[2] === '--client-child') await clientChild(process.argv[3], process.argv[4] as ClientConfig);
