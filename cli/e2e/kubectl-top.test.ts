/**
 * `kubectl top` (kubectl v1.35) against `lattice-sim serve --stubs` (issue 8): metrics-server's
 * `metrics.k8s.io/v1beta1` served through the API server from the World's simulated metrics
 * (harness/stubs/metrics-server): `top pod` (`--containers`, `-A`, `-l`, `--sort-by`), `top node`,
 * the raw API's shape, the APIService Available, kubectl's own messages for a pod without metrics,
 * and a SimulatedMetrics value changing what `top` prints.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useServeSession } from './serve-session.ts';

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
const rows = (out: string): string[][] => out.trim().split('\n').map((l) => l.trim().split(/\s+/));

const MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: main, image: nginx:1.27, resources: {requests: {cpu: 200m, memory: 256Mi}}}
      - {name: log, image: busybox:1.36}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - {name: main, image: nginx:1.27, resources: {requests: {cpu: "1", memory: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: waiting, labels: {app: waiting}}
spec:
  nodeSelector: {pool: nowhere}
  containers:
  - {name: main, image: nginx:1.27}
`;

describe.skipIf(!linuxX64)('kubectl top against serve --stubs', () => {
  const session = useServeSession('top', 9);
  const { k, kr } = session;

  it('top pod, --containers, -A, -l, --sort-by, top node and the raw API as metrics-server answers', { timeout: 180_000 }, async () => {
    const file = join(session.dir, 'top.yaml');
    writeFileSync(file, MANIFEST);
    await k('apply', '-f', file);

    // A pod that never runs has no metrics: metrics-server's 404 for a name, kubectl's own words for a selector.
    const named = await kr('top', 'pod', 'waiting');
    expect(named.code).toBe(1);
    expect(named.stderr.trim()).toBe('Error from server (NotFound): podmetrics.metrics.k8s.io "default/waiting" not found');
    const selected = await kr('top', 'pod', '-l', 'app=waiting');
    expect(selected.code).toBe(1);
    expect(selected.stderr.trim()).toBe('error: metrics not available yet');
    const none = await kr('top', 'pod', 'nosuch');
    expect(none.stderr.trim()).toBe('Error from server (NotFound): pods "nosuch" not found');

    expect(await k('get', 'apiservices', 'v1beta1.metrics.k8s.io')).toMatch(/^v1beta1\.metrics\.k8s\.io\s+kube-system\/metrics-server\s+True\s+\S+$/m);
    await k('rollout', 'status', 'deployment/web', '--timeout=60s');
    await k('rollout', 'status', 'deployment/api', '--timeout=60s');
    // Metrics come with metrics-server's second scrape after the containers start (15 s resolution).
    for (let i = 0; i < 60; i++) {
      const r = await kr('top', 'pod', '-l', 'app in (web,api)', '--no-headers');
      if (r.code === 0 && rows(r.stdout).length === 3) break;
      await new Promise((done) => setTimeout(done, 1_000));
    }

    // Defaults: 10 % of the cpu request, 40 % of the memory request; 1m / 8 MiB for a container without requests.
    const web = await k('top', 'pod', '-l', 'app=web');
    expect(web.split('\n')[0]!.trim().split(/\s+/)).toEqual(['NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    const webPods = rows(web).slice(1);
    expect(webPods).toHaveLength(2);
    for (const r of webPods) expect(r.slice(1)).toEqual(['21m', '110Mi']);
    const containers = rows(await k('top', 'pod', '-l', 'app=web', '--containers')).slice(1);
    expect(containers.map((r) => r.slice(1))).toEqual([
      ['log', '1m', '8Mi'],
      ['main', '20m', '102Mi'],
      ['log', '1m', '8Mi'],
      ['main', '20m', '102Mi'],
    ]);

    // The HPA's value for the Deployment is what metrics-server reports: 90 % of the cpu request.
    session.s.world!.metrics.set('default/web', 'cpu', 0.9);
    for (const r of rows(await k('top', 'pod', '-l', 'app=web', '--no-headers'))) expect(r.slice(1)).toEqual(['181m', '110Mi']);

    const byCpu = rows(await k('top', 'pod', '--sort-by=cpu', '--no-headers'));
    expect(byCpu.map((r) => r[0]!.split('-')[0])).toEqual(['web', 'web', 'api']);
    const byMemory = rows(await k('top', 'pod', '--sort-by=memory', '--no-headers'));
    expect(byMemory.map((r) => r[0]!.split('-')[0])).toEqual(['api', 'web', 'web']);
    expect(byMemory[0]!.slice(1)).toEqual(['100m', '409Mi']);
    const all = await k('top', 'pod', '-A');
    expect(all.split('\n')[0]!.trim().split(/\s+/)).toEqual(['NAMESPACE', 'NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    expect(rows(all).slice(1).every((r) => r[0] === 'default')).toBe(true);

    // Nodes: every Ready node once scraped twice since the cluster started, the busiest first with
    // --sort-by=cpu (system 50m + its pods).
    for (let i = 0; i < 30 && (await kr('top', 'node')).code !== 0; i++) await new Promise((done) => setTimeout(done, 1_000));
    const nodes = await k('top', 'node');
    expect(nodes.split('\n')[0]!.trim().split(/\s+/)).toEqual(['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)']);
    const nodeCount = rows(await k('get', 'nodes', '--no-headers')).length;
    expect(rows(nodes).slice(1)).toHaveLength(nodeCount);
    const busiest = rows(await k('top', 'node', '--sort-by=cpu', '--no-headers'))[0]!;
    const apiPod = JSON.parse(await k('get', 'pod', '-l', 'app=api', '-o', 'json')) as { items: { spec: { nodeName: string } }[] };
    const webNodes = (JSON.parse(await k('get', 'pod', '-l', 'app=web', '-o', 'json')) as { items: { spec: { nodeName: string } }[] }).items.map((p) => p.spec.nodeName);
    expect([apiPod.items[0]!.spec.nodeName, ...webNodes]).toContain(busiest[0]);
    expect(Number(busiest[1]!.replace(/m$/, ''))).toBeGreaterThan(150);
    const byNodeMemory = rows(await k('top', 'node', '--sort-by=memory', '--no-headers'));
    expect(byNodeMemory).toHaveLength(nodeCount);

    // The raw API, as metrics-server encodes it: no resourceVersion, items without kind, nanocores and KiB.
    const raw = JSON.parse(await k('get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes')) as { kind: string; apiVersion: string; metadata: object; items: Record<string, unknown>[] };
    expect({ kind: raw.kind, apiVersion: raw.apiVersion, metadata: raw.metadata }).toEqual({ kind: 'NodeMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {} });
    expect(raw.items).toHaveLength(nodeCount);
    for (const item of raw.items) {
      expect(Object.keys(item)).toEqual(['metadata', 'timestamp', 'window', 'usage']);
      expect(item.window).toBe('15s');
      expect(item.usage).toEqual({ cpu: expect.stringMatching(/^\d+n$/), memory: expect.stringMatching(/^\d+Ki$/) });
      expect(Object.keys(item.metadata as object)).toEqual(['name', 'creationTimestamp', 'labels']);
    }
    const podName = webPods[0]![0]!;
    const pm = JSON.parse(await k('get', '--raw', `/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/${podName}`)) as Record<string, unknown>;
    expect(Object.keys(pm)).toEqual(['kind', 'apiVersion', 'metadata', 'timestamp', 'window', 'containers']);
    expect(pm.containers).toEqual([
      { name: 'main', usage: { cpu: expect.stringMatching(/^179\d{6}n$/), memory: expect.stringMatching(/^\d+Ki$/) } },
      { name: 'log', usage: { cpu: expect.stringMatching(/^9\d{5}n$/), memory: expect.stringMatching(/^\d+Ki$/) } },
    ]);
    expect((pm.metadata as { labels: Record<string, string> }).labels).toMatchObject({ app: 'web' });

    // Field selectors on the metrics' metadata, as metrics-server filters them.
    expect(rows(await k('top', 'pod', '--field-selector', `metadata.name=${podName}`, '--no-headers')).map((r) => r[0])).toEqual([podName]);

    // Aggregated discovery lists the group as an aggregated API: get and list, no singular name.
    const aggregated = (await (await fetch(`${session.s.url}/apis`, { headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } })).json()) as { items: { metadata: { name: string }; versions: unknown[] }[] };
    const resource = (name: string, kind: string, scope: string) => ({ resource: name, responseKind: { group: 'metrics.k8s.io', version: 'v1beta1', kind }, scope, singularResource: '', verbs: ['get', 'list'] });
    expect(aggregated.items.find((i) => i.metadata.name === 'metrics.k8s.io')?.versions).toEqual([
      { version: 'v1beta1', freshness: 'Current', resources: [resource('nodes', 'NodeMetrics', 'Cluster'), resource('pods', 'PodMetrics', 'Namespaced')] },
    ]);

    // kubectl get asks for metrics-server's Table; watch is not served.
    const table = await k('get', 'podmetrics', podName);
    expect(table.split('\n')[0]!.trim().split(/\s+/)).toEqual(['NAME', 'CPU', 'MEMORY', 'WINDOW']);
    const watch = await kr('get', '--raw', '/apis/metrics.k8s.io/v1beta1/pods?watch=true');
    expect(watch.stderr).toContain('watch is not supported on resources of kind "pods.metrics.k8s.io"');
  });
});
