/**
 * Bench section for the in-process API server (issue 8). Wall ms and ops per wall second, never
 * asserted; written by bench.ts into reports/out/bench.json (`apiserver*` keys).
 * - creates, gets, updates (spec change, a new resourceVersion each), status merge patches, per second,
 *   on `BENCH_APISERVER_PODS` (default 20,000) realistic Pods (two containers, labels, resources,
 *   ~1.3 KB of JSON); creates, updates and status patches also per CPU second (shared cores make wall
 *   rates swing), and creates of as many small ConfigMaps;
 * - list with a label selector over them (each list matches 1 in 50), lists per second;
 * - watch fan-out: `FANOUT_WATCHERS` watches of the kind, events delivered per second while Pods
 *   are updated (delivery on the default microtask scheduler);
 * - memory: `BENCH_MEMORY_PODS` (default 100,000) Pods stored, heap and RSS growth after a full GC
 *   (measured in a child process started with --expose-gc, so nothing else shares the heap).
 * Targets (issue 8): >= 50,000 in-process writes/s; 100,000 Pods in < 1 GiB.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ApiServer } from '../../fake-apiserver/index.ts';
import type { KubeObject } from '../../fake-apiserver/index.ts';
import { VirtualClock } from '../../harness/clock/index.ts';

const PODS = Number(process.env.BENCH_APISERVER_PODS ?? 20_000);
const MEMORY_PODS = Number(process.env.BENCH_MEMORY_PODS ?? 100_000);
const FANOUT_WATCHERS = 50;
const POD = { apiVersion: 'v1', kind: 'Pod' };

/** A Pod as a ReplicaSet writes it: ~1.3 KB of JSON. */
export function benchPod(i: number): KubeObject {
  const app = `app-${i % 50}`;
  return {
    ...POD,
    metadata: {
      name: `${app}-7d9f8b6c5d-${i.toString(36).padStart(5, '0')}`,
      namespace: `ns-${i % 20}`,
      labels: { app, 'pod-template-hash': '7d9f8b6c5d', 'app.kubernetes.io/managed-by': 'lattice' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-7d9f8b6c5d`, uid: `00000000-0000-4000-8000-${String(i % 50).padStart(12, '0')}`, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      serviceAccountName: app,
      containers: [
        { name: 'main', image: `registry.example.com/${app}:1.4.2`, ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }], env: [{ name: 'PORT', value: '8080' }, { name: 'LOG_LEVEL', value: 'info' }], resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } }, readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 } },
        { name: 'log-shipper', image: 'registry.example.com/shipper:2.0.0', resources: { requests: { cpu: '10m', memory: '32Mi' } } },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
    },
  };
}

const rate = (n: number, t0: number): number => Math.round(n / ((performance.now() - t0) / 1000));
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Operations per CPU second (this process's user + system time, all threads) since `c0` = cpuMs(). */
const cpuRate = (n: number, c0: number): number => Math.round(n / ((cpuMs() - c0) / 1000));

/** In-process verbs per second. */
export async function benchApiServerOps(): Promise<Record<string, number>> {
  const server = new ApiServer({ clock: new VirtualClock() });
  for (let n = 0; n < 20; n++) server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } });
  const pods = Array.from({ length: PODS }, (_, i) => benchPod(i));
  const out: Record<string, number> = { apiserverBenchPods: PODS };
  let t = performance.now();
  let c = cpuMs();
  const stored = pods.map((p) => server.create(p));
  out.apiserverCreatesPerSec = rate(PODS, t);
  out.apiserverCreatesPerCpuSec = cpuRate(PODS, c);
  // Small objects (a ConfigMap with two keys): what most controller writes look like.
  t = performance.now();
  c = cpuMs();
  for (let i = 0; i < PODS; i++) server.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: `ns-${i % 20}`, labels: { app: `app-${i % 50}` } }, data: { a: '1', b: String(i) } });
  out.apiserverSmallCreatesPerSec = rate(PODS, t);
  out.apiserverSmallCreatesPerCpuSec = cpuRate(PODS, c);
  t = performance.now();
  for (const p of stored) server.get(POD, { namespace: p.metadata.namespace, name: p.metadata.name });
  out.apiserverGetsPerSec = rate(PODS, t);
  t = performance.now();
  c = cpuMs();
  const updated = stored.map((p, i) => server.update({ ...p, spec: { ...(p.spec as object), activeDeadlineSeconds: 3600 + i } }));
  out.apiserverUpdatesPerSec = rate(PODS, t);
  out.apiserverUpdatesPerCpuSec = cpuRate(PODS, c);
  t = performance.now();
  c = cpuMs();
  for (const p of updated) server.patchStatus(POD, { namespace: p.metadata.namespace, name: p.metadata.name }, 'merge', { status: { phase: 'Running', podIP: '10.0.0.1' } });
  out.apiserverStatusPatchesPerSec = rate(PODS, t);
  out.apiserverStatusPatchesPerCpuSec = cpuRate(PODS, c);
  const lists = 200;
  t = performance.now();
  let items = 0;
  for (let i = 0; i < lists; i++) items += server.list(POD, { labelSelector: `app=app-${i % 50}` }).items.length;
  out.apiserverSelectorListsPerSec = rate(lists, t);
  out.apiserverSelectorListItems = Math.round(items / lists);
  // Watch fan-out: FANOUT_WATCHERS watches, PODS/4 updates; count deliveries once the microtasks drained.
  let delivered = 0;
  const handles = Array.from({ length: FANOUT_WATCHERS }, () => server.watch(POD, { resourceVersion: String(server.revision) }, () => void delivered++));
  const writes = Math.floor(PODS / 4);
  t = performance.now();
  for (let i = 0; i < writes; i++) {
    const p = updated[i];
    server.patch(POD, { namespace: p.metadata.namespace, name: p.metadata.name }, 'merge', { metadata: { annotations: { touched: String(i) } } });
  }
  while (delivered < writes * FANOUT_WATCHERS) await new Promise((r) => setImmediate(r));
  out.apiserverWatchDeliveriesPerSec = rate(delivered, t);
  out.apiserverWatchFanout = FANOUT_WATCHERS;
  for (const h of handles) h.stop();
  return out;
}

/** Child-process body: store MEMORY_PODS Pods, print heap/RSS growth (MiB) as JSON. */
async function memoryChild(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const server = new ApiServer({ clock: new VirtualClock() });
  for (let n = 0; n < 20; n++) server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } });
  gc();
  const before = process.memoryUsage();
  const t = performance.now();
  for (let i = 0; i < MEMORY_PODS; i++) server.create(benchPod(i));
  const ms = performance.now() - t;
  gc();
  const after = process.memoryUsage();
  // Keep the server reachable past the measurement (otherwise the GC may free it first).
  if (server.list(POD, { namespace: 'ns-0' }).items.length === 0) throw new Error('no pods stored');
  const mib = (b: number) => Math.round(b / 2 ** 20);
  process.stdout.write(`${JSON.stringify({ apiserverMemoryPods: MEMORY_PODS, apiserverMemoryHeapMiB: mib(after.heapUsed - before.heapUsed), apiserverMemoryRssMiB: mib(after.rss), apiserverMemoryCreateMs: Math.round(ms) })}\n`);
}

/** Memory with MEMORY_PODS Pods stored, from a fresh `--expose-gc` child. */
export function benchApiServerMemory(): Record<string, number> {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--memory-child'], { encoding: 'utf8', env: { ...process.env, BENCH_MEMORY_PODS: String(MEMORY_PODS) } });
  if (r.status !== 0) throw new Error(`memory bench child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
}

if (process.argv.includes('--memory-child')) await memoryChild();
else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = { ...(await benchApiServerOps()), ...benchApiServerMemory() };
  console.log(JSON.stringify(out, null, 2));
}
