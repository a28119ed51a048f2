import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../fake-apiserver/api/index.ts';
import { World } from '../../world.ts';
import { CoreTypes } from '../third-party-crds.ts';
import { podReady } from '../owners.ts';
import { until } from '../testing/world-steps.ts';
import { METRICS_API_SERVICE, installMetricsServer } from './metrics-server.ts';

const PodMetrics = { apiVersion: 'metrics.k8s.io/v1beta1', kind: 'PodMetrics' };
const NodeMetrics = { apiVersion: 'metrics.k8s.io/v1beta1', kind: 'NodeMetrics' };

const web: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'main', image: 'nginx', resources: { requests: { cpu: '200m', memory: '256Mi' } } },
          { name: 'sidecar', image: 'busybox' },
        ],
      },
    },
  },
};

/** kubectl top's reading of a quantity: cpu in millicores rounded up, memory in MiB rounded down. */
function top(q: string, resource: 'cpu' | 'memory'): number {
  const m = /^(\d+)(n|m|Ki|Mi|)$/.exec(q);
  if (!m) throw new Error(`unexpected quantity ${q}`);
  const v = Number(m[1]);
  if (resource === 'cpu') return Math.ceil(m[2] === 'n' ? v / 1e6 : m[2] === 'm' ? v : v * 1000);
  return Math.floor(m[2] === 'Ki' ? v / 1024 : m[2] === 'Mi' ? v : v / 1024 / 1024);
}

describe('metrics-server stub in a World', () => {
  it('serves PodMetrics and NodeMetrics through the API server, from SimulatedMetrics x requests, get/list only', async () => {
    const w = await World.create({ seed: 3, platform: false });
    try {
      const { stop } = installMetricsServer(w.server, { clock: w.clock, cache: w.cache, metrics: w.metrics });
      expect(w.server.get(METRICS_API_SERVICE, { name: 'v1beta1.metrics.k8s.io' }).status.conditions[0]).toMatchObject({ type: 'Available', status: 'True', reason: 'Passed' });
      await w.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
      await w.client.create(web);
      const pods = () => w.server.list(CoreTypes.Pod, { namespace: 'ns' }).items.filter(podReady);
      await until(w, () => pods().length === 2, { stepMs: 1_000 });
      const [first] = pods();
      // Just started: no rate yet. A named get is metrics-server's 404, a list is empty.
      await expect(w.client.get(PodMetrics, { namespace: 'ns', name: first!.metadata.name })).rejects.toMatchObject({
        status: { code: 404, message: `podmetrics.metrics.k8s.io "ns/${first!.metadata.name}" not found` },
      });
      await expect(w.client.get(PodMetrics, { namespace: 'ns', name: 'nosuch' })).rejects.toMatchObject({ status: { code: 404, message: 'pods "nosuch" not found' } });
      expect((await w.client.list(PodMetrics, { namespace: 'ns' })).items).toEqual([]);

      await w.advance(w.clock.now() + 31_000);
      const list = await w.client.list(PodMetrics, { namespace: 'ns' });
      expect(list.items.map((m) => m.metadata.name)).toEqual(pods().map((p) => p.metadata.name).sort());
      const m = list.items[0]!;
      expect(Object.keys(m)).toEqual(['kind', 'apiVersion', 'metadata', 'timestamp', 'window', 'containers']);
      expect(m.metadata.labels).toMatchObject({ app: 'web' });
      expect(m.window).toBe('15s');
      expect(Date.parse(m.timestamp) % 15_000).toBe(0);
      expect(w.clock.now() - Date.parse(m.timestamp)).toBeLessThan(15_000);
      const usage = (pm: KubeObject, c: string) => (pm.containers as { name: string; usage: { cpu: string; memory: string } }[]).find((x) => x.name === c)!.usage;
      // Defaults: 10 % of the cpu request, 40 % of the memory request; a container without requests 1m / 8 MiB.
      expect(top(usage(m, 'main').cpu, 'cpu')).toBe(20);
      expect(top(usage(m, 'main').memory, 'memory')).toBe(102);
      expect(usage(m, 'main').cpu).toMatch(/^\d+n$/);
      expect(usage(m, 'main').memory).toMatch(/^\d+Ki$/);
      expect(top(usage(m, 'sidecar').cpu, 'cpu')).toBe(1);
      expect(top(usage(m, 'sidecar').memory, 'memory')).toBe(8);

      // The value the HPA stub scales on changes what the metrics API reports: 75 % of each request.
      w.metrics.set('ns/web', 'cpu', 0.75);
      w.metrics.set('ns/web', 'memory', 0.5);
      const busy = await w.client.get(PodMetrics, { namespace: 'ns', name: m.metadata.name });
      expect(top(usage(busy, 'main').cpu, 'cpu')).toBe(150);
      expect(top(usage(busy, 'main').memory, 'memory')).toBe(128);
      expect(top(usage(busy, 'sidecar').cpu, 'cpu')).toBe(1);

      // Selectors as metrics-server applies them: labels of the pod, metadata fields.
      expect((await w.client.list(PodMetrics, { labelSelector: 'app=web' })).items).toHaveLength(2);
      expect((await w.client.list(PodMetrics, { namespace: 'ns', labelSelector: 'app=other' })).items).toHaveLength(0);
      expect((await w.client.list(PodMetrics, { fieldSelector: `metadata.name=${m.metadata.name}` })).items).toHaveLength(1);

      // Nodes: the node running a pod uses its containers' usage more than an idle one.
      const nodeOf = (pods().find((p) => p.metadata.name === m.metadata.name)!.spec as { nodeName: string }).nodeName;
      const nodes = (await w.client.list(NodeMetrics)).items;
      expect(nodes.length).toBe(w.server.list(CoreTypes.Node).items.length);
      const node = await w.client.get(NodeMetrics, { name: nodeOf });
      expect(Object.keys(node)).toEqual(['kind', 'apiVersion', 'metadata', 'timestamp', 'window', 'usage']);
      // Its cpu is the idle baseline (50m) plus main's 150m plus the sidecar's 1m, less under 1m of measurement each.
      const otherPods = pods().filter((p) => p.metadata.name !== m.metadata.name && (p.spec as { nodeName: string }).nodeName === nodeOf).length;
      if (otherPods === 0) expect(top(node.usage.cpu, 'cpu')).toBeGreaterThanOrEqual(50 + 150 + 1 - 2);
      expect(top(node.usage.cpu, 'cpu')).toBeLessThanOrEqual(50 + (150 + 1) * (1 + otherPods));
      await expect(w.client.get(NodeMetrics, { name: 'nosuch' })).rejects.toMatchObject({ status: { code: 404, message: 'node "nosuch" not found' } });

      // get and list only.
      await expect(w.client.watch(PodMetrics, { namespace: 'ns' }, () => {})).rejects.toMatchObject({
        status: { code: 405, reason: 'MethodNotAllowed', message: 'watch is not supported on resources of kind "pods.metrics.k8s.io"' },
      });
      await expect(w.client.create({ ...busy, metadata: { name: 'x', namespace: 'ns' } })).rejects.toMatchObject({ status: { code: 405 } });
      await expect(w.client.delete(PodMetrics, { namespace: 'ns', name: m.metadata.name })).rejects.toMatchObject({ status: { code: 405 } });

      stop();
      await expect(w.client.list(PodMetrics)).rejects.toMatchObject({ status: { code: 404 } });
    } finally {
      w.stop();
    }
  });
});
