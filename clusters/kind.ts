/**
 * kind backend: a cluster with Cilium (kube-proxy replacement, no default CNI) and Istio ambient, the
 * shape the reference's test clusters have (reference §6). `kindConfig()` is pure and unit-tested;
 * `up()`/`down()` shell out to `kind`, which needs a Docker engine: `available()` says so when absent.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import type { ClusterRuntime } from './runtime.ts';

const run = promisify(execFile);

/** kind Cluster config: one control plane, `workers` workers (the last `gpuWorkers` labelled as a GPU pool), no default CNI, no kube-proxy. */
export function kindConfig(name: string, workers = 2, gpuWorkers = 1): string {
  const nodes = [
    { role: 'control-plane' },
    ...Array.from({ length: workers }, (_, i) => ({
      role: 'worker',
      ...(i >= workers - gpuWorkers ? { labels: { 'nvidia.com/gpu.present': 'true', 'lattice.dev/simulated-gpu': 'true' } } : {}),
    })),
  ];
  return stringify({
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    name,
    networking: { disableDefaultCNI: true, kubeProxyMode: 'none' },
    nodes,
  });
}

/** The kind runtime. */
export class KindRuntime implements ClusterRuntime {
  readonly name = 'kind';
  constructor(private readonly clusterName = 'lattice-sim') {}

  async available(): Promise<string | undefined> {
    try {
      await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 10_000 });
    } catch {
      return 'no Docker engine on this machine (docker info failed): kind clusters cannot start';
    }
    try {
      await run('kind', ['version'], { timeout: 10_000 });
    } catch {
      return 'the kind binary is not installed';
    }
    return undefined;
  }

  async up(): Promise<void> {
    const reason = await this.available();
    if (reason) throw new Error(`kind: ${reason}`);
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'kind-')), 'kind.yaml');
    writeFileSync(file, kindConfig(this.clusterName));
    await run('kind', ['create', 'cluster', '--config', file, '--kubeconfig', this.kubeconfig()]);
  }

  async down(): Promise<void> {
    await run('kind', ['delete', 'cluster', '--name', this.clusterName]);
  }

  kubeconfig(): string {
    return `reports/out/kind-${this.clusterName}.kubeconfig`;
  }
}
